/* main.c: the cprof-convert command line, gluing the stages together:
 * unpack → bundle → CTF reader → model → writer.  Every failure path drops
 * the temporary directory and the temporary database. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "conv.h"

int conv_quiet;
int conv_verbose;

void conv_error_set(struct conv_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

void conv_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("cprof-convert: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void on_signal(int sig)
{
	(void) sig;
	conv_interrupted = 1;
}

/* ---- a corrupt CTF must not take the machine's memory -------------------
 * libbabeltrace2 2.0 trusts a sequence's length field: one zeroed byte in
 * a stream made it ask for 8 GiB, then more (11 GB resident after 6 s).
 * The converter's data segment is capped (its real need: ~110 MB peak on a
 * 600 MB CTF), and glib's fatal out-of-memory error, which would end the
 * process with SIGTRAP, is turned into a message, the cleanup of the
 * temporary files, and exit 1. */
#define DEFAULT_MEMORY_MB 4096

static const char *emergency_input;
static char emergency_tmpdir[4096];     /* what a crash must not leave */
static char emergency_db[4096];
static unsigned long memory_mb;

/* Removes dir and what is under it with system calls only (a fatal
 * signal's handler may not use nftw or malloc); depth-bounded. */
static void rmtree_raw(int parent, const char *name, int depth)
{
	if (unlinkat(parent, name, 0) == 0 || errno != EISDIR || depth > 16)
		return;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		char buf[4096];
		long n;
		int seen = 1;
		/* a listing while entries go can skip some: list again until
		 * nothing but . and .. is left (or nothing could go) */
		for (int pass = 0; seen && pass < 64; pass++) {
			seen = 0;
			lseek(fd, 0, SEEK_SET);
			while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
				for (long off = 0; off < n;) {
					struct dirent64 *e = (struct dirent64 *) (buf + off);
					off += e->d_reclen;
					if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
						seen = 1;
						rmtree_raw(fd, e->d_name, depth + 1);
					}
				}
		}
		close(fd);
	}
	unlinkat(parent, name, AT_REMOVEDIR);
}

static void emergency_cleanup(void)
{
	if (emergency_db[0])
		unlink(emergency_db);
	if (emergency_tmpdir[0])
		rmtree_raw(AT_FDCWD, emergency_tmpdir, 0);
}

static void say(const char *s)
{
	while (*s) {
		ssize_t n = write(2, s, strlen(s));
		if (n <= 0)
			return;
		s += n;
	}
}

/* A fatal signal (libbabeltrace2 reading a corrupt trace has segfaulted,
 * failed an assertion or hit glib's breakpoint): say so, remove what the
 * conversion wrote, exit 1.  Nothing but system calls here. */
static void on_fatal(int sig)
{
	say("cprof-convert: error: ");
	say(emergency_input ? emergency_input : "the trace");
	say(": the conversion crashed (");
	say(sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGILL ? "SIGILL" :
		sig == SIGFPE ? "SIGFPE" : sig == SIGABRT ? "SIGABRT" : "SIGTRAP");
	say("), most likely in libbabeltrace2 decoding a corrupt trace; nothing was written\n");
	emergency_cleanup();
	_exit(1);
}

