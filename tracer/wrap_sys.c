/* wrap_sys.c: potentially blocking libc-wrapped syscalls, and the emitters
 * every I/O wrapper shares.
 *
 * Two shapes (tracer/EVENTS.md):
 *  - waits known before they start - the sleep family, fsync/fdatasync,
 *    waitpid & co. once a WNOHANG probe found nothing, futex waits - are
 *    block_begin(kind SLEEP/SYSCALL/FUTEX) ... syscall_end + block_end, with
 *    the thread's wait marked even when no capture runs (status dump);
 *  - calls that may or may not block and cannot be probed (file read/write,
 *    pread/pwrite, open) are timed while tracing only and emitted as one
 *    cprof:syscall_span when they took at least CPROF_SYSCALL_MIN_US.
 * Return values and errno are the real calls'. */
/* The wrappers define the plain symbols (open, pread...) and the *64 ones
 * side by side: no LFS redirection, no fortify inlines here. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wrap_io.h"
#include "cprof_tp.h"

/* ---- shared emitters --------------------------------------------------------- */

void cprof_io_wait_begin(struct cprof_io_wait *w, uint8_t kind, uint64_t obj)
{
	w->kind = kind;
	w->obj = obj;
	w->whole = 0;
	w->t0 = cprof_tracing ? cprof_mono_ns() : 0;
	cprof_block_begin_io(kind, (const void *)(uintptr_t)obj);
}

/* ---- network waits reported whole --------------------------------------------
 * A network wait begun while tracing costs one event (cprof:net_wait, at its
 * end) instead of three.  What the missing begin event gave - "this thread is
 * blocked" while the wait lasts - is kept in memory: the thread's registry
 * record (status dump at the next capture's start) and a per-thread open-wait
 * record here, walked when a capture stops so waits still open then are in
 * the trace (cprof:net_wait_open).  Open-wait records are claimed by registry
 * record (core.c recycles those for new threads, so these follow), never
 * freed; chunks of 64 come from mmap (no dependency on the allocator). */
struct net_open {
	struct cprof_thread *owner;     /* the registry record this one follows */
	volatile uint64_t t0;           /* CLOCK_MONOTONIC at the wait's begin, 0: none */
	volatile int32_t tid, fd;
	volatile uint8_t kind, op;
} __attribute__((aligned(64)));

#define NET_OPEN_CHUNK 64
#define NET_OPEN_CHUNKS 1024
static struct net_open *net_open_chunks[NET_OPEN_CHUNKS];
static volatile uint32_t net_open_count;       /* records handed out */
static CPROF_TLS struct net_open *net_open_self;

static struct net_open *net_open_at(uint32_t i)
{
	struct net_open *c = cprof_chunk_get((void **)&net_open_chunks[i / NET_OPEN_CHUNK],
		sizeof *c * NET_OPEN_CHUNK);
	return c ? &c[i % NET_OPEN_CHUNK] : NULL;
}

/* This thread's open-wait record (slow path once per thread; errno kept by
 * the caller). */
static struct net_open *net_open_get(struct cprof_thread *t)
{
	struct net_open *o = net_open_self;
	if (io_likely(o && o->owner == t))
		return o;
	uint32_t n = __atomic_load_n(&net_open_count, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n; i++) {
		o = net_open_at(i);
		/* the record of a thread that ended: its registry record is ours now */
		if (o && __atomic_load_n(&o->owner, __ATOMIC_ACQUIRE) == t)
			return net_open_self = o;
	}
	uint32_t i = __atomic_fetch_add(&net_open_count, 1, __ATOMIC_ACQ_REL);
	if (i >= NET_OPEN_CHUNK * NET_OPEN_CHUNKS || !(o = net_open_at(i)))
		return NULL;    /* the wait is then reported at its end only */
	o->t0 = 0;
	__atomic_store_n(&o->owner, t, __ATOMIC_RELEASE);
	return net_open_self = o;
}

/* How long before an epoll wait's end a stamp may be to name its waker
 * (the wake's latency on a loaded machine; older, it is more likely a
 * write that woke another waiter of the set, or none). */
