/* crash_exit_app: a program whose crash handler exits - SIGABRT and SIGSEGV
 * handlers that write a line and _exit(3) - crashing the way heap
 * corruption does: glibc detects a double free of a 2000-byte block inside
 * free(), with the heap's lock held, and aborts.  A helper thread allocates
 * meanwhile.  Not linked with libcprof. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_fatal(int sig)
{
	static const char m[] = "crash_exit_app: fatal signal, exiting\n";
	(void)sig;
	if (write(2, m, sizeof m - 1) < 0) {
		/* exiting anyway */
	}
	_exit(3);
}

static void *churn(void *arg)
{
	for (;;) {
		void *p = malloc(100);
		free(p);
	}
	return arg;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal;
	sigaction(SIGABRT, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	pthread_t t;
	pthread_create(&t, NULL, churn, NULL);
	usleep(100000);
	/* volatile: the compiler must not drop or check the calls */
	char *volatile p = malloc(2000);
	char *volatile q = malloc(2000);
	char *volatile guard = malloc(100);
	memset(p, 1, 2000);
	memset(q, 2, 2000);
	free(p);
	free(q);
	free(p);        /* double free: glibc aborts inside free() */
	free(guard);
	return 0;
}
