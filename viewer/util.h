/* util.h: small shared helpers of the viewer: a growable byte buffer with
 * JSON writers, and the error struct that carries a message to the user. */
#ifndef VW_UTIL_H
#define VW_UTIL_H

#include <stddef.h>
#include <stdint.h>

struct vw_err {
	char msg[512];
};

void vw_err_set(struct vw_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct vw_buf {
	char *p;     /* owned, NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	int oom;     /* set once an allocation failed; later writes are no-ops */
};

void vw_buf_init(struct vw_buf *b);
void vw_buf_fini(struct vw_buf *b);
void vw_buf_put(struct vw_buf *b, const void *p, size_t n);
void vw_buf_puts(struct vw_buf *b, const char *s);
void vw_buf_putc(struct vw_buf *b, char c);
void vw_buf_printf(struct vw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Takes the bytes; the buffer is empty afterwards.  Caller frees. */
char *vw_buf_steal(struct vw_buf *b, size_t *len);

/* JSON writers.  vw_json_str writes a quoted, escaped string ("null" for
 * NULL); invalid UTF-8 bytes are replaced so the output always parses. */
void vw_json_str(struct vw_buf *b, const char *s);
void vw_json_int(struct vw_buf *b, int64_t v);
void vw_json_num(struct vw_buf *b, double v);
/* Writes `"key":` (with a leading comma unless first). */
void vw_json_key(struct vw_buf *b, const char *key, int first);

/* Monotonic clock in ns. */
int64_t vw_now_ns(void);

/* gzip-compresses src into a malloc'd buffer at zlib level (1 fast .. 9
 * small).  Returns 0 or -ENOMEM/-EIO. */
int vw_gzip(const void *src, size_t len, int level, void **out, size_t *out_len);

/* Appends a decimal integer, without printf (hot in timeline answers). */
void vw_buf_int(struct vw_buf *b, int64_t v);

#endif
