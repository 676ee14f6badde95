/* query_analysis.c: details of one state with its symbolized stack, and
 * the analyses (per-thread breakdown, blocking stacks, contended objects,
 * search).  Aggregates come from the viewer cache built by lod.c, so none
 * of these scans the trace. */
#include "query_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vw_col_json(struct vw_buf *out, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		vw_json_int(out, sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT:
		vw_json_num(out, sqlite3_column_double(st, i));
		break;
	case SQLITE_NULL:
		vw_buf_puts(out, "null");
		break;
	default:
		vw_json_str(out, (const char *)sqlite3_column_text(st, i));
	}
}

/* Runs sql with up to three int64 parameters and writes its rows as an
 * array of objects; one=1 writes the first row alone (null if none). */
static int rows(sqlite3 *c, struct vw_buf *out, const char *sql, int nparam, const int64_t *p,
		int one, struct vw_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, i, n = 0;

	rc = sqlite3_prepare_v2(c, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return vw_sql_err(c, rc, err, "query");
	for (i = 0; i < nparam; i++)
		sqlite3_bind_int64(st, i + 1, p[i]);
	if (!one)
		vw_buf_putc(out, '[');
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++)
			vw_buf_putc(out, ',');
		vw_buf_putc(out, '{');
		for (i = 0; i < sqlite3_column_count(st); i++) {
			vw_json_key(out, sqlite3_column_name(st, i), i == 0);
			vw_col_json(out, st, i);
		}
		vw_buf_putc(out, '}');
		if (one)
			break;
	}
	if (one && !n)
		vw_buf_puts(out, "null");
	if (!one)
		vw_buf_putc(out, ']');
	rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : vw_sql_err(c, rc, err, "query");
	sqlite3_finalize(st);
	return rc;
}

static const char stack_sql[] =
	"WITH RECURSIVE cs(id, parent_id, frame_id, depth) AS ("
	" SELECT id, parent_id, frame_id, depth FROM stack_profile_callsite WHERE id = ?1"
	" UNION ALL SELECT c.id, c.parent_id, c.frame_id, c.depth"
	" FROM stack_profile_callsite c JOIN cs ON c.id = cs.parent_id)"
	" SELECT f.id AS frame, f.name AS name, f.file AS file, f.line AS line,"
	" f.address AS address, m.name AS mapping"
	" FROM cs JOIN stack_profile_frame f ON f.id = cs.frame_id"
	" LEFT JOIN stack_profile_mapping m ON m.id = f.mapping ORDER BY cs.depth DESC";