#define NOTIFY_RECENT_NS (20 * 1000 * 1000)

/* The stamp of key, written ago ns before the end, is for what ended w. */
static int notify_fired(const struct cprof_io_wait *w, uint32_t key, uint64_t ago)
{
	if (w->fired > 0)
		return 1;
	if (w->fired < 0)
		return ago <= NOTIFY_RECENT_NS;
	for (int i = 0; i < w->nfired; i++)
		if (w->fired_keys[i] == key)
			return 1;
	return 0;
}

/* t's network wait with notify keys ended: out of the keyed-wait table. */
static inline void keyed_close(struct cprof_thread *t)
{
	if (t->kw_n)
		cprof_keyed_wait_close(t);
}

/* The notify keys of what a network wait of op on fd (or fds) reads. */
static int wait_keys(uint8_t op, int fd, const int32_t *fds, int nfds, uint32_t *keys)
{
	int n = 0;
	if (op == CPROF_NET_EPOLL_WAIT || op == CPROF_NET_EPOLL_PWAIT) {
		struct cprof_fd *e = cprof_fd_peek(fd);
		for (int i = 0; e && i < CPROF_EP_KEYS && n < CPROF_WAIT_KEYS; i++) {
			uint32_t k = __atomic_load_n(&e->ep_keys[i], __ATOMIC_RELAXED);
			if (k && (k = cprof_fd_ep_key(e, i, k)) != 0)
				keys[n++] = k;
		}
		return n;
	}
	if (!fds) {
		fds = &fd;
		nfds = fd >= 0 ? 1 : 0;
	}
	for (int i = 0; i < nfds && n < CPROF_WAIT_KEYS; i++) {
		uint32_t k = cprof_fd_notify_key(fds[i]);
		if (k)
			keys[n++] = k;
	}
	return n;
}

void cprof_net_wait_begin(struct cprof_io_wait *w, uint8_t kind, uint8_t op, int fd,
		const int32_t *fds, int nfds)
{
	uint64_t obj = fd >= 0 ? (uint64_t)fd : 0;     /* -1: a poll on no fd */
	if (!cprof_tracing || !lttng_ust_tracepoint_enabled(cprof, net_wait)) {
		cprof_io_wait_begin(w, kind, obj);
		return;
	}
	cprof_waits_flush_if();
	int saved = errno;
	struct cprof_thread *t = cprof_tls_self;
	if (io_unlikely(!t)) {
		cprof_tls_guard++;
		t = cprof_thread_register(0, 0);
		cprof_tls_guard--;
	}
	w->kind = kind;
	w->obj = obj;
	w->whole = 1;
	w->fired = op == CPROF_NET_EPOLL_WAIT || op == CPROF_NET_EPOLL_PWAIT ? -1 : 1;
	w->nfired = 0;
	w->t0 = cprof_mono_ns();
	if (t) {
		/* cprof_wait_publish's mark without the waiter buckets (a
		 * network wait's wakers find it by its notify keys, below); a
		 * new wait_gen: no stack is stored for this wait, the previous
		 * wait's is not its */
		uint32_t keys[CPROF_WAIT_KEYS];
		/* (a connect's or accept's fd: no data it waits for; a write
		 * waits for a reader to drain it) */
		int nk = kind == CPROF_WAIT_NET_CONNECT || kind == CPROF_WAIT_NET_ACCEPT ? 0 :
			wait_keys(op, fd, fds, nfds, keys);
		if (kind == CPROF_WAIT_NET_WRITE)
			for (int i = 0; i < nk; i++)
				keys[i] |= CPROF_KEY_DRAIN;
		for (int i = 0; i < nk; i++)
			__atomic_store_n(&t->wait_keys[i], keys[i], __ATOMIC_RELAXED);
		__atomic_store_n(&t->wait_nkeys, (uint8_t)nk, __ATOMIC_RELAXED);
		keyed_close(t);         /* (a wait a signal handler's longjmp left) */
		cprof_wait_mark(t, kind, obj, -1);
		w->gen = t->wait_gen;
		if (nk) {
			__atomic_store_n(&t->wait_keys_gen, w->gen, __ATOMIC_RELEASE);
			cprof_keyed_wait_open(t, keys, nk);
		}
		struct net_open *o = net_open_get(t);
		if (o) {
			o->tid = t->tid;
			o->fd = fd;
			o->kind = kind;
			o->op = op;
			__atomic_store_n(&o->t0, w->t0, __ATOMIC_RELEASE);
		}
	}
	errno = saved;
}

