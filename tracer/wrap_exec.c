/* wrap_exec.c: the exec family, so that a whole-run trace (CPROF_TRACE,
 * cprof-run -o) or the endpoint (CPROF_HTTP, cprof-run --http) follows the
 * program into the image it execs (api.c, cprof_exec_handover,
 * cprof_exec_http_handover): `cprof-run -o t.out -- env A=1 prog` traces
 * prog.
 * glibc's execv, execvp and execl* call its execve internally, out of
 * reach of an interposer: each is wrapped.
 *
 * Every other exec, and posix_spawn, runs the new program without cprof's
 * preload: it would not be traced (only the process given CPROF_TRACE or
 * CPROF_HTTP is), and lttng-ust's threads in it can break it - Chromium's
 * zygote forks its helpers with a raw clone() and expects no other thread
 * (under LD_PRELOAD=liblttng-ust.so.1 alone the browser aborts: "GPU
 * process isn't usable"); each command of `make` or `bash -c` paid
 * lttng-ust's start for nothing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "wrap_io.h"

extern char **environ;

IO_REAL_DECL(execve);
IO_REAL_DECL(execvpe);
IO_REAL_DECL(fexecve);
IO_REAL_DECL(execveat);
IO_REAL_DECL(posix_spawn);
IO_REAL_DECL(posix_spawnp);

/* cprof's entries of LD_PRELOAD (".../libcprof-preload.so", ".../libcprof.so.0") */
static int cprof_entry(const char *s, size_t n)
{
	size_t b = n;
	while (b > 0 && s[b - 1] != '/')
		b--;
	return n - b >= 8 && !strncmp(s + b, "libcprof", 8);
}

static int is_preload(const char *e)
{
	return !strncmp(e, "LD_PRELOAD=", 11);
}

/* What exec_traced and the spawn wrappers need of an environment, in one
 * pass: its entry count, the first LD_PRELOAD (the one the loader reads):
 * its length and whether it loads cprof, and whether the caller asks for a
 * trace of the new program (CPROF_TRACE or CPROF_HTTP, which cprof took out
 * of this process's environment: set on purpose, the preload stays). */
struct env_info {
	size_t n, preload_len;
	int ours, asked;
};

static struct env_info env_info(char *const envp[])
{
	struct env_info e = { 0, 0, 0, 0 };
	for (; envp && envp[e.n]; e.n++) {
		const char *v = envp[e.n];
		if (is_preload(v) && !e.preload_len) {
			e.preload_len = strlen(v);
			for (const char *p = v + 11; *p; ) {
				size_t m = strcspn(p, ": ");
				e.ours |= m && cprof_entry(p, m);
				p += m + (p[m] != 0);
			}
		}
		e.asked |= !strncmp(v, "CPROF_TRACE=", 12) || !strncmp(v, "CPROF_HTTP=", 11);
	}
	return e;
}

/* Copies of an environment go on the stack (a vfork child may not
 * allocate): beyond this many entries, or a longer LD_PRELOAD, it is passed
 * as it is. */
#define MAX_ENV_COPY 8192
#define MAX_PRELOAD_COPY 16384
#define STRIP_ROOM(e) ((e).n <= MAX_ENV_COPY ? (e).n + 1 : 1)
#define STRIP_BUF(e) ((e).preload_len <= MAX_PRELOAD_COPY ? (e).preload_len + 1 : 1)
/* envp, or a copy without cprof's preload when it has it and may lose it */
#define STRIPPED(envp, e, stripped, buf) \
	((e).ours && !(e).asked && (e).n <= MAX_ENV_COPY && (e).preload_len <= MAX_PRELOAD_COPY ? \
		strip_preload(envp, stripped, buf) : (envp))

/* envp without cprof's LD_PRELOAD entries, in env (n + 1 slots) and buf
 * (len + 1 bytes): LD_PRELOAD keeps the others (":" between them), or goes
 * if none is left. */
static char *const *strip_preload(char *const envp[], char **env, char *buf)
{
	size_t k = 0;
	int seen = 0;
	for (size_t i = 0; envp && envp[i]; i++) {
		/* the first LD_PRELOAD is the one the loader reads */
		if (!is_preload(envp[i]) || seen++) {
			env[k++] = envp[i];
			continue;
		}
		const char *p = envp[i] + 11;
		size_t o = 11, kept = 0;
		memcpy(buf, "LD_PRELOAD=", 11);
		while (*p) {
			size_t m = strcspn(p, ": ");
			if (m && !cprof_entry(p, m)) {
				if (kept++)
					buf[o++] = ':';
				memcpy(buf + o, p, m);
				o += m;
			}
			p += m;
			if (*p)
				p++;
		}
		buf[o] = 0;
		if (kept)
			env[k++] = buf;
	}
	env[k] = NULL;
	return env;
}

static int exec_real(int how, const char *path, int fd, char *const argv[], char *const envp[],
	int flags)
{
	if (how == 0)
		return IO_REAL(execve) ? real_execve(path, argv, envp) : (errno = ENOSYS, -1);
	if (how == 1)
		return IO_REAL(execvpe) ? real_execvpe(path, argv, envp) : (errno = ENOSYS, -1);
	if (how == 3)
		return IO_REAL(execveat) ? real_execveat(fd, path, argv, envp, flags) :
			(errno = ENOSYS, -1);
	return IO_REAL(fexecve) ? real_fexecve(fd, argv, envp) : (errno = ENOSYS, -1);
}

