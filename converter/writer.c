/* writer.c: the SQLite side of the converter.
 *
 * The database is built in a temporary file next to the target and renamed
 * only after COMMIT, indexes and ANALYZE, so a failed or interrupted
 * conversion never leaves a database that looks complete.  The bulk rows
 * (thread_state, flow) are handed in chunks to a writer thread so decoding
 * and inserting overlap on two cores; everything else is inserted by the
 * caller after conv_writer_drain(), when the connection is its own again.
 * Where the time goes (5.4M events, bench_convert.sh): the decoder thread is
 * libbabeltrace2 plus the model, the writer thread inserts each chunk with
 * one INSERT ... SELECT from a virtual table and keeps the (utid, ts) index
 * up to date meanwhile; the other indexes are built after the load. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conv.h"

extern const char conv_schema_sql[];   /* schema/cprof.sql, embedded at build time */
extern const char conv_index_sql[];    /* schema/cprof_index.sql */

#define CHUNK_ROWS 8192
#define CHUNK_FLOWS 4096
#define MAX_QUEUED 8
#define MAX_CACHED 32

/* Indexes created before the load and kept up to date by the writer thread
 * while the decoder runs; an index built after the load is time on the
 * critical path.  On the 5.4M-event bench trace the decoder thread needs
 * ~2.7 s, the writer ~1.1 s for the rows plus ~1.5 s for this index, which
 * balances the two; the others are built after the load, on both cores by
 * SQLite's sorter.  There is no index on thread_state(object_id): it took
 * 1.6 s of 7.1 on the 5.4M-wait bench trace, and blocking_by_object, which
 * aggregates before it joins, ran faster without it (2.1 s against 3.0 s). */
static const char *const early_indexes[] = { "thread_state_utid_ts" };

struct chunk {
	struct chunk *next;
	int n_states, n_flows;
	struct conv_state_row states[CHUNK_ROWS];
	struct conv_flow_row flows[CHUNK_FLOWS];
};

struct conv_writer {
	sqlite3 *db;                 /* owned */
	char *final_path, *tmp_path; /* owned */
	sqlite3_stmt *st_states, *st_states_id, *st_flow;   /* owned, used by the thread */
	struct { const char *sql; sqlite3_stmt *st; } cache[MAX_CACHED];   /* owned stmts */
	int n_cache;
	const struct chunk *vt_chunk;   /* what the rows table shows (writer thread) */
	int64_t next_id;             /* the rowid SQLite gives the next state row */
	pthread_t thread;
	int thread_started;
	pthread_mutex_t lock;
	pthread_cond_t work, space;
	struct chunk *head, *tail;   /* owned queue, under lock */
	struct chunk *spare;         /* owned free list, under lock */
	int queued, closing;         /* under lock */
	volatile int failed;
	char failmsg[512];
	struct chunk *cur;           /* owned by the producer */
	uint64_t rows;
	double idle_s, thread_cpu_s; /* the writer thread's, read after join */
	double full_s;               /* the producer's waits on a full queue */
};

static int sql_fail(struct conv_writer *w, struct conv_error *err, const char *what)
{
	conv_error_set(err, "database %s: %s: %s", w->tmp_path, what, sqlite3_errmsg(w->db));
	return -EIO;
}

static void bind_i(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == CONV_NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* ---- the chunk's state rows as an eponymous virtual table ---------------
 * INSERT INTO thread_state SELECT ... FROM cprof_state_rows moves a whole
 * chunk in one statement: no per-row binding, ~35% less CPU than batched
 * multi-row VALUES. */

struct rows_vtab {
	sqlite3_vtab base;
	const struct conv_writer *w;  /* borrowed: the module's client data */
};

struct rows_cursor {
	sqlite3_vtab_cursor base;
	const struct chunk *c;       /* borrowed from the writer */
	int i;
};

static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
	char **errmsg)
{
	(void) argc, (void) argv, (void) errmsg;
	int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(id, ts, dur, utid, state, reason, object_id,"
		" waker_utid, waker_ts, callsite_id, result)");
	if (rc != SQLITE_OK)
		return rc;
	struct rows_vtab *vt = sqlite3_malloc(sizeof *vt);
	if (!vt)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof *vt);
	vt->w = aux;
	*out = &vt->base;
	return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

