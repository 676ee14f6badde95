/* api.c: the public functions of cprof.h that control captures, and the
 * environment interface of the preload library (CPROF_HTTP, CPROF_TRACE).
 *
 * A whole-run trace (cprof_trace_start, CPROF_TRACE) writes to a temporary
 * file created at start beside the target, so a bad path fails early and a
 * reader never sees a half-written trace.out: it is renamed at stop.  With
 * CPROF_TRACE the trace is finished at exit, and on SIGINT/SIGTERM when the
 * program left them at their default: the handler only writes to a pipe; an
 * internal thread finishes the trace, then re-raises the signal so the exit
 * status still says "killed by signal". */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

struct whole_run {
	struct cprof_session *session;  /* owned while running */
	char path[PATH_MAX];            /* final name */
	char tmp[PATH_MAX];             /* temporary file beside it */
	int fd;                         /* open on tmp */
	pid_t pid;                      /* process that started it */
};

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static struct whole_run run = { .fd = -1 };

extern char **environ;

/* pid of the process whose CPROF_TRACE trace is finished at exit, else 0 */
static volatile pid_t env_trace_pid;

static int sig_pipe[2] = { -1, -1 };
static const int handled_signals[] = { SIGINT, SIGTERM };
static volatile sig_atomic_t installed_mask;   /* bit i: handled_signals[i] is ours */

int cprof_error_set(struct cprof_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
		err->message[strcspn(err->message, "\n")] = 0;
	}
	return code;
}

const char *cprof_strerror(int err)
{
	const char *s;

	switch (err) {
	case 0: return "success";
	case -EBUSY: return "tracing already enabled";
	case -EHOSTDOWN: return "no LTTng session daemon can be reached or started";
	case -EALREADY: return "already running";
	}
	s = err < 0 ? strerrordesc_np(-err) : NULL;
	return s ? s : "unknown error";
}

int cprof_http_start(const char *addr, struct cprof_error *err)
{
	if (!addr)
		return cprof_error_set(err, -EINVAL, "no address given");
	return cprof_httpd_start(addr, err);
}

int cprof_http_port(void)
{
	return cprof_httpd_port();
}

int cprof_http_stop(void)
{
	return cprof_httpd_stop();
}

/* Creates the temporary file that becomes `path` at stop. */
static int open_tmp(const char *path, char *tmp, size_t size, struct cprof_error *err)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int) (slash - path + 1) : 0;
	int fd;

	if ((size_t) snprintf(tmp, size, "%.*s.%s.cprof-XXXXXX", dirlen, path,
				slash ? slash + 1 : path) >= size)
		return cprof_error_set(err, -ENAMETOOLONG, "%s: path too long", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cprof_error_set(err, -errno, "cannot create a file beside %s: %s", path,
				strerror(errno));
	if (fd <= 2) {
		/* a program started with stdio closed: daemon() and the like put
		 * /dev/null there, over the trace */
		int moved = (int) syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 3);
		if (moved >= 0) {
			syscall(SYS_close, fd);
			fd = moved;
		}
	}
	fchmod(fd, 0644);
	return fd;
}

int cprof_trace_start(const char *path, struct cprof_error *err)
{
	struct cprof_session *s = NULL;
	int fd = -1, r;
	char tmp[PATH_MAX], abs[PATH_MAX];

	if (!path || !*path)
		return cprof_error_set(err, -EINVAL, "no trace path given");
	if (path[0] != '/') {
		/* the file is made at the stop, maybe after a chdir (daemon()
		 * changes to /): where the path pointed at the start */
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return cprof_error_set(err, -errno, "%s: cannot resolve the path: %s", path,
					strerror(errno));
		if ((size_t) snprintf(abs, sizeof(abs), "%s/%s", cwd, path) >= sizeof(abs))
			return cprof_error_set(err, -ENAMETOOLONG, "%s: path too long", path);
		path = abs;
	}
	if (strlen(path) >= sizeof(run.path))
		return cprof_error_set(err, -ENAMETOOLONG, "%s: path too long", path);
	pthread_mutex_lock(&run_lock);
	if (run.session && run.pid == getpid()) {
		r = cprof_error_set(err, -EBUSY, "tracing already enabled");
		goto end;
	}
	r = fd = open_tmp(path, tmp, sizeof(tmp), err);
	if (r < 0)
		goto end;
	/* held while this process traces into it: a temporary file nobody
	 * holds is a crashed run's (cprof-run, trace_pending); the raw call,
	 * flock() is the program's (wrap_ipc.c) */
	syscall(SYS_flock, fd, LOCK_EX | LOCK_NB);
	r = cprof_session_start(NULL, &s, err);
	if (r) {
		unlink(tmp);
		close(fd);
		goto end;
	}
	cprof_own_fd(fd, 1);
	run.session = s;
	run.fd = fd;
	run.pid = getpid();
	strcpy(run.path, path);
	strcpy(run.tmp, tmp);
end:
	pthread_mutex_unlock(&run_lock);
	return r;
}

