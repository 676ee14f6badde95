/* lod.c: the level-of-detail sidecar and the segment merger.
 *
 * A window query must cost what its pixels cost, not what its events cost.
 * For each thread the sidecar stores levels with buckets of 2^shift ns: rows
 * at least one bucket long are kept whole, shorter ones are merged per
 * bucket into one row with a count, the dominant (state, reason) and the
 * time per state.  A level is stored only if it has at most half the rows
 * of the finer level it would replace, so the sidecar stays smaller than the
 * trace.  The same pass precomputes the aggregates the analyses need
 * (breakdown, stacks, objects), so no analysis scans the trace.
 * The sidecar is keyed to the trace db's size and mtime and rebuilt into a
 * temporary file renamed into place. */
#include "query_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lod_agg.h"

#define LOD_VERSION 3
#define MIN_SHIFT 10   /* 1 us buckets */
#define MAX_SHIFT 40   /* ~18 min buckets */

const char *const vw_state_names[VW_NSTATE] = {
	"running", "runnable", "blocked", "net", "syscall", "sleep", "unknown",
};

int vw_state_index(const char *state)
{
	int i;

	for (i = 0; state && i < VW_NSTATE; i++)
		if (!strcmp(state, vw_state_names[i]))
			return i;
	return VW_ST_UNKNOWN;
}

/* ---- merger ---- */

void vw_merger_init(struct vw_merger *m, int64_t res, int64_t origin,
		    const struct vw_code *codes, vw_seg_fn emit, void *ctx)
{
	memset(m, 0, sizeof(*m));
	m->res = res > 0 ? res : 1;
	m->origin = origin;
	m->codes = codes;
	m->emit = emit;
	m->ctx = ctx;
}

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b && (a < 0) != (b < 0)) ? q - 1 : q;
}

void vw_merger_flush(struct vw_merger *m)
{
	if (m->has)
		m->emit(m->ctx, &m->pend);
	m->has = 0;
}

static int seg_state(const struct vw_merger *m, const struct vw_seg *s)
{
	return s->code >= 0 ? m->codes[s->code].st : VW_ST_UNKNOWN;
}

void vw_merger_push(struct vw_merger *m, const struct vw_seg *s)
{
	int64_t b, weight;
	int i;

	if (s->dur >= m->res) {
		vw_merger_flush(m);
		m->emit(m->ctx, s);
		return;
	}
	b = floordiv(s->ts - m->origin, m->res);
	if (m->has && b != m->pend_bucket)
		vw_merger_flush(m);
	weight = s->cnt > 1 ? s->sd[seg_state(m, s)] : s->dur;
	if (!m->has) {
		m->pend = *s;
		if (s->cnt <= 1) {
			memset(m->pend.sd, 0, sizeof(m->pend.sd));
			m->pend.sd[seg_state(m, s)] = s->dur;
			m->pend.cnt = 1;
		}
		m->pend_bucket = b;
		m->pend_best = weight;
		m->has = 1;
		return;
	}
	m->pend.dur = s->ts + s->dur - m->pend.ts;
	m->pend.cnt += s->cnt > 1 ? s->cnt : 1;
	if (s->cnt > 1)
		for (i = 0; i < VW_NSTATE; i++)
			m->pend.sd[i] += s->sd[i];
	else
		m->pend.sd[seg_state(m, s)] += s->dur;
	if (weight > m->pend_best) {
		m->pend_best = weight;
		m->pend.code = s->code;
		m->pend.id = s->id;
	}
}

/* ---- build ---- */

struct raw {
	int64_t ts, dur, id;
	int code;
};

struct build {
	sqlite3 *out;
	sqlite3_stmt *ins;
	struct vw_code *codes;  /* owned */
	int ncodes;
	struct raw *rows;       /* one thread's rows, owned */
	size_t nrows, caprows;
	int64_t utid;
	int64_t count;          /* rows emitted by a dry or real run */
	int shift;
	int write;
	int rc;
	struct lod_agg breakdown, stacks, objects;
};

