/* pool_sweep.c: an object pool with a periodic sweep, annotated with the
 * cprof GC API.  Workers take objects from the pool and mark them done;
 * every few milliseconds a sweeper holds the pool lock (a stop-the-world for
 * the workers), returns finished objects to the free list and releases
 * empty chunks to malloc.  The trace shows "pool.sweep" GC phases, the
 * stop-the-world pauses, the workers blocked on the pool lock meanwhile, and
 * the heap counter dropping at each chunk release. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cprof.h>

#include "common.h"

#define CHUNK_OBJS 256
#define MAX_CHUNKS 512
#define WORKERS 3

struct obj {
	struct obj *next_free;
	uint32_t chunk;
	uint8_t live, done;
	char data[200];
};

struct chunk {
	struct obj objs[CHUNK_OBJS];
	unsigned live;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *chunks[MAX_CHUNKS];   /* owned */
static struct obj *free_list;
static uint64_t sweeps, released, taken;

/* Caller holds pool_lock. */
static struct obj *pool_take(void)
{
	if (!free_list) {
		for (uint32_t c = 0; c < MAX_CHUNKS; c++) {
			if (chunks[c])
				continue;
			struct chunk *ch = calloc(1, sizeof *ch);
			if (!ch)
				return NULL;
			chunks[c] = ch;
			for (int i = CHUNK_OBJS - 1; i >= 0; i--) {
				ch->objs[i].chunk = c;
				ch->objs[i].next_free = free_list;
				free_list = &ch->objs[i];
			}
			break;
		}
		if (!free_list)
			return NULL;
	}
	struct obj *o = free_list;
	free_list = o->next_free;
	o->live = 1;
	o->done = 0;
	chunks[o->chunk]->live++;
	taken++;
	return o;
}

/* The sweep: reclaim done objects, then release chunks left empty. */
static void pool_sweep(void)
{
	cprof_gc_begin("pool.sweep");
	pthread_mutex_lock(&pool_lock);
	cprof_stw_begin("pool.sweep");
	free_list = NULL;
	for (uint32_t c = 0; c < MAX_CHUNKS; c++) {
		struct chunk *ch = chunks[c];
		if (!ch)
			continue;
		for (int i = 0; i < CHUNK_OBJS; i++) {
			struct obj *o = &ch->objs[i];
			if (o->live && __atomic_load_n(&o->done, __ATOMIC_ACQUIRE)) {
				o->live = 0;
				ch->live--;
			}
		}
		if (ch->live == 0 && c % 2 == 1) {   /* keep half the empty chunks warm */
			free(ch);
			chunks[c] = NULL;
			released++;
			continue;
		}
		for (int i = 0; i < CHUNK_OBJS; i++)
			if (!ch->objs[i].live) {
				ch->objs[i].next_free = free_list;
				free_list = &ch->objs[i];
			}
	}
	sweeps++;
	cprof_stw_end();
	pthread_mutex_unlock(&pool_lock);
	cprof_gc_end();
}

static void *worker(void *arg)
{
	cprof_thread_set_name("pool-worker");
	uint64_t n = 0;
	while (!example_stopping()) {
		pthread_mutex_lock(&pool_lock);
		struct obj *o = pool_take();
		pthread_mutex_unlock(&pool_lock);
		if (!o) {
			example_sleep_ms(1);
			continue;
		}
		memset(o->data, (int)(n++ & 0x7f), sizeof o->data);
		__atomic_store_n(&o->done, 1, __ATOMIC_RELEASE);   /* read by the sweeper */
		if (n % 128 == 0)
			example_sleep_ms(1);
	}
	return arg;
}

int main(int argc, char **argv)
{
	example_init(argc, argv, "cprof-example-pool-sweep",
		"An object pool swept every 20 ms, annotated with cprof_gc_begin/end.", NULL, NULL);
	cprof_thread_set_name("sweeper");
	pthread_t th[WORKERS];
	for (int i = 0; i < WORKERS; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	while (!example_stopping()) {
		example_sleep_ms(20);
		pool_sweep();
	}
	for (int i = 0; i < WORKERS; i++)
		pthread_join(th[i], NULL);
	pool_sweep();
	printf("sweeps %llu, chunks released %llu, objects taken %llu\n",
		(unsigned long long)sweeps, (unsigned long long)released, (unsigned long long)taken);
	for (uint32_t c = 0; c < MAX_CHUNKS; c++)
		free(chunks[c]);
	example_fini();
	return 0;
}
