/* workload.c: a blocking-heavy pipeline: producers fill a bounded queue
 * (mutex + two condvars), workers drain it, hash the item and account it in
 * a table guarded by one global mutex.  Contention on both locks and waits
 * on both condvars are what cprof shows in the demo. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

struct item {
	uint64_t key;
	int bytes;
	unsigned char *payload;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct item **slots;
	int cap, head, count;
	int closed;
} queue = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.not_empty = PTHREAD_COND_INITIALIZER,
	.not_full = PTHREAD_COND_INITIALIZER,
};

/* the shared table: one lock for all buckets, deliberately coarse */
pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t *table;

static const struct workload_cfg *cfg;
static struct workload_stats totals;

static void queue_push(struct item *it)
{
	pthread_mutex_lock(&queue.lock);
	while (queue.count == queue.cap && !queue.closed)
		pthread_cond_wait(&queue.not_full, &queue.lock);
	if (queue.closed) {
		pthread_mutex_unlock(&queue.lock);
		free(it->payload);
		free(it);
		return;
	}
	queue.slots[(queue.head + queue.count) % queue.cap] = it;
	queue.count++;
	pthread_cond_signal(&queue.not_empty);
	pthread_mutex_unlock(&queue.lock);
}

static struct item *queue_pop(void)
{
	pthread_mutex_lock(&queue.lock);
	while (queue.count == 0 && !queue.closed)
		pthread_cond_wait(&queue.not_empty, &queue.lock);
	struct item *it = NULL;
	if (queue.count > 0) {
		it = queue.slots[queue.head];
		queue.head = (queue.head + 1) % queue.cap;
		queue.count--;
		pthread_cond_signal(&queue.not_full);
	}
	pthread_mutex_unlock(&queue.lock);
	return it;
}

static uint64_t mix(uint64_t x, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		x ^= x >> 33;
		x *= 0xff51afd7ed558ccdULL;
		x ^= x >> 29;
	}
	return x;
}

static void *producer_main(void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1, n = 0;
	while (!*cfg->stop) {
		struct item *it = malloc(sizeof *it);
		if (!it)
			break;
		it->key = mix(seed + n++, 2);
		it->bytes = cfg->item_bytes;
		it->payload = malloc((size_t)it->bytes);
		if (it->payload)
			memset(it->payload, (int)(it->key & 0xff), (size_t)it->bytes);
		queue_push(it);
	}
	__atomic_fetch_add(&totals.produced, n, __ATOMIC_RELAXED);
	return NULL;
}

static void *worker_main(void *arg)
{
	uint64_t done = 0, sum = 0;
	struct item *it;
	while ((it = queue_pop()) != NULL) {
		uint64_t h = mix(it->key, cfg->work_iters);
		pthread_mutex_lock(&table_lock);
		table[h % (uint64_t)cfg->table_size] += 1;
		pthread_mutex_unlock(&table_lock);
		sum += h;
		done++;
		free(it->payload);
		free(it);
	}
	__atomic_fetch_add(&totals.consumed, done, __ATOMIC_RELAXED);
	__atomic_fetch_add(&totals.checksum, sum, __ATOMIC_RELAXED);
	return NULL;
}

int workload_run(const struct workload_cfg *c, struct workload_stats *st)
{
	int np = c->producers, nw = c->workers, r = 0;
	pthread_t *th = calloc((size_t)(np + nw), sizeof *th);
	cfg = c;
	queue.cap = c->queue_cap;
	queue.slots = calloc((size_t)c->queue_cap, sizeof *queue.slots);
	table = calloc((size_t)c->table_size, sizeof *table);
	if (!th || !queue.slots || !table) {
		r = -ENOMEM;
		goto end;
	}
	int started = 0;
	for (int i = 0; i < np + nw && r == 0; i++) {
		int e = pthread_create(&th[i], NULL, i < np ? producer_main : worker_main,
			(void *)(uintptr_t)i);
		if (e) {
			r = -e;
			break;
		}
		char name[16];
		snprintf(name, sizeof name, i < np ? "producer-%d" : "worker-%d", i < np ? i : i - np);
		pthread_setname_np(th[i], name);
		started++;
	}
	for (int i = 0; i < started && i < np; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_lock(&queue.lock);
	queue.closed = 1;
	pthread_cond_broadcast(&queue.not_empty);
	pthread_cond_broadcast(&queue.not_full);
	pthread_mutex_unlock(&queue.lock);
	for (int i = np; i < started; i++)
		pthread_join(th[i], NULL);
	*st = totals;
end:
	free(th);
	free(queue.slots);
	free(table);
	return r;
}
