/* wrap_net.c: the interposed socket calls (and read/write family, which
 * serve sockets and files alike) and close; the calls that only create or
 * copy fds are in wrap_fd.c.
 *
 * What is a network wait (tracer/EVENTS.md): like Go's netpoller, a socket
 * call is first tried without blocking (MSG_DONTWAIT, or a zero-timeout
 * poll); only when that says "would block" on a blocking fd is the wait
 * recorded - cprof:block_begin(kind NET_*, obj = fd, stack) before the real
 * blocking call, cprof:net_end + cprof:block_end after.  Calls that find data
 * ready, non-blocking fds and EAGAIN answers record nothing (their bytes are
 * counted per socket while tracing and reported by cprof:fd_close).  When no
 * capture runs, a socket call only marks the thread's wait (so the status
 * dump at trace start shows threads blocked in the network) and never
 * probes.  Return values and errno are the real calls'. */
/* The wrappers define the plain symbols (open, pread...) and the *64 ones
 * side by side: no LFS redirection, no fortify inlines here. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wrap_io.h"

IO_REAL_DECL(read);
IO_REAL_DECL(readv);
IO_REAL_DECL(write);
IO_REAL_DECL(writev);
IO_REAL_DECL(recv);
IO_REAL_DECL(recvfrom);
IO_REAL_DECL(recvmsg);
IO_REAL_DECL(recvmmsg);
IO_REAL_DECL(send);
IO_REAL_DECL(sendto);
IO_REAL_DECL(sendmsg);
IO_REAL_DECL(sendmmsg);
IO_REAL_DECL(accept);
IO_REAL_DECL(accept4);
IO_REAL_DECL(connect);
IO_REAL_DECL(poll);
IO_REAL_DECL(preadv2);
IO_REAL_DECL(pwritev2);
IO_REAL_DECL(sendfile);
IO_REAL_DECL(sendfile64);
IO_REAL_DECL(splice);
IO_REAL_DECL(ppoll);
IO_REAL_DECL(select);
IO_REAL_DECL(epoll_ctl);
IO_REAL_DECL(pselect);
IO_REAL_DECL(epoll_wait);
IO_REAL_DECL(epoll_pwait);
IO_REAL_DECL(close);
static ssize_t (*real___read_chk)(int, void *, size_t, size_t);
static ssize_t (*real___recv_chk)(int, void *, size_t, size_t, int);
static ssize_t (*real___recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *,
	socklen_t *);
static int (*real___poll_chk)(struct pollfd *, nfds_t, int, size_t);
static int (*real___ppoll_chk)(struct pollfd *, nfds_t, const struct timespec *,
	const sigset_t *, size_t);

#define MAX_POLL_FDS 16         /* fds listed in a net_end */
#define MAX_IOV_COPY 64         /* vectored writes resumed after a partial probe */

/* ---- one socket read or write -------------------------------------------- */

struct io_call {
	uint8_t op;                     /* enum cprof_net_op */
	int fd;
	void *buf;                      /* read recv recvfrom write send sendto */
	size_t len;
	int flags;                      /* recv/send flags */
	struct sockaddr *from;          /* recvfrom */
	socklen_t *fromlen;
	const struct sockaddr *to;      /* sendto */
	socklen_t tolen;
	const struct iovec *iov;        /* readv writev */
	int iovcnt;
	struct msghdr *msg;             /* recvmsg sendmsg (borrowed from the caller) */
	struct mmsghdr *mmsg;           /* recvmmsg sendmmsg */
	unsigned vlen;
	struct timespec *tmo;           /* recvmmsg */
};

static int is_input(uint8_t op)
{
	return op <= CPROF_NET_RECVMMSG;
}

/* The call exactly as the program made it. */
static ssize_t call_real(const struct io_call *c)
{
	switch (c->op) {
	case CPROF_NET_READ: return real_read(c->fd, c->buf, c->len);
	case CPROF_NET_READV: return real_readv(c->fd, c->iov, c->iovcnt);
	case CPROF_NET_RECV: return real_recv(c->fd, c->buf, c->len, c->flags);
	case CPROF_NET_RECVFROM:
		return real_recvfrom(c->fd, c->buf, c->len, c->flags, c->from, c->fromlen);
	case CPROF_NET_RECVMSG: return real_recvmsg(c->fd, c->msg, c->flags);
	case CPROF_NET_RECVMMSG: return real_recvmmsg(c->fd, c->mmsg, c->vlen, c->flags, c->tmo);
	case CPROF_NET_WRITE: return real_write(c->fd, c->buf, c->len);
	case CPROF_NET_WRITEV: return real_writev(c->fd, c->iov, c->iovcnt);
	case CPROF_NET_SEND: return real_send(c->fd, c->buf, c->len, c->flags);
	case CPROF_NET_SENDTO: return real_sendto(c->fd, c->buf, c->len, c->flags, c->to, c->tolen);
	case CPROF_NET_SENDMSG: return real_sendmsg(c->fd, c->msg, c->flags);
	case CPROF_NET_SENDMMSG: return real_sendmmsg(c->fd, c->mmsg, c->vlen, c->flags);
	default: errno = ENOSYS; return -1;
	}
}

/* The same call without blocking (MSG_DONTWAIT: the fd's flags are not
 * touched); read/readv/write/writev on a socket are recv/recvmsg/send/sendmsg
 * with no flags (send(2), recv(2)). */
static ssize_t call_probe(const struct io_call *c)
{
	struct msghdr m;
	switch (c->op) {
	case CPROF_NET_READ:
		return IO_REAL(recv) ? real_recv(c->fd, c->buf, c->len, MSG_DONTWAIT) : -1;
	case CPROF_NET_RECV:
		return real_recv(c->fd, c->buf, c->len, c->flags | MSG_DONTWAIT);
	case CPROF_NET_RECVFROM:
		return real_recvfrom(c->fd, c->buf, c->len, c->flags | MSG_DONTWAIT, c->from,
			c->fromlen);
	case CPROF_NET_READV:
		memset(&m, 0, sizeof m);
		m.msg_iov = (struct iovec *)c->iov;
		m.msg_iovlen = (size_t)c->iovcnt;
		return IO_REAL(recvmsg) ? real_recvmsg(c->fd, &m, MSG_DONTWAIT) : -1;
	case CPROF_NET_RECVMSG:
		return real_recvmsg(c->fd, c->msg, c->flags | MSG_DONTWAIT);
	case CPROF_NET_WRITE:
		return IO_REAL(send) ? real_send(c->fd, c->buf, c->len, MSG_DONTWAIT) : -1;
	case CPROF_NET_SEND:
		return real_send(c->fd, c->buf, c->len, c->flags | MSG_DONTWAIT);
	case CPROF_NET_SENDTO:
		return real_sendto(c->fd, c->buf, c->len, c->flags | MSG_DONTWAIT, c->to, c->tolen);
	case CPROF_NET_WRITEV:
		memset(&m, 0, sizeof m);
		m.msg_iov = (struct iovec *)c->iov;
		m.msg_iovlen = (size_t)c->iovcnt;
		return IO_REAL(sendmsg) ? real_sendmsg(c->fd, &m, MSG_DONTWAIT) : -1;
	case CPROF_NET_SENDMSG:
		return real_sendmsg(c->fd, c->msg, c->flags | MSG_DONTWAIT);
	default: errno = ENOSYS; return -1;
	}
}

