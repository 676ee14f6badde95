/* wrap_ipc.c: calls that wait for another thread or process, or for a
 * signal, outside pthreads and fds' reads - file locks (flock, lockf,
 * fcntl's F_SETLKW / F_OFD_SETLKW in wrap_fd.c), signal waits (sigwait,
 * sigwaitinfo, sigtimedwait, pause, sigsuspend), POSIX message queues and
 * System V messages and semaphores.  Unwrapped, a thread blocked in them
 * showed as running.
 *
 * Each is a wait of kind syscall (40) named after the libc call, shaped as
 * fsync's (block_begin ... syscall_end + block_end, the thread's wait marked
 * when no capture runs).  While tracing, a call that has a non-blocking form
 * is tried in that form first - LOCK_NB, F_TLOCK, F_SETLK, a zero timeout,
 * IPC_NOWAIT, a zero-timeout poll of the queue - which is the call itself
 * when it does not have to wait: then nothing is recorded, as for a socket
 * read with data ready.  pause and sigsuspend are always waits.
 * Return values and errno are the real calls'. */
/* lockf and lockf64 side by side: no LFS redirection */
#undef _FILE_OFFSET_BITS
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "wrap_io.h"

IO_REAL_DECL(poll);
IO_REAL_DECL(flock);
IO_REAL_DECL(lockf);
IO_REAL_DECL(lockf64);
IO_REAL_DECL(sigwait);
IO_REAL_DECL(sigwaitinfo);
IO_REAL_DECL(sigtimedwait);
IO_REAL_DECL(pause);
IO_REAL_DECL(sigsuspend);
IO_REAL_DECL(mq_receive);
IO_REAL_DECL(mq_timedreceive);
IO_REAL_DECL(mq_send);
IO_REAL_DECL(mq_timedsend);
IO_REAL_DECL(msgrcv);
IO_REAL_DECL(msgsnd);
IO_REAL_DECL(semop);
IO_REAL_DECL(semtimedop);

static const struct timespec zero_ts;

/* p, hidden from the compiler's nonnull assumptions: a NULL the program
 * passes goes to the real call, which reports it */
static inline const void *launder(const void *p)
{
	__asm__("" : "+r"(p));
	return p;
}

/* The blocking call as a wait: W_BEGIN, the call, W_END(nr, name, r, err). */
#define W_BEGIN(obj) \
	struct cprof_io_wait w_; \
	cprof_io_wait_begin(&w_, CPROF_WAIT_SYSCALL, (uint64_t)(obj))
#define W_END(nr, name, r, err) cprof_sys_wait_end(&w_, nr, name, (int64_t)(r), err)

/* ---- file locks ------------------------------------------------------------- */

/* A blocking file lock request (wrap_fd.c's fcntl, flock, lockf): `probe`
 * is the non-blocking form's result (0 or -1, errno set), made only while
 * tracing; EAGAIN/EACCES/EWOULDBLOCK from it mean the lock is held. */
#define LOCK_WAIT(fd, probe, call, nr, name) \
	do { \
		int entry_errno_ = errno; \
		if (cprof_tracing) { \
			int p_ = (probe); \
			if (p_ == 0 || (errno != EAGAIN && errno != EACCES && errno != EWOULDBLOCK)) \
				return p_; \
			errno = entry_errno_; \
		} \
		cprof_fd_info_ensure(fd); \
		errno = entry_errno_; \
		W_BEGIN(fd); \
		int r_ = (call); \
		W_END(nr, name, r_, r_ < 0 ? errno : 0); \
		return r_; \
	} while (0)

int cprof_fcntl_lock_wait(int (*fn)(int, int, ...), int fd, int cmd, struct flock *fl)
{
	/* the same request without waiting: F_SETLKW -> F_SETLK */
	int nb = cmd == F_SETLKW ? F_SETLK : F_OFD_SETLK;
	if (!fl || fl->l_type == F_UNLCK)
		return fn(fd, cmd, fl);        /* an unlock never waits */
	LOCK_WAIT(fd, fn(fd, nb, fl), fn(fd, cmd, fl), SYS_fcntl, "fcntl");
}

IO_EXPORT int flock(int fd, int op)
{
	NOSYS_IF_MISSING(flock, -1);
	if (!cprof_io_recording() || (op & LOCK_NB) || !(op & (LOCK_SH | LOCK_EX)))
		return real_flock(fd, op);
	LOCK_WAIT(fd, real_flock(fd, op | LOCK_NB), real_flock(fd, op), SYS_flock, "flock");
}

IO_EXPORT int lockf(int fd, int cmd, off_t len)
{
	NOSYS_IF_MISSING(lockf, -1);
	if (!cprof_io_recording() || cmd != F_LOCK)
		return real_lockf(fd, cmd, len);
	LOCK_WAIT(fd, real_lockf(fd, F_TLOCK, len), real_lockf(fd, cmd, len), SYS_fcntl, "lockf");
}

