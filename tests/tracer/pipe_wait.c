/* pipe_wait: a thread blocked on a pipe read since before the capture
 * starts ("reader"), then given a byte 300 ms into it, and one blocked on a
 * write to a full pipe ("pwriter"), drained then too; then, in the
 * capture, writers blocked on full pipes, drained 300 ms later: "writer"
 * writes 256 KiB in one call (more than the pipe holds: part goes at once,
 * the rest waits), "awriter" 100 bytes into a pipe already full (a write
 * up to PIPE_BUF goes whole or waits).  The data read back is checked.
 * usage: pipe_wait TRACE.out.  Linked with libcprof. */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cprof.h"

static int p[2];

static void *reader_main(void *arg)
{
	char c;
	(void)arg;
	pthread_setname_np(pthread_self(), "reader");
	if (read(p[0], &c, 1) != 1)
		return (void *)1;
	return NULL;
}

#define BIG (256 << 10)
#define SMALL 100

static int q[2], a[2], c[2], c_cap;
static unsigned char *big;

static void *writer_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "writer");
	return (void *)(intptr_t)(write(q[1], big, BIG) != BIG);
}

static void *awriter_main(void *arg)
{
	char buf[SMALL];
	(void)arg;
	pthread_setname_np(pthread_self(), "awriter");
	memset(buf, 'A', sizeof buf);
	return (void *)(intptr_t)(write(a[1], buf, SMALL) != SMALL);
}

static void *pwriter_main(void *arg)
{
	char buf[SMALL] = { 0 };
	(void)arg;
	pthread_setname_np(pthread_self(), "pwriter");
	return (void *)(intptr_t)(write(c[1], buf, SMALL) != SMALL);
}

/* fills pipe fds[1]: its capacity, or -1 */
static int fill_pipe(int fds[2])
{
	int cap = fcntl(fds[1], F_GETPIPE_SZ);
	unsigned char *fill = calloc(1, cap > 0 ? (size_t)cap : 1);
	int ok = cap > 0 && fill && write(fds[1], fill, (size_t)cap) == cap;
	free(fill);
	return ok ? cap : -1;
}

/* reads exactly n bytes of fd into buf; 0 on success */
static int read_all(int fd, unsigned char *buf, size_t n)
{
	for (size_t got = 0; got < n; ) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* the writers' part, in the capture: NULL, or what went wrong */
static const char *writers(void)
{
	pthread_t w, aw;
	void *rw, *raw;
	if (pipe(q) != 0 || pipe(a) != 0 || !(big = malloc(BIG)))
		return "setup failed";
	for (int i = 0; i < BIG; i++)
		big[i] = (unsigned char)(i * 7 % 251);
	int cap = fill_pipe(a);
	unsigned char *fill = malloc(cap > 0 ? (size_t)cap : 1);
	if (cap <= 0 || !fill)
		return "cannot fill the pipe";
	pthread_create(&w, NULL, writer_main, NULL);
	pthread_create(&aw, NULL, awriter_main, NULL);
	usleep(300 * 1000);
	unsigned char *back = malloc(BIG);
	unsigned char small[SMALL];
	int bad = !back || read_all(q[0], back, BIG) != 0 || memcmp(back, big, BIG) != 0;
	bad |= read_all(a[0], fill, (size_t)cap) != 0 || read_all(a[0], small, SMALL) != 0;
	for (int i = 0; i < SMALL && !bad; i++)
		bad = small[i] != 'A';
	pthread_join(w, &rw);
	pthread_join(aw, &raw);
	free(back);
	free(fill);
	if (rw || raw)
		return "a write failed";
	return bad ? "the data read back differs" : NULL;
}

int main(int argc, char **argv)
{
	struct cprof_error err;
	pthread_t th, pw;
	void *res, *pres;
	if (argc != 2) {
		fprintf(stderr, "usage: pipe_wait TRACE.out\n");
		return 2;
	}
	if (pipe(p) != 0 || pipe(c) != 0 || (c_cap = fill_pipe(c)) < 0) {
		perror("pipe");
		return 1;
	}
	pthread_create(&th, NULL, reader_main, NULL);
	pthread_create(&pw, NULL, pwriter_main, NULL);
	usleep(200 * 1000);             /* both are blocked by now */
	if (cprof_trace_start(argv[1], &err) < 0) {
		fprintf(stderr, "pipe_wait: %s\n", err.message);
		return 1;
	}
	usleep(300 * 1000);
	if (write(p[1], "x", 1) != 1)
		return 1;
	unsigned char *drain = malloc((size_t)c_cap + SMALL);
	if (!drain || read_all(c[0], drain, (size_t)c_cap + SMALL) != 0)
		return 1;
	free(drain);
	pthread_join(th, &res);
	pthread_join(pw, &pres);
	const char *werr = writers();
	usleep(100 * 1000);
	if (cprof_trace_stop(&err) < 0) {
		fprintf(stderr, "pipe_wait: %s\n", err.message);
		return 1;
	}
	if (werr)
		printf("%s\n", werr);
	else
		printf(res || pres ? "read or write failed\n" : "done\n");
	return 0;
}
