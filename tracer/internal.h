/* internal.h: declarations shared by the files of libcprof.so (not installed).
 *
 * Files and owners:
 *   tp.c        the tracepoint provider (cprof_tp.h), compiled once
 *   core.c      init, thread registry, status dump, interposer plumbing
 *   wrap_*.c    the interposed pthread/libc functions
 *   stack.c     libunwind stack capture
 *   session.c   liblttng-ctl session control and sessiond spawn
 *   archive.c   trace.out writer (tar + gzip, cprof/ metadata)
 *   modules.c   loaded modules, build-ids, ELF symbol tables
 *   http.c      the /debug/pprof endpoint
 *   api.c       the public functions of cprof.h
 */
#ifndef CPROF_INTERNAL_H
#define CPROF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "cprof.h"
#include "cprof_events.h"
#include "unwind.h"

#define CPROF_TLS __attribute__((tls_model("initial-exec"))) __thread
#define CPROF_HIDDEN __attribute__((visibility("hidden")))

/* ---- core.c ----------------------------------------------------------- */

/* Per-thread record in a global registry, so the status dump at trace start
 * can say what every thread is doing and a waker can find whom it wakes.
 * Records are never freed, only recycled (in_use), and are only ever pushed
 * at the head of the list: walking it needs no lock. */
#define CPROF_WAIT_STACK 8   /* frames kept with a thread's current wait */
#define CPROF_STACK_MAX 64

/* A whole wait that ended, its cprof:sync_wait left for later: the owner
 * writes it after its next unlock (out of the critical section it just
 * entered) or before its next other event; the thread that stops a capture
 * writes those still left.  Its state: the record's done_state[], all on
 * one line. */
#define CPROF_WAIT_SLOTS 4
enum {
	CPROF_SLOT_FREE,
	CPROF_SLOT_READY,       /* ended, to be written */
	CPROF_SLOT_WRITING,     /* taken by whoever moved it from READY */
	CPROF_SLOT_OPEN,        /* its wait runs (owner only) */
};
struct cprof_wait_done {
	uint32_t gen, capture;
	uint8_t kind, depth;
	uint8_t claimed;                /* a waker claimed it: its stamp is due */
	int32_t taken_waker;            /* else the waker whose announced wake it took */
	int32_t result;
	uint64_t obj, t0, end;
	uint64_t pcs[CPROF_STACK_MAX];
};


