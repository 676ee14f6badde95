/* cprof-run: runs an unmodified program under libcprof-preload.so, either
 * tracing its whole run into trace.out (CPROF_TRACE) or with the
 * /debug/pprof endpoint enabled (CPROF_HTTP).
 *
 * It stays the parent so that a Ctrl-C or a `kill` aimed at it reaches the
 * program (which then still writes trace.out), and so the program's exit
 * status, including death by a signal, is passed through unchanged. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PRELOAD_NAME "libcprof-preload.so"

#if defined(__x86_64__)
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH "aarch64-linux-gnu"
#elif defined(__i386__)
#define MULTIARCH "i386-linux-gnu"
#elif defined(__riscv) && __riscv_xlen == 64
#define MULTIARCH "riscv64-linux-gnu"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MULTIARCH "powerpc64le-linux-gnu"
#else
#define MULTIARCH ""
#endif

static volatile sig_atomic_t child_pid;
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cprof-run [-o FILE | --http ADDR] [--] PROG [ARGS...]\n"
		"\n"
		"Runs PROG with the cprof tracer preloaded (libcprof-preload.so).\n"
		"\n"
		"  -o, --output FILE  trace the whole run into FILE (default: trace.out)\n"
		"      --http ADDR    serve /debug/pprof/ on ADDR instead (\"127.0.0.1:6060\",\n"
		"                     \":6060\" binds loopback); fetch a trace with\n"
		"                     curl -o trace.out 'http://ADDR/debug/pprof/trace?seconds=5'\n"
		"  -h, --help         show this help\n"
		"\n"
		"SIGINT, SIGTERM, SIGHUP and SIGQUIT are forwarded to PROG; trace.out is still\n"
		"written on SIGINT/SIGTERM. The exit status is PROG's.\n"
		"Environment: CPROF_PRELOAD (path of the preload library), CPROF_SUBBUF_SIZE,\n"
		"CPROF_NUM_SUBBUF (LTTng buffer sizes), CPROF_MAX_SECONDS (HTTP trace bound).\n"
		"View a trace with: cprof-trace trace.out\n");
}

static int readable(const char *path)
{
	return !access(path, R_OK);
}

/* Finds libcprof-preload.so next to this program (build tree) or in
 * ../lib/<multiarch>, ../lib, ../lib64 relative to it (installed). */
static int find_preload(char *out, size_t size)
{
	static const char *const rel[] = {
		"/" PRELOAD_NAME,
		"/../lib/" MULTIARCH "/" PRELOAD_NAME,
		"/../lib/" PRELOAD_NAME,
		"/../lib64/" PRELOAD_NAME,
	};
	const char *env = getenv("CPROF_PRELOAD");
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env) {
		/* keep the name (a symlink says what it is), only make it absolute */
		if (env[0] == '/' ? (size_t) snprintf(out, size, "%s", env) >= size :
				!realpath(env, out)) {
			fprintf(stderr, "cprof-run: CPROF_PRELOAD=%s: bad path\n", env);
			return -1;
		}
		if (!readable(out)) {
			fprintf(stderr, "cprof-run: CPROF_PRELOAD=%s: %s\n", env, strerror(errno));
			return -1;
		}
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		fprintf(stderr, "cprof-run: cannot find my own path: %s\n", strerror(errno));
		return -1;
	}
	self[n] = 0;
	slash = strrchr(self, '/');
	if (slash)
		*slash = 0;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char cand[PATH_MAX];

		if ((size_t) snprintf(cand, sizeof(cand), "%s%s", self, rel[i]) >= sizeof(cand))
			continue;
		if (readable(cand) && (size_t) snprintf(out, size, "%s", cand) < size)
			return 0;
	}
	fprintf(stderr, "cprof-run: cannot find %s next to %s or in %s/../lib; set CPROF_PRELOAD\n",
			PRELOAD_NAME, self, self);
	return -1;
}

static int set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *v;
	int r;

	if (!old || !*old)
		return setenv("LD_PRELOAD", lib, 1);
	if (asprintf(&v, "%s:%s", old, lib) < 0)
		return -1;
	r = setenv("LD_PRELOAD", v, 1);
	free(v);
	return r;
}

