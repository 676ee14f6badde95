/* stacked_waits: a thread whose waits end one after another before its next
 * unlock, when their cprof:sync_wait events are written: each must still
 * name its own waker.  "stacked" waits on a condvar (woken by "signaller"),
 * takes the mutex back inside libc, then blocks on m2 (released by main)
 * and on m3 (released by "holder") while it holds the mutex, and only then
 * unlocks.  Repeated ROUNDS times (default 3) in one capture.
 * usage: stacked_waits TRACE.out [ROUNDS].  Linked with libcprof. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "contended.h"
#include "cprof.h"

static pthread_mutex_t m1 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t m2 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t m3 = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int in_wait, woken;              /* under m1 */
static volatile int round_go, round_done, holder_ready, holder_go;
static int rounds = 3;

static void *stacked_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "stacked");
	for (int r = 0; r < rounds; r++) {
		while (__atomic_load_n(&round_go, __ATOMIC_ACQUIRE) <= r)
			usleep(1000);
		pthread_mutex_lock(&m1);
		in_wait = 1;
		while (!woken)
			pthread_cond_wait(&cond, &m1);      /* 1: woken by signaller */
		woken = 0;
		in_wait = 0;
		pthread_mutex_lock(&m2);                    /* 2: released by main */
		pthread_mutex_lock(&m3);                    /* 3: released by holder */
		pthread_mutex_unlock(&m3);                  /* the three are written here */
		pthread_mutex_unlock(&m2);
		pthread_mutex_unlock(&m1);
		__atomic_store_n(&round_done, r + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *signaller_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "signaller");
	for (int r = 0; r < rounds; r++) {
		for (;;) {      /* "stacked" is in its condvar wait: it let m1 go */
			pthread_mutex_lock(&m1);
			if (in_wait)
				break;
			pthread_mutex_unlock(&m1);
			usleep(1000);
		}
		usleep(20 * 1000);
		woken = 1;
		pthread_cond_signal(&cond);
		pthread_mutex_unlock(&m1);
		while (__atomic_load_n(&round_done, __ATOMIC_ACQUIRE) <= r)
			usleep(1000);
	}
	return NULL;
}

static void *holder_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "holder");
	for (int r = 0; r < rounds; r++) {
		pthread_mutex_lock(&m3);
		__atomic_store_n(&holder_ready, r + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&holder_go, __ATOMIC_ACQUIRE) <= r)
			usleep(1000);
		wait_contended(&m3);
		pthread_mutex_unlock(&m3);
		while (__atomic_load_n(&round_done, __ATOMIC_ACQUIRE) <= r)
			usleep(1000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct cprof_error err;
	pthread_t th[3];
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: stacked_waits TRACE.out [ROUNDS]\n");
		return 2;
	}
	if (argc == 3)
		rounds = atoi(argv[2]);
	if (cprof_trace_start(argv[1], &err) < 0) {
		fprintf(stderr, "stacked_waits: %s\n", err.message);
		return 1;
	}
	pthread_create(&th[0], NULL, stacked_main, NULL);
	pthread_create(&th[1], NULL, signaller_main, NULL);
	pthread_create(&th[2], NULL, holder_main, NULL);
	for (int r = 0; r < rounds; r++) {
		while (__atomic_load_n(&holder_ready, __ATOMIC_ACQUIRE) <= r)
			usleep(1000);
		pthread_mutex_lock(&m2);
		__atomic_store_n(&round_go, r + 1, __ATOMIC_RELEASE);
		wait_contended(&m2);            /* stacked: woken, now blocked on m2 */
		__atomic_store_n(&holder_go, r + 1, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&m2);
		while (__atomic_load_n(&round_done, __ATOMIC_ACQUIRE) <= r)
			usleep(1000);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	if (cprof_trace_stop(&err) < 0) {
		fprintf(stderr, "stacked_waits: %s\n", err.message);
		return 1;
	}
	printf("done\n");
	return 0;
}