int cprof_trace_stop(struct cprof_error *err)
{
	struct cprof_session_result res;
	int r;

	pthread_mutex_lock(&run_lock);
	if (!run.session || run.pid != getpid()) {
		r = cprof_error_set(err, -ENOENT, "no trace is running");
		goto end;
	}
	r = cprof_session_finish(run.session, run.fd, 0, &res, err);
	cprof_session_drain();      /* the caller may exit right after */
	if (!r && fsync(run.fd) && errno != EINVAL)
		r = cprof_error_set(err, -errno, "%s: %s", run.tmp, strerror(errno));
	cprof_own_fd(run.fd, 0);
	if (close(run.fd) && !r)
		r = cprof_error_set(err, -errno, "%s: %s", run.tmp, strerror(errno));
	if (!r && rename(run.tmp, run.path))
		r = cprof_error_set(err, -errno, "cannot rename %s to %s: %s", run.tmp, run.path,
				strerror(errno));
	if (r)
		unlink(run.tmp);
	else if (res.discarded_events || res.lost_packets)
		cprof_log("the tracer discarded %llu events (%llu packets lost); "
				"raise CPROF_SUBBUF_SIZE or CPROF_NUM_SUBBUF",
				(unsigned long long) res.discarded_events,
				(unsigned long long) res.lost_packets);
	run.session = NULL;
	run.fd = -1;
end:
	pthread_mutex_unlock(&run_lock);
	return r;
}

/* ---- CPROF_TRACE across exec ---------------------------------------------
 * `cprof-run -o t.out -- env A=1 prog` (or nice, taskset, chrt, stdbuf,
 * numactl): the program cprof-run started execs the one the user meant.
 * Its trace would be lost with its image (no exit, no destructor), and the
 * new image, without CPROF_TRACE (taken out of the environment at start),
 * traced nothing: no trace at all.  The new image gets the trace instead. */
static char handover_path[PATH_MAX];

/* Takes this process's CPROF_TRACE trace for a handover: its session is
 * destroyed and its path returned (NULL if it owns none); *fd and tmp get
 * the temporary file, still open, no longer cprof's. */
static const char *handover(int *fd, char *tmp, size_t size)
{
	struct cprof_session *s;

	pthread_mutex_lock(&run_lock);
	if (!run.session || run.pid != getpid() || env_trace_pid != getpid()) {
		pthread_mutex_unlock(&run_lock);
		return NULL;
	}
	s = run.session;
	run.session = NULL;
	cprof_own_fd(run.fd, 0);
	*fd = run.fd;
	run.fd = -1;
	snprintf(tmp, size, "%s", run.tmp);
	strcpy(handover_path, run.path);
	env_trace_pid = 0;
	pthread_mutex_unlock(&run_lock);
	cprof_session_abort_sync(s);
	return handover_path;
}

const char *cprof_exec_handover(void)
{
	char tmp[PATH_MAX];
	int fd;
	const char *path = handover(&fd, tmp, sizeof(tmp));

	if (path) {
		close(fd);
		unlink(tmp);
	}
	/* the signal handlers stay: exec resets them, a failed exec keeps
	 * them with their thread */
	return path;
}

