/* query_timeline.c: window queries of the timeline: state segments per
 * thread at pixel resolution, user slices, counters, and the per-state
 * totals of a selected range.  Every answer is bounded by the pixel width
 * asked for, whatever the number of events in the window. */
#include "query_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WIDTH 8192

/* Bucket size for a window: ns per pixel rounded down to a power of two,
 * so buckets stay put while the user pans. */
int vw_res_shift(int64_t t0, int64_t t1, int width)
{
	int64_t r;
	int k = 0;

	if (width < 1)
		width = 1;
	if (width > MAX_WIDTH)
		width = MAX_WIDTH;
	r = (t1 - t0) / width;
	while (k < 62 && ((int64_t)2 << k) <= r)
		k++;
	return r < 1 ? 0 : k;
}

struct tl_out {
	struct vw_buf *out;
	int64_t base;  /* trace start: times are sent relative to it */
	int n;
};

static void tl_emit(void *ctx, const struct vw_seg *s)
{
	struct tl_out *o = ctx;
	struct vw_buf *b = o->out;

	if (o->n++)
		vw_buf_putc(b, ',');
	vw_buf_int(b, s->ts - o->base);
	vw_buf_putc(b, ',');
	vw_buf_int(b, s->dur);
	vw_buf_putc(b, ',');
	vw_buf_int(b, s->code);
	vw_buf_putc(b, ',');
	vw_buf_int(b, s->cnt > 1 ? s->cnt : 1);
	vw_buf_putc(b, ',');
	vw_buf_int(b, s->id);
}

static void merge_push(void *ctx, const struct vw_seg *s)
{
	vw_merger_push(ctx, s);
}

int vw_q_timeline(struct vw_db *db, const int64_t *utids, int n, int64_t t0, int64_t t1,
		  int width, struct vw_buf *out, struct vw_err *err)
{
	sqlite3 *c;
	int shift, i, rc = 0;
	struct tl_out o = { .out = out, .base = db->t_start };
	struct vw_merger m;

	if (t1 <= t0 || n < 0) {
		vw_err_set(err, "empty window");
		return -EINVAL;
	}
	shift = vw_res_shift(t0, t1, width);
	t0 += db->t_start;
	t1 += db->t_start;
	c = vw_db_acquire(db);
	vw_buf_printf(out, "{\"res\":%" PRId64 ",\"stride\":5,\"tracks\":[", (int64_t)1 << shift);
	for (i = 0; i < n && !rc; i++) {
		vw_buf_printf(out, "%s{\"utid\":%" PRId64 ",\"level\":%d,\"segs\":[", i ? "," : "",
			      utids[i], vw_lod_level(db, utids[i], shift));
		o.n = 0;
		vw_merger_init(&m, (int64_t)1 << shift, 0, db->codes, tl_emit, &o);
		rc = vw_lod_read(db, c, utids[i], shift, t0, t1, merge_push, &m, err);
		vw_merger_flush(&m);
		vw_buf_puts(out, "]}");
	}
	/* Codes travel with the answer: new ones appear while sampling. */
	vw_buf_printf(out, "],\"exact\":%s,", vw_ready(db) ? "true" : "false");
	if (db->build_err[0]) {        /* sampled for good */
		vw_json_key(out, "index_error", 1);
		vw_json_str(out, db->build_err);
		vw_buf_putc(out, ',');
	}
	vw_buf_puts(out, "\"codes\":[");
	for (i = 0; i < vw_ncodes(db); i++) {
		vw_buf_puts(out, i ? ",[" : "[");
		vw_json_str(out, db->codes[i].state);
		vw_buf_putc(out, ',');
		vw_json_str(out, db->codes[i].reason);
		vw_buf_putc(out, ']');
	}
	vw_buf_puts(out, "]}");
	vw_db_release(db, c);
	return rc;
}

