/* log.c: cprof's own messages on stderr, formatted on the stack (no malloc,
 * usable from the interposers). */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

void cprof_log(const char *fmt, ...)
{
	char buf[512];
	int saved = errno;
	size_t n = 7;
	memcpy(buf, "cprof: ", n);
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
	va_end(ap);
	if (r > 0)
		n += (size_t)r < sizeof buf - n - 1 ? (size_t)r : sizeof buf - n - 2;
	buf[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, buf, n);
	(void)w;
	errno = saved;
}
