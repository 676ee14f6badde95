/* query_mmu.c: minimum mutator utilization of a trace (/api/mmu and its
 * worst windows): the time lost to stop-the-world pauses, and optionally
 * to GC phases, turned into spans for mmu.c. */
#include "query_gc.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu.h"

/* Time lost by the program, as a sweep over these changes. */
enum { EV_ALIVE, EV_STW, EV_GC };

struct ev {
	int64_t t;
	int kind, delta;
	size_t thr;   /* EV_GC: index of the thread (nthr: unknown thread) */
};

static int by_t(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

struct life {
	int64_t utid, ts, end;
};

static size_t thread_index(const struct life *th, size_t n, int64_t utid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (th[mid].utid < utid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && th[lo].utid == utid ? lo : n;
}

/* The share of the program lost at each instant: all of it during a
 * stop-the-world pause; otherwise, when GC phases count, the share of the
 * live threads that are inside a GC phase (Go's system MMU counts
 * procs the same way). */
static int mmu_loss(struct vw_db *db, const struct vw_gc *g, struct vw_pauses *p,
		    struct vw_err *err)
{
	struct ev *e = NULL;
	struct vw_span *sp = NULL;
	struct life *th = NULL;   /* threads by utid */
	int *depth = NULL;
	size_t nthr = 0, cap = 0, ne = 0, ns = 0, i, j;
	long alive = 0, stw = 0, ingc = 0;
	sqlite3 *c = vw_db_acquire(db);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(c, "SELECT utid, coalesce(start_ts, ?1), coalesce(end_ts, ?2)"
				" FROM thread ORDER BY utid", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, db->t_start);
		sqlite3_bind_int64(st, 2, db->t_end);
	}
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nthr == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct life *nt = realloc(th, nc * sizeof(*nt));

			if (!nt) {
				rc = SQLITE_NOMEM;
				break;
			}
			th = nt;
			cap = nc;
		}
		th[nthr++] = (struct life){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
					    sqlite3_column_int64(st, 2) };
		rc = SQLITE_OK;
	}
	rc = rc == SQLITE_DONE ? 0 : vw_sql_err(c, rc, err, "threads");
	sqlite3_finalize(st);
	vw_db_release(db, c);
	if (rc)
		goto end;
	rc = -ENOMEM;
	e = malloc((2 * nthr + 2 * g->n + 1) * sizeof(*e));
	depth = calloc(nthr + 1, sizeof(*depth));
	if (!e || !depth)
		goto end;
	for (i = 0; i < nthr; i++) {
		e[ne++] = (struct ev){ th[i].ts, EV_ALIVE, 1, 0 };
		e[ne++] = (struct ev){ th[i].end, EV_ALIVE, -1, 0 };
	}
	for (i = 0; i < g->n; i++) {
		const struct vw_gc_slice *x = &g->s[i];
		size_t k = x->stw ? 0 : thread_index(th, nthr, x->utid);

		e[ne++] = (struct ev){ x->ts, x->stw ? EV_STW : EV_GC, 1, k };
		e[ne++] = (struct ev){ x->ts + x->dur, x->stw ? EV_STW : EV_GC, -1, k };
	}
	qsort(e, ne, sizeof(*e), by_t);
	sp = malloc((ne + 1) * sizeof(*sp));
	if (!sp)
		goto end;
	for (i = 0; i < ne; i = j) {
		for (j = i; j < ne && e[j].t == e[i].t; j++) {
			if (e[j].kind == EV_ALIVE) {
				alive += e[j].delta;
			} else if (e[j].kind == EV_STW) {
				stw += e[j].delta;
			} else {
				int *d = &depth[e[j].thr];

				ingc += (*d == 0 && e[j].delta > 0) - (*d == 1 && e[j].delta < 0);
				*d += e[j].delta;
			}
		}
		if (j < ne && (stw > 0 || (ingc > 0 && alive > 0))) {
			double loss = stw > 0 ? 1 : (double)(ingc < alive ? ingc : alive) / (double)alive;

			sp[ns++] = (struct vw_span){ e[i].t, e[j].t, loss };
		}
	}
	free(e);
	free(depth);
	free(th);
	return vw_loss_init(p, sp, ns, db->t_start, db->t_end);
end:
	free(e);
	free(depth);
	free(th);
	free(sp);
	if (rc == -ENOMEM)
		vw_err_set(err, "out of memory");
	return rc;
}

/* Lost time of the MMU: stop-the-world pauses, plus GC phases when asked. */
static int mmu_pauses(struct vw_db *db, const struct vw_gc *g, int with_gc, struct vw_pauses *p,
		      struct vw_err *err)
{
	struct vw_span *sp;
	size_t i, k = 0;

