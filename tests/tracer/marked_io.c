/* marked_io: threads blocked in a socket read, a socket write to a full
 * peer and a pipe read when a capture starts are in its status dump as
 * waiting on that fd since before it, and their waits end in the capture
 * (cprof:block_end).  Outside captures such calls only mark the thread's
 * wait.  usage: marked_io TRACE.out.  Linked with libcprof. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cprof.h"

static int sr[2], sw[2], pr[2];
static volatile int started;

static void *reader(void *arg)
{
	(void)arg;
	char c;
	pthread_setname_np(pthread_self(), "sock-reader");
	__atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
	return read(sr[0], &c, 1) == 1 ? NULL : (void *)1;
}

static void *writer(void *arg)
{
	(void)arg;
	static char big[1 << 20];
	pthread_setname_np(pthread_self(), "sock-writer");
	__atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
	/* more than the socket buffers hold: blocks until main reads */
	return write(sw[0], big, sizeof big) > 0 ? NULL : (void *)1;
}

static void *piper(void *arg)
{
	(void)arg;
	char c;
	pthread_setname_np(pthread_self(), "pipe-reader");
	__atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
	return read(pr[0], &c, 1) == 1 ? NULL : (void *)1;
}

int main(int argc, char **argv)
{
	struct cprof_error err;
	pthread_t th[3];
	if (argc != 2) {
		fprintf(stderr, "usage: marked_io TRACE.out\n");
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sr) || socketpair(AF_UNIX, SOCK_STREAM, 0, sw) ||
			pipe(pr)) {
		perror("marked_io");
		return 1;
	}
	printf("fds %d %d %d\n", sr[0], sw[0], pr[0]);
	fflush(stdout);
	pthread_create(&th[0], NULL, reader, NULL);
	pthread_create(&th[1], NULL, writer, NULL);
	pthread_create(&th[2], NULL, piper, NULL);
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 3)
		usleep(1000);
	usleep(100 * 1000);     /* all three are in their calls */
	if (cprof_trace_start(argv[1], &err) < 0) {
		fprintf(stderr, "marked_io: %s\n", err.message);
		return 1;
	}
	usleep(50 * 1000);
	char buf[65536];
	if (write(sr[1], "x", 1) != 1 || write(pr[1], "x", 1) != 1) {
		perror("marked_io");
		return 1;
	}
	size_t got = 0;
	while (got < (1 << 20)) {
		ssize_t n = read(sw[1], buf, sizeof buf);
		if (n <= 0) {
			perror("marked_io");
			return 1;
		}
		got += (size_t)n;
	}
	void *ret;
	int bad = 0;
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], &ret);
		bad |= ret != NULL;
	}
	if (cprof_trace_stop(&err) < 0) {
		fprintf(stderr, "marked_io: %s\n", err.message);
		return 1;
	}
	printf(bad ? "a call failed\n" : "done\n");
	return bad;
}
