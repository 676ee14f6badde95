/* boehm_gc.c: a program that uses the Boehm-Demers-Weiser collector (Debian
 * libgc) and knows nothing about cprof: it builds short-lived trees and
 * keeps a bounded window of them alive, so the collector runs every few
 * milliseconds.  Traced with cprof-run (or linked with libcprof, as here for
 * the endpoint), each collection shows as a GC phase "boehm" with its mark
 * and reclaim sub-phases, a stop-the-world pause, and a gc_heap counter,
 * with no code change: cprof installs libgc's collection-event callback. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gc/gc.h>

#include "common.h"

struct node {
	struct node *left, *right;
	uint64_t value;
};

static struct node *build(int depth, uint64_t v)
{
	struct node *n = GC_MALLOC(sizeof *n);
	if (!n)
		return NULL;
	n->value = v;
	if (depth > 0) {
		n->left = build(depth - 1, v * 2);
		n->right = build(depth - 1, v * 2 + 1);
	}
	return n;
}

static uint64_t sum(const struct node *n)
{
	return n ? n->value + sum(n->left) + sum(n->right) : 0;
}

#define WINDOW 8

int main(int argc, char **argv)
{
	GC_INIT();
	example_init(argc, argv, "cprof-example-boehm-gc",
		"Allocates trees with the Boehm GC; its collections show as GC phases.", NULL, NULL);
	struct node **window = GC_MALLOC(WINDOW * sizeof *window);
	uint64_t total = 0, trees = 0;
	while (!example_stopping()) {
		struct node *t = build(12, trees + 1);
		total += sum(t) & 0xffff;
		window[trees % WINDOW] = t;   /* the tree it replaces becomes garbage */
		trees++;
		if (trees % 64 == 0)
			example_sleep_ms(1);
	}
	printf("trees %llu, collections %lu, heap %lu bytes\n", (unsigned long long)trees,
		(unsigned long)GC_get_gc_no(), (unsigned long)GC_get_heap_size());
	(void)total;
	example_fini();
	return 0;
}
