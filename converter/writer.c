/* writer.c: the SQLite side of the converter.
 *
 * The database is built in a temporary file next to the target and renamed
 * only after COMMIT, indexes and ANALYZE, so a failed or interrupted
 * conversion never leaves a database that looks complete.  The bulk rows
 * (thread_state, flow) are handed in chunks to a writer thread so decoding
 * and inserting overlap on two cores; everything else is inserted by the
 * caller after conv_writer_drain(), when the connection is its own again. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conv.h"

extern const char conv_schema_sql[];   /* schema/cprof.sql, embedded at build time */
extern const char conv_index_sql[];    /* schema/cprof_index.sql */

#define CHUNK_ROWS 8192
#define MAX_QUEUED 8
#define MAX_CACHED 32
#define BATCH 64
#define STATE_COLS 11
#define STATE_INSERT "INSERT INTO thread_state (id, ts, dur, utid, state, reason," \
	" object_id, waker_utid, waker_ts, callsite_id, result) VALUES "
#define STATE_VALUES "(?,?,?,?,?,?,?,?,?,?,?)"

enum { ROW_STATE, ROW_FLOW };
struct row {
	int kind;
	union {
		struct conv_state_row s;
		struct conv_flow_row f;
	} u;
};

struct chunk {
	struct chunk *next;
	int n;
	struct row rows[CHUNK_ROWS];
};

