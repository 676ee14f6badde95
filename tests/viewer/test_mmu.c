/* test_mmu.c: the viewer's MMU computation (viewer/mmu.c) against a brute
 * force that tries every integer window start, on a hand-made pause set
 * and on random ones (overlapping, touching, clipped at the trace ends);
 * then its time on a million pauses.  TAP output. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mmu.h"

static int failed, ntest;

static void ok(int cond, const char *what)
{
	ntest++;
	printf("%sok %d - %s\n", cond ? "" : "not ", ntest, what);
	if (!cond)
		failed = 1;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static int64_t rnd(int64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (int64_t)(rng % (uint64_t)n);
}

/* Paused time in [t, t + w) from the raw spans (overlaps counted once). */
static int64_t paused_raw(const struct vw_span *s, size_t n, int64_t lo, int64_t hi, int64_t t,
			  int64_t w)
{
	int64_t x, v = 0;
	size_t i;

	/* unit steps: fine for the small domains of the test */
	for (x = t; x < t + w; x++) {
		for (i = 0; i < n; i++)
			if (x >= s[i].ts && x < s[i].end && x >= lo && x < hi)
				break;
		v += i < n;
	}
	return v;
}

static double brute(const struct vw_span *s, size_t n, int64_t lo, int64_t hi, int64_t w)
{
	int64_t t, best = 0;

	if (w > hi - lo)
		w = hi - lo;
	if (w <= 0)
		return 1;
	for (t = lo; t + w <= hi; t++) {
		int64_t v = paused_raw(s, n, lo, hi, t, w);

		if (v > best)
			best = v;
	}
	return 1.0 - (double)best / (double)w;
}

static struct vw_span *copy(const struct vw_span *s, size_t n)
{
	struct vw_span *c = malloc((n + 1) * sizeof(*c));

	for (size_t i = 0; i < n; i++)
		c[i] = s[i];
	return c;
}

static int check_set(const struct vw_span *s, size_t n, int64_t lo, int64_t hi, int64_t w)
{
	struct vw_pauses p;
	int64_t worst;
	double got, want;

	if (vw_pauses_init(&p, copy(s, n), n, lo, hi))
		return 0;
	got = vw_mmu(&p, w, &worst);
	want = brute(s, n, lo, hi, w);
	/* the worst window really has that utilization */
	if (w > hi - lo)
		w = hi - lo;
	if (w > 0 && 1.0 - (double)paused_raw(s, n, lo, hi, worst, w) / (double)w != got)
		got = -1;
	if (w > 0 && (worst < lo || worst + w > hi))
		got = -1;
	vw_pauses_fini(&p);
	if (got != want)
		printf("# lo %" PRId64 " hi %" PRId64 " w %" PRId64 ": got %.17g want %.17g\n", lo, hi,
		       w, got, want);
	return got == want;
}

/* The worst windows: disjoint, inside the range, the first as bad as the
 * MMU, each with the utilization it claims, worst first. */
static int check_worst(const struct vw_span *s, size_t n, int64_t lo, int64_t hi, int64_t w)
{
	struct vw_pauses p;
	int64_t ts[5];
	double u[5], mmu;
	size_t k, i, j;
	int good = 1;

	if (vw_pauses_init(&p, copy(s, n), n, lo, hi))
		return 0;
	mmu = vw_mmu(&p, w, NULL);
	vw_mmu_worst(&p, w, 5, ts, u, &k);
	for (i = 0; i < k; i++) {
		good &= ts[i] >= lo && ts[i] + w <= hi;
		good &= u[i] == 1.0 - (double)paused_raw(s, n, lo, hi, ts[i], w) / (double)w;
		good &= !i || u[i] >= u[i - 1];
		for (j = 0; j < i; j++)
			good &= ts[i] + w <= ts[j] || ts[j] + w <= ts[i];
	}
	good &= k ? u[0] == mmu : mmu == 1;
	vw_pauses_fini(&p);
	if (!good)
		printf("# worst windows: lo %" PRId64 " hi %" PRId64 " w %" PRId64 " k %zu\n", lo, hi, w, k);
	return good;
}

/* Partial losses (a share of the threads in GC): sorted disjoint spans
 * whose losses are multiples of 1/8, so every sum is exact. */
static int check_loss(const struct vw_span *s, size_t n, int64_t lo, int64_t hi, int64_t w)
{
	struct vw_pauses p;
	int64_t t, x, worst;
	double best = 0, got, want;
	size_t i;

	if (vw_loss_init(&p, copy(s, n), n, lo, hi))
		return 0;
	got = vw_mmu(&p, w, &worst);
	vw_pauses_fini(&p);
	if (w > hi - lo)
		w = hi - lo;
	for (t = lo; t + w <= hi; t++) {
		double v = 0;

		for (x = t; x < t + w; x++)
			for (i = 0; i < n; i++)
				if (x >= s[i].ts && x < s[i].end)
					v += s[i].loss;
		if (v > best)
			best = v;
	}
	want = w > 0 ? 1.0 - best / (double)w : 1;
	if (got != want)
		printf("# loss: lo %" PRId64 " hi %" PRId64 " w %" PRId64 ": got %.17g want %.17g\n", lo,
		       hi, w, got, want);
	return got == want;
}

