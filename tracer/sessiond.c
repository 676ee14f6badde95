/* sessiond.c: makes sure a session daemon answers for this process's user,
 * starting `lttng-sessiond` when none is alive (liblttng-ctl never starts
 * one).  The daemon must see the same LTTNG_HOME/HOME as the app, which it
 * does: it inherits our environment, minus what would make cprof trace the
 * daemon itself.
 *
 * It is started in this process's session, not in one of its own as
 * `--daemonize` (setsid) would: with the kernel's automatic session groups
 * (sched_autogroup) a mostly idle daemon in its own group starved next to a
 * program keeping every CPU busy.  Measured on a 2-CPU VM (kernel 6.18) with
 * the TCP example under 4 clients: the first capture over HTTP started
 * 13.0 s after the request (2 runs; the load's whole length) with the
 * daemon in its own session, 0.26-0.28 s with autogroup off (3 runs). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lttng/lttng.h>

#include "internal.h"

#define START_TIMEOUT_MS 10000

extern char **environ;

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The sessiond path: LTTNG_SESSIOND_PATH like the lttng CLI, else a PATH
 * search done here because the child of a multi-threaded process must not
 * allocate between fork and exec. */
static int find_sessiond(char *out, size_t size)
{
	const char *env = getenv("LTTNG_SESSIOND_PATH");
	const char *path = getenv("PATH");
	const char *p, *colon;

	if (env && *env) {
		if ((size_t) snprintf(out, size, "%s", env) >= size)
			return -ENAMETOOLONG;
		return access(out, X_OK) ? -errno : 0;
	}
	if (!path || !*path)
		path = "/usr/bin:/bin";
	for (p = path; *p; p = *colon ? colon + 1 : colon) {
		size_t len;

		colon = strchrnul(p, ':');
		len = (size_t) (colon - p);
		if (!len || len + sizeof("/lttng-sessiond") > size)
			continue;
		memcpy(out, p, len);
		strcpy(out + len, "/lttng-sessiond");
		if (!access(out, X_OK))
			return 0;
	}
	return -ENOENT;
}

/* Environment for the daemon: ours without LD_PRELOAD and CPROF_* so the
 * daemon is never traced by cprof itself. */
static char **daemon_env(void)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(environ[i], "LD_PRELOAD=", 11) || !strncmp(environ[i], "CPROF_", 6))
			continue;
		env[k++] = environ[i];
	}
	return env;
}

/* 1 if process pid is gone or a zombie (the daemon died at startup); 0
 * when that cannot be told (no /proc). */
static int process_gone(pid_t pid)
{
	char path[64], buf[256];
	ssize_t n;
	int fd;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	const char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && rp[2] == 'Z';
}

/* The daemon's pid, from the shell's one line on fd: read up to its newline
 * (not to end of file: a child another thread forks meanwhile keeps a copy
 * of the pipe's write end), waiting at most 5 s; 0 if none. */
static pid_t read_pid_line(int fd)
{
	char out[32];
	size_t got = 0;

	while (got < sizeof(out) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, 5000);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			break;
		ssize_t n = read(fd, out + got, sizeof(out) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t) n;
		if (memchr(out, '\n', got))
			break;
	}
	out[got] = 0;
	return got && memchr(out, '\n', got) ? (pid_t) atoi(out) : 0;
}

/* Starts lttng-sessiond through /bin/sh, which puts it in the background
 * (`exec`: the daemon itself, so that it is not our child - a host that
 * waits for all its children must not wait for the daemon), prints its pid
 * and exits.  The daemon stays in this process's session (see the top of
 * this file) in a process group of its own (the terminal's Ctrl-C does not
 * reach it), with / as working directory and no descriptor of ours.  Its
 * signals are reset, except SIGINT and SIGQUIT, which the shell's rule for
 * background commands leaves ignored (the daemon handles SIGINT itself, and
 * its own process group keeps the terminal's away).  In a host that is a
 * child subreaper the daemon becomes the host's child, as it did with
 * `--daemonize`.  posix_spawn (vfork semantics) runs no atfork handlers
 * and no interposed code in the child. */
