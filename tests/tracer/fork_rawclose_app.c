/* fork_rawclose_app: forks children that close every fd above 2 with raw
 * close system calls (no close() of libc: what Chromium's launcher does
 * before it execs), open and close a few sockets and pipes (the numbers
 * are taken again), then exec /bin/true.  Meanwhile two threads of the
 * parent contend on a mutex.  Not linked with libcprof: run preloaded.
 *
 * usage: fork_rawclose_app FORKS
 * Prints "forks=N bad=B": B children did not exit 0 (lttng-ust asserted
 * in them when it was restarted in every child: fd tracker or shm close). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop;
static long counter;

static void *spin(void *arg)
{
	(void)arg;
	while (!stop) {
		pthread_mutex_lock(&m);
		counter++;
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

static void child(long maxfd)
{
	for (long fd = 3; fd < maxfd; fd++)
		syscall(SYS_close, fd);
	for (int k = 0; k < 20; k++) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0), p[2];
		if (pipe(p) == 0) {
			syscall(SYS_close, p[0]);
			syscall(SYS_close, p[1]);
		}
		usleep(100);
		if (s >= 0)
			syscall(SYS_close, s);
	}
	execl("/bin/true", "true", (char *)0);
	_exit(127);
}

int main(int argc, char **argv)
{
	int forks = argc > 1 ? atoi(argv[1]) : 100, bad = 0;
	struct rlimit rl;
	long maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (long)rl.rlim_cur : 65536;
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, spin, NULL);
	for (int i = 0; i < forks; i++) {
		pid_t p = fork();
		if (p < 0) {
			perror("fork");
			bad++;
			continue;
		}
		if (p == 0)
			child(maxfd);
		int st;
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st)) {
			bad++;
			fprintf(stderr, "child %d: status %#x\n", i, st);
		}
	}
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	printf("forks=%d bad=%d\n", forks, bad);
	return bad != 0;
}
