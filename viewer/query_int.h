/* query_int.h: state shared by the query layer's files (query_*.c, lod.c).
 * Nothing outside the query layer includes this. */
#ifndef VW_QUERY_INT_H
#define VW_QUERY_INT_H

#include <pthread.h>
#include <stdint.h>
#include <sqlite3.h>

#include "query.h"

/* Thread states as columns of the level-of-detail rows; states the schema
 * may add later fold into "unknown". */
enum { VW_ST_RUNNING, VW_ST_RUNNABLE, VW_ST_BLOCKED, VW_ST_NET, VW_ST_SYSCALL,
       VW_ST_SLEEP, VW_ST_UNKNOWN, VW_NSTATE };
extern const char *const vw_state_names[VW_NSTATE];
int vw_state_index(const char *state);

/* Column i of the current row of st as a JSON value (query_analysis.c). */
struct vw_buf;
void vw_col_json(struct vw_buf *out, sqlite3_stmt *st, int i);

/* A (state, reason) pair, numbered in the sidecar's lod_code table. */
struct vw_code {
	char *state;    /* owned */
	char *reason;   /* owned, may be NULL */
	int st;         /* VW_ST_* */
};

struct vw_thread_lod {
	int64_t utid;
	uint64_t shifts;   /* bit k set: level with 2^k ns buckets stored */
};

#define VW_POOL 4
#define VW_MAXCODES 4096

struct vw_db {
	char *path;              /* owned */
	char *lod_path;          /* owned; NULL when opened without LOD */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	sqlite3 *pool[VW_POOL];  /* owned; free ones have busy[i] == 0 */
	int busy[VW_POOL];
	int npool;
	/* (state, reason) codes: VW_MAXCODES slots allocated once, appended
	 * under lock, ncodes published with release order, so readers never
	 * lock.  Shared by the window reads and the cache builder. */
	struct vw_code *codes;   /* owned */
	int ncodes;
	/* Set once the cache is loaded (ready, release order). */
	struct vw_thread_lod *tl;/* owned, sorted by utid */
	int ntl;
	int ready;
	int attached[VW_POOL];   /* pool[i] has the cache attached */
	int raw_indexed;         /* thread_state(utid, ts) index in the trace db */
	int64_t t_start, t_end;  /* absolute ns */
	int64_t nstates;         /* thread_state rows, -1 until known */
	/* The cache builder, when the cache was missing at open. */
	pthread_t builder;
	int building;
	int cancel;              /* asks the builder to stop (atomic) */
	int quiet;
	char build_err[512];
	/* GC phases and pauses, read on first use (query_gc.c; acquire load) */
	struct vw_gc *gc;        /* owned */
};

/* query_gc.c */
struct vw_gc;
void vw_gc_free(struct vw_gc *g);
/* query_timeline.c: log2 of the bucket size (ns) for a window at a width. */
int vw_res_shift(int64_t t0, int64_t t1, int width);

/* lod_build.c: is the cache of db_path at lod_path up to date? */
int vw_lod_fresh(const char *db_path, const char *lod_path);
/* Builds the cache when missing or stale; codes are interned in db. */
int vw_lod_prepare(struct vw_db *db, const char *db_path, const char *lod_path, int quiet,
		   struct vw_err *err);
/* Does the trace db have an index on thread_state(utid, ts)? */
int vw_has_raw_index(sqlite3 *src);
/* Code of a (state, reason) pair, added when new; -1 when the table is full. */
int vw_code_intern(struct vw_db *db, const char *state, const char *reason);
static inline int vw_ncodes(const struct vw_db *db)
{
	return __atomic_load_n(&db->ncodes, __ATOMIC_ACQUIRE);
}
static inline int vw_ready(const struct vw_db *db)
{
	return __atomic_load_n(&db->ready, __ATOMIC_ACQUIRE);
}
/* query_db.c: can c (acquired from the pool) read the cache now?  The
 * cache may be ready since c was acquired; it is attached then. */
int vw_db_lod_ready(struct vw_db *db, sqlite3 *c);
/* A new read-only connection to the trace database (query_db.c). */
int vw_db_open_ro(struct vw_db *db, sqlite3 **out, struct vw_err *err);
/* Level to read for a thread at a resolution of 2^shift ns; -1: raw rows. */
int vw_lod_level(const struct vw_db *db, int64_t utid, int shift);

/* A segment of a timeline: one state row, or several merged. */
struct vw_seg {
	int64_t ts, dur, id;
	int code, cnt;
	int64_t sd[VW_NSTATE];  /* per-state time; valid when cnt > 1 */
};

typedef void (*vw_seg_fn)(void *ctx, const struct vw_seg *s);

/* Merges segments shorter than res into buckets of res ns aligned on origin;
 * longer ones pass through.  Used both to build levels and to answer a
 * window query at pixel resolution. */
struct vw_merger {
	int64_t res, origin;
	const struct vw_code *codes;
	vw_seg_fn emit;
	void *ctx;
	struct vw_seg pend;
	int64_t pend_bucket, pend_best;
	int has;
};

void vw_merger_init(struct vw_merger *m, int64_t res, int64_t origin,
		    const struct vw_code *codes, vw_seg_fn emit, void *ctx);
void vw_merger_push(struct vw_merger *m, const struct vw_seg *s);
void vw_merger_flush(struct vw_merger *m);

/* Reads the segments of one thread overlapping [t0, t1) (absolute) at the
 * level chosen for shift, in ts order. */
int vw_lod_read(struct vw_db *db, sqlite3 *c, int64_t utid, int shift, int64_t t0, int64_t t1,
		vw_seg_fn fn, void *ctx, struct vw_err *err);

#endif