int vw_q_slices(struct vw_db *db, const int64_t *utids, int n, int64_t t0, int64_t t1,
		int width, struct vw_buf *out, struct vw_err *err)
{
	sqlite3 *c;
	sqlite3_stmt *st = NULL;
	int64_t minw;
	int i, rc = SQLITE_OK, first;

	if (t1 <= t0) {
		vw_err_set(err, "empty window");
		return -EINVAL;
	}
	minw = (int64_t)1 << vw_res_shift(t0, t1, width);
	c = vw_db_acquire(db);
	/* Slices shorter than a pixel are left out and counted, like Tracy's
	 * folded zones; unfinished ones (dur -1) reach the trace end.  GC
	 * phases and pauses have their own row (query_gc.c). */
	rc = sqlite3_prepare_v2(c,
		"SELECT s.id, s.ts - ?4, CASE WHEN s.dur < 0 THEN ?5 - s.ts ELSE s.dur END AS d,"
		" s.depth, s.name, s.category FROM slice s JOIN track t ON t.id = s.track_id"
		" WHERE t.utid = ?1 AND s.category NOT IN ('gc', 'stw') AND s.ts < ?3 AND (s.dur < 0 OR s.ts + s.dur > ?2)"
		" AND (s.dur < 0 OR s.dur >= ?6) ORDER BY s.ts LIMIT 20000", -1, &st, NULL);
	vw_buf_puts(out, "{\"tracks\":[");
	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		sqlite3_bind_int64(st, 1, utids[i]);
		sqlite3_bind_int64(st, 2, t0 + db->t_start);
		sqlite3_bind_int64(st, 3, t1 + db->t_start);
		sqlite3_bind_int64(st, 4, db->t_start);
		sqlite3_bind_int64(st, 5, db->t_end);
		sqlite3_bind_int64(st, 6, minw);
		vw_buf_printf(out, "%s{\"utid\":%" PRId64 ",\"slices\":[", i ? "," : "", utids[i]);
		first = 1;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			vw_buf_printf(out, "%s[%" PRId64 ",%" PRId64 ",%" PRId64 ",%d,", first ? "" : ",",
				      (int64_t)sqlite3_column_int64(st, 0), (int64_t)sqlite3_column_int64(st, 1),
				      (int64_t)sqlite3_column_int64(st, 2), sqlite3_column_int(st, 3));
			vw_json_str(out, (const char *)sqlite3_column_text(st, 4));
			vw_buf_putc(out, ',');
			vw_json_str(out, (const char *)sqlite3_column_text(st, 5));
			vw_buf_putc(out, ']');
			first = 0;
		}
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_reset(st);
		vw_buf_puts(out, "]}");
	}
	vw_buf_puts(out, "]}");
	rc = rc == SQLITE_OK ? 0 : vw_sql_err(c, rc, err, "slices");
	sqlite3_finalize(st);
	vw_db_release(db, c);
	return rc;
}

/* Counters are step functions; per bucket we keep min and max so spikes
 * survive zooming out (Perfetto's counter mipmap does the same). */
struct steps {
	struct vw_buf *out;
	int64_t res, base, t0, t1;
	int64_t bucket;
	double min, max, last;
	int has, n, have_last;
};

static void steps_flush(struct steps *s)
{
	if (!s->has)
		return;
	vw_buf_printf(s->out, "%s%" PRId64 ",", s->n ? "," : "",
		      (s->bucket * s->res > s->t0 ? s->bucket * s->res : s->t0) - s->base);
	vw_json_num(s->out, s->min);
	vw_buf_putc(s->out, ',');
	vw_json_num(s->out, s->max);
	s->n++;
	s->has = 0;
}

static void steps_add(struct steps *s, int64_t ts, double v)
{
	int64_t b = ts / s->res;

	if (ts >= s->t1)
		return;
	if (s->has && b != s->bucket) {
		steps_flush(s);
		s->has = 0;
	}
	if (!s->has) {
		s->bucket = b;
		/* A bucket starts at the value carried in, then moves. */
		s->min = s->max = s->have_last ? s->last : v;
		s->has = 1;
	}
	if (v < s->min)
		s->min = v;
	if (v > s->max)
		s->max = v;
	s->last = v;
	s->have_last = 1;
}