/* daemon(): the same, but the temporary file stays, open and locked, until
 * the daemon made its own: cprof-run, finding it locked, knows the trace
 * goes on (cprof_daemon_child closes and removes it). */
const char *cprof_daemon_handover(char *tmp, size_t size, int *fd)
{
	const char *path = handover(fd, tmp, size);

	if (!path) {
		*fd = -1;
		tmp[0] = '\0';
	}
	return path;
}

static void finish_env_trace_at_end(void);

void cprof_exec_finish(void)
{
	finish_env_trace_at_end();
}

/* The endpoint follows the exec too: `cprof-run --http ADDR -- env A=1
 * prog` served from env, whose exec ended it; prog had no endpoint. */
static char http_env_addr[256];
static pid_t http_env_pid;      /* the process serving CPROF_HTTP, else 0 */
static int http_env_port;       /* its port */
static pid_t forked_self;       /* this process, if cprof's fork hooks made it */

const char *cprof_exec_http_handover(void)
{
	if (!http_env_pid || http_env_pid != getpid())
		return NULL;
	/* the port is free for the new image, and a capture in progress is
	 * destroyed (the reaper thread does not survive the exec) */
	cprof_http_stop();
	cprof_session_drain();
	http_env_pid = 0;
	return http_env_addr;
}

static const char *addr_with_port(const char *addr, int port, char *out, size_t size);

/* daemon(): the same, the address with the port already announced (one the
 * system chose too): the daemon serves there. */
const char *cprof_daemon_http_handover(void)
{
	static char addr[sizeof(http_env_addr) + 16];
	int port = http_env_port;
	const char *a = cprof_exec_http_handover();

	return a && port > 0 ? addr_with_port(a, port, addr, sizeof(addr)) : a;
}

static void http_env_start(const char *addr)
{
	struct cprof_error err;

	if (cprof_http_start(addr, &err)) {
		cprof_log("CPROF_HTTP=%s: %s", addr, err.message);
		return;
	}
	/* the only way to learn the port of ":0" from outside */
	cprof_log("serving /debug/pprof/ on %s (port %d)", addr, cprof_http_port());
	if (addr == http_env_addr || strlen(addr) < sizeof(http_env_addr)) {
		if (addr != http_env_addr)
			strcpy(http_env_addr, addr);
		http_env_pid = getpid();
		http_env_port = cprof_http_port();
	}
}

pid_t cprof_fork_parent;

/* addr (CPROF_HTTP's form) with port put where it asks for port 0, in out;
 * else addr. */
static const char *addr_with_port(const char *addr, int port, char *out, size_t size)
{
	const char *colon = strrchr(addr, ':');
	const char *p = colon ? colon + 1 : addr;
	if (!*p || strspn(p, "0") != strlen(p))
		return addr;
	if ((size_t) snprintf(out, size, "%.*s%s%d", (int) (p - addr), addr,
				colon ? "" : ":", port) >= size)
		return addr;
	return out;
}

/* setsid() in a fork child of the process serving CPROF_HTTP: a daemon
 * made by hand (fork, the parent exits, setsid: memcached -d).  The
 * endpoint starts again in the child, on its port, once that parent is
 * gone - once the child is reparented, which happens after the parent's
 * last thread closed its fds, the listening socket among them.  An
 * internal thread waits for that, up to 2 s, retrying the bind; a parent
 * that stays longer (a server starting a helper in a session of its own)
 * keeps its endpoint.  Not followed: a second fork after setsid, an exec
 * before the takeover (the new image starts without the endpoint), a
 * vfork child (it is not the program's daemon). */
static pid_t takeover_owner;
static pid_t whole_run_parent;          /* a fork child's: the parent traced the whole run */
static char whole_run_path[PATH_MAX];

