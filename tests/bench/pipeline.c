/* pipeline.c: the overhead benchmark's workload (examples/workload.c: 4
 * producers -> bounded mutex/cond queue -> 4 workers -> shared mutex table,
 * malloc/free per item), run for a fixed time; prints items per second.
 * Not linked with libcprof: run it plain, preloaded, or traced. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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

int main(int argc, char **argv)
{
	if (argc > 1)
		seconds = atof(argv[1]);
	if (seconds <= 0 || seconds > 600) {
		fprintf(stderr, "usage: pipeline [SECONDS]\n");
		return 2;
	}
	struct workload_cfg cfg = {
		.producers = 4, .workers = 4, .queue_cap = 64, .work_iters = 200,
		.table_size = 4096, .item_bytes = 128, .stop = &stop,
	};
	struct workload_stats st;
	struct timespec t0, t1;
	pthread_t timer;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&timer, NULL, timer_main, NULL);
	int r = workload_run(&cfg, &st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(timer, NULL);
	if (r < 0) {
		fprintf(stderr, "pipeline: workload failed (%d)\n", r);
		return 1;
	}
	double el = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.0f\n", st.consumed / el);
	return 0;
}
