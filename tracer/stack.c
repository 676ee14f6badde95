/* stack.c: stack capture for blocking and thread-creation events.
 *
 * The fast walker (unwind.c: cached DWARF CFI rules, a few ns per frame)
 * handles ordinary stacks; libunwind's unw_backtrace (~12 ns per frame here)
 * handles what the walker declines (signal frames, DWARF expressions, stacks
 * other than the thread's own).  glibc's backtrace() costs ten times more.
 * Frames inside libcprof itself are dropped so a stack starts at the caller
 * of the interposed function. */
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>

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
	cprof_stack_capture(pcs, 0);
}

int cprof_stack_capture(uint64_t *pcs, int skip)
{
	return cprof_stack_walk(pcs, skip, stack_depth, 1);
}

int cprof_stack_walk(uint64_t *pcs, int skip, int max, int full)
{
	uint64_t buf[CPROF_STACK_MAX + 16];
	if (max > stack_depth)
		max = stack_depth;
	if (max <= 0)
		return 0;
	int want = max + 8;   /* room for cprof's own frames, dropped below */
	struct cprof_thread *self = cprof_tls_self;
	int n = cprof_unwind_fast(buf, want, self ? &self->unwind_memo : NULL);
	if (n < 0 && !full)
		return 0;
	if (n < 0) {
		void **raw = (void **)(void *)buf;   /* same size on LP64 */
		n = unw_backtrace(raw, want);
		for (int k = 0; k < n; k++)
			buf[k] = (uint64_t)(uintptr_t)raw[k];
	}
	int i = 0, out = 0;
	while (i < n && skip > 0) {
		i++;
		skip--;
	}
	while (i < n && (uintptr_t)buf[i] >= self_lo && (uintptr_t)buf[i] < self_hi)
		i++;
	for (; i < n && out < max; i++)
		pcs[out++] = buf[i];
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