static void forward(int sig, siginfo_t *si, void *uc)
{
	(void) uc;
	/* A terminal's Ctrl-C already reached the whole foreground group,
	 * the program included; forward only signals sent to us alone. */
	if (si && si->si_code == SI_KERNEL)
		return;
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* PROG as execvp finds it, into path; 0 if found. */
static int find_prog(const char *prog, char *path, size_t size)
{
	const char *dirs = getenv("PATH");

	if (strchr(prog, '/'))
		return (size_t) snprintf(path, size, "%s", prog) < size && !access(prog, X_OK) ? 0 : -1;
	if (!dirs || !*dirs)
		dirs = "/bin:/usr/bin";
	while (*dirs) {
		size_t n = strcspn(dirs, ":");
		if ((size_t) snprintf(path, size, "%.*s%s%s", (int) n, n ? dirs : ".",
				"/", prog) < size && !access(path, X_OK))
			return 0;
		dirs += n + (dirs[n] == ':');
	}
	return -1;
}

/* Why LD_PRELOAD cannot work for PROG, or NULL if it should: set-user/group-ID
 * (the loader ignores LD_PRELOAD there), or an ELF file without an
 * interpreter (statically linked).  Scripts and anything unreadable: NULL. */
static const char *preload_refused(const char *prog)
{
	char path[PATH_MAX];
	struct stat st;
	unsigned char eh[64];
	int fd, interp = 0;

	if (find_prog(prog, path, sizeof(path)) || stat(path, &st))
		return NULL;
	if (st.st_mode & (S_ISUID | S_ISGID))
		return "it is set-user-ID or set-group-ID: the loader ignores LD_PRELOAD for it";
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (read(fd, eh, sizeof(eh)) != (ssize_t) sizeof(eh) || memcmp(eh, "\177ELF", 4) ||
			eh[4] != 2 /* 64-bit */ || eh[5] != 1 /* little-endian */) {
		close(fd);
		return NULL;
	}
	uint64_t phoff;
	uint16_t phentsize, phnum;
	memcpy(&phoff, eh + 32, 8);
	memcpy(&phentsize, eh + 54, 2);
	memcpy(&phnum, eh + 56, 2);
	for (unsigned i = 0; i < phnum && i < 256 && phentsize >= 4; i++) {
		uint32_t type;
		if (pread(fd, &type, 4, (off_t) (phoff + (uint64_t) i * phentsize)) != 4)
			break;
		if (type == 3 /* PT_INTERP */)
			interp = 1;
	}
	close(fd);
	return interp ? NULL : "it is statically linked: LD_PRELOAD cannot load into it";
}

/* The output file as it was before the run: an old trace.out left there is
 * not this run's. */
static struct stat out_before;
static int out_existed;

static time_t run_start;

/* A trace still being recorded: the temporary file beside `out` that the
 * tracing process writes (api.c, ".NAME.cprof-XXXXXX"), made during this
 * run and still locked by it - a process PROG left running (daemon(3): the
 * trace follows the program into its daemon).  A crashed run's is not. */
static int trace_pending(const char *out)
{
	const char *slash = strrchr(out, '/');
	char dir[PATH_MAX], prefix[PATH_MAX + 16];
	int found = 0;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int) (slash - out) + 1 : 1, slash ? out : ".");
	snprintf(prefix, sizeof(prefix), ".%s.cprof-", slash ? slash + 1 : out);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && !found && (e = readdir(d))) {
		struct stat st;
		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) || st.st_mtime < run_start)
			continue;
		int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		found = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
		close(fd);
	}
	if (d)
		closedir(d);
	return found;
}

static void report(const char *out, const char *prog)
{
	struct stat st;
	const char *why;

	if (!out)
		return;
	if (!stat(out, &st) && S_ISREG(st.st_mode) && (!out_existed ||
			st.st_ino != out_before.st_ino || st.st_dev != out_before.st_dev ||
			st.st_mtim.tv_sec != out_before.st_mtim.tv_sec ||
			st.st_mtim.tv_nsec != out_before.st_mtim.tv_nsec ||
			st.st_size != out_before.st_size))
		fprintf(stderr, "cprof-run: trace written to %s (%lld bytes); view it with: cprof-trace %s\n",
				out, (long long) st.st_size, out);
	else if (trace_pending(out))
		fprintf(stderr, "cprof-run: %s exited, but a process it left running (its daemon) is "
				"still tracing: %s is written when that process exits\n", prog, out);
	else if ((why = preload_refused(prog)))
		fprintf(stderr, "cprof-run: no trace was written to %s: %s cannot be traced, %s\n",
				out, prog, why);
	else
		fprintf(stderr, "cprof-run: no trace was written to %s (see the messages above; "
				"the preload library does not load into static or setuid programs)\n",
				out);
}