struct cprof_thread {
	struct cprof_thread *next;      /* immutable once published */
	volatile int in_use;            /* 0: free for the next thread to claim */
	pid_t tid;
	uint64_t handle;                /* pthread_self() */
	uint64_t start_routine;
	pid_t creator_tid;
	char name[64];
	/* current wait, written by the owning thread only (but wake_claimed) */
	volatile uint8_t wait_kind;     /* enum cprof_wait_kind, 0 = not waiting */
	volatile uint8_t wake_claimed;  /* a waker already emitted a wake for this wait */
	volatile uint64_t wait_obj;
	volatile uint64_t wait_since_ns; /* CLOCK_MONOTONIC_COARSE */
	/* the current wait's stack, for the status dump of a capture that starts
	 * while this thread waits: valid when wait_stack_gen == wait_gen */
	volatile uint32_t wait_gen;     /* bumped by every published wait */
	/* the published wait's gen << 8 | its done[] slot + 1 (0: not reported
	 * whole), one word: what a waker reads before it claims (core.c) */
	volatile uint64_t wait_tag;
	volatile uint32_t wait_stack_gen;
	volatile uint32_t wait_stack_seq; /* odd while the owner writes wait_pcs */
	uint8_t wait_depth;
	uint64_t wait_pcs[CPROF_WAIT_STACK];
	/* a wait reported whole (cprof:sync_wait, begun during a capture): its
	 * CLOCK_MONOTONIC begin, 0 for any other wait; and what the last waker
	 * that claimed a wait of this thread left (block.c) */
	volatile uint64_t wait_t0;
	volatile uint32_t wait_capture; /* cprof_capture_seq of that wait */
	/* a network wait of a capture: the notify keys of the pipes, eventfds
	 * and socketpairs it waits to read (valid while wait_keys_gen ==
	 * wait_gen), where the keyed-wait table has them (owner only), and the
	 * stamp the last writer to one of them left, under nwake_seq (odd
	 * while a writer stamps; core.c, cprof_notify_wake) */
#define CPROF_WAIT_KEYS 4
	volatile uint32_t wait_keys[CPROF_WAIT_KEYS];
	volatile uint32_t wait_keys_gen;
	volatile uint8_t wait_nkeys;
	uint8_t kw_n;
	uint16_t kw_pos[CPROF_WAIT_KEYS];       /* entry + 1, 0: not in the table */
	volatile uint32_t nwake_seq;
	volatile uint64_t nwake_word;   /* the wait's gen << 32 | the writer's tid */
	volatile uint64_t nwake_ns;     /* CLOCK_MONOTONIC before its write */
	volatile uint32_t nwake_key;    /* the key it wrote to */
	/* the stamp of the wait in done[k] is at [k]: a thread's ended waits
	 * are written together after its next unlock, and one stamp per
	 * thread kept the newest wait's waker only */
	volatile uint64_t wake_word[CPROF_WAIT_SLOTS];  /* the wait's gen << 32 | the waker's tid */
	volatile uint64_t wake_ns[CPROF_WAIT_SLOTS];    /* its time, tagged with the gen (core.c) */
	/* whole waits ended, their cprof:sync_wait not yet written (block.c) */
	volatile uint32_t done_state[CPROF_WAIT_SLOTS];  /* of done[k], on one line */
	struct cprof_wait_done done[CPROF_WAIT_SLOTS];
	uint8_t withdraw_due;           /* an ended whole wait is still in the buckets */
	int slot;                       /* index in the waiter buckets' bitmaps, -1: none */
	volatile int32_t wait_bucket;   /* bucket whose bit this thread set, -1: none */
	/* buckets where this thread's bit stays set after its waits there
	 * (newest first, -1: none): a wait in one sets no bit (core.c) */
#define CPROF_STALE 4
	int16_t stale[CPROF_STALE];
	/* the stack walker's rules of this thread's last stack (owner only) */
	struct cprof_unwind_memo unwind_memo;
} __attribute__((aligned(64)));

/* Waiter buckets (core.c): bit i of cprof_wait_buckets[cprof_wait_bucket_of(obj)]
 * is set while registry record i waits on an object of that bucket. */
#define CPROF_WAIT_BUCKETS 256
struct cprof_wait_bucket {
	uint64_t bits;
} __attribute__((aligned(64)));
extern struct cprof_wait_bucket cprof_wait_buckets[CPROF_WAIT_BUCKETS] CPROF_HIDDEN;

static inline uint32_t cprof_wait_bucket_of(uint64_t obj)
{
	return (uint32_t)(((obj >> 3) * 0x9e3779b97f4a7c15ull) >> 56) % CPROF_WAIT_BUCKETS;
}

/* Buckets holding a mutex wait begun before this capture (its end is a
 * cprof:block_end, its waker's a cprof:wake: claimed before the unlock). */
extern uint8_t cprof_wait_seeded_buckets[CPROF_WAIT_BUCKETS] CPROF_HIDDEN;
static inline int cprof_wait_seeded(const void *obj)
{
	return __atomic_load_n(&cprof_wait_seeded_buckets[cprof_wait_bucket_of((uint64_t)(uintptr_t)obj)],
		__ATOMIC_RELAXED);
}

/* Per-thread state of the interposers. */
extern CPROF_TLS int cprof_tls_guard;    /* >0: inside cprof, do not record */
extern CPROF_TLS int cprof_tls_ignored;  /* this thread is cprof's or lttng-ust's own */
extern CPROF_TLS struct cprof_thread *cprof_tls_self;

/* 1 while a capture is running (events are worth building). */
extern volatile int cprof_tracing;

void cprof_core_init(void) CPROF_HIDDEN;
uint64_t cprof_now_ns(void) CPROF_HIDDEN;           /* CLOCK_MONOTONIC_COARSE */
/* CLOCK_MONOTONIC, the clock of the trace's timestamps (vDSO, ~20 ns). */
static inline uint64_t cprof_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
pid_t cprof_gettid(void) CPROF_HIDDEN;

