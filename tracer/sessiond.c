/* sessiond.c: makes sure a session daemon answers for this process's user,
 * starting `lttng-sessiond --daemonize` the way the lttng CLI does when none
 * is alive (liblttng-ctl never starts one).  The daemon must see the same
 * LTTNG_HOME/HOME as the app, which it does: it inherits our environment,
 * minus what would make cprof trace the daemon itself. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* Runs `lttng-sessiond --daemonize`, which exits once the daemon accepts
 * commands.  posix_spawn (vfork semantics) runs no atfork handlers and no
 * interposed code in the child; closefrom keeps our sockets and lttng-ust's
 * shm fds out of the daemon. */
static int spawn_sessiond(struct cprof_error *err)
{
	char path[PATH_MAX];
	char *argv[] = { "lttng-sessiond", "--daemonize", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char **env = NULL;
	int fa_ok = 0, attr_ok = 0, r, status = 0;
	pid_t pid;

	r = find_sessiond(path, sizeof(path));
	if (r) {
		cprof_error_set(err, -EHOSTDOWN,
				"no session daemon is running and lttng-sessiond cannot be started: %s not found in PATH",
				"lttng-sessiond");
		return -EHOSTDOWN;
	}
	env = daemon_env();
	if (!env || posix_spawn_file_actions_init(&fa)) {
		r = cprof_error_set(err, -ENOMEM, "out of memory spawning lttng-sessiond");
		goto end;
	}
	fa_ok = 1;
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
			posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
			posix_spawn_file_actions_addclosefrom_np(&fa, 3)) {
		r = cprof_error_set(err, -ENOMEM, "cannot set up the lttng-sessiond spawn");
		goto end;
	}
	/* Nothing of the host's signal setup (blocked or ignored SIGTERM...)
	 * may reach the daemon, or it could not be stopped. */
	sigemptyset(&none);
	sigfillset(&all);
	if (posix_spawnattr_init(&attr)) {
		r = cprof_error_set(err, -ENOMEM, "cannot set up the lttng-sessiond spawn");
		goto end;
	}
	attr_ok = 1;
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	cprof_internal_begin();
	r = posix_spawn(&pid, path, &fa, &attr, argv, env);
	if (!r) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		/* ECHILD (the host reaps children or ignores SIGCHLD): fall
		 * through to the liveness poll below. */
	}
	cprof_internal_end();
	if (r) {
		r = cprof_error_set(err, -EHOSTDOWN, "cannot start %s: %s", path, strerror(r));
		goto end;
	}
	for (int ms = 0; !lttng_session_daemon_alive(); ms += 10) {
		if (ms >= START_TIMEOUT_MS ||
				(WIFEXITED(status) && WEXITSTATUS(status) != 0)) {
			r = cprof_error_set(err, -EHOSTDOWN,
					"%s --daemonize failed (exit status %d); is HOME/LTTNG_HOME writable?",
					path, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			goto end;
		}
		sleep_ms(10);
	}
	r = 0;
end:
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
