/* burst_app: traces itself (cprof_trace_start) and, on the test's signal,
 * writes a burst of cprof:user_log events from one thread pinned to one
 * CPU, so that they all go to one per-CPU buffer.  The test stops the
 * consumer daemon around the burst: what the buffer of that CPU cannot hold
 * is discarded.
 * usage: burst_app TRACE_OUT SYNC_DIR EVENTS MESSAGE_BYTES
 * Handshake (files in SYNC_DIR): writes "started" once tracing, waits for
 * "go", bursts, writes "burst-done", waits for "resume", stops the trace. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cprof.h"

static void touch(const char *dir, const char *name)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "1\n", 2) != 2) {
		perror(p);
		exit(2);
	}
	close(fd);
}

static void await(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	for (int i = 0; i < 6000; i++) {        /* 60 s */
		if (!access(p, F_OK))
			return;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "burst_app: no %s after 60 s\n", p);
	exit(2);
}

/* Pins the calling thread to the first CPU it may run on. */
static int pin_first_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, &set)) {
			CPU_ZERO(&set);
			CPU_SET(c, &set);
			return sched_setaffinity(0, sizeof(set), &set) ? -1 : c;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct cprof_error err = { 0 };
	long n, len;
	char *msg;
	int cpu;

	if (argc != 5 || (n = atol(argv[3])) <= 0 || (len = atol(argv[4])) <= 0) {
		fprintf(stderr, "usage: burst_app TRACE_OUT SYNC_DIR EVENTS MESSAGE_BYTES\n");
		return 2;
	}
	cpu = pin_first_cpu();
	if (cpu < 0) {
		perror("burst_app: sched_setaffinity");
		return 2;
	}
	msg = malloc((size_t) len + 1);
	if (!msg)
		return 2;
	memset(msg, 'x', (size_t) len);
	msg[len] = 0;
	if (cprof_trace_start(argv[1], &err)) {
		fprintf(stderr, "burst_app: cprof_trace_start: %s\n", err.message);
		return 1;
	}
	touch(argv[2], "started");
	await(argv[2], "go");
	for (long i = 0; i < n; i++)
		cprof_user_log(0, "burst", msg);
	touch(argv[2], "burst-done");
	await(argv[2], "resume");
	if (cprof_trace_stop(&err)) {
		fprintf(stderr, "burst_app: cprof_trace_stop: %s\n", err.message);
		return 1;
	}
	printf("cpu=%d events=%ld message_bytes=%ld\n", cpu, n, len);
	free(msg);
	return 0;
}