void cprof_net_waits_report_open(void)
{
	if (!lttng_ust_tracepoint_enabled(cprof, net_wait_open))
		return;
	uint64_t now = cprof_mono_ns();
	uint32_t n = __atomic_load_n(&net_open_count, __ATOMIC_ACQUIRE);
	if (n > NET_OPEN_CHUNK * NET_OPEN_CHUNKS)
		n = NET_OPEN_CHUNK * NET_OPEN_CHUNKS;
	for (uint32_t i = 0; i < n; i++) {
		struct net_open *o = net_open_chunks[i / NET_OPEN_CHUNK] ?
			&net_open_chunks[i / NET_OPEN_CHUNK][i % NET_OPEN_CHUNK] : NULL;
		struct cprof_thread *t = o ? __atomic_load_n(&o->owner, __ATOMIC_ACQUIRE) : NULL;
		uint64_t t0 = o ? __atomic_load_n(&o->t0, __ATOMIC_ACQUIRE) : 0;
		/* still that thread's wait (not one left by a thread that ended in it) */
		if (!t || !t0 || !__atomic_load_n(&t->in_use, __ATOMIC_ACQUIRE) || t->tid != o->tid ||
				__atomic_load_n(&t->wait_kind, __ATOMIC_ACQUIRE) != o->kind)
			continue;
		lttng_ust_do_tracepoint(cprof, net_wait_open, o->tid, o->kind, o->op, o->fd,
			now > t0 ? now - t0 : 0);
	}
}

/* The whole network wait a longjmp left (its end is not written). */
static CPROF_TLS uint64_t net_left_t0;

/* A network wait its thread never returned from (cancelled in it, err
 * ECANCELED, or left by a longjmp, EINTR): ended now, no stack (the wait's
 * frames are gone, or going).  1 if the thread had one open. */
int cprof_net_wait_abandon(struct cprof_thread *t, int err)
{
	struct net_open *o = net_open_self;
	uint64_t t0;
	if (!o || o->owner != t || !(t0 = __atomic_load_n(&o->t0, __ATOMIC_ACQUIRE)))
		return 0;
	net_left_t0 = t0;
	__atomic_store_n(&o->t0, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&t->wait_kind, 0, __ATOMIC_RELEASE);
	keyed_close(t);
	if (cprof_tracing && lttng_ust_tracepoint_enabled(cprof, net_wait)) {
		uint64_t now = cprof_mono_ns();
		cprof_tls_guard++;
		struct cprof_net_wait_ev e = { .kind = o->kind, .op = o->op, .fd = o->fd, .result = -1,
			.err = err, .dur_ns = now > t0 ? now - t0 : 0 };
		lttng_ust_do_tracepoint(cprof, net_wait, &e, NULL, (uint8_t)0, NULL, (uint8_t)0);
		cprof_tls_guard--;
	}
	return 1;
}

/* A longjmp (siglongjmp...) while this thread's I/O, sleep or syscall wait
 * is open comes from a signal handler nested on that wait (nothing else runs
 * on the thread meanwhile), and most often leaves it: an alarm-based
 * timeout around a read, a connect or a sleep.  The wait would never end -
 * the thread shown blocked, or running, from there on - so it ends here,
 * EINTR.  Lock and condvar waits are not: a longjmp out of them is
 * undefined, and their record is the wrapper's. */
void cprof_left_by_longjmp(void)
{
	struct cprof_thread *t = cprof_tls_self;
	if (!t || cprof_tls_ignored || cprof_tls_guard)
		return;
	int saved = errno;
	uint8_t kind = __atomic_load_n(&t->wait_kind, __ATOMIC_ACQUIRE);
	if (!cprof_net_wait_abandon(t, EINTR) && kind >= CPROF_WAIT_NET_READ && !t->wait_t0)
		cprof_block_end(kind, (const void *)(uintptr_t)t->wait_obj, EINTR);
	errno = saved;
}

