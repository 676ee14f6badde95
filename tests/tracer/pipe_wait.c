/* pipe_wait: a thread blocked on a pipe read since before the capture
 * starts ("reader"), then given a byte 300 ms into it.
 * usage: pipe_wait TRACE.out.  Linked with libcprof. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "cprof.h"

static int p[2];

static void *reader_main(void *arg)
{
	char c;
	(void)arg;
	pthread_setname_np(pthread_self(), "reader");
	if (read(p[0], &c, 1) != 1)
		return (void *)1;
	return NULL;
}

int main(int argc, char **argv)
{
	struct cprof_error err;
	pthread_t th;
	void *res;
	if (argc != 2) {
		fprintf(stderr, "usage: pipe_wait TRACE.out\n");
		return 2;
	}
	if (pipe(p) != 0) {
		perror("pipe");
		return 1;
	}
	pthread_create(&th, NULL, reader_main, NULL);
	usleep(200 * 1000);             /* the reader is blocked by now */
	if (cprof_trace_start(argv[1], &err) < 0) {
		fprintf(stderr, "pipe_wait: %s\n", err.message);
		return 1;
	}
	usleep(300 * 1000);
	if (write(p[1], "x", 1) != 1)
		return 1;
	pthread_join(th, &res);
	usleep(100 * 1000);
	if (cprof_trace_stop(&err) < 0) {
		fprintf(stderr, "pipe_wait: %s\n", err.message);
		return 1;
	}
	printf(res ? "read failed\n" : "done\n");
	return 0;
}
