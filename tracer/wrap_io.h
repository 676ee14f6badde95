/* wrap_io.h: what fdtable.c and wrap_{net,fd,sys}.c share (not used
 * elsewhere): the fd table's hot-path lookups, the recording guard, real
 * function resolution, the monotonic clock and the slow-path emitters.
 *
 * The fd table maps an fd to what it is (socket, file, pipe...), whether it
 * is non-blocking, and per-trace byte counters.  Entries live in chunks of
 * 1024 allocated with mmap on first use (fds up to 2^20; larger fds are
 * simply not tracked); hot-path reads are plain loads, races between threads
 * using the same fd only cost accuracy of a counter. */
#ifndef CPROF_WRAP_IO_H
#define CPROF_WRAP_IO_H

#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "internal.h"

#define IO_EXPORT __attribute__((visibility("default")))
#define io_likely(x) __builtin_expect(!!(x), 1)
#define io_unlikely(x) __builtin_expect(!!(x), 0)

#define CPROF_FD_CHUNK_BITS 10
#define CPROF_FD_CHUNK (1 << CPROF_FD_CHUNK_BITS)
#define CPROF_FD_CHUNKS 1024                 /* fds 0 .. 2^20-1 */

/* entry flags */
#define CPROF_FDF_NB_KNOWN 1    /* FDF_NONBLOCK is valid */
#define CPROF_FDF_NONBLOCK 2    /* O_NONBLOCK set on the open file description */
#define CPROF_FDF_NO_PROBE 4    /* SO_RCVLOWAT > 1: no MSG_DONTWAIT read probe; pipes: no RWF_NOWAIT */
#define CPROF_FDF_TTY 16        /* a character device that is a terminal: reads block */
#define CPROF_FDF_NOTIFY 32     /* an inotify or fanotify fd: reads block for events */
#define CPROF_FDF_WKEY_DONE 64  /* a TCP socket's notify key looked for (wkey: 0 if none) */
#define CPROF_FDF_EP_PENDING 128 /* in an epoll set as a pending key (CPROF_KEY_PENDING) */
#define CPROF_FDF_PROGRAM 8     /* made by the program's own call (not lttng-ust's, not
                                 * cprof's, not before cprof's constructor): its close
                                 * need not go through lttng-ust's fd tracker */

#define CPROF_EP_KEYS 4
struct cprof_fd {
	volatile uint8_t type;          /* enum cprof_fd_type; UNKNOWN = classify */
	volatile uint8_t flags;         /* CPROF_FDF_* */
	volatile uint8_t sotype;        /* SOCK_* for sockets */
	volatile uint8_t busy;          /* fd_info emission in progress */
	volatile uint16_t family;       /* AF_* for sockets */
	volatile uint16_t ep_listed;    /* an epoll fd with notify keys, in ep_fds (fdtable.c) */
	volatile uint32_t gen;          /* bumped at each (re)assignment of the fd */
	volatile uint32_t info_gen;     /* fd_info emitted for (info_gen, info_epoch) */
	volatile uint32_t info_epoch;
	/* a pipe's, eventfd's or socket end's notify key (cprof_fd_notify_key;
	 * 0: none, or not computed yet) */
	volatile uint32_t wkey;
	volatile uint64_t bytes_in, bytes_out, ops;   /* while tracing, this epoch */
	/* an epoll fd: the notify keys of the members of its interest set read
	 * for input (epoll_ctl; the first CPROF_EP_KEYS) */
	volatile uint32_t ep_keys[CPROF_EP_KEYS];
} __attribute__((aligned(64)));  /* one line per fd: the counters of neighbouring fds
				  * (other threads' connections) do not share it */

extern struct cprof_fd *cprof_fd_chunks[CPROF_FD_CHUNKS];  /* owned; never freed */
/* The chunk in *slot, mapped (bytes, zeroed) by the first caller to need it;
 * NULL with errno when mmap fails.  Never freed. */
void *cprof_chunk_get(void **slot, size_t bytes) CPROF_HIDDEN;
extern volatile uint32_t cprof_fd_epoch;     /* current trace epoch (0: none yet) */
extern volatile int cprof_fd_epoch_live;     /* the epoch belongs to the running capture */
extern uint64_t cprof_span_min_ns;           /* CPROF_SYSCALL_MIN_US */

static inline int cprof_io_recording(void)
{
	return !cprof_tls_guard && !cprof_tls_ignored;
}

/* The entry of fd if its chunk exists, else NULL (no allocation). */
static inline struct cprof_fd *cprof_fd_peek(int fd)
{
	if (io_unlikely((unsigned)fd >= CPROF_FD_CHUNK * CPROF_FD_CHUNKS))
		return 0;
	struct cprof_fd *c = cprof_fd_chunks[(unsigned)fd >> CPROF_FD_CHUNK_BITS];
	return c ? &c[fd & (CPROF_FD_CHUNK - 1)] : 0;
}

