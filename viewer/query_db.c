/* query_db.c: opening the trace database (read-only connection pool plus
 * the viewer cache), and the trace-wide documents: summary, threads and
 * counters, the table list of the SQL console. */
#include "query_int.h"

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int vw_sql_err(sqlite3 *c, int rc, struct vw_err *err, const char *what)
{
	vw_err_set(err, "%s: %s", what, c ? sqlite3_errmsg(c) : sqlite3_errstr(rc));
	return rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
}

const char *vw_db_path(const struct vw_db *db)
{
	return db->path;
}

int64_t vw_db_t0(const struct vw_db *db)
{
	return db->t_start;
}

static int attach(struct vw_db *db, sqlite3 *c, struct vw_err *err);

sqlite3 *vw_db_acquire(struct vw_db *db)
{
	sqlite3 *c = NULL;
	int i;

	pthread_mutex_lock(&db->lock);
	for (;;) {
		for (i = 0; i < db->npool; i++) {
			if (!db->busy[i]) {
				db->busy[i] = 1;
				c = db->pool[i];
				goto out;
			}
		}
		pthread_cond_wait(&db->cond, &db->lock);
	}
out:
	pthread_mutex_unlock(&db->lock);
	/* The cache appears while serving: attach it on first use. */
	if (vw_ready(db) && !db->attached[i] && !attach(db, c, NULL))
		db->attached[i] = 1;
	return c;
}

/* The cache may become ready after c was acquired: attach it then. */
int vw_db_lod_ready(struct vw_db *db, sqlite3 *c)
{
	int i;

	if (!vw_ready(db))
		return 0;
	for (i = 0; i < db->npool; i++) {
		if (db->pool[i] != c)
			continue;
		if (!db->attached[i] && !attach(db, c, NULL))
			db->attached[i] = 1;
		return db->attached[i];
	}
	return 0;
}

void vw_db_release(struct vw_db *db, sqlite3 *c)
{
	int i;

	pthread_mutex_lock(&db->lock);
	for (i = 0; i < db->npool; i++)
		if (db->pool[i] == c)
			db->busy[i] = 0;
	pthread_cond_signal(&db->cond);
	pthread_mutex_unlock(&db->lock);
}

/* The cache lives beside the database when that directory is writable,
 * else in the user's cache directory. */
static char *lod_path_for(const char *path)
{
	char *dup = strdup(path), *dir, *p = NULL;
	const char *base_env;
	struct stat st;

	if (!dup)
		return NULL;
	dir = dirname(dup);
	if (!access(dir, W_OK)) {
		if (asprintf(&p, "%s.view-cache", path) < 0)
			p = NULL;
		goto end;
	}
	free(dup);
	dup = strdup(path);
	if (!dup || stat(path, &st))
		goto end;
	base_env = getenv("XDG_CACHE_HOME");
	if (base_env && *base_env) {
		if (asprintf(&p, "%s/cprof", base_env) < 0)
			p = NULL;
	} else if (getenv("HOME")) {
		if (asprintf(&p, "%s/.cache/cprof", getenv("HOME")) < 0)
			p = NULL;
	}
	if (!p || (mkdir(p, 0700) && errno != EEXIST) || access(p, W_OK)) {
		free(p);
		if (asprintf(&p, "/tmp/cprof-view-%d", (int)getuid()) < 0)
			p = NULL;
		if (p)
			mkdir(p, 0700);
	}
	if (p) {
		char *q = NULL;

		if (asprintf(&q, "%s/%s.%lx-%lx.view-cache", p, basename(dup),
			     (unsigned long)st.st_dev, (unsigned long)st.st_ino) < 0)
			q = NULL;
		free(p);
		p = q;
	}
end:
	free(dup);
	return p;
}