IO_EXPORT int lockf64(int fd, int cmd, off64_t len)
{
	NOSYS_IF_MISSING(lockf64, -1);
	if (!cprof_io_recording() || cmd != F_LOCK)
		return real_lockf64(fd, cmd, len);
	LOCK_WAIT(fd, real_lockf64(fd, F_TLOCK, len), real_lockf64(fd, cmd, len), SYS_fcntl,
		"lockf");
}

/* ---- signal waits ------------------------------------------------------------ */

/* obj of a signal wait: the signals 1-64 it waits for, as a bit mask */
static uint64_t sig_bits(const sigset_t *set)
{
	uint64_t b = 0;
	memcpy(&b, set, sizeof b < sizeof *set ? sizeof b : sizeof *set);
	return b;
}

IO_EXPORT int sigwait(const sigset_t *set, int *sig)
{
	if (io_unlikely(!IO_REAL(sigwait)))
		return ENOSYS;
	if (!cprof_io_recording() || !launder(set))
		return real_sigwait(set, sig);
	int entry_errno = errno;
	if (cprof_tracing && IO_REAL(sigtimedwait)) {
		/* a pending signal is taken now, as sigwait would take it */
		int s = real_sigtimedwait(set, NULL, &zero_ts);
		int err = errno;
		errno = entry_errno;
		if (s > 0) {
			*sig = s;
			return 0;
		}
		if (err != EAGAIN && err != EINTR)
			return err;
	}
	W_BEGIN(sig_bits(set));
	int r = real_sigwait(set, sig);        /* returns the error */
	W_END(SYS_rt_sigtimedwait, "sigwait", r, r);
	return r;
}

/* sigwaitinfo and sigtimedwait (timeout: NULL = none) */
static int sig_wait_info(const sigset_t *set, siginfo_t *info, const struct timespec *timeout,
	const char *name)
{
	int entry_errno = errno;
	if (cprof_tracing) {
		int s = real_sigtimedwait(set, info, &zero_ts);
		if (s > 0 || errno != EAGAIN)
			return s;
		errno = entry_errno;
	}
	W_BEGIN(sig_bits(set));
	int r = timeout ? real_sigtimedwait(set, info, timeout) : real_sigwaitinfo(set, info);
	W_END(SYS_rt_sigtimedwait, name, r, r < 0 ? errno : 0);
	return r;
}

IO_EXPORT int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	NOSYS_IF_MISSING(sigwaitinfo, -1);
	if (!cprof_io_recording() || !launder(set) || !IO_REAL(sigtimedwait))
		return real_sigwaitinfo(set, info);
	return sig_wait_info(set, info, NULL, "sigwaitinfo");
}

IO_EXPORT int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout)
{
	NOSYS_IF_MISSING(sigtimedwait, -1);
	if (!cprof_io_recording() || !launder(set) || !timeout || (!timeout->tv_sec && !timeout->tv_nsec))
		return real_sigtimedwait(set, info, timeout);
	return sig_wait_info(set, info, timeout, "sigtimedwait");
}

IO_EXPORT int pause(void)
{
	NOSYS_IF_MISSING(pause, -1);
	if (!cprof_io_recording())
		return real_pause();
	W_BEGIN(0);
	int r = real_pause();
	W_END(SYS_pause, "pause", r, r < 0 ? errno : 0);
	return r;
}

IO_EXPORT int sigsuspend(const sigset_t *mask)
{
	NOSYS_IF_MISSING(sigsuspend, -1);
	if (!cprof_io_recording() || !launder(mask))
		return real_sigsuspend(mask);
	/* obj: the signals it lets through */
	W_BEGIN(~sig_bits(mask));
	int r = real_sigsuspend(mask);
	W_END(SYS_rt_sigsuspend, "sigsuspend", r, r < 0 ? errno : 0);
	return r;
}

/* ---- POSIX message queues (an mqd_t is an fd) --------------------------------- */

/* While tracing: does the queue let the call through now (events: POLLIN
 * to receive, POLLOUT to send)?  A non-blocking queue's calls never wait. */
static int mq_ready(mqd_t q, short events)
{
	int entry_errno = errno;
	struct pollfd p = { .fd = q, .events = events };
	__typeof__(real_poll) poll_ = IO_REAL(poll);
	int ready = !poll_ || poll_(&p, 1, 0) != 0 || cprof_fd_nonblocking(q);
	errno = entry_errno;
	return ready;
}

#define MQ_WAIT(q, events, call, nr, name, ret_t) \
	do { \
		if (!cprof_io_recording() || (cprof_tracing && mq_ready(q, events))) \
			return call; \
		W_BEGIN(q); \
		ret_t r_ = call; \
		W_END(nr, name, r_, r_ < 0 ? errno : 0); \
		return r_; \
	} while (0)

IO_EXPORT ssize_t mq_receive(mqd_t q, char *buf, size_t len, unsigned *prio)
{
	NOSYS_IF_MISSING(mq_receive, -1);
	MQ_WAIT(q, POLLIN, real_mq_receive(q, buf, len, prio), SYS_mq_timedreceive,
		"mq_receive", ssize_t);
}

