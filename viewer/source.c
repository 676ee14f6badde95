/* source.c: input detection and the conversion cache.
 *
 * A SQLite file is opened as is.  A trace.out (gzip) is converted by
 * running cprof-convert into <trace>.cprof.db beside it (or in the user's
 * cache directory when that folder is read-only); a stamp file records the
 * trace's size and mtime so a changed trace is converted again. */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int read_magic(const char *path, unsigned char *buf, size_t n, struct vw_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;
	struct stat st;

	if (fd < 0) {
		vw_err_set(err, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		vw_err_set(err, "%s is a directory, not a trace", path);
		return -EISDIR;
	}
	memset(buf, 0, n);
	r = read(fd, buf, n);
	close(fd);
	if (r < 0) {
		vw_err_set(err, "%s: %s", path, strerror(errno));
		return -EIO;
	}
	return (int)r;
}

static char *cache_path(const char *trace)
{
	char *dup = strdup(trace), *p = NULL, *dir;
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CACHE_HOME");
	struct stat st;

	if (!dup)
		return NULL;
	dir = dirname(dup);
	if (!access(dir, W_OK)) {
		if (asprintf(&p, "%s.cprof.db", trace) < 0)
			p = NULL;
		free(dup);
		return p;
	}
	free(dup);
	if (stat(trace, &st))
		return NULL;
	if (xdg && *xdg)
		p = strdup(xdg);
	else if (home && asprintf(&p, "%s/.cache", home) < 0)
		p = NULL;
	if (p) {
		char *q = NULL;

		mkdir(p, 0700);
		if (asprintf(&q, "%s/cprof", p) < 0)
			q = NULL;
		free(p);
		p = q;
	}
	if (!p || (mkdir(p, 0700) && errno != EEXIST) || access(p, W_OK)) {
		free(p);
		if (asprintf(&p, "/tmp/cprof-view-%d", (int)getuid()) < 0)
			return NULL;
		mkdir(p, 0700);
	}
	dup = strdup(trace);
	if (dup) {
		char *q = NULL;

		if (asprintf(&q, "%s/%s.%lx-%lx.cprof.db", p, basename(dup),
			     (unsigned long)st.st_dev, (unsigned long)st.st_ino) < 0)
			q = NULL;
		free(p);
		p = q;
	}
	free(dup);
	return p;
}

static int64_t mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* The cached database is the trace's as converted by this converter: a
 * new cprof-convert (an upgrade, a rebuild) may write tables the old one
 * did not, and a database from before them answered the viewer's queries
 * with "no such table".  conv: the converter's stat, NULL if not found. */
static void stamp_of(const struct stat *st, const struct stat *conv, char *buf, size_t n)
{
	snprintf(buf, n, "cprof-trace-cache 2 size=%" PRId64 " mtime_ns=%" PRId64
		 " converter=%" PRId64 ":%" PRId64 "\n", (int64_t)st->st_size, mtime_ns(st),
		 conv ? (int64_t)conv->st_size : -1, conv ? mtime_ns(conv) : -1);
}

static int stamp_matches(const char *stamp_path, const char *want)
{
	char buf[256] = "";
	FILE *f = fopen(stamp_path, "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return !strcmp(buf, want);
}

/* The converter installed or built next to this program, else PATH. */
static void find_converter(char *out, size_t n)
{
	char self[PATH_MAX], cand[PATH_MAX + 64];
	const char *env = getenv("CPROF_CONVERT");
	ssize_t r;
	char *dir;

	if (env && *env) {
		snprintf(out, n, "%s", env);
		return;
	}
	r = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (r > 0) {
		self[r] = 0;
		dir = dirname(self);
		snprintf(cand, sizeof(cand), "%s/../converter/cprof-convert", dir);
		if (!access(cand, X_OK)) {
			snprintf(out, n, "%s", cand);
			return;
		}
		snprintf(cand, sizeof(cand), "%s/cprof-convert", dir);
		if (!access(cand, X_OK)) {
			snprintf(out, n, "%s", cand);
			return;
		}
	}
	snprintf(out, n, "cprof-convert");
}

/* stat of the converter find_converter names (a bare name: looked up in
 * PATH); -1 if there is none. */
static int converter_stat(struct stat *out)
{
	char conv[PATH_MAX + 64], cand[2 * PATH_MAX];
	const char *path = getenv("PATH");

	find_converter(conv, sizeof(conv));
	if (strchr(conv, '/'))
		return stat(conv, out);
	for (const char *p = path ? path : ""; *p;) {
		size_t len = strcspn(p, ":");
		snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, p, conv);
		if (len && !stat(cand, out) && (out->st_mode & S_IXUSR))
			return 0;
		p += len;
		if (*p == ':')
			p++;
	}
	return -1;
}

static int convert(const char *trace, const char *db, int quiet, struct vw_err *err)
{
	char conv[PATH_MAX + 64];
	pid_t pid;
	int status;

	find_converter(conv, sizeof(conv));
	if (!quiet)
		fprintf(stderr, "cprof-trace: converting %s into %s\n", trace, db);
	pid = fork();
	if (pid < 0) {
		vw_err_set(err, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		if (strchr(conv, '/'))
			execl(conv, "cprof-convert", trace, "-o", db, (char *)NULL);
		else
			execlp(conv, "cprof-convert", trace, "-o", db, (char *)NULL);
		fprintf(stderr, "cprof-trace: cannot run %s: %s\n", conv, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		vw_err_set(err, "waitpid: %s", strerror(errno));
		return -EIO;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		vw_err_set(err, "cannot run the converter cprof-convert (looked next to cprof-trace"
			   " and in PATH; set CPROF_CONVERT to its path)");
		return -ENOENT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		vw_err_set(err, "converting %s failed (cprof-convert exit status %d)", trace,
			   WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -EINVAL;
	}
	if (access(db, R_OK)) {
		vw_err_set(err, "cprof-convert wrote no database at %s", db);
		return -EIO;
	}
	return 0;
}

int vw_source_resolve(const char *arg, char **db_path, int quiet, struct vw_err *err)
{
	unsigned char magic[16];
	char stamp[256], *db = NULL, *stamp_path = NULL;
	struct stat st;
	FILE *f;
	int rc;

	rc = read_magic(arg, magic, sizeof(magic), err);
	if (rc < 0)
		return rc;
	if (rc >= 16 && !memcmp(magic, "SQLite format 3", 16)) {
		*db_path = strdup(arg);
		return *db_path ? 0 : -ENOMEM;
	}
	if (rc < 2 || magic[0] != 0x1f || magic[1] != 0x8b) {
		vw_err_set(err, "%s is neither a trace.out (gzip'd tar) nor a trace database (SQLite)",
			   arg);
		return -EINVAL;
	}
	if (stat(arg, &st)) {
		vw_err_set(err, "%s: %s", arg, strerror(errno));
		return -errno;
	}
	db = cache_path(arg);
	if (!db || asprintf(&stamp_path, "%s.stamp", db) < 0) {
		free(db);
		vw_err_set(err, "no writable place for the database of %s", arg);
		return -ENOMEM;
	}
	struct stat cst;
	stamp_of(&st, converter_stat(&cst) ? NULL : &cst, stamp, sizeof(stamp));
	if (!access(db, R_OK) && stamp_matches(stamp_path, stamp)) {
		*db_path = db;
		free(stamp_path);
		return 0;
	}
	unlink(stamp_path);
	rc = convert(arg, db, quiet, err);
	if (rc)
		goto fail;
	f = fopen(stamp_path, "w");
	if (f) {
		fputs(stamp, f);
		fclose(f);
	}
	free(stamp_path);
	*db_path = db;
	return 0;
fail:
	free(stamp_path);
	free(db);
	return rc;
}
