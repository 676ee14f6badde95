/* pipeline.c: the overhead benchmark's workload (examples/workload.c: 4
 * producers -> bounded mutex/cond queue -> 4 workers -> shared mutex table,
 * malloc/free per item), run for a fixed time; prints items per second,
 * and with --cpu after it the process's CPU time (user + sys) per item in
 * microseconds, both over the measured window only: a traced run's exit
 * (writing trace.out) is outside it.
 * Not linked with libcprof: run it plain, preloaded, or traced. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "workload.h"

static volatile int stop;
static double seconds = 2;

static void *timer_main(void *arg)
{
	(void)arg;
	struct timespec ts = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };
	nanosleep(&ts, NULL);
	stop = 1;
	return NULL;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
	int cpu = argc > 2 && !strcmp(argv[2], "--cpu");
	if (argc > 1)
		seconds = atof(argv[1]);
	if (seconds <= 0 || seconds > 600 || argc > 3 || (argc > 2 && !cpu)) {
		fprintf(stderr, "usage: pipeline [SECONDS [--cpu]]\n");
		return 2;
	}
	struct workload_cfg cfg = {
		.producers = 4, .workers = 4, .queue_cap = 64, .work_iters = 200,
		.table_size = 4096, .item_bytes = 128, .stop = &stop,
	};
	struct workload_stats st;
	struct timespec t0, t1;
	pthread_t timer;
	double c0 = cpu_s();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&timer, NULL, timer_main, NULL);
	int r = workload_run(&cfg, &st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double c1 = cpu_s();
	pthread_join(timer, NULL);
	if (r < 0) {
		fprintf(stderr, "pipeline: workload failed (%d)\n", r);
		return 1;
	}
	double el = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (cpu)
		printf("%.0f %.3f\n", st.consumed / el,
			st.consumed ? (c1 - c0) * 1e6 / (double)st.consumed : 0.0);
	else
		printf("%.0f\n", st.consumed / el);
	return 0;
}
