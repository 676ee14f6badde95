/* fork_app.c: forks (without exec) while other threads hammer a mutex and a
 * condvar, under tracing.  The children lock the same mutex, create a
 * thread, and exit; nothing may deadlock and every child must exit 0. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static volatile int stop;
static long counter;

static void *spin(void *arg)
{
	(void)arg;
	while (!stop) {
		pthread_mutex_lock(&m);
		counter++;
		pthread_cond_broadcast(&c);
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

static void *child_thread(void *arg)
{
	pthread_mutex_lock(&m);
	counter++;
	pthread_mutex_unlock(&m);
	return arg;
}

/* The POSIX way to fork while threads lock m: hold it across the fork. */
static void prepare(void) { pthread_mutex_lock(&m); }
static void release(void) { pthread_mutex_unlock(&m); }

int main(int argc, char **argv)
{
	int forks = argc > 1 ? atoi(argv[1]) : 20;
	pthread_atfork(prepare, release, release);
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, spin, NULL);
	int bad = 0;
	for (int i = 0; i < forks; i++) {
		pid_t p = fork();
		if (p < 0) {
			perror("fork");
			return 1;
		}
		if (p == 0) {
			pthread_t t;
			pthread_mutex_lock(&m);
			counter++;
			pthread_mutex_unlock(&m);
			if (pthread_create(&t, NULL, child_thread, NULL) != 0)
				_exit(3);
			pthread_join(t, NULL);
			exit(0);
		}
		int st;
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	printf("forks=%d bad=%d\n", forks, bad);
	return bad != 0;
}
