/* alloc_pair.c: cost of a malloc/free pair (and of a realloc chain) per
 * thread, for bench_alloc.sh.  Prints "ns_per_pair=X" (median of the
 * threads' best rounds).  Not linked with libcprof: the benchmark preloads it.
 * usage: alloc_pair [threads] [pairs per round] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long pairs = 2000000;
static double best[64];

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	void *keep[16] = { 0 };
	double b = 1e9;
	for (int round = 0; round < 5; round++) {
		double t0 = now();
		for (long i = 0; i < pairs; i++) {
			/* sizes 16..1024, a few kept alive a little while */
			size_t sz = 16 + ((size_t)i * 2654435761u >> 22 & 1008);
			void *p = malloc(sz);
			*(volatile char *)p = 1;
			unsigned k = i & 15;
			free(keep[k]);
			keep[k] = p;
		}
		double dt = (now() - t0) / pairs * 1e9;
		if (dt < b)
			b = dt;
	}
	for (int k = 0; k < 16; k++)
		free(keep[k]);
	best[id] = b;
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2;
	if (argc > 2)
		pairs = atol(argv[2]);
	if (n < 1 || n > 64 || pairs < 1) {
		fprintf(stderr, "usage: alloc_pair [threads 1..64] [pairs]\n");
		return 2;
	}
	pthread_t th[64];
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	qsort(best, n, sizeof best[0], cmp);
	printf("ns_per_pair=%.2f\n", best[n / 2]);
	return 0;
}