	if (with_gc)
		return mmu_loss(db, g, p, err);
	sp = malloc((g->n + 1) * sizeof(*sp));
	if (!sp) {
		vw_err_set(err, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < g->n; i++)
		if (g->s[i].stw)
			sp[k++] = (struct vw_span){ g->s[i].ts, g->s[i].ts + g->s[i].dur, 1 };
	return vw_pauses_init(p, sp, k, db->t_start, db->t_end);
}

/* Whole pauses (loss 1) of p. */
static size_t whole_pauses(const struct vw_pauses *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->s[i].loss == 1;
	return n;
}

#define MAX_WINDOWS 512

int vw_q_mmu(struct vw_db *db, int with_gc, const int64_t *windows, int nwin,
	     struct vw_buf *out, struct vw_err *err)
{
	struct vw_pauses p;
	struct vw_gc *g;
	int64_t w[MAX_WINDOWS], len, t;
	int rc, i, n = 0;
	size_t start = out->len;
	char *cached, *mine = NULL;
	double u;

	rc = vw_gc_load(db, &g, err);
	if (rc)
		return rc;
	if (!nwin && (cached = __atomic_load_n(&g->curve[!!with_gc], __ATOMIC_ACQUIRE))) {
		vw_buf_puts(out, cached);
		return 0;
	}
	len = db->t_end - db->t_start;
	if (nwin > MAX_WINDOWS) {
		vw_err_set(err, "too many windows (max %d)", MAX_WINDOWS);
		return -EINVAL;
	}
	for (i = 0; i < nwin; i++) {
		if (windows[i] < 1) {
			vw_err_set(err, "window lengths are ns > 0");
			return -EINVAL;
		}
		w[n++] = windows[i];
	}
	if (!nwin) {
		/* 1 us to the whole trace, ten per decade on a log scale */
		for (i = 0; n < MAX_WINDOWS - 1; i++) {
			int64_t v = (int64_t)llround(1000.0 * pow(10.0, i / 10.0));

			if (v >= len)
				break;
			w[n++] = v;
		}
		if (len > 0)
			w[n++] = len;
	}
	rc = mmu_pauses(db, g, with_gc, &p, err);
	if (rc)
		return rc;
	vw_buf_printf(out, "{\"include\":%s,\"duration_ns\":%" PRId64 ",\"pauses\":%zu,"
		      "\"paused_ns\":%lld,\"points\":[", with_gc ? "[\"stw\",\"gc\"]" : "[\"stw\"]",
		      len, whole_pauses(&p), llround(p.cum[p.n]));
	for (i = 0; i < n; i++) {
		u = vw_mmu(&p, w[i], &t);
		vw_buf_printf(out, "%s[%" PRId64 ",", i ? "," : "", w[i] < len ? w[i] : len);
		vw_json_num(out, u);
		vw_buf_printf(out, ",%" PRId64 "]", t - db->t_start);
	}
	vw_buf_puts(out, "]}");
	vw_pauses_fini(&p);
	if (!nwin && !out->oom && (mine = malloc(out->len - start + 1))) {
		memcpy(mine, out->p + start, out->len - start);
		mine[out->len - start] = 0;
		cached = NULL;
		if (!__atomic_compare_exchange_n(&g->curve[!!with_gc], &cached, mine, 0,
						 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
			free(mine);  /* another request got there first */
	}
	return 0;
}

#define MAX_WORST 100

int vw_q_mmu_worst(struct vw_db *db, int with_gc, int64_t w, int k, struct vw_buf *out,
		   struct vw_err *err)
{
	struct vw_pauses p;
	struct vw_gc *g;
	int64_t ts[MAX_WORST];
	double u[MAX_WORST];
	size_t n = 0, i;
	int rc;

	if (w < 1 || k < 1 || k > MAX_WORST) {
		vw_err_set(err, "want w >= 1 (ns) and 1 <= n <= %d", MAX_WORST);
		return -EINVAL;
	}
	rc = vw_gc_load(db, &g, err);
	if (rc)
		return rc;
	rc = mmu_pauses(db, g, with_gc, &p, err);
	if (rc)
		return rc;
	rc = vw_mmu_worst(&p, w, (size_t)k, ts, u, &n);
	if (rc) {
		vw_pauses_fini(&p);
		vw_err_set(err, "out of memory");
		return rc;
	}
	vw_buf_printf(out, "{\"w\":%" PRId64 ",\"windows\":[",
		      w < p.hi - p.lo ? w : p.hi - p.lo);
	for (i = 0; i < n; i++) {
		vw_buf_printf(out, "%s[%" PRId64 ",", i ? "," : "", ts[i] - db->t_start);
		vw_json_num(out, u[i]);
		vw_buf_putc(out, ']');
	}
	vw_buf_puts(out, "]}");
	vw_pauses_fini(&p);
	return 0;
}
