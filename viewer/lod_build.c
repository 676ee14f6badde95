/* lod_build.c: builds the viewer cache (the "sidecar") of a trace database.
 *
 * For each thread the cache stores levels with buckets of 2^shift ns: rows
 * at least one bucket long are kept whole, shorter ones are merged per
 * bucket into one row with a count, the dominant (state, reason) and the
 * time per state.  A level is stored only if it has at most 3/4 of the rows
 * of the next finer stored level (or of the raw rows), so the cache stays
 * within a small multiple of the trace while a window read at any zoom
 * costs at most 4/3 of the rows its pixels need.  The same scan precomputes the aggregates the analyses need
 * (breakdown, stacks, objects), so no analysis scans the trace again.
 *
 * Two sequential scans in table order: the first counts the rows each level
 * would have and aggregates, the second writes the chosen levels.  A
 * thread's rows must come in time order; when the table is not written that
 * way, both scans read through the (utid, ts) order instead (slower: one
 * seek per row).  The cache is keyed to the database's size and mtime and
 * written to a temporary file renamed into place. */
#include "query_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lod_agg.h"

#define LOD_VERSION 5
#define MIN_SHIFT 10   /* 1 us buckets */
#define MAX_SHIFT 40   /* ~18 min buckets */
#define NLEV (MAX_SHIFT - MIN_SHIFT + 1)

struct build;

struct lvl {
	struct build *bd;     /* borrowed */
	int64_t utid;
	int shift;
	int keep;
	int64_t count;        /* rows of this level (pass 1: would have) */
	int64_t last_bucket;  /* pass 1 counting */
	int pend;
	struct vw_merger m;   /* pass 2 */
};

struct thr {
	int64_t utid;
	int64_t last_ts;
	int64_t nrows;
	struct lvl lv[NLEV];
};

struct local_code {
	char *state, *reason;   /* owned */
	int code;               /* in db->codes */
};

struct build {
	struct vw_db *db;       /* borrowed: codes are interned there */
	sqlite3 *out;
	sqlite3_stmt *ins;
	struct local_code *lc;  /* owned: lock-free lookups of codes seen */
	int nlc;
	struct thr **tab;       /* owned; open addressing by utid */
	size_t cap, nthr;
	int pass;               /* 1: count and aggregate, 2: write */
	int raw;                /* also write raw rows (level 0) */
	int unordered;          /* a thread's rows went back in time */
	int rc;
	int64_t t_start, t_end; /* trace bounds seen in pass 1 */
	struct lod_agg breakdown, stacks, objects;
};

static int code_of(struct build *bd, const char *state, const char *reason)
{
	struct local_code *n;
	int i, code;

	for (i = bd->nlc - 1; i >= 0; i--)
		if (!strcmp(bd->lc[i].state, state) &&
		    ((!reason && !bd->lc[i].reason) ||
		     (reason && bd->lc[i].reason && !strcmp(reason, bd->lc[i].reason))))
			return bd->lc[i].code;
	code = vw_code_intern(bd->db, state, reason);
	n = realloc(bd->lc, (size_t)(bd->nlc + 1) * sizeof(*n));
	if (code < 0 || !n)
		return -ENOMEM;
	bd->lc = n;
	n[bd->nlc].state = strdup(state);
	n[bd->nlc].reason = reason ? strdup(reason) : NULL;
	n[bd->nlc].code = code;
	if (!n[bd->nlc].state || (reason && !n[bd->nlc].reason))
		return -ENOMEM;
	bd->nlc++;
	return code;
}