int vw_q_state(struct vw_db *db, int64_t id, struct vw_buf *out, struct vw_err *err)
{
	sqlite3 *c = vw_db_acquire(db);
	sqlite3_stmt *st = NULL;
	int64_t p[3];
	int rc;

	rc = sqlite3_prepare_v2(c,
		"SELECT s.id, s.ts - ?2, s.dur, s.utid, s.state, s.reason, s.object_id, s.waker_utid,"
		" s.waker_ts - ?2, s.callsite_id, s.result, s.ts, t.tid, t.name"
		" FROM thread_state s LEFT JOIN thread t USING(utid) WHERE s.id = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		rc = vw_sql_err(c, rc, err, "state");
		goto end;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, db->t_start);
	if (sqlite3_step(st) != SQLITE_ROW) {
		vw_err_set(err, "no state with id %" PRId64, id);
		rc = -ENOENT;
		goto end;
	}
	vw_buf_puts(out, "{\"id\":");
	vw_col_json(out, st, 0);
	vw_buf_puts(out, ",\"ts\":");
	vw_col_json(out, st, 1);
	vw_buf_puts(out, ",\"dur\":");
	vw_col_json(out, st, 2);
	vw_buf_puts(out, ",\"utid\":");
	vw_col_json(out, st, 3);
	vw_buf_puts(out, ",\"tid\":");
	vw_col_json(out, st, 12);
	vw_buf_puts(out, ",\"thread\":");
	vw_col_json(out, st, 13);
	vw_buf_puts(out, ",\"state\":");
	vw_col_json(out, st, 4);
	vw_buf_puts(out, ",\"reason\":");
	vw_col_json(out, st, 5);
	vw_buf_puts(out, ",\"result\":");
	vw_col_json(out, st, 10);
	vw_buf_puts(out, ",\"object\":");
	p[0] = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 6);
	rc = rows(c, out, "SELECT id, address, kind, name FROM sync_object WHERE id = ?1", 1, p, 1,
		  err);
	vw_buf_puts(out, ",\"waker\":");
	if (!rc && sqlite3_column_type(st, 7) != SQLITE_NULL) {
		p[0] = sqlite3_column_int64(st, 7);
		p[1] = sqlite3_column_type(st, 8) == SQLITE_NULL ? sqlite3_column_int64(st, 1)
								 : sqlite3_column_int64(st, 8);
		rc = rows(c, out, "SELECT utid, tid, name, ?2 AS ts FROM thread WHERE utid = ?1", 2, p,
			  1, err);
	} else {
		vw_buf_puts(out, "null");
	}
	/* Threads this one woke while in this state (arrows out of it). */
	vw_buf_puts(out, ",\"wakes\":");
	p[0] = sqlite3_column_int64(st, 3);
	p[1] = sqlite3_column_int64(st, 11);
	p[2] = p[1] + sqlite3_column_int64(st, 2);
	if (!rc) {
		char sql[512];

		snprintf(sql, sizeof(sql),
			 "SELECT f.utid_in AS utid, t.name AS name, f.ts_out - %" PRId64 " AS ts_out,"
			 " f.ts_in - %" PRId64 " AS ts_in, f.thread_state_in AS state_id, f.kind AS kind"
			 " FROM flow f LEFT JOIN thread t ON t.utid = f.utid_in WHERE f.utid_out = ?1"
			 " AND f.ts_out >= ?2 AND f.ts_out < ?3 ORDER BY f.ts_out LIMIT 64",
			 db->t_start, db->t_start);
		rc = rows(c, out, sql, 3, p, 0, err);
	}
	vw_buf_puts(out, ",\"stack\":");
	if (!rc && sqlite3_column_type(st, 9) != SQLITE_NULL) {
		p[0] = sqlite3_column_int64(st, 9);
		rc = rows(c, out, stack_sql, 1, p, 0, err);
	} else {
		vw_buf_puts(out, "[]");
	}
	vw_buf_putc(out, '}');
end:
	sqlite3_finalize(st);
	vw_db_release(db, c);
	return rc;
}

static int not_ready(struct vw_db *db, struct vw_err *err)
{
	if (vw_ready(db))
		return 0;
	if (db->build_err[0])
		vw_err_set(err, "the timeline index failed: %s", db->build_err);
	else
		vw_err_set(err, "the trace is still being indexed: this analysis appears in a moment");
	return db->build_err[0] ? -EIO : -EAGAIN;
}

int vw_q_breakdown(struct vw_db *db, struct vw_buf *out, struct vw_err *err)
{
	sqlite3 *c;
	int rc = not_ready(db, err);

	if (rc)
		return rc;
	c = vw_db_acquire(db);

	vw_buf_puts(out, "{\"rows\":");
	rc = rows(c, out,
		  "SELECT b.utid AS utid, t.tid AS tid, t.name AS name, c.state AS state,"
		  " c.reason AS reason, sum(b.cnt) AS count, sum(b.total) AS total,"
		  " max(b.maxdur) AS max FROM lod.lod_breakdown b JOIN lod.lod_code c USING(code)"
		  " LEFT JOIN thread t USING(utid) GROUP BY b.utid, b.code ORDER BY b.utid", 0, NULL, 0,
		  err);
	vw_buf_putc(out, '}');
	vw_db_release(db, c);
	return rc;
}