static int code_of(struct build *bd, const char *state, const char *reason)
{
	int i;
	struct vw_code *n;

	for (i = bd->ncodes - 1; i >= 0; i--)
		if (!strcmp(bd->codes[i].state, state) &&
		    ((!reason && !bd->codes[i].reason) ||
		     (reason && bd->codes[i].reason && !strcmp(reason, bd->codes[i].reason))))
			return i;
	n = realloc(bd->codes, (size_t)(bd->ncodes + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	bd->codes = n;
	n[bd->ncodes].state = strdup(state);
	n[bd->ncodes].reason = reason ? strdup(reason) : NULL;
	n[bd->ncodes].st = vw_state_index(state);
	if (!n[bd->ncodes].state || (reason && !n[bd->ncodes].reason))
		return -ENOMEM;
	return bd->ncodes++;
}

static void emit_row(void *ctx, const struct vw_seg *s)
{
	struct build *bd = ctx;
	sqlite3_stmt *st = bd->ins;
	int i;

	bd->count++;
	if (!bd->write || bd->rc)
		return;
	sqlite3_bind_int64(st, 1, bd->utid);
	sqlite3_bind_int(st, 2, bd->shift);
	sqlite3_bind_int64(st, 3, s->ts);
	sqlite3_bind_int64(st, 4, s->dur);
	sqlite3_bind_int(st, 5, s->code);
	sqlite3_bind_int(st, 6, s->cnt > 1 ? s->cnt : 1);
	sqlite3_bind_int64(st, 7, s->id);
	for (i = 0; i < VW_NSTATE; i++) {
		if (s->cnt > 1)
			sqlite3_bind_int64(st, 8 + i, s->sd[i]);
		else
			sqlite3_bind_null(st, 8 + i);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		bd->rc = -EIO;
	sqlite3_reset(st);
}

static void run_level(struct build *bd, int shift, int write)
{
	struct vw_merger m;
	struct vw_seg s;
	size_t i;

	memset(&s, 0, sizeof(s));
	bd->count = 0;
	bd->shift = shift;
	bd->write = write;
	if (shift == 0) {
		/* Raw copy, for a trace db without a (utid, ts) index. */
		for (i = 0; i < bd->nrows; i++) {
			s.ts = bd->rows[i].ts;
			s.dur = bd->rows[i].dur;
			s.id = bd->rows[i].id;
			s.code = bd->rows[i].code;
			s.cnt = 1;
			emit_row(bd, &s);
		}
		return;
	}
	vw_merger_init(&m, (int64_t)1 << shift, 0, bd->codes, emit_row, bd);
	for (i = 0; i < bd->nrows; i++) {
		s.ts = bd->rows[i].ts;
		s.dur = bd->rows[i].dur;
		s.id = bd->rows[i].id;
		s.code = bd->rows[i].code;
		s.cnt = 1;
		vw_merger_push(&m, &s);
	}
	vw_merger_flush(&m);
}

static int finish_thread(struct build *bd, sqlite3_stmt *lvl, int raw_indexed)
{
	int64_t prev = (int64_t)bd->nrows;
	int shift;

	if (!bd->nrows)
		return 0;
	if (!raw_indexed) {
		run_level(bd, 0, 1);
		sqlite3_bind_int64(lvl, 1, bd->utid);
		sqlite3_bind_int(lvl, 2, 0);
		sqlite3_bind_int64(lvl, 3, bd->count);
		if (sqlite3_step(lvl) != SQLITE_DONE)
			bd->rc = -EIO;
		sqlite3_reset(lvl);
	}
	for (shift = MIN_SHIFT; shift <= MAX_SHIFT && prev > 1 && !bd->rc; shift++) {
		run_level(bd, shift, 0);
		if (bd->count * 2 > prev)
			continue;
		run_level(bd, shift, 1);
		prev = bd->count;
		sqlite3_bind_int64(lvl, 1, bd->utid);
		sqlite3_bind_int(lvl, 2, shift);
		sqlite3_bind_int64(lvl, 3, bd->count);
		if (sqlite3_step(lvl) != SQLITE_DONE)
			bd->rc = -EIO;
		sqlite3_reset(lvl);
	}
	bd->nrows = 0;
	return bd->rc;
}

static const char lod_schema[] =
	"PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=8192;"
	"CREATE TABLE lod_meta(key TEXT PRIMARY KEY, value);"
	"CREATE TABLE lod_code(code INTEGER PRIMARY KEY, state TEXT NOT NULL, reason TEXT);"
	"CREATE TABLE lod_level(utid INTEGER, shift INTEGER, rows INTEGER,"
	"  PRIMARY KEY(utid, shift)) WITHOUT ROWID;"
	"CREATE TABLE lod(utid INTEGER, shift INTEGER, ts INTEGER, dur INTEGER, code INTEGER,"
	"  cnt INTEGER, id INTEGER, s0, s1, s2, s3, s4, s5, s6,"
	"  PRIMARY KEY(utid, shift, ts)) WITHOUT ROWID;"
	"CREATE TABLE lod_breakdown(utid INTEGER, code INTEGER, cnt INTEGER, total INTEGER,"
	"  maxdur INTEGER, maxid INTEGER);"
	"CREATE TABLE lod_stack(code INTEGER, callsite_id INTEGER, cnt INTEGER, total INTEGER,"
	"  maxdur INTEGER, maxid INTEGER);"
	"CREATE TABLE lod_object(object_id INTEGER, utid INTEGER, waker_utid INTEGER,"
	"  cnt INTEGER, total INTEGER, maxdur INTEGER, maxid INTEGER);"
	"BEGIN;";

static int has_raw_index(sqlite3 *src)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	/* Any index whose leading columns are (utid, ts) serves window reads. */
	if (sqlite3_prepare_v2(src,
		"SELECT 1 FROM pragma_index_list('thread_state') l"
		" WHERE (SELECT name FROM pragma_index_info(l.name) WHERE seqno=0)='utid'"
		"   AND (SELECT name FROM pragma_index_info(l.name) WHERE seqno=1)='ts'",
		-1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		found = 1;
	sqlite3_finalize(st);
	return found;
}

static int meta_put(sqlite3 *c, const char *key, int64_t v)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO lod_meta VALUES('%s', %" PRId64 ")", key, v);
	return sqlite3_exec(c, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

static int write_aggs(struct build *bd)
{
	int rc;

	rc = lod_agg_write(&bd->breakdown, bd->out, "INSERT INTO lod_breakdown VALUES(?,?,?,?,?,?)", 2);
	if (!rc)
		rc = lod_agg_write(&bd->stacks, bd->out, "INSERT INTO lod_stack VALUES(?,?,?,?,?,?)", 2);
	if (!rc)
		rc = lod_agg_write(&bd->objects, bd->out,
				   "INSERT INTO lod_object VALUES(?,?,?,?,?,?,?)", 3);
	return rc;
}

static int build(sqlite3 *src, const char *tmp, const struct stat *sst, int quiet,
		 struct vw_err *err)
{
	struct build bd;
	sqlite3_stmt *rd = NULL, *lvl = NULL, *cins = NULL;
	int64_t n = 0, t_start = INT64_MAX, t_end = INT64_MIN, t0 = vw_now_ns();
	int raw_indexed = has_raw_index(src);
	int rc = -EIO, i;

	memset(&bd, 0, sizeof(bd));
	bd.utid = INT64_MIN;
	if (sqlite3_open_v2(tmp, &bd.out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		vw_err_set(err, "cannot create the viewer cache %s: %s", tmp, sqlite3_errmsg(bd.out));
		goto end;
	}
	if (sqlite3_exec(bd.out, lod_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(bd.out, "INSERT INTO lod VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
			       &bd.ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(bd.out, "INSERT INTO lod_level VALUES(?,?,?)", -1, &lvl, NULL) !=
		    SQLITE_OK) {
		vw_err_set(err, "cannot write the viewer cache %s: %s", tmp, sqlite3_errmsg(bd.out));
		goto end;
	}
	if (sqlite3_prepare_v2(src,
		"SELECT utid, ts, dur, state, reason, id, callsite_id, object_id, waker_utid"
		" FROM thread_state ORDER BY utid, ts", -1, &rd, NULL) != SQLITE_OK) {
		vw_err_set(err, "not a cprof trace database (thread_state): %s", sqlite3_errmsg(src));
		goto end;
	}
	while ((rc = sqlite3_step(rd)) == SQLITE_ROW) {
		int64_t utid = sqlite3_column_int64(rd, 0);
		const char *state = (const char *)sqlite3_column_text(rd, 3);
		const char *reason = (const char *)sqlite3_column_text(rd, 4);
		struct raw *r;
		int code;
		int64_t k[3];

		if (utid != bd.utid) {
			if (finish_thread(&bd, lvl, raw_indexed))
				break;
			bd.utid = utid;
		}
		if (bd.nrows == bd.caprows) {
			size_t cap = bd.caprows ? bd.caprows * 2 : 65536;

			r = realloc(bd.rows, cap * sizeof(*r));
			if (!r) {
				bd.rc = -ENOMEM;
				break;
			}
			bd.rows = r;
			bd.caprows = cap;
		}
		code = code_of(&bd, state ? state : "unknown", reason);
		if (code < 0) {
			bd.rc = code;
			break;
		}
		r = &bd.rows[bd.nrows++];
		r->ts = sqlite3_column_int64(rd, 1);
		r->dur = sqlite3_column_int64(rd, 2);
		r->id = sqlite3_column_int64(rd, 5);
		r->code = code;
		if (r->ts < t_start)
			t_start = r->ts;
		if (r->ts + r->dur > t_end)
			t_end = r->ts + r->dur;
		k[0] = utid, k[1] = code, k[2] = 0;
		lod_agg_add(&bd.breakdown, k, r->dur, r->id);
		k[0] = code;
		k[1] = sqlite3_column_type(rd, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64(rd, 6);
		lod_agg_add(&bd.stacks, k, r->dur, r->id);
		if (sqlite3_column_type(rd, 7) != SQLITE_NULL) {
			k[0] = sqlite3_column_int64(rd, 7);
			k[1] = utid;
			k[2] = sqlite3_column_type(rd, 8) == SQLITE_NULL ? -1
									: sqlite3_column_int64(rd, 8);
			lod_agg_add(&bd.objects, k, r->dur, r->id);
		}
		if (bd.breakdown.oom || bd.stacks.oom || bd.objects.oom) {
			bd.rc = -ENOMEM;
			break;
		}
		if (++n % 2000000 == 0 && !quiet)
			fprintf(stderr, "cprof-trace: indexing the timeline: %" PRId64 " states\n", n);
	}
	if (rc != SQLITE_DONE && !bd.rc) {
		vw_err_set(err, "cannot read thread_state: %s", sqlite3_errmsg(src));
		rc = -EIO;
		goto end;
	}
	if (!bd.rc)
		finish_thread(&bd, lvl, raw_indexed);
	if (!bd.rc)
		bd.rc = write_aggs(&bd);
	if (bd.rc) {
		rc = bd.rc;
		vw_err_set(err, "cannot build the viewer cache %s: %s", tmp,
			   rc == -ENOMEM ? "out of memory" : sqlite3_errmsg(bd.out));
		goto end;
	}
	if (sqlite3_prepare_v2(bd.out, "INSERT INTO lod_code VALUES(?,?,?)", -1, &cins, NULL) !=
	    SQLITE_OK) {
		rc = -EIO;
		goto end;
	}
	for (i = 0; i < bd.ncodes; i++) {
		sqlite3_bind_int(cins, 1, i);
		sqlite3_bind_text(cins, 2, bd.codes[i].state, -1, SQLITE_STATIC);
		sqlite3_bind_text(cins, 3, bd.codes[i].reason, -1, SQLITE_STATIC);
		sqlite3_step(cins);
		sqlite3_reset(cins);
	}
	if (!n)
		t_start = t_end = 0;
	rc = meta_put(bd.out, "version", LOD_VERSION);
	rc = rc ? rc : meta_put(bd.out, "src_size", (int64_t)sst->st_size);
	rc = rc ? rc : meta_put(bd.out, "src_mtime_ns",
				(int64_t)sst->st_mtim.tv_sec * 1000000000 + sst->st_mtim.tv_nsec);
	rc = rc ? rc : meta_put(bd.out, "raw_indexed", raw_indexed);
	rc = rc ? rc : meta_put(bd.out, "t_start", t_start);
	rc = rc ? rc : meta_put(bd.out, "t_end", t_end);
	rc = rc ? rc : meta_put(bd.out, "states", n);
	rc = rc ? rc : meta_put(bd.out, "build_ns", vw_now_ns() - t0);
	if (rc || sqlite3_exec(bd.out, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		vw_err_set(err, "cannot write the viewer cache %s: %s", tmp, sqlite3_errmsg(bd.out));
		rc = -EIO;
		goto end;
	}
	if (!quiet && n >= 1000000)
		fprintf(stderr, "cprof-trace: indexed %" PRId64 " states in %.1f s\n", n,
			(double)(vw_now_ns() - t0) / 1e9);
	rc = 0;
end:
	sqlite3_finalize(rd);
	sqlite3_finalize(lvl);
	sqlite3_finalize(cins);
	sqlite3_finalize(bd.ins);
	sqlite3_close(bd.out);
	for (i = 0; i < bd.ncodes; i++) {
		free(bd.codes[i].state);
		free(bd.codes[i].reason);
	}
	free(bd.codes);
	free(bd.rows);
	lod_agg_fini(&bd.breakdown);
	lod_agg_fini(&bd.stacks);
	lod_agg_fini(&bd.objects);
	return rc;
}

static int is_fresh(const char *lod_path, const struct stat *sst)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *st = NULL;
	int64_t ver = -1, size = -1, mt = -1;
	int fresh = 0;

	if (access(lod_path, R_OK))
		return 0;
	if (sqlite3_open_v2(lod_path, &c, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto end;
	if (sqlite3_prepare_v2(c, "SELECT key, value FROM lod_meta", -1, &st, NULL) != SQLITE_OK)
		goto end;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		int64_t v = sqlite3_column_int64(st, 1);

		if (!strcmp(k, "version"))
			ver = v;
		else if (!strcmp(k, "src_size"))
			size = v;
		else if (!strcmp(k, "src_mtime_ns"))
			mt = v;
	}
	fresh = ver == LOD_VERSION && size == (int64_t)sst->st_size &&
		mt == (int64_t)sst->st_mtim.tv_sec * 1000000000 + sst->st_mtim.tv_nsec;
end:
	sqlite3_finalize(st);
	sqlite3_close(c);
	return fresh;
}

int vw_lod_prepare(const char *db_path, const char *lod_path, int quiet, struct vw_err *err)
{
	struct stat sst;
	sqlite3 *src = NULL;
	char tmp[4096];
	int rc;

	if (stat(db_path, &sst)) {
		vw_err_set(err, "%s: %s", db_path, strerror(errno));
		return -errno;
	}
	if (is_fresh(lod_path, &sst))
		return 0;
	if (!quiet)
		fprintf(stderr, "cprof-trace: preparing the timeline index %s\n", lod_path);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", lod_path, (int)getpid());
	unlink(tmp);
	if (sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		vw_err_set(err, "%s: %s", db_path, sqlite3_errmsg(src));
		rc = -EIO;
		goto end;
	}
	sqlite3_exec(src, "PRAGMA cache_size=-32000", NULL, NULL, NULL);
	rc = build(src, tmp, &sst, quiet, err);
	if (!rc && rename(tmp, lod_path)) {
		rc = -errno;
		vw_err_set(err, "cannot rename %s: %s", tmp, strerror(errno));
	}
end:
	if (rc)
		unlink(tmp);
	sqlite3_close(src);
	return rc;
}

/* ---- reads ---- */

int vw_code_find(const struct vw_db *db, const char *state, const char *reason)
{
	int i;

	for (i = 0; i < db->ncodes; i++)
		if (!strcmp(db->codes[i].state, state ? state : "unknown") &&
		    ((!reason && !db->codes[i].reason) ||
		     (reason && db->codes[i].reason && !strcmp(reason, db->codes[i].reason))))
			return i;
	return -1;
}

int vw_lod_level(const struct vw_db *db, int64_t utid, int shift)
{
	int lo = 0, hi = db->ntl - 1, k;
	uint64_t m;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (db->tl[mid].utid == utid) {
			if (shift < 0)
				return -1;
			m = db->tl[mid].shifts & ~1ull;
			for (k = shift < 63 ? shift : 63; k >= 1; k--)
				if (m & (1ull << k))
					return k;
			return -1;
		}
		if (db->tl[mid].utid < utid)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

int vw_lod_read(struct vw_db *db, sqlite3 *c, int64_t utid, int shift, int64_t t0, int64_t t1,
		vw_seg_fn fn, void *ctx, struct vw_err *err)
{
	int level = vw_lod_level(db, utid, shift);
	sqlite3_stmt *st = NULL;
	struct vw_seg s;
	int rc, i, raw = level < 0 && db->raw_indexed;
	const char *sql;

	if (level < 0 && !raw)
		level = 0;  /* raw copy in the sidecar */
	if (raw)
		sql = "SELECT ts, dur, id, state, reason FROM thread_state WHERE utid=?1"
		      " AND ts >= coalesce((SELECT max(ts) FROM thread_state WHERE utid=?1"
		      " AND ts <= ?2), ?2) AND ts < ?3 ORDER BY ts";
	else
		sql = "SELECT ts, dur, id, code, cnt, s0, s1, s2, s3, s4, s5, s6 FROM lod.lod"
		      " WHERE utid=?1 AND shift=?4 AND ts >= coalesce((SELECT max(ts) FROM lod.lod"
		      " WHERE utid=?1 AND shift=?4 AND ts <= ?2), ?2) AND ts < ?3";
	rc = sqlite3_prepare_v3(c, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK)
		return vw_sql_err(c, rc, err, "timeline");
	sqlite3_bind_int64(st, 1, utid);
	sqlite3_bind_int64(st, 2, t0);
	sqlite3_bind_int64(st, 3, t1);
	if (!raw)
		sqlite3_bind_int(st, 4, level);
	memset(&s, 0, sizeof(s));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s.ts = sqlite3_column_int64(st, 0);
		s.dur = sqlite3_column_int64(st, 1);
		s.id = sqlite3_column_int64(st, 2);
		if (raw) {
			s.code = vw_code_find(db, (const char *)sqlite3_column_text(st, 3),
					      (const char *)sqlite3_column_text(st, 4));
			s.cnt = 1;
		} else {
			s.code = sqlite3_column_int(st, 3);
			s.cnt = sqlite3_column_int(st, 4);
			if (s.code < 0 || s.code >= db->ncodes)
				s.code = -1;
			for (i = 0; i < VW_NSTATE && s.cnt > 1; i++)
				s.sd[i] = sqlite3_column_int64(st, 5 + i);
		}
		fn(ctx, &s);
	}
	rc = rc == SQLITE_DONE ? 0 : vw_sql_err(c, rc, err, "timeline");
	sqlite3_finalize(st);
	return rc;
}