struct cprof_thread *cprof_thread_register(uint64_t start_routine, pid_t creator) CPROF_HIDDEN;
void cprof_thread_unregister(void) CPROF_HIDDEN;
/* The registry's first record (then ->next; records are never freed). */
struct cprof_thread *cprof_registry_head(void) CPROF_HIDDEN;
void cprof_thread_renamed(uint64_t handle, const char *name) CPROF_HIDDEN;
void cprof_atfork_child_core(void) CPROF_HIDDEN;
/* Waker side: claims the longest-waiting unclaimed thread blocked on obj
 * (all of them when `all`) and tells each it was woken: a wait reported
 * whole gets the waker's tid and the time in its record (no event), any
 * other a cprof:wake.  Returns how many were claimed. */
int cprof_wake_waiters(uint8_t kind, uint64_t obj, int all) CPROF_HIDDEN;
/* A waker's claim on the longest waiter on obj, made just before the waking
 * call (the wakee cannot have ended its wait yet), or just after it
 * (`after`: see claim_one): a whole wait of this capture gets the waker's
 * tid and the time in its record at once (no event); for any other, *owed
 * is the tid a cprof:wake is owed to.  Returns 0 when nobody was claimed. */
int cprof_wake_claim(uint64_t obj, pid_t *owed, int after) CPROF_HIDDEN;
/* Before a waking call whose wakee is claimed after it: this thread's tid
 * and obj in its CPU's word (*word; returns the CPU, -1 if none).  After the
 * call, retract: 0 if a wakee took the wake meanwhile (no claim then).  The
 * wakee's side, for a wait on obj that ended unclaimed: the waker's tid if
 * it took one announced on this CPU (or, if the wait slept, on any CPU),
 * else 0. */
int cprof_wake_announce(uint64_t obj, uint64_t *word) CPROF_HIDDEN;
int cprof_wake_retract(int cpu, uint64_t word) CPROF_HIDDEN;
pid_t cprof_wake_take_announced(uint64_t obj, int slept) CPROF_HIDDEN;
/* Capture number (bumped by each capture start), for waits left unwritten. */
extern volatile uint32_t cprof_capture_seq;
/* The owner's side of the above: publish / withdraw the current wait (the
 * record's wait_* fields) so wakers find it without scanning every thread. */
/* Marks t's current wait, what the status dump reads (not the waiter
 * buckets: cprof_wait_publish): a new wait number, and the tag a waker
 * reads - done_k, the record slot of a wait reported whole, -1 for any
 * other. */
static inline void cprof_wait_mark(struct cprof_thread *t, uint8_t kind, uint64_t obj, int done_k)
{
	t->wait_obj = obj;
	t->wait_since_ns = cprof_now_ns();
	t->wake_claimed = 0;
	uint32_t gen = t->wait_gen + 1;
	__atomic_store_n(&t->wait_tag, (uint64_t)gen << 8 | (uint8_t)(done_k + 1), __ATOMIC_RELAXED);
	__atomic_store_n(&t->wait_gen, gen, __ATOMIC_RELEASE);
	__atomic_store_n(&t->wait_kind, kind, __ATOMIC_RELEASE);
}
void cprof_wait_publish(struct cprof_thread *t, uint8_t kind, uint64_t obj, int done_k) CPROF_HIDDEN;
void cprof_wait_withdraw(struct cprof_thread *t) CPROF_HIDDEN;
/* While tracing, before a write to a pipe, eventfd or socketpair of
 * notify key `key`: stamps every other thread's network wait on that key
 * (the last writer before a wait ends is its waker). */
void cprof_notify_wake(uint32_t key) CPROF_HIDDEN;
/* The caller's network wait (t = its record) reads keys[0..n): entered in
 * the keyed-wait table, where writers find it; closed: removed. */
void cprof_keyed_wait_open(struct cprof_thread *t, const uint32_t *keys, int n) CPROF_HIDDEN;
void cprof_keyed_wait_close(struct cprof_thread *t) CPROF_HIDDEN;
/* The stamp of t's wait `gen` (the caller's own): 1 with the writer's tid
 * and time, 0 if none. */
int cprof_notify_stamp_read(struct cprof_thread *t, uint32_t gen, int32_t *tid, uint64_t *ns,
	uint32_t *key) CPROF_HIDDEN;