static void catch_fatal_signals(void)
{
	static char altstack[65536];     /* a stack overflow's handler needs one */
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
	sigaltstack(&ss, NULL);
	struct sigaction sa = { .sa_handler = on_fatal, .sa_flags = SA_ONSTACK | SA_RESETHAND };
	sigemptyset(&sa.sa_mask);
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

/* glib's GLogFunc and g_log_set_handler, looked up at run time in the glib
 * libbabeltrace2 brought in (no build dependency on glib's headers) */
typedef void (*glib_log_func)(const char *domain, int level, const char *message, void *data);
typedef unsigned (*glib_set_handler)(const char *domain, int levels, glib_log_func f, void *data);
#define GLIB_LOG_FLAG_FATAL (1 << 1)
#define GLIB_LOG_LEVEL_ERROR (1 << 2)
#define GLIB_LOG_LEVEL_CRITICAL (1 << 3)

/* glib's errors (a failed allocation) and criticals (a failed check, after
 * which libbabeltrace2 goes on with a bad value and crashes: a negative
 * sequence length in a corrupt stream did) end the conversion cleanly. */
static void on_glib_error(const char *domain, int level, const char *message, void *data)
{
	(void) domain, (void) data;
	if (level & GLIB_LOG_LEVEL_ERROR)
		fprintf(stderr, "cprof-convert: error: %s: cannot decode the trace: %s (the CTF is "
			"corrupt, or needs more than the %lu MiB the converter allows itself: "
			"CPROF_CONVERT_MEMORY_MB)\n", emergency_input, message, memory_mb);
	else
		fprintf(stderr, "cprof-convert: error: %s: cannot decode the trace: %s (the CTF is "
			"corrupt)\n", emergency_input, message);
	emergency_cleanup();
	_exit(1);       /* glib would abort on return; other threads hold locks */
}

/* Returns 0, or -EINVAL with a message for a bad CPROF_CONVERT_MEMORY_MB. */
static int limit_memory(struct conv_error *err)
{
	const char *e = getenv("CPROF_CONVERT_MEMORY_MB");
	char *end;
	memory_mb = DEFAULT_MEMORY_MB;
	if (e && *e) {
		errno = 0;
		memory_mb = strtoul(e, &end, 10);
		if (errno || *end || memory_mb < 64 || memory_mb > (1ul << 30)) {
			conv_error_set(err, "CPROF_CONVERT_MEMORY_MB=%s: a number of MiB, at least 64", e);
			return -EINVAL;
		}
	}
	struct rlimit rl;
	rlim_t want = (rlim_t) memory_mb << 20;
	if (!getrlimit(RLIMIT_DATA, &rl) && (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > want)) {
		rl.rlim_cur = want;
		setrlimit(RLIMIT_DATA, &rl);
	}
	glib_set_handler set = (glib_set_handler) dlsym(RTLD_DEFAULT, "g_log_set_handler");
	if (set)
		set("GLib", GLIB_LOG_LEVEL_ERROR | GLIB_LOG_LEVEL_CRITICAL | GLIB_LOG_FLAG_FATAL,
			on_glib_error, NULL);
	catch_fatal_signals();
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cprof-convert [-q] [-v] [-o trace.db] trace.out\n"
		"\n"
		"Converts a cprof capture (trace.out) into a SQLite trace database whose\n"
		"schema is documented in schema/README.md.  The database is written to a\n"
		"temporary file and renamed when complete.\n"
		"\n"
		"  -o, --output FILE  database to write (default: trace.out with .db)\n"
		"  -q, --quiet        no progress or warnings on stderr\n"
		"  -v, --verbose      time each phase (wall and CPU) on stderr\n"
		"  -h, --help         this help\n"
		"  -V, --version      print the version\n"
		"\n"
		"Environment: CPROF_CONVERT_MEMORY_MB caps the converter's memory (default\n"
		"%d; a corrupt trace can make libbabeltrace2 ask for gigabytes).\n",
		DEFAULT_MEMORY_MB);
}

static char *default_output(const char *in)
{
	size_t n = strlen(in);
	char *out = malloc(n + 4);
	if (!out)
		return NULL;
	memcpy(out, in, n + 1);
	if (n > 4 && !strcmp(in + n - 4, ".out"))
		strcpy(out + n - 4, ".db");
	else
		strcat(out, ".db");
	return out;
}

double conv_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of the whole process (both threads): on a loaded machine the
 * phases' wall times say little */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static double phase_wall = -1, phase_cpu;