/* The entry of fd, allocating its chunk; NULL if fd is out of range or
 * memory is short. */
struct cprof_fd *cprof_fd_get(int fd) CPROF_HIDDEN;
/* Fills type/family/sotype (fstat, getsockopt) and returns the type. */
int cprof_fd_classify(int fd) CPROF_HIDDEN __attribute__((noinline));
/* Non-zero if fd is known or found (fcntl) to be non-blocking. */
int cprof_fd_nonblocking(int fd) CPROF_HIDDEN;

/* The fd's type, classified on first use. */
static inline int cprof_fd_type(int fd)
{
	struct cprof_fd *e = cprof_fd_peek(fd);
	if (io_likely(e && e->type))
		return e->type;
	return cprof_fd_classify(fd);
}

/* Table updates, called by the wrappers that create, copy or close fds
 * (always, traced or not; errno preserved). */
void cprof_fd_created(int fd, int type, int family, int sotype, int nonblock) CPROF_HIDDEN;
void cprof_fd_copied(int from, int to) CPROF_HIDDEN;
void cprof_fd_closed(int fd) CPROF_HIDDEN;
void cprof_fd_set_flag(int fd, uint8_t flag, int on) CPROF_HIDDEN;

/* Notify keys: what a write to a pipe, an eventfd or a socketpair and a
 * wait for its input have in common, so the writer can name itself the
 * waiter's waker (and a read of it, a writer's blocked on it: the key |
 * CPROF_KEY_DRAIN).  A pipe's both ends share their inode (key 1..2^29-1
 * from it); a socketpair's ends get a key each when made (2^30 | a sequence
 * number << 1 | the end); the two ends of a TCP connection over loopback
 * that are both this process's get theirs (2^30 | a hash of its addresses
 * | the end) when, during a capture, the second of them is asked; an
 * eventfd's is 2^31 | its fd when first asked (fds copied afterwards by dup
 * share it).  0: fd is none of them. */
uint32_t cprof_fd_notify_key(int fd) CPROF_HIDDEN;
#define CPROF_KEY_DRAIN 0x20000000u     /* no other key has this bit */
/* The key of the end a write to (a read of) the end of key k reaches: a
 * socket's two ends have k and k ^ 1 (2^30..2^31-1: socketpairs and
 * in-process connections), a pipe's or an eventfd's one key. */
static inline uint32_t cprof_notify_partner(uint32_t k)
{
	return (k & 0xc0000000u) == 0x40000000u ? k ^ 1 : k;
}
/* socketpair made sv: its ends get their notify keys */
void cprof_fd_pair_keyed(const int sv[2]) CPROF_HIDDEN;
/* epoll_ctl(epfd, op, fd, events) succeeded: epfd's notify keys follow */
void cprof_fd_epoll_track(int epfd, int op, int fd, uint32_t events, uint64_t data) CPROF_HIDDEN;
/* An epoll set's member whose key is not known yet (a TCP socket added
 * outside a capture, or before its peer's end was seen): KEY_PENDING | fd
 * in the set's keys, looked for by the set's waits during a capture
 * (cprof_fd_ep_key). */
#define CPROF_KEY_PENDING 0xc0000000u
/* Key i of epoll entry ep for a wait: k itself, or a pending member's key
 * once known (then kept in the set), else 0. */
uint32_t cprof_fd_ep_key(struct cprof_fd *ep, int i, uint32_t k) CPROF_HIDDEN;
/* epoll_wait on epfd returned ev[0..n): the keys of its members that fired
 * (matched by the program's data given to epoll_ctl), up to max; -1 if
 * unknown (the set is not kept). */
struct epoll_event;
int cprof_fd_epoll_fired(int epfd, const struct epoll_event *ev, int n, uint32_t *keys, int max)
	CPROF_HIDDEN;

/* While tracing: count bytes moved on a socket (blocking or not). */
static inline void cprof_fd_count(int fd, int64_t in, int64_t out)
{
	struct cprof_fd *e = cprof_fd_peek(fd);
	if (e) {
		/* plain load + store: no lock prefix on the hot path */
		if (in > 0)
			e->bytes_in += (uint64_t)in;
		if (out > 0)
			e->bytes_out += (uint64_t)out;
		e->ops++;
	}
}

/* Slow paths (tracing only; errno preserved). */
/* Emits cprof:fd_info for fd unless already done for this fd and epoch;
 * starts the epoch (fd dump) if the capture has none yet. */