/* No waker may claim t's current wait any more (it ended; still published).
 * 1 if a waker had claimed it. */
int cprof_wait_close_claims(struct cprof_thread *t) CPROF_HIDDEN;
/* its wait ended without the object: no unlocker's ended wait (core.c) */
void cprof_wait_failed(struct cprof_thread *t) CPROF_HIDDEN;
/* What the waker of t's whole wait `gen`, ended at `end`, left in t's
 * record: 1 with its tid and CLOCK_MONOTONIC time, 0 if none. */
int cprof_wake_stamp_read(struct cprof_thread *t, int k, uint32_t gen, uint64_t end, int32_t *tid,
	uint64_t *ns) CPROF_HIDDEN;
/* Keeps the first frames of the current wait's stack in the record. */
void cprof_wait_stack_store(struct cprof_thread *t, const uint64_t *pcs, int n) CPROF_HIDDEN;
/* Copies thread t's current wait stack (another thread's record) if it is
 * consistent and belongs to the wait `gen`; returns the depth or 0. */
int cprof_wait_stack_read(struct cprof_thread *t, uint32_t gen, uint64_t *pcs) CPROF_HIDDEN;
void cprof_process_emit(void) CPROF_HIDDEN;
void cprof_wrap_init(void) CPROF_HIDDEN;       /* wrap_pthread.c: resolve real functions */

/* Called by the capture code (session.c) once lttng_start_tracing returned:
 * waits until this process's cprof tracepoints are live, then emits the
 * process, module and thread_status events. */
void cprof_core_on_trace_start(void) CPROF_HIDDEN;
/* Called just before the session is stopped: emits cprof:trace_end. */
void cprof_core_on_trace_stop(void) CPROF_HIDDEN;

/* Threads created while the current thread is in an "internal" section
 * (cprof's HTTP server, the session daemon spawner) are cprof's own and never
 * traced; the calling thread too. */
void cprof_internal_begin(void) CPROF_HIDDEN;
void cprof_internal_end(void) CPROF_HIDDEN;

/* Internal failures: switch tracing off for the failing feature, say so once
 * on stderr, count them (reported in trace_end / info.txt). */
void cprof_internal_error(const char *what, int err) CPROF_HIDDEN;
extern volatile uint64_t cprof_internal_errors;

/* ---- block.c ---------------------------------------------------------- */
/* A wait in steps, for a caller that tries once more before blocking:
 * prepare (publish the wait, take the stack), then either cancel (the retry
 * got it: no block is recorded) or commit and block, then finish.
 * Begun during a capture, the wait is reported whole at its finish: one
 * cprof:sync_wait naming its waker, instead of cprof:block_begin,
 * cprof:block_end and the waker's cprof:wake. */
struct cprof_block_pending {
	uint8_t kind;
	uint8_t whole;              /* reported by cprof:sync_wait */
	const void *obj;
	int n;                      /* stack depth, -1: no event to write */
	struct cprof_wait_done *d;  /* its slot, when whole */
	struct cprof_thread *owner; /* the record of that slot */
	uint64_t pcs[CPROF_STACK_MAX];
};
void cprof_block_prepare(struct cprof_block_pending *p, uint8_t kind, const void *obj)
	CPROF_HIDDEN __attribute__((noinline));
void cprof_block_commit(struct cprof_block_pending *p) CPROF_HIDDEN __attribute__((noinline));
void cprof_block_cancel(struct cprof_block_pending *p) CPROF_HIDDEN;
/* The end of a committed wait; result as in cprof:block_end. */
void cprof_block_finish(struct cprof_block_pending *p, int result) CPROF_HIDDEN
	__attribute__((noinline));
/* At thread exit: a whole wait (block.c) or network wait (wrap_sys.c) the
 * thread never returned from - pthread_cancel'ed in it - ends now with
 * ECANCELED instead of going unreported (err: the network wait's errno;
 * 1 if there was one). */
void cprof_block_abandon(struct cprof_thread *t) CPROF_HIDDEN;
int cprof_net_wait_abandon(struct cprof_thread *t, int err) CPROF_HIDDEN;
/* wrap_sys.c: a longjmp is leaving this thread's open I/O wait: end it. */
void cprof_left_by_longjmp(void) CPROF_HIDDEN;
void cprof_longjmp_init(void) CPROF_HIDDEN;        /* library init */
/* Capture stop: one cprof:sync_wait_open per wait reported whole that is
 * still going (and its cprof:status_stack). */
