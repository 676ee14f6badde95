/* unpack.c: safe extraction of trace.out (a gzip'd ustar archive).
 *
 * trace.out comes from a network endpoint, so it is untrusted: only regular
 * files and directories with relative paths under cprof/ or ctf/ are
 * written, never links or devices, never over an existing file, and the
 * member count and sizes are bounded.  Truncated or non-gzip input is an
 * error, never a silently short trace. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "conv.h"

#define MAX_MEMBERS 100000
#define MAX_MEMBER_SIZE (16ull << 30)
#define MAX_TOTAL_SIZE (64ull << 30)
#define BUF_SIZE (256 * 1024)
#define CHUNK_SIZE (1024 * 1024)
#define CHUNKS 4

/* Write-behind: file data goes to the kernel from a second thread while the
 * first inflates the next chunk (inflating and copying into the page cache
 * cost about the same; measured on a 598 MB trace: 0.58 s -> see
 * converter/README).  Chunks are handed over in order; the writer closes a
 * file after its last chunk and keeps the first error. */
struct wchunk {
	int fd;                /* -1: free slot */
	int last;              /* close fd after writing */
	size_t len;
	unsigned char *data;   /* CHUNK_SIZE */
	char name[1024];       /* the member, for errors */
};

struct writer {
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	struct wchunk ring[CHUNKS];
	unsigned head, tail;   /* filled: [tail, head) mod CHUNKS (counts, not wrapped) */
	int stop;
	int err;               /* first errno, 0 if none */
	char err_name[1024];   /* and the member it hit */
};

struct tar_in {
	gzFile gz;
	const char *path;
	unsigned char *buf;    /* owned, BUF_SIZE */
	struct writer *w;      /* the write-behind thread */
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->tail == w->head && !w->stop)
			pthread_cond_wait(&w->cv, &w->lock);
		if (w->tail == w->head)
			break;
		struct wchunk *c = &w->ring[w->tail % CHUNKS];
		int failed = w->err != 0;
		pthread_mutex_unlock(&w->lock);
		int e = 0;
		for (size_t off = 0; !failed && off < c->len;) {
			ssize_t n = write(c->fd, c->data + off, c->len - off);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				e = errno;
				break;
			}
			off += (size_t) n;
		}
		if (c->last && close(c->fd) < 0 && !e && !failed)
			e = errno;
		pthread_mutex_lock(&w->lock);
		if (e && !w->err) {
			w->err = e;
			memcpy(w->err_name, c->name, sizeof w->err_name);
		}
		w->tail++;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static struct writer *writer_start(void)
{
	struct writer *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cv, NULL);
	for (int i = 0; i < CHUNKS; i++)
		if (!(w->ring[i].data = malloc(CHUNK_SIZE)))
			goto fail;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
		goto fail;
	w->started = 1;
	return w;
fail:
	for (int i = 0; i < CHUNKS; i++)
		free(w->ring[i].data);
	free(w);
	return NULL;
}

/* The next free chunk to fill (waits while all are queued). */
static struct wchunk *writer_slot(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->head - w->tail == CHUNKS)
		pthread_cond_wait(&w->cv, &w->lock);
	struct wchunk *c = &w->ring[w->head % CHUNKS];
	pthread_mutex_unlock(&w->lock);
	return c;
}

/* Queues the chunk writer_slot returned; the first error so far, as -errno. */
static int writer_push(struct writer *w, const char *name, int fd, size_t len, int last)
{
	pthread_mutex_lock(&w->lock);
	struct wchunk *c = &w->ring[w->head % CHUNKS];
	snprintf(c->name, sizeof c->name, "%s", name);
	c->fd = fd;
	c->len = len;
	c->last = last;
	w->head++;
	pthread_cond_broadcast(&w->cv);
	int e = w->err;
	pthread_mutex_unlock(&w->lock);
	return -e;
}

/* Waits until everything queued is written and closed; -errno of the first
 * failure. */
static int writer_sync(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->tail != w->head)
		pthread_cond_wait(&w->cv, &w->lock);
	int e = w->err;
	pthread_mutex_unlock(&w->lock);
	return -e;
}

static void writer_end(struct writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	for (int i = 0; i < CHUNKS; i++)
		free(w->ring[i].data);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cv);
	free(w);
}

