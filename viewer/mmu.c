/* mmu.c: minimum mutator utilization.
 *
 * For a window length w, the paused time P(t) inside [t, t + w) is a
 * continuous piecewise-linear function of t whose slope drops only when
 * the window's left edge enters a pause (t = a pause start) or its right
 * edge leaves one (t + w = a pause end).  Its maximum over [lo, hi - w] is
 * therefore reached at one of those candidates or at an end of the range.
 * Both candidate sequences are sorted, so two cursors walking the pauses
 * evaluate each in amortized O(1): O(n) per window length.  With partial
 * losses (a share of the threads in GC) the lost time is still piecewise
 * linear and its slope drops only where the left edge enters a span or the
 * right edge leaves one, so the same candidates serve. */
#include "mmu.h"

#include <errno.h>
#include <stdlib.h>

static int by_ts(const void *a, const void *b)
{
	const struct vw_span *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* Running totals and the longest whole pause of p->s[0 .. n). */
static int sums(struct vw_pauses *p)
{
	size_t i;

	p->cum = malloc((p->n + 1) * sizeof(*p->cum));
	if (!p->cum) {
		vw_pauses_fini(p);
		return -ENOMEM;
	}
	p->cum[0] = 0;
	p->longest = p->n;
	for (i = 0; i < p->n; i++) {
		p->cum[i + 1] = p->cum[i] + p->s[i].loss * (double)(p->s[i].end - p->s[i].ts);
		if (p->s[i].loss == 1 && (p->longest == p->n ||
		    p->s[i].end - p->s[i].ts > p->s[p->longest].end - p->s[p->longest].ts))
			p->longest = i;
	}
	return 0;
}

/* Takes spans as p's, keeping those that overlap [lo, hi) (clipped to it)
 * and lose something; returns how many are kept. */
static size_t clip(struct vw_pauses *p, struct vw_span *spans, size_t n, int64_t lo, int64_t hi)
{
	size_t i, k = 0;

	p->s = spans;
	p->n = 0;
	p->lo = lo;
	p->hi = hi > lo ? hi : lo;
	for (i = 0; i < n; i++) {
		struct vw_span v = spans[i];

		v.ts = v.ts < lo ? lo : v.ts;
		v.end = v.end > p->hi ? p->hi : v.end;
		v.loss = v.loss > 1 ? 1 : v.loss;
		if (v.end > v.ts && v.loss > 0)
			spans[k++] = v;
	}
	return k;
}

int vw_pauses_init(struct vw_pauses *p, struct vw_span *spans, size_t n, int64_t lo, int64_t hi)
{
	size_t i, k;

	for (i = 0; i < n; i++)
		spans[i].loss = 1;
	k = clip(p, spans, n, lo, hi);
	qsort(spans, k, sizeof(*spans), by_ts);
	for (i = 0; i < k; i++) {
		if (p->n && spans[i].ts <= spans[p->n - 1].end) {
			if (spans[i].end > spans[p->n - 1].end)
				spans[p->n - 1].end = spans[i].end;
		} else {
			spans[p->n++] = spans[i];
		}
	}
	return sums(p);
}

int vw_loss_init(struct vw_pauses *p, struct vw_span *spans, size_t n, int64_t lo, int64_t hi)
{
	size_t i, k = clip(p, spans, n, lo, hi);

	for (i = 0; i < k; i++) {
		if (p->n && spans[i].ts == spans[p->n - 1].end && spans[i].loss == spans[p->n - 1].loss)
			spans[p->n - 1].end = spans[i].end;
		else
			spans[p->n++] = spans[i];
	}
	return sums(p);
}

void vw_pauses_fini(struct vw_pauses *p)
{
	free(p->s);
	free(p->cum);
	p->s = NULL;
	p->cum = NULL;
	p->n = 0;
}

/* Paused time in [lo, x); *j only moves forward, so x must not decrease
 * between calls with the same cursor. */
static double paused_before(const struct vw_pauses *p, size_t *j, int64_t x)
{
	while (*j < p->n && p->s[*j].end <= x)
		(*j)++;
	return p->cum[*j] + (*j < p->n && x > p->s[*j].ts ?
			     p->s[*j].loss * (double)(x - p->s[*j].ts) : 0);
}

struct cand {
	int64_t t;
	double paused;
	size_t idx;           /* scan order: ties go to vw_mmu's choice */
};

struct scan {
	size_t a, b;          /* cursors of the window's left and right edges */
	double best;
	int64_t best_t;
	struct cand *rec;     /* when set, every candidate is appended here */
	struct cand *rec0;    /* start of the array rec points into */
	size_t nrec;
};

static void candidate(const struct vw_pauses *p, struct scan *sc, int64_t t, int64_t w)
{
	double v;

	if (t < p->lo)
		t = p->lo;
	if (t > p->hi - w)
		t = p->hi - w;
	v = paused_before(p, &sc->b, t + w) - paused_before(p, &sc->a, t);
	if (sc->rec) {
		sc->rec[sc->nrec] = (struct cand){ t, v, (size_t)(sc->rec - sc->rec0) + sc->nrec };
		sc->nrec++;
	}
	if (v > sc->best) {
		sc->best = v;
		sc->best_t = t;
	}
}

/* Both candidate sequences: left edges at pause starts (and the range's
 * ends), then right edges at pause ends; each is sorted, clamping keeps it
 * so.  s1 ends with the best of both. */
static void scan_all(const struct vw_pauses *p, int64_t w, struct scan *s1, struct scan *s2)
{
	size_t i;

	candidate(p, s1, p->lo, w);
	for (i = 0; i < p->n; i++)
		candidate(p, s1, p->s[i].ts, w);
	candidate(p, s1, p->hi - w, w);
	for (i = 0; i < p->n; i++)
		candidate(p, s2, p->s[i].end - w, w);
	if (s2->best > s1->best) {
		s1->best = s2->best;
		s1->best_t = s2->best_t;
	}
}

double vw_mmu(const struct vw_pauses *p, int64_t w, int64_t *worst)
{
	struct scan s1 = { 0, 0, -1, p->lo, NULL, NULL, 0 }, s2 = s1;

	if (w > p->hi - p->lo)
		w = p->hi - p->lo;
	if (w <= 0) {
		if (worst)
			*worst = p->lo;
		return 1;
	}
	/* A window inside the longest pause: nothing to search. */
	if (p->longest < p->n && p->s[p->longest].end - p->s[p->longest].ts >= w) {
		if (worst)
			*worst = p->s[p->longest].ts;
		return 0;
	}
	scan_all(p, w, &s1, &s2);
	if (worst)
		*worst = s1.best_t;
	return 1.0 - s1.best / (double)w;
}

static int by_paused(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->paused != y->paused)
		return x->paused > y->paused ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The candidates, worst first; a window is kept when it overlaps none
 * kept before (go tool trace lists its worst windows the same way). */
int vw_mmu_worst(const struct vw_pauses *p, int64_t w, size_t k, int64_t *ts, double *u,
		 size_t *n)
{
	struct cand *c;
	struct scan s1 = { 0, 0, -1, p->lo, NULL, NULL, 0 }, s2 = s1;
	size_t i, j;

	*n = 0;
	if (w > p->hi - p->lo)
		w = p->hi - p->lo;
	if (w <= 0 || !k)
		return 0;
	c = malloc((2 * p->n + 2) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	/* n + 2 left-edge candidates, then n right-edge ones */
	s1.rec = s1.rec0 = s2.rec0 = c;
	s2.rec = c + p->n + 2;
	scan_all(p, w, &s1, &s2);
	qsort(c, s1.nrec + s2.nrec, sizeof(*c), by_paused);
	for (i = 0; i < s1.nrec + s2.nrec && *n < k && c[i].paused > 0; i++) {
		for (j = 0; j < *n; j++)
			if (c[i].t < ts[j] + w && ts[j] < c[i].t + w)
				break;
		if (j < *n)
			continue;
		ts[*n] = c[i].t;
		u[(*n)++] = 1.0 - c[i].paused / (double)w;
	}
	free(c);
	return 0;
}