void cprof_sync_waits_report_open(void) CPROF_HIDDEN;
/* The stack of thread t's running whole wait `gen` (another thread's
 * record: checked against a concurrent end), up to max frames; 0 if none. */
int cprof_wait_open_stack(struct cprof_thread *t, uint32_t gen, uint64_t *pcs, int max)
	CPROF_HIDDEN;
/* Recording of one wait (slow paths only; errno preserved). */
void cprof_block_begin(uint8_t kind, const void *obj) CPROF_HIDDEN __attribute__((noinline));
/* The same for I/O waits marked before calls that often do not block at all
 * (a blocking socket with data ready): outside captures, no kept stack. */
void cprof_block_begin_io(uint8_t kind, const void *obj) CPROF_HIDDEN __attribute__((noinline));
void cprof_block_end(uint8_t kind, const void *obj, int result) CPROF_HIDDEN __attribute__((noinline));
/* Waker side: emits cprof:wake for the thread(s) it releases; how many
 * waits it claimed. */
int cprof_block_wake(uint8_t kind, const void *obj, int all) CPROF_HIDDEN __attribute__((noinline));
void cprof_object_name_emit(const void *obj, const char *name) CPROF_HIDDEN;
/* Waker side when the woken thread is known exactly (channels). */
void cprof_wake_emit(uint8_t kind, const void *obj, pid_t target_tid) CPROF_HIDDEN;
/* cprof_wake_claim for the wrappers (errno and the recursion guard kept),
 * before the waking call or `after` it: 1 if it claimed a wait; *owed: the
 * tid a cprof:wake is owed to after the waking call (cprof_wake_emit), 0 if
 * none. */
int cprof_block_claim(const void *obj, pid_t *owed, int after) CPROF_HIDDEN __attribute__((noinline));
/* Writes this thread's ended whole waits (cprof_tls_done says there are). */
extern CPROF_TLS int cprof_tls_done;
void cprof_waits_flush(void) CPROF_HIDDEN __attribute__((noinline));
static inline void cprof_waits_flush_if(void)
{
	if (__builtin_expect(cprof_tls_done, 0) && !cprof_tls_guard)
		cprof_waits_flush();
}
/* The thread that stops a capture writes every thread's ended whole waits. */
void cprof_waits_flush_all(void) CPROF_HIDDEN;
/* Frees t's slots (a recycled record, or all of them in a fork child where
 * no writer survives); a slot being written by a capture's stopper is left
 * to it unless `all`. */
void cprof_wait_slots_clear(struct cprof_thread *t, int all) CPROF_HIDDEN;

/* ---- annotate.c -------------------------------------------------------- */
/* Re-emits the object names given so far (called at capture start). */
void cprof_annotate_on_trace_start(void) CPROF_HIDDEN;

/* ---- stack.c ---------------------------------------------------------- */
void cprof_stack_init(void) CPROF_HIDDEN;
/* Fills pcs[] with return addresses, innermost first, from the caller of
 * cprof's entry point; returns the depth (bounded by CPROF_STACK_DEPTH,
 * default 32). */
int cprof_stack_capture(uint64_t *pcs) CPROF_HIDDEN;
/* The same with at most `max` frames; `full` = 0: only what the fast walker
 * (unwind.c) handles, never libunwind - for stacks taken outside captures,
 * where an odd stack (coroutines, signal stacks) must cost nothing and risk
 * nothing. */
int cprof_stack_walk(uint64_t *pcs, int max, int full) CPROF_HIDDEN;

/* ---- logging ---------------------------------------------------------- */
/* One line on stderr, prefixed "cprof: ", without allocating. */
void cprof_log(const char *fmt, ...) CPROF_HIDDEN __attribute__((format(printf, 1, 2)));