static size_t iov_total(const struct iovec *iov, size_t n)
{
	size_t t = 0;
	for (size_t i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

/* The rest of a stream write after the probe sent `done` bytes: the blocking
 * call the program would have been in. */
static ssize_t call_rest(const struct io_call *c, size_t done)
{
	if (!done)
		return call_real(c);
	switch (c->op) {
	case CPROF_NET_WRITE:
		return real_write(c->fd, (const char *)c->buf + done, c->len - done);
	case CPROF_NET_SEND:
		return real_send(c->fd, (const char *)c->buf + done, c->len - done, c->flags);
	case CPROF_NET_SENDTO:
		return real_sendto(c->fd, (const char *)c->buf + done, c->len - done, c->flags,
			c->to, c->tolen);
	case CPROF_NET_WRITEV:
	case CPROF_NET_SENDMSG: {
		const struct iovec *iov = c->op == CPROF_NET_WRITEV ? c->iov : c->msg->msg_iov;
		size_t n = c->op == CPROF_NET_WRITEV ? (size_t)c->iovcnt : c->msg->msg_iovlen;
		struct iovec rest[MAX_IOV_COPY];
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (done >= iov[i].iov_len) {
				done -= iov[i].iov_len;
				continue;
			}
			rest[k].iov_base = (char *)iov[i].iov_base + done;
			rest[k].iov_len = iov[i].iov_len - done;
			done = 0;
			k++;
		}
		if (c->op == CPROF_NET_WRITEV)
			return real_writev(c->fd, rest, (int)k);
		struct msghdr m = *c->msg;
		m.msg_iov = rest;
		m.msg_iovlen = k;
		m.msg_control = NULL;   /* ancillary data went with the first part */
		m.msg_controllen = 0;
		return real_sendmsg(c->fd, &m, c->flags);
	}
	default:
		errno = ENOSYS;
		return -1;
	}
}

static size_t call_len(const struct io_call *c)
{
	switch (c->op) {
	case CPROF_NET_WRITEV: return iov_total(c->iov, (size_t)c->iovcnt);
	case CPROF_NET_SENDMSG: return iov_total(c->msg->msg_iov, c->msg->msg_iovlen);
	default: return c->len;
	}
}

static void count(const struct io_call *c, ssize_t r)
{
	if (r <= 0 || !cprof_tracing)
		return;
	if (c->op == CPROF_NET_RECVMMSG || c->op == CPROF_NET_SENDMMSG) {
		int64_t b = 0;
		for (ssize_t i = 0; i < r; i++)
			b += c->mmsg[i].msg_len;
		cprof_fd_count(c->fd, is_input(c->op) ? b : 0, is_input(c->op) ? 0 : b);
	} else {
		cprof_fd_count(c->fd, is_input(c->op) ? r : 0, is_input(c->op) ? 0 : r);
	}
}

/* The fd is known to be non-blocking: its calls never wait. */
static inline int known_nonblocking(const struct cprof_fd *e)
{
	return e && (e->flags & (CPROF_FDF_NB_KNOWN | CPROF_FDF_NONBLOCK)) ==
		(CPROF_FDF_NB_KNOWN | CPROF_FDF_NONBLOCK);
}

/* A pipe, FIFO or terminal, an eventfd, timerfd, signalfd, inotify or
 * fanotify fd: its reads wait for a writer, the user, another thread, a
 * timer, a signal, a file system event. */
static inline int waiting_stream(const struct cprof_fd *e)
{
	if (!e)
		return 0;
	switch (e->type) {
	case CPROF_FD_PIPE: case CPROF_FD_EVENTFD: case CPROF_FD_TIMERFD: case CPROF_FD_SIGNALFD:
		return 1;
	case CPROF_FD_CHAR:
		return (e->flags & CPROF_FDF_TTY) != 0;
	case CPROF_FD_ANON:
		return (e->flags & CPROF_FDF_NOTIFY) != 0;
	default:
		return 0;
	}
}

/* A pipe or FIFO: its writes wait for the reader while it is full. */
static inline int waiting_sink(const struct cprof_fd *e)
{
	return e && e->type == CPROF_FD_PIPE;
}

/* Outside captures: the call marked as the thread's wait (for the status
 * dump of a capture that starts while it blocks), not probed. */
static ssize_t call_marked(const struct io_call *c)
{
	struct cprof_io_wait w;
	uint8_t kind = is_input(c->op) ? CPROF_WAIT_NET_READ : CPROF_WAIT_NET_WRITE;
	struct cprof_thread *t = cprof_tls_self;
	if (io_likely(t && !cprof_tls_done && t->wait_bucket < 0)) {
		/* the common case, inline: a registered thread with no ended
		 * wait to write and none in the buckets (cprof_wait_publish
		 * outside captures; measured, io_cost --mt: a blocking socket's
		 * read or write with data ready cost +42 ns idle through
		 * cprof_io_wait_begin) */
		t->wait_t0 = 0;
		cprof_wait_mark(t, kind, (uint64_t)c->fd, -1);
		if (io_unlikely(cprof_tracing)) {
			/* a capture started since the caller looked: its status
			 * dump may have missed this wait - begun as the capture's
			 * (cprof_io_wait_begin: block_begin) */
			cprof_wait_withdraw(t);
			goto slow;
		}
		ssize_t r = call_real(c);
		if (io_likely(!cprof_tracing)) {
			int saved = errno;
			cprof_wait_withdraw(t);
			errno = saved;
			return r;
		}
		/* a capture started meanwhile: its status dump has this wait */
		w.t0 = 0;
		w.kind = kind;
		w.whole = 0;
		w.obj = (uint64_t)c->fd;
		cprof_net_wait_end(&w, c->op, c->fd, r, r < 0 ? errno : 0, NULL, 0);
		return r;
	}
slow:
	cprof_io_wait_begin(&w, kind, (uint64_t)c->fd);
	ssize_t r = call_real(c);
	cprof_net_wait_end(&w, c->op, c->fd, r, r < 0 ? errno : 0, NULL, 0);
	return r;
}

/* Records the real call as a wait (the probe said it would block). */
static ssize_t call_as_wait(const struct io_call *c, size_t done, int entry_errno)
{
	struct cprof_io_wait w;
	uint8_t kind = is_input(c->op) ? CPROF_WAIT_NET_READ : CPROF_WAIT_NET_WRITE;
	cprof_fd_info_ensure(c->fd);
	errno = entry_errno;
	cprof_net_wait_begin(&w, kind, c->op, c->fd, NULL, 0);
	ssize_t r = call_rest(c, done);
	int err = r < 0 ? errno : 0;
	if (done) {
		/* what the one blocking call would have returned: the bytes sent
		 * before an error or a signal */
		if (r < 0) {
			r = (ssize_t)done;
			errno = entry_errno;
		} else {
			r += (ssize_t)done;
		}
	}
	count(c, r);
	cprof_net_wait_end(&w, c->op, c->fd, r, err, NULL, 0);
	if (r < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
		/* non-blocking after all (set behind our back), or SO_*TIMEO */
		cprof_fd_nonblocking(c->fd);
		errno = err;
	}
	return r;
}

/* Waits with a zero-timeout poll first: for calls a MSG_DONTWAIT probe would
 * change (MSG_WAITALL, SO_RCVLOWAT, mmsg batches, long iovecs). */
static ssize_t call_poll_probe(const struct io_call *c, int entry_errno)
{
	struct pollfd p = { .fd = c->fd, .events = is_input(c->op) ? POLLIN : POLLOUT };
	if (IO_REAL(poll) && real_poll(&p, 1, 0) != 0) {
		errno = entry_errno;
		ssize_t r = call_real(c);
		count(c, r);
		return r;
	}
	return call_as_wait(c, 0, entry_errno);
}

/* While tracing, before a read or write of a pipe, eventfd, socketpair or
 * in-process connection (entry e): a write names its thread the waker of
 * the waits reading the other side, a read (it drains the fd) the waker of
 * writes blocked on it being full (core.c, cprof_notify_wake). */
static void notify_io(const struct io_call *c, struct cprof_fd *e)
{
	if (!e || (c->op == CPROF_NET_WRITE && !c->len))
		return;
	uint32_t k = e->wkey;
	if (!k) {
		if (e->type != CPROF_FD_PIPE && e->type != CPROF_FD_EVENTFD &&
				(e->type != CPROF_FD_SOCKET || (e->flags & CPROF_FDF_WKEY_DONE)))
			return;
		if (!(k = cprof_fd_notify_key(c->fd)))
			return;
	}
	k = cprof_notify_partner(k);
	if (is_input(c->op)) {
		if (k & 0x80000000u)
			return;         /* an eventfd's writers do not wait */
		k |= CPROF_KEY_DRAIN;
	}
	cprof_notify_wake(k);
}

static ssize_t sock_io(const struct io_call *c)
{
	int entry_errno = errno;
	struct cprof_fd *e = cprof_fd_peek(c->fd);
	if (io_unlikely(cprof_tracing)) {
		notify_io(c, e);
		errno = entry_errno;
	}
	if ((c->flags & MSG_DONTWAIT) || known_nonblocking(e)) {
		ssize_t r = call_real(c);
		count(c, r);
		return r;
	}
	if (!cprof_tracing) {
		if (io_unlikely(cprof_fd_epoch_live))
			cprof_fd_epoch_live = 0;
		return call_marked(c);
	}
	if (c->op == CPROF_NET_RECVMMSG || c->op == CPROF_NET_SENDMMSG ||
			(c->flags & (MSG_WAITALL | MSG_ERRQUEUE)) || (e && (e->flags & CPROF_FDF_NO_PROBE)) ||
			(c->op == CPROF_NET_WRITEV && c->iovcnt > MAX_IOV_COPY) ||
			((c->op == CPROF_NET_SENDMSG || c->op == CPROF_NET_RECVMSG) &&
				c->msg->msg_iovlen > MAX_IOV_COPY)) {
		if (c->flags & MSG_ERRQUEUE) {  /* never blocks */
			ssize_t r = call_real(c);
			count(c, r);
			return r;
		}
		return call_poll_probe(c, entry_errno);
	}
	ssize_t r = call_probe(c);
	if (io_unlikely(r < 0 && errno == ENOTSOCK)) {
		/* not a socket any more: closed and its number reused where
		 * cprof does not see (raw system calls, glibc's own closes) - the
		 * call is the program's, as it asked for it */
		cprof_fd_closed(c->fd);
		errno = entry_errno;
		return call_real(c);
	}
	if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return r;               /* a real error, same as the real call's */
	size_t done = 0;
	if (r >= 0) {
		if (is_input(c->op) || (size_t)r >= call_len(c) || (e && e->sotype != SOCK_STREAM)) {
			count(c, r);
			return r;       /* data was ready / all sent */
		}
		done = (size_t)r;       /* partial stream write: the rest blocks */
	}
	if (cprof_fd_nonblocking(c->fd)) {
		if (done) {
			count(c, r);
			errno = entry_errno;
		}
		return r;               /* the real call would have said the same */
	}
	return call_as_wait(c, done, entry_errno);
}

/* A read of a pipe, FIFO or terminal (or of an eventfd... waiting_stream)
 * blocks like a socket's - the reader waits for the writer, or the user -
 * but takes no MSG_DONTWAIT: during a
 * capture it is probed with preadv2(RWF_NOWAIT), which is the read itself
 * when data is ready, and recorded as a network wait when it would block.
 * Where the kernel refuses RWF_NOWAIT (EOPNOTSUPP: terminals, timerfds,
 * older kernels' pipes; EINVAL: a buffer too short for an eventfd's 8
 * bytes, which the real call then reports), a zero-timeout poll probes
 * instead.  Outside captures the
 * read is marked as a wait (call_marked), as a blocking socket's is. */
/* A pipe's or terminal's call that needs no probe: a non-blocking fd's
 * (made as it is) or one outside captures (marked).  1 with *r then, 0
 * when the caller probes. */
static int stream_unprobed(const struct io_call *c, const struct cprof_fd *e, ssize_t *r)
{
	if (known_nonblocking(e)) {
		*r = call_real(c);
		count(c, *r);
		return 1;
	}
	if (!cprof_tracing) {
		*r = call_marked(c);
		return 1;
	}
	return 0;
}

/* The kernel refused RWF_NOWAIT on this fd (EOPNOTSUPP, EINVAL): poll
 * probes from now on. */
static ssize_t probe_refused(const struct io_call *c, int entry_errno)
{
	cprof_fd_set_flag(c->fd, CPROF_FDF_NO_PROBE, 1);
	return call_poll_probe(c, entry_errno);
}

static ssize_t stream_read(const struct io_call *c)
{
	int entry_errno = errno;
	struct cprof_fd *e = cprof_fd_peek(c->fd);
	ssize_t r;
	if (stream_unprobed(c, e, &r))
		return r;
	if ((e && (e->flags & CPROF_FDF_NO_PROBE)) || !IO_REAL(preadv2))
		return call_poll_probe(c, entry_errno);
	struct iovec one = { c->buf, c->len };
	int single = c->op == CPROF_NET_READ;
	r = real_preadv2(c->fd, single ? &one : c->iov, single ? 1 : c->iovcnt, -1,
		RWF_NOWAIT);
	if (r >= 0) {
		count(c, r);
		return r;               /* data was ready, or end of file */
	}
	if (errno == EOPNOTSUPP || errno == EINVAL)
		return probe_refused(c, entry_errno);
	if (errno != EAGAIN || cprof_fd_nonblocking(c->fd))
		return r;               /* the real call would have said the same */
	return call_as_wait(c, 0, entry_errno);
}

/* A write to a pipe or FIFO blocks while the pipe is full - the writer
 * waits for its reader, a slow peer - and is recorded like a socket's:
 * probed with pwritev2(RWF_NOWAIT), which is the write itself when there is
 * room (all of it, or, beyond PIPE_BUF, as much as fits: the rest is the
 * blocking call, as a partial socket write's; up to PIPE_BUF the kernel
 * writes all or nothing, so the write stays atomic).  The fallbacks are the
 * reads': a zero-timeout poll, and outside captures a mark. */
static ssize_t stream_write(const struct io_call *c)
{
	int entry_errno = errno;
	struct cprof_fd *e = cprof_fd_peek(c->fd);
	ssize_t r;
	if (stream_unprobed(c, e, &r))
		return r;
	int single = c->op == CPROF_NET_WRITE;
	if ((e && (e->flags & CPROF_FDF_NO_PROBE)) || !IO_REAL(pwritev2) ||
			(!single && c->iovcnt > MAX_IOV_COPY))
		return call_poll_probe(c, entry_errno);
	struct iovec one = { c->buf, c->len };
	r = real_pwritev2(c->fd, single ? &one : c->iov, single ? 1 : c->iovcnt, -1,
		RWF_NOWAIT);
	size_t done = 0;
	if (r >= 0) {
		if ((size_t)r >= call_len(c)) {
			count(c, r);
			return r;       /* all written */
		}
		done = (size_t)r;       /* part of it: the rest blocks */
	} else if (errno == EOPNOTSUPP || errno == EINVAL) {
		return probe_refused(c, entry_errno);
	} else if (errno != EAGAIN) {
		return r;               /* EPIPE...: the real call would have said the same */
	}
	if (cprof_fd_nonblocking(c->fd)) {
		if (done) {
			count(c, r);
			errno = entry_errno;
		}
		return r;
	}
	return call_as_wait(c, done, entry_errno);
}

static ssize_t io_dispatch(struct io_call *c, int nr, const char *name)
{
	if (cprof_fd_type(c->fd) == CPROF_FD_SOCKET)
		return sock_io(c);
	if (cprof_tracing) {
		int saved = errno;
		notify_io(c, cprof_fd_peek(c->fd));
		errno = saved;
	}
	if (is_input(c->op) ? waiting_stream(cprof_fd_peek(c->fd)) :
			waiting_sink(cprof_fd_peek(c->fd)))
		return is_input(c->op) ? stream_read(c) : stream_write(c);
	uint64_t t0 = cprof_span_start();
	ssize_t r = call_real(c);
	cprof_span_end(t0, nr, name, c->fd, r);
	return r;
}

/* ---- sendfile and splice ----------------------------------------------------
 * They move data into a socket or pipe (sendfile, splice) or out of one
 * (splice), and block while the destination is full or the source empty: a
 * server sending a file to a slow client waits there.  No non-blocking form
 * leaves the fds' flags alone, so while tracing a zero-timeout poll of the
 * socket or pipe side probes: when it would block, the call is a network
 * wait (net_read on the source, net_write on the destination); otherwise it
 * runs as asked, timed as a syscall span (a call that blocks mid-way, once
 * the destination fills, shows there).  Outside captures they are marked as
 * the thread's wait when a side is a blocking socket or pipe. */
struct xfer {
	uint8_t op;
	int in, out;
	loff_t *in_off, *out_off;       /* splice */
	off_t *off;                     /* sendfile */
	off64_t *off64;                 /* sendfile64 */
	size_t len;
	unsigned flags;
};

static ssize_t xfer_real(const struct xfer *x)
{
	if (x->op == CPROF_NET_SPLICE)
		return real_splice(x->in, x->in_off, x->out, x->out_off, x->len, x->flags);
	if (x->off64)
		return real_sendfile64(x->out, x->in, x->off64, x->len);
	return real_sendfile(x->out, x->in, x->off, x->len);
}

/* fd is a socket or pipe whose side of the call may wait (input: its reads) */
static int xfer_waits(int fd, int input, const struct xfer *x)
{
	struct cprof_fd *e = cprof_fd_peek(fd);
	if (!e || !e->type) {
		cprof_fd_type(fd);
		e = cprof_fd_peek(fd);
	}
	if (!e || known_nonblocking(e))
		return 0;
	if (e->type == CPROF_FD_PIPE && (x->flags & SPLICE_F_NONBLOCK))
		return 0;
	return e->type == CPROF_FD_SOCKET || (input ? waiting_stream(e) : waiting_sink(e));
}

/* fd answers events now (zero-timeout poll) */
static int poll_ready(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	return !IO_REAL(poll) || real_poll(&p, 1, 0) != 0;
}

static ssize_t xfer_io(const struct xfer *x, int nr, const char *name)
{
	int entry_errno = errno;
	int in_w = x->op == CPROF_NET_SPLICE && xfer_waits(x->in, 1, x);
	int out_w = xfer_waits(x->out, 0, x);
	/* the side the call waits on (-1: none): while tracing the one a probe
	 * finds not ready, outside captures (a mark) the first that may wait */
	int side = -1;
	if (!cprof_tracing)
		side = in_w ? 0 : out_w ? 1 : -1;
	else if (in_w && !poll_ready(x->in, POLLIN))
		side = 0;
	else if (out_w && !poll_ready(x->out, POLLOUT))
		side = 1;
	errno = entry_errno;
	ssize_t r;
	if (side < 0) {
		uint64_t t0 = cprof_span_start();
		r = xfer_real(x);
		cprof_span_end(t0, nr, name, x->out, r);
		if (r > 0 && out_w && cprof_tracing)
			cprof_fd_count(x->out, 0, r);
		return r;
	}
	int wfd = side ? x->out : x->in;
	uint8_t kind = side ? CPROF_WAIT_NET_WRITE : CPROF_WAIT_NET_READ;
	struct cprof_io_wait w;
	if (cprof_tracing) {
		cprof_fd_info_ensure(wfd);
		errno = entry_errno;
		cprof_net_wait_begin(&w, kind, x->op, wfd, NULL, 0);
	} else {
		cprof_io_wait_begin(&w, kind, (uint64_t)wfd);
	}
	r = xfer_real(x);
	int err = r < 0 ? errno : 0;
	if (r > 0 && out_w && cprof_tracing)
		cprof_fd_count(x->out, 0, r);
	cprof_net_wait_end(&w, x->op, wfd, r, err, NULL, 0);
	return r;
}

IO_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t len)
{
	NOSYS_IF_MISSING(sendfile, -1);
	if (!cprof_io_recording())
		return real_sendfile(out, in, off, len);
	struct xfer x = { .op = CPROF_NET_SENDFILE, .in = in, .out = out, .off = off, .len = len };
	return xfer_io(&x, SYS_sendfile, "sendfile");
}

