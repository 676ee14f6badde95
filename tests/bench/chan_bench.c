/* chan_bench.c: items per second through a bounded queue, 2 producers and
 * 2 consumers, either a cprof channel or a plain mutex/condvar ring.
 *   chan_bench chan|mutex [ITEMS] [CAPACITY]
 * Prints items/s.  Run untraced and with CPROF_TRACE to get the ratios. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cprof.h>

static long items = 400000;
static size_t cap = 64;
static int use_chan;
static cprof_chan *ch;

static struct {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	void **buf;
	size_t head, count;
	int closed;
} q = { .lock = PTHREAD_MUTEX_INITIALIZER, .not_empty = PTHREAD_COND_INITIALIZER,
	.not_full = PTHREAD_COND_INITIALIZER };

static void q_send(void *v)
{
	pthread_mutex_lock(&q.lock);
	while (q.count == cap)
		pthread_cond_wait(&q.not_full, &q.lock);
	q.buf[(q.head + q.count++) % cap] = v;
	pthread_cond_signal(&q.not_empty);
	pthread_mutex_unlock(&q.lock);
}

static int q_recv(void **v)
{
	pthread_mutex_lock(&q.lock);
	while (q.count == 0 && !q.closed)
		pthread_cond_wait(&q.not_empty, &q.lock);
	int r = -1;
	if (q.count) {
		*v = q.buf[q.head];
		q.head = (q.head + 1) % cap;
		q.count--;
		pthread_cond_signal(&q.not_full);
		r = 0;
	}
	pthread_mutex_unlock(&q.lock);
	return r;
}

static void *producer(void *arg)
{
	long n = items / 2;
	for (long i = 1; i <= n; i++) {
		if (use_chan)
			cprof_chan_send(ch, (void *)(intptr_t)i);
		else
			q_send((void *)(intptr_t)i);
	}
	return arg;
}

static void *consumer(void *arg)
{
	uint64_t sum = 0;
	void *v;
	while (use_chan ? cprof_chan_recv(ch, &v) == 0 : q_recv(&v) == 0)
		sum += (uintptr_t)v;
	*(uint64_t *)arg = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "chan") && strcmp(argv[1], "mutex"))) {
		fprintf(stderr, "usage: chan_bench chan|mutex [ITEMS] [CAPACITY]\n");
		return 2;
	}
	use_chan = !strcmp(argv[1], "chan");
	if (argc > 2)
		items = atol(argv[2]);
	if (argc > 3)
		cap = (size_t)atol(argv[3]);
	if (items < 2 || cap < 1)
		return 2;
	q.buf = calloc(cap, sizeof *q.buf);
	if (cprof_chan_create(&ch, cap, "bench") != 0 || !q.buf)
		return 1;
	pthread_t p[2], c[2];
	uint64_t sums[2] = { 0, 0 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 2; i++) {
		pthread_create(&c[i], NULL, consumer, &sums[i]);
		pthread_create(&p[i], NULL, producer, NULL);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(p[i], NULL);
	if (use_chan) {
		cprof_chan_close(ch);
	} else {
		pthread_mutex_lock(&q.lock);
		q.closed = 1;
		pthread_cond_broadcast(&q.not_empty);
		pthread_mutex_unlock(&q.lock);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(c[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t n = (uint64_t)(items / 2) * 2, want = 2 * ((uint64_t)(items / 2) * (items / 2 + 1) / 2);
	if (sums[0] + sums[1] != want) {
		fprintf(stderr, "chan_bench: lost items (sum %llu, want %llu)\n",
			(unsigned long long)(sums[0] + sums[1]), (unsigned long long)want);
		return 1;
	}
	double el = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.0f\n", n / el);
	cprof_chan_destroy(ch);
	return 0;
}