void cprof_fd_info_ensure(int fd) CPROF_HIDDEN __attribute__((noinline));
/* Emits cprof:fd_info now (accept/connect), with the peer when known. */
void cprof_fd_info_emit(int fd, uint8_t origin, const struct sockaddr *peer,
		socklen_t peer_len) CPROF_HIDDEN;
/* Emits cprof:fd_close for a socket with its counters (read before the
 * entry was reset). */
void cprof_fd_close_emit(int fd, uint8_t op, int err, uint64_t in, uint64_t out, uint64_t ops)
	CPROF_HIDDEN;

/* A wait recorded as block_begin ... net_end/syscall_end ... block_end, or
 * (network waits begun while tracing) as one cprof:net_wait at its end. */
struct cprof_io_wait {
	uint64_t t0;            /* CLOCK_MONOTONIC at begin */
	uint8_t kind;           /* enum cprof_wait_kind */
	uint8_t whole;          /* reported whole by cprof_net_wait_end */
	uint32_t gen;           /* the thread's wait_gen of a whole wait */
	/* what ended the wait: 1 what its notify key names (a read or write
	 * of that fd), 0 the fds whose keys are in fired_keys (a poll's ready
	 * ones), -1 unknown (epoll: its events carry the program's data, not
	 * fds) */
	int8_t fired;
	uint8_t nfired;
	uint32_t fired_keys[4];
	uint64_t obj;
};
void cprof_io_wait_begin(struct cprof_io_wait *w, uint8_t kind, uint64_t obj) CPROF_HIDDEN
	__attribute__((noinline));
/* Begins a network wait of kind on fd (the libc call op): while tracing, no
 * event now - cprof_net_wait_end reports it whole (cprof:net_wait), and a
 * capture that stops first reports it open (cprof_net_waits_report_open);
 * otherwise as cprof_io_wait_begin (the thread's wait is marked either way,
 * for the status dump).  While tracing, the notify keys of what the wait
 * reads (fd, or the polled fds, or an epoll fd's set) are kept with the
 * mark, for a writer to name itself its waker. */
void cprof_net_wait_begin(struct cprof_io_wait *w, uint8_t kind, uint8_t op, int fd,
	const int32_t *fds, int nfds) CPROF_HIDDEN
	__attribute__((noinline));
/* cprof:net_wait_open for every thread inside a whole network wait (trace
 * stop, guard held by the caller, tracing still on). */
void cprof_net_waits_report_open(void) CPROF_HIDDEN;
/* result < 0: err is the errno (or the returned error number). */
void cprof_net_wait_end(struct cprof_io_wait *w, uint8_t op, int fd, int64_t result, int err,
		const int32_t *fds, int nfds) CPROF_HIDDEN __attribute__((noinline));
void cprof_sys_wait_end(struct cprof_io_wait *w, int nr, const char *name, int64_t result,
		int err) CPROF_HIDDEN __attribute__((noinline));
/* fcntl(fd, F_SETLKW or F_OFD_SETLKW, fl) through fn, as a wait (wrap_ipc.c) */
struct flock;
int cprof_fcntl_lock_wait(int (*fn)(int, int, ...), int fd, int cmd, struct flock *fl) CPROF_HIDDEN;

/* A syscall timed only while tracing, emitted if it took cprof_span_min_ns. */
static inline uint64_t cprof_span_start(void)
{
	return io_unlikely(cprof_tracing) ? cprof_mono_ns() : 0;
}
void cprof_span_emit(int nr, const char *name, int fd, int64_t result, int err, uint64_t dur)
	CPROF_HIDDEN __attribute__((noinline));
static inline void cprof_span_end(uint64_t t0, int nr, const char *name, int fd, int64_t result)
{
	if (io_unlikely(t0)) {
		uint64_t d = cprof_mono_ns() - t0;
		if (d >= cprof_span_min_ns)
			cprof_span_emit(nr, name, fd, result, result < 0 ? errno : 0, d);
	}
}

/* dlsym(RTLD_NEXT, name), logging once per missing function. */
void *cprof_io_resolve(const char *name) CPROF_HIDDEN;

/* Real functions: declare with IO_REAL_DECL(name), call through IO_REAL(name)
 * (NULL only if libc lacks it: the wrapper then fails with ENOSYS). */
#define IO_REAL_DECL(name) static __typeof__(name) *real_##name
#define IO_REAL(name) (io_likely(real_##name != 0) ? real_##name : \
	(real_##name = (__typeof__(real_##name))cprof_io_resolve(#name)))
#define NOSYS_IF_MISSING(name, ret) \
	do { if (io_unlikely(!IO_REAL(name))) { errno = ENOSYS; return ret; } } while (0)

#endif
