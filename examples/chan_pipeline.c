/* chan_pipeline.c: a pipeline on cprof channels, each item a traced task.
 *
 *   producers -> raw (cap 16) -> 2 parsers -> parsed (cap 16) -> enricher
 *   (deliberately slow, 2 ms per item) -> enriched (unbuffered) -> sink
 *
 * The sink selects over `enriched` and a ticker channel.  In the trace the
 * enricher is the bottleneck: parsers and producers block on chan_send,
 * the sink on select; every item is a task "request" with regions "parse"
 * and "enrich" on the stage threads, and the sink logs progress. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cprof.h>

#include "common.h"

struct item {
	uint64_t task;
	uint64_t value;
};

static cprof_chan *raw, *parsed, *enriched, *ticks;
static uint64_t delivered;

static void *producer(void *arg)
{
	uint64_t n = (uintptr_t)arg * 1000000;
	cprof_thread_set_name("producer");
	while (!example_stopping()) {
		struct item *it = malloc(sizeof *it);
		if (!it)
			break;
		it->task = cprof_task_begin(0, "request");
		it->value = ++n;
		if (cprof_chan_send(raw, it) != 0) {
			cprof_task_end(it->task);
			free(it);
			break;
		}
	}
	return NULL;
}

static void *parser(void *arg)
{
	(void)arg;
	cprof_thread_set_name("parser");
	void *p;
	while (cprof_chan_recv(raw, &p) == 0) {
		struct item *it = p;
		cprof_region_begin(it->task, "parse");
		for (int i = 0; i < 20000; i++)
			it->value = it->value * 6364136223846793005ULL + 1442695040888963407ULL;
		cprof_region_end(it->task, "parse");
		if (cprof_chan_send(parsed, it) != 0)
			break;
	}
	return NULL;
}

static void *enricher(void *arg)
{
	(void)arg;
	cprof_thread_set_name("enricher (slow)");
	void *p;
	while (cprof_chan_recv(parsed, &p) == 0) {
		struct item *it = p;
		cprof_region_begin(it->task, "enrich");
		struct timespec slow = { 0, 2 * 1000 * 1000 };   /* the slow downstream call */
		nanosleep(&slow, NULL);
		cprof_region_end(it->task, "enrich");
		if (cprof_chan_send(enriched, it) != 0)
			break;
	}
	cprof_chan_close(enriched);
	return NULL;
}

static void *ticker(void *arg)
{
	(void)arg;
	cprof_thread_set_name("ticker");
	while (!example_stopping()) {
		example_sleep_ms(100);
		if (cprof_chan_try_send(ticks, NULL) == -EPIPE)
			break;
	}
	return NULL;
}

static void *sink(void *arg)
{
	(void)arg;
	cprof_thread_set_name("sink");
	uint64_t since_tick = 0;
	for (;;) {
		struct cprof_select_case cs[2] = {
			{ .chan = enriched, .op = CPROF_CHAN_RECV },
			{ .chan = ticks, .op = CPROF_CHAN_RECV },
		};
		int i = cprof_chan_select(cs, 2, -1);
		if (i < 0 || (i == 0 && cs[0].closed))
			break;
		if (i == 1) {
			char msg[64];
			snprintf(msg, sizeof msg, "%llu items in the last tick", (unsigned long long)since_tick);
			cprof_user_log(0, "progress", msg);
			since_tick = 0;
			continue;
		}
		struct item *it = cs[0].value;
		cprof_task_end(it->task);
		free(it);
		since_tick++;
		delivered++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	example_init(argc, argv, "cprof-example-chan-pipeline",
		"A pipeline on cprof channels with a deliberately slow stage; every item\n"
		"is a task with regions.", NULL, NULL);
	if (cprof_chan_create(&raw, 16, "raw") || cprof_chan_create(&parsed, 16, "parsed") ||
			cprof_chan_create(&enriched, 0, "enriched") || cprof_chan_create(&ticks, 1, "ticks")) {
		fprintf(stderr, "cannot create channels\n");
		return 1;
	}
	pthread_t prod[2], par[2], enr, snk, tck;
	for (intptr_t i = 0; i < 2; i++)
		pthread_create(&prod[i], NULL, producer, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_create(&par[i], NULL, parser, NULL);
	pthread_create(&enr, NULL, enricher, NULL);
	pthread_create(&snk, NULL, sink, NULL);
	pthread_create(&tck, NULL, ticker, NULL);
	while (!example_stopping())
		example_sleep_ms(100);
	/* shut down front to back: closing raw lets the stages drain */
	cprof_chan_close(raw);
	for (int i = 0; i < 2; i++)
		pthread_join(prod[i], NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(par[i], NULL);
	cprof_chan_close(parsed);
	pthread_join(enr, NULL);
	pthread_join(snk, NULL);
	cprof_chan_close(ticks);
	pthread_join(tck, NULL);
	printf("delivered %llu items\n", (unsigned long long)delivered);
	example_fini();
	return 0;
}
