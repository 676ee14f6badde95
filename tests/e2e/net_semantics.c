/* net_semantics.c: what the I/O interposers must not change.  Each check
 * compares return values and errno with what the calls promise; the test
 * runs it untraced and traced (probes, partial writes resumed, select sets
 * restored).  Prints "ok N" or the first failure, exits non-zero on one. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int checks;

#define CHECK(cond, ...) \
	do { \
		checks++; \
		if (!(cond)) { \
			printf("FAIL line %d: ", __LINE__); \
			printf(__VA_ARGS__); \
			printf(" (errno %d)\n", errno); \
			exit(1); \
		} \
	} while (0)

static void ms(int n)
{
	struct timespec ts = { n / 1000, (n % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

struct io { int fd; size_t len; int delay_ms; };

/* Writes len bytes after a delay (wakes a blocked reader). */
static void *late_writer(void *p)
{
	struct io *a = p;
	char buf[256];
	memset(buf, 'w', sizeof buf);
	ms(a->delay_ms);
	for (size_t left = a->len; left > 0;) {
		size_t n = left < sizeof buf ? left : sizeof buf;
		ssize_t r = write(a->fd, buf, n);
		if (r <= 0)
			break;
		left -= (size_t)r;
		ms(a->delay_ms ? 1 : 0);
	}
	return NULL;
}

/* Reads len bytes slowly (makes a big writer block). */
static void *slow_reader(void *p)
{
	struct io *a = p;
	static char buf[65536];
	size_t got = 0;
	while (got < a->len) {
		ssize_t r = read(a->fd, buf, sizeof buf);
		if (r <= 0)
			break;
		got += (size_t)r;
		ms(1);
	}
	a->len = got;
	return NULL;
}