/* Reads exactly n bytes; 1 on success, 0 at a clean end, <0 on error. */
static int read_full(struct tar_in *in, void *dst, size_t n, struct conv_error *err)
{
	size_t got = 0;
	while (got < n) {
		int r = gzread(in->gz, (char *) dst + got, (unsigned) (n - got));
		if (r < 0) {
			int zerr;
			const char *m = gzerror(in->gz, &zerr);
			conv_error_set(err, "%s: corrupt gzip data (%s)", in->path, m);
			return -EINVAL;
		}
		if (r == 0)
			break;
		got += (size_t) r;
	}
	if (got == n)
		return 1;
	int zerr;
	const char *m = gzerror(in->gz, &zerr);
	if (zerr != Z_OK && zerr != Z_STREAM_END) {
		conv_error_set(err, "%s: truncated or corrupt gzip data (%s)", in->path, m);
		return -EINVAL;
	}
	if (got == 0)
		return 0;
	conv_error_set(err, "%s: truncated archive (a tar member ends early)", in->path);
	return -EINVAL;
}

static int64_t octal(const char *p, size_t n)
{
	int64_t v = 0;
	size_t i = 0;
	while (i < n && p[i] == ' ')
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v > (INT64_MAX >> 3))
			return -1;
		v = v * 8 + (p[i] - '0');
	}
	if (i < n && p[i] != 0 && p[i] != ' ')
		return -1;
	return v;
}

static int header_ok(const unsigned char *h)
{
	int64_t want = octal((const char *) h + 148, 8);
	int64_t sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return want >= 0 && sum == want && memcmp(h + 257, "ustar", 5) == 0;
}

/* A relative path of plain components: no "..", ".", "//" or control bytes. */
static int path_safe(const char *p)
{
	if (!*p || *p == '/' || strlen(p) > 900)
		return 0;
	for (const char *c = p; *c;) {
		const char *e = strchr(c, '/');
		size_t len = e ? (size_t) (e - c) : strlen(c);
		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (len == 0 && e && e[1] != 0)
			return 0;
		for (size_t k = 0; k < len; k++)
			if ((unsigned char) c[k] < 0x20)
				return 0;
		c += len;
		if (*c == '/')
			c++;
	}
	return 1;
}

/* Only cprof/ and ctf/ are ours; anything else is skipped, never written. */
static int path_wanted(const char *p)
{
	size_t n = strcspn(p, "/");
	return (n == 5 && !strncmp(p, "cprof", 5)) || (n == 3 && !strncmp(p, "ctf", 3));
}

/* Creates every directory of `path` (relative to dirfd), the last one too
 * when `last` is set. */