static int rows_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	(void) vt;
	info->estimatedCost = CHUNK_ROWS;
	info->estimatedRows = CHUNK_ROWS;
	return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	(void) vt;
	struct rows_cursor *c = sqlite3_malloc(sizeof *c);
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof *c);
	*out = &c->base;
	return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc, sqlite3_value **argv)
{
	(void) idx, (void) idxstr, (void) argc, (void) argv;
	struct rows_cursor *c = (struct rows_cursor *) cur;
	c->c = ((const struct rows_vtab *) cur->pVtab)->w->vt_chunk;
	c->i = 0;
	return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cur)
{
	((struct rows_cursor *) cur)->i++;
	return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cur)
{
	const struct rows_cursor *c = (const struct rows_cursor *) cur;
	return !c->c || c->i >= c->c->n_states;
}

static void result_i(sqlite3_context *ctx, int64_t v)
{
	if (v != CONV_NULL)
		sqlite3_result_int64(ctx, v);     /* else NULL, the default */
}

static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	const struct rows_cursor *c = (const struct rows_cursor *) cur;
	const struct conv_state_row *r = &c->c->states[c->i];
	switch (col) {
	case 0: sqlite3_result_int64(ctx, r->id); break;
	case 1: sqlite3_result_int64(ctx, r->ts); break;
	case 2: sqlite3_result_int64(ctx, r->dur); break;
	case 3: sqlite3_result_int64(ctx, r->utid); break;
	case 4: sqlite3_result_text(ctx, r->state, -1, SQLITE_STATIC); break;
	case 5: if (r->reason) sqlite3_result_text(ctx, r->reason, -1, SQLITE_STATIC); break;
	case 6: result_i(ctx, r->object_id); break;
	case 7: result_i(ctx, r->waker_utid); break;
	case 8: result_i(ctx, r->waker_ts); break;
	case 9: result_i(ctx, r->callsite_id); break;
	case 10: result_i(ctx, r->result); break;
	}
	return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = ((const struct rows_cursor *) cur)->i;
	return SQLITE_OK;
}

/* xCreate NULL: eponymous-only, nothing lands in the schema */
static const sqlite3_module rows_module = {
	.iVersion = 1, .xConnect = rows_connect, .xBestIndex = rows_best_index,
	.xDisconnect = rows_disconnect, .xOpen = rows_open, .xClose = rows_close,
	.xFilter = rows_filter, .xNext = rows_next, .xEof = rows_eof, .xColumn = rows_column,
	.xRowid = rows_rowid,
};

static int step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* A chunk's state rows.  Their ids count up from 1 in the order they come,
 * which is the rowid SQLite assigns itself: letting it do so skips a
 * uniqueness probe per row (~25% of the insert).  Ids out of that sequence
 * (never from the model today) go through the explicit-id statement. */
static int write_states(struct conv_writer *w, const struct chunk *c)
{
	int n = c->n_states, in_seq = 1;
	if (!n)
		return 0;
	for (int i = 0; i < n && in_seq; i++)
		in_seq = c->states[i].id == w->next_id + i;
	w->vt_chunk = c;
	int ret = step(in_seq ? w->st_states : w->st_states_id);
	w->vt_chunk = NULL;
	if (ret < 0)
		return ret;
	if (in_seq && sqlite3_last_insert_rowid(w->db) != c->states[n - 1].id) {
		snprintf(w->failmsg, sizeof w->failmsg, "thread_state ids out of step at %lld",
			(long long) c->states[0].id);
		return -EPROTO;
	}
	w->next_id = c->states[n - 1].id + 1;
	return 0;
}