/* The longjmp family, resolved at init: a signal handler must not dlsym. */
void __longjmp_chk(struct __jmp_buf_tag env[1], int val) __attribute__((noreturn));
IO_REAL_DECL(siglongjmp);
IO_REAL_DECL(longjmp);
IO_REAL_DECL(_longjmp);
IO_REAL_DECL(__longjmp_chk);

void cprof_longjmp_init(void)
{
	(void)IO_REAL(siglongjmp);
	(void)IO_REAL(longjmp);
	(void)IO_REAL(_longjmp);
	(void)IO_REAL(__longjmp_chk);
}

#define LONGJMP_WRAPPER(name) \
	IO_EXPORT void name(struct __jmp_buf_tag env[1], int val) \
	{ \
		cprof_left_by_longjmp(); \
		__typeof__(real_##name) real_ = IO_REAL(name); \
		real_(env, val); \
		__builtin_unreachable(); \
	}
LONGJMP_WRAPPER(siglongjmp)
LONGJMP_WRAPPER(longjmp)
LONGJMP_WRAPPER(_longjmp)
LONGJMP_WRAPPER(__longjmp_chk)

void cprof_net_wait_end(struct cprof_io_wait *w, uint8_t op, int fd, int64_t result, int err,
		const int32_t *fds, int nfds)
{
	int saved = errno;
	if (w->whole && w->t0 == net_left_t0) {
		/* a handler's longjmp ended it (cprof_left_by_longjmp) and came
		 * back inside the handler: reported already */
		net_left_t0 = 0;
		return;
	}
	if (w->whole) {
		struct cprof_thread *t = cprof_tls_self;
		if (t) {
			__atomic_store_n(&t->wait_kind, 0, __ATOMIC_RELEASE);
			keyed_close(t);
		}
		if (net_open_self)
			__atomic_store_n(&net_open_self->t0, 0, __ATOMIC_RELEASE);
		if (cprof_tracing && lttng_ust_tracepoint_enabled(cprof, net_wait)) {
			uint64_t now = cprof_mono_ns(), dur = now - w->t0, wake_ago = 0;
			int32_t waker = 0;
			int32_t wtid;
			uint64_t ns;
			uint32_t wkey;
			/* a writer to what it read named itself (core.c); not for
			 * a wait that got nothing (a timeout, an error, EOF) or
			 * that another fd ended (notify_fired) */
			if (t && w->gen && result > 0 && !err &&
					__atomic_load_n(&t->wait_keys_gen, __ATOMIC_RELAXED) == w->gen &&
					cprof_notify_stamp_read(t, w->gen, &wtid, &ns, &wkey) && ns >= w->t0 &&
					ns <= now && notify_fired(w, wkey, now - ns)) {
				waker = wtid;
				wake_ago = now - ns;
			}
			uint64_t pcs[CPROF_STACK_MAX];
			cprof_tls_guard++;
			int n = cprof_stack_capture(pcs);
			struct cprof_net_wait_ev e = { .kind = w->kind, .op = op, .fd = fd,
				.result = result < 0 ? -1 : result, .err = err, .dur_ns = dur,
				.waker_tid = waker, .wake_ago_ns = wake_ago };
			lttng_ust_do_tracepoint(cprof, net_wait, &e, fds, (uint8_t)nfds, pcs, (uint8_t)n);
			cprof_tls_guard--;
		}
		errno = saved;
		return;
	}
	if (cprof_tracing && lttng_ust_tracepoint_enabled(cprof, net_end)) {
		uint64_t dur = w->t0 ? cprof_mono_ns() - w->t0 : 0;
		cprof_tls_guard++;
		lttng_ust_do_tracepoint(cprof, net_end, op, fd, result < 0 ? -1 : result, err, dur,
			fds, (uint8_t)nfds);
		cprof_tls_guard--;
	}
	cprof_block_end(w->kind, (const void *)(uintptr_t)w->obj, err);
	errno = saved;
}

void cprof_sys_wait_end(struct cprof_io_wait *w, int nr, const char *name, int64_t result, int err)
{
	int saved = errno;
	if (cprof_tracing && lttng_ust_tracepoint_enabled(cprof, syscall_end)) {
		uint64_t dur = w->t0 ? cprof_mono_ns() - w->t0 : 0;
		cprof_tls_guard++;
		lttng_ust_do_tracepoint(cprof, syscall_end, nr, name, w->obj, result, err, dur);
		cprof_tls_guard--;
	}
	cprof_block_end(w->kind, (const void *)(uintptr_t)w->obj, err);
	errno = saved;
}

void cprof_span_emit(int nr, const char *name, int fd, int64_t result, int err, uint64_t dur)
{
	cprof_waits_flush_if();   /* after this thread's ended waits */
	if (!cprof_tracing || !lttng_ust_tracepoint_enabled(cprof, syscall_span))
		return;
	int saved = errno;
	if (fd >= 0)
		cprof_fd_info_ensure(fd);
	uint64_t pcs[CPROF_STACK_MAX];
	cprof_tls_guard++;
	int n = cprof_stack_capture(pcs);
	lttng_ust_do_tracepoint(cprof, syscall_span, nr, name, fd, result, err, dur, pcs,
		(uint8_t)n);
	cprof_tls_guard--;
	errno = saved;
}

/* ---- timed file I/O (syscall_span) ------------------------------------------- */

IO_REAL_DECL(pread);
IO_REAL_DECL(pread64);
IO_REAL_DECL(pwrite);
IO_REAL_DECL(pwrite64);
IO_REAL_DECL(preadv);
IO_REAL_DECL(preadv64);
IO_REAL_DECL(pwritev);
IO_REAL_DECL(pwritev64);
static ssize_t (*real___pread_chk)(int, void *, size_t, off_t, size_t);
static ssize_t (*real___pread64_chk)(int, void *, size_t, off64_t, size_t);

#define SPAN(name, nr, fd, call) \
	do { \
		if (io_unlikely(!IO_REAL(name))) { errno = ENOSYS; return -1; } \
		if (io_likely(!cprof_tracing) || !cprof_io_recording()) \
			return real_##name call; \
		uint64_t t0_ = cprof_mono_ns(); \
		ssize_t r_ = real_##name call; \
		cprof_span_end(t0_, nr, #name, fd, r_); \
		return r_; \
	} while (0)

IO_EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	SPAN(pread, SYS_pread64, fd, (fd, buf, n, off));
}

IO_EXPORT ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
	SPAN(pread64, SYS_pread64, fd, (fd, buf, n, off));
}

