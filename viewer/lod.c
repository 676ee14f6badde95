/* lod.c: the segment merger and the window reads of the level-of-detail
 * cache (built by lod_build.c).
 *
 * A window query must cost what its pixels cost, not what its events cost:
 * a thread's segments are read from the coarsest stored level whose
 * buckets are no larger than a pixel, then merged again at pixel size. */
#include "query_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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

/* ---- reads ---- */

static int code_eq(const struct vw_code *c, const char *state, const char *reason)
{
	return !strcmp(c->state, state) &&
	       ((!reason && !c->reason) || (reason && c->reason && !strcmp(reason, c->reason)));
}

int vw_code_intern(struct vw_db *db, const char *state, const char *reason)
{
	int i, n = vw_ncodes(db), rc = -1;

	if (!state)
		state = "unknown";
	for (i = 0; i < n; i++)
		if (code_eq(&db->codes[i], state, reason))
			return i;
	pthread_mutex_lock(&db->lock);
	for (i = n; i < db->ncodes; i++)
		if (code_eq(&db->codes[i], state, reason)) {
			rc = i;
			goto out;
		}
	if (db->ncodes == VW_MAXCODES)
		goto out;
	i = db->ncodes;
	db->codes[i].state = strdup(state);
	db->codes[i].reason = reason ? strdup(reason) : NULL;
	db->codes[i].st = vw_state_index(state);
	if (!db->codes[i].state || (reason && !db->codes[i].reason)) {
		free(db->codes[i].state);
		free(db->codes[i].reason);
		goto out;
	}
	__atomic_store_n(&db->ncodes, i + 1, __ATOMIC_RELEASE);
	rc = i;
out:
	pthread_mutex_unlock(&db->lock);
	return rc;
}

int vw_lod_level(const struct vw_db *db, int64_t utid, int shift)
{
	int lo = 0, hi, k;
	uint64_t m;

	if (!vw_ready(db))
		return -1;
	hi = db->ntl - 1;
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

/* Before the cache exists: the state at each bucket's start, one index
 * seek per bucket (Trace Compass samples the same way).  Exact at the
 * pixel level for states longer than a bucket; shorter ones are sampled. */
static int sample_read(struct vw_db *db, sqlite3 *c, int64_t utid, int shift, int64_t t0,
		       int64_t t1, vw_seg_fn fn, void *ctx, struct vw_err *err)
{
	sqlite3_stmt *st = NULL;
	struct vw_seg s;
	int64_t t = t0, res = (int64_t)1 << shift;
	int rc;

	rc = sqlite3_prepare_v3(c, "SELECT ts, dur, id, state, reason FROM thread_state"
				" WHERE utid = ?1 AND ts <= ?2 ORDER BY ts DESC LIMIT 1", -1,
				SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK)
		return vw_sql_err(c, rc, err, "timeline");
	memset(&s, 0, sizeof(s));
	s.cnt = 1;
	while (t < t1) {
		sqlite3_bind_int64(st, 1, utid);
		sqlite3_bind_int64(st, 2, t);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			s.ts = sqlite3_column_int64(st, 0);
			s.dur = sqlite3_column_int64(st, 1);
			s.id = sqlite3_column_int64(st, 2);
			s.code = vw_code_intern(db, (const char *)sqlite3_column_text(st, 3),
						(const char *)sqlite3_column_text(st, 4));
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW || s.ts + s.dur <= t) {
			/* Before the thread's first state or after its last: jump to
			 * its first state after t, if any. */
			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				break;
			rc = SQLITE_DONE;
			{
				sqlite3_stmt *nx = NULL;
				int64_t next = INT64_MAX;

				if (sqlite3_prepare_v2(c, "SELECT min(ts) FROM thread_state WHERE utid = ?1"
						       " AND ts > ?2", -1, &nx, NULL) == SQLITE_OK) {
					sqlite3_bind_int64(nx, 1, utid);
					sqlite3_bind_int64(nx, 2, t);
					if (sqlite3_step(nx) == SQLITE_ROW &&
					    sqlite3_column_type(nx, 0) != SQLITE_NULL)
						next = sqlite3_column_int64(nx, 0);
				}
				sqlite3_finalize(nx);
				if (next == INT64_MAX || next >= t1)
					break;
				t = next;
				continue;
			}
		}
		fn(ctx, &s);
		/* Next bucket, or the end of this state if it is longer. */
		t = s.ts + s.dur > (t / res + 1) * res ? s.ts + s.dur : (t / res + 1) * res;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : vw_sql_err(c, rc, err, "timeline");
}

int vw_lod_read(struct vw_db *db, sqlite3 *c, int64_t utid, int shift, int64_t t0, int64_t t1,
		vw_seg_fn fn, void *ctx, struct vw_err *err)
{
	int ready = vw_db_lod_ready(db, c);
	int level = ready ? vw_lod_level(db, utid, shift) : -1;
	sqlite3_stmt *st = NULL;
	struct vw_seg s;
	int rc, i, raw = level < 0 && db->raw_indexed;
	const char *sql;

	if (!ready) {
		if (!db->raw_indexed) {
			vw_err_set(err, "the timeline index is being built");
			return -EAGAIN;
		}
		/* Small windows read every row; large ones sample every 4 px
		 * (a preview: the exact view replaces it once indexed). */
		if (shift > 12)
			return sample_read(db, c, utid, shift + 2, t0, t1, fn, ctx, err);
	}
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
			s.code = vw_code_intern(db, (const char *)sqlite3_column_text(st, 3),
						(const char *)sqlite3_column_text(st, 4));
			s.cnt = 1;
		} else {
			s.code = sqlite3_column_int(st, 3);
			s.cnt = sqlite3_column_int(st, 4);
			if (s.code < 0 || s.code >= vw_ncodes(db))
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
