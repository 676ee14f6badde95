/* forkpty_app: forkpty(3) (glibc forks inside it, not through fork()),
 * then the child, on the pseudo-terminal, runs two threads contending on a
 * mutex and exits normally; the parent relays what the child printed, then
 * does the same.  Not linked with libcprof: run preloaded.
 * Prints the child's threads ("child-thread TID"), "parent PID" and the
 * parent's threads ("parent-thread TID"). */
#include <pthread.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop;
static pid_t tids[2];

static void *work(void *arg)
{
	tids[(long)arg] = gettid();
	while (!stop) {
		pthread_mutex_lock(&m);
		usleep(300);
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

static void contend(double seconds, const char *who)
{
	pthread_t t[2];
	stop = 0;
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, work, (void *)i);
	usleep((useconds_t)(seconds * 1e6));
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 2; i++)
		printf("%s-thread %d\n", who, (int)tids[i]);
}

int main(void)
{
	int master;
	pid_t p = forkpty(&master, NULL, NULL, NULL);
	if (p < 0) {
		perror("forkpty");
		return 1;
	}
	if (p == 0) {
		contend(0.4, "child");
		exit(0);
	}
	char buf[256];
	ssize_t n;
	while ((n = read(master, buf, sizeof buf)) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	int st;
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "child failed: %#x\n", st);
		return 1;
	}
	printf("parent %d\n", (int)getpid());
	contend(0.3, "parent");
	return 0;
}
