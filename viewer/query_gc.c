/* query_gc.c: the GC slices in memory, the GC row of the timeline and one
 * GC slice's details (the MMU is in query_mmu.c).
 *
 * GC phases (slice category 'gc': cprof_gc_begin/end, malloc_trim, Boehm
 * collections) and stop-the-world pauses ('stw') are recorded on the
 * thread that ran them; the viewer shows them on one GC row instead.  They
 * are few next to thread states, so they are read once, on first use, and
 * kept in memory sorted by start; windows and the MMU then cost no SQL. */
#include "query_gc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t gc_load_lock = PTHREAD_MUTEX_INITIALIZER;

void vw_gc_free(struct vw_gc *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->cap_names; i++)
		free(g->names[i]);
	free(g->names);
	free(g->curve[0]);
	free(g->curve[1]);
	free(g->s);
	free(g);
}

static size_t name_hash(const char *s)
{
	size_t h = 14695981039346656037ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* The interned copy of s; NULL when out of memory. */
static const char *intern(struct vw_gc *g, const char *s)
{
	size_t i;

	if ((g->nnames + 1) * 2 > g->cap_names) {
		size_t cap = g->cap_names ? g->cap_names * 2 : 64, j;
		char **t = calloc(cap, sizeof(*t));

		if (!t)
			return NULL;
		for (j = 0; j < g->cap_names; j++) {
			if (!g->names[j])
				continue;
			for (i = name_hash(g->names[j]) & (cap - 1); t[i]; i = (i + 1) & (cap - 1))
				;
			t[i] = g->names[j];
		}
		free(g->names);
		g->names = t;
		g->cap_names = cap;
	}
	for (i = name_hash(s) & (g->cap_names - 1); g->names[i]; i = (i + 1) & (g->cap_names - 1))
		if (!strcmp(g->names[i], s))
			return g->names[i];
	g->names[i] = strdup(s);
	if (g->names[i])
		g->nnames++;
	return g->names[i];
}

static int by_id(const void *a, const void *b)
{
	const struct vw_gc_slice *x = *(struct vw_gc_slice *const *)a, *y = *(struct vw_gc_slice *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int by_ts(const void *a, const void *b)
{
	const struct vw_gc_slice *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static struct vw_gc_slice *find_id(struct vw_gc_slice **ix, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ix[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ix[lo]->id == id ? ix[lo] : NULL;
}

/* Lanes: pauses on top, GC phases below by how many GC phases enclose
 * them (Boehm's mark phase runs inside its collection and its pause). */
static void assign_lanes(struct vw_gc *g, struct vw_gc_slice **ix)
{
	int *level = NULL;
	size_t i;

	for (i = 0; i < g->n; i++)
		ix[i] = &g->s[i];
	qsort(ix, g->n, sizeof(*ix), by_id);
	/* a parent begins before its children, so it has a smaller id */
	level = calloc(g->n + 1, sizeof(*level));
	g->lanes = g->n ? 1 : 0;
	for (i = 0; i < g->n; i++) {
		struct vw_gc_slice *x = ix[i], *p = find_id(ix, g->n, x->parent);
		int lv = 0;

		if (p && level)
			lv = level[p - g->s] + !p->stw;
		if (level)
			level[x - g->s] = lv;
		x->lane = x->stw ? 0 : 1 + (lv < GC_LANES - 2 ? lv : GC_LANES - 2);
		if (x->lane + 1 > g->lanes)
			g->lanes = x->lane + 1;
	}
	free(level);
}

int vw_gc_load(struct vw_db *db, struct vw_gc **out, struct vw_err *err)
{
	struct vw_gc *g;
	struct vw_gc_slice **ix = NULL;
	sqlite3 *c;
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc = 0;

	*out = __atomic_load_n(&db->gc, __ATOMIC_ACQUIRE);
	if (*out)
		return 0;
	pthread_mutex_lock(&gc_load_lock);
	if ((*out = db->gc))
		goto unlock;
	g = calloc(1, sizeof(*g));
	if (!g) {
		rc = -ENOMEM;
		goto unlock;
	}
	c = vw_db_acquire(db);
	rc = sqlite3_prepare_v2(c,
		"SELECT s.id, s.ts, s.dur, t.utid, s.parent_id, s.name, s.category = 'stw'"
		" FROM slice s LEFT JOIN track t ON t.id = s.track_id"
		" WHERE s.category IN ('gc', 'stw')", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vw_gc_slice *x;
		const char *name = (const char *)sqlite3_column_text(st, 5);

		if (g->n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct vw_gc_slice *ns = realloc(g->s, nc * sizeof(*ns));

			if (!ns) {
				rc = SQLITE_NOMEM;
				break;
			}
			g->s = ns;
			cap = nc;
		}
		x = &g->s[g->n];
		x->id = sqlite3_column_int64(st, 0);
		x->ts = sqlite3_column_int64(st, 1);
		x->dur = sqlite3_column_int64(st, 2);
		/* unfinished when the trace ended */
		if (x->dur < 0)
			x->dur = db->t_end > x->ts ? db->t_end - x->ts : 0;
		x->utid = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 3);
		x->parent = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 4);
		x->name = intern(g, name ? name : "");
		x->stw = sqlite3_column_int(st, 6);
		if (!x->name) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (x->dur > g->maxdur)
			g->maxdur = x->dur;
		g->n++;
		rc = SQLITE_OK;
	}
	if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		/* a database without slices has no GC row */
		rc = strstr(sqlite3_errmsg(c), "no such table") ? 0 : vw_sql_err(c, rc, err, "gc");
	}
	sqlite3_finalize(st);
	vw_db_release(db, c);
	if (!rc && g->n) {
		qsort(g->s, g->n, sizeof(*g->s), by_ts);
		ix = malloc(g->n * sizeof(*ix));
		if (!ix)
			rc = -ENOMEM;
		else
			assign_lanes(g, ix);
		free(ix);
	}
	if (rc) {
		vw_gc_free(g);
		goto unlock;
	}
	__atomic_store_n(&db->gc, g, __ATOMIC_RELEASE);
	*out = g;
unlock:
	pthread_mutex_unlock(&gc_load_lock);
	if (rc == -ENOMEM)
		vw_err_set(err, "out of memory");
	return rc;
}

/* First slice that may overlap a window starting at t. */
static size_t first_from(const struct vw_gc *g, int64_t t)
{
	size_t lo = 0, hi = g->n;

	t -= g->maxdur;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (g->s[mid].ts < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Slices shorter than a bucket merge per lane and bucket, like thread
 * states: the longest one names the group and answers a click. */
struct pend {
	const struct vw_gc_slice *best;
	int64_t bucket, ts, end;
	int cnt;
};

static void put_item(struct vw_buf *out, int *n, const struct vw_gc_slice *x, int64_t ts, int64_t dur,
		     int cnt, int64_t base)
{
	vw_buf_puts(out, (*n)++ ? ",[" : "[");
	vw_buf_int(out, x->id);
	vw_buf_putc(out, ',');
	vw_buf_int(out, ts - base);
	vw_buf_putc(out, ',');
	vw_buf_int(out, dur);
	vw_buf_printf(out, ",%d,%d,", x->lane, cnt);
	vw_json_str(out, x->name);
	vw_buf_putc(out, ',');
	vw_buf_int(out, x->utid);
	vw_buf_putc(out, ']');
}

static void flush(struct vw_buf *out, int *n, struct pend *p, int64_t base)
{
	if (p->cnt)
		put_item(out, n, p->best, p->ts, p->end - p->ts, p->cnt, base);
	p->cnt = 0;
}

int vw_q_gc(struct vw_db *db, int64_t t0, int64_t t1, int width, struct vw_buf *out,
	    struct vw_err *err)
{
	struct pend pend[GC_LANES];
	struct vw_gc *g;
	int64_t res;
	size_t i;
	int rc, n = 0, l;

	if (t1 <= t0) {
		vw_err_set(err, "empty window");
		return -EINVAL;
	}
	rc = vw_gc_load(db, &g, err);
	if (rc)
		return rc;
	res = (int64_t)1 << vw_res_shift(t0, t1, width);
	t0 += db->t_start;
	t1 += db->t_start;
	memset(pend, 0, sizeof(pend));
	vw_buf_printf(out, "{\"res\":%" PRId64 ",\"total\":%zu,\"lanes\":%d,\"slices\":[", res,
		      g->n, g->lanes);
	for (i = first_from(g, t0); i < g->n && g->s[i].ts < t1; i++) {
		const struct vw_gc_slice *x = &g->s[i];
		struct pend *p = &pend[x->lane];
		int64_t b = x->ts / res;

		if (x->ts + x->dur <= t0 && x->dur > 0)
			continue;
		if (x->dur >= res) {
			put_item(out, &n, x, x->ts, x->dur, 1, db->t_start);
			continue;
		}
		if (p->cnt && p->bucket != b)
			flush(out, &n, p, db->t_start);
		if (!p->cnt) {
			p->bucket = b;
			p->ts = x->ts;
			p->end = x->ts + x->dur;
			p->best = x;
		}
		if (x->ts + x->dur > p->end)
			p->end = x->ts + x->dur;
		if (x->dur > p->best->dur)
			p->best = x;
		p->cnt++;
	}
	for (l = 0; l < GC_LANES; l++)
		flush(out, &n, &pend[l], db->t_start);
	vw_buf_puts(out, "]}");
	return 0;
}

int vw_q_gc_slice(struct vw_db *db, int64_t id, struct vw_buf *out, struct vw_err *err)
{
	const struct vw_gc_slice *x = NULL, *par = NULL, *y;
	struct vw_gc *g;
	sqlite3 *c;
	sqlite3_stmt *st = NULL;
	int64_t stw = 0;
	size_t i;
	int rc, nk = 0;

	rc = vw_gc_load(db, &g, err);
	if (rc)
		return rc;
	for (i = 0; i < g->n && !x; i++)
		if (g->s[i].id == id)
			x = &g->s[i];
	if (!x) {
		vw_err_set(err, "no GC slice %" PRId64, id);
		return -ENOENT;
	}
	for (i = 0; i < g->n && !par; i++)
		if (g->s[i].id == x->parent)
			par = &g->s[i];
	vw_buf_printf(out, "{\"id\":%" PRId64 ",\"name\":", x->id);
	vw_json_str(out, x->name);
	vw_buf_printf(out, ",\"category\":\"%s\",\"pause\":%s,\"ts\":%" PRId64 ",\"dur\":%" PRId64
		      ",\"utid\":%" PRId64, x->stw ? "stw" : "gc", x->stw ? "true" : "false",
		      x->ts - db->t_start, x->dur, x->utid);
	c = vw_db_acquire(db);
	rc = sqlite3_prepare_v2(c, "SELECT tid, name FROM thread WHERE utid = ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, x->utid);
		if (sqlite3_step(st) == SQLITE_ROW) {
			vw_buf_puts(out, ",\"tid\":");
			vw_col_json(out, st, 0);
			vw_buf_puts(out, ",\"thread\":");
			vw_col_json(out, st, 1);
		}
	}
	sqlite3_finalize(st);
	vw_db_release(db, c);
	vw_buf_puts(out, ",\"parent\":");
	if (par) {
		vw_buf_printf(out, "{\"id\":%" PRId64 ",\"name\":", par->id);
		vw_json_str(out, par->name);
		vw_buf_printf(out, ",\"pause\":%s}", par->stw ? "true" : "false");
	} else {
		vw_buf_puts(out, "null");
	}
	/* What ran inside it on its thread: nested phases and pauses. */
	vw_buf_puts(out, ",\"inside\":[");
	for (i = first_from(g, x->ts); i < g->n && g->s[i].ts < x->ts + x->dur; i++) {
		y = &g->s[i];
		if (y == x || y->utid != x->utid || y->ts < x->ts || y->ts + y->dur > x->ts + x->dur)
			continue;
		if (y->stw)
			stw += y->dur;
		if (nk++ < 20) {
			vw_buf_printf(out, "%s{\"id\":%" PRId64 ",\"name\":", nk > 1 ? "," : "", y->id);
			vw_json_str(out, y->name);
			vw_buf_printf(out, ",\"pause\":%s,\"ts\":%" PRId64 ",\"dur\":%" PRId64 "}",
				      y->stw ? "true" : "false", y->ts - db->t_start, y->dur);
		}
	}
	vw_buf_printf(out, "],\"inside_count\":%d,\"pause_ns\":%" PRId64 "}",
		      nk, x->stw ? x->dur : stw);
	return 0;
}
