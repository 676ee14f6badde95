/* closeall_app: a program that closes every fd it did not open, as daemons
 * do, then works.  Not linked with libcprof: run preloaded.
 *
 * usage: closeall_app loop|closefrom|close_range SECONDS
 * Closes fds 3 and up (a loop over close(), closefrom(3) or close_range),
 * opens /dev/null eight times (the numbers are reused), then 4 threads
 * contend on a mutex for SECONDS; prints how many fds close() closed. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef __NR_close_range
#define __NR_close_range 436
#endif
int close_range(unsigned int first, unsigned int last, int flags);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop;
static long counter;

static void *worker(void *arg)
{
	while (!stop) {
		pthread_mutex_lock(&lock);
		for (volatile int i = 0; i < 300; i++)
			;
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(int argc, char **argv)
{
	int closed = 0;
	if (argc != 3) {
		fprintf(stderr, "usage: closeall_app loop|closefrom|close_range SECONDS\n");
		return 2;
	}
	if (!strcmp(argv[1], "loop")) {
		for (int fd = 3; fd < 1024; fd++)
			if (close(fd) == 0)
				closed++;
	} else if (!strcmp(argv[1], "closefrom")) {
		closefrom(3);
	} else if (!strcmp(argv[1], "close_range")) {
		if (close_range(3, ~0U, 0)) {
			perror("close_range");
			return 1;
		}
	} else {
		return 2;
	}
	for (int i = 0; i < 8; i++)
		if (open("/dev/null", O_RDONLY) < 0)
			return 1;
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	usleep((useconds_t)(atof(argv[2]) * 1e6));
	stop = 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("closed %d, counted %ld\n", closed, counter);
	return 0;
}
