/* memleak.c: the "memory leak" in C.  Every request builds a response in
 * temporary buffers (allocated and freed: churn) and records the request in
 * a global history list that nothing ever trims: the leak.  In the trace the
 * heap counter grows steadily, and the in-use sampled allocations name
 * remember_request() as the top site, with the stack that led there. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cprof.h>

#include "common.h"

struct request_record {
	struct request_record *next;
	uint64_t id;
	char payload[4000];   /* what was asked, kept "for debugging" */
};

static struct request_record *history;   /* owned; grows forever (the bug) */
static uint64_t remembered;
static int pause_ms = 1;

static __attribute__((noinline)) void remember_request(uint64_t id, const char *payload)
{
	struct request_record *r = malloc(sizeof *r);
	if (!r)
		return;
	r->id = id;
	snprintf(r->payload, sizeof r->payload, "%s", payload);
	r->next = history;
	history = r;
	remembered++;
}

static __attribute__((noinline)) size_t build_response(uint64_t id)
{
	/* Temporary work: allocated and freed within the request. */
	size_t n = 16 * 1024 + (id % 8) * 8192;
	char *buf = malloc(n);
	if (!buf)
		return 0;
	memset(buf, 'a' + (int)(id % 26), n);
	char *copy = strdup(buf + n - 64);
	size_t len = copy ? strlen(copy) : 0;
	free(copy);
	free(buf);
	return len;
}

static __attribute__((noinline)) void handle_request(uint64_t id)
{
	char payload[128];
	snprintf(payload, sizeof payload, "GET /item/%llu", (unsigned long long)id);
	build_response(id);
	remember_request(id, payload);
}

static int opt(const char *o, const char *v)
{
	if (strcmp(o, "--pause-ms") == 0) {
		pause_ms = atoi(v);
		return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	example_init(argc, argv, "cprof-example-memleak",
		"Handles requests and keeps every one in a global list: the heap grows forever.",
		"  --pause-ms MS       pause between requests (default 1)\n", opt);
	uint64_t id = 0;
	while (!example_stopping()) {
		handle_request(id++);
		if (pause_ms > 0)
			example_sleep_ms(pause_ms);
	}
	struct cprof_heap_stats hs;
	if (cprof_heap_read(&hs) == 0)
		printf("requests %llu, remembered %llu, heap in use %lld bytes in %lld blocks\n",
			(unsigned long long)id, (unsigned long long)remembered,
			(long long)hs.inuse_bytes, (long long)hs.inuse_objects);
	else
		printf("requests %llu, remembered %llu\n", (unsigned long long)id,
			(unsigned long long)remembered);
	example_fini();
	return 0;
}
