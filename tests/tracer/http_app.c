/* http_app: a small multi-threaded service for the endpoint tests.
 *
 * usage: http_app PORTFILE [ADDR]
 * Starts the /debug/pprof endpoint on ADDR (default 127.0.0.1:0), writes the
 * port it got to PORTFILE, then runs worker threads contending on a mutex
 * and waiting on a condition variable until it is killed.
 * HTTP_APP_CLOSE_STDIN=1: closes fd 0 once the endpoint runs, as a daemon
 * that detaches does. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cprof.h"

#define WORKERS 2

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static unsigned long items;

static void *producer(void *arg)
{
	(void) arg;
	cprof_thread_set_name("producer");
	for (;;) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };

		pthread_mutex_lock(&lock);
		items++;
		pthread_cond_signal(&ready);
		pthread_mutex_unlock(&lock);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void *worker(void *arg)
{
	volatile unsigned long sink = 0;

	(void) arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		while (!items)
			pthread_cond_wait(&ready, &lock);
		items--;
		/* hold the lock a little so the other worker contends */
		for (int i = 0; i < 20000; i++)
			sink += (unsigned long) i;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct cprof_error err;
	pthread_t t;
	char tmp[4096];
	FILE *f;
	int port;

	if (argc < 2) {
		fprintf(stderr, "usage: http_app PORTFILE [ADDR]\n");
		return 2;
	}
	if (cprof_http_start(argc > 2 ? argv[2] : "127.0.0.1:0", &err)) {
		fprintf(stderr, "http_app: %s\n", err.message);
		return 1;
	}
	port = cprof_http_port();
	if (getenv("HTTP_APP_CLOSE_STDIN"))
		close(0);
	/* write then rename, so the test never reads a partial port */
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) || rename(tmp, argv[1])) {
		perror("http_app: port file");
		return 1;
	}
	pthread_create(&t, NULL, producer, NULL);
	for (int i = 0; i < WORKERS; i++)
		pthread_create(&t, NULL, worker, NULL);
	for (;;)
		pause();
}
