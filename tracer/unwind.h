/* unwind.h: the fast DWARF-CFI stack walker (unwind.c). */
#ifndef CPROF_UNWIND_H
#define CPROF_UNWIND_H
#include <stdint.h>

/* A thread's memo of the rules it used at each depth of its last stack:
 * most stacks repeat the previous one's outer frames, and a memo hit skips
 * the shared cache's hashing.  Owned by one thread at a time; may be reused
 * by another thread (rules depend on the address only).  Zero-initialized
 * is valid. */
#define CPROF_UNWIND_MEMO 40
struct cprof_unwind_memo {
	uint32_t gen;
	uint64_t ip[CPROF_UNWIND_MEMO];
	uint64_t rule[CPROF_UNWIND_MEMO];
};

/* Forgets every cached rule (after dlclose: an address may now hold other
 * code). */
void cprof_unwind_flush(void) __attribute__((visibility("hidden")));

/* Fills pcs[] with up to `max` return addresses, innermost first, starting
 * with the return address of cprof_unwind_fast itself (an address in its
 * caller).  Returns the count, or -1 when this stack needs a full unwinder
 * (libunwind): unusual call-frame information, a signal frame, a stack other
 * than the thread's own.  Never guesses.
 * skip_lo < skip_hi: the innermost frames whose return addresses lie in
 * [skip_lo, skip_hi) are left out, walked by frame pointer - the range must
 * be code built with frame pointers (the caller's own library; stack.c
 * checks it against a walk without it before use). */
int cprof_unwind_fast(uint64_t *pcs, int max, struct cprof_unwind_memo *memo, uintptr_t skip_lo,
	uintptr_t skip_hi) __attribute__((visibility("hidden")));

#endif
