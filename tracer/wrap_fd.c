/* wrap_fd.c: the interposed calls that create, copy or change fds, kept
 * only so the fd table (fdtable.c) knows what each fd is and whether it is
 * non-blocking.  Nothing here is recorded; return values and errno are the
 * real calls'. */
/* no LFS redirection (fcntl -> fcntl64), no fortify inlines */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wrap_io.h"

IO_REAL_DECL(socket);
IO_REAL_DECL(socketpair);
IO_REAL_DECL(pipe);
IO_REAL_DECL(pipe2);
IO_REAL_DECL(dup);
IO_REAL_DECL(dup2);
IO_REAL_DECL(dup3);
IO_REAL_DECL(setsockopt);
static int (*real_fcntl)(int, int, ...);
static int (*real_fcntl64)(int, int, ...);
static int (*real_ioctl)(int, unsigned long, ...);


CPROF_TLS int cprof_tls_ctl;

IO_EXPORT int socket(int domain, int type, int protocol)
{
	NOSYS_IF_MISSING(socket, -1);
	if (io_unlikely(cprof_ust_quiet) && cprof_ust_caller(__builtin_return_address(0))) {
		cprof_tls_ust_refused = 1;   /* its next sleep() waits for a capture */
		errno = EACCES;   /* a fork child's lttng-ust listener (wrap_pthread.c) */
		return -1;
	}
	int r = real_socket(domain, type, protocol);
	if (io_unlikely(cprof_tls_ctl) && r >= 0) {
		/* liblttng-ctl's (session.c, cprof_ctl_enter): never on fds 0-2,
		 * and not the program's */
		if (r <= 2) {
			int saved = errno;
			int moved = (int)syscall(SYS_fcntl, r, F_DUPFD_CLOEXEC, 3);
			if (moved >= 0) {
				syscall(SYS_close, r);
				r = moved;
			}
			errno = saved;
		}
		return r;
	}
	if (r >= 0)
		cprof_fd_created(r, CPROF_FD_SOCKET, domain, type & 0xf, (type & SOCK_NONBLOCK) != 0);
	return r;
}

/* A fork child's lttng-ust listener, refused (socket() above), waits for
 * a session daemon on the futex of its wait page (lttng-ust-wait-8, from
 * shm_open) while the word there is 0.  The word other daemons of the same
 * user left there (several come and go: measured in the test suite's
 * parallel runs, where a fork child's capture then never started) must
 * not hold it once the child asks for a capture: while quiet, lttng-ust
 * gets a page of its own saying "a daemon is up", and retries on its own
 * schedule (wrap_pthread.c, cprof_ust_quiet_sleep). */
IO_REAL_DECL(shm_open);

IO_EXPORT int shm_open(const char *name, int oflag, mode_t mode)
{
	NOSYS_IF_MISSING(shm_open, -1);
	if (io_unlikely(cprof_ust_quiet) && cprof_ust_caller(__builtin_return_address(0)) &&
			name && strstr(name, "lttng-ust-wait-")) {
		int fd = (int)syscall(SYS_memfd_create, "cprof-ust-wait", MFD_CLOEXEC);
		int32_t up = 1;
		long page = sysconf(_SC_PAGESIZE);
		if (fd >= 0 && !ftruncate(fd, page > 0 ? page : 4096) &&
				pwrite(fd, &up, sizeof up, 0) == (ssize_t)sizeof up)
			return fd;
		if (fd >= 0)
			syscall(SYS_close, fd);
	}
	return real_shm_open(name, oflag, mode);
}

IO_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	NOSYS_IF_MISSING(socketpair, -1);
	int r = real_socketpair(domain, type, protocol, sv);
	if (r == 0) {
		for (int i = 0; i < 2; i++)
			cprof_fd_created(sv[i], CPROF_FD_SOCKET, domain, type & 0xf,
				(type & SOCK_NONBLOCK) != 0);
		cprof_fd_pair_keyed(sv);
	}
	return r;
}