IO_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	if (n > buflen) {
		if (!real___pread_chk)
			real___pread_chk = cprof_io_resolve("__pread_chk");
		if (real___pread_chk)
			return real___pread_chk(fd, buf, n, off, buflen);
		__builtin_trap();
	}
	return pread(fd, buf, n, off);
}

IO_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen)
{
	if (n > buflen) {
		if (!real___pread64_chk)
			real___pread64_chk = cprof_io_resolve("__pread64_chk");
		if (real___pread64_chk)
			return real___pread64_chk(fd, buf, n, off, buflen);
		__builtin_trap();
	}
	return pread64(fd, buf, n, off);
}

IO_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	SPAN(pwrite, SYS_pwrite64, fd, (fd, buf, n, off));
}

IO_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	SPAN(pwrite64, SYS_pwrite64, fd, (fd, buf, n, off));
}

IO_EXPORT ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	SPAN(preadv, SYS_preadv, fd, (fd, iov, cnt, off));
}

IO_EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
	SPAN(preadv64, SYS_preadv, fd, (fd, iov, cnt, off));
}

IO_EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	SPAN(pwritev, SYS_pwritev, fd, (fd, iov, cnt, off));
}

IO_EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
	SPAN(pwritev64, SYS_pwritev, fd, (fd, iov, cnt, off));
}

/* ---- open family: timed, and the table learns the new fd --------------------- */

IO_REAL_DECL(open);
IO_REAL_DECL(open64);
IO_REAL_DECL(openat);
IO_REAL_DECL(openat64);
IO_REAL_DECL(creat);
IO_REAL_DECL(creat64);

