/* util.c: byte buffer, JSON writers, clock and gzip for the viewer. */
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

void vw_err_set(struct vw_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void vw_buf_init(struct vw_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void vw_buf_fini(struct vw_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int reserve(struct vw_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -ENOMEM;
	if (b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -ENOMEM;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void vw_buf_put(struct vw_buf *b, const void *p, size_t n)
{
	if (reserve(b, n))
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

void vw_buf_puts(struct vw_buf *b, const char *s)
{
	vw_buf_put(b, s, strlen(s));
}

void vw_buf_putc(struct vw_buf *b, char c)
{
	vw_buf_put(b, &c, 1);
}

void vw_buf_printf(struct vw_buf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		vw_buf_put(b, tmp, (size_t)n);
		return;
	}
	if (reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *vw_buf_steal(struct vw_buf *b, size_t *len)
{
	char *p = b->p;

	if (b->oom) {
		vw_buf_fini(b);
		return NULL;
	}
	if (!p) {
		p = strdup("");
	}
	if (len)
		*len = b->len;
	memset(b, 0, sizeof(*b));
	return p;
}

/* Length of a valid UTF-8 sequence at s, or 0 if invalid. */
static int utf8_len(const unsigned char *s)
{
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void vw_json_str(struct vw_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run;

	if (!s) {
		vw_buf_puts(b, "null");
		return;
	}
	vw_buf_putc(b, '"');
	run = p;
	while (*p) {
		int n = 1;
		const char *esc = NULL;
		char u[8];

		if (*p == '"')
			esc = "\\\"";
		else if (*p == '\\')
			esc = "\\\\";
		else if (*p == '\n')
			esc = "\\n";
		else if (*p == '\t')
			esc = "\\t";
		else if (*p == '\r')
			esc = "\\r";
		else if (*p < 0x20 || *p == 0x7f || *p == '<') {
			/* '<' escaped so "</script>" never ends an embedding. */
			snprintf(u, sizeof(u), "\\u%04x", *p);
			esc = u;
		} else if (*p >= 0x80 && !(n = utf8_len(p))) {
			esc = "\\ufffd";
			n = 1;
		}
		if (esc) {
			vw_buf_put(b, run, (size_t)(p - run));
			vw_buf_puts(b, esc);
			p += n;
			run = p;
		} else {
			p += n;
		}
	}
	vw_buf_put(b, run, (size_t)(p - run));
	vw_buf_putc(b, '"');
}

void vw_buf_int(struct vw_buf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	vw_buf_put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void vw_json_int(struct vw_buf *b, int64_t v)
{
	vw_buf_int(b, v);
}

void vw_json_num(struct vw_buf *b, double v)
{
	if (!isfinite(v))
		vw_buf_puts(b, "null");
	else if (v == (double)(int64_t)v && fabs(v) < 9e15)
		vw_buf_printf(b, "%" PRId64, (int64_t)v);
	else
		vw_buf_printf(b, "%.17g", v);
}

void vw_json_key(struct vw_buf *b, const char *key, int first)
{
	if (!first)
		vw_buf_putc(b, ',');
	vw_json_str(b, key);
	vw_buf_putc(b, ':');
}

int64_t vw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int vw_gzip(const void *src, size_t len, int level, void **out, size_t *out_len)
{
	z_stream z;
	uLong cap;
	unsigned char *dst;
	int rc = -EIO;

	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip wrapper, what HTTP and pprof expect. */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&z, (uLong)len) + 32;
	dst = malloc(cap);
	if (!dst) {
		rc = -ENOMEM;
		goto end;
	}
	z.next_in = (Bytef *)src;
	z.avail_in = (uInt)len;
	z.next_out = dst;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		free(dst);
		goto end;
	}
	*out = dst;
	*out_len = z.total_out;
	rc = 0;
end:
	deflateEnd(&z);
	return rc;
}
