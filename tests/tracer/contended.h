/* contended.h: for the tracer's test programs. */
#ifndef CPROF_TEST_CONTENDED_H
#define CPROF_TEST_CONTENDED_H

#include <pthread.h>
#include <unistd.h>

/* Waits (up to 10 s) until a thread sleeps on m, held by the caller:
 * glibc's lock word says 2 once a waiter went for the futex.  A waiter
 * preempted between its failed tries and its lock call is not yet counted
 * by glibc, and an unlock then wakes nobody - the thread takes the lock
 * later without a waker (seen on a loaded machine).  Then 20 ms more: the
 * checks want waits of 10 ms or more. */
static inline void wait_contended(pthread_mutex_t *m)
{
	for (int i = 0; i < 10000 && __atomic_load_n(&m->__data.__lock, __ATOMIC_ACQUIRE) != 2; i++)
		usleep(1000);
	usleep(20 * 1000);
}

#endif
