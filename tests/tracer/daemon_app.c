/* daemon_app: a program that daemonizes with daemon(3), as services do,
 * then works: two threads contend on a mutex for SECONDS.  Not linked with
 * libcprof: run preloaded.
 *
 * usage: daemon_app STATEFILE SECONDS [noclose|setsid|setsid-stay]
 * (setsid: daemonizes by hand - fork, the parent exits, setsid - instead;
 * setsid-stay: the same but the parent waits for the child)
 * STATEFILE (an absolute path: the daemon changes to /) gets the daemon's
 * pid, its working directory and whether fd 0 is /dev/null, then "done"
 * when it finishes. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop;

static void *work(void *arg)
{
	(void)arg;
	while (!stop) {
		pthread_mutex_lock(&m);
		usleep(500);
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argv[1][0] != '/')
		return 2;
	int noclose = argc > 3 && !strcmp(argv[3], "noclose");
	int stay = argc > 3 && !strcmp(argv[3], "setsid-stay");
	if (stay || (argc > 3 && !strcmp(argv[3], "setsid"))) {
		/* by hand, as memcached -d does; setsid-stay: the parent stays
		 * until the child is done, as a server with a helper would */
		pid_t p = fork();
		if (p < 0)
			return 1;
		if (p > 0) {
			int st;
			if (stay && (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st)))
				return 1;
			_exit(0);
		}
		if (setsid() < 0 || chdir("/") || !freopen("/dev/null", "r", stdin))
			return 1;
	} else if (daemon(0, noclose)) {
		perror("daemon");
		return 1;
	}
	char cwd[4096];
	struct stat st;
	int devnull = fstat(0, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
	FILE *f = fopen(argv[1], "w");
	if (!f)
		return 1;
	fprintf(f, "pid %d\nppid %d\ncwd %s\nstdin_devnull %d\nsid %d\n", (int)getpid(), (int)getppid(),
		getcwd(cwd, sizeof cwd) ? cwd : "?", devnull, getsid(0) == getpid());
	fclose(f);
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, work, NULL);
	/* the main thread waits as an event loop would, in poll() */
	for (int ms = (int)(atof(argv[2]) * 1000); ms > 0; ms -= 100)
		poll(NULL, 0, ms < 100 ? ms : 100);
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	f = fopen(argv[1], "a");
	if (!f)
		return 1;
	fprintf(f, "done\n");
	fclose(f);
	return 0;
}