static int opened(int r, int flags, uint64_t t0, const char *name)
{
	if (r >= 0) {
		int saved = errno;
		cprof_fd_created(r, CPROF_FD_UNKNOWN, 0, 0, (flags & O_NONBLOCK) != 0);
		errno = saved;
	}
	if (io_unlikely(t0))
		cprof_span_end(t0, SYS_openat, name, r, r);
	return r;
}

static int wants_mode(int flags)
{
	return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE;
}

#define OPEN_BODY(name, call) \
	do { \
		if (io_unlikely(!IO_REAL(name))) { errno = ENOSYS; return -1; } \
		uint64_t t0_ = cprof_io_recording() ? cprof_span_start() : 0; \
		int r_ = real_##name call; \
		return opened(r_, flags, t0_, #name); \
	} while (0)

#define VA_MODE(last) \
	mode_t mode = 0; \
	if (wants_mode(flags)) { \
		va_list ap; \
		va_start(ap, last); \
		mode = (mode_t)va_arg(ap, int); \
		va_end(ap); \
	}

IO_EXPORT int open(const char *path, int flags, ...)
{
	VA_MODE(flags);
	OPEN_BODY(open, (path, flags, mode));
}

IO_EXPORT int open64(const char *path, int flags, ...)
{
	VA_MODE(flags);
	OPEN_BODY(open64, (path, flags, mode));
}

IO_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	VA_MODE(flags);
	OPEN_BODY(openat, (dirfd, path, flags, mode));
}

IO_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	VA_MODE(flags);
	OPEN_BODY(openat64, (dirfd, path, flags, mode));
}

/* _FORTIFY_SOURCE variants (no mode: O_CREAT is refused by glibc there) */
IO_EXPORT int __open_2(const char *path, int flags)
{
	OPEN_BODY(open, (path, flags));
}

IO_EXPORT int __open64_2(const char *path, int flags)
{
	OPEN_BODY(open64, (path, flags));
}

IO_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	OPEN_BODY(openat, (dirfd, path, flags));
}

IO_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	OPEN_BODY(openat64, (dirfd, path, flags));
}

IO_EXPORT int creat(const char *path, mode_t mode)
{
	int flags = O_CREAT | O_WRONLY | O_TRUNC;
	OPEN_BODY(creat, (path, mode));
}

IO_EXPORT int creat64(const char *path, mode_t mode)
{
	int flags = O_CREAT | O_WRONLY | O_TRUNC;
	OPEN_BODY(creat64, (path, mode));
}

/* ---- waits known in advance (block_begin ... syscall_end, block_end) --------- */

IO_REAL_DECL(fsync);
IO_REAL_DECL(fdatasync);
IO_REAL_DECL(nanosleep);
IO_REAL_DECL(clock_nanosleep);
IO_REAL_DECL(usleep);
IO_REAL_DECL(sleep);
IO_REAL_DECL(waitpid);
IO_REAL_DECL(wait);
IO_REAL_DECL(wait4);
IO_REAL_DECL(waitid);
static long (*real_syscall)(long, ...);

static int fd_wait(int (*fn)(int), int fd, int nr, const char *name)
{
	struct cprof_io_wait w;
	int entry_errno = errno;
	cprof_fd_info_ensure(fd);
	errno = entry_errno;
	cprof_io_wait_begin(&w, CPROF_WAIT_SYSCALL, (uint64_t)fd);
	int r = fn(fd);
	cprof_sys_wait_end(&w, nr, name, r, r < 0 ? errno : 0);
	return r;
}

IO_EXPORT int fsync(int fd)
{
	if (io_unlikely(!IO_REAL(fsync))) { errno = ENOSYS; return -1; }
	if (!cprof_io_recording())
		return real_fsync(fd);
	return fd_wait(real_fsync, fd, SYS_fsync, "fsync");
}

IO_EXPORT int fdatasync(int fd)
{
	if (io_unlikely(!IO_REAL(fdatasync))) { errno = ENOSYS; return -1; }
	if (!cprof_io_recording())
		return real_fdatasync(fd);
	return fd_wait(real_fdatasync, fd, SYS_fdatasync, "fdatasync");
}

