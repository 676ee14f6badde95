/* common.c: option parsing, endpoint and stop flag of the examples. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cprof.h>

#include "common.h"

static volatile sig_atomic_t stop;
static double duration;
static struct timespec started;
static int http_on;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f, const char *name, const char *about, const char *extra)
{
	fprintf(f, "usage: %s [options]\n\n%s\n\n"
		"  --http ADDR         trace endpoint address (default 127.0.0.1:6060; port 0 = any)\n"
		"  --no-http           do not start the endpoint (trace with cprof-run or CPROF_TRACE)\n"
		"  --port-file FILE    write the endpoint's port to FILE once listening\n"
		"  --duration SECONDS  stop after this long (default: until SIGINT/SIGTERM)\n%s",
		name, about, extra ? extra : "");
}

static void write_port_file(const char *path, int port)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

void example_init(int argc, char **argv, const char *name, const char *about,
		const char *extra_usage, int (*extra_opt)(const char *opt, const char *val))
{
	const char *addr = "127.0.0.1:6060", *port_file = NULL;
	int want_http = 1;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout, name, about, extra_usage);
			exit(0);
		} else if (!strcmp(o, "--no-http")) {
			want_http = 0;
		} else if (!strcmp(o, "--http") && v) {
			addr = v;
			i++;
		} else if (!strcmp(o, "--port-file") && v) {
			port_file = v;
			i++;
		} else if (!strcmp(o, "--duration") && v) {
			char *end;
			duration = strtod(v, &end);
			if (*end || duration < 0) {
				fprintf(stderr, "%s: bad --duration '%s'\n", name, v);
				exit(2);
			}
			i++;
		} else if (extra_opt && v && extra_opt(o, v) == 0) {
			i++;
		} else {
			fprintf(stderr, "%s: unknown or incomplete option '%s'\n", name, o);
			usage(stderr, name, about, extra_usage);
			exit(2);
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &started);
	if (!want_http)
		return;
	struct cprof_error err;
	if (cprof_http_start(addr, &err) < 0) {
		fprintf(stderr, "%s: cannot start the trace endpoint: %s\n", name, err.message);
		exit(1);
	}
	http_on = 1;
	int port = cprof_http_port();
	printf("%s: serving http://127.0.0.1:%d/debug/pprof/\n", name, port);
	fflush(stdout);
	if (port_file)
		write_port_file(port_file, port);
}

int example_stopping(void)
{
	if (stop)
		return 1;
	if (duration > 0) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - started.tv_sec) + (now.tv_nsec - started.tv_nsec) / 1e9 >= duration)
			stop = 1;
	}
	return stop;
}

void example_sleep_ms(int ms)
{
	while (ms > 0 && !example_stopping()) {
		int step = ms < 50 ? ms : 50;
		struct timespec ts = { 0, step * 1000000L };
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

void example_fini(void)
{
	if (http_on)
		cprof_http_stop();
}