static int has_thread_counter(sqlite3 *c)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(c, "SELECT 1 FROM track WHERE type = 'counter' AND name = 'threads'",
			       -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		found = 1;
	sqlite3_finalize(st);
	return found;
}

static int threads_alive(struct vw_db *db, sqlite3 *c, struct steps *s)
{
	sqlite3_stmt *st = NULL;
	int rc;
	double v = 0;

	rc = sqlite3_prepare_v2(c,
		"SELECT ts, sum(d) FROM (SELECT coalesce(start_ts, ?1) AS ts, 1 AS d FROM thread"
		" UNION ALL SELECT end_ts, -1 FROM thread WHERE end_ts IS NOT NULL)"
		" GROUP BY ts ORDER BY ts", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, db->t_start);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t ts = sqlite3_column_int64(st, 0);

		v += sqlite3_column_double(st, 1);
		steps_add(s, ts < s->t0 ? s->t0 : ts, v);
	}
	steps_flush(s);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int vw_q_counters(struct vw_db *db, int64_t t0, int64_t t1, int width, struct vw_buf *out,
		  struct vw_err *err)
{
	sqlite3 *c;
	sqlite3_stmt *tr = NULL, *st = NULL;
	struct steps s;
	int rc, first = 1;

	if (t1 <= t0) {
		vw_err_set(err, "empty window");
		return -EINVAL;
	}
	memset(&s, 0, sizeof(s));
	s.out = out;
	s.res = (int64_t)1 << vw_res_shift(t0, t1, width);
	s.base = db->t_start;
	s.t0 = t0 + db->t_start;
	s.t1 = t1 + db->t_start;
	c = vw_db_acquire(db);
	vw_buf_puts(out, "{\"counters\":[");
	/* Traces whose converter wrote no thread-count counter get one
	 * derived from thread lifetimes. */
	if (!has_thread_counter(c)) {
		vw_buf_puts(out, "{\"id\":-1,\"name\":\"threads\",\"unit\":\"count\",\"pts\":[");
		rc = threads_alive(db, c, &s);
		vw_buf_puts(out, "]}");
		first = 0;
	} else {
		rc = SQLITE_OK;
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(c, "SELECT id, name, unit FROM track WHERE type = 'counter'"
					" ORDER BY id", -1, &tr, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(c,
			"SELECT ts, value FROM counter WHERE track_id = ?1 AND ts < ?3 AND ts >="
			" coalesce((SELECT max(ts) FROM counter WHERE track_id = ?1 AND ts <= ?2), ?2)"
			" ORDER BY ts", -1, &st, NULL);
	while (rc == SQLITE_OK && sqlite3_step(tr) == SQLITE_ROW) {
		vw_buf_printf(out, "%s{\"id\":%" PRId64 ",\"name\":", first ? "" : ",",
			      (int64_t)sqlite3_column_int64(tr, 0));
		vw_json_str(out, (const char *)sqlite3_column_text(tr, 1));
		vw_buf_puts(out, ",\"unit\":");
		vw_json_str(out, (const char *)sqlite3_column_text(tr, 2));
		vw_buf_puts(out, ",\"pts\":[");
		s.n = 0;
		s.has = 0;
		s.have_last = 0;
		sqlite3_bind_int64(st, 1, sqlite3_column_int64(tr, 0));
		sqlite3_bind_int64(st, 2, s.t0);
		sqlite3_bind_int64(st, 3, s.t1);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t ts = sqlite3_column_int64(st, 0);

			steps_add(&s, ts < s.t0 ? s.t0 : ts, sqlite3_column_double(st, 1));
		}
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		steps_flush(&s);
		sqlite3_reset(st);
		vw_buf_puts(out, "]}");
		first = 0;
	}
	vw_buf_puts(out, "]}");
	rc = rc == SQLITE_OK ? 0 : vw_sql_err(c, rc, err, "counters");
	sqlite3_finalize(tr);
	sqlite3_finalize(st);
	vw_db_release(db, c);
	return rc;
}

struct sel {
	const struct vw_code *codes;
	int64_t t0, t1;
	int64_t st[VW_NSTATE];
	int64_t *code_dur, *code_cnt;  /* owned by the caller, ncodes each */
	int ncodes;
};

static void sel_add(void *ctx, const struct vw_seg *s)
{
	struct sel *a = ctx;
	int64_t b = s->ts > a->t0 ? s->ts : a->t0;
	int64_t e = s->ts + s->dur < a->t1 ? s->ts + s->dur : a->t1;
	int i;

	if (e <= b)
		return;
	if (s->cnt > 1) {
		/* A merged row: spread the clipped part over its states. */
		for (i = 0; i < VW_NSTATE; i++)
			a->st[i] += (int64_t)((double)s->sd[i] * (double)(e - b) / (double)s->dur);
		return;
	}
	if (s->code < 0 || s->code >= a->ncodes) {
		a->st[VW_ST_UNKNOWN] += e - b;
		return;
	}
	a->st[a->codes[s->code].st] += e - b;
	a->code_dur[s->code] += e - b;
	a->code_cnt[s->code]++;
}

int vw_q_select(struct vw_db *db, const int64_t *utids, int n, int64_t t0, int64_t t1,
		struct vw_buf *out, struct vw_err *err)
{
	struct sel a;
	sqlite3 *c;
	int shift, i, rc = 0, nthreads = n ? n : db->ntl, first = 1;