/* Calls exec with the trace handed over (envp with CPROF_TRACE=path instead
 * of any it had, on this thread's stack: threads and vfork children may
 * exec at once); takes the trace back if exec failed.  `how`: 0
 * execve(path), 1 execvpe(path), 2 fexecve(fd), 3 execveat(fd, path, flags). */
static int exec_traced(int how, const char *path, int fd, char *const argv[], char *const envp[],
	int flags)
{
	/* A shell looking a command up tries execve() in each PATH directory:
	 * the trace and the endpoint move only for a file that can run
	 * (handing them over and back cost a capture restart - a new session,
	 * a new port - per directory tried).  execvpe searches inside glibc,
	 * out of this wrapper's sight: one call. */
	if (how == 0 && path && faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) != 0)
		return exec_real(how, path, fd, argv, envp, flags);
	if (how == 3 && path && *path && faccessat(fd, path, X_OK,
			AT_EACCESS | (flags & AT_SYMLINK_NOFOLLOW)) != 0)
		return exec_real(how, path, fd, argv, envp, flags);
	/* the new image traces only if it loads cprof: an environment without
	 * our preload (execle with an environment of its own) gets the trace
	 * finished here instead, and no CPROF_TRACE */
	struct env_info e = env_info(envp);
	if (!e.ours || e.n > MAX_ENV_COPY) {
		cprof_exec_finish();
		return exec_real(how, path, fd, argv, envp, flags);
	}
	const char *trace = cprof_exec_handover();
	const char *http = cprof_exec_http_handover();
	if (!trace && !http) {
		char *stripped[STRIP_ROOM(e)], buf[STRIP_BUF(e)];
		return exec_real(how, path, fd, argv, STRIPPED(envp, e, stripped, buf), flags);
	}
	char trace_entry[PATH_MAX + 16], http_entry[300];
	size_t k = 0;
	snprintf(trace_entry, sizeof trace_entry, "CPROF_TRACE=%s", trace ? trace : "");
	snprintf(http_entry, sizeof http_entry, "CPROF_HTTP=%s", http ? http : "");
	char *env[e.n + 3];
	for (size_t i = 0; i < e.n; i++)
		if (strncmp(envp[i], "CPROF_TRACE=", 12) && strncmp(envp[i], "CPROF_HTTP=", 11))
			env[k++] = envp[i];
	if (trace)
		env[k++] = trace_entry;
	if (http)
		env[k++] = http_entry;
	env[k] = NULL;
	int r = exec_real(how, path, fd, argv, env, flags);
	int saved = errno;
	if (trace)
		cprof_exec_failed(trace);
	if (http)
		cprof_exec_http_failed(http);
	errno = saved;
	return r;
}

IO_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return exec_traced(0, path, -1, argv, envp, 0);
}

IO_EXPORT int execv(const char *path, char *const argv[])
{
	return exec_traced(0, path, -1, argv, environ, 0);
}

IO_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return exec_traced(1, file, -1, argv, envp, 0);
}

IO_EXPORT int execvp(const char *file, char *const argv[])
{
	return exec_traced(1, file, -1, argv, environ, 0);
}

IO_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	return exec_traced(2, NULL, fd, argv, envp, 0);
}

IO_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
	int flags)
{
	return exec_traced(3, path, dirfd, argv, envp, flags);
}

/* execl, execlp, execle: their arguments as an array on the stack, counted
 * first (as glibc does) */
#define MAX_ARGS 65536
static int exec_list(int how, const char *path, const char *arg0, va_list ap, int with_env)
{
	va_list count;
	size_t n = 1;
	va_copy(count, ap);
	if (arg0)
		while (va_arg(count, char *) && n < MAX_ARGS)
			n++;
	va_end(count);
	if (n >= MAX_ARGS) {
		errno = E2BIG;
		return -1;
	}
	char *argv[n + 1];
	argv[0] = (char *)arg0;
	for (size_t i = 1; i <= n; i++)
		argv[i] = arg0 && i < n ? va_arg(ap, char *) : NULL;
	if (arg0)
		(void)va_arg(ap, char *);   /* the terminating NULL */
	char *const *envp = with_env ? va_arg(ap, char *const *) : environ;
	return exec_traced(how, path, -1, argv, envp, 0);
}

/* execl, execlp, execle: the same but for how the image is found and where
 * its environment comes from */
#define EXEC_LIST(name, how, with_env) \
	IO_EXPORT int name(const char *path, const char *arg, ...) \
	{ \
		va_list ap; \
		va_start(ap, arg); \
		int r = exec_list(how, path, arg, ap, with_env); \
		va_end(ap); \
		return r; \
	}

EXEC_LIST(execl, 0, 0)
EXEC_LIST(execlp, 1, 0)
EXEC_LIST(execle, 0, 1)

/* posix_spawn, posix_spawnp: the child never has the trace */
#define SPAWN(name) \
	IO_EXPORT int name(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa, \
		const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) \
	{ \
		if (!IO_REAL(name)) \
			return ENOSYS; \
		struct env_info e = env_info(envp); \
		char *stripped[STRIP_ROOM(e)], buf[STRIP_BUF(e)]; \
		return real_##name(pid, path, fa, attr, argv, STRIPPED(envp, e, stripped, buf)); \
	}

SPAWN(posix_spawn)
SPAWN(posix_spawnp)
