/* small_stack_app STACK_BYTES KIB: six threads with STACK_BYTES stacks (a
 * set size), each using KIB KiB of it in frames, then contending on a mutex,
 * waiting on a condvar with a timeout, or reading a socket and allocating
 * 600 KB blocks (sampled allocations), 200 times.  Prints "ok ..." or dies
 * of SIGSEGV when the stack is too small.  Not linked with libcprof. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include <sys/socket.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int sv[2];
static int used_kb;
__attribute__((noinline)) static void deep(int kb, int what) {
	volatile char pad[1024];
	memset((char *)pad, kb, sizeof pad);
	if (kb > 1) { deep(kb - 1, what); return; }
	for (int i = 0; i < 200; i++) {
		if (what == 0) { pthread_mutex_lock(&m); usleep(10); pthread_mutex_unlock(&m); }
		else if (what == 1) { pthread_mutex_lock(&m); struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); ts.tv_nsec += 50000; if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; } pthread_cond_timedwait(&c, &m, &ts); pthread_mutex_unlock(&m); }
		else { char b[4]; send(sv[1], "x", 1, MSG_DONTWAIT); recv(sv[0], b, 1, 0); void *p = malloc(600000); free(p); }
	}
	(void)pad[0];
}
static void *th(void *a) { deep(used_kb, (int)(long)a); return NULL; }
int main(int argc, char **argv) {
	size_t ss = argc > 1 ? (size_t)atol(argv[1]) : PTHREAD_STACK_MIN;
	used_kb = argc > 2 ? atoi(argv[2]) : 8;
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pthread_attr_t at; pthread_attr_init(&at);
	if (pthread_attr_setstacksize(&at, ss)) { printf("bad stack size\n"); return 2; }
	pthread_t t[6];
	for (int i = 0; i < 6; i++) if (pthread_create(&t[i], &at, th, (void *)(long)(i % 3))) { perror("create"); return 1; }
	for (int i = 0; i < 6; i++) pthread_join(t[i], NULL);
	printf("ok stack %zu used %d KiB\n", ss, used_kb);
	return 0;
}