IO_EXPORT ssize_t sendfile64(int out, int in, off64_t *off, size_t len)
{
	NOSYS_IF_MISSING(sendfile64, -1);
	if (!cprof_io_recording())
		return real_sendfile64(out, in, off, len);
	struct xfer x = { .op = CPROF_NET_SENDFILE, .in = in, .out = out, .off64 = off, .len = len };
	return xfer_io(&x, SYS_sendfile, "sendfile");
}

IO_EXPORT ssize_t splice(int in, loff_t *in_off, int out, loff_t *out_off, size_t len,
	unsigned flags)
{
	NOSYS_IF_MISSING(splice, -1);
	if (!cprof_io_recording())
		return real_splice(in, in_off, out, out_off, len, flags);
	struct xfer x = { .op = CPROF_NET_SPLICE, .in = in, .out = out, .in_off = in_off,
		.out_off = out_off, .len = len, .flags = flags };
	return xfer_io(&x, SYS_splice, "splice");
}

/* ---- read/write family ---------------------------------------------------- */

/* No capture running and fd known to be a file, pipe... or a non-blocking
 * socket: the call needs nothing from cprof (no wait to mark, nothing to
 * time or count) - the idle fast path of the read/write family.  Reads of
 * pipes and terminals, and writes to pipes, are marked as waits, as
 * blocking sockets' calls are. */
