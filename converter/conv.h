/* conv.h: declarations shared by the files of cprof-convert.
 *
 * The pipeline and who owns what:
 *   unpack.c     trace.out (tar.gz) → a private directory, safely
 *   bundle.c     cprof/FORMAT, cprof/info.txt, the CTF sub-trace list
 *   ctf_reader.c libbabeltrace2 graph → struct conv_event (the only bt2 user)
 *   model.c      per-thread state machine → rows
 *   stacks.c     stack dedupe into the callsite tree, frame symbolization
 *   symbols.c    cprof/modules.tsv + cprof/symbols/<i>.tsv lookups
 *   writer.c     SQLite: schema, row queue on a second thread, indexes
 *   main.c       CLI glue
 * Functions return 0 or a negative errno; details go to struct conv_error. */
#ifndef CPROF_CONV_H
#define CPROF_CONV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* int64 columns use this for SQL NULL */
#define CONV_NULL INT64_MIN

struct conv_error {
	char msg[1024];
};

void conv_error_set(struct conv_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void conv_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int conv_quiet;
/* -v: a timing line per phase on stderr (wall and process CPU since the
 * previous phase), for finding where the conversion time goes. */
extern int conv_verbose;
void conv_phase(const char *what);
double conv_now(void);

/* ---- map.c: uint64 → uint64 open-addressing hash map -------------------- */

struct conv_map {
	uint64_t *keys, *vals;   /* owned */
	uint8_t *used;           /* owned */
	size_t cap, n;
};

/* Grows *p (an array of *cap elements of elem bytes) to hold at least need,
 * doubling; 0 or -ENOMEM (then *p is unchanged). */
int conv_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Returns a pointer to the value of key, or NULL. */
uint64_t *conv_map_get(const struct conv_map *m, uint64_t key);
/* Sets key; returns 0 or -ENOMEM. */
int conv_map_put(struct conv_map *m, uint64_t key, uint64_t val);
void conv_map_fini(struct conv_map *m);
static inline uint64_t conv_hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* ---- unpack.c ----------------------------------------------------------- */

/* Extracts the gzip'd ustar archive `path` into the existing empty directory
 * `dir`.  Only regular files and directories under cprof/ and ctf/ with
 * relative paths are accepted; sizes are bounded. */
int conv_unpack(const char *path, const char *dir, struct conv_error *err);
/* Removes a directory tree (best effort). */
void conv_rmtree(const char *dir);

/* ---- bundle.c ------------------------------------------------------------ */

struct conv_info {
	int format;
	int64_t pid;
	char exe[1024], hostname[256], cprof_version[64];
	int64_t start_ns, end_ns;             /* CONV_NULL when absent */
	int64_t ctl_discarded, ctl_lost_packets, internal_errors;
	int64_t seconds;
	char **subtraces;                     /* owned: CTF dirs holding `metadata` */
	char **broken;                        /* owned: dirs failing the file check */
	char **broken_why;                    /* owned, parallel to broken */
	int n_subtraces, n_broken;
};

/* Checks cprof/FORMAT, reads cprof/info.txt and lists ctf sub-traces. */
int conv_bundle_open(const char *dir, struct conv_info *info, struct conv_error *err);
void conv_bundle_fini(struct conv_info *info);

/* ---- symbols.c ----------------------------------------------------------- */

struct conv_symbols;

struct conv_module_info {
	int64_t id;            /* 1-based mapping id */
	uint64_t start, end, bias;
	const char *build_id, *path;   /* borrowed from the table */
};

int conv_symbols_create(const char *bundle_dir, struct conv_symbols **out, struct conv_error *err);
void conv_symbols_destroy(struct conv_symbols *s);
/* Adds a module seen in a cprof:module event (used when modules.tsv lacks it). */
void conv_symbols_add_module(struct conv_symbols *s, const char *path, uint64_t base, uint64_t size);
int conv_symbols_module_count(const struct conv_symbols *s);
const struct conv_module_info *conv_symbols_module(const struct conv_symbols *s, int i);
/* Function (or any symbol) covering addr; name borrowed, NULL if none.
 * *mapping gets the mapping id or CONV_NULL, *offset addr - symbol start. */
const char *conv_symbols_lookup(struct conv_symbols *s, uint64_t addr, int64_t *mapping,
	uint64_t *offset);
/* A symbol that strictly contains addr (for global objects), else NULL;
 * *offset = addr - the symbol's start. */
const char *conv_symbols_object(struct conv_symbols *s, uint64_t addr, uint64_t *offset);

/* ---- stacks.c ----------------------------------------------------------- */

struct conv_stacks;
struct conv_writer;

int conv_stacks_create(struct conv_stacks **out);
void conv_stacks_destroy(struct conv_stacks *s);
/* pcs innermost first; returns the leaf callsite id, CONV_NULL when n == 0. */
int64_t conv_stacks_intern(struct conv_stacks *s, const uint64_t *pcs, unsigned n);
/* Writes stack_profile_mapping/frame/callsite. */
int conv_stacks_write(struct conv_stacks *s, struct conv_symbols *sym, struct conv_writer *w);
uint64_t conv_stacks_count(const struct conv_stacks *s);

/* ---- ctf_reader.c → model.c ---------------------------------------------- */

enum conv_event_type {
	EV_UNKNOWN = 0, EV_PROCESS, EV_MODULE, EV_THREAD_STATUS, EV_THREAD_CREATE,
	EV_THREAD_START, EV_THREAD_END, EV_THREAD_NAME, EV_BLOCK_BEGIN, EV_BLOCK_END,
	EV_WAKE, EV_OBJECT_NAME, EV_TRACE_END, EV_HEAP, EV_MALLINFO, EV_ALLOC_CONFIG,
	EV_ALLOC_SAMPLE, EV_FREE_SAMPLE, EV_GC_BEGIN, EV_GC_END, EV_STW_BEGIN, EV_STW_END,
	EV_GC_HEAP, EV_SYSCALL_SPAN, EV_SYSCALL_END, EV_TASK_BEGIN, EV_TASK_END,
	EV_REGION_BEGIN, EV_REGION_END, EV_USER_LOG, EV_FD_INFO, EV_NET_END, EV_STATUS_STACK, EV_FD_CLOSE,
	EV_SYNC_WAIT, EV_SYNC_WAIT_OPEN,
	EV__COUNT
};

#define CONV_MAX_INTS 10
#define CONV_MAX_STRS 3
#define CONV_MAX_SEQ 256

/* One decoded event; fields in the order of ctf_reader.c's catalog table.
 * Strings and seq are borrowed for the duration of the callback. */
struct conv_event {
	enum conv_event_type type;
	int64_t ts;                       /* ns since the Unix epoch */
	int32_t tid;                      /* vtid context */
	int64_t pid;                      /* the sub-trace's process */
	int64_t i[CONV_MAX_INTS];
	const char *s[CONV_MAX_STRS];
	const uint64_t *seq;
	unsigned seq_len;
};

struct conv_model;

int conv_model_create(struct conv_writer *w, struct conv_symbols *sym, struct conv_stacks *st,
	const struct conv_info *info, struct conv_model **out);
void conv_model_destroy(struct conv_model *m);
int conv_model_event(struct conv_model *m, const struct conv_event *ev);
/* Lost data reported by the CTF reader. */
void conv_model_discarded(struct conv_model *m, int64_t pid, const char *what, uint64_t count,
	int64_t begin_ns, int64_t end_ns);
void conv_model_stat(struct conv_model *m, const char *name, int idx, const char *severity,
	const char *source, int64_t value, const char *description);
/* Closes every open state at trace end and writes the small tables. */
int conv_model_finish(struct conv_model *m, uint64_t events, struct conv_error *err);
int64_t conv_model_window(const struct conv_model *m, int64_t *end);

/* ---- ctf_reader.c -------------------------------------------------------- */

/* Reads every sub-trace through one muxer in time order; dirs that fail to
 * open are reported to the model and skipped.  Returns the event count. */
int conv_ctf_read(const struct conv_info *info, struct conv_model *m, uint64_t *events,
	struct conv_error *err);
extern volatile int conv_interrupted;

/* ---- writer.c ------------------------------------------------------------ */

struct conv_state_row {
	int64_t id, ts, dur, utid;
	const char *state, *reason;       /* static strings */
	int64_t object_id, waker_utid, waker_ts, callsite_id, result;
};

struct conv_flow_row {
	int64_t id, ts_out, utid_out, ts_in, utid_in, thread_state_in;
	const char *kind;                 /* static string */
};

enum conv_val_type { CV_NULL, CV_INT, CV_REAL, CV_TEXT };
struct conv_val {
	enum conv_val_type t;
	int64_t i;
	double d;
	const char *s;
};
static inline struct conv_val conv_vi(int64_t x)
{
	return (struct conv_val) { .t = x == CONV_NULL ? CV_NULL : CV_INT, .i = x };
}
#define VI(x) conv_vi((int64_t) (x))
#define VT(x) ((struct conv_val) { .t = (x) ? CV_TEXT : CV_NULL, .s = (x) })
#define VR(x) ((struct conv_val) { .t = CV_REAL, .d = (x) })

int conv_writer_create(const char *final_path, struct conv_writer **out, struct conv_error *err);
/* Queued to the writer thread (bulk rows). */
int conv_writer_state(struct conv_writer *w, const struct conv_state_row *r);
int conv_writer_flow(struct conv_writer *w, const struct conv_flow_row *r);
/* Waits until the queued rows are written; afterwards the caller's thread
 * owns the connection and may use conv_writer_insert. */
int conv_writer_drain(struct conv_writer *w, struct conv_error *err);
/* INSERT with a statement cached by the sql pointer (a string literal). */
int conv_writer_insert(struct conv_writer *w, const char *sql, const struct conv_val *v, int n);
/* Commits, indexes, ANALYZE, renames onto the final path. */
int conv_writer_finish(struct conv_writer *w, struct conv_error *err);
/* Drops everything: no file is left behind.  NULL is a no-op. */
void conv_writer_destroy(struct conv_writer *w);
uint64_t conv_writer_rows(const struct conv_writer *w);
/* The temporary database's path while it exists (NULL once renamed). */
const char *conv_writer_tmp_path(const struct conv_writer *w);

#endif