IO_EXPORT int pipe(int fds[2])
{
	NOSYS_IF_MISSING(pipe, -1);
	int r = real_pipe(fds);
	if (r == 0)
		for (int i = 0; i < 2; i++)
			cprof_fd_created(fds[i], CPROF_FD_PIPE, 0, 0, 0);
	return r;
}

IO_EXPORT int pipe2(int fds[2], int flags)
{
	NOSYS_IF_MISSING(pipe2, -1);
	int r = real_pipe2(fds, flags);
	if (r == 0)
		for (int i = 0; i < 2; i++)
			cprof_fd_created(fds[i], CPROF_FD_PIPE, 0, 0, (flags & O_NONBLOCK) != 0);
	return r;
}

IO_EXPORT int dup(int fd)
{
	NOSYS_IF_MISSING(dup, -1);
	int r = real_dup(fd);
	if (r >= 0)
		cprof_fd_copied(fd, r);
	return r;
}

IO_EXPORT int dup2(int fd, int fd2)
{
	NOSYS_IF_MISSING(dup2, -1);
	int r = real_dup2(fd, fd2);
	if (r >= 0)
		cprof_fd_copied(fd, r);
	return r;
}

IO_EXPORT int dup3(int fd, int fd2, int flags)
{
	NOSYS_IF_MISSING(dup3, -1);
	int r = real_dup3(fd, fd2, flags);
	if (r >= 0)
		cprof_fd_copied(fd, r);
	return r;
}

static void fcntl_track(int fd, int cmd, long arg, int r)
{
	if (r < 0)
		return;
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		cprof_fd_copied(fd, r);
	else if (cmd == F_SETFL)
		cprof_fd_set_flag(fd, CPROF_FDF_NONBLOCK, (arg & O_NONBLOCK) != 0);
}

/* Variadic: like glibc, the third argument is passed on as a pointer-sized
 * value whatever the command. */
IO_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (!real_fcntl && !(real_fcntl = cprof_io_resolve("fcntl"))) {
		errno = ENOSYS;
		return -1;
	}
	if ((cmd == F_SETLKW || cmd == F_OFD_SETLKW) && cprof_io_recording())
		return cprof_fcntl_lock_wait(real_fcntl, fd, cmd, arg);   /* a lock wait */
	int r = real_fcntl(fd, cmd, arg);
	if (r >= 0) {
		int saved = errno;
		fcntl_track(fd, cmd, (long)arg, r);
		errno = saved;
	}
	return r;
}

IO_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (!real_fcntl64 && !(real_fcntl64 = cprof_io_resolve("fcntl64"))) {
		errno = ENOSYS;
		return -1;
	}
	if ((cmd == F_SETLKW || cmd == F_OFD_SETLKW) && cprof_io_recording())
		return cprof_fcntl_lock_wait(real_fcntl64, fd, cmd, arg);   /* a lock wait */
	int r = real_fcntl64(fd, cmd, arg);
	if (r >= 0) {
		int saved = errno;
		fcntl_track(fd, cmd, (long)arg, r);
		errno = saved;
	}
	return r;
}

IO_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (!real_ioctl && !(real_ioctl = cprof_io_resolve("ioctl"))) {
		errno = ENOSYS;
		return -1;
	}
	int r = real_ioctl(fd, req, arg);
	if (r == 0 && req == FIONBIO && arg) {
		int saved = errno;
		cprof_fd_set_flag(fd, CPROF_FDF_NONBLOCK, *(const int *)arg != 0);
		errno = saved;
	}
	return r;
}

IO_EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	NOSYS_IF_MISSING(setsockopt, -1);
	int r = real_setsockopt(fd, level, name, val, len);
	if (r == 0 && level == SOL_SOCKET && name == SO_RCVLOWAT && val && len >= sizeof(int)) {
		int saved = errno;
		cprof_fd_set_flag(fd, CPROF_FDF_NO_PROBE, *(const int *)val > 1);
		errno = saved;
	}
	return r;
}