int vw_q_objects(struct vw_db *db, int limit, struct vw_buf *out, struct vw_err *err)
{
	sqlite3 *c;
	sqlite3_stmt *st = NULL;
	int64_t p[2];
	int rc = not_ready(db, err), n = 0;

	if (rc)
		return rc;
	c = vw_db_acquire(db);
	rc = sqlite3_prepare_v2(c,
		"SELECT o.object_id, so.address, so.kind, so.name, sum(o.cnt), sum(o.total),"
		" max(o.maxdur), count(DISTINCT o.utid) FROM lod.lod_object o"
		" LEFT JOIN sync_object so ON so.id = o.object_id GROUP BY o.object_id"
		" ORDER BY sum(o.total) DESC LIMIT ?1", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		rc = vw_sql_err(c, rc, err, "objects");
		goto end;
	}
	sqlite3_bind_int(st, 1, limit > 0 ? limit : 100);
	vw_buf_puts(out, "{\"objects\":[");
	rc = 0;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		vw_buf_puts(out, n++ ? ",{\"id\":" : "{\"id\":");
		vw_col_json(out, st, 0);
		vw_buf_puts(out, ",\"address\":");
		vw_col_json(out, st, 1);
		vw_buf_puts(out, ",\"kind\":");
		vw_col_json(out, st, 2);
		vw_buf_puts(out, ",\"name\":");
		vw_col_json(out, st, 3);
		vw_buf_puts(out, ",\"count\":");
		vw_col_json(out, st, 4);
		vw_buf_puts(out, ",\"total\":");
		vw_col_json(out, st, 5);
		vw_buf_puts(out, ",\"max\":");
		vw_col_json(out, st, 6);
		vw_buf_puts(out, ",\"threads\":");
		vw_col_json(out, st, 7);
		p[0] = sqlite3_column_int64(st, 0);
		vw_buf_puts(out, ",\"longest\":");
		rc = rows(c, out, "SELECT maxid AS id, maxdur AS dur FROM lod.lod_object"
				  " WHERE object_id = ?1 ORDER BY maxdur DESC LIMIT 1", 1, p, 1, err);
		vw_buf_puts(out, ",\"waiters\":");
		rc = rc ? rc : rows(c, out,
			"SELECT o.utid AS utid, t.name AS name, sum(o.cnt) AS count,"
			" sum(o.total) AS total FROM lod.lod_object o LEFT JOIN thread t USING(utid)"
			" WHERE o.object_id = ?1 GROUP BY o.utid ORDER BY total DESC LIMIT 5",
			1, p, 0, err);
		vw_buf_puts(out, ",\"wakers\":");
		rc = rc ? rc : rows(c, out,
			"SELECT o.waker_utid AS utid, t.name AS name, sum(o.cnt) AS count,"
			" sum(o.total) AS total FROM lod.lod_object o"
			" LEFT JOIN thread t ON t.utid = o.waker_utid"
			" WHERE o.object_id = ?1 AND o.waker_utid IS NOT NULL GROUP BY o.waker_utid"
			" ORDER BY total DESC LIMIT 5", 1, p, 0, err);
		vw_buf_putc(out, '}');
	}
	vw_buf_puts(out, "]}");
end:
	sqlite3_finalize(st);
	vw_db_release(db, c);
	return rc;
}

int vw_q_search(struct vw_db *db, const char *text, int limit, struct vw_buf *out,
		struct vw_err *err)
{
	sqlite3 *c = vw_db_acquire(db);
	sqlite3_stmt *st = NULL;
	int rc, i, n;
	static const char *const sqls[] = {
		"threads",
		"SELECT utid, tid, name FROM thread WHERE name LIKE '%' || ?1 || '%' ESCAPE '\\'"
		" OR CAST(tid AS TEXT) = ?1 ORDER BY utid LIMIT ?2",
		"objects",
		"SELECT so.id AS id, so.name AS name, so.kind AS kind, so.address AS address,"
		" (SELECT maxid FROM lod.lod_object o WHERE o.object_id = so.id"
		"  ORDER BY maxdur DESC LIMIT 1) AS state_id"
		" FROM sync_object so WHERE so.name LIKE '%' || ?1 || '%' ESCAPE '\\'"
		" OR printf('0x%x', so.address) LIKE ?1 || '%' OR so.kind = ?1 LIMIT ?2",
		"regions",
		"SELECT s.id AS id, s.name AS name, s.ts - ?3 AS ts, s.dur AS dur, t.utid AS utid"
		" FROM slice s JOIN track t ON t.id = s.track_id"
		" WHERE s.name LIKE '%' || ?1 || '%' ESCAPE '\\' ORDER BY s.ts LIMIT ?2",
	};