static uint64_t ts_ns(const struct timespec *ts)
{
	if (!ts || ts->tv_sec < 0 || ts->tv_nsec < 0)
		return 0;
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

IO_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (io_unlikely(!IO_REAL(nanosleep))) { errno = ENOSYS; return -1; }
	uint64_t ns = ts_ns(req);
	if (!cprof_io_recording() || !ns)
		return real_nanosleep(req, rem);
	struct cprof_io_wait w;
	cprof_io_wait_begin(&w, CPROF_WAIT_SLEEP, ns);
	int r = real_nanosleep(req, rem);
	cprof_sys_wait_end(&w, SYS_nanosleep, "nanosleep", r, r < 0 ? errno : 0);
	return r;
}

IO_EXPORT int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
		struct timespec *rem)
{
	if (io_unlikely(!IO_REAL(clock_nanosleep)))
		return ENOSYS;
	uint64_t ns = ts_ns(req);
	if (ns && (flags & TIMER_ABSTIME)) {
		struct timespec now;
		uint64_t n = clock_gettime(clk, &now) == 0 ? ts_ns(&now) : ns;
		ns = ns > n ? ns - n : 0;
	}
	if (!cprof_io_recording() || !ns)
		return real_clock_nanosleep(clk, flags, req, rem);
	struct cprof_io_wait w;
	cprof_io_wait_begin(&w, CPROF_WAIT_SLEEP, ns);
	int r = real_clock_nanosleep(clk, flags, req, rem);     /* returns the error */
	cprof_sys_wait_end(&w, SYS_clock_nanosleep, "clock_nanosleep", r, r);
	return r;
}

/* glibc's usleep and sleep call nanosleep internally (not through the PLT). */
IO_EXPORT int usleep(useconds_t us)
{
	if (io_unlikely(!IO_REAL(usleep))) { errno = ENOSYS; return -1; }
	if (!cprof_io_recording() || !us)
		return real_usleep(us);
	struct cprof_io_wait w;
	cprof_io_wait_begin(&w, CPROF_WAIT_SLEEP, (uint64_t)us * 1000u);
	int r = real_usleep(us);
	cprof_sys_wait_end(&w, SYS_nanosleep, "usleep", r, r < 0 ? errno : 0);
	return r;
}

IO_EXPORT unsigned sleep(unsigned s)
{
	if (io_unlikely(!IO_REAL(sleep)))
		return s;
	/* a fork child's lttng-ust listener that socket() refused: also when a
	 * capture start cleared cprof_ust_quiet meanwhile (then no wait) */
	if (io_unlikely(cprof_tls_ust_refused) && cprof_ust_caller(__builtin_return_address(0))) {
		cprof_tls_ust_refused = 0;
		return cprof_ust_quiet_sleep(s);
	}
	if (!cprof_io_recording() || !s)
		return real_sleep(s);
	struct cprof_io_wait w;
	cprof_io_wait_begin(&w, CPROF_WAIT_SLEEP, (uint64_t)s * 1000000000u);
	unsigned r = real_sleep(s);
	cprof_sys_wait_end(&w, SYS_nanosleep, "sleep", r, 0);
	return r;
}

/* waitpid & co: a WNOHANG probe while tracing; a wait only if it finds
 * nothing.  obj is the pid argument. */