static int attach(struct vw_db *db, sqlite3 *c, struct vw_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(c, "ATTACH ?1 AS lod", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, db->lod_path, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : vw_sql_err(c, rc, err, db->lod_path);
}

int vw_db_open_ro(struct vw_db *db, sqlite3 **out, struct vw_err *err)
{
	sqlite3 *c = NULL;
	int rc = sqlite3_open_v2(db->path, &c, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);

	if (rc != SQLITE_OK) {
		rc = vw_sql_err(c, rc, err, db->path);
		sqlite3_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

static int open_conn(struct vw_db *db, sqlite3 **out, struct vw_err *err)
{
	sqlite3 *c = NULL;
	int rc = vw_db_open_ro(db, &c, err);

	if (rc)
		return rc;
	sqlite3_busy_timeout(c, 2000);
	sqlite3_exec(c, "PRAGMA cache_size=-16000", NULL, NULL, NULL);
	*out = c;
	return 0;
}

/* Trace bounds from the (utid, ts) index: two seeks per thread, the same
 * values the cache computes from every row. */
static void bounds_from_index(struct vw_db *db, sqlite3 *c)
{
	sqlite3_stmt *st = NULL;

	db->t_start = 0;
	db->t_end = 0;
	if (sqlite3_prepare_v2(c,
		"SELECT min((SELECT ts FROM thread_state s WHERE s.utid = t.utid ORDER BY ts LIMIT 1)),"
		" max((SELECT ts + dur FROM thread_state s WHERE s.utid = t.utid"
		" ORDER BY ts DESC LIMIT 1)) FROM thread t", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		db->t_start = sqlite3_column_int64(st, 0);
		db->t_end = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
}

static int load_cache(struct vw_db *db, sqlite3 *c, struct vw_err *err)
{
	sqlite3_stmt *st = NULL;
	struct vw_thread_lod *tl = NULL;
	int rc, n;

	rc = sqlite3_prepare_v2(c, "SELECT key, value FROM lod.lod_meta", -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto sqlerr;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		int64_t v = sqlite3_column_int64(st, 1);

		if (!strcmp(k, "states"))
			__atomic_store_n(&db->nstates, v, __ATOMIC_RELAXED);
	}
	sqlite3_finalize(st);
	rc = sqlite3_prepare_v2(c, "SELECT code, state, reason FROM lod.lod_code ORDER BY code", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		goto sqlerr;
	/* Codes built in this process are already there; intern keeps the
	 * numbering of a cache built earlier. */
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (vw_code_intern(db, (const char *)sqlite3_column_text(st, 1),
				   (const char *)sqlite3_column_text(st, 2)) != sqlite3_column_int(st, 0)) {
			sqlite3_finalize(st);
			vw_err_set(err, "viewer cache %s: inconsistent codes", db->lod_path);
			return -EINVAL;
		}
	}
	sqlite3_finalize(st);
	rc = sqlite3_prepare_v2(c, "SELECT utid, shift FROM lod.lod_level ORDER BY utid", -1, &st,
				NULL);
	if (rc != SQLITE_OK)
		goto sqlerr;
	n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t utid = sqlite3_column_int64(st, 0);
		int shift = sqlite3_column_int(st, 1);

		if (!n || tl[n - 1].utid != utid) {
			struct vw_thread_lod *t = realloc(tl, (size_t)(n + 1) * sizeof(*t));

			if (!t)
				goto oom;
			tl = t;
			t[n].utid = utid;
			t[n].shifts = 0;
			n++;
		}
		if (shift >= 0 && shift < 64)
			tl[n - 1].shifts |= 1ull << shift;
	}
	sqlite3_finalize(st);
	db->tl = tl;
	db->ntl = n;
	__atomic_store_n(&db->ready, 1, __ATOMIC_RELEASE);
	return 0;
sqlerr:
	sqlite3_finalize(st);
	free(tl);
	return vw_sql_err(c, rc, err, "viewer cache");
oom:
	sqlite3_finalize(st);
	free(tl);
	vw_err_set(err, "out of memory");
	return -ENOMEM;
}

/* Builds the cache while the server already answers from the index. */
static void *builder_main(void *arg)
{
	struct vw_db *db = arg;
	struct vw_err err = { { 0 } };
	sqlite3 *c = NULL;
	int rc;

	rc = vw_lod_prepare(db, db->path, db->lod_path, db->quiet, &err);
	if (!rc)
		rc = open_conn(db, &c, &err);
	if (!rc)
		rc = attach(db, c, &err);
	if (!rc)
		rc = load_cache(db, c, &err);
	sqlite3_close(c);
	if (rc && rc != -ECANCELED) {
		snprintf(db->build_err, sizeof(db->build_err), "%s", err.msg);
		fprintf(stderr, "cprof-trace: the timeline index failed: %s\n", err.msg);
	} else if (!rc && !db->quiet) {
		fprintf(stderr, "cprof-trace: timeline index ready\n");
	}
	return NULL;
}

int vw_db_open(struct vw_db **out, const char *path, const struct vw_db_opts *opts,
	       struct vw_err *err)
{
	struct vw_db *db = calloc(1, sizeof(*db));
	sqlite3_stmt *st = NULL;
	int rc = -ENOMEM, i, fresh = 0;

	if (!db)
		goto fail;
	pthread_mutex_init(&db->lock, NULL);
	pthread_cond_init(&db->cond, NULL);
	db->nstates = -1;
	db->quiet = opts->quiet;
	db->path = strdup(path);
	db->codes = calloc(VW_MAXCODES, sizeof(*db->codes));
	if (!db->path || !db->codes)
		goto fail;
	db->npool = opts->no_lod ? 1 : VW_POOL;
	for (i = 0; i < db->npool; i++) {
		rc = open_conn(db, &db->pool[i], err);
		if (rc)
			goto fail;
	}
	/* A quick probe, so a file that is not a trace database fails here. */
	rc = sqlite3_prepare_v2(db->pool[0], "SELECT count(*) FROM thread", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st) == SQLITE_ROW ? SQLITE_OK : SQLITE_CORRUPT;
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		vw_err_set(err, "%s is not a cprof trace database: %s", path,
			   sqlite3_errmsg(db->pool[0]));
		rc = -EINVAL;
		goto fail;
	}
	db->raw_indexed = vw_has_raw_index(db->pool[0]);
	bounds_from_index(db, db->pool[0]);
	if (opts->no_lod) {
		*out = db;
		return 0;
	}
	db->lod_path = opts->lod_path ? strdup(opts->lod_path) : lod_path_for(path);
	if (!db->lod_path) {
		vw_err_set(err, "no writable place for the viewer cache of %s", path);
		rc = -ENOMEM;
		goto fail;
	}
	fresh = vw_lod_fresh(path, db->lod_path);
	if (!fresh && !db->raw_indexed) {
		/* Without an index nothing can be drawn before the cache. */
		rc = vw_lod_prepare(db, path, db->lod_path, opts->quiet, err);
		if (rc)
			goto fail;
		fresh = 1;
	}
	if (fresh) {
		for (i = 0; i < db->npool; i++) {
			rc = attach(db, db->pool[i], err);
			if (rc)
				goto fail;
			db->attached[i] = 1;
		}
		rc = load_cache(db, db->pool[0], err);
		if (rc)
			goto fail;
	} else {
		if (pthread_create(&db->builder, NULL, builder_main, db)) {
			rc = -EAGAIN;
			vw_err_set(err, "cannot start the index builder");
			goto fail;
		}
		db->building = 1;
	}
	*out = db;
	return 0;
fail:
	if (rc == -ENOMEM && err && !err->msg[0])
		vw_err_set(err, "out of memory");
	vw_db_destroy(db);
	return rc;
}

void vw_db_destroy(struct vw_db *db)
{
	int i;

	if (!db)
		return;
	if (db->building) {
		__atomic_store_n(&db->cancel, 1, __ATOMIC_RELAXED);
		pthread_join(db->builder, NULL);
	}
	for (i = 0; i < db->npool; i++)
		sqlite3_close(db->pool[i]);
	for (i = 0; db->codes && i < db->ncodes; i++) {
		free(db->codes[i].state);
		free(db->codes[i].reason);
	}
	free(db->codes);
	free(db->tl);
	vw_gc_free(db->gc);
	free(db->path);
	free(db->lod_path);
	pthread_mutex_destroy(&db->lock);
	pthread_cond_destroy(&db->cond);
	free(db);
}

/* Writes each row of a statement as a JSON object named by its columns. */
static int rows_json(sqlite3 *c, const char *sql, struct vw_buf *out, struct vw_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, i, first = 1;

	rc = sqlite3_prepare_v2(c, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		/* Optional tables (older schema): an empty list. */
		vw_buf_puts(out, "[]");
		return 0;
	}
	vw_buf_putc(out, '[');
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!first)
			vw_buf_putc(out, ',');
		first = 0;
		vw_buf_putc(out, '{');
		for (i = 0; i < sqlite3_column_count(st); i++) {
			vw_json_key(out, sqlite3_column_name(st, i), i == 0);
			vw_col_json(out, st, i);
		}
		vw_buf_putc(out, '}');
	}
	vw_buf_putc(out, ']');
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : vw_sql_err(c, rc, err, "query");
}

int vw_q_summary(struct vw_db *db, struct vw_buf *out, struct vw_err *err)
{
	sqlite3 *c = vw_db_acquire(db);
	sqlite3_stmt *st = NULL;
	int64_t lost = 0;
	int rc;

	vw_buf_putc(out, '{');
	vw_json_key(out, "path", 1);
	vw_json_str(out, db->path);
	vw_json_key(out, "start_ns", 0);
	vw_buf_printf(out, "\"%" PRId64 "\"", db->t_start);
	vw_json_key(out, "duration_ns", 0);
	vw_json_int(out, db->t_end - db->t_start);
	vw_json_key(out, "states", 0);
	vw_json_int(out, __atomic_load_n(&db->nstates, __ATOMIC_RELAXED));
	vw_json_key(out, "indexing", 0);
	vw_buf_puts(out, db->lod_path && !vw_ready(db) && !db->build_err[0] ? "true" : "false");
	if (db->build_err[0]) {
		/* the timeline stays sampled; the analyses answer this error */
		vw_json_key(out, "index_error", 0);
		vw_json_str(out, db->build_err);
	}
	if (sqlite3_prepare_v2(c, "SELECT coalesce(sum(value), 0) FROM stats"
			       " WHERE severity = 'data_loss'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		lost = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	vw_json_key(out, "lost_events", 0);
	vw_json_int(out, lost);
	vw_json_key(out, "counts", 0);
	rc = rows_json(c, "SELECT (SELECT count(*) FROM thread) AS threads,"
			  " (SELECT count(*) FROM process) AS processes,"
			  " (SELECT count(*) FROM sync_object) AS objects,"
			  " (SELECT count(*) FROM flow) AS flows,"
			  " (SELECT count(*) FROM slice) AS slices", out, err);
	vw_json_key(out, "processes", 0);
	rc = rc ? rc : rows_json(c, "SELECT pid, name, exe, cmdline FROM process ORDER BY upid",
				 out, err);
	vw_json_key(out, "metadata", 0);
	rc = rc ? rc : rows_json(c, "SELECT name, coalesce(str_value, int_value) AS value"
				    " FROM metadata ORDER BY name", out, err);
	vw_json_key(out, "stats", 0);
	rc = rc ? rc : rows_json(c, "SELECT name, idx, severity, source, value, description"
				    " FROM stats ORDER BY severity = 'info', name, idx", out, err);
	vw_buf_putc(out, '}');
	vw_db_release(db, c);
	return rc;
}

int vw_q_threads(struct vw_db *db, struct vw_buf *out, struct vw_err *err)
{
	sqlite3 *c = vw_db_acquire(db);
	int rc, i;

	vw_buf_putc(out, '{');
	vw_json_key(out, "duration_ns", 1);
	vw_json_int(out, db->t_end - db->t_start);
	vw_json_key(out, "states", 0);
	vw_buf_putc(out, '[');
	for (i = 0; i < VW_NSTATE; i++) {
		if (i)
			vw_buf_putc(out, ',');
		vw_json_str(out, vw_state_names[i]);
	}
	vw_buf_putc(out, ']');
	vw_json_key(out, "codes", 0);
	vw_buf_putc(out, '[');
	for (i = 0; i < vw_ncodes(db); i++) {
		vw_buf_puts(out, i ? ",{" : "{");
		vw_json_key(out, "state", 1);
		vw_json_str(out, db->codes[i].state);
		vw_json_key(out, "reason", 0);
		vw_json_str(out, db->codes[i].reason);
		vw_buf_putc(out, '}');
	}
	vw_buf_putc(out, ']');
	vw_json_key(out, "threads", 0);
	{
		char sql[1024];

		snprintf(sql, sizeof(sql),
			 "SELECT t.utid, t.tid, t.name, p.pid, p.name AS process,"
			 " t.start_ts - %" PRId64 " AS start, t.end_ts - %" PRId64 " AS end,"
			 " t.is_main_thread AS main, t.start_routine AS routine"
			 " FROM thread t LEFT JOIN process p USING(upid)"
			 " ORDER BY t.upid, t.is_main_thread DESC, t.utid",
			 db->t_start, db->t_start);
		rc = rows_json(c, sql, out, err);
	}
	vw_json_key(out, "counters", 0);
	rc = rc ? rc : rows_json(c, "SELECT id, name, unit FROM track WHERE type = 'counter'"
				    " ORDER BY id", out, err);
	vw_buf_putc(out, '}');
	vw_db_release(db, c);
	return rc;
}

int vw_q_tables(struct vw_db *db, struct vw_buf *out, struct vw_err *err)
{
	sqlite3 *c = vw_db_acquire(db);
	int rc;

	rc = rows_json(c, "SELECT m.name AS name, m.type AS type,"
			  " (SELECT group_concat(p.name, ', ') FROM pragma_table_info(m.name) p)"
			  " AS columns FROM main.sqlite_schema m"
			  " WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'"
			  " ORDER BY m.type, m.name", out, err);
	vw_db_release(db, c);
	return rc;
}
