/* archive.c: writes trace.out (tracer/TRACE_FORMAT.md): a gzip'd ustar
 * archive with the cprof/ metadata (format marker, capture info, modules and
 * their function symbols) followed by the CTF directory LTTng wrote.
 *
 * The tar writer is ours and tiny: regular files and directories only, names
 * split into ustar prefix/name, zlib level 1 because packing sits on the
 * latency path of every /debug/pprof/trace request. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "internal.h"

#define BLOCK 512
#define COPY_CHUNK (256 * 1024)
#define MAX_DEPTH 16                    /* LTTng's tree is 5 deep */
#define MAX_MEMBER_SIZE 077777777777ull /* 11 octal digits: 8 GiB - 1 */

struct tar {
	gzFile gz;          /* owned; writes to a dup of the caller's fd */
	time_t mtime;
	char *buf;          /* COPY_CHUNK bytes, owned */
	int err;            /* first error, negative errno */
};

static void octal(char *field, size_t width, unsigned long long v)
{
	/* width-1 digits, zero-padded, then NUL (ustar convention). */
	field[width - 1] = 0;
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		field[i] = (char) ('0' + (v & 7));
}

static int tar_write(struct tar *t, const void *p, size_t n)
{
	while (!t->err && n) {
		unsigned chunk = n > (1u << 30) ? 1u << 30 : (unsigned) n;

		if (gzwrite(t->gz, p, chunk) != (int) chunk) {
			int zerr;

			gzerror(t->gz, &zerr);
			t->err = zerr == Z_ERRNO && errno ? -errno : -EIO;
		}
		p = (const char *) p + chunk;
		n -= chunk;
	}
	return t->err;
}

static int tar_pad(struct tar *t, unsigned long long size)
{
	static const char zeros[BLOCK];
	size_t rem = (size_t) (size % BLOCK);

	return rem ? tar_write(t, zeros, BLOCK - rem) : t->err;
}

/* Writes a ustar header; names longer than 100 bytes are split at a '/'. */
static int tar_header(struct tar *t, const char *path, char type, unsigned mode,
		unsigned long long size)
{
	char h[BLOCK], dir[PATH_MAX];
	size_t len = strlen(path), split = 0;
	unsigned sum = 0;

	if (t->err)
		return t->err;
	if (type == '5' && len && path[len - 1] != '/') {
		/* directories end with '/' by tar convention */
		if (len + 2 > sizeof(dir))
			return t->err = -ENAMETOOLONG;
		memcpy(dir, path, len);
		memcpy(dir + len, "/", 2);
		path = dir;
		len++;
	}
	if (size > MAX_MEMBER_SIZE)
		return t->err = -EFBIG;
	memset(h, 0, sizeof(h));
	if (len > 100) {
		/* the prefix is at most 155 bytes, the name at most 100 */
		for (size_t i = len - 1; i > 0; i--) {
			if (path[i] == '/' && i <= 155 && len - i - 1 <= 100 && len - i - 1 > 0) {
				split = i;
				break;
			}
		}
		if (!split)
			return t->err = -ENAMETOOLONG;
		memcpy(h + 345, path, split);
		memcpy(h, path + split + 1, len - split - 1);
	} else {
		memcpy(h, path, len);
	}
	octal(h + 100, 8, mode);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, size);
	octal(h + 136, 12, (unsigned long long) t->mtime);
	memset(h + 148, ' ', 8);
	h[156] = type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (size_t i = 0; i < BLOCK; i++)
		sum += (unsigned char) h[i];
	octal(h + 148, 7, sum);
	h[155] = ' ';
	return tar_write(t, h, BLOCK);
}

static int tar_add_buffer(struct tar *t, const char *path, const void *data, size_t size)
{
	if (tar_header(t, path, '0', 0644, size))
		return t->err;
	tar_write(t, data, size);
	return tar_pad(t, size);
}

