/* fork_capture_app: linked with libcprof.  The parent traces itself
 * (cprof_trace_start), then forks a child that starts its own trace: a fork
 * child's lttng-ust stays off the session daemon until then and must reach
 * it for this capture.  Both run two threads contending on a mutex.
 *
 * usage: fork_capture_app PARENT.out CHILD.out
 * Prints "child_start_ms=N" (how long the child's cprof_trace_start took)
 * and "ok"; exits non-zero with a message on any failure. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cprof.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop;

static void *hold(void *arg)
{
	(void)arg;
	while (!stop) {
		pthread_mutex_lock(&m);
		usleep(2000);
		pthread_mutex_unlock(&m);
		usleep(100);
	}
	return NULL;
}

static void contend(double seconds)
{
	pthread_t th[2];
	stop = 0;
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, hold, NULL);
	usleep((useconds_t)(seconds * 1e6));
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct cprof_error err = { 0 };
	if (argc < 3)
		return 2;
	if (cprof_trace_start(argv[1], &err)) {
		fprintf(stderr, "parent: cprof_trace_start: %s\n", err.message);
		return 1;
	}
	pid_t p = fork();
	if (p < 0) {
		perror("fork");
		return 1;
	}
	if (p == 0) {
		double t0 = now_ms();
		if (cprof_trace_start(argv[2], &err)) {
			fprintf(stderr, "child: cprof_trace_start: %s\n", err.message);
			_exit(1);
		}
		printf("child_start_ms=%.0f\n", now_ms() - t0);
		fflush(stdout);
		contend(0.5);
		if (cprof_trace_stop(&err)) {
			fprintf(stderr, "child: cprof_trace_stop: %s\n", err.message);
			_exit(1);
		}
		exit(0);
	}
	contend(0.5);
	int st;
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "child failed: status %#x\n", st);
		return 1;
	}
	if (cprof_trace_stop(&err)) {
		fprintf(stderr, "parent: cprof_trace_stop: %s\n", err.message);
		return 1;
	}
	printf("ok\n");
	return 0;
}