static void insert_seg(struct build *bd, int64_t utid, int shift, const struct vw_seg *s)
{
	sqlite3_stmt *st = bd->ins;
	int i;

	if (bd->rc)
		return;
	sqlite3_bind_int64(st, 1, utid);
	sqlite3_bind_int(st, 2, shift);
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

static void emit_level(void *ctx, const struct vw_seg *s)
{
	struct lvl *l = ctx;

	l->count++;
	insert_seg(l->bd, l->utid, l->shift, s);
}

static struct thr *thr_get(struct build *bd, int64_t utid)
{
	size_t i, j;
	struct thr *t;

	if (bd->cap) {
		for (i = (size_t)utid * 0x9e3779b97f4a7c15ull & (bd->cap - 1); bd->tab[i];
		     i = (i + 1) & (bd->cap - 1))
			if (bd->tab[i]->utid == utid)
				return bd->tab[i];
	}
	if (bd->pass != 1)
		return NULL;
	if ((bd->nthr + 1) * 2 > bd->cap) {
		size_t cap = bd->cap ? bd->cap * 2 : 64;
		struct thr **n = calloc(cap, sizeof(*n));

		if (!n)
			return NULL;
		for (j = 0; j < bd->cap; j++) {
			if (!bd->tab[j])
				continue;
			for (i = (size_t)bd->tab[j]->utid * 0x9e3779b97f4a7c15ull & (cap - 1); n[i];
			     i = (i + 1) & (cap - 1))
				;
			n[i] = bd->tab[j];
		}
		free(bd->tab);
		bd->tab = n;
		bd->cap = cap;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->utid = utid;
	t->last_ts = INT64_MIN;
	for (j = 0; j < NLEV; j++) {
		t->lv[j].bd = bd;
		t->lv[j].utid = utid;
		t->lv[j].shift = MIN_SHIFT + (int)j;
	}
	for (i = (size_t)utid * 0x9e3779b97f4a7c15ull & (bd->cap - 1); bd->tab[i];
	     i = (i + 1) & (bd->cap - 1))
		;
	bd->tab[i] = t;
	bd->nthr++;
	return t;
}

/* Pass 1 counts the rows each level would get without building them:
 * the merger's rule (a long row stands alone, short ones share a bucket)
 * reduced to its arithmetic. */
static void count_row(struct thr *t, int64_t ts, int64_t dur)
{
	int k;

	for (k = 0; k < NLEV; k++) {
		struct lvl *l = &t->lv[k];
		int64_t b;

		if (dur >= (int64_t)1 << l->shift) {
			l->count += 1 + l->pend;
			l->pend = 0;
			continue;
		}
		b = ts >> l->shift;
		if (!l->pend || b != l->last_bucket) {
			l->count += l->pend;
			l->pend = 1;
			l->last_bucket = b;
		}
	}
}

static void row(struct build *bd, sqlite3_stmt *rd)
{
	int64_t utid = sqlite3_column_int64(rd, 0);
	const char *state = (const char *)sqlite3_column_text(rd, 3);
	const char *reason = (const char *)sqlite3_column_text(rd, 4);
	struct vw_seg s;
	struct thr *t = thr_get(bd, utid);
	int64_t k[3];
	int i;

	if (!t) {
		bd->rc = -ENOMEM;
		return;
	}
	memset(&s, 0, sizeof(s));
	s.ts = sqlite3_column_int64(rd, 1);
	s.dur = sqlite3_column_int64(rd, 2);
	s.id = sqlite3_column_int64(rd, 5);
	s.cnt = 1;
	s.code = code_of(bd, state ? state : "unknown", reason);
	if (s.code < 0) {
		bd->rc = s.code;
		return;
	}
	if (s.ts < t->last_ts) {
		bd->unordered = 1;
		return;
	}
	t->last_ts = s.ts;
	/* A zero-length state (a wait that ended at the trace's first event,
	 * say) covers no time: counted by the analyses, not drawn - it would
	 * share its ts, the levels' key, with the thread's next row. */
	if (s.dur <= 0) {
		if (bd->pass == 1) {
			k[0] = utid, k[1] = s.code, k[2] = 0;
			lod_agg_add(&bd->breakdown, k, 0, s.id);
			if (bd->breakdown.oom)
				bd->rc = -ENOMEM;
		}
		return;
	}
	if (bd->pass == 2) {
		if (bd->raw)
			insert_seg(bd, utid, 0, &s);
		for (i = 0; i < NLEV; i++)
			if (t->lv[i].keep)
				vw_merger_push(&t->lv[i].m, &s);
		return;
	}
	t->nrows++;
	count_row(t, s.ts, s.dur);
	if (s.ts < bd->t_start)
		bd->t_start = s.ts;
	if (s.ts + s.dur > bd->t_end)
		bd->t_end = s.ts + s.dur;
	k[0] = utid, k[1] = s.code, k[2] = 0;
	lod_agg_add(&bd->breakdown, k, s.dur, s.id);
	k[0] = s.code;
	k[1] = sqlite3_column_type(rd, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64(rd, 6);
	lod_agg_add(&bd->stacks, k, s.dur, s.id);
	if (sqlite3_column_type(rd, 7) != SQLITE_NULL) {
		k[0] = sqlite3_column_int64(rd, 7);
		k[1] = utid;
		k[2] = sqlite3_column_type(rd, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(rd, 8);
		lod_agg_add(&bd->objects, k, s.dur, s.id);
	}
	if (bd->breakdown.oom || bd->stacks.oom || bd->objects.oom)
		bd->rc = -ENOMEM;
}

/* Chooses each thread's levels and readies their mergers for pass 2. */
static void choose_levels(struct build *bd)
{
	size_t i;
	int k;

	for (i = 0; i < bd->cap; i++) {
		struct thr *t = bd->tab[i];
		int64_t prev;

		if (!t)
			continue;
		prev = t->nrows;
		t->last_ts = INT64_MIN;
		for (k = 0; k < NLEV; k++) {
			struct lvl *l = &t->lv[k];

			l->count += l->pend;
			l->keep = prev > 1 && l->count * 4 <= prev * 3;
			if (l->keep)
				prev = l->count;
			l->count = 0;
			vw_merger_init(&l->m, (int64_t)1 << l->shift, 0, bd->db->codes, emit_level, l);
		}
	}
}

static void reset(struct build *bd)
{
	size_t i;

	for (i = 0; i < bd->cap; i++)
		free(bd->tab[i]);
	free(bd->tab);
	bd->tab = NULL;
	bd->cap = bd->nthr = 0;
	bd->unordered = 0;
	lod_agg_fini(&bd->breakdown);
	lod_agg_fini(&bd->stacks);
	lod_agg_fini(&bd->objects);
	bd->t_start = INT64_MAX;
	bd->t_end = INT64_MIN;
}

static const char lod_schema[] =
	"PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=8192;"
	"PRAGMA cache_size=-65536;"
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

int vw_has_raw_index(sqlite3 *src)
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

/* One pass over thread_state; ordered: through (utid, ts). */
static int scan(struct build *bd, sqlite3 *src, int ordered, int quiet, struct vw_err *err)
{
	sqlite3_stmt *rd = NULL;
	int64_t n = 0;
	int rc;

	rc = sqlite3_prepare_v2(src, ordered
		? "SELECT utid, ts, dur, state, reason, id, callsite_id, object_id, waker_utid"
		  " FROM thread_state ORDER BY utid, ts"
		: "SELECT utid, ts, dur, state, reason, id, callsite_id, object_id, waker_utid"
		  " FROM thread_state", -1, &rd, NULL);
	if (rc != SQLITE_OK) {
		vw_err_set(err, "not a cprof trace database (thread_state): %s", sqlite3_errmsg(src));
		return -EINVAL;
	}
	while (!bd->rc && !bd->unordered && (rc = sqlite3_step(rd)) == SQLITE_ROW) {
		row(bd, rd);
		if ((n & 0xffff) == 0 && __atomic_load_n(&bd->db->cancel, __ATOMIC_RELAXED)) {
			vw_err_set(err, "cancelled");
			bd->rc = -ECANCELED;
		}
		if (++n % 2000000 == 0 && !quiet)
			fprintf(stderr, "cprof-trace: indexing the timeline (pass %d): %" PRId64 " states\n",
				bd->pass, n);
	}
	if (!bd->rc && !bd->unordered && rc != SQLITE_DONE) {
		vw_err_set(err, "cannot read thread_state: %s", sqlite3_errmsg(src));
		bd->rc = -EIO;
	}
	sqlite3_finalize(rd);
	return bd->rc;
}

static int meta_put(sqlite3 *c, const char *key, int64_t v)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO lod_meta VALUES('%s', %" PRId64 ")", key, v);
	return sqlite3_exec(c, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

static int write_tables(struct build *bd, const struct stat *sst, int64_t t0)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	size_t i;
	int rc, k;

	rc = lod_agg_write(&bd->breakdown, bd->out, "INSERT INTO lod_breakdown VALUES(?,?,?,?,?,?)", 2);
	rc = rc ? rc : lod_agg_write(&bd->stacks, bd->out, "INSERT INTO lod_stack VALUES(?,?,?,?,?,?)", 2);
	rc = rc ? rc : lod_agg_write(&bd->objects, bd->out,
				     "INSERT INTO lod_object VALUES(?,?,?,?,?,?,?)", 3);
	if (rc || sqlite3_prepare_v2(bd->out, "INSERT INTO lod_code VALUES(?,?,?)", -1, &st, NULL))
		return -EIO;
	for (k = 0; k < vw_ncodes(bd->db); k++) {
		sqlite3_bind_int(st, 1, k);
		sqlite3_bind_text(st, 2, bd->db->codes[k].state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, bd->db->codes[k].reason, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -EIO;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc || sqlite3_prepare_v2(bd->out, "INSERT INTO lod_level VALUES(?,?,?)", -1, &st, NULL))
		return -EIO;
	for (i = 0; i < bd->cap; i++) {
		struct thr *t = bd->tab[i];

		for (k = -1; t && k < NLEV; k++) {
			if (k >= 0 && !t->lv[k].keep)
				continue;
			if (k < 0 && !bd->raw)
				continue;
			sqlite3_bind_int64(st, 1, t->utid);
			sqlite3_bind_int(st, 2, k < 0 ? 0 : t->lv[k].shift);
			sqlite3_bind_int64(st, 3, k < 0 ? t->nrows : t->lv[k].count);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = -EIO;
			sqlite3_reset(st);
		}
	}
	sqlite3_finalize(st);
	/* Trace bounds and row count, from the aggregates. */
	if (sqlite3_prepare_v2(bd->out, "SELECT (SELECT sum(cnt) FROM lod_breakdown)", -1, &st, NULL) ==
		    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	rc = rc ? rc : meta_put(bd->out, "version", LOD_VERSION);
	rc = rc ? rc : meta_put(bd->out, "src_size", (int64_t)sst->st_size);
	rc = rc ? rc : meta_put(bd->out, "src_mtime_ns",
				(int64_t)sst->st_mtim.tv_sec * 1000000000 + sst->st_mtim.tv_nsec);
	rc = rc ? rc : meta_put(bd->out, "raw_indexed", !bd->raw);
	rc = rc ? rc : meta_put(bd->out, "states", n);
	rc = rc ? rc : meta_put(bd->out, "t_start", n ? bd->t_start : 0);
	rc = rc ? rc : meta_put(bd->out, "t_end", n ? bd->t_end : 0);
	rc = rc ? rc : meta_put(bd->out, "build_ns", vw_now_ns() - t0);
	return rc;
}

static int build(struct vw_db *db, sqlite3 *src, const char *tmp, const struct stat *sst,
		 int quiet, struct vw_err *err)
{
	struct build bd;
	int64_t t0 = vw_now_ns();
	int rc = -EIO, ordered = 0, i;

	memset(&bd, 0, sizeof(bd));
	bd.db = db;
	reset(&bd);
	bd.raw = !vw_has_raw_index(src);
	if (sqlite3_open_v2(tmp, &bd.out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		vw_err_set(err, "cannot create the viewer cache %s: %s", tmp, sqlite3_errmsg(bd.out));
		goto end;
	}
	if (sqlite3_exec(bd.out, lod_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(bd.out, "INSERT INTO lod VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
			       &bd.ins, NULL) != SQLITE_OK) {
		vw_err_set(err, "cannot write the viewer cache %s: %s", tmp, sqlite3_errmsg(bd.out));
		goto end;
	}
	for (;;) {
		bd.pass = 1;
		rc = scan(&bd, src, ordered, quiet, err);
		if (rc)
			goto fail;
		if (!bd.unordered)
			break;
		if (ordered) {
			vw_err_set(err, "thread_state rows of one thread overlap");
			rc = -EINVAL;
			goto end;
		}
		reset(&bd);
		ordered = 1;
	}
	choose_levels(&bd);
	bd.pass = 2;
	rc = scan(&bd, src, ordered, quiet, err);
	if (rc)
		goto fail;
	for (size_t j = 0; j < bd.cap; j++)
		for (i = 0; bd.tab[j] && i < NLEV; i++)
			if (bd.tab[j]->lv[i].keep)
				vw_merger_flush(&bd.tab[j]->lv[i].m);
	rc = bd.rc ? bd.rc : write_tables(&bd, sst, t0);
	if (rc || sqlite3_exec(bd.out, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (!quiet && vw_now_ns() - t0 > 1000000000)
		fprintf(stderr, "cprof-trace: timeline index built in %.1f s\n",
			(double)(vw_now_ns() - t0) / 1e9);
	rc = 0;
	goto end;
fail:
	if (!err->msg[0])
		vw_err_set(err, "cannot build the viewer cache %s: %s", tmp,
			   rc == -ENOMEM ? "out of memory" : sqlite3_errmsg(bd.out));
	rc = rc ? rc : -EIO;
end:
	sqlite3_finalize(bd.ins);
	sqlite3_close(bd.out);
	reset(&bd);
	for (i = 0; i < bd.nlc; i++) {
		free(bd.lc[i].state);
		free(bd.lc[i].reason);
	}
	free(bd.lc);
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

int vw_lod_fresh(const char *db_path, const char *lod_path)
{
	struct stat sst;

	return !stat(db_path, &sst) && is_fresh(lod_path, &sst);
}

int vw_lod_prepare(struct vw_db *db, const char *db_path, const char *lod_path, int quiet,
		   struct vw_err *err)
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
	rc = build(db, src, tmp, &sst, quiet, err);
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
