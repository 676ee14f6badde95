/* handoff_app: a mutex handed from "giver" to "taker" ROUNDS times, both
 * threads on one CPU: the taker, woken by the giver's unlock, often runs
 * before the unlock returns (it preempts the giver).  Each round: giver
 * holds the lock, the taker blocks on it, the giver lets go; the taker
 * takes it and lets go at once.  The flags between rounds are polled, so
 * the only waits on the lock are the handoffs.
 * usage: handoff_app ROUNDS.  Not linked with libcprof: run it preloaded. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int round_go, round_done, round_asked;

static void on_cpu0(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
		fprintf(stderr, "handoff_app: cannot run on CPU 0\n");
		exit(1);
	}
}

static void *taker_main(void *arg)
{
	int rounds = *(int *)arg;
	pthread_setname_np(pthread_self(), "taker");
	on_cpu0();
	for (int i = 1; i <= rounds; i++) {
		while (round_go < i)
			usleep(200);
		round_asked = i;
		pthread_mutex_lock(&lock);      /* held by the giver: blocks */
		pthread_mutex_unlock(&lock);
		round_done = i;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc == 2 ? atoi(argv[1]) : 0;
	if (rounds <= 0) {
		fprintf(stderr, "usage: handoff_app ROUNDS\n");
		return 2;
	}
	pthread_setname_np(pthread_self(), "giver");
	on_cpu0();
	pthread_t th;
	pthread_create(&th, NULL, taker_main, &rounds);
	for (int i = 1; i <= rounds; i++) {
		pthread_mutex_lock(&lock);
		round_go = i;
		while (round_asked < i)
			usleep(200);
		usleep(2000);                   /* the taker is blocked by now */
		pthread_mutex_unlock(&lock);
		while (round_done < i)
			usleep(200);
	}
	pthread_join(th, NULL);
	printf("ok %d rounds\n", rounds);
	return 0;
}