static int write_flows(struct conv_writer *w, const struct chunk *c)
{
	sqlite3_stmt *st = w->st_flow;
	int ret = 0;
	for (int i = 0; i < c->n_flows && !ret; i++) {
		const struct conv_flow_row *f = &c->flows[i];
		sqlite3_bind_int64(st, 1, f->id);
		sqlite3_bind_int64(st, 2, f->ts_out);
		sqlite3_bind_int64(st, 3, f->utid_out);
		sqlite3_bind_int64(st, 4, f->ts_in);
		sqlite3_bind_int64(st, 5, f->utid_in);
		bind_i(st, 6, f->thread_state_in);
		sqlite3_bind_text(st, 7, f->kind, -1, SQLITE_STATIC);
		ret = step(st);
	}
	return ret;
}

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *writer_main(void *arg)
{
	struct conv_writer *w = arg;
	for (;;) {
		pthread_mutex_lock(&w->lock);
		if (!w->head && !w->closing) {
			double t = conv_now();
			while (!w->head && !w->closing)
				pthread_cond_wait(&w->work, &w->lock);
			w->idle_s += conv_now() - t;
		}
		struct chunk *c = w->head;
		if (c) {
			w->head = c->next;
			if (!w->head)
				w->tail = NULL;
		}
		pthread_mutex_unlock(&w->lock);
		if (!c) {
			w->thread_cpu_s = thread_cpu();
			return NULL;
		}
		if (!w->failed) {
			int ret = write_states(w, c);
			if (!ret)
				ret = write_flows(w, c);
			if (ret < 0) {
				if (ret == -EIO)
					snprintf(w->failmsg, sizeof w->failmsg, "%s", sqlite3_errmsg(w->db));
				w->failed = 1;
			}
		}
		pthread_mutex_lock(&w->lock);
		c->next = w->spare;
		w->spare = c;
		w->queued--;
		pthread_cond_signal(&w->space);
		pthread_mutex_unlock(&w->lock);
	}
}

static int is_early(const char *name)
{
	for (size_t i = 0; i < sizeof early_indexes / sizeof early_indexes[0]; i++)
		if (!strcmp(name, early_indexes[i]))
			return 1;
	return 0;
}

/* Runs the CREATE INDEX statements of schema/cprof_index.sql that are early
 * (before the load) or not (after it), a phase line for each. */
static int run_indexes(struct conv_writer *w, int early)
{
	for (const char *sql = conv_index_sql; (sql = strstr(sql, "CREATE INDEX "));) {
		char name[64];
		const char *nm = sql + strlen("CREATE INDEX ");
		snprintf(name, sizeof name, "%.*s", (int) strcspn(nm, " ("), nm);
		if (is_early(name) != early) {
			sql = nm;
			continue;
		}
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(w->db, sql, -1, &st, &sql) != SQLITE_OK)
			return -EIO;
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return -EIO;
		if (!early)
			conv_phase(name);
	}
	return 0;
}