/* ---- session.c -------------------------------------------------------- */
struct cprof_session_opts {
	size_t subbuf_size;    /* bytes, power of two; 0 = CPROF_SUBBUF_SIZE env or 1 MiB */
	unsigned num_subbuf;   /* power of two; 0 = CPROF_NUM_SUBBUF env, else a 64 MiB
	                        * budget over the CPUs (session.c), at least 8 */
};
struct cprof_session;      /* one LTTng session tracing this process */
struct cprof_session_result {
	uint64_t discarded_events;
	uint64_t lost_packets;
	int64_t start_ns, end_ns;   /* CLOCK_REALTIME */
};
/* Ensures a session daemon (spawning lttng-sessiond if none is
 * alive), creates a per-PID session tracking getpid() into a fresh temporary
 * directory, starts it and calls cprof_core_on_trace_start().
 * Returns 0 or a negative errno (-EBUSY if a capture is already running,
 * -EHOSTDOWN if no session daemon can be reached or started), with a message
 * in err. */
int cprof_session_start(const struct cprof_session_opts *opts,
		struct cprof_session **out, struct cprof_error *err) CPROF_HIDDEN;
/* Stops, destroys the LTTng session and writes trace.out to fd (archive.c);
 * removes the temporary directory.  Always frees s. */
int cprof_session_finish(struct cprof_session *s, int out_fd, double seconds,
		struct cprof_session_result *res, struct cprof_error *err) CPROF_HIDDEN;
/* Abandons a capture (client went away): the next capture can start at
 * once; the session is destroyed, its data deleted and s freed by a
 * background thread (the destruction waits for the consumer daemon: 0.7 s
 * up to several seconds), which cprof_session_drain() waits for. */
void cprof_session_abort(struct cprof_session *s) CPROF_HIDDEN;
/* The same, done when it returns (before an exec). */
void cprof_session_abort_sync(struct cprof_session *s) CPROF_HIDDEN;

/* ---- api.c: a whole-run trace across exec ------------------------------- */
/* Before this process execs: if it owns a CPROF_TRACE whole-run trace, the
 * trace is dropped (its session destroyed, its file removed) and handed to
 * the new image, which starts its own into the same path: returns that path
 * (for CPROF_TRACE in the new environment), else NULL.  After a failed
 * exec, cprof_exec_failed(path) starts the trace again. */
const char *cprof_exec_handover(void) CPROF_HIDDEN;
/* Before an exec into an image that will not load cprof: finishes (writes)
 * this process's CPROF_TRACE trace, if it owns one. */
void cprof_exec_finish(void) CPROF_HIDDEN;
void cprof_exec_failed(const char *path) CPROF_HIDDEN;
/* The same for the endpoint a CPROF_HTTP process serves: stopped (a capture
 * in progress destroyed), its address returned for CPROF_HTTP in the new
 * environment; started again by cprof_exec_http_failed(addr). */
const char *cprof_exec_http_handover(void) CPROF_HIDDEN;
/* daemon(): the same, with the port it served on in the address */
const char *cprof_daemon_http_handover(void) CPROF_HIDDEN;
void cprof_exec_http_failed(const char *addr) CPROF_HIDDEN;
/* daemon() (wrap_pthread.c): cprof_exec_handover's, keeping the
 * temporary file open and locked (its name in tmp, its fd in *fd); in the
 * daemon process, after fork's
 * child resets, the whole-run trace (path) and the endpoint (addr) handed
 * over before the fork start again (either may be NULL), and the kept
 * temporary file is closed and removed. */
const char *cprof_daemon_handover(char *tmp, size_t size, int *fd) CPROF_HIDDEN;
void cprof_daemon_child(const char *path, const char *addr, const char *old_tmp, int old_fd)
	CPROF_HIDDEN;
/* setsid() succeeded (wrap_pthread.c): a fork child of the process serving
 * CPROF_HTTP takes the endpoint over once that process is gone. */
void cprof_api_setsid(void) CPROF_HIDDEN;
/* The pid that last forked through cprof's fork() or forkpty() (a fork
 * child's parent, whatever getppid() says now). */
extern pid_t cprof_fork_parent CPROF_HIDDEN;


/* ---- wrap_net.c: fds the program may not close ---------------------------- */
/* Marks fd as cprof's (own = 1) or not any more (0, before cprof closes it):
 * the program's close, closefrom and close_range leave it open (EBADF),
 * as they leave lttng-ust's.  At most 8 at a time. */