static inline int idle_passthrough(int fd, int input)
{
	if (io_likely(!cprof_tracing)) {
		const struct cprof_fd *e = cprof_fd_peek(fd);
		if (e && e->type && ((e->type != CPROF_FD_SOCKET &&
				!(input ? waiting_stream(e) : waiting_sink(e))) ||
				known_nonblocking(e)))
			return 1;
	}
	return 0;
}

static ssize_t do_read(int fd, void *buf, size_t n)
{
	NOSYS_IF_MISSING(read, -1);
	if (!cprof_io_recording() || idle_passthrough(fd, 1))
		return real_read(fd, buf, n);
	struct io_call c = { .op = CPROF_NET_READ, .fd = fd, .buf = buf, .len = n };
	return io_dispatch(&c, SYS_read, "read");
}

IO_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	return do_read(fd, buf, n);
}

IO_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen) {       /* let glibc report the overflow */
		if (!real___read_chk)
			real___read_chk = cprof_io_resolve("__read_chk");
		if (real___read_chk)
			return real___read_chk(fd, buf, n, buflen);
		__builtin_trap();
	}
	return do_read(fd, buf, n);
}

IO_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	NOSYS_IF_MISSING(readv, -1);
	if (!cprof_io_recording() || idle_passthrough(fd, 1))
		return real_readv(fd, iov, iovcnt);
	struct io_call c = { .op = CPROF_NET_READV, .fd = fd, .iov = iov, .iovcnt = iovcnt };
	return io_dispatch(&c, SYS_readv, "readv");
}

