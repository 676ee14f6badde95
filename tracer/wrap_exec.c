/* wrap_exec.c: the exec family, so that a whole-run trace (CPROF_TRACE,
 * cprof-run -o) follows the program into the image it execs (api.c,
 * cprof_exec_handover): `cprof-run -o t.out -- env A=1 prog` traces prog.
 * glibc's execv, execvp and execl* call its execve internally, out of
 * reach of an interposer: each is wrapped.  Nothing changes for a process
 * without such a trace. */
#include <errno.h>
#include <limits.h>
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

#define MAX_ENV 4096

/* envp with CPROF_TRACE=path instead of any it had; NULL if too long. */
static char **env_with_trace(char *const envp[], char *entry, char **buf)
{
	size_t n = 0, k = 0;
	while (envp && envp[n])
		n++;
	if (n + 2 > MAX_ENV)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], "CPROF_TRACE=", 12))
			buf[k++] = envp[i];
	buf[k++] = entry;
	buf[k] = NULL;
	return buf;
}

/* Calls exec with the trace handed over; takes it back if exec failed.
 * `how`: 0 execve(path), 1 execvpe(path), 2 fexecve(fd). */
static int exec_traced(int how, const char *path, int fd, char *const argv[], char *const envp[])
{
	const char *trace = cprof_exec_handover();
	char entry[PATH_MAX + 16], **env = (char **)envp;
	static char *buf[MAX_ENV];   /* the process is about to be replaced */
	if (trace) {
		snprintf(entry, sizeof entry, "CPROF_TRACE=%s", trace);
		char **e = env_with_trace(envp, entry, buf);
		if (e)
			env = e;
	}
	int r;
	if (how == 0)
		r = IO_REAL(execve) ? real_execve(path, argv, env) : (errno = ENOSYS, -1);
	else if (how == 1)
		r = IO_REAL(execvpe) ? real_execvpe(path, argv, env) : (errno = ENOSYS, -1);
	else
		r = IO_REAL(fexecve) ? real_fexecve(fd, argv, env) : (errno = ENOSYS, -1);
	if (trace) {
		int saved = errno;
		cprof_exec_failed(trace);
		errno = saved;
	}
	return r;
}

IO_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return exec_traced(0, path, -1, argv, envp);
}

IO_EXPORT int execv(const char *path, char *const argv[])
{
	return exec_traced(0, path, -1, argv, environ);
}

IO_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return exec_traced(1, file, -1, argv, envp);
}

IO_EXPORT int execvp(const char *file, char *const argv[])
{
	return exec_traced(1, file, -1, argv, environ);
}

IO_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	return exec_traced(2, NULL, fd, argv, envp);
}

/* execl, execlp, execle: their arguments as an array */
#define MAX_ARGS 4096
static int exec_list(int how, const char *path, const char *arg0, va_list ap, int with_env)
{
	static char *argv[MAX_ARGS];
	size_t n = 0;
	argv[n++] = (char *)arg0;
	while (arg0) {
		char *a = va_arg(ap, char *);
		if (n == MAX_ARGS - 1) {
			errno = E2BIG;
			return -1;
		}
		argv[n++] = a;
		if (!a)
			break;
	}
	char *const *envp = with_env ? va_arg(ap, char *const *) : environ;
	return exec_traced(how, path, -1, argv, envp);
}

IO_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	int r = exec_list(0, path, arg, ap, 0);
	va_end(ap);
	return r;
}

IO_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	int r = exec_list(1, file, arg, ap, 0);
	va_end(ap);
	return r;
}

IO_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	int r = exec_list(0, path, arg, ap, 1);
	va_end(ap);
	return r;
}