struct conv_writer {
	sqlite3 *db;                 /* owned */
	char *final_path, *tmp_path; /* owned */
	sqlite3_stmt *st_state, *st_flow, *st_batch;   /* owned, used by the thread */
	struct { const char *sql; sqlite3_stmt *st; } cache[MAX_CACHED];   /* owned stmts */
	int n_cache;
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

static void bind_state(sqlite3_stmt *st, int o, const struct conv_state_row *s)
{
	sqlite3_bind_int64(st, o + 1, s->id);
	sqlite3_bind_int64(st, o + 2, s->ts);
	sqlite3_bind_int64(st, o + 3, s->dur);
	sqlite3_bind_int64(st, o + 4, s->utid);
	sqlite3_bind_text(st, o + 5, s->state, -1, SQLITE_STATIC);
	if (s->reason)
		sqlite3_bind_text(st, o + 6, s->reason, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, o + 6);
	bind_i(st, o + 7, s->object_id);
	bind_i(st, o + 8, s->waker_utid);
	bind_i(st, o + 9, s->waker_ts);
	bind_i(st, o + 10, s->callsite_id);
	bind_i(st, o + 11, s->result);
}

static int step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* BATCH state rows in one statement: the per-statement cost of the VDBE is
 * paid once per batch instead of once per row. */
static int write_states(struct conv_writer *w, const struct conv_state_row **rows, int n)
{
	int ret = 0;
	if (n == BATCH) {
		for (int k = 0; k < n; k++)
			bind_state(w->st_batch, k * STATE_COLS, rows[k]);
		return step(w->st_batch);
	}
	for (int k = 0; k < n && !ret; k++) {
		bind_state(w->st_state, 0, rows[k]);
		ret = step(w->st_state);
	}
	return ret;
}

static int write_row(struct conv_writer *w, const struct row *r)
{
	sqlite3_stmt *st;
	if (r->kind == ROW_STATE) {
		st = w->st_state;
		bind_state(st, 0, &r->u.s);
	} else {
		const struct conv_flow_row *f = &r->u.f;
		st = w->st_flow;
		sqlite3_bind_int64(st, 1, f->id);
		sqlite3_bind_int64(st, 2, f->ts_out);
		sqlite3_bind_int64(st, 3, f->utid_out);
		sqlite3_bind_int64(st, 4, f->ts_in);
		sqlite3_bind_int64(st, 5, f->utid_in);
		bind_i(st, 6, f->thread_state_in);
		sqlite3_bind_text(st, 7, f->kind, -1, SQLITE_STATIC);
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static void *writer_main(void *arg)
{
	struct conv_writer *w = arg;
	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (!w->head && !w->closing)
			pthread_cond_wait(&w->work, &w->lock);
		struct chunk *c = w->head;
		if (c) {
			w->head = c->next;
			if (!w->head)
				w->tail = NULL;
		}
		pthread_mutex_unlock(&w->lock);
		if (!c)
			return NULL;
		const struct conv_state_row *batch[BATCH];
		int nb = 0;
		for (int i = 0; i < c->n && !w->failed; i++) {
			int ret = 0;
			if (c->rows[i].kind == ROW_STATE) {
				batch[nb++] = &c->rows[i].u.s;
				if (nb == BATCH) {
					ret = write_states(w, batch, nb);
					nb = 0;
				}
			} else {
				ret = write_row(w, &c->rows[i]);
			}
			if (!ret && i == c->n - 1 && nb)
				ret = write_states(w, batch, nb);
			if (ret < 0) {
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
	 * what makes it visible */
	if (sqlite3_exec(w->db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
			"PRAGMA locking_mode=EXCLUSIVE; PRAGMA temp_store=MEMORY;"
			"PRAGMA cache_size=-131072; PRAGMA page_size=8192;", NULL, NULL, NULL) != SQLITE_OK ||
			sqlite3_exec(w->db, conv_schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
			sqlite3_exec(w->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		ret = sql_fail(w, err, "schema");
		goto error;
	}
	char batch_sql[sizeof STATE_INSERT + BATCH * sizeof STATE_VALUES];
	size_t off = (size_t) snprintf(batch_sql, sizeof batch_sql, "%s", STATE_INSERT);
	for (int k = 0; k < BATCH; k++)
		off += (size_t) snprintf(batch_sql + off, sizeof batch_sql - off, "%s" STATE_VALUES, k ? "," : "");
	if (sqlite3_prepare_v2(w->db, STATE_INSERT STATE_VALUES, -1, &w->st_state, NULL) != SQLITE_OK ||
			sqlite3_prepare_v2(w->db, batch_sql, -1, &w->st_batch, NULL) != SQLITE_OK ||
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
	while (w->queued >= MAX_QUEUED)
		pthread_cond_wait(&w->space, &w->lock);
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

static struct row *next_row(struct conv_writer *w)
{
	if (w->cur && w->cur->n == CHUNK_ROWS && enqueue(w) < 0)
		return NULL;
	if (!w->cur) {
		pthread_mutex_lock(&w->lock);
		w->cur = w->spare;
		if (w->cur)
			w->spare = w->cur->next;
		pthread_mutex_unlock(&w->lock);
		if (!w->cur && !(w->cur = malloc(sizeof *w->cur)))
			return NULL;
		w->cur->n = 0;
	}
	w->rows++;
	return &w->cur->rows[w->cur->n++];
}

int conv_writer_state(struct conv_writer *w, const struct conv_state_row *r)
{
	struct row *x = next_row(w);
	if (!x)
		return -EIO;
	x->kind = ROW_STATE;
	x->u.s = *r;
	return 0;
}

int conv_writer_flow(struct conv_writer *w, const struct conv_flow_row *r)
{
	struct row *x = next_row(w);
	if (!x)
		return -EIO;
	x->kind = ROW_FLOW;
	x->u.f = *r;
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
	if (w->cur && w->cur->n)
		enqueue(w);
	stop_thread(w);
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
	sqlite3_finalize(w->st_state);
	sqlite3_finalize(w->st_flow);
	sqlite3_finalize(w->st_batch);
	w->st_state = w->st_flow = w->st_batch = NULL;
}

int conv_writer_finish(struct conv_writer *w, struct conv_error *err)
{
	int ret;
	if ((ret = conv_writer_drain(w, err)) < 0)
		return ret;
	finalize_all(w);
	if (sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(w, err, "commit");
	if (sqlite3_exec(w->db, conv_index_sql, NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(w, err, "indexes");
	/* sampled statistics: the planner needs their shape, not exact counts */
	if (sqlite3_exec(w->db, "PRAGMA analysis_limit=2000; ANALYZE", NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(w, err, "analyze");
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
	return 0;
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
