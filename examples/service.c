/* service.c: the demo service.  Worker threads contend on a mutex and wait
 * on condition variables (examples/workload.c) while the cprof endpoint
 * serves /debug/pprof/trace, so
 *
 *   curl -o trace.out 'http://127.0.0.1:6060/debug/pprof/trace?seconds=2'
 *
 * captures it live.  A "stuck" thread waits forever on a condvar nobody
 * signals: the trace shows it blocked since before the capture started. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cprof.h>

#include "workload.h"

static volatile int stop;
static double duration;   /* seconds, 0 = until SIGINT/SIGTERM */

static pthread_mutex_t stuck_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never_signalled = PTHREAD_COND_INITIALIZER;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

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
		struct timespec pause = { 0, 20 * 1000 * 1000 }, hold = { 0, 2 * 1000 * 1000 };
		nanosleep(&pause, NULL);
		pthread_mutex_lock(&table_lock);
		nanosleep(&hold, NULL);
		pthread_mutex_unlock(&table_lock);
	}
	return NULL;
}

static void *timer_main(void *arg)
{
	(void)arg;
	struct timespec t0, now, step = { 0, 50 * 1000 * 1000 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		nanosleep(&step, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (duration > 0 && (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 >= duration)
			stop = 1;
	}
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cprof-example-service [--http ADDR] [--port-file FILE] [--duration SECONDS]\n"
		"\n"
		"A demo service: producers, a bounded queue, workers and a shared table,\n"
		"traced by cprof.  Fetch a trace with\n"
		"  curl -o trace.out 'http://ADDR/debug/pprof/trace?seconds=2'\n"
		"\n"
		"  --http ADDR         endpoint address (default 127.0.0.1:6060; port 0 = any)\n"
		"  --port-file FILE    write the endpoint's port to FILE once listening\n"
		"  --duration SECONDS  stop after this long (default: run until SIGINT/SIGTERM)\n"
		"  --workers N         worker threads (default 4)\n");
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1:6060", *port_file = NULL;
	int workers = 4;
	static const struct option opts[] = {
		{ "http", required_argument, 0, 'a' },
		{ "port-file", required_argument, 0, 'p' },
		{ "duration", required_argument, 0, 'd' },
		{ "workers", required_argument, 0, 'w' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'a': addr = optarg; break;
		case 'p': port_file = optarg; break;
		case 'd':
			duration = strtod(optarg, &end);
			if (*end || duration < 0) {
				fprintf(stderr, "cprof-example-service: bad --duration '%s'\n", optarg);
				return 2;
			}
			break;
		case 'w':
			workers = atoi(optarg);
			if (workers < 1 || workers > 256) {
				fprintf(stderr, "cprof-example-service: --workers must be 1..256\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct cprof_error err;
	int r = cprof_http_start(addr, &err);
	if (r < 0) {
		fprintf(stderr, "cprof-example-service: cannot start the trace endpoint: %s\n",
			err.message);
		return 1;
	}
	int port = cprof_http_port();
	printf("serving http://127.0.0.1:%d/debug/pprof/\n", port);
	fflush(stdout);
	if (port_file) {
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, port_file) != 0) {
			fprintf(stderr, "cprof-example-service: cannot write %s: %s\n", port_file,
				strerror(errno));
			return 1;
		}
	}

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
	r = workload_run(&cfg, &st);
	pthread_join(janitor, NULL);
	pthread_join(timer, NULL);
	cprof_http_stop();
	if (r < 0) {
		fprintf(stderr, "cprof-example-service: %s\n", strerror(-r));
		return 1;
	}
	printf("processed %llu items\n", (unsigned long long)st.consumed);
	return 0;
}
