/* query.h: the viewer's query layer, the only code that knows table names.
 *
 * It owns the read-only connections to the trace database, the sidecar
 * level-of-detail cache (lod.c) and every SQL statement.  Functions either
 * write a JSON document into a vw_buf (for the HTTP API) or fill C structs
 * (for the pprof writer and the CLI).  Times crossing this interface are ns
 * relative to the trace start, so they stay exact in JavaScript numbers.
 * All functions return 0 or a negative errno; user-facing detail is in err. */
#ifndef VW_QUERY_H
#define VW_QUERY_H

#include <stdint.h>
#include <sqlite3.h>

#include "util.h"

struct vw_db;

struct vw_db_opts {
	const char *lod_path;   /* sidecar cache; NULL: derived from the db path */
	int quiet;              /* no progress on stderr */
	int no_lod;             /* CLI modes that never draw a timeline */
};

int vw_db_open(struct vw_db **out, const char *path, const struct vw_db_opts *opts,
	       struct vw_err *err);
void vw_db_destroy(struct vw_db *db);

/* Trace bounds (absolute ns) */
int64_t vw_db_t0(const struct vw_db *db);

/* JSON documents for the API. */
int vw_q_summary(struct vw_db *db, struct vw_buf *out, struct vw_err *err);
int vw_q_threads(struct vw_db *db, struct vw_buf *out, struct vw_err *err);
int vw_q_timeline(struct vw_db *db, const int64_t *utids, int n, int64_t t0, int64_t t1,
		  int width, struct vw_buf *out, struct vw_err *err);
int vw_q_slices(struct vw_db *db, const int64_t *utids, int n, int64_t t0, int64_t t1,
		int width, struct vw_buf *out, struct vw_err *err);
int vw_q_counters(struct vw_db *db, int64_t t0, int64_t t1, int width, struct vw_buf *out,
		  struct vw_err *err);
int vw_q_select(struct vw_db *db, const int64_t *utids, int n, int64_t t0, int64_t t1,
		struct vw_buf *out, struct vw_err *err);
int vw_q_state(struct vw_db *db, int64_t id, struct vw_buf *out, struct vw_err *err);
int vw_q_breakdown(struct vw_db *db, struct vw_buf *out, struct vw_err *err);
int vw_q_objects(struct vw_db *db, int limit, struct vw_buf *out, struct vw_err *err);
int vw_q_search(struct vw_db *db, const char *text, int limit, struct vw_buf *out,
		struct vw_err *err);
int vw_q_regions(struct vw_db *db, struct vw_buf *out, struct vw_err *err);
int vw_q_tasks(struct vw_db *db, struct vw_buf *out, struct vw_err *err);
int vw_q_connections(struct vw_db *db, struct vw_buf *out, struct vw_err *err);
int vw_q_blocked_at_end(struct vw_db *db, struct vw_buf *out, struct vw_err *err);
int vw_q_task_list(struct vw_db *db, const char *type, int limit, struct vw_buf *out,
		   struct vw_err *err);
int vw_q_tables(struct vw_db *db, struct vw_buf *out, struct vw_err *err);
int vw_q_user_sql(struct vw_db *db, const char *sql, int64_t offset, int limit,
		  struct vw_buf *out, struct vw_err *err);

/* Memory.  Allocation sites from sampled allocations, scaled like the
 * heap profiles of vw_q_stacks (sort: alloc_objects | alloc_bytes |
 * inuse_objects | inuse_bytes, default inuse_bytes); the GC row of a
 * window (GC phases and stop-the-world pauses of every thread); one GC
 * slice; minimum mutator utilization for window lengths in ns (none: a log
 * grid from 1 us to the trace length), pauses being the stop-the-world
 * slices, plus every GC phase when with_gc. */
int vw_q_allocations(struct vw_db *db, const char *sort, int limit, struct vw_buf *out,
		     struct vw_err *err);
int vw_q_gc(struct vw_db *db, int64_t t0, int64_t t1, int width, struct vw_buf *out,
	    struct vw_err *err);
int vw_q_gc_slice(struct vw_db *db, int64_t id, struct vw_buf *out, struct vw_err *err);
int vw_q_mmu(struct vw_db *db, int with_gc, const int64_t *windows, int nwin,
	     struct vw_buf *out, struct vw_err *err);
/* Up to k disjoint windows of length w with the least utilization. */
int vw_q_mmu_worst(struct vw_db *db, int with_gc, int64_t w, int k, struct vw_buf *out,
		   struct vw_err *err);

/* Blocking profiles: time blocked aggregated by stack. */
struct vw_frame {
	int64_t id;
	char *name;     /* owned; NULL if unknown */
	char *file;     /* owned; may be NULL */
	int64_t line;
	int64_t address;
	char *mapping;  /* owned; may be NULL */
};

struct vw_stack {
	int64_t count;
	int64_t total_ns;
	int nframes;
	int64_t *frames;  /* owned; indexes into vw_stacks.frames, leaf first */
};

struct vw_stacks {
	struct vw_stack *stacks; /* owned, sorted by total_ns descending */
	int nstacks;
	struct vw_frame *frames; /* owned */
	int nframes;
	int64_t t_start, t_end;  /* absolute trace bounds */
	/* pprof sample types: (count, value) names and units; total_ns holds
	 * the value (ns of delay, or bytes for heap profiles) */
	const char *count_name, *count_unit, *value_name, *value_unit;   /* static */
};

/* kind: sync | net | syscall | sleep | sched | alloc | inuse.  -EINVAL for another kind. */
int vw_q_stacks(struct vw_db *db, const char *kind, struct vw_stacks *out, struct vw_err *err);
void vw_stacks_fini(struct vw_stacks *s);
/* Frames as a JSON array of {name, file, line, address, mapping}. */
void vw_frames_json(struct vw_buf *out, const struct vw_frame *f, int n);

/* CLI -sql: calls row() once for the header (vals = column names) and once
 * per row; values are text (NULL stays NULL).  Read-only, like the API. */
typedef int (*vw_row_fn)(void *ctx, int ncol, const char *const *vals);
int vw_sql_exec(struct vw_db *db, const char *sql, vw_row_fn row, void *ctx,
		struct vw_err *err);

/* Internal to the query layer's files. */
sqlite3 *vw_db_acquire(struct vw_db *db);
void vw_db_release(struct vw_db *db, sqlite3 *c);
int vw_sql_err(sqlite3 *c, int rc, struct vw_err *err, const char *what);
const char *vw_db_path(const struct vw_db *db);
/* Opens a connection to the trace db for user SQL: read-only, authorizer,
 * time bound.  *deadline is read by the progress handler. */
int vw_user_conn_open(struct vw_db *db, sqlite3 **out, int64_t *deadline, struct vw_err *err);

#endif
