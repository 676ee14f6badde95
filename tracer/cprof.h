/* cprof.h: the public API of libcprof.
 *
 * Link with `pkg-config --cflags --libs cprof`.  Linking libcprof is enough
 * for pthread blocking, thread and wake events to be recorded (libcprof
 * interposes the pthread functions); unmodified programs get the same with
 * LD_PRELOAD=libcprof-preload.so or cprof-run.
 *
 * Every function returns 0 or a negative errno.  When `err` is not NULL it
 * receives a one-line message on failure.  All functions are thread-safe. */
#ifndef CPROF_H
#define CPROF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CPROF_EXTERN __attribute__((visibility("default")))
#else
#define CPROF_EXTERN
#endif

struct cprof_error {
	int code;           /* negative errno, same as the return value */
	char message[256];  /* one line, no trailing newline */
};

/* Readable text for a negative errno returned by cprof (never NULL). */
CPROF_EXTERN const char *cprof_strerror(int err);

/* Starts the /debug/pprof HTTP endpoint on addr ("127.0.0.1:6060",
 * "localhost:0", "[::1]:6060", ":6060" binds loopback).  Environment:
 * CPROF_MAX_SECONDS (default 60) bounds ?seconds=.  -EALREADY if running. */
CPROF_EXTERN int cprof_http_start(const char *addr, struct cprof_error *err);
/* Port the endpoint listens on (useful with port 0), or a negative errno. */
CPROF_EXTERN int cprof_http_port(void);
/* Stops the endpoint, waiting for running requests to end.  No-op if not running. */
CPROF_EXTERN int cprof_http_stop(void);

/* Starts tracing this whole process into `path` (trace.out) until
 * cprof_trace_stop().  -EBUSY if a trace is already running. */
CPROF_EXTERN int cprof_trace_start(const char *path, struct cprof_error *err);
/* Stops the trace started by cprof_trace_start and writes the file. */
CPROF_EXTERN int cprof_trace_stop(struct cprof_error *err);

/* Names the calling thread in traces (and with pthread_setname_np, truncated
 * to 15 bytes). */
CPROF_EXTERN int cprof_thread_set_name(const char *name);

/* Custom waits, for the program's own primitives (an event-loop wait, a
 * ticket queue, a custom spinlock): the calling thread is shown blocked,
 * reason "user", on `object` (or on `label` when object is NULL) from
 * cprof_wait_begin() until cprof_wait_end(), with the stack of the begin.
 * `label` names the object unless cprof_name_object() named it; it must stay
 * valid (a string literal).  Not nested: one custom wait per thread at a time. */
CPROF_EXTERN int cprof_wait_begin(const char *label, const void *object);
/* Ends the calling thread's custom wait; -ENOENT if none is in progress. */
CPROF_EXTERN int cprof_wait_end(void);

/* Gives `object` (a mutex, condvar, channel, fd...) a human name in traces.
 * Names are kept and written at the start of every capture. */
CPROF_EXTERN int cprof_name_object(const void *object, const char *name);

/* ---- tasks, regions, logs (Go's runtime/trace annotations) ----------------
 * A task is a logical operation that may span threads (a request); regions
 * are nested spans of one thread, optionally inside a task; logs are
 * timestamped messages.  `type`, `category` and `message` are copied. */

/* Returns the new task's id (never 0); parent 0 = no parent. */
CPROF_EXTERN uint64_t cprof_task_begin(uint64_t parent, const char *type);
CPROF_EXTERN void cprof_task_end(uint64_t task);
/* Regions must nest per thread: end the innermost first. task may be 0. */
CPROF_EXTERN void cprof_region_begin(uint64_t task, const char *type);
CPROF_EXTERN void cprof_region_end(uint64_t task, const char *type);
CPROF_EXTERN void cprof_user_log(uint64_t task, const char *category, const char *message);

/* ---- channels ------------------------------------------------------------
 * Bounded (capacity > 0) or unbuffered (capacity 0) multi-producer,
 * multi-consumer channels of pointers, with Go's semantics.  Blocking
 * operations show in traces as waits with reason chan_send / chan_recv /
 * select, and the thread that completes them as the waker.
 * Timeouts are relative, in nanoseconds. */
