/* cancel_app [ROUNDS]: each round starts threads blocked in pthread_cond_wait
 * (with a cleanup handler that unlocks), sem_wait, read, poll, sleep and
 * recv, and one looping on lock/unlock, cancels them all and joins them; the
 * mutex and semaphore still work at the end.  Not linked with libcprof. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <poll.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static int sv[2];

static void unlock_cleanup(void *p) { pthread_mutex_unlock(p); }

static void *condw(void *a) {
	pthread_mutex_lock(&m);
	pthread_cleanup_push(unlock_cleanup, &m);
	for (;;) pthread_cond_wait(&c, &m);
	pthread_cleanup_pop(1);
	return a;
}
static void *semw(void *a) { for (;;) sem_wait(&sem); return a; }
static void *readw(void *a) { char b[16]; for (;;) read(sv[0], b, sizeof b); return a; }
static void *pollw(void *a) { struct pollfd p = { sv[0], POLLIN, 0 }; for (;;) poll(&p, 1, -1); return a; }
static void *sleepw(void *a) { for (;;) sleep(10); return a; }
static void *recvw(void *a) { char b[16]; for (;;) recv(sv[0], b, sizeof b, 0); return a; }
static void *lockw(void *a) { for (;;) { pthread_mutex_lock(&m); pthread_mutex_unlock(&m); pthread_testcancel(); } return a; }

int main(int argc, char **argv) {
	int rounds = argc > 1 ? atoi(argv[1]) : 20;
	sem_init(&sem, 0, 0);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	void *(*fns[])(void *) = { condw, semw, readw, pollw, sleepw, recvw, lockw };
	int nf = sizeof fns / sizeof fns[0];
	for (int r = 0; r < rounds; r++) {
		pthread_t t[8];
		for (int i = 0; i < nf; i++) pthread_create(&t[i], NULL, fns[i], NULL);
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		for (int i = 0; i < nf; i++) pthread_cancel(t[i]);
		for (int i = 0; i < nf; i++) { void *res; pthread_join(t[i], &res); if (res != PTHREAD_CANCELED) { printf("thread %d not cancelled\n", i); return 1; } }
	}
	/* everything still works after */
	pthread_mutex_lock(&m); pthread_cond_signal(&c); pthread_mutex_unlock(&m);
	sem_post(&sem); sem_wait(&sem);
	printf("ok %d rounds\n", rounds);
	return 0;
}