int main(void)
{
	/* Pauses of tests/viewer/gen_db -m in microseconds, overlap included. */
	static const struct vw_span hand[] = {
		{ 10000, 11000, 1 }, { 20000, 22000, 1 }, { 22500, 23500, 1 }, { 20500, 21000, 1 },
	};
	static const int64_t ws[] = { 1000, 2000, 3500, 4000, 10000, 20000, 100000 };
	static const double want[] = { 0, 0, 1 - 3.0 / 3.5, 0.25, 0.7, 0.8, 0.96 };
	struct vw_pauses p;
	int64_t worst;
	int all = 1, r;
	size_t i;

	printf("TAP version 13\n");
	vw_pauses_init(&p, copy(hand, 4), 4, 0, 100000);
	ok(p.n == 3 && p.cum[3] == 4000, "overlapping pauses merge: 3 pauses, 4 ms");
	for (i = 0; i < sizeof(ws) / sizeof(ws[0]); i++)
		all &= vw_mmu(&p, ws[i], &worst) == want[i];
	ok(all, "hand-made set: MMU at 1, 2, 3.5, 4, 10, 20, 100 ms");
	vw_mmu(&p, 4000, &worst);
	ok(worst == 20000, "the worst 4 ms window starts at 20 ms");
	{
		int64_t ts[10];
		double u[10];
		size_t n;

		vw_mmu_worst(&p, 4000, 10, ts, u, &n);
		ok(n == 2 && ts[0] == worst && u[0] == 0.25 && ts[1] == 10000 && u[1] == 0.75,
		   "worst disjoint 4 ms windows: 20 ms (25%, as vw_mmu), 10 ms (75%)");
	}
	ok(vw_mmu(&p, 200000, NULL) == 0.96, "a window longer than the trace is the trace");
	vw_pauses_fini(&p);
	vw_pauses_init(&p, NULL, 0, 0, 1000);
	ok(vw_mmu(&p, 10, NULL) == 1, "no pauses: utilization 1");
	vw_pauses_fini(&p);
	for (i = 0; i < sizeof(ws) / sizeof(ws[0]); i++)
		all &= check_set(hand, 4, 0, 100000, ws[i] / 100);
	ok(all, "brute force agrees on the hand-made set (scaled)");

	all = 1;
	for (r = 0; r < 400 && all; r++) {
		struct vw_span s[12];
		int64_t lo = rnd(20), hi = lo + 1 + rnd(200);
		size_t n = (size_t)rnd(12);

		for (i = 0; i < n; i++) {
			s[i].ts = rnd(240) - 10;
			s[i].end = s[i].ts + 1 + rnd(r % 2 ? 8 : 40);
		}
		for (int k = 0; k < 6 && all; k++)
			all &= check_set(s, n, lo, hi, 1 + rnd(hi - lo + 20));
		all &= check_worst(s, n, lo, hi, 1 + rnd(hi - lo));
	}
	ok(all, "brute force agrees on 400 random pause sets, 6 window lengths each; worst windows disjoint and exact");

	all = 1;
	for (r = 0; r < 400 && all; r++) {
		struct vw_span s[12];
		int64_t lo = rnd(20), hi = lo + 1 + rnd(200), t = rnd(30);
		size_t n = (size_t)rnd(12);

		for (i = 0; i < n; i++) {
			t += rnd(3) ? rnd(20) : 0;   /* some spans touch */
			s[i].ts = t;
			s[i].end = t + 1 + rnd(25);
			s[i].loss = (double)(1 + rnd(8)) / 8;
			t = s[i].end;
		}
		for (int k = 0; k < 6 && all; k++)
			all &= check_loss(s, n, lo, hi, 1 + rnd(hi - lo + 20));
	}
	ok(all, "partial losses (shares of threads in GC): brute force agrees on 400 random sets");

	{
		size_t n = 1000000;
		struct vw_span *s = malloc(n * sizeof(*s));
		struct timespec a, b;
		int64_t t = 0;
		double ms, u = 0;
		int nw = 0;

		for (i = 0; i < n; i++) {
			t += 100 + rnd(2000);
			s[i].ts = t;
			s[i].end = t + 1 + rnd(200);
		}
		clock_gettime(CLOCK_MONOTONIC, &a);
		vw_pauses_init(&p, s, n, 0, t + 1000);
		for (int64_t w = 1000; w < t; w = w * 5 / 4, nw++)
			u += vw_mmu(&p, w, NULL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		printf("# 1M pauses, %d window lengths: %.1f ms (%.2f ms per length), sum %.3f\n", nw,
		       ms, ms / nw, u);
		ok(ms < 20000, "a million pauses compute in bounded time");
		vw_pauses_fini(&p);
	}
	printf("1..%d\n", ntest);
	return failed;
}
