/* service.c: the demo service.  Worker threads contend on a mutex and wait
 * on condition variables (examples/workload.c) while the cprof endpoint
 * serves /debug/pprof/trace, so
 *
 *   curl -o trace.out 'http://127.0.0.1:6060/debug/pprof/trace?seconds=2'
 *
 * captures it live.  A "stuck" thread waits forever on a condvar nobody
 * signals: the trace shows it blocked since before the capture started. */
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cprof.h>

#include "common.h"
#include "workload.h"

static volatile int stop;   /* the workload's stop flag, set from example_stopping() */

static pthread_mutex_t stuck_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never_signalled = PTHREAD_COND_INITIALIZER;

static void *stuck_main(void *arg)
{
	(void)arg;
	cprof_thread_set_name("stuck-waiter");
	pthread_mutex_lock(&stuck_lock);
	for (;;)
		pthread_cond_wait(&never_signalled, &stuck_lock);
	return NULL;
}

/* Holds the table lock for a while now and then: long waits in the trace. */
static void *janitor_main(void *arg)
{
	extern pthread_mutex_t table_lock;
	(void)arg;
	cprof_thread_set_name("janitor");
	while (!stop) {
		struct timespec hold = { 0, 2 * 1000 * 1000 };
		example_sleep_ms(20);
		pthread_mutex_lock(&table_lock);
		nanosleep(&hold, NULL);
		pthread_mutex_unlock(&table_lock);
	}
	return NULL;
}

/* Turns the examples' stop condition (signal or --duration) into the
 * workload's stop flag. */
static void *timer_main(void *arg)
{
	(void)arg;
	while (!example_stopping())
		example_sleep_ms(50);
	stop = 1;
	return NULL;
}

static int workers = 4;

static int service_opt(const char *opt, const char *val)
{
	if (strcmp(opt, "--workers"))
		return -1;
	workers = atoi(val);
	if (workers < 1 || workers > 256) {
		fprintf(stderr, "cprof-example-service: --workers must be 1..256\n");
		exit(2);
	}
	return 0;
}

int main(int argc, char **argv)
{
	example_init(argc, argv, "cprof-example-service",
		"A demo service: producers, a bounded queue, workers and a shared table,\n"
		"traced by cprof.  Fetch a trace with\n"
		"  curl -o trace.out 'http://ADDR/debug/pprof/trace?seconds=2'",
		"  --workers N         worker threads (default 4)\n", service_opt);

	pthread_t stuck, janitor, timer;
	pthread_create(&stuck, NULL, stuck_main, NULL);
	pthread_detach(stuck);
	pthread_create(&janitor, NULL, janitor_main, NULL);
	pthread_create(&timer, NULL, timer_main, NULL);
	pthread_setname_np(timer, "timer");

	struct workload_cfg cfg = {
		.producers = 2, .workers = workers, .queue_cap = 64, .work_iters = 2000,
		.table_size = 1024, .item_bytes = 256, .stop = &stop,
	};
	struct workload_stats st;
	int r = workload_run(&cfg, &st);
	pthread_join(janitor, NULL);
	pthread_join(timer, NULL);
	example_fini();
	if (r < 0) {
		fprintf(stderr, "cprof-example-service: %s\n", strerror(-r));
		return 1;
	}
	printf("processed %llu items\n", (unsigned long long)st.consumed);
	return 0;
}
