/* stack.c: stack capture for blocking and thread-creation events.
 *
 * The fast walker (unwind.c: cached DWARF CFI rules, a few ns per frame)
 * handles ordinary stacks; libunwind's unw_backtrace (~12 ns per frame here)
 * handles what the walker declines (signal frames, DWARF expressions, stacks
 * other than the thread's own).  glibc's backtrace() costs ten times more.
 * Frames inside libcprof itself are dropped so a stack starts at the caller
 * of the interposed function: the walker steps over them by frame pointer
 * (two loads a frame, no rule; libcprof is built with frame pointers), once
 * a walk that way and one by the call-frame information gave the same
 * frames (checked at the first stacks taken; until then, or if they
 * differ, cprof's frames are walked by their rules and dropped).  Measured with callgrind on tests/bench/event_cost (8 frames
 * recorded, 5 of cprof's below them): 917 instructions a stack before, 526
 * after, with a tighter frame loop. */
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "unwind.h"

static int stack_depth = 32;
static uintptr_t self_lo, self_hi;   /* libcprof's text, to skip our frames */

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t probe = (uintptr_t)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (probe >= lo && probe < hi) {
			self_lo = lo;
			self_hi = hi;
			return 1;
		}
	}
	return 0;
}

/* 1: cprof's own frames are walked by frame pointer (libcprof is built with
 * -fno-omit-frame-pointer, tracer/meson.build), once a walk both ways
 * agreed; 0: by the call-frame information; -1 (not yet) and below: not
 * checked yet, tries left counted down (a walk may decline). */
static int fp_skip = -1;
#define FP_CHECK_TRIES 64

/* The fast walk, cprof's frames left out; -1 if the walker declines. */
static inline __attribute__((always_inline)) int walk_fast(uint64_t *pcs, int max, int by_fp)
{
	uint64_t buf[CPROF_STACK_MAX + 16];
	struct cprof_thread *self = cprof_tls_self;
	struct cprof_unwind_memo *memo = self ? &self->unwind_memo : NULL;
	if (by_fp)
		return cprof_unwind_fast(pcs, max, memo, self_lo, self_hi);
	int n = cprof_unwind_fast(buf, max + 16, memo, 0, 0);  /* room for cprof's frames */
	int i = 0, out = 0;
	while (i < n && (uintptr_t)buf[i] >= self_lo && (uintptr_t)buf[i] < self_hi)
		i++;
	for (; i < n && out < max; i++)
		pcs[out++] = buf[i];
	return n < 0 ? -1 : out;
}

/* Both ways from one place: they must give the same frames.  Returns the
 * walk to use now.  Several threads may check at once (the first stacks
 * are most often taken by a capture's first waits: in constructors the walk
 * declines, ld.so's first frame has no call-frame information): a
 * disagreement is final and wins over an agreement. */
static __attribute__((noinline)) int fp_skip_check(void)
{
	uint64_t a[8], b[8];
	int na = self_hi > self_lo ? walk_fast(a, 8, 1) : -1;
	int nb = walk_fast(b, 8, 0);
	int v = __atomic_load_n(&fp_skip, __ATOMIC_RELAXED);
	if (v >= 0)
		return v;       /* decided meanwhile */
	if (na > 0 && nb > 0) {
		if (na != nb || memcmp(a, b, (size_t)na * sizeof a[0]) != 0) {
			__atomic_store_n(&fp_skip, 0, __ATOMIC_RELAXED);
			return 0;
		}
		__atomic_compare_exchange_n(&fp_skip, &v, 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	} else {
		/* declined: again later, FP_CHECK_TRIES times at most */
		__atomic_compare_exchange_n(&fp_skip, &v, v - 1 < -FP_CHECK_TRIES ? 0 : v - 1, 0,
			__ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
	return __atomic_load_n(&fp_skip, __ATOMIC_RELAXED) > 0;
}

void cprof_stack_init(void)
{
	const char *d = getenv("CPROF_STACK_DEPTH");
	if (d) {
		int v = atoi(d);
		if (v >= 0 && v <= CPROF_STACK_MAX)
			stack_depth = v;
		else
			cprof_log("CPROF_STACK_DEPTH=%s is out of range 0..%d, using %d", d,
				CPROF_STACK_MAX, stack_depth);
	}
	dl_iterate_phdr(find_self, (void *)(uintptr_t)&cprof_stack_init);
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	/* Warm up: the first unwind parses .eh_frame_hdr of every module on the
	 * path and allocates its caches. */
	uint64_t pcs[CPROF_STACK_MAX];
	cprof_stack_capture(pcs);
}

int cprof_stack_capture(uint64_t *pcs)
{
	return cprof_stack_walk(pcs, stack_depth, 1);
}

int cprof_stack_walk(uint64_t *pcs, int max, int full)
{
	if (max > stack_depth)
		max = stack_depth;
	if (max <= 0)
		return 0;
	int by_fp = __atomic_load_n(&fp_skip, __ATOMIC_RELAXED);
	if (__builtin_expect(by_fp < 0, 0))
		by_fp = fp_skip_check();
	int n = walk_fast(pcs, max, by_fp);
	if (n >= 0 || !full)
		return n < 0 ? 0 : n;
	uint64_t buf[CPROF_STACK_MAX + 16];
	void **raw = (void **)(void *)buf;   /* same size on LP64 */
	n = unw_backtrace(raw, max + 8);
	int i = 0, out = 0;
	while (i < n && (uintptr_t)raw[i] >= self_lo && (uintptr_t)raw[i] < self_hi)
		i++;
	for (; i < n && out < max; i++)
		pcs[out++] = (uint64_t)(uintptr_t)raw[i];
	return out;
}

/* A library unloaded with dlclose frees its addresses for other code: the
 * walker's cached rules for them must go. */
__attribute__((visibility("default"))) int dlclose(void *handle)
{
	static int (*real_dlclose)(void *);
	if (!real_dlclose)
		real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
	if (!real_dlclose)
		return -1;
	int r = real_dlclose(handle);
	cprof_unwind_flush();
	return r;
}