IO_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	NOSYS_IF_MISSING(write, -1);
	if (!cprof_io_recording() || idle_passthrough(fd, 0))
		return real_write(fd, buf, n);
	struct io_call c = { .op = CPROF_NET_WRITE, .fd = fd, .buf = (void *)buf, .len = n };
	return io_dispatch(&c, SYS_write, "write");
}

/* glibc's eventfd_read and eventfd_write call its read and write
 * internally, where no interposer sees them: they are these. */
IO_EXPORT int eventfd_read(int fd, eventfd_t *value)
{
	return do_read(fd, value, sizeof *value) != sizeof *value ? -1 : 0;
}

IO_EXPORT int eventfd_write(int fd, eventfd_t value)
{
	return write(fd, &value, sizeof value) != sizeof value ? -1 : 0;
}

IO_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	NOSYS_IF_MISSING(writev, -1);
	if (!cprof_io_recording() || idle_passthrough(fd, 0))
		return real_writev(fd, iov, iovcnt);
	struct io_call c = { .op = CPROF_NET_WRITEV, .fd = fd, .iov = iov, .iovcnt = iovcnt };
	return io_dispatch(&c, SYS_writev, "writev");
}

/* ---- socket-only calls ------------------------------------------------------ */

static ssize_t do_recv(int fd, void *buf, size_t n, int flags)
{
	NOSYS_IF_MISSING(recv, -1);
	if (!cprof_io_recording() || idle_passthrough(fd, 0))
		return real_recv(fd, buf, n, flags);
	struct io_call c = { .op = CPROF_NET_RECV, .fd = fd, .buf = buf, .len = n, .flags = flags };
	return sock_io(&c);
}

IO_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	return do_recv(fd, buf, n, flags);
}

IO_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	if (n > buflen) {
		if (!real___recv_chk)
			real___recv_chk = cprof_io_resolve("__recv_chk");
		if (real___recv_chk)
			return real___recv_chk(fd, buf, n, buflen, flags);
		__builtin_trap();
	}
	return do_recv(fd, buf, n, flags);
}

static ssize_t do_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
		socklen_t *fromlen)
{
	NOSYS_IF_MISSING(recvfrom, -1);
	if (!cprof_io_recording())
		return real_recvfrom(fd, buf, n, flags, from, fromlen);
	struct io_call c = { .op = CPROF_NET_RECVFROM, .fd = fd, .buf = buf, .len = n,
		.flags = flags, .from = from, .fromlen = fromlen };
	return sock_io(&c);
}

/* _GNU_SOURCE declares the sockaddr arguments as transparent unions */
IO_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, __SOCKADDR_ARG from,
		socklen_t *fromlen)
{
	return do_recvfrom(fd, buf, n, flags, from.__sockaddr__, fromlen);
}

IO_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
		struct sockaddr *from, socklen_t *fromlen)
{
	if (n > buflen) {
		if (!real___recvfrom_chk)
			real___recvfrom_chk = cprof_io_resolve("__recvfrom_chk");
		if (real___recvfrom_chk)
			return real___recvfrom_chk(fd, buf, n, buflen, flags, from, fromlen);
		__builtin_trap();
	}
	return do_recvfrom(fd, buf, n, flags, from, fromlen);
}

IO_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	NOSYS_IF_MISSING(recvmsg, -1);
	if (!cprof_io_recording() || !msg)
		return real_recvmsg(fd, msg, flags);
	struct io_call c = { .op = CPROF_NET_RECVMSG, .fd = fd, .msg = msg, .flags = flags };
	ssize_t r = sock_io(&c);
	if (r >= 0 && msg->msg_control && msg->msg_controllen) {
		/* fds passed with SCM_RIGHTS: unknown until first use */
		int saved = errno;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
				int *fds = (int *)CMSG_DATA(cm);
				size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				for (size_t i = 0; i < n; i++)
					cprof_fd_created(fds[i], CPROF_FD_UNKNOWN, 0, 0, -1);
			}
		errno = saved;
	}
	return r;
}

IO_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags,
		struct timespec *tmo)
{
	NOSYS_IF_MISSING(recvmmsg, -1);
	if (!cprof_io_recording())
		return real_recvmmsg(fd, vec, vlen, flags, tmo);
	struct io_call c = { .op = CPROF_NET_RECVMMSG, .fd = fd, .mmsg = vec, .vlen = vlen,
		.flags = flags, .tmo = tmo };
	return (int)sock_io(&c);
}

IO_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	NOSYS_IF_MISSING(send, -1);
	if (!cprof_io_recording() || idle_passthrough(fd, 0))
		return real_send(fd, buf, n, flags);
	struct io_call c = { .op = CPROF_NET_SEND, .fd = fd, .buf = (void *)buf, .len = n,
		.flags = flags };
	return sock_io(&c);
}

IO_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
		__CONST_SOCKADDR_ARG to_arg, socklen_t tolen)
{
	const struct sockaddr *to = to_arg.__sockaddr__;
	NOSYS_IF_MISSING(sendto, -1);
	if (!cprof_io_recording())
		return real_sendto(fd, buf, n, flags, to, tolen);
	struct io_call c = { .op = CPROF_NET_SENDTO, .fd = fd, .buf = (void *)buf, .len = n,
		.flags = flags, .to = to, .tolen = tolen };
	return sock_io(&c);
}

IO_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	NOSYS_IF_MISSING(sendmsg, -1);
	if (!cprof_io_recording() || !msg)
		return real_sendmsg(fd, msg, flags);
	struct io_call c = { .op = CPROF_NET_SENDMSG, .fd = fd, .msg = (struct msghdr *)msg,
		.flags = flags };
	return sock_io(&c);
}

IO_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags)
{
	NOSYS_IF_MISSING(sendmmsg, -1);
	if (!cprof_io_recording())
		return real_sendmmsg(fd, vec, vlen, flags);
	struct io_call c = { .op = CPROF_NET_SENDMMSG, .fd = fd, .mmsg = vec, .vlen = vlen,
		.flags = flags };
	return (int)sock_io(&c);
}

/* ---- connections ------------------------------------------------------------ */