int conv_writer_create(const char *final_path, struct conv_writer **out, struct conv_error *err)
{
	struct conv_writer *w = calloc(1, sizeof *w);
	int ret = -ENOMEM, fd;

	if (!w || !(w->final_path = strdup(final_path)))
		goto nomem;
	const char *slash = strrchr(final_path, '/');
	size_t dirlen = slash ? (size_t) (slash - final_path + 1) : 0;
	size_t len = strlen(final_path) + 32;
	if (!(w->tmp_path = malloc(len)))
		goto nomem;
	snprintf(w->tmp_path, len, "%.*s.%s.tmp-XXXXXX", (int) dirlen, final_path,
		final_path + dirlen);
	if ((fd = mkstemp(w->tmp_path)) < 0) {
		ret = -errno;
		conv_error_set(err, "cannot create %s: %s", w->tmp_path, strerror(errno));
		free(w->tmp_path);
		w->tmp_path = NULL;
		goto error;
	}
	close(fd);
	/* sqlite's allocation statistics take a global mutex per malloc */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->space, NULL);
	/* NOMUTEX: one thread at a time uses the connection (the writer thread
	 * until drain, then the caller); sqlite's per-call mutex cost ~10% */
	if (sqlite3_open_v2(w->tmp_path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		ret = sql_fail(w, err, "open");
		goto error;
	}
	/* a derived file built in one go: no journal, no syncs; the rename is
	 * what makes it visible.  A 32 MiB page cache: the load appends to the
	 * tables and to one index, whose hot pages fit; 128 MiB took the peak
	 * RSS from 104 to 326 MB on the 598 MB sync-format bench trace for no
	 * speed (6 interleaved conversions of each bench trace, within noise).
	 * No secure_delete (Debian's default): nothing is deleted that was
	 * ever worth hiding, and zeroing the cells page splits move cost the
	 * writer thread ~1.5% (3.67-3.83 s against 3.75-3.87 s, 4 interleaved
	 * sync-format conversions). */
	if (sqlite3_exec(w->db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
			"PRAGMA locking_mode=EXCLUSIVE; PRAGMA temp_store=MEMORY; PRAGMA secure_delete=OFF;"
			"PRAGMA cache_size=-32768; PRAGMA page_size=8192;", NULL, NULL, NULL) != SQLITE_OK ||
			sqlite3_exec(w->db, conv_schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
			run_indexes(w, 1) < 0 ||
			sqlite3_exec(w->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		ret = sql_fail(w, err, "schema");
		goto error;
	}
	w->next_id = 1;
	if (sqlite3_create_module(w->db, "cprof_state_rows", &rows_module, w) != SQLITE_OK ||
			sqlite3_prepare_v2(w->db, "INSERT INTO thread_state (ts, dur, utid, state, reason,"
			" object_id, waker_utid, waker_ts, callsite_id, result) SELECT ts, dur, utid, state, reason,"
			" object_id, waker_utid, waker_ts, callsite_id, result FROM cprof_state_rows", -1,
			&w->st_states, NULL) != SQLITE_OK ||
			sqlite3_prepare_v2(w->db, "INSERT INTO thread_state (id, ts, dur, utid, state, reason,"
			" object_id, waker_utid, waker_ts, callsite_id, result) SELECT * FROM cprof_state_rows", -1,
			&w->st_states_id, NULL) != SQLITE_OK ||
			sqlite3_prepare_v2(w->db, "INSERT INTO flow (id, ts_out, utid_out, ts_in, utid_in,"
			" thread_state_in, kind) VALUES (?,?,?,?,?,?,?)", -1, &w->st_flow, NULL) != SQLITE_OK) {
		ret = sql_fail(w, err, "prepare");
		goto error;
	}
	if ((ret = -pthread_create(&w->thread, NULL, writer_main, w)) < 0) {
		conv_error_set(err, "cannot start the writer thread: %s", strerror(-ret));
		goto error;
	}
	w->thread_started = 1;
	*out = w;
	return 0;
nomem:
	conv_error_set(err, "out of memory");
error:
	conv_writer_destroy(w);
	return ret;
}

static int enqueue(struct conv_writer *w)
{
	struct chunk *c = w->cur;
	w->cur = NULL;
	if (!c)
		return 0;
	pthread_mutex_lock(&w->lock);
	if (w->queued >= MAX_QUEUED) {
		double t = conv_now();
		while (w->queued >= MAX_QUEUED)
			pthread_cond_wait(&w->space, &w->lock);
		w->full_s += conv_now() - t;
	}
	c->next = NULL;
	if (w->tail)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
	w->queued++;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	return w->failed ? -EIO : 0;
}

/* The producer's chunk with room for one more row of either kind. */
static struct chunk *current(struct conv_writer *w)
{
	struct chunk *c = w->cur;
	if (c && (c->n_states == CHUNK_ROWS || c->n_flows == CHUNK_FLOWS) && enqueue(w) < 0)
		return NULL;
	if (!w->cur) {
		pthread_mutex_lock(&w->lock);
		w->cur = w->spare;
		if (w->cur)
			w->spare = w->cur->next;
		pthread_mutex_unlock(&w->lock);
		if (!w->cur && !(w->cur = malloc(sizeof *w->cur)))
			return NULL;
		w->cur->n_states = w->cur->n_flows = 0;
	}
	w->rows++;
	return w->cur;
}

int conv_writer_state(struct conv_writer *w, const struct conv_state_row *r)
{
	struct chunk *c = current(w);
	if (!c)
		return -EIO;
	c->states[c->n_states++] = *r;
	return 0;
}

int conv_writer_flow(struct conv_writer *w, const struct conv_flow_row *r)
{
	struct chunk *c = current(w);
	if (!c)
		return -EIO;
	c->flows[c->n_flows++] = *r;
	return 0;
}

uint64_t conv_writer_rows(const struct conv_writer *w) { return w->rows; }

static void stop_thread(struct conv_writer *w)
{
	if (!w->thread_started)
		return;
	pthread_mutex_lock(&w->lock);
	w->closing = 1;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->thread_started = 0;
}

int conv_writer_drain(struct conv_writer *w, struct conv_error *err)
{
	int was_running = w->thread_started;
	if (w->cur && (w->cur->n_states || w->cur->n_flows))
		enqueue(w);
	stop_thread(w);
	if (was_running) {
		conv_phase("drain");
		if (conv_verbose)
			fprintf(stderr, "cprof-convert: writer thread cpu %.3f s, idle %.3f s; "
				"decoder waited %.3f s on a full queue\n", w->thread_cpu_s, w->idle_s, w->full_s);
	}
	if (w->failed) {
		conv_error_set(err, "database %s: insert failed: %s", w->tmp_path, w->failmsg);
		return -EIO;
	}
	return 0;
}

int conv_writer_insert(struct conv_writer *w, const char *sql, const struct conv_val *v, int n)
{
	sqlite3_stmt *st = NULL;
	for (int i = 0; i < w->n_cache; i++)
		if (w->cache[i].sql == sql)
			st = w->cache[i].st;
	if (!st) {
		if (w->n_cache == MAX_CACHED || sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
			return -EIO;
		w->cache[w->n_cache].sql = sql;
		w->cache[w->n_cache++].st = st;
	}
	for (int i = 0; i < n; i++) {
		switch (v[i].t) {
		case CV_NULL: sqlite3_bind_null(st, i + 1); break;
		case CV_INT: sqlite3_bind_int64(st, i + 1, v[i].i); break;
		case CV_REAL: sqlite3_bind_double(st, i + 1, v[i].d); break;
		case CV_TEXT: sqlite3_bind_text(st, i + 1, v[i].s, -1, SQLITE_TRANSIENT); break;
		}
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		conv_warn("insert failed: %s: %s", sqlite3_errmsg(w->db), sql);
		return -EIO;
	}
	return 0;
}

static void finalize_all(struct conv_writer *w)
{
	for (int i = 0; i < w->n_cache; i++)
		sqlite3_finalize(w->cache[i].st);
	w->n_cache = 0;
	sqlite3_finalize(w->st_states);
	sqlite3_finalize(w->st_states_id);
	sqlite3_finalize(w->st_flow);
	w->st_states = w->st_states_id = w->st_flow = NULL;
}

int conv_writer_finish(struct conv_writer *w, struct conv_error *err)
{
	int ret;
	if ((ret = conv_writer_drain(w, err)) < 0)
		return ret;
	finalize_all(w);
	if (sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(w, err, "commit");
	conv_phase("commit");
	/* CREATE INDEX sorts with helper threads only when its sort runs go to
	 * files (not with temp_store=MEMORY) and there are several runs (a run
	 * is cache_size bytes): then sorting runs on both cores (measured on
	 * a 3.6M-row index once on thread_state: 0.6 s instead of 1.0 s; runs
	 * of 4 MiB rather than 16 saved another 6%). */
	if (sqlite3_exec(w->db, "PRAGMA temp_store=FILE; PRAGMA threads=2; PRAGMA cache_size=-4096",
			NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(w, err, "sorter settings");
	if (run_indexes(w, 0) < 0)
		return sql_fail(w, err, "indexes");
	/* sampled statistics: the planner needs their shape, not exact counts */
	if (sqlite3_exec(w->db, "PRAGMA analysis_limit=2000; ANALYZE", NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(w, err, "analyze");
	conv_phase("analyze");
	if (sqlite3_close(w->db) != SQLITE_OK)
		return sql_fail(w, err, "close");
	w->db = NULL;
	if (rename(w->tmp_path, w->final_path) < 0) {
		ret = -errno;
		conv_error_set(err, "cannot rename %s to %s: %s", w->tmp_path, w->final_path,
			strerror(errno));
		return ret;
	}
	free(w->tmp_path);
	w->tmp_path = NULL;
	conv_phase("close");
	return 0;
}

const char *conv_writer_tmp_path(const struct conv_writer *w)
{
	return w ? w->tmp_path : NULL;
}

void conv_writer_destroy(struct conv_writer *w)
{
	if (!w)
		return;
	stop_thread(w);
	finalize_all(w);
	if (w->db)
		sqlite3_close(w->db);
	if (w->tmp_path)
		unlink(w->tmp_path);      /* never leave a partial database */
	for (struct chunk *c = w->head, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	for (struct chunk *c = w->spare, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	free(w->cur);
	free(w->tmp_path);
	free(w->final_path);
	free(w);
}