static int spawn_sessiond(struct cprof_error *err)
{
	char found[PATH_MAX], path[PATH_MAX];
	char *argv[] = { "sh", "-c", "cd / && exec \"$0\" </dev/null >/dev/null 2>&1 & echo \"$!\"", path,
		NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char **env = NULL;
	int fa_ok = 0, attr_ok = 0, r, status = 0, pfd[2] = { -1, -1 };
	pid_t pid, daemon_pid = 0;

	r = find_sessiond(found, sizeof(found));
	if (r) {
		cprof_error_set(err, -EHOSTDOWN,
				"no session daemon is running and lttng-sessiond cannot be started: %s not found in PATH",
				"lttng-sessiond");
		return -EHOSTDOWN;
	}
	/* absolute: the shell changes to / first */
	if (!realpath(found, path))
		snprintf(path, sizeof(path), "%s", found);
	env = daemon_env();
	if (!env) {
		r = cprof_error_set(err, -EHOSTDOWN, "cannot start %s: out of memory", path);
		goto end;
	}
	if (pipe2(pfd, O_CLOEXEC)) {
		r = cprof_error_set(err, -EHOSTDOWN, "cannot start %s: pipe: %s", path, strerror(errno));
		goto end;
	}
	if ((r = posix_spawn_file_actions_init(&fa))) {
		r = cprof_error_set(err, -EHOSTDOWN, "cannot start %s: %s", path, strerror(r));
		goto end;
	}
	fa_ok = 1;
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
			posix_spawn_file_actions_adddup2(&fa, pfd[1], 1) ||
			posix_spawn_file_actions_addclosefrom_np(&fa, 3)) {
		r = cprof_error_set(err, -EHOSTDOWN, "cannot set up the lttng-sessiond spawn");
		goto end;
	}
	/* Nothing of the host's signal setup (blocked or ignored SIGTERM...)
	 * may reach the daemon, or it could not be stopped. */
	sigemptyset(&none);
	sigfillset(&all);
	if ((r = posix_spawnattr_init(&attr))) {
		r = cprof_error_set(err, -EHOSTDOWN, "cannot start %s: %s", path, strerror(r));
		goto end;
	}
	attr_ok = 1;
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
			POSIX_SPAWN_SETPGROUP);
	cprof_internal_begin();
	r = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, env);
	close(pfd[1]);
	pfd[1] = -1;
	if (!r) {
		daemon_pid = read_pid_line(pfd[0]);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		/* ECHILD (the host reaps children or ignores SIGCHLD): the pid
		 * printed is what counts */
	}
	cprof_internal_end();
	if (r) {
		r = cprof_error_set(err, -EHOSTDOWN, "cannot start %s: /bin/sh: %s", path, strerror(r));
		goto end;
	}
	if (daemon_pid <= 0) {
		r = cprof_error_set(err, -EHOSTDOWN, "cannot start %s: /bin/sh printed no pid", path);
		goto end;
	}
	/* A daemon that dies at startup is noticed at once; one second more of
	 * polling covers a daemon that lost the race to one another process
	 * started at the same moment (it exits, the other answers). */
	for (int ms = 0, gone_at = -1; !lttng_session_daemon_alive(); ms += 10) {
		if (gone_at < 0 && process_gone(daemon_pid))
			gone_at = ms;
		if (ms >= START_TIMEOUT_MS || (gone_at >= 0 && ms - gone_at >= 1000)) {
			r = cprof_error_set(err, -EHOSTDOWN,
					"%s %s; is HOME/LTTNG_HOME writable?", path,
					gone_at >= 0 ? "exited at startup" : "did not answer within 10 s");
			goto end;
		}
		sleep_ms(10);
	}
	r = 0;
end:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	free(env);
	return r;
}

int cprof_sessiond_ensure(struct cprof_error *err)
{
	if (lttng_session_daemon_alive() == 1)
		return 0;
	return spawn_sessiond(err);
}