	if (t1 <= t0) {
		vw_err_set(err, "empty selection");
		return -EINVAL;
	}
	if (!vw_ready(db)) {
		vw_err_set(err, "the timeline index is still being built: try again in a moment");
		return -EAGAIN;
	}
	memset(&a, 0, sizeof(a));
	a.codes = db->codes;
	a.ncodes = vw_ncodes(db);
	a.t0 = t0 + db->t_start;
	a.t1 = t1 + db->t_start;
	a.code_dur = calloc((size_t)a.ncodes + 1, sizeof(int64_t));
	a.code_cnt = calloc((size_t)a.ncodes + 1, sizeof(int64_t));
	if (!a.code_dur || !a.code_cnt) {
		rc = -ENOMEM;
		goto end;
	}
	/* Fine enough that edges cost little, coarse enough to stay bounded. */
	shift = vw_res_shift(t0, t1, 4096);
	c = vw_db_acquire(db);
	for (i = 0; i < nthreads && !rc; i++)
		rc = vw_lod_read(db, c, n ? utids[i] : db->tl[i].utid, shift, a.t0, a.t1, sel_add,
				 &a, err);
	vw_db_release(db, c);
	vw_buf_printf(out, "{\"t0\":%" PRId64 ",\"t1\":%" PRId64 ",\"threads\":%d,\"states\":[",
		      t0, t1, nthreads);
	for (i = 0; i < VW_NSTATE; i++) {
		if (!a.st[i])
			continue;
		vw_buf_printf(out, "%s{\"state\":\"%s\",\"dur\":%" PRId64 "}", first ? "" : ",",
			      vw_state_names[i], a.st[i]);
		first = 0;
	}
	vw_buf_puts(out, "],\"reasons\":[");
	first = 1;
	for (i = 0; i < a.ncodes; i++) {
		if (!a.code_cnt[i])
			continue;
		vw_buf_printf(out, "%s{\"state\":", first ? "" : ",");
		vw_json_str(out, db->codes[i].state);
		vw_buf_puts(out, ",\"reason\":");
		vw_json_str(out, db->codes[i].reason);
		vw_buf_printf(out, ",\"dur\":%" PRId64 ",\"count\":%" PRId64 "}", a.code_dur[i],
			      a.code_cnt[i]);
		first = 0;
	}
	vw_buf_puts(out, "]}");
end:
	free(a.code_dur);
	free(a.code_cnt);
	if (rc == -ENOMEM)
		vw_err_set(err, "out of memory");
	return rc;
}