static void *takeover_thread(void *arg)
{
	(void) arg;
	char addr[sizeof(http_env_addr) + 16];
	const char *a = addr_with_port(http_env_addr, http_env_port, addr, sizeof(addr));
	struct cprof_error err;
	int gone = 0, r = -1;
	for (int i = 0; i < 200; i++) {   /* 2 s in 10 ms steps */
		if (!gone && getppid() != takeover_owner)
			gone = 1;
		if (gone && !(r = cprof_http_start(a, &err)))
			break;
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL);
	}
	if (!r) {
		cprof_log("process %d, forked from %d (gone), called setsid(): the endpoint follows "
			"it, serving /debug/pprof/ on %s (port %d)", (int) getpid(), (int) takeover_owner,
			a, cprof_http_port());
		http_env_pid = getpid();
	} else if (gone) {
		cprof_log("process %d, forked from %d (gone), called setsid(): the endpoint could not "
			"follow it: %s", (int) getpid(), (int) takeover_owner, err.message);
	} else {
		cprof_log("process %d, forked from %d, called setsid(); the endpoint (port %d) stays "
			"with process %d, which is still running", (int) getpid(), (int) takeover_owner,
			http_env_port, (int) takeover_owner);
	}
	return NULL;
}

void cprof_api_setsid(void)
{
	pid_t owner = http_env_pid, self = getpid();
	pthread_t tid;
	if (whole_run_parent && forked_self == self) {
		/* a whole-run trace does not follow (it ends with the first
		 * process, written at its exit): said while stderr is still the
		 * terminal's, most daemons redirect it next */
		cprof_log("process %d, forked from %d, called setsid(): if it is the program's "
			"daemon, it is not traced (the whole-run trace into %s is process %d's); "
			"run the program in the foreground to trace it", (int) self,
			(int) whole_run_parent, whole_run_path, (int) whole_run_parent);
		whole_run_parent = 0;
	}
	/* a child of the serving process, made by cprof's fork (a vfork child
	 * shares the parent's memory: cprof_fork_parent is not its parent) */
	if (!owner || owner == self || http_env_port <= 0 || cprof_fork_parent != owner ||
			forked_self != self || takeover_owner)
		return;
	takeover_owner = owner;
	http_env_pid = 0;   /* the endpoint is not served here until taken */
	sigset_t all, prev;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &prev);
	cprof_internal_begin();
	int r = pthread_create(&tid, NULL, takeover_thread, NULL);
	cprof_internal_end();
	pthread_sigmask(SIG_SETMASK, &prev, NULL);
	if (r)
		cprof_log("setsid(): no thread to move the endpoint (%s)", strerror(r));
	else
		pthread_detach(tid);
}

void cprof_exec_http_failed(const char *addr)
{
	http_env_start(addr);
}

void cprof_exec_failed(const char *path)
{
	struct cprof_error err;

	if (cprof_trace_start(path, &err))
		cprof_log("CPROF_TRACE=%s: %s", path, err.message);
	else
		env_trace_pid = getpid();
}

/* ---- CPROF_TRACE: finish at exit or on SIGINT/SIGTERM ------------------ */

static void finish_env_trace(void)
{
	struct cprof_error err;
	char path[PATH_MAX];
	int mine;

	pthread_mutex_lock(&run_lock);
	mine = run.session && run.pid == getpid();
	if (mine)
		strcpy(path, run.path);
	pthread_mutex_unlock(&run_lock);
	if (!mine)
		return;
	env_trace_pid = 0;
	if (cprof_trace_stop(&err))
		cprof_log("CPROF_TRACE: %s", err.message);
	else
		cprof_log("trace written to %s", path);
}

/* A crash handler that exits (_exit or exit from a SIGSEGV or SIGABRT
 * handler) may have interrupted malloc with its arena locked - glibc's own
 * "double free or corruption" abort does, inside free(): finishing the trace
 * there (liblttng-ctl and the archive allocate) deadlocked the program.
 * Such a handler runs with its signal blocked (unless SA_NODEFER); programs
 * do not otherwise block these. */
static int in_fatal_signal_handler(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS, SIGTRAP };
	sigset_t cur;

	if (pthread_sigmask(SIG_BLOCK, NULL, &cur))
		return 0;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		if (sigismember(&cur, fatal[i]) == 1)
			return 1;
	return 0;
}