typedef struct cprof_chan cprof_chan;

enum { CPROF_CHAN_SEND = 1, CPROF_CHAN_RECV = 2 };

/* name (may be NULL) is how traces show the channel. */
CPROF_EXTERN int cprof_chan_create(cprof_chan **out, size_t capacity, const char *name);
/* No operation may be running or start on c. destroy(NULL) is a no-op. */
CPROF_EXTERN void cprof_chan_destroy(cprof_chan *c);
/* Blocks until received or buffered: 0, or -EPIPE if the channel is closed
 * (before or while waiting). */
CPROF_EXTERN int cprof_chan_send(cprof_chan *c, void *value);
/* Blocks until a value arrives: 0; -EPIPE once the channel is closed and
 * drained (*value = NULL). */
CPROF_EXTERN int cprof_chan_recv(cprof_chan *c, void **value);
/* Never block: -EAGAIN when the operation would. */
CPROF_EXTERN int cprof_chan_try_send(cprof_chan *c, void *value);
CPROF_EXTERN int cprof_chan_try_recv(cprof_chan *c, void **value);
/* Block at most timeout_ns: -ETIMEDOUT after that. */
CPROF_EXTERN int cprof_chan_send_timed(cprof_chan *c, void *value, int64_t timeout_ns);
CPROF_EXTERN int cprof_chan_recv_timed(cprof_chan *c, void **value, int64_t timeout_ns);
/* Closes c: blocked and future receivers drain what is buffered, then get
 * -EPIPE; blocked and future senders get -EPIPE.  -EPIPE if already closed. */
CPROF_EXTERN int cprof_chan_close(cprof_chan *c);

struct cprof_select_case {
	cprof_chan *chan;
	int op;          /* CPROF_CHAN_SEND or CPROF_CHAN_RECV */
	void *value;     /* in: value to send; out: value received */
	int closed;      /* out: the case completed because chan is closed */
};
/* Waits until one case can proceed, performs it and returns its index.
 * timeout_ns: -1 waits forever; 0 is Go's `default:` (-EAGAIN when no case
 * is ready); > 0 returns -ETIMEDOUT after that long.  At most 64 cases. */
CPROF_EXTERN int cprof_chan_select(struct cprof_select_case *cases, size_t n, int64_t timeout_ns);

/* ---- memory: heap counters and GC-like phases -----------------------------
 * libcprof interposes the malloc family: traces get a heap in-use counter,
 * allocator statistics and sampled allocations with stacks (environment:
 * CPROF_ALLOC_SAMPLE_RATE bytes between samples on average, default 524288,
 * 0 = off; CPROF_MALLINFO_MS, default 100; CPROF_HEAP_DELTA; CPROF_ALLOC=0
 * turns it all off).  malloc_trim calls and Boehm GC collections show as GC
 * phases by themselves.  Allocators and runtimes written in C mark their own
 * phases with these: they cost nothing when no capture runs. */

/* A GC-like phase (a sweep, a compaction, a pool reset) on the calling
 * thread.  Phases nest per thread; cprof_gc_end() closes the innermost.
 * kind is copied into the trace ("pool.sweep"). */
CPROF_EXTERN void cprof_gc_begin(const char *kind);
CPROF_EXTERN void cprof_gc_end(void);
/* A stop-the-world pause: the program's other threads are held, from
 * cprof_stw_begin() to cprof_stw_end() on the calling thread. */
CPROF_EXTERN void cprof_stw_begin(const char *reason);
CPROF_EXTERN void cprof_stw_end(void);

struct cprof_heap_stats {
	int64_t inuse_bytes;     /* usable bytes of the live malloc blocks */
	int64_t inuse_objects;   /* live malloc blocks */
	uint64_t alloc_bytes;    /* cumulative */
	uint64_t allocs;         /* cumulative */
};
/* The heap counters as cprof keeps them (other threads' last few hundred
 * calls may be missing).  -ENOTSUP when CPROF_ALLOC=0. */
CPROF_EXTERN int cprof_heap_read(struct cprof_heap_stats *out);

#ifdef __cplusplus
}
#endif
#endif
