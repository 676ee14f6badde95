/* leak.c: the "goroutine leak" in C.  A handler fans a lookup out to a
 * helper thread and waits for its answer with a timeout; when the timeout
 * wins, nobody ever receives from the helper's reply channel, so the helper
 * blocks forever on chan_send.  Leaked threads pile up: in the trace they
 * are threads blocked since (nearly) their creation, on a channel nobody
 * will ever touch again. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cprof.h>

#include "common.h"

static uint64_t leaked, answered;

struct lookup {
	cprof_chan *reply;   /* unbuffered: the helper's send needs a receiver */
	int slow;
};

static void *lookup_helper(void *arg)
{
	struct lookup *l = arg;
	cprof_thread_set_name("lookup-helper");
	struct timespec work = { 0, (l->slow ? 30 : 1) * 1000 * 1000 };
	nanosleep(&work, NULL);
	/* Blocks forever when the handler gave up: the leak. */
	cprof_chan_send(l->reply, (void *)(uintptr_t)42);
	return NULL;
}

static void handle_request(uint64_t n)
{
	struct lookup *l = malloc(sizeof *l);
	if (!l || cprof_chan_create(&l->reply, 0, "lookup-reply") != 0) {
		free(l);
		return;
	}
	l->slow = n % 4 == 0;   /* one lookup in four is slower than the deadline */
	pthread_t t;
	if (pthread_create(&t, NULL, lookup_helper, l) != 0)
		return;
	pthread_detach(t);
	void *v;
	if (cprof_chan_recv_timed(l->reply, &v, 10 * 1000 * 1000) == 0) {
		answered++;
		cprof_chan_destroy(l->reply);
		free(l);
	} else {
		leaked++;   /* the bug: l and its helper thread are never reclaimed */
	}
}

int main(int argc, char **argv)
{
	example_init(argc, argv, "cprof-example-leak",
		"Leaks a thread blocked forever on a channel for one request in four.", NULL, NULL);
	cprof_thread_set_name("handler");
	uint64_t n = 0;
	while (!example_stopping()) {
		handle_request(n++);
		example_sleep_ms(20);
	}
	/* let the helpers still working reach their (final) send */
	struct timespec settle = { 0, 200 * 1000 * 1000 };
	nanosleep(&settle, NULL);
	printf("answered %llu, leaked %llu threads\n", (unsigned long long)answered,
		(unsigned long long)leaked);
	example_fini();
	return 0;
}