/* Dies the way the child died, so our parent sees the same status. */
static void die_like(int sig)
{
	struct rlimit no_core = { 0, 0 };
	sigset_t set;

	setrlimit(RLIMIT_CORE, &no_core);   /* the child already dumped, if anyone */
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	exit(128 + sig);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "http", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *out = NULL, *http = NULL;
	char out_abs[PATH_MAX], lib[PATH_MAX];
	int c, status, errpipe[2], child_errno = 0;
	struct sigaction sa;
	sigset_t block, saved;
	pid_t pid;

	/* '+': stop at PROG, its options are its own */
	while ((c = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'H':
			http = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "cprof-run: no program given\n");
		usage(stderr);
		return 2;
	}
	if (out && http) {
		fprintf(stderr, "cprof-run: -o and --http are exclusive\n");
		return 2;
	}
	if (http && !*http) {
		fprintf(stderr, "cprof-run: --http needs an address such as 127.0.0.1:6060\n");
		return 2;
	}
	if (!http && !out)
		out = "trace.out";
	if (out) {
		char cwd[PATH_MAX];

		if (!*out) {
			fprintf(stderr, "cprof-run: -o needs a file name\n");
			return 2;
		}
		if (out[0] == '/') {
			snprintf(out_abs, sizeof(out_abs), "%s", out);
		} else if (!getcwd(cwd, sizeof(cwd)) ||
				(size_t) snprintf(out_abs, sizeof(out_abs), "%s/%s", cwd, out) >=
				sizeof(out_abs)) {
			fprintf(stderr, "cprof-run: %s: cannot make the path absolute\n", out);
			return 2;
		}
		out = out_abs;
	}
	if (find_preload(lib, sizeof(lib)))
		return 2;
	/* lttng-ust's base-address statedump (its lttng_ust_lib events, which
	 * cprof does not record: its own module events do) reads every loaded
	 * object's ELF headers at start and again in every fork child: 0.9 of
	 * the 1.9 ms a preloaded fork costs here.  Off for the program; cprof
	 * takes both variables out of its environment at start (api.c). */
	if (!getenv("LTTNG_UST_WITHOUT_BADDR_STATEDUMP") &&
			(setenv("LTTNG_UST_WITHOUT_BADDR_STATEDUMP", "1", 1) ||
			 setenv("CPROF_RUN_ADDED", "LTTNG_UST_WITHOUT_BADDR_STATEDUMP", 1))) {
		fprintf(stderr, "cprof-run: cannot set the environment: %s\n", strerror(errno));
		return 2;
	}
	if (set_preload(lib) || (out && setenv("CPROF_TRACE", out, 1)) ||
			(http && setenv("CPROF_HTTP", http, 1))) {
		fprintf(stderr, "cprof-run: cannot set the environment: %s\n", strerror(errno));
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &sa, NULL);

	/* The child reports a failed exec through a close-on-exec pipe. */
	if (pipe2(errpipe, O_CLOEXEC)) {
		fprintf(stderr, "cprof-run: pipe: %s\n", strerror(errno));
		return 2;
	}
	/* A signal between fork and child_pid being set would be dropped:
	 * hold them until both sides are ready. */
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&block, forwarded[i]);
	sigprocmask(SIG_BLOCK, &block, &saved);
	if (out)
		out_existed = !stat(out, &out_before);
	run_start = time(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "cprof-run: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		int e;

		for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
			signal(forwarded[i], SIG_DFL);
		sigprocmask(SIG_SETMASK, &saved, NULL);
		close(errpipe[0]);
		execvp(argv[optind], argv + optind);
		e = errno;
		if (write(errpipe[1], &e, sizeof(e)) < 0) {
			/* the parent then reports a plain exit 127 */
		}
		_exit(127);
	}
	child_pid = pid;
	sigprocmask(SIG_SETMASK, &saved, NULL);
	close(errpipe[1]);
	while (read(errpipe[0], &child_errno, sizeof(child_errno)) < 0 && errno == EINTR)
		;
	close(errpipe[0]);

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "cprof-run: waitpid: %s\n", strerror(errno));
			return 2;
		}
	}
	child_pid = 0;
	if (child_errno) {
		fprintf(stderr, "cprof-run: cannot run %s: %s\n", argv[optind], strerror(child_errno));
		return child_errno == ENOENT ? 127 : 126;
	}
	report(out, argv[optind]);
	if (WIFSIGNALED(status))
		die_like(WTERMSIG(status));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
