/* join_late: a joined thread's cprof:thread_end is written when its start
 * routine returns, before its thread-specific data destructors run: a
 * destructor that takes a while (300 ms here; the join comes 10 ms after it
 * began, also on a loaded machine) lets the joiner's pthread_tryjoin_np
 * fail after that event, so the join wait begins after it - still the wait
 * that thread's exit ends.
 * usage: join_late TRACE.out.  Linked with libcprof. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "cprof.h"

static pthread_key_t key;
static volatile int returned;

static void slow_destructor(void *v)
{
	(void)v;
	returned = 1;
	usleep(300 * 1000);
}

static void *ender_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "ender");
	pthread_setspecific(key, (void *)1);
	return NULL;
}

int main(int argc, char **argv)
{
	struct cprof_error err;
	pthread_t th;
	if (argc != 2) {
		fprintf(stderr, "usage: join_late TRACE.out\n");
		return 2;
	}
	if (pthread_key_create(&key, slow_destructor))
		return 1;
	if (cprof_trace_start(argv[1], &err) < 0) {
		fprintf(stderr, "join_late: %s\n", err.message);
		return 1;
	}
	pthread_create(&th, NULL, ender_main, NULL);
	while (!returned)
		usleep(1000);
	usleep(10 * 1000);              /* well after its thread_end */
	pthread_join(th, NULL);         /* ends when the destructor does */
	if (cprof_trace_stop(&err) < 0) {
		fprintf(stderr, "join_late: %s\n", err.message);
		return 1;
	}
	printf("done\n");
	return 0;
}