void cprof_own_fd(int fd, int own) CPROF_HIDDEN;
void cprof_own_fds_forget(void) CPROF_HIDDEN;   /* fork child */
/* liblttng-ctl asserts that the socket it opens to the session daemon is
 * not fd 0 (lttcomm_send_creds_unix_sock: assert(sock)): a program that had
 * closed its stdin died of SIGABRT at a capture start or stop (coreutils'
 * rm and wc close it before exit; daemons close it, and then fd 0 is the
 * next fd anyone gets: an HTTP client's connection, lttng-ust's socket).
 * session.c's entry points that talk to the daemon run between these
 * (nesting): meanwhile socket() (wrap_fd.c) moves a socket this thread
 * makes on fds 0-2 above them. */
extern CPROF_TLS int cprof_tls_ctl;
static inline void cprof_ctl_enter(void)
{
	cprof_tls_ctl++;
}
static inline void cprof_ctl_leave(void)
{
	cprof_tls_ctl--;
}
void cprof_close_init(void) CPROF_HIDDEN;        /* library init */

/* A fork child does not register with the session daemon until it starts a
 * capture of its own (wrap_pthread.c, fork): meanwhile socket() refuses the
 * sockets lttng-ust's listener threads ask for (wrap_fd.c). */
extern int cprof_ust_quiet CPROF_HIDDEN;
extern CPROF_TLS int cprof_tls_ust_refused;   /* this thread's socket() was refused */
int cprof_ust_caller(const void *ret_addr) CPROF_HIDDEN;
void cprof_ust_register(void) CPROF_HIDDEN;   /* session.c: at a capture start */
unsigned cprof_ust_quiet_sleep(unsigned s) CPROF_HIDDEN;   /* wrap_sys.c: sleep() */
extern int cprof_fd_program_ready CPROF_HIDDEN;  /* fdtable.c */

/* ---- api.c ------------------------------------------------------------ */
/* Called once at the end of library init (core.c constructor): honours
 * CPROF_HTTP=addr (start the endpoint) and CPROF_TRACE=path (trace the whole
 * run: start now, write the file at exit or on SIGINT/SIGTERM), then removes
 * both variables from the environment so exec'd children do not inherit them. */
void cprof_api_env_init(void) CPROF_HIDDEN;
/* Called in the child after fork(): the child owns no session and no server. */
void cprof_api_atfork_child(void) CPROF_HIDDEN;

/* ---- modules.c -------------------------------------------------------- */
/* Emits one cprof:module event per loaded module. */
void cprof_modules_emit(void) CPROF_HIDDEN;

/* ---- capture helpers (session.c, archive.c, modules.c, http.c, api.c) -- */

/* Fills err (when not NULL) with code and a one-line message; returns code. */
int cprof_error_set(struct cprof_error *err, int code, const char *fmt, ...)
	CPROF_HIDDEN __attribute__((format(printf, 3, 4)));

/* session.c: in a fork child, forget the parent's capture (it is not ours). */
void cprof_session_atfork_child(void) CPROF_HIDDEN;
/* session.c: cprof_session_finish leaves the LTTng destroy to a background
 * thread; this waits for those (exit paths: nothing may be left behind). */
void cprof_session_drain(void) CPROF_HIDDEN;
/* sessiond.c: 0 once a session daemon answers (spawning lttng-sessiond
 * in this process's session if none is alive), else -EHOSTDOWN with the
 * reason in err. */
int cprof_sessiond_ensure(struct cprof_error *err) CPROF_HIDDEN;

/* archive.c: what cprof/info.txt says about a capture. */
struct cprof_archive_info {
	double seconds;                 /* requested duration, 0 for whole-run */
	int64_t start_ns, end_ns;       /* CLOCK_REALTIME */
	uint64_t discarded_events;
	uint64_t lost_packets;
	size_t subbuf_size;
	unsigned num_subbuf;
};
/* Writes trace.out (TRACE_FORMAT.md) to fd: cprof/ metadata, then every
 * regular file under ctf_dir as ctf/<relative path>.  fd stays open. */
int cprof_archive_write(int fd, const char *ctf_dir,
		const struct cprof_archive_info *info, struct cprof_error *err) CPROF_HIDDEN;