int main(void)
{
	int sv[2], nb[2], p[2];
	pthread_t t;
	char buf[4096];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");

	/* blocking read that waits: data, and errno untouched on success */
	struct io w = { sv[1], 10, 50 };
	pthread_create(&t, NULL, late_writer, &w);
	errno = 1234;
	ssize_t r = read(sv[0], buf, sizeof buf);
	CHECK(r > 0 && r <= 10, "blocking read returned %zd", r);
	CHECK(errno == 1234, "errno changed by a successful read");
	pthread_join(t, NULL);
	while (r < 10) {
		ssize_t k = read(sv[0], buf, sizeof buf);
		CHECK(k > 0, "rest of the data");
		r += k;
	}

	/* recv MSG_WAITALL across two late chunks returns everything */
	w = (struct io){ sv[1], 300, 20 };
	pthread_create(&t, NULL, late_writer, &w);
	r = recv(sv[0], buf, 300, MSG_WAITALL);
	CHECK(r == 300, "recv MSG_WAITALL returned %zd", r);
	pthread_join(t, NULL);

	/* a big blocking write to a slow reader returns the full count */
	size_t big = 8u << 20;
	char *data = calloc(1, big);
	struct io rd = { sv[1], big, 0 };
	pthread_create(&t, NULL, slow_reader, &rd);
	r = write(sv[0], data, big);
	CHECK(r == (ssize_t)big, "big write returned %zd of %zu", r, big);
	pthread_join(t, NULL);
	CHECK(rd.len == big, "reader got %zu of %zu", rd.len, big);

	/* writev: same, across iovecs */
	struct iovec iov[3] = { { data, 1u << 20 }, { data, 2u << 20 }, { data, 1u << 20 } };
	rd = (struct io){ sv[1], 4u << 20, 0 };
	pthread_create(&t, NULL, slow_reader, &rd);
	r = writev(sv[0], iov, 3);
	CHECK(r == (ssize_t)(4u << 20), "big writev returned %zd", r);
	pthread_join(t, NULL);
	CHECK(rd.len == 4u << 20, "writev reader got %zu", rd.len);

	/* non-blocking: EAGAIN stays EAGAIN */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, nb) == 0, "socketpair nb");
	r = read(nb[0], buf, sizeof buf);
	CHECK(r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK), "non-blocking read %zd", r);
	/* O_NONBLOCK set later with fcntl */
	CHECK(fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK) == 0, "F_SETFL");
	r = recv(sv[0], buf, sizeof buf, 0);
	CHECK(r == -1 && errno == EAGAIN, "recv after F_SETFL O_NONBLOCK %zd", r);
	CHECK(fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) & ~O_NONBLOCK) == 0, "F_SETFL back");

	/* poll: timeout with nothing ready, then ready */
	struct pollfd pf = { sv[0], POLLIN, 0 };
	CHECK(poll(&pf, 1, 30) == 0 && pf.revents == 0, "poll timeout");
	w = (struct io){ sv[1], 5, 20 };
	pthread_create(&t, NULL, late_writer, &w);
	CHECK(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLIN), "poll ready");
	pthread_join(t, NULL);
	CHECK(read(sv[0], buf, sizeof buf) == 5, "read after poll");

	/* select: sets cleared on timeout, kept for the ready fd */
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(sv[0], &rs);
	struct timeval tv = { 0, 30000 };
	CHECK(select(sv[0] + 1, &rs, NULL, NULL, &tv) == 0 && !FD_ISSET(sv[0], &rs), "select timeout");
	w = (struct io){ sv[1], 5, 20 };
	pthread_create(&t, NULL, late_writer, &w);
	FD_ZERO(&rs);
	FD_SET(sv[0], &rs);
	FD_SET(nb[0], &rs);
	tv = (struct timeval){ 5, 0 };
	r = select((sv[0] > nb[0] ? sv[0] : nb[0]) + 1, &rs, NULL, NULL, &tv);
	CHECK(r == 1 && FD_ISSET(sv[0], &rs) && !FD_ISSET(nb[0], &rs), "select ready (%zd)", r);
	pthread_join(t, NULL);
	CHECK(read(sv[0], buf, sizeof buf) == 5, "read after select");

	/* accept that waits for a late connect; connect refused */
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	CHECK(l >= 0 && bind(l, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(l, 4) == 0 &&
		getsockname(l, (struct sockaddr *)&sa, &sl) == 0, "listen");
	pid_t child = fork();
	if (child == 0) {
		ms(50);
		int c = socket(AF_INET, SOCK_STREAM, 0);
		int ok = connect(c, (struct sockaddr *)&sa, sizeof sa) == 0 && write(c, "hi", 2) == 2;
		ms(100);        /* the parent's waitpid below waits (a syscall wait) */
		_exit(ok ? 7 : 1);
	}
	struct sockaddr_in peer;
	socklen_t pl = sizeof peer;
	int a = accept(l, (struct sockaddr *)&peer, &pl);
	CHECK(a >= 0 && pl == sizeof peer && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "accept");
	CHECK(read(a, buf, 2) == 2 && !memcmp(buf, "hi", 2), "read from the accepted socket");
	int st = 0;
	CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 7,
		"waitpid status %d", st);
	close(a);
	close(l);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&sa, sizeof sa) == -1 && errno == ECONNREFUSED,
		"connect to a closed port");
	close(c);
	CHECK(waitpid(-1, &st, 0) == -1 && errno == ECHILD, "waitpid without children");

	/* files and pipes */
	char path[] = "/tmp/cprof-net-semantics-XXXXXX";
	int f = mkstemp(path);
	CHECK(f >= 0 && write(f, "0123456789", 10) == 10, "file write");
	CHECK(pread(f, buf, 4, 3) == 4 && !memcmp(buf, "3456", 4), "pread");
	CHECK(lseek(f, 0, SEEK_SET) == 0 && read(f, buf, 100) == 10, "file read");
	close(f);
	CHECK(open(path, O_RDONLY) >= 0 && unlink(path) == 0, "open");
	CHECK(open("/nonexistent/cprof", O_RDONLY) == -1 && errno == ENOENT, "open ENOENT");
	CHECK(pipe(p) == 0, "pipe");
	w = (struct io){ p[1], 3, 30 };
	pthread_create(&t, NULL, late_writer, &w);
	CHECK(read(p[0], buf, sizeof buf) > 0, "blocking pipe read");
	pthread_join(t, NULL);
	struct timespec rq = { 0, 10000000 };
	CHECK(nanosleep(&rq, NULL) == 0, "nanosleep");
	CHECK(usleep(1000) == 0, "usleep");
	printf("ok %d\n", checks);
	return 0;
}