IO_EXPORT ssize_t mq_timedreceive(mqd_t q, char *buf, size_t len, unsigned *prio,
	const struct timespec *abstime)
{
	NOSYS_IF_MISSING(mq_timedreceive, -1);
	MQ_WAIT(q, POLLIN, real_mq_timedreceive(q, buf, len, prio, abstime), SYS_mq_timedreceive,
		"mq_timedreceive", ssize_t);
}

IO_EXPORT int mq_send(mqd_t q, const char *buf, size_t len, unsigned prio)
{
	NOSYS_IF_MISSING(mq_send, -1);
	MQ_WAIT(q, POLLOUT, real_mq_send(q, buf, len, prio), SYS_mq_timedsend, "mq_send", int);
}

IO_EXPORT int mq_timedsend(mqd_t q, const char *buf, size_t len, unsigned prio,
	const struct timespec *abstime)
{
	NOSYS_IF_MISSING(mq_timedsend, -1);
	MQ_WAIT(q, POLLOUT, real_mq_timedsend(q, buf, len, prio, abstime), SYS_mq_timedsend,
		"mq_timedsend", int);
}

/* ---- System V messages and semaphores ------------------------------------------ */

IO_EXPORT ssize_t msgrcv(int id, void *msg, size_t size, long type, int flags)
{
	NOSYS_IF_MISSING(msgrcv, -1);
	if (!cprof_io_recording() || (flags & IPC_NOWAIT))
		return real_msgrcv(id, msg, size, type, flags);
	int entry_errno = errno;
	if (cprof_tracing) {
		ssize_t r = real_msgrcv(id, msg, size, type, flags | IPC_NOWAIT);
		if (r >= 0 || errno != ENOMSG)
			return r;
		errno = entry_errno;
	}
	W_BEGIN(id);
	ssize_t r = real_msgrcv(id, msg, size, type, flags);
	W_END(SYS_msgrcv, "msgrcv", r, r < 0 ? errno : 0);
	return r;
}

IO_EXPORT int msgsnd(int id, const void *msg, size_t size, int flags)
{
	NOSYS_IF_MISSING(msgsnd, -1);
	if (!cprof_io_recording() || (flags & IPC_NOWAIT))
		return real_msgsnd(id, msg, size, flags);
	int entry_errno = errno;
	if (cprof_tracing) {
		int r = real_msgsnd(id, msg, size, flags | IPC_NOWAIT);
		if (r == 0 || errno != EAGAIN)
			return r;
		errno = entry_errno;
	}
	W_BEGIN(id);
	int r = real_msgsnd(id, msg, size, flags);
	W_END(SYS_msgsnd, "msgsnd", r, r < 0 ? errno : 0);
	return r;
}

#define SEM_PROBE_MAX 32        /* operations copied for the probe */

/* semop / semtimedop (timeout NULL: none).  The probe is the same
 * operations with IPC_NOWAIT, applied atomically as the real call would
 * (all or none); more than SEM_PROBE_MAX of them are not probed. */
static int sem_wait_ops(int id, struct sembuf *ops, size_t n, const struct timespec *timeout)
{
	int entry_errno = errno, all_nowait = 1;
	for (size_t i = 0; i < n; i++)
		all_nowait &= (ops[i].sem_flg & IPC_NOWAIT) != 0;
	if (all_nowait)
		return timeout ? real_semtimedop(id, ops, n, timeout) : real_semop(id, ops, n);
	if (cprof_tracing && n <= SEM_PROBE_MAX && IO_REAL(semtimedop)) {
		struct sembuf nb[SEM_PROBE_MAX];
		for (size_t i = 0; i < n; i++) {
			nb[i] = ops[i];
			nb[i].sem_flg |= IPC_NOWAIT;
		}
		__typeof__(real_semtimedop) probe = IO_REAL(semtimedop);
		int r = probe(id, nb, n, NULL);
		if (r == 0 || errno != EAGAIN)
			return r;
		errno = entry_errno;
	}
	W_BEGIN(id);
	int r = timeout ? real_semtimedop(id, ops, n, timeout) : real_semop(id, ops, n);
	W_END(SYS_semtimedop, timeout ? "semtimedop" : "semop", r, r < 0 ? errno : 0);
	return r;
}

IO_EXPORT int semop(int id, struct sembuf *ops, size_t n)
{
	NOSYS_IF_MISSING(semop, -1);
	if (!cprof_io_recording() || !launder(ops))
		return real_semop(id, ops, n);
	return sem_wait_ops(id, ops, n, NULL);
}

IO_EXPORT int semtimedop(int id, struct sembuf *ops, size_t n, const struct timespec *timeout)
{
	NOSYS_IF_MISSING(semtimedop, -1);
	if (!cprof_io_recording() || !launder(ops) || (timeout && !timeout->tv_sec && !timeout->tv_nsec))
		return real_semtimedop(id, ops, n, timeout);
	return sem_wait_ops(id, ops, n, timeout);
}