/* This process's CPROF_TRACE trace, finished as it ends (exit, _exit, an
 * exec into an image without cprof) - or given up, said with a bare write,
 * in a fatal-signal handler. */
static void finish_env_trace_at_end(void)
{
	static const char msg[] = "cprof: in a fatal-signal handler: the trace is not written\n";

	if (!env_trace_pid || env_trace_pid != getpid())
		return;
	if (!in_fatal_signal_handler())
		finish_env_trace();
	else if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
}

/* Finishes a CPROF_TRACE trace at exit.  Not with atexit: a library's
 * constructor runs before __libc_start_main registers the loader's fini
 * (the ELF destructors) with atexit, so a handler registered from ours ran
 * after every destructor - after lttng-ust had unregistered our probes, and
 * the events of the stop (trace_end, the last heap counters, open network
 * waits) were lost.  This destructor runs inside the loader's fini, after
 * the program's own atexit handlers and destructors, before those of tp.c
 * (linked earlier in libcprof: destructors run in reverse order) and of
 * lttng-ust (a dependency). */
__attribute__((destructor)) static void finish_env_trace_at_fini(void)
{
	finish_env_trace_at_end();
}

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char) sig;

	if (write(sig_pipe[1], &b, 1) < 0) {
		/* nothing safe to do from a handler */
	}
	errno = saved;
}