static int make_dirs(int dirfd, const char *path, int last)
{
	char tmp[1024];
	snprintf(tmp, sizeof tmp, "%s", path);
	size_t n = strlen(tmp);
	while (n && tmp[n - 1] == '/')
		tmp[--n] = 0;
	for (char *p = tmp; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdirat(dirfd, tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (last && mkdirat(dirfd, tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int skip_data(struct tar_in *in, uint64_t n, struct conv_error *err)
{
	while (n) {
		size_t k = n > BUF_SIZE ? BUF_SIZE : (size_t) n;
		int r = read_full(in, in->buf, k, err);
		if (r <= 0)
			return r < 0 ? r : (conv_error_set(err, "%s: truncated archive", in->path), -EINVAL);
		n -= k;
	}
	return 0;
}

/* extract_file's data through the writer thread; owns fd (the writer closes
 * it after its last chunk, this function if that chunk was not queued). */
static int extract_behind(struct tar_in *in, int fd, const char *name, uint64_t size, uint64_t pad,
	struct conv_error *err)
{
	int ret = 0, given = 0;
	while (size && !ret) {
		size_t k = size > CHUNK_SIZE ? CHUNK_SIZE : (size_t) size;
		int r = read_full(in, writer_slot(in->w)->data, k, err);
		if (r <= 0) {
			if (r == 0)
				conv_error_set(err, "%s: truncated archive (member %s)", in->path, name);
			ret = -EINVAL;
			break;
		}
		size -= k;
		given = size == 0;
		if ((ret = writer_push(in->w, name, fd, k, given)) < 0)
			conv_error_set(err, "cannot extract %s: %s", in->w->err_name, strerror(-ret));
	}
	if (!ret && pad)
		ret = skip_data(in, pad, err);
	if (!given) {
		/* queued chunks may still use fd */
		writer_sync(in->w);
		close(fd);
	}
	return ret;
}

static int extract_file(struct tar_in *in, int dirfd, const char *name, uint64_t size,
	struct conv_error *err)
{
	int ret = make_dirs(dirfd, name, 0);
	if (ret < 0)
		goto error_io;
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		if (ret == -EEXIST) {
			conv_error_set(err, "%s: archive member %s appears twice", in->path, name);
			return ret;
		}
		goto error_io;
	}
	return extract_behind(in, fd, name, size, (512 - size % 512) % 512, err);
error_io:
	conv_error_set(err, "cannot extract %s: %s", name, strerror(-ret));
	return ret;
}

int conv_unpack(const char *path, const char *dir, struct conv_error *err)
{
	struct tar_in in = { .path = path };
	unsigned char h[512];
	int dirfd = -1, ret = 0, members = 0;
	uint64_t total = 0;
	struct stat st;

	if (stat(path, &st) < 0) {
		conv_error_set(err, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		conv_error_set(err, "%s: %s", path, S_ISREG(st.st_mode) ? "empty file, not a trace"
			: "not a regular file");
		return -EINVAL;
	}
	in.buf = malloc(BUF_SIZE);
	in.gz = gzopen(path, "rb");
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!in.buf || !in.gz || dirfd < 0) {
		ret = -(errno ? errno : ENOMEM);
		conv_error_set(err, "%s: %s", path, strerror(-ret));
		goto end;
	}
	gzbuffer(in.gz, BUF_SIZE);
	if (!(in.w = writer_start())) {
		ret = -ENOMEM;
		conv_error_set(err, "%s: cannot start the extraction thread", path);
		goto end;
	}
	/* gzread passes non-gzip data through: read a byte first so gzdirect knows */
	if (gzread(in.gz, h, 1) < 1 || gzdirect(in.gz)) {
		conv_error_set(err, "%s: not a trace.out (not gzip-compressed data)", path);
		ret = -EINVAL;
		goto end;
	}
	if ((ret = read_full(&in, h + 1, 511, err)) <= 0) {
		if (ret == 0)
			conv_error_set(err, "%s: not a trace.out (too short for a tar archive)", path);
		ret = -EINVAL;
		goto end;
	}
	for (;;) {
		static const unsigned char zero[512];
		if (!memcmp(h, zero, 512))
			break;          /* end-of-archive block */
		if (!header_ok(h)) {
			conv_error_set(err, "%s: not a trace.out (bad tar header after %d members)",
				path, members);
			ret = -EINVAL;
			goto end;
		}
		char full[1024];
		if (h[345] && memcmp(h + 257, "ustar\0", 6) == 0)
			snprintf(full, sizeof full, "%.155s/%.100s", (char *) h + 345, (char *) h);
		else
			snprintf(full, sizeof full, "%.100s", (char *) h);
		/* `tar czf trace.out -C dir .` names members ./cprof/..., after
		 * a ./ for the directory itself: the same archive */
		const char *name = full;
		while (name[0] == '.' && name[1] == '/')
			name += 2;
		int64_t size = octal((const char *) h + 124, 12);
		char type = (char) h[156];
		if (size < 0 || (uint64_t) size > MAX_MEMBER_SIZE || (total += (uint64_t) size) > MAX_TOTAL_SIZE
				|| ++members > MAX_MEMBERS) {
			conv_error_set(err, "%s: archive member %s is too large or too many members", path, name);
			ret = -EFBIG;
			goto end;
		}
		if (type != '0' && type != 0 && type != '5') {
			conv_error_set(err, "%s: archive member %s is %s: refused", path, name,
				type == '1' || type == '2' ? "a link" : "not a regular file or directory");
			ret = -EINVAL;
			goto end;
		}
		if ((!*name || !strcmp(name, ".")) && type == '5' && size == 0) {
			if ((ret = read_full(&in, h, 512, err)) <= 0) {
				if (ret == 0)
					conv_error_set(err, "%s: truncated archive (no end-of-archive block)", path);
				ret = -EINVAL;
				goto end;
			}
			continue;       /* the archive's own top directory */
		}
		if (!path_safe(name)) {
			conv_error_set(err, "%s: archive member path %s leaves the archive: refused", path, name);
			ret = -EINVAL;
			goto end;
		}
		if (!path_wanted(name)) {
			if ((ret = skip_data(&in, (uint64_t) size + ((512 - size % 512) % 512), err)) < 0)
				goto end;
		} else if (type == '5') {
			if ((ret = make_dirs(dirfd, name, 1)) < 0) {
				conv_error_set(err, "cannot create %s: %s", name, strerror(-ret));
				goto end;
			}
		} else if ((ret = extract_file(&in, dirfd, name, (uint64_t) size, err)) < 0) {
			goto end;
		}
		if ((ret = read_full(&in, h, 512, err)) <= 0) {
			if (ret == 0)
				conv_error_set(err, "%s: truncated archive (no end-of-archive block)", path);
			ret = -EINVAL;
			goto end;
		}
	}
	ret = 0;
end:
	if (in.w) {
		int wr = writer_sync(in.w);
		if (wr < 0 && ret >= 0) {
			conv_error_set(err, "cannot extract %s: %s", in.w->err_name, strerror(-wr));
			ret = wr;
		}
		writer_end(in.w);
	}
	if (in.gz)
		gzclose(in.gz);
	if (dirfd >= 0)
		close(dirfd);
	free(in.buf);
	return ret;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void) sb; (void) flag; (void) ftw;
	remove(p);
	return 0;
}

void conv_rmtree(const char *dir)
{
	if (dir && *dir)
		nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}
