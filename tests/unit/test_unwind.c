/* test_unwind.c: the fast CFI stack walker (tracer/unwind.c) must give the
 * same frames as libunwind, or decline (-1); never different frames.
 * Stacks tried: plain recursion of many depths, frames with variable-size
 * alloca (CFA from rbp), frame-pointer functions, callbacks called from libc
 * (qsort), threads, a signal handler, and several threads racing on the
 * shared rule cache; a walk that leaves out frames of a range built with
 * frame pointers (cprof's own). */
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <alloca.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "unwind.h"

#define MAXF 128

static volatile int sink;
static __thread struct cprof_unwind_memo memo;
static __thread int use_memo;
static int mismatches, declined, compared;

/* Walks from here both ways and compares from our caller outwards. */
static __attribute__((noinline)) int compare_here(void)
{
	uint64_t fast[MAXF];
	void *ref[MAXF];
	int nf = cprof_unwind_fast(fast, MAXF, (use_memo++ & 1) ? &memo : NULL, 0, 0);
	int nr = unw_backtrace(ref, MAXF);
	__atomic_fetch_add(&compared, 1, __ATOMIC_RELAXED);
	if (nf < 0) {
		__atomic_fetch_add(&declined, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (nf < 2)
		goto bad;
	int k = 0;
	while (k < nr && (uint64_t)(uintptr_t)ref[k] != fast[1])
		k++;
	if (k == nr || nr - k != nf - 1)
		goto bad;
	for (int i = 1; i < nf; i++)
		if ((uint64_t)(uintptr_t)ref[k + i - 1] != fast[i])
			goto bad;
	return 1;
bad:
	if (__atomic_fetch_add(&mismatches, 1, __ATOMIC_RELAXED) < 3) {
		fprintf(stderr, "fast (%d):", nf);
		for (int i = 0; i < nf; i++)
			fprintf(stderr, " %#lx", (unsigned long)fast[i]);
		fprintf(stderr, "\nlibunwind (%d):", nr);
		for (int i = 0; i < nr; i++)
			fprintf(stderr, " %p", ref[i]);
		fprintf(stderr, "\n");
	}
	return 0;
}

static __attribute__((noinline)) int recurse(int d)
{
	if (d == 0)
		return compare_here();
	int r = recurse(d - 1);
	sink++;
	return r;
}

/* Variable-size stack allocation: GCC switches the CFA to rbp here. */
static __attribute__((noinline)) int with_alloca(int d, size_t n)
{
	char *buf = alloca(n);
	memset(buf, d, n);
	sink += buf[n / 2];
	int r = d == 0 ? compare_here() : with_alloca(d - 1, n * 3 + 40);
	sink += buf[0];
	return r;
}

static __attribute__((noinline, optimize("no-omit-frame-pointer"))) int with_fp(int d)
{
	volatile char pad[72];
	pad[d % 72] = 1;
	int r = d == 0 ? recurse(3) : with_fp(d - 1);
	return r + pad[0] * 0;
}

static int ok_in_qsort;
static int cmp_and_walk(const void *a, const void *b)
{
	ok_in_qsort += compare_here();
	return *(const int *)a - *(const int *)b;
}

static void test_recursion(void)
{
	for (int d = 0; d < 60; d++)
		CHECK(recurse(d) == 1);
	CHECK_EQ(mismatches, 0);
}

static void test_alloca(void)
{
	for (int d = 0; d < 6; d++)
		for (size_t n = 8; n < 4096; n = n * 5 + 3)
			CHECK(with_alloca(d, n) == 1);
	CHECK_EQ(mismatches, 0);
}

static void test_frame_pointer(void)
{
	for (int d = 0; d < 10; d++)
		CHECK(with_fp(d) == 1);
	CHECK_EQ(mismatches, 0);
}

static void test_libc_callback(void)
{
	int v[64];
	for (int i = 0; i < 64; i++)
		v[i] = (i * 37) % 64;
	ok_in_qsort = 0;
	qsort(v, 64, sizeof v[0], cmp_and_walk);
	CHECK(ok_in_qsort > 0);
	CHECK_EQ(mismatches, 0);
}

static void *thread_main(void *arg)
{
	int rounds = (int)(intptr_t)arg, good = 0;
	for (int i = 0; i < rounds; i++)
		good += (i % 3 == 0) ? recurse(i % 40) : (i % 3 == 1) ? with_alloca(i % 5, 16 + i % 300)
			: with_fp(i % 7);
	return (void *)(intptr_t)good;
}

static void test_threads(void)
{
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&th[i], NULL, thread_main, (void *)(intptr_t)3000) == 0);
	for (int i = 0; i < 4; i++) {
		void *good;
		pthread_join(th[i], &good);
		CHECK_EQ((intptr_t)good, 3000);
	}
	CHECK_EQ(mismatches, 0);
}

static volatile int handler_result = -1;
static void handler(int sig)
{
	(void)sig;
	handler_result = recurse(2);
}

static void test_signal_handler(void)
{
	/* Through the signal trampoline the walker must decline or agree. */
	signal(SIGUSR1, handler);
	int before = mismatches;
	raise(SIGUSR1);
	CHECK(handler_result != -1);
	CHECK_EQ(mismatches, before);
}

/* Frames left out by frame pointer (cprof's own, in the tracer): functions
 * in a section of their own, built with frame pointers, called from code
 * without them; the walk must give what the CFI walk gives past them. */
