/* test_alloc.c: the interposed allocator (tracer/wrap_alloc.c) without a
 * session: every entry point returns what libc would, errno is libc's, the
 * heap counters follow live blocks, threads that exit fold their counts,
 * and a fork child can allocate. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cprof.h>

#include "check.h"

static struct cprof_heap_stats now(void)
{
	struct cprof_heap_stats s;
	memset(&s, 0, sizeof s);
	cprof_heap_read(&s);
	return s;
}

static void test_entry_points(void)
{
	void *p = malloc(100);
	CHECK(p != NULL);
	CHECK(malloc_usable_size(p) >= 100);
	char *c = calloc(10, 10);
	CHECK(c != NULL);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(c[i], 0);
	void *q = NULL;
	CHECK_EQ(posix_memalign(&q, 256, 1000), 0);
	CHECK_EQ((uintptr_t)q % 256, 0);
	CHECK_EQ(posix_memalign(&q, 3, 10), EINVAL);   /* not a power of two */
	void *a = aligned_alloc(64, 128);
	CHECK(a && (uintptr_t)a % 64 == 0);
	void *m = memalign(4096, 10);
	CHECK(m && (uintptr_t)m % 4096 == 0);
	void *v = valloc(10);
	CHECK(v && (uintptr_t)v % 4096 == 0);
	void *pv = pvalloc(10);
	CHECK(pv && (uintptr_t)pv % 4096 == 0);
	memset(p, 7, 100);
	p = realloc(p, 100000);
	CHECK(p != NULL);
	CHECK_EQ(((char *)p)[99], 7);
	errno = 0;
	volatile size_t huge = SIZE_MAX / 2;
	CHECK(reallocarray(NULL, huge, 4) == NULL);
	CHECK_EQ(errno, ENOMEM);
	void *r = reallocarray(NULL, 10, 10);
	CHECK(r != NULL);
	errno = 1234;
	free(NULL);
	free(r);
	CHECK_EQ(errno, 1234);   /* free keeps errno */
	CHECK(realloc(c, 0) == NULL);   /* glibc: frees */
	free(p);
	free(q);
	free(a);
	free(m);
	free(v);
	free(pv);
	CHECK_EQ(malloc_usable_size(NULL), 0);
	CHECK(malloc_trim(0) >= 0);
}

static void test_counters(void)
{
	enum { N = 1000, SZ = 1000 };
	static void *blocks[N];
	struct cprof_heap_stats a = now();
	for (int i = 0; i < N; i++)
		blocks[i] = malloc(SZ);
	struct cprof_heap_stats b = now();
	CHECK(b.inuse_bytes - a.inuse_bytes >= (int64_t)N * SZ);
	CHECK(b.inuse_bytes - a.inuse_bytes < (int64_t)N * (SZ + 64));
	CHECK_EQ(b.inuse_objects - a.inuse_objects, N);
	CHECK(b.allocs - a.allocs >= N);
	for (int i = 0; i < N; i++)
		blocks[i] = realloc(blocks[i], 2 * SZ);
	struct cprof_heap_stats c = now();
	CHECK(c.inuse_bytes - a.inuse_bytes >= (int64_t)N * 2 * SZ);
	CHECK_EQ(c.inuse_objects - a.inuse_objects, N);
	for (int i = 0; i < N; i++)
		free(blocks[i]);
	struct cprof_heap_stats d = now();
	CHECK_EQ(d.inuse_objects, a.inuse_objects);
	CHECK_EQ(d.inuse_bytes, a.inuse_bytes);
}

/* The counters add exactly malloc_usable_size of each block, whether the
 * tracer reads glibc's chunk header or calls the allocator: heap blocks,
 * mmapped ones (above the mmap threshold) and aligned ones. */
static void test_usable_exact(void)
{
	size_t sizes[] = { 1, 24, 25, 100, 1000, 4096, 65536, 200000, 1 << 20, 5u << 20 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (int how = 0; how < 4; how++) {
			struct cprof_heap_stats a = now();
			void *p = NULL;
			if (how == 0)
				p = malloc(sizes[i]);
			else if (how == 1)
				p = calloc(1, sizes[i]);
			else if (how == 2)
				CHECK_EQ(posix_memalign(&p, 256, sizes[i]), 0);
			else
				p = aligned_alloc(4096, (sizes[i] + 4095) & ~(size_t)4095);
			CHECK(p != NULL);
			struct cprof_heap_stats b = now();
			CHECK_EQ(b.inuse_bytes - a.inuse_bytes, (int64_t)malloc_usable_size(p));
			CHECK_EQ(b.inuse_objects - a.inuse_objects, 1);
			free(p);
			struct cprof_heap_stats c = now();
			CHECK_EQ(c.inuse_bytes, a.inuse_bytes);
		}
}

/* Each thread leaves 100 blocks to main; its deltas must reach the totals
 * when it exits (key destructor), even below the fold thresholds. */
static void *leaver(void *arg)
{
	void **out = arg;
	for (int i = 0; i < 100; i++)
		out[i] = malloc(64);
	return NULL;
}

static void *churner(void *arg)
{
	for (int i = 0; i < 200000; i++) {
		void *p = malloc((size_t)(i % 700) + 1);
		free(p);
	}
	return arg;
}

static void test_threads(void)
{
	static void *left[4][100];
	struct cprof_heap_stats a = now();
	pthread_t th[8];
	for (int i = 0; i < 4; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, leaver, left[i]), 0);
	for (int i = 4; i < 8; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, churner, NULL), 0);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	struct cprof_heap_stats b = now();
	/* pthread_create's own allocations (thread stacks are mmap'd, not
	 * malloc'd) may add a few blocks */
	CHECK(b.inuse_objects - a.inuse_objects >= 400);
	CHECK(b.inuse_objects - a.inuse_objects < 420);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 100; j++)
			free(left[i][j]);   /* freed by another thread than the allocator */
	struct cprof_heap_stats c = now();
	CHECK(c.inuse_objects - a.inuse_objects < 20);
}

static void test_fork(void)
{
	void *p = malloc(1000);
	pid_t pid = fork();
	if (pid == 0) {
		void *q = malloc(5000);
		free(p);
		free(q);
		_exit(q ? 0 : 1);
	}
	CHECK(pid > 0);
	int st = 0;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(p);
}

int main(void)
{
	RUN(test_entry_points);
	RUN(test_counters);
	RUN(test_usable_exact);
	RUN(test_threads);
	RUN(test_fork);
	CHECK_EXIT();
}