void conv_phase(const char *what)
{
	double w = conv_now(), c = cpu_s();
	if (conv_verbose && phase_wall >= 0)
		fprintf(stderr, "cprof-convert: phase %-18s wall %6.3f s  cpu %6.3f s\n", what,
			w - phase_wall, c - phase_cpu);
	phase_wall = w;
	phase_cpu = c;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' }, { "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' }, { 0 } };
	const char *out_arg = NULL;
	char *out = NULL, tmpdir[4096] = "";
	struct conv_error err = { "" };
	struct conv_info info = { 0 };
	struct conv_symbols *sym = NULL;
	struct conv_stacks *stacks = NULL;
	struct conv_writer *w = NULL;
	struct conv_model *m = NULL;
	uint64_t events = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:qvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out_arg = optarg; break;
		case 'q': conv_quiet = 1; break;
		case 'v': conv_verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("cprof-convert %s\n", CPROF_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	const char *in = argv[optind];
	emergency_input = in;
	if ((ret = limit_memory(&err)) < 0) {
		fprintf(stderr, "cprof-convert: error: %s\n", err.msg);
		return 2;
	}
	double t_start = conv_now(), c_start = cpu_s();
	conv_phase(NULL);
	/* a second signal kills: libbabeltrace2 does not always return to us */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!(out = out_arg ? strdup(out_arg) : default_output(in))) {
		ret = -ENOMEM;
		conv_error_set(&err, "out of memory");
		goto end;
	}
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/cprof-convert.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		ret = -errno;
		conv_error_set(&err, "cannot create a temporary directory %s: %s", tmpdir, strerror(errno));
		tmpdir[0] = 0;
		goto end;
	}
	snprintf(emergency_tmpdir, sizeof emergency_tmpdir, "%s", tmpdir);
	if ((ret = conv_unpack(in, tmpdir, &err)) < 0 || (ret = conv_bundle_open(tmpdir, &info, &err)) < 0 ||
			(ret = conv_symbols_create(tmpdir, &sym, &err)) < 0)
		goto end;
	if ((ret = conv_stacks_create(&stacks)) < 0) {
		conv_error_set(&err, "out of memory");
		goto end;
	}
	double c_unpacked = cpu_s();
	conv_phase("unpack");
	if ((ret = conv_writer_create(out, &w, &err)) < 0)
		goto end;
	snprintf(emergency_db, sizeof emergency_db, "%s", conv_writer_tmp_path(w));
	if ((ret = conv_model_create(w, sym, stacks, &info, &m)) < 0) {
		conv_error_set(&err, "out of memory");
		goto end;
	}
	if ((ret = conv_ctf_read(&info, m, &events, &err)) < 0)
		goto end;
	/* the CTF is read: its disk space and page cache go back before the
	 * commit and the index sorts take theirs (the peak is the CTF or the
	 * database and its sort runs, not their sum) */
	char ctfdir[sizeof tmpdir + 8];
	snprintf(ctfdir, sizeof ctfdir, "%s/ctf", tmpdir);
	conv_rmtree(ctfdir);
	conv_phase("decode+model");
	if ((ret = conv_model_finish(m, events, &err)) < 0)
		goto end;
	conv_phase("small tables");
	double c_read = cpu_s();
	uint64_t rows = conv_writer_rows(w);
	if ((ret = conv_writer_finish(w, &err)) < 0)
		goto end;
	if (!conv_quiet)
		fprintf(stderr, "cprof-convert: wrote %s: %llu events, %llu state/flow rows, %llu callsites "
			"in %.2f s; cpu %.2f s (unpack %.2f, decode+model+insert %.2f, index %.2f)\n", out,
			(unsigned long long) events, (unsigned long long) rows,
			(unsigned long long) conv_stacks_count(stacks), conv_now() - t_start, cpu_s() - c_start,
			c_unpacked - c_start, c_read - c_unpacked, cpu_s() - c_read);
end:
	emergency_db[0] = 0;    /* renamed, or removed below */
	conv_model_destroy(m);
	conv_writer_destroy(w);       /* removes the temporary database if not renamed */
	conv_stacks_destroy(stacks);
	conv_symbols_destroy(sym);
	conv_bundle_fini(&info);
	if (tmpdir[0])
		conv_rmtree(tmpdir);
	if (ret < 0)
		fprintf(stderr, "cprof-convert: error: %s\n", err.msg[0] ? err.msg : strerror(-ret));
	free(out);
	return ret < 0 ? 1 : 0;
}
