/* whole_waits: lock and condvar waits begun during a capture, reported whole
 * (cprof:sync_wait), in the three ways they end up in the trace:
 *   - "waiter": a mutex wait that ends, woken by main, written after its
 *     unlock; "cond-waiter": a condvar wait woken by main's signal;
 *   - "holder": a mutex wait that ends, the lock then held across the
 *     capture's stop: its event is written by the stopping thread;
 *   - "stuck": a mutex wait still going when the capture stops
 *     (cprof:sync_wait_open and its stack); it ends during a second capture
 *     (TRACE2.out), which must show it as a wait begun before it: in the
 *     status dump, then cprof:block_end and main's cprof:wake;
 *   - "relay": a mutex wait woken by main in each capture, with 40,000
 *     waits of its own between them (its wait numbers move far past the
 *     first capture's stamp): the second wait still names main;
 *   - "cond-waiter2": a condvar wait begun after main's second signal to
 *     cond, which found only cond-waiter, already claimed (a signalling
 *     thread remembers such a condvar until a new wait begins on it): main's
 *     next signal must still name main as its waker.
 * usage: whole_waits TRACE.out TRACE2.out.  Linked with libcprof. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "contended.h"
#include "cprof.h"

static pthread_mutex_t m_wait = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t m_hold = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t m_stuck = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t m_cond = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t m_relay = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t m_many = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c_many = PTHREAD_COND_INITIALIZER;
static int signalled, signalled2, w2_ready;
static volatile int cond_left;
static volatile int holder_has_it, release_holder;
static volatile int relay_pass1, relay_between, relay_many_done, relay_go2;
static int about_to_block;      /* threads at their first wait (main waits for 5) */

static void blocking_next(void)
{
	__atomic_fetch_add(&about_to_block, 1, __ATOMIC_SEQ_CST);
}

static __attribute__((noinline)) void lock_and_wait(pthread_mutex_t *m)
{
	pthread_mutex_lock(m);
	__asm__ volatile("" ::: "memory");   /* not a tail call: keep this frame */
}

static void *waiter_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "waiter");
	blocking_next();
	lock_and_wait(&m_wait);
	pthread_mutex_unlock(&m_wait);
	return NULL;
}

static void *cond_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "cond-waiter");
	pthread_mutex_lock(&m_cond);
	blocking_next();        /* main signals once it has m_cond: we wait by then */
	while (!signalled)
		pthread_cond_wait(&cond, &m_cond);
	pthread_mutex_unlock(&m_cond);
	cond_left = 1;
	return NULL;
}

static void *cond2_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "cond-waiter2");
	while (!cond_left)
		usleep(1000);
	pthread_mutex_lock(&m_cond);
	w2_ready = 1;
	while (!signalled2)
		pthread_cond_wait(&cond, &m_cond);
	pthread_mutex_unlock(&m_cond);
	return NULL;
}

static void *holder_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "holder");
	blocking_next();
	lock_and_wait(&m_hold);
	holder_has_it = 1;
	/* no call cprof interposes (a sleep would write the wait's event) */
	while (!release_holder)
		__asm__ volatile("pause" ::: "memory");
	pthread_mutex_unlock(&m_hold);
	return NULL;
}

static __attribute__((noinline)) void stuck_lock(void)
{
	lock_and_wait(&m_stuck);
	__asm__ volatile("" ::: "memory");
}

static void *stuck_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "stuck");
	blocking_next();
	stuck_lock();
	pthread_mutex_unlock(&m_stuck);
	return NULL;
}

static void *relay_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "relay");
	blocking_next();
	lock_and_wait(&m_relay);
	pthread_mutex_unlock(&m_relay);
	relay_pass1 = 1;
	while (!relay_between)
		usleep(1000);
	/* 40,000 waits outside captures: condvar waits that time out at once */
	struct timespec past = { 0, 0 };
	pthread_mutex_lock(&m_many);
	for (int i = 0; i < 40000; i++)
		pthread_cond_timedwait(&c_many, &m_many, &past);
	pthread_mutex_unlock(&m_many);
	relay_many_done = 1;
	while (!relay_go2)
		usleep(1000);
	lock_and_wait(&m_relay);        /* main holds it again, in capture 2 */
	pthread_mutex_unlock(&m_relay);
	return NULL;
}

int main(int argc, char **argv)
{
	struct cprof_error err;
	pthread_t th[6];
	if (argc != 3) {
		fprintf(stderr, "usage: whole_waits TRACE.out TRACE2.out\n");
		return 2;
	}
	pthread_mutex_lock(&m_wait);
	pthread_mutex_lock(&m_hold);
	pthread_mutex_lock(&m_stuck);
	pthread_mutex_lock(&m_relay);
	if (cprof_trace_start(argv[1], &err) < 0) {
		fprintf(stderr, "whole_waits: %s\n", err.message);
		return 1;
	}
	pthread_create(&th[0], NULL, waiter_main, NULL);
	pthread_create(&th[1], NULL, cond_main, NULL);
	pthread_create(&th[2], NULL, holder_main, NULL);
	pthread_create(&th[3], NULL, stuck_main, NULL);
	pthread_create(&th[4], NULL, relay_main, NULL);
	pthread_create(&th[5], NULL, cond2_main, NULL);
	/* all five are blocked 50 ms after they said they would block (a
	 * fixed 100 ms from their creation was too short on a loaded machine) */
	while (__atomic_load_n(&about_to_block, __ATOMIC_SEQ_CST) < 5)
		usleep(1000);
	usleep(50 * 1000);
	wait_contended(&m_wait);
	pthread_mutex_unlock(&m_wait);
	pthread_mutex_lock(&m_cond);
	signalled = 1;
	pthread_cond_signal(&cond);
	pthread_cond_signal(&cond);     /* cond-waiter is claimed: no waiter */
	pthread_mutex_unlock(&m_cond);
	for (;;) {                      /* cond-waiter2 waits on cond, in the mutex */
		pthread_mutex_lock(&m_cond);
		if (w2_ready)
			break;
		pthread_mutex_unlock(&m_cond);
		usleep(1000);
	}
	signalled2 = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&m_cond);
	wait_contended(&m_hold);
	pthread_mutex_unlock(&m_hold);
	wait_contended(&m_relay);
	pthread_mutex_unlock(&m_relay);
	while (!holder_has_it || !relay_pass1)
		usleep(1000);
	usleep(50 * 1000);
	if (cprof_trace_stop(&err) < 0) {
		fprintf(stderr, "whole_waits: %s\n", err.message);
		return 1;
	}
	pthread_mutex_lock(&m_relay);
	relay_between = 1;
	while (!relay_many_done)
		usleep(1000);
	release_holder = 1;
	if (cprof_trace_start(argv[2], &err) < 0) {
		fprintf(stderr, "whole_waits: %s\n", err.message);
		return 1;
	}
	usleep(50 * 1000);
	pthread_mutex_unlock(&m_stuck);
	relay_go2 = 1;
	wait_contended(&m_relay);       /* relay sleeps on m_relay */
	pthread_mutex_unlock(&m_relay);
	for (int i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	if (cprof_trace_stop(&err) < 0) {
		fprintf(stderr, "whole_waits: %s\n", err.message);
		return 1;
	}
	printf("done\n");
	return 0;
}
