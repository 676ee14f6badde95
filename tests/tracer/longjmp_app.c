/* longjmp_app: a timeout the old way - a timer signal whose handler
 * siglongjmps out of a blocked socket read (MODE sock), pipe read (MODE
 * pipe), terminal read (MODE tty: a pseudo-terminal of its own) or sleep
 * (MODE sleep) - three times, each followed by 200 ms of work.
 * usage: longjmp_app sock|pipe|tty|sleep.  Not linked with libcprof: run
 * it preloaded. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static sigjmp_buf env;

static void on_timer(int sig)
{
	(void)sig;
	siglongjmp(env, 1);
}

static void work(double s)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9 < s);
}

int main(int argc, char **argv)
{
	int sv[2];
	char c;
	int sock = argc == 2 && !strcmp(argv[1], "sock");
	int pipe_ = argc == 2 && !strcmp(argv[1], "pipe");
	int tty = argc == 2 && !strcmp(argv[1], "tty");
	if (argc != 2 || (!sock && !pipe_ && !tty && strcmp(argv[1], "sleep"))) {
		fprintf(stderr, "usage: longjmp_app sock|pipe|tty|sleep\n");
		return 2;
	}
	if (tty) {
		int m = posix_openpt(O_RDWR | O_NOCTTY);
		if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 ||
				(sv[0] = open(ptsname(m), O_RDWR | O_NOCTTY)) < 0) {
			perror("pseudo-terminal");
			return 1;
		}
	} else if (pipe_ ? pipe(sv) != 0 : socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		perror("pipe");
		return 1;
	}
	signal(SIGALRM, on_timer);
	int timeouts = 0;
	for (int i = 0; i < 3; i++) {
		if (sigsetjmp(env, 1) == 0) {
			struct itimerval it = { { 0, 0 }, { 0, 300 * 1000 } };
			setitimer(ITIMER_REAL, &it, NULL);
			if (sock || pipe_ || tty)
				(void)!read(sv[0], &c, 1);      /* nothing ever comes */
			else
				sleep(10);
		} else {
			timeouts++;
		}
		work(0.2);
	}
	printf("%d timeouts\n", timeouts);
	return 0;
}
