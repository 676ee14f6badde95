/* odd_stacks.c: contended locks taken on stacks that are not a thread's own
 * (a makecontext coroutine on a heap stack) and from a signal handler on an
 * alternate stack, so the stack walker must decline them (libunwind during a
 * capture, nothing outside one) without crashing or changing the program.
 * Not linked with libcprof: run it preloaded.  Prints "sum=N" (fixed). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop;
static long sum;
static ucontext_t main_ctx, co_ctx;

static void pause_us(long us)
{
	struct timespec ts = { 0, us * 1000 };
	nanosleep(&ts, NULL);
}

static void *holder(void *arg)
{
	(void)arg;
	while (!stop) {
		pthread_mutex_lock(&m);
		pause_us(3000);
		pthread_mutex_unlock(&m);
		pause_us(100);
	}
	return NULL;
}

static void __attribute__((noinline)) locked_add(long v)
{
	pthread_mutex_lock(&m);   /* mostly contended: holder keeps it 3 ms of 3.1 */
	sum += v;
	pthread_mutex_unlock(&m);
}

static void coroutine(void)
{
	for (long i = 1;; i++) {
		locked_add(i);
		swapcontext(&co_ctx, &main_ctx);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	/* not async-signal-safe in general; fine here: the main thread never
	 * holds m when the signal is raised */
	locked_add(1000000);
}

int main(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, holder, NULL) != 0)
		return 1;
	size_t co_size = 256 * 1024;
	char *co_stack = malloc(co_size);
	stack_t alt = { .ss_sp = malloc(SIGSTKSZ * 4), .ss_size = SIGSTKSZ * 4 };
	if (!co_stack || !alt.ss_sp || sigaltstack(&alt, NULL) != 0)
		return 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);

	getcontext(&co_ctx);
	co_ctx.uc_stack.ss_sp = co_stack;
	co_ctx.uc_stack.ss_size = co_size;
	co_ctx.uc_link = &main_ctx;
	makecontext(&co_ctx, coroutine, 0);
	for (int i = 0; i < 300; i++) {
		pause_us(500);   /* let the holder take the lock again */
		swapcontext(&main_ctx, &co_ctx);
		if (i % 10 == 0)
			raise(SIGUSR1);
	}
	stop = 1;
	pthread_join(th, NULL);
	printf("sum=%ld\n", sum);
	return 0;
}