#define SKIP_FN __attribute__((noinline, section("cprof_skip_text"), optimize("no-omit-frame-pointer")))
extern const char __start_cprof_skip_text[], __stop_cprof_skip_text[];
static int skip_ok;

SKIP_FN static int skip_leaf(int k)
{
	uint64_t fast[MAXF], ref[MAXF];
	int nf = cprof_unwind_fast(fast, MAXF, (k & 1) ? &memo : NULL,
		(uintptr_t)__start_cprof_skip_text, (uintptr_t)__stop_cprof_skip_text);
	int nr = cprof_unwind_fast(ref, MAXF, NULL, 0, 0);
	__atomic_fetch_add(&compared, 1, __ATOMIC_RELAXED);
	if (nf < 0 || nr < 0) {
		__atomic_fetch_add(&declined, 1, __ATOMIC_RELAXED);
		return 0;
	}
	int i = 0;
	while (i < nr && ref[i] >= (uintptr_t)__start_cprof_skip_text &&
			ref[i] < (uintptr_t)__stop_cprof_skip_text)
		i++;
	if (i == 0 || nr - i != nf || memcmp(ref + i, fast, (size_t)nf * sizeof fast[0]) != 0) {
		if (__atomic_fetch_add(&mismatches, 1, __ATOMIC_RELAXED) < 3)
			fprintf(stderr, "skip by fp: %d frames, %d after the CFI walk's %d own\n", nf,
				nr - i, i);
		return 0;
	}
	return 1;
}

/* At most max frames, the first of them the caller outside the range. */
SKIP_FN static int skip_short(int max)
{
	uint64_t fast[4] = { 1, 1, 1, 1 }, ref[MAXF];
	int nf = cprof_unwind_fast(fast, max, (max & 1) ? &memo : NULL,
		(uintptr_t)__start_cprof_skip_text, (uintptr_t)__stop_cprof_skip_text);
	int nr = cprof_unwind_fast(ref, MAXF, NULL, 0, 0);
	if (nf < 0 || nr < 0)
		return 1;       /* declined: nothing to compare */
	int i = 0;
	while (i < nr && ref[i] >= (uintptr_t)__start_cprof_skip_text &&
			ref[i] < (uintptr_t)__stop_cprof_skip_text)
		i++;
	return nf == max && nr - i >= max && memcmp(ref + i, fast, (size_t)max * sizeof fast[0]) == 0 &&
		fast[max] == 1;
}

SKIP_FN static int skip_alloca(int k, size_t n)
{
	char *buf = alloca(n);
	memset(buf, k, n);
	int r = skip_leaf(k);
	return r + buf[n / 2] * 0;
}

SKIP_FN static int skip_entry(int k)
{
	volatile char pad[40];
	pad[k % 40] = 0;
	return (k % 3 ? skip_alloca(k, 24 + (size_t)k * 8) : skip_leaf(k)) + pad[k % 40];
}

/* d frames without frame pointers, then the range's: skip_short(max) if
 * max, else skip_entry(k) */
static __attribute__((noinline, optimize("omit-frame-pointer"))) int skip_outer(int d, int k, int max)
{
	if (d == 0)
		return max ? skip_short(max) : skip_entry(k);
	int r = skip_outer(d - 1, k, max);
	sink++;
	return r;
}

static void test_skip_by_frame_pointer(void)
{
	for (int k = 0; k < 40; k++)
		skip_ok += skip_outer(k % 9, k, 0);
	CHECK_EQ(skip_ok, 40);
	CHECK_EQ(mismatches, 0);
	/* max 1 and 2: the caller's frames only, nothing written beyond */
	for (int max = 1; max <= 3; max++)
		CHECK(skip_outer(max % 3 + 2, 0, max));
	/* a range holding none of the frames leaves nothing out */
	uint64_t pcs[8];
	CHECK(cprof_unwind_fast(pcs, 8, NULL, 1, 2) > 0);
}

/* After a flush (dlclose) the memo and the cache start again. */
static void test_flush(void)
{
	for (int i = 0; i < 20; i++) {
		if (i % 5 == 0)
			cprof_unwind_flush();
		CHECK(recurse(i) == 1);
	}
	CHECK_EQ(mismatches, 0);
}

static void test_limit(void)
{
	uint64_t pcs[4];
	CHECK_EQ(cprof_unwind_fast(pcs, 0, NULL, 0, 0), 0);
	int n = cprof_unwind_fast(pcs, 4, &memo, 0, 0);
	CHECK(n == 4 || n == -1 || n < 4);
	CHECK(n != 0);
}

int main(void)
{
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	RUN(test_recursion);
	RUN(test_alloca);
	RUN(test_frame_pointer);
	RUN(test_libc_callback);
	RUN(test_threads);
	RUN(test_signal_handler);
	RUN(test_skip_by_frame_pointer);
	RUN(test_flush);
	RUN(test_limit);
	printf("# %d stacks compared, %d declined by the fast walker, %d mismatches\n",
		compared, declined, mismatches);
	/* Declining is allowed, but it must stay the exception. */
	if (declined * 10 > compared) {
		fprintf(stderr, "the fast walker declined %d of %d stacks\n", declined, compared);
		return 1;
	}
	CHECK_EXIT();
}