/* Copies exactly the size fstat reported, so a file that changes while we
 * read it cannot desynchronize the archive. */
static int tar_add_file(struct tar *t, const char *path, int fd, unsigned long long size)
{
	unsigned long long done = 0;

	if (tar_header(t, path, '0', 0644, size))
		return t->err;
	while (!t->err && done < size) {
		size_t want = size - done > COPY_CHUNK ? COPY_CHUNK : (size_t) (size - done);
		ssize_t n = read(fd, t->buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return t->err = -errno;
		if (n == 0) {               /* shrank: pad with zeros */
			memset(t->buf, 0, want);
			n = (ssize_t) want;
		}
		tar_write(t, t->buf, (size_t) n);
		done += (unsigned long long) n;
	}
	return tar_pad(t, size);
}

/* Adds dirfd's entries below member name `prefix`, sorted for stable output. */
static int tar_add_tree(struct tar *t, int dirfd, const char *prefix, int depth)
{
	struct dirent **names = NULL;
	char member[PATH_MAX];
	int n, i;

	if (depth > MAX_DEPTH)
		return t->err = -ELOOP;
	if (tar_header(t, prefix, '5', 0755, 0))
		return t->err;
	n = scandirat(dirfd, ".", &names, NULL, alphasort);
	if (n < 0)
		return t->err = -errno;
	for (i = 0; i < n && !t->err; i++) {
		const char *name = names[i]->d_name;
		struct stat st;
		int fd;

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if ((size_t) snprintf(member, sizeof(member), "%s/%s", prefix, name) >= sizeof(member)) {
			t->err = -ENAMETOOLONG;
			break;
		}
		fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;           /* a link or a vanished file: not ours */
		if (!fstat(fd, &st)) {
			if (S_ISDIR(st.st_mode))
				tar_add_tree(t, fd, member, depth + 1);
			else if (S_ISREG(st.st_mode))
				tar_add_file(t, member, fd, (unsigned long long) st.st_size);
		}
		close(fd);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return t->err;
}

/* A growing text buffer for the small cprof/ members. */
struct text {
	char *p;
	size_t len, cap;
	int err;
};

__attribute__((format(printf, 2, 3)))
static void text_printf(struct text *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = -EINVAL;
			return;
		}
		if (b->p && b->len + (size_t) n < b->cap) {
			b->len += (size_t) n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap <= b->len + (size_t) n)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->err = -ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

static int add_info(struct tar *t, const struct cprof_archive_info *info)
{
	struct text b = { 0 };
	char exe[PATH_MAX], host[256];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = 0;
	if (gethostname(host, sizeof(host)))
		host[0] = 0;
	host[sizeof(host) - 1] = 0;
	text_printf(&b, "pid=%d\nexe=%s\nhostname=%s\ncprof_version=%s\n",
			(int) getpid(), exe, host, CPROF_VERSION);
	text_printf(&b, "seconds=%g\nstart_ns=%lld\nend_ns=%lld\n", info->seconds,
			(long long) info->start_ns, (long long) info->end_ns);
	text_printf(&b, "discarded_events=%llu\nlost_packets=%llu\n",
			(unsigned long long) info->discarded_events,
			(unsigned long long) info->lost_packets);
	text_printf(&b, "subbuf_size=%zu\nnum_subbuf=%u\ninternal_errors=%llu\n",
			info->subbuf_size, info->num_subbuf,
			(unsigned long long) cprof_internal_errors);
	if (!b.err)
		tar_add_buffer(t, "cprof/info.txt", b.p, b.len);
	free(b.p);
	return b.err ? (t->err = b.err) : t->err;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

/* modules.tsv, then one symbols/<i>.tsv per module whose file is readable. */
static int add_modules(struct tar *t)
{
	struct cprof_module *mods = NULL;
	struct text b = { 0 };
	char id[2 * sizeof(mods->build_id) + 1], member[64];
	size_t n = 0;
	int r = cprof_modules_list(&mods, &n);

	if (r)
		return t->err = r;
	for (size_t i = 0; i < n; i++) {
		if (mods[i].build_id_len)
			hex(id, mods[i].build_id, mods[i].build_id_len);
		else
			strcpy(id, "-");
		text_printf(&b, "%zu\t0x%llx\t0x%llx\t0x%llx\t%s\t%s\n", i,
				(unsigned long long) mods[i].start, (unsigned long long) mods[i].end,
				(unsigned long long) mods[i].bias, id, mods[i].path);
	}
	if (b.err)
		t->err = b.err;
	tar_add_buffer(t, "cprof/modules.tsv", b.p, b.len);
	free(b.p);
	if (!t->err)
		tar_header(t, "cprof/symbols", '5', 0755, 0);
	for (size_t i = 0; i < n && !t->err; i++) {
		char *syms = NULL;
		size_t len = 0;

		if (cprof_modules_symbols(&mods[i], &syms, &len))
			continue;           /* vdso or unreadable: listed, no symbols */
		snprintf(member, sizeof(member), "cprof/symbols/%zu.tsv", i);
		tar_add_buffer(t, member, syms, len);
		free(syms);
	}
	cprof_modules_free(mods, n);
	return t->err;
}

int cprof_archive_write(int fd, const char *ctf_dir,
		const struct cprof_archive_info *info, struct cprof_error *err)
{
	static const char end_blocks[2 * BLOCK];
	struct tar t = { .mtime = time(NULL) };
	char format[32];
	int dupfd = -1, ctf = -1, r;

	t.buf = malloc(COPY_CHUNK);
	dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (!t.buf || dupfd < 0) {
		r = cprof_error_set(err, t.buf ? -errno : -ENOMEM, "cannot write trace.out: %s",
				t.buf ? strerror(errno) : "out of memory");
		goto end;
	}
	t.gz = gzdopen(dupfd, "wb1");
	if (!t.gz) {
		r = cprof_error_set(err, -ENOMEM, "cannot write trace.out: gzdopen failed");
		goto end;
	}
	dupfd = -1;                         /* gzclose closes it */
	gzbuffer(t.gz, COPY_CHUNK);

	snprintf(format, sizeof(format), "cprof-trace %d\n", CPROF_TRACE_FORMAT);
	tar_header(&t, "cprof", '5', 0755, 0);
	tar_add_buffer(&t, "cprof/FORMAT", format, strlen(format));
	add_info(&t, info);
	add_modules(&t);
	ctf = open(ctf_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctf < 0 && !t.err)
		t.err = -errno;
	if (!t.err)
		tar_add_tree(&t, ctf, "ctf", 0);
	tar_write(&t, end_blocks, sizeof(end_blocks));
	r = t.err;
	if (gzclose(t.gz) != Z_OK && !r)
		r = errno ? -errno : -EIO;
	t.gz = NULL;
	if (r)
		cprof_error_set(err, r, "cannot write trace.out: %s", strerror(-r));
end:
	if (ctf >= 0)
		close(ctf);
	if (dupfd >= 0)
		close(dupfd);
	free(t.buf);
	return r;
}

static int rmtree_at(int parent, const char *name, int depth)
{
	DIR *d;
	struct dirent *e;
	int fd, r = 0;

	if (!unlinkat(parent, name, 0))
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return errno == ENOENT ? 0 : -errno;
	if (depth > MAX_DEPTH)
		return -ELOOP;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		int er = rmtree_at(dirfd(d), e->d_name, depth + 1);
		if (er && !r)
			r = er;
	}
	closedir(d);
	if (unlinkat(parent, name, AT_REMOVEDIR) && !r)
		r = -errno;
	return r;
}

int cprof_archive_rmtree(const char *dir)
{
	return rmtree_at(AT_FDCWD, dir, 0);
}
