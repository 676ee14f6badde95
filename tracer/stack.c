/* stack.c: stack capture for blocking and thread-creation events.
 *
 * libunwind's local unw_backtrace with a per-thread cache costs ~0.1-0.2 us
 * for 13-25 frames on binaries without frame pointers (notes/stacks-and-
 * testing.md); glibc's backtrace() costs ten times more.  Frames inside
 * libcprof itself are dropped so a stack starts at the caller of the
 * interposed function. */
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>

#include "internal.h"

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
	void *buf[CPROF_STACK_MAX + 16];
	if (stack_depth == 0)
		return 0;
	int n = unw_backtrace(buf, stack_depth + 8 < (int)(sizeof buf / sizeof buf[0]) ?
			stack_depth + 8 : (int)(sizeof buf / sizeof buf[0]));
	int i = 0, out = 0;
	while (i < n && skip > 0) {
		i++;
		skip--;
	}
	while (i < n && (uintptr_t)buf[i] >= self_lo && (uintptr_t)buf[i] < self_hi)
		i++;
	for (; i < n && out < stack_depth; i++)
		pcs[out++] = (uint64_t)(uintptr_t)buf[i];
	return out;
}