	vw_buf_putc(out, '{');
	rc = 0;
	for (i = 0; i < 6 && !rc; i += 2) {
		vw_json_key(out, sqls[i], i == 0);
		/* Before the cache: objects without their longest wait. */
		rc = sqlite3_prepare_v2(c, i == 2 && !vw_ready(db)
			? "SELECT id, name, kind, address, NULL AS state_id FROM sync_object so"
			  " WHERE so.name LIKE '%' || ?1 || '%' ESCAPE '\\' OR printf('0x%x', so.address)"
			  " LIKE ?1 || '%' OR so.kind = ?1 LIMIT ?2"
			: sqls[i + 1], -1, &st, NULL);
		if (rc != SQLITE_OK) {
			rc = vw_sql_err(c, rc, err, "search");
			break;
		}
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, limit > 0 ? limit : 50);
		if (sqlite3_bind_parameter_count(st) >= 3)
			sqlite3_bind_int64(st, 3, db->t_start);
		vw_buf_putc(out, '[');
		n = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int j;

			vw_buf_puts(out, n++ ? ",{" : "{");
			for (j = 0; j < sqlite3_column_count(st); j++) {
				vw_json_key(out, sqlite3_column_name(st, j), j == 0);
				vw_col_json(out, st, j);
			}
			vw_buf_putc(out, '}');
		}
		vw_buf_putc(out, ']');
		rc = rc == SQLITE_DONE ? 0 : vw_sql_err(c, rc, err, "search");
		sqlite3_finalize(st);
		st = NULL;
	}
	vw_buf_putc(out, '}');
	vw_db_release(db, c);
	return rc;
}

