/* model_priv.h: the model's state, shared by model.c (events) and
 * model_out.c (the end-of-trace tables).  Not used elsewhere. */
#ifndef CPROF_MODEL_PRIV_H
#define CPROF_MODEL_PRIV_H

#include "conv.h"

enum { S_NONE, S_UNKNOWN, S_RUNNING, S_WAIT };

/* Counter tracks have fixed ids; thread tracks are THREAD_TRACK_BASE + utid. */
enum { TRACK_THREADS = 1, TRACK_HEAP_INUSE, TRACK_HEAP_OBJECTS, TRACK_HEAP_ALLOCATED,
	TRACK_MALLINFO_ARENA, TRACK_MALLINFO_INUSE, TRACK_MALLINFO_FREE, TRACK_MALLINFO_MMAP,
	TRACK_GC_HEAP_SIZE, TRACK_GC_FREE, TRACK_GC_RECLAIMED, TRACK__COUNT };
#define THREAD_TRACK_BASE 100
#define MAX_SLICE_DEPTH 16

struct thread {
	int64_t utid;
	int32_t tid, creator_tid;
	int64_t pid;
	const char *name;            /* borrowed from conv_model.names */
	int64_t start_ts, end_ts, create_ts, creator_utid, create_callsite;
	uint64_t create_id, handle, start_routine;
	int is_main, ended;
	int64_t own_events, last_ts;
	/* the open interval */
	int st;
	int64_t since;
	uint8_t kind;
	uint64_t obj;
	int64_t obj_id, callsite;
	int64_t twake_ts, twake_utid;  /* last wake aimed at this thread (target_tid) */
	/* the last wait, ended without a waker yet (model.c, LATE_WAKE_NS) */
	int has_held;
	struct conv_state_row held;
	uint64_t held_obj;
	const char *reason;          /* interned: the syscall name of the open wait, or NULL */
	uint32_t whole_gen;          /* gen of the last cprof:sync_wait (+1; 0: none) */
	size_t slices[MAX_SLICE_DEPTH];   /* open slices (gc, stw): indices in conv_model.slices */
	int n_open;
};

struct object {
	uint64_t addr;
	int64_t id;                  /* sync_object id, 0 while no wait used it */
	const char *kind;            /* static */
	char *name;                  /* owned: from cprof:object_name */
	int64_t wake_ts, wake_utid;  /* most recent wake (or thread_end for handles) */
	int64_t joined_ts;           /* handles: end of the last join wait on it, 0: none */
};

struct process {
	int64_t pid, upid, start_ts;
	char *exe, *host, *version, *cmdline;   /* owned */
};

struct name_row { int64_t utid, ts; char *name; /* owned */ };
struct create { int64_t creator_utid, ts, callsite; };
struct sample { int64_t ts; double value; int track; };
struct slice_row {
	int64_t id, ts, dur, utid, depth, parent_id;   /* dur -1 while open */
	int64_t task;                /* user task id of a region or log, 0 = none */
	const char *category, *name;   /* static / interned */
};
struct fd_desc { const char *local, *peer, *path; int type; };   /* interned */
struct net_row {
	int64_t id, ts, dur, utid, fd, result, err;
	const char *op, *local, *peer;   /* static / interned */
};
struct conn_row {              /* a socket closed while tracing (cprof:fd_close) */
	int64_t ts, utid, fd, bytes_in, bytes_out, ops;
	const char *local, *peer;    /* interned */
};
struct task_row {
	int64_t id, parent, begin_ts, end_ts, begin_utid, end_utid, callsite;
	const char *type;            /* interned */
};
struct alloc_row {
	int64_t id, ts, utid, callsite, free_ts;
	uint64_t ptr, size, usable;
	double weight;
};
struct stat_row {
	const char *name;            /* static */
	int idx;
	const char *severity, *source;   /* static */
	int64_t value;
	char *description;           /* owned */
};

struct conv_model {
	struct conv_writer *w;       /* borrowed */
	struct conv_symbols *sym;    /* borrowed */
	struct conv_stacks *stacks;  /* borrowed */
	const struct conv_info *info;   /* borrowed */
	int64_t t0, t1, last_ts;
	int64_t state_id, flow_id, object_id;
	int64_t late_wakes;          /* wakes that named the waker of an ended wait */
	int failed;
	uint64_t discarded_events, discarded_packets;
	int64_t alive;

