/* io_cost.c: ns per read()/write() call that does not block - a 1-byte
 * write then a 1-byte read on an AF_UNIX socketpair (non-blocking, then
 * blocking with data always ready) and on a pipe (non-blocking, then
 * blocking: its reads and writes are probed while tracing), plus reads answering
 * EAGAIN, and ns per dup()+close() pair (a connection's fd opened and closed:
 * close goes through the interposer).  Built without libcprof: run it plain, with libcprof preloaded
 * (idle) and traced (CPROF_TRACE) to see what the interposers add.
 *
 * --mt: one more thread, asleep, from the start - a multi-threaded program,
 * as the servers cprof traces are.  The kernel takes a reference on the
 * file at each fd system call once the fd table is shared (a single
 * thread skips that): ~30 ns a call on this machine, which a preloaded
 * single-threaded program pays too, for lttng-ust's own threads, and which
 * is not the interposers' cost.
 * usage: io_cost [ITERATIONS] [--mt] */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ns per call of a write+read pair (2 calls) */
static double pair_cost(int wfd, int rfd, long n)
{
	char c = 'x';
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (write(wfd, &c, 1) != 1 || read(rfd, &c, 1) != 1) {
			perror("io_cost");
			exit(1);
		}
	return (now_ns() - t0) / (2.0 * n);
}

static double eagain_cost(int rfd, long n)
{
	char c;
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (read(rfd, &c, 1) != -1 || errno != EAGAIN) {
			fprintf(stderr, "io_cost: expected EAGAIN\n");
			exit(1);
		}
	return (now_ns() - t0) / n;
}

/* ns per dup+close pair */
static double dup_close_cost(int fd, long n)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int d = dup(fd);
		if (d < 0 || close(d)) {
			perror("io_cost");
			exit(1);
		}
	}
	return (now_ns() - t0) / n;
}

static void *asleep(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	long n = 200000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mt")) {
			pthread_t t;
			if (pthread_create(&t, NULL, asleep, NULL)) {
				fprintf(stderr, "io_cost: cannot start a thread\n");
				return 1;
			}
		} else if ((n = atol(argv[i])) <= 0) {
			fprintf(stderr, "usage: io_cost [ITERATIONS] [--mt]\n");
			return 2;
		}
	}
	int nb[2], bl[2], p[2], bp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, nb) ||
			socketpair(AF_UNIX, SOCK_STREAM, 0, bl) || pipe2(p, O_NONBLOCK) ||
			pipe(bp)) {
		perror("io_cost");
		return 1;
	}
	pair_cost(nb[0], nb[1], n / 10);       /* warm up: resolution, fd table */
	pair_cost(bl[0], bl[1], n / 10);
	pair_cost(p[1], p[0], n / 10);
	pair_cost(bp[1], bp[0], n / 10);
	dup_close_cost(nb[0], n / 10);
	printf("socket_nonblocking_ns=%.1f socket_blocking_ready_ns=%.1f pipe_ns=%.1f"
		" pipe_blocking_ns=%.1f eagain_ns=%.1f dup_close_ns=%.1f\n",
		pair_cost(nb[0], nb[1], n), pair_cost(bl[0], bl[1], n), pair_cost(p[1], p[0], n),
		pair_cost(bp[1], bp[0], n), eagain_cost(nb[1], n), dup_close_cost(nb[0], n));
	return 0;
}