static int do_accept(uint8_t op, int fd, struct sockaddr *addr, socklen_t *alen, int flags)
{
	struct cprof_io_wait w;
	int waited = 0, entry_errno = errno, r;
	if (cprof_fd_type(fd) == CPROF_FD_SOCKET && !cprof_fd_nonblocking(fd)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (!cprof_tracing || !IO_REAL(poll) || real_poll(&p, 1, 0) == 0) {
			cprof_fd_info_ensure(fd);
			errno = entry_errno;
			cprof_net_wait_begin(&w, CPROF_WAIT_NET_ACCEPT, op, fd, NULL, 0);
			waited = 1;
		}
	}
	r = op == CPROF_NET_ACCEPT ? real_accept(fd, addr, alen) : real_accept4(fd, addr, alen, flags);
	int err = r < 0 ? errno : 0;
	if (r >= 0) {
		struct cprof_fd *l = cprof_fd_peek(fd);
		cprof_fd_created(r, CPROF_FD_SOCKET, l ? l->family : 0, l ? l->sotype : 0,
			(flags & SOCK_NONBLOCK) != 0);
		if (cprof_tracing)
			cprof_fd_info_emit(r, CPROF_FD_ORIGIN_ACCEPT, addr, addr && alen ? *alen : 0);
	}
	if (waited)
		cprof_net_wait_end(&w, op, fd, r, err, NULL, 0);
	if (r < 0)
		errno = err;
	return r;
}

IO_EXPORT int accept(int fd, __SOCKADDR_ARG addr_arg, socklen_t *alen)
{
	struct sockaddr *addr = addr_arg.__sockaddr__;
	NOSYS_IF_MISSING(accept, -1);
	if (!cprof_io_recording()) {
		int r = real_accept(fd, addr, alen);
		if (r >= 0)
			cprof_fd_created(r, CPROF_FD_UNKNOWN, 0, 0, -1);
		return r;
	}
	return do_accept(CPROF_NET_ACCEPT, fd, addr, alen, 0);
}

IO_EXPORT int accept4(int fd, __SOCKADDR_ARG addr_arg, socklen_t *alen, int flags)
{
	struct sockaddr *addr = addr_arg.__sockaddr__;
	NOSYS_IF_MISSING(accept4, -1);
	if (!cprof_io_recording()) {
		int r = real_accept4(fd, addr, alen, flags);
		if (r >= 0)
			cprof_fd_created(r, CPROF_FD_UNKNOWN, 0, 0, -1);
		return r;
	}
	return do_accept(CPROF_NET_ACCEPT4, fd, addr, alen, flags);
}

IO_EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr_arg, socklen_t len)
{
	const struct sockaddr *addr = addr_arg.__sockaddr__;
	NOSYS_IF_MISSING(connect, -1);
	if (!cprof_io_recording())
		return real_connect(fd, addr, len);
	struct cprof_io_wait w;
	int waited = 0, entry_errno = errno;
	if (cprof_fd_type(fd) == CPROF_FD_SOCKET) {
		struct cprof_fd *e = cprof_fd_peek(fd);
		int stream = e && (e->sotype == SOCK_STREAM || e->sotype == SOCK_SEQPACKET);
		if (stream && !cprof_fd_nonblocking(fd)) {
			cprof_fd_info_ensure(fd);
			errno = entry_errno;
			cprof_net_wait_begin(&w, CPROF_WAIT_NET_CONNECT, CPROF_NET_CONNECT, fd, NULL, 0);
			waited = 1;
		}
	}
	int r = real_connect(fd, addr, len);
	int err = r < 0 ? errno : 0;
	if (cprof_tracing)
		cprof_fd_info_emit(fd, CPROF_FD_ORIGIN_CONNECT, addr, len);
	if (waited)
		cprof_net_wait_end(&w, CPROF_NET_CONNECT, fd, r, err, NULL, 0);
	if (r < 0)
		errno = err;
	return r;
}

/* ---- close, closefrom, close_range: never lttng-ust's own fds ------------
 * A program that closes every fd it did not open (daemons do, with a loop,
 * closefrom(3) or close_range) took lttng-ust's shared-memory and socket
 * fds away: an assertion in lttng-ust (shmp_object_destroy) aborted it.
 * lttng-ust keeps a set of its fds and the functions that close around
 * them (liblttng-ust-common, as its own liblttng-ust-fd.so preload uses
 * them); the program gets EBADF for those, as if they were not open. */
typedef int (*ust_safe_close_fn)(int fd, int (*close_cb)(int));
static ust_safe_close_fn ust_safe_close, ust_safe_closefrom;
static int ust_safe_resolved;

static void ust_safe_resolve(void)
{
	if (__atomic_load_n(&ust_safe_resolved, __ATOMIC_ACQUIRE))
		return;
	ust_safe_close = (ust_safe_close_fn)dlsym(RTLD_DEFAULT, "lttng_ust_safe_close_fd");
	ust_safe_closefrom = (ust_safe_close_fn)dlsym(RTLD_DEFAULT, "lttng_ust_safe_closefrom_fd");
	__atomic_store_n(&ust_safe_resolved, 1, __ATOMIC_RELEASE);
}

/* At library init: a first close from a signal handler must not be the
 * one that calls dlsym. */
void cprof_close_init(void)
{
	ust_safe_resolve();
}

/* cprof's own long-lived fds (the endpoint's listening socket, a whole-run
 * trace's file and signal pipe), kept from the program the same way. */
#define OWN_FDS 8
static int own_fds[OWN_FDS] = { -1, -1, -1, -1, -1, -1, -1, -1 };

void cprof_own_fd(int fd, int own)
{
	if (fd < 0)
		return;
	for (int i = 0; i < OWN_FDS; i++) {
		int want = own ? -1 : fd, cur = want;
		if (__atomic_compare_exchange_n(&own_fds[i], &cur, own ? fd : -1, 0, __ATOMIC_ACQ_REL,
				__ATOMIC_ACQUIRE))
			return;
	}
}

/* In a fork child: the parent's fds are the child's to close. */
void cprof_own_fds_forget(void)
{
	for (int i = 0; i < OWN_FDS; i++)
		own_fds[i] = -1;
}

static int is_own_fd(int fd)
{
	for (int i = 0; i < OWN_FDS; i++)
		if (__atomic_load_n(&own_fds[i], __ATOMIC_ACQUIRE) == fd)
			return 1;
	return 0;
}

static void fd_closing(int fd);

/* The program's close of one fd, once lttng-ust has let it through. */
static int close_one(int fd)
{
	if (is_own_fd(fd)) {
		errno = EBADF;   /* as lttng-ust answers for its own */
		return -1;
	}
	fd_closing(fd);
	return real_close(fd);
}

/* What the fd table and the trace learn of an fd's close (close, fclose). */
static void fd_closing(int fd)
{
	struct cprof_fd *e = cprof_fd_peek(fd);
	if (e && e->type == CPROF_FD_SOCKET && cprof_tracing && cprof_io_recording()) {
		cprof_fd_info_ensure(fd);
		uint64_t in = e->bytes_in, out = e->bytes_out, ops = e->ops;
		/* emitted, and the entry reset, before the number is released:
		 * afterwards another thread may get the same fd (accept) and
		 * describe it before this event would be written */
		cprof_fd_close_emit(fd, CPROF_NET_CLOSE, 0, in, out, ops);
	}
	cprof_fd_closed(fd);
}

/* fclose closes its fd inside libc, out of close()'s reach: the table
 * forgets the fd here, or a socket wrapped with fdopen kept its entry
 * (and its "made by the program" mark, which spares its close lttng-ust's
 * fd tracker) for the number's next owner. */
IO_EXPORT int fclose(FILE *stream)
{
	static int (*real_fclose)(FILE *);
	if (!real_fclose)
		real_fclose = (int (*)(FILE *))cprof_io_resolve("fclose");
	if (!real_fclose) {
		errno = ENOSYS;
		return EOF;
	}
	int fd = stream ? fileno(stream) : -1;
	if (fd >= 0 && !is_own_fd(fd) && cprof_fd_peek(fd))
		fd_closing(fd);
	return real_fclose(stream);
}