	struct thread *threads;      /* owned, [utid - 1] */
	size_t n_threads, cap_threads;
	struct conv_map by_tid;      /* tid → utid of its current incarnation */
	struct object *objs;         /* owned */
	size_t n_objs, cap_objs;
	struct conv_map by_addr;     /* address → index in objs */
	struct process *procs;       /* owned, [upid - 1] */
	size_t n_procs, cap_procs;
	struct create *creates;      /* owned */
	size_t n_creates, cap_creates;
	struct conv_map by_create;   /* create_key → index in creates */
	struct name_row *names;      /* owned */
	size_t n_names, cap_names;
	struct sample *samples;      /* owned: the thread-count counter */
	size_t n_samples, cap_samples;
	struct stat_row *stats;      /* owned */
	size_t n_stats, cap_stats;
	struct slice_row *slices;    /* owned */
	size_t n_slices, cap_slices;
	struct fd_desc *fds;         /* owned: what each (pid, fd) is (cprof:fd_info) */
	size_t n_fds, cap_fds;
	struct conv_map by_fd;       /* (pid, fd) → index in fds */
	struct net_row *nets;        /* owned: cprof:net_end → net_io rows */
	size_t n_nets, cap_nets;
	struct conn_row *conns;      /* owned: cprof:fd_close → net_connection rows */
	size_t n_conns, cap_conns;
	struct task_row *tasks;      /* owned: user tasks (cprof:task_begin/end) */
	size_t n_tasks, cap_tasks;
	struct conv_map by_task;     /* (pid, task id) → index in tasks */
	struct alloc_row *allocs;    /* owned */
	size_t n_allocs, cap_allocs;
	struct conv_map live_allocs; /* ptr → index in allocs */
	uint64_t sample_rate;        /* cprof:alloc_config */
	char **strings;              /* owned: interned names (syscalls, gc kinds) */
	size_t n_strings, cap_strings;
};

static inline uint64_t create_key(int64_t pid, uint64_t create_id)
{
	return ((uint64_t) pid << 40) ^ create_id;
}

struct process *process_ref(struct conv_model *m, int64_t pid);
/* The emitting thread of ev (created, and made running, as needed). */
struct thread *model_self(struct conv_model *m, const struct conv_event *ev);
/* The current incarnation of tid (created, with no timeline yet, if new). */
struct thread *model_thread_ref(struct conv_model *m, int32_t tid, int64_t pid);
void model_counter(struct conv_model *m, int track, int64_t ts, double value);
/* A stable copy of s, shared by equal strings; NULL on failure. */
const char *model_intern(struct conv_model *m, const char *s);
/* model_mem.c: memory, GC and stop-the-world events. */
void model_mem_event(struct conv_model *m, const struct conv_event *ev);
/* Nested per-thread slices (gc, stw, region, log), shared by model_mem.c
 * and model_annot.c. */
void model_slice_begin(struct conv_model *m, struct thread *t, int64_t ts, const char *cat,
	const char *name, int64_t task);
void model_slice_end(struct conv_model *m, struct thread *t, int64_t ts, const char *cat);
struct object *model_object_ref(struct conv_model *m, uint64_t addr);
/* Network waits reported whole (cprof:net_wait) or open at trace stop
 * (cprof:net_wait_open); model.c. */
void model_wait_whole(struct conv_model *m, struct thread *t, int64_t ts, int64_t dur,
	unsigned kind, uint64_t obj, int64_t callsite, int64_t result, int64_t waker_utid,
	int64_t waker_ts);
void model_wait_open(struct conv_model *m, int32_t tid, int64_t pid, int64_t since,
	unsigned kind, uint64_t obj);
/* Network I/O: fd descriptions and net_io rows. */
void model_net_event(struct conv_model *m, const struct conv_event *ev);
int model_net_write(struct conv_model *m);
/* User annotations: tasks → task rows, regions and logs → slices. */
void model_annot_event(struct conv_model *m, const struct conv_event *ev);
int model_annot_write(struct conv_model *m);
int model_mem_write(struct conv_model *m);
/* Closes t's open interval at ts (trace end); model.c. */
void conv_model_close_at(struct conv_model *m, struct thread *t, int64_t ts);
/* Writes t's held-back wait row (model.c, late wakes), if any. */
void conv_model_flush_held(struct conv_model *m, struct thread *t);

#endif