/* Removes dir and everything below it (no symlink is followed). */
int cprof_archive_rmtree(const char *dir) CPROF_HIDDEN;

/* modules.c: one loaded object (main program, shared library, vdso). */
struct cprof_module {
	char *path;                     /* owned; "[vdso]" for the vdso */
	uint64_t start, end;            /* runtime range covered by PT_LOAD */
	uint64_t bias;                  /* runtime address = bias + ELF vaddr */
	uint8_t build_id[64];
	uint8_t build_id_len;           /* 0: none */
	uint8_t is_vdso;
};
/* Snapshot of the loaded modules, main program first.  Free with
 * cprof_modules_free. */
int cprof_modules_list(struct cprof_module **out, size_t *n) CPROF_HIDDEN;
void cprof_modules_free(struct cprof_module *mods, size_t n) CPROF_HIDDEN;
/* Function symbols of m as "value<TAB>size<TAB>name\n" lines sorted by value
 * (value relative to the bias, hex).  *text is malloc'd (owned by the caller).
 * -ENOENT/-ENOEXEC when the module's file cannot be read or is not ELF64. */
int cprof_modules_symbols(const struct cprof_module *m, char **text, size_t *len) CPROF_HIDDEN;

/* http.c: the /debug/pprof endpoint behind cprof_http_start/port/stop. */
int cprof_httpd_start(const char *addr, struct cprof_error *err) CPROF_HIDDEN;
int cprof_httpd_port(void) CPROF_HIDDEN;
int cprof_httpd_stop(void) CPROF_HIDDEN;
void cprof_httpd_atfork_child(void) CPROF_HIDDEN;
/* ---- wrap_alloc.c, memstats.c, gc.c (memory, issue 7) ------------------ */
struct cprof_heap_totals {
	int64_t inuse_bytes, inuse_objects;   /* usable bytes / blocks live */
	uint64_t alloc_bytes, allocs;         /* cumulative */
};
extern int cprof_alloc_enabled;       /* 0 when CPROF_ALLOC=0 */
/* Reads env, resolves the real allocator, hooks Boehm GC (idempotent; also
 * run by a constructor). */
void cprof_alloc_init(void) CPROF_HIDDEN;
int64_t cprof_alloc_sample_rate(void) CPROF_HIDDEN;
int64_t cprof_alloc_heap_delta(void) CPROF_HIDDEN;
/* Folds the calling thread's deltas, then reads the process totals. */
void cprof_heap_read_totals(struct cprof_heap_totals *out) CPROF_HIDDEN;
/* Emits cprof:heap / cprof:mallinfo now (caller checked cprof_tracing). */
void cprof_heap_emit(void) CPROF_HIDDEN;
/* Asks every thread to fold its deltas at its next allocator call. */
void cprof_heap_fold_request(void) CPROF_HIDDEN;
void cprof_mallinfo_emit(void) CPROF_HIDDEN;
void cprof_memstats_init(void) CPROF_HIDDEN;
void cprof_memstats_atfork_child(void) CPROF_HIDDEN;
/* Called by cprof_core_on_trace_start (after tracing is on) and
 * cprof_core_on_trace_stop (before trace_end): alloc_config, the periodic
 * heap + mallinfo thread, Boehm GC re-hook. */
void cprof_alloc_on_trace_start(void) CPROF_HIDDEN;
void cprof_alloc_on_trace_stop(void) CPROF_HIDDEN;
void cprof_gc_init(void) CPROF_HIDDEN;
void cprof_gc_on_trace_start(void) CPROF_HIDDEN;
int cprof_gc_boehm_hooked(void) CPROF_HIDDEN;

/* ---- fdtable.c, wrap_net.c, wrap_sys.c (network and syscalls, issue 6) - */
/* Called by cprof_core_on_trace_start (after tracing is on): starts a new fd
 * epoch and emits cprof:fd_info for every open fd.  Until core.c calls it,
 * the first recorded I/O event of a capture does the same (later). */
void cprof_fdtable_on_trace_start(void) CPROF_HIDDEN;
/* Called by cprof_core_on_trace_stop (before trace_end): ends the epoch. */
void cprof_fdtable_on_trace_stop(void) CPROF_HIDDEN;

#endif