/* The program's close of fd: an fd the program made itself cannot be
 * lttng-ust's, no trip through its tracker, whose lock blocks and unblocks
 * every signal (4 system calls: a dup+close pair cost 812 ns preloaded that
 * way, 257 ns without, 207 ns plain; io_cost). */
static int close_program(int fd)
{
	struct cprof_fd *e = cprof_fd_peek(fd);
	if (e && (e->flags & CPROF_FDF_PROGRAM))
		return close_one(fd);
	ust_safe_resolve();
	return ust_safe_close ? ust_safe_close(fd, close_one) : close_one(fd);
}

IO_EXPORT int close(int fd)
{
	NOSYS_IF_MISSING(close, -1);
	return close_program(fd);
}

/* The program's close of each open fd in [first, last], lttng-ust's and
 * cprof's kept: the open ones listed from /proc/self/fd, so the cost
 * follows the fds open, not the fd limit (close_range(3, ~0U, 0) went
 * through lttng-ust's tracker 20,000 times in 14 ms under a 20,000-fd
 * limit; limits of 2^20 are common).  Listed again while a pass closes
 * something: closing moves the listing.  -1 if /proc is not there. */
static int close_open_range(unsigned int first, unsigned int last)
{
	int dfd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd",
		O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	char buf[4096];
	int closed = 1;
	for (int pass = 0; closed && pass < 64; pass++) {
		long n;
		closed = 0;
		lseek(dfd, 0, SEEK_SET);
		while ((n = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0)
			for (long off = 0; off < n;) {
				struct { uint64_t ino; int64_t off; unsigned short reclen;
					unsigned char type; char name[]; } *e = (void *)(buf + off);
				off += e->reclen;
				char *end;
				unsigned long fd = strtoul(e->name, &end, 10);
				if (*end || e->name[0] < '0' || e->name[0] > '9' || fd == (unsigned long)dfd ||
						fd < first || fd > last || fd > INT_MAX)
					continue;
				if (close_program((int)fd) == 0)
					closed = 1;
			}
	}
	syscall(SYS_close, dfd);
	return 0;
}

IO_EXPORT void closefrom(int lowfd)
{
	NOSYS_IF_MISSING(close, );
	ust_safe_resolve();
	int saved = errno;
	if (close_open_range(lowfd < 0 ? 0 : (unsigned int)lowfd, UINT_MAX) == 0) {
		errno = saved;
		return;
	}
	if (ust_safe_closefrom) {
		ust_safe_closefrom(lowfd < 0 ? 0 : lowfd, close_one);
		return;
	}
	static void (*real_closefrom)(int);
	if (!real_closefrom)
		real_closefrom = (void (*)(int))cprof_io_resolve("closefrom");
	if (real_closefrom)
		real_closefrom(lowfd);
}

IO_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	static int (*real_close_range)(unsigned int, unsigned int, int);
	if (!real_close_range)
		real_close_range = (int (*)(unsigned int, unsigned int, int))cprof_io_resolve("close_range");
	NOSYS_IF_MISSING(close, -1);
	ust_safe_resolve();
	/* only closing is a danger: CLOSE_RANGE_CLOEXEC marks, and a new
	 * image brings its own lttng-ust */
	if (!ust_safe_close || (flags & ~CLOSE_RANGE_UNSHARE) || first > last) {
		if (!real_close_range) {
			errno = ENOSYS;
			return -1;
		}
		return real_close_range(first, last, flags);
	}
	if ((flags & CLOSE_RANGE_UNSHARE) && unshare(CLONE_FILES) < 0)
		return -1;
	int saved0 = errno;
	if (close_open_range(first, last) == 0) {
		errno = saved0;
		return 0;
	}
	long max = sysconf(_SC_OPEN_MAX);
	unsigned int hi = max > 0 && (unsigned long)max - 1 < last ? (unsigned int)(max - 1) : last;
	int saved = errno;
	for (unsigned int fd = first; fd <= hi && fd <= INT_MAX; fd++) {
		ust_safe_close((int)fd, close_one);
		if (fd == UINT_MAX)
			break;
	}
	errno = saved;
	return 0;
}

/* ---- poll family ------------------------------------------------------------ */

/* The wait kind of a poll over these fds: network if any is a socket. */
static uint8_t poll_kind(const int32_t *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (cprof_fd_type(fds[i]) == CPROF_FD_SOCKET)
			return CPROF_WAIT_NET_POLL;
	return CPROF_WAIT_SYSCALL;
}

static int pollfd_list(const struct pollfd *p, nfds_t n, int32_t *out)
{
	int k = 0;
	for (nfds_t i = 0; i < n && k < MAX_POLL_FDS; i++)
		if (p[i].fd >= 0)
			out[k++] = p[i].fd;
	return k;
}

static void ensure_infos(const int32_t *fds, int n)
{
	if (!cprof_tracing)
		return;
	for (int i = 0; i < n; i++)
		cprof_fd_info_ensure(fds[i]);
}

/* A poll's or select's ready fd it reads: its notify key, if any, among
 * what ended the wait (a stamp of another key did not wake it). */
static void fired_add(struct cprof_io_wait *w, int fd)
{
	uint32_t key;
	if (w->nfired < sizeof w->fired_keys / sizeof w->fired_keys[0] && (key = cprof_fd_notify_key(fd)))
		w->fired_keys[w->nfired++] = key;
}

/* poll and ppoll: probe with a zero timeout while tracing, then the wait. */
static int do_poll(uint8_t op, struct pollfd *fds, nfds_t n, int timeout_ms,
		const struct timespec *ts, const sigset_t *mask)
{
	int entry_errno = errno;
	int32_t list[MAX_POLL_FDS];
	if (cprof_tracing) {
		static const struct timespec zero = { 0, 0 };
		int r = op == CPROF_NET_POLL ? real_poll(fds, n, 0) : real_ppoll(fds, n, &zero, mask);
		if (r != 0)
			return r;
		errno = entry_errno;
	}
	int k = pollfd_list(fds, n, list);
	uint8_t kind = n == 0 ? CPROF_WAIT_SLEEP : poll_kind(list, k);
	struct cprof_io_wait w;
	ensure_infos(list, k);
	/* the fds it waits to read: a writer to one wakes it */
	int32_t in[MAX_POLL_FDS];
	int nin = 0;
	for (nfds_t i = 0; cprof_tracing && i < n && nin < MAX_POLL_FDS; i++)
		if (fds[i].fd >= 0 && (fds[i].events & (POLLIN | POLLRDNORM)))
			in[nin++] = fds[i].fd;
	errno = entry_errno;
	cprof_net_wait_begin(&w, kind, op, k ? list[0] : -1, in, nin);
	int r = op == CPROF_NET_POLL ? real_poll(fds, n, timeout_ms) : real_ppoll(fds, n, ts, mask);
	if (r > 0 && nin) {
		int saved = errno;
		w.fired = 0;
		w.nfired = 0;
		for (nfds_t i = 0; i < n; i++)
			if (fds[i].fd >= 0 && (fds[i].events & (POLLIN | POLLRDNORM)) &&
					(fds[i].revents & (POLLIN | POLLRDNORM | POLLHUP | POLLERR)))
				fired_add(&w, fds[i].fd);
		errno = saved;
	}
	cprof_net_wait_end(&w, op, k ? list[0] : -1, r, r < 0 ? errno : 0, list, k);
	return r;
}