static int64_t pctl(const int64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

/* Latency distribution per name of (name, dur) rows ordered by name then
 * dur (like go tool trace's /userregions and /usertasks): count, total, min,
 * percentiles, max, and a log2 histogram.  Unfinished ones (dur -1) are
 * counted apart.  A database without the table (older schema) gives []. */
static int latency_groups(struct vw_db *db, const char *sql, const char *key, struct vw_buf *out,
			  struct vw_err *err)
{
	sqlite3 *c = vw_db_acquire(db);
	sqlite3_stmt *st = NULL;
	int64_t *v = NULL, open_n = 0, sum = 0;
	size_t n = 0, cap = 0;
	char *name = NULL;
	int rc, first = 1, more;

	vw_buf_printf(out, "{\"%s\":[", key);
	rc = sqlite3_prepare_v2(c, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		if (strstr(sqlite3_errmsg(c), "no such table")) {
			vw_buf_puts(out, "]}");
			rc = 0;
		} else {
			rc = vw_sql_err(c, rc, err, key);
		}
		goto end;
	}
	do {
		const char *nm = NULL;
		int64_t d = 0;

		rc = sqlite3_step(st);
		more = rc == SQLITE_ROW;
		if (more) {
			nm = (const char *)sqlite3_column_text(st, 0);
			d = sqlite3_column_int64(st, 1);
		}
		if (name && (!more || strcmp(nm ? nm : "", name))) {
			int b, hist[64] = { 0 };
			size_t i;

			for (i = 0; i < n; i++) {
				for (b = 0; b < 63 && ((int64_t)1 << (b + 1)) <= v[i]; b++)
					;
				hist[b]++;
			}
			vw_buf_puts(out, first ? "{\"name\":" : ",{\"name\":");
			vw_json_str(out, name);
			vw_buf_printf(out, ",\"count\":%zu,\"unfinished\":%" PRId64 ",\"total\":%" PRId64, n,
				      open_n, sum);
			if (n)
				vw_buf_printf(out, ",\"min\":%" PRId64 ",\"p50\":%" PRId64 ",\"p90\":%" PRId64
					      ",\"p99\":%" PRId64 ",\"max\":%" PRId64, v[0],
					      pctl(v, n, 0.5), pctl(v, n, 0.9), pctl(v, n, 0.99), v[n - 1]);
			vw_buf_puts(out, ",\"hist\":[");
			for (b = 0; b < 64; b++)
				vw_buf_printf(out, "%s%d", b ? "," : "", hist[b]);
			vw_buf_puts(out, "]}");
			first = 0;
			free(name);
			name = NULL;
			n = 0;
			open_n = sum = 0;
		}
		if (!more)
			break;
		if (!name && !(name = strdup(nm ? nm : ""))) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (d < 0) {
			open_n++;
			continue;
		}
		if (n == cap) {
			int64_t *nv = realloc(v, (cap = cap ? cap * 2 : 1024) * sizeof(*nv));

			if (!nv) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		v[n++] = d;
		sum += d;
	} while (more);
	vw_buf_puts(out, "]}");
	rc = rc == SQLITE_DONE ? 0 : vw_sql_err(c, rc, err, key);
end:
	free(name);
	free(v);
	sqlite3_finalize(st);
	vw_db_release(db, c);
	return rc;
}

/* User regions (category 'region' slices) by name. */
int vw_q_regions(struct vw_db *db, struct vw_buf *out, struct vw_err *err)
{
	return latency_groups(db, "SELECT name, dur FROM slice WHERE category = 'region' "
		"ORDER BY name, dur", "regions", out, err);
}

/* User tasks by type (they may span threads: their own table). */
int vw_q_tasks(struct vw_db *db, struct vw_buf *out, struct vw_err *err)
{
	return latency_groups(db, "SELECT type, dur FROM task ORDER BY type, dur", "tasks", out, err);
}

/* {"key": rows of sql}; a database from an older converter, without the
 * table or view, gives an empty list rather than an error. */
/* "key":[rows] - an empty list when the table is missing (a database from
 * an older converter). */
static int keyed_list(sqlite3 *c, const char *key, const char *sql, int nparam,
		      const int64_t *p, struct vw_buf *out, struct vw_err *err)
{
	vw_buf_printf(out, "\"%s\":", key);
	size_t mark = out->len;
	int rc = rows(c, out, sql, nparam, p, 0, err);
	if (rc && strstr(err->msg, "no such table")) {
		out->len = mark;
		vw_buf_puts(out, "[]");
		rc = 0;
	}
	return rc;
}

static int keyed_rows(struct vw_db *db, const char *key, const char *sql, int nparam,
		      const int64_t *p, struct vw_buf *out, struct vw_err *err)
{
	sqlite3 *c = vw_db_acquire(db);
	vw_buf_putc(out, '{');
	int rc = keyed_list(c, key, sql, nparam, p, out, err);
	vw_buf_putc(out, '}');
	vw_db_release(db, c);
	return rc;
}

/* Threads waiting when the trace ended (the leak view), longest first. */
int vw_q_blocked_at_end(struct vw_db *db, struct vw_buf *out, struct vw_err *err)
{
	int64_t p[1] = { db->t_start };

	return keyed_rows(db, "threads",
		"SELECT utid, tid, name, state, reason, object, since - ?1 AS since, dur,"
		" since_start_ns FROM thread_blocked_at_end LIMIT 1000", 1, p, out, err);
}

/* Network waits per connection (peer address): how long threads waited on
 * it and the bytes those waiting calls moved (calls that did not wait are
 * not recorded, so a lower bound); and, per peer, the sockets closed during
 * the trace with everything read and written on them (net_connection). */
int vw_q_connections(struct vw_db *db, struct vw_buf *out, struct vw_err *err)
{
	sqlite3 *c = vw_db_acquire(db);
	vw_buf_putc(out, '{');
	int rc = keyed_list(c, "closed",
		"SELECT coalesce(peer, '(unknown peer)') AS peer, group_concat(DISTINCT local) AS local,"
		" count(*) AS sockets, sum(bytes_in) AS bytes_in, sum(bytes_out) AS bytes_out,"
		" sum(ops) AS ops FROM net_connection GROUP BY peer"
		" ORDER BY sum(bytes_in) + sum(bytes_out) DESC LIMIT 500", 0, NULL, out, err);
	if (!rc) {
		vw_buf_putc(out, ',');
		rc = keyed_list(c, "connections",
		"SELECT coalesce(peer, '(unknown peer)') AS peer, group_concat(DISTINCT local) AS local,"
		" count(*) AS waits, sum(dur) AS wait_ns, max(dur) AS max_wait_ns,"
		" sum(CASE WHEN op IN ('read','readv','recv','recvfrom','recvmsg','recvmmsg')"
		"  THEN bytes END) AS bytes_in,"
		" sum(CASE WHEN op IN ('write','writev','send','sendto','sendmsg','sendmmsg')"
		"  THEN bytes END) AS bytes_out,"
		" count(DISTINCT utid) AS threads, group_concat(DISTINCT op) AS ops"
		" FROM net_io GROUP BY peer ORDER BY wait_ns DESC LIMIT 500", 0, NULL, out, err);
	}
	vw_buf_putc(out, '}');
	vw_db_release(db, c);
	return rc;
}

/* The slowest tasks of one type, each with its regions (go tool trace's
 * /usertask?type=): where a request's time went, thread by thread. */
int vw_q_task_list(struct vw_db *db, const char *type, int limit, struct vw_buf *out,
		   struct vw_err *err)
{
	sqlite3 *c = vw_db_acquire(db);
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	rc = sqlite3_prepare_v2(c,
		"SELECT k.id, k.ts - ?3, k.dur, k.begin_utid, bt.name, k.end_utid, et.name"
		" FROM task k LEFT JOIN thread bt ON bt.utid = k.begin_utid"
		" LEFT JOIN thread et ON et.utid = k.end_utid"
		" WHERE k.type = ?1 ORDER BY k.dur < 0, k.dur DESC LIMIT ?2", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		rc = vw_sql_err(c, rc, err, "tasks");
		goto end;
	}
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit);
	sqlite3_bind_int64(st, 3, db->t_start);
	vw_buf_puts(out, "{\"tasks\":[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		static const char *const keys[] = { "id", "ts", "dur", "begin_utid", "begin_thread",
			"end_utid", "end_thread" };
		int64_t id = sqlite3_column_int64(st, 0);
		if (n++)
			vw_buf_putc(out, ',');
		vw_buf_putc(out, '{');
		for (int i = 0; i < 7; i++) {
			vw_json_key(out, keys[i], i == 0);
			vw_col_json(out, st, i);
		}
		vw_json_key(out, "regions", 0);
		int64_t p[2] = { id, db->t_start };
		rc = rows(c, out,
			"SELECT s.id AS id, s.name AS name, s.ts - ?2 AS ts, s.dur AS dur, t.utid AS utid,"
			" th.name AS thread FROM args a JOIN slice s ON s.arg_set_id = a.arg_set_id"
			" JOIN track t ON t.id = s.track_id JOIN thread th ON th.utid = t.utid"
			" WHERE a.key = 'task' AND a.int_value = ?1 AND s.category = 'region'"
			" ORDER BY s.ts", 2, p, 0, err);
		if (rc)
			goto end;
		vw_buf_putc(out, '}');
	}
	vw_buf_puts(out, "]}");
	rc = rc == SQLITE_DONE ? 0 : vw_sql_err(c, rc, err, "tasks");
end:
	sqlite3_finalize(st);
	vw_db_release(db, c);
	return rc;
}
