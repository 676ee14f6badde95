/* mmu.h: minimum mutator utilization (go tool trace's MMU) from a list of
 * pauses, or from a piecewise-constant share of the program lost to GC.
 * Pure computation, no database: the unit test drives it. */
#ifndef VW_MMU_H
#define VW_MMU_H

#include <stddef.h>
#include <stdint.h>

struct vw_span {
	int64_t ts, end;   /* [ts, end) in ns */
	double loss;       /* share of the program stopped, (0, 1]; 1 for a pause */
};

/* Lost time in [lo, hi): sorted, disjoint spans with their running total. */
struct vw_pauses {
	struct vw_span *s;  /* owned */
	double *cum;        /* owned, n + 1 entries: cum[i] = lost time of s[0 .. i) */
	size_t n;
	size_t longest;     /* index of the longest whole pause, loss 1 (n when none) */
	int64_t lo, hi;
};

/* Takes ownership of spans (malloc'd, n entries, any order, may overlap):
 * clips them to [lo, hi), sorts and merges them.  0 or -ENOMEM (spans are
 * freed either way). */
int vw_pauses_init(struct vw_pauses *p, struct vw_span *spans, size_t n, int64_t lo, int64_t hi);
/* The same for spans already sorted and disjoint, each with its loss:
 * clipped to [lo, hi), neighbours of equal loss merged. */
int vw_loss_init(struct vw_pauses *p, struct vw_span *spans, size_t n, int64_t lo, int64_t hi);
void vw_pauses_fini(struct vw_pauses *p);

/* Minimum over every window [t, t + w) inside [lo, hi) of the share of
 * the window not lost (1 - lost time / w); w is clipped to hi - lo.  *worst (may be NULL)
 * gets the start of a window where the minimum is reached.  O(n). */
double vw_mmu(const struct vw_pauses *p, int64_t w, int64_t *worst);

/* Up to k disjoint windows of length w (clipped like vw_mmu) among the
 * least utilized, worst first: their starts in ts[] and utilizations in
 * u[] (k entries each), *n of them; windows with no pause are left out.
 * The first has vw_mmu's utilization; the rest are not guaranteed to be the k - 1 next
 * worst disjoint windows, only local minima.  0 or -ENOMEM. */
int vw_mmu_worst(const struct vw_pauses *p, int64_t w, size_t k, int64_t *ts, double *u,
		 size_t *n);

#endif