IO_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	NOSYS_IF_MISSING(poll, -1);
	if (!cprof_io_recording() || timeout == 0)
		return real_poll(fds, n, timeout);
	return do_poll(CPROF_NET_POLL, fds, n, timeout, NULL, NULL);
}

IO_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof *fds < n) {
		if (!real___poll_chk)
			real___poll_chk = cprof_io_resolve("__poll_chk");
		if (real___poll_chk)
			return real___poll_chk(fds, n, timeout, fdslen);
		__builtin_trap();
	}
	return poll(fds, n, timeout);
}

IO_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	NOSYS_IF_MISSING(ppoll, -1);
	if (!cprof_io_recording() || (ts && ts->tv_sec == 0 && ts->tv_nsec == 0))
		return real_ppoll(fds, n, ts, mask);
	return do_poll(CPROF_NET_PPOLL, fds, n, 0, ts, mask);
}

IO_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		const sigset_t *mask, size_t fdslen)
{
	if (fdslen / sizeof *fds < n) {
		if (!real___ppoll_chk)
			real___ppoll_chk = cprof_io_resolve("__ppoll_chk");
		if (real___ppoll_chk)
			return real___ppoll_chk(fds, n, ts, mask, fdslen);
		__builtin_trap();
	}
	return ppoll(fds, n, ts, mask);
}

/* select and pselect: the sets are in/out, so the probe works on copies. */
static int do_select(uint8_t op, int nfds, fd_set *rd, fd_set *wr, fd_set *ex,
		struct timeval *tv, const struct timespec *ts, const sigset_t *mask)
{
	int entry_errno = errno;
	size_t bytes = nfds > 0 ? (((size_t)nfds + 63) / 64) * 8 : 0;
	if (bytes > sizeof(fd_set))
		bytes = sizeof(fd_set);
	int32_t list[MAX_POLL_FDS];
	int k = 0;
	for (int fd = 0; fd < nfds && fd < FD_SETSIZE && k < MAX_POLL_FDS; fd++)
		if ((rd && FD_ISSET(fd, rd)) || (wr && FD_ISSET(fd, wr)) || (ex && FD_ISSET(fd, ex)))
			list[k++] = fd;
	if (cprof_tracing && k) {
		fd_set c[3];
		fd_set *sets[3] = { rd, wr, ex };
		for (int i = 0; i < 3; i++)
			if (sets[i])
				memcpy(&c[i], sets[i], bytes);
		struct timeval ztv = { 0, 0 };
		struct timespec zts = { 0, 0 };
		int r = op == CPROF_NET_SELECT ? real_select(nfds, rd, wr, ex, &ztv) :
			real_pselect(nfds, rd, wr, ex, &zts, mask);
		if (r != 0)
			return r;
		for (int i = 0; i < 3; i++)
			if (sets[i])
				memcpy(sets[i], &c[i], bytes);
		errno = entry_errno;
	}
	uint8_t kind = k == 0 ? CPROF_WAIT_SLEEP : poll_kind(list, k);
	struct cprof_io_wait w;
	ensure_infos(list, k);
	int32_t in[MAX_POLL_FDS];
	int nin = 0;
	for (int i = 0; cprof_tracing && rd && i < k; i++)
		if (FD_ISSET(list[i], rd))
			in[nin++] = list[i];
	errno = entry_errno;
	cprof_net_wait_begin(&w, kind, op, k ? list[0] : -1, in, nin);
	int r = op == CPROF_NET_SELECT ? real_select(nfds, rd, wr, ex, tv) :
		real_pselect(nfds, rd, wr, ex, ts, mask);
	if (r > 0 && nin) {
		int saved = errno;
		w.fired = 0;
		w.nfired = 0;
		for (int i = 0; i < nin; i++)
			if (FD_ISSET(in[i], rd))
				fired_add(&w, in[i]);
		errno = saved;
	}
	cprof_net_wait_end(&w, op, k ? list[0] : -1, r, r < 0 ? errno : 0, list, k);
	return r;
}

IO_EXPORT int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	NOSYS_IF_MISSING(select, -1);
	if (!cprof_io_recording() || (tv && tv->tv_sec == 0 && tv->tv_usec == 0))
		return real_select(nfds, rd, wr, ex, tv);
	return do_select(CPROF_NET_SELECT, nfds, rd, wr, ex, tv, NULL, NULL);
}

IO_EXPORT int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *ts,
		const sigset_t *mask)
{
	NOSYS_IF_MISSING(pselect, -1);
	if (!cprof_io_recording() || (ts && ts->tv_sec == 0 && ts->tv_nsec == 0))
		return real_pselect(nfds, rd, wr, ex, ts, mask);
	return do_select(CPROF_NET_PSELECT, nfds, rd, wr, ex, NULL, ts, mask);
}

static int do_epoll(uint8_t op, int epfd, struct epoll_event *ev, int max, int timeout,
		const sigset_t *mask)
{
	int entry_errno = errno;
	if (cprof_tracing) {
		int r = op == CPROF_NET_EPOLL_WAIT ? real_epoll_wait(epfd, ev, max, 0) :
			real_epoll_pwait(epfd, ev, max, 0, mask);
		if (r != 0)
			return r;
		cprof_fd_info_ensure(epfd);
		errno = entry_errno;
	}
	struct cprof_io_wait w;
	cprof_net_wait_begin(&w, CPROF_WAIT_NET_POLL, op, epfd, NULL, 0);
	int r = op == CPROF_NET_EPOLL_WAIT ? real_epoll_wait(epfd, ev, max, timeout) :
		real_epoll_pwait(epfd, ev, max, timeout, mask);
	if (r > 0 && w.whole) {
		/* which of its notify fds fired: their data, as the program gave
		 * it to epoll_ctl, is in the events */
		int n = cprof_fd_epoll_fired(epfd, ev, r, w.fired_keys, 4);
		if (n >= 0) {
			w.fired = 0;
			w.nfired = (uint8_t)n;
		}
	}
	cprof_net_wait_end(&w, op, epfd, r, r < 0 ? errno : 0, NULL, 0);
	return r;
}

/* The pipes and eventfds an epoll set reads are kept with its fd (always:
 * a capture may start while it waits), so that their writers can name
 * themselves the waker of its epoll_wait. */
IO_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	NOSYS_IF_MISSING(epoll_ctl, -1);
	int r = real_epoll_ctl(epfd, op, fd, ev);
	if (r == 0 && cprof_io_recording()) {
		int saved = errno;
		cprof_fd_epoll_track(epfd, op, fd, ev ? ev->events : 0, ev ? ev->data.u64 : 0);
		errno = saved;
	}
	return r;
}

IO_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	NOSYS_IF_MISSING(epoll_wait, -1);
	if (!cprof_io_recording() || timeout == 0)
		return real_epoll_wait(epfd, ev, max, timeout);
	return do_epoll(CPROF_NET_EPOLL_WAIT, epfd, ev, max, timeout, NULL);
}

IO_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
		const sigset_t *mask)
{
	NOSYS_IF_MISSING(epoll_pwait, -1);
	if (!cprof_io_recording() || timeout == 0)
		return real_epoll_pwait(epfd, ev, max, timeout, mask);
	return do_epoll(CPROF_NET_EPOLL_PWAIT, epfd, ev, max, timeout, mask);
}