#define CHILD_WAIT(name, pid, opts, probe_call, call) \
	do { \
		if (io_unlikely(!IO_REAL(name))) { errno = ENOSYS; return -1; } \
		if (!cprof_io_recording() || ((opts) & WNOHANG)) \
			return real_##name call; \
		int entry_errno_ = errno; \
		if (cprof_tracing) { \
			pid_t p_ = probe_call; \
			if (p_ != 0) \
				return p_; \
			errno = entry_errno_; \
		} \
		struct cprof_io_wait w_; \
		cprof_io_wait_begin(&w_, CPROF_WAIT_SYSCALL, (uint64_t)(int64_t)(pid)); \
		pid_t r_ = real_##name call; \
		cprof_sys_wait_end(&w_, SYS_wait4, #name, r_, r_ < 0 ? errno : 0); \
		return r_; \
	} while (0)

IO_EXPORT pid_t waitpid(pid_t pid, int *status, int opts)
{
	CHILD_WAIT(waitpid, pid, opts, real_waitpid(pid, status, opts | WNOHANG),
		(pid, status, opts));
}

IO_EXPORT pid_t wait(int *status)
{
	CHILD_WAIT(wait, -1, 0, IO_REAL(waitpid) ? real_waitpid(-1, status, WNOHANG) : 1,
		(status));
}

IO_EXPORT pid_t wait4(pid_t pid, int *status, int opts, struct rusage *ru)
{
	CHILD_WAIT(wait4, pid, opts, real_wait4(pid, status, opts | WNOHANG, ru),
		(pid, status, opts, ru));
}

static pid_t waitid_probe(idtype_t type, id_t id, siginfo_t *info, int opts)
{
	info->si_pid = 0;
	int r = real_waitid(type, id, info, opts | WNOHANG);
	return r < 0 ? -1 : info->si_pid;       /* 0: nothing yet */
}

IO_EXPORT int waitid(idtype_t type, id_t id, siginfo_t *info, int opts)
{
	if (io_unlikely(!IO_REAL(waitid))) { errno = ENOSYS; return -1; }
	if (!cprof_io_recording() || (opts & WNOHANG) || !info)
		return real_waitid(type, id, info, opts);
	if (cprof_tracing) {
		int entry_errno = errno;
		pid_t p = waitid_probe(type, id, info, opts);
		if (p != 0)
			return p < 0 ? -1 : 0;  /* waitid returns 0, not a pid */
		errno = entry_errno;
	}
	struct cprof_io_wait w;
	cprof_io_wait_begin(&w, CPROF_WAIT_SYSCALL, (uint64_t)id);
	int r = real_waitid(type, id, info, opts);
	cprof_sys_wait_end(&w, SYS_waitid, "waitid", r, r < 0 ? errno : 0);
	return r;
}

/* This library's own bounds (linker-defined): futexes used by libcprof
 * itself (channels) are its business, not the program's. */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));
extern const char __etext[] __attribute__((visibility("hidden")));

/* syscall(): futex waits are blocked waits on the futex word (kind FUTEX),
 * futex wakes name the waiters cprof saw block on it; other numbers, and
 * calls from libcprof itself, pass. */
IO_EXPORT long syscall(long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
	long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
	va_end(ap);
	if (io_unlikely(!real_syscall) &&
			!(real_syscall = (long (*)(long, ...))cprof_io_resolve("syscall"))) {
		errno = ENOSYS;
		return -1;
	}
	const char *caller = __builtin_return_address(0);
	/* an exec made with syscall() moves the trace as execve does
	 * (wrap_exec.c) */
	if (io_unlikely(nr == SYS_execve))
		return execve((const char *)a1, (char *const *)a2, (char *const *)a3);
	if (io_unlikely(nr == SYS_execveat))
		return execveat((int)a1, (const char *)a2, (char *const *)a3, (char *const *)a4,
			(int)a5);
	if (io_likely(nr != SYS_futex) || !cprof_io_recording() ||
			(caller >= __ehdr_start && caller < __etext))
		return real_syscall(nr, a1, a2, a3, a4, a5, a6);
	int op = (int)a2 & FUTEX_CMD_MASK;
	if (op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET) {
		struct cprof_io_wait w;
		cprof_io_wait_begin(&w, CPROF_WAIT_FUTEX, (uint64_t)a1);
		long r = real_syscall(nr, a1, a2, a3, a4, a5, a6);
		cprof_sys_wait_end(&w, SYS_futex, "futex", r, r < 0 ? errno : 0);
		return r;
	}
	if ((op == FUTEX_WAKE || op == FUTEX_WAKE_BITSET) && cprof_tracing)
		cprof_block_wake(CPROF_WAIT_FUTEX, (const void *)a1, a3 > 1);
	return real_syscall(nr, a1, a2, a3, a4, a5, a6);
}