static void *signal_thread(void *arg)
{
	unsigned char b;
	ssize_t n;
	sigset_t set;

	(void) arg;
	while ((n = read(sig_pipe[0], &b, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		return NULL;
	finish_env_trace();
	signal(b, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, b);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(b);
	return NULL;
}

/* Handles SIGINT/SIGTERM only where the program kept the default action. */
static void install_signal_handlers(void)
{
	struct sigaction sa, old;
	sigset_t all, prev;
	pthread_t tid;
	int r;

	if (pipe2(sig_pipe, O_CLOEXEC))
		return;
	cprof_own_fd(sig_pipe[0], 1);
	cprof_own_fd(sig_pipe[1], 1);
	/* The internal thread must not take the signals itself. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &prev);
	cprof_internal_begin();
	r = pthread_create(&tid, NULL, signal_thread, NULL);
	cprof_internal_end();
	pthread_sigmask(SIG_SETMASK, &prev, NULL);
	if (r) {
		cprof_log("CPROF_TRACE: no signal thread (%s); the trace is written at exit only",
				strerror(r));
		goto error;
	}
	pthread_detach(tid);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(handled_signals) / sizeof(handled_signals[0]); i++) {
		if (sigaction(handled_signals[i], NULL, &old) || old.sa_handler != SIG_DFL)
			continue;
		if (!sigaction(handled_signals[i], &sa, NULL))
			installed_mask |= 1 << i;
	}
	return;
error:
	cprof_own_fd(sig_pipe[0], 0);
	cprof_own_fd(sig_pipe[1], 0);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
}

/* Gives the default action back where the handler is still ours. */
static void restore_default_actions(void)
{
	for (size_t i = 0; i < sizeof(handled_signals) / sizeof(handled_signals[0]); i++) {
		struct sigaction old;

		if ((installed_mask & (1 << i)) && !sigaction(handled_signals[i], NULL, &old) &&
				old.sa_handler == on_signal)
			signal(handled_signals[i], SIG_DFL);
	}
	installed_mask = 0;
}

static void uninstall_signal_handlers(void)
{
	restore_default_actions();
	if (sig_pipe[1] >= 0) {
		cprof_own_fd(sig_pipe[1], 0);
		close(sig_pipe[1]);     /* the thread reads EOF and ends */
		sig_pipe[1] = -1;
	}
}

/* Takes NAME out of the environment; returns a copy of its value (NULL if
 * unset or empty).  Not with getenv/unsetenv: a program may define its own
 * (bash does: its unsetenv does nothing before the shell's variables exist,
 * and bash then exported CPROF_TRACE to every command it ran - each one
 * started a whole-run trace of its own into the same file).  The entries of
 * environ are shifted in place, as glibc's unsetenv does, so main's envp,
 * the same array, loses it too. */
static char *env_take(const char *name)
{
	size_t len = strlen(name);
	char *value = NULL;
	char **ep = environ;

	while (ep && *ep) {
		if (!strncmp(*ep, name, len) && (*ep)[len] == '=') {
			if (!value && (*ep)[len + 1])
				value = strdup(*ep + len + 1);
			for (char **dp = ep; *dp; dp++)
				dp[0] = dp[1];
		} else {
			ep++;
		}
	}
	return value;
}

static void env_trace_begin(const char *path)
{
	struct cprof_error err;

	/* Handlers first: a SIGTERM during the start waits for it (the
	 * signal thread blocks on run_lock) instead of losing the trace. */
	install_signal_handlers();
	if (cprof_trace_start(path, &err)) {
		cprof_log("CPROF_TRACE=%s: %s", path, err.message);
		uninstall_signal_handlers();
	} else {
		env_trace_pid = getpid();   /* finished by finish_env_trace_at_fini */
	}
}

void cprof_api_env_init(void)
{
	char *http = env_take("CPROF_HTTP"), *trace = env_take("CPROF_TRACE");
	/* what cprof-run added for lttng-ust, read by now (lttng-ust keeps the
	 * string, which stays where it is) */
	char *added = env_take("CPROF_RUN_ADDED");

	if (added && !strcmp(added, "LTTNG_UST_WITHOUT_BADDR_STATEDUMP"))
		free(env_take(added));
	free(added);

	if (http)
		http_env_start(http);
	if (trace)
		env_trace_begin(trace);
	free(http);
	free(trace);
}

void cprof_daemon_child(const char *path, const char *addr, const char *old_tmp, int old_fd)
{
	if (addr)
		http_env_start(addr);
	if (path)
		env_trace_begin(path);
	if (old_fd >= 0)
		close(old_fd);
	if (old_tmp && *old_tmp)
		unlink(old_tmp);
}

/* Programs that end with _exit (dash's `exit`, many daemons) skip atexit:
 * finish a CPROF_TRACE trace there too.  getpid() is checked first, so a
 * vfork or fork child calling _exit does nothing but exit.  Then the same
 * system call glibc's _exit makes, so no dlsym is needed here. */
static void exit_now(int status) __attribute__((noreturn));
static void exit_now(int status)
{
	if (!pthread_mutex_trylock(&run_lock)) {
		/* not from a signal handler that interrupted a finish in progress */
		pthread_mutex_unlock(&run_lock);
		finish_env_trace_at_end();
	}
	for (;;)
		syscall(SYS_exit_group, status);
}

CPROF_EXTERN void _exit(int status)
{
	exit_now(status);
}

CPROF_EXTERN void _Exit(int status)
{
	exit_now(status);
}

void cprof_api_atfork_child(void)
{
	/* The child owns neither the parent's trace nor its server, nor the
	 * signal pipe (its thread is the parent's).  Raw closes: these fds are
	 * still cprof's own here, which close() refuses; the trace file's lock
	 * is then the parent's alone. */
	pthread_mutex_init(&run_lock, NULL);
	/* the takeover is the process's that called setsid(), not its
	 * children's (a daemon's workers) */
	takeover_owner = 0;
	forked_self = getpid();
	/* the parent's whole-run trace, for a word at setsid() */
	whole_run_parent = run.session && env_trace_pid && run.pid == env_trace_pid ? run.pid : 0;
	if (whole_run_parent)
		snprintf(whole_run_path, sizeof(whole_run_path), "%s", run.path);
	if (run.fd >= 0)
		syscall(SYS_close, run.fd);
	run.session = NULL;
	run.fd = -1;
	for (int i = 0; i < 2; i++) {
		if (sig_pipe[i] >= 0)
			syscall(SYS_close, sig_pipe[i]);
		sig_pipe[i] = -1;
	}
	env_trace_pid = 0;
	/* Nobody reads the pipe in the child: give it back the default action
	 * where the handler is still ours, or SIGTERM would not kill it. */
	restore_default_actions();
	cprof_session_atfork_child();
	cprof_httpd_atfork_child();
	cprof_own_fds_forget();
}
