/* rotating_waits: in each of two captures, "rotor" blocks on six mutexes in
 * turn, twice round, each held by main for 20 ms and then unlocked: every
 * one of its 12 waits per capture must name main as its waker.  The six
 * objects are more than a thread keeps the wait bits of (core.c, stale
 * bits), and "bystander" waited on the first one before, in vain (a
 * timedlock that timed out, then busy without a call cprof sees: its
 * slot still names that mutex, ended unclaimed, not withdrawn); in the
 * second, "bystander2" too, which waited on it across the first capture's
 * stop and was let go between the captures (unclaimed, withdrawn).  usage: rotating_waits T1.out T2.out.
 * Linked with libcprof. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cprof.h"

#define NM 6
static pthread_mutex_t m[NM];
static volatile int want = -1, done = -1, stop, by_done;

static void *rotor_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "rotor");
	for (;;) {
		while (want < 0 && !stop)
			usleep(200);
		if (stop)
			return NULL;
		int i = want;
		want = -1;
		pthread_mutex_lock(&m[i]);
		pthread_mutex_unlock(&m[i]);
		done = i;
	}
}

static volatile int by2_done;

static void *bystander2_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "bystander2");
	pthread_mutex_lock(&m[0]);
	pthread_mutex_unlock(&m[0]);
	by2_done = 1;
	while (!stop)
		usleep(1000);
	return NULL;
}

static void *bystander_main(void *arg)
{
	(void)arg;
	struct timespec ts;
	pthread_setname_np(pthread_self(), "bystander");
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	if (pthread_mutex_timedlock(&m[0], &ts) == 0)
		pthread_mutex_unlock(&m[0]);
	by_done = 1;
	while (!stop)           /* busy, no call cprof sees: its wait is not withdrawn */
		sched_yield();
	return NULL;
}

/* holds m[i] while thread `go` (NULL: rotor, told by `want`) blocks on it */
static void hold(int i)
{
	pthread_mutex_lock(&m[i]);
	done = -1;
	want = i;
	while (want >= 0)
		usleep(100);
	usleep(20 * 1000);              /* it is blocked by now */
	pthread_mutex_unlock(&m[i]);
	while (done != i)
		usleep(100);
}

int main(int argc, char **argv)
{
	struct cprof_error err;
	pthread_t r, b, b2;
	if (argc != 3) {
		fprintf(stderr, "usage: rotating_waits T1.out T2.out\n");
		return 2;
	}
	for (int i = 0; i < NM; i++)
		pthread_mutex_init(&m[i], NULL);
	pthread_create(&r, NULL, rotor_main, NULL);
	for (int c = 0; c < 2; c++) {
		if (cprof_trace_start(argv[1 + c], &err) < 0) {
			fprintf(stderr, "rotating_waits: %s\n", err.message);
			return 1;
		}
		if (c == 0) {
			pthread_mutex_lock(&m[0]);
			pthread_create(&b, NULL, bystander_main, NULL);
			while (!by_done)        /* timed out */
				usleep(1000);
			pthread_mutex_unlock(&m[0]);
		}
		for (int k = 0; k < 2 * NM; k++)
			hold(k % NM);
		if (c == 0) {
			pthread_mutex_lock(&m[0]);
			pthread_create(&b2, NULL, bystander2_main, NULL);
			usleep(20 * 1000);      /* blocked on m[0] by now */
		}
		if (cprof_trace_stop(&err) < 0) {
			fprintf(stderr, "rotating_waits: %s\n", err.message);
			return 1;
		}
		if (c == 0) {
			pthread_mutex_unlock(&m[0]);
			while (!by2_done)
				usleep(1000);
		}
	}
	stop = 1;
	pthread_join(r, NULL);
	pthread_join(b, NULL);
	pthread_join(b2, NULL);
	printf("done\n");
	return 0;
}
