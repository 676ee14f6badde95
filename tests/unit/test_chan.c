/* test_chan.c: cprof channel semantics (buffered, unbuffered, close, timeouts,
 * select) and an MPMC stress run whose sums must match. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cprof.h>

#include "check.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void test_buffered_fifo(void)
{
	cprof_chan *c;
	void *v;
	CHECK_EQ(cprof_chan_create(&c, 3, "fifo"), 0);
	for (intptr_t i = 1; i <= 3; i++)
		CHECK_EQ(cprof_chan_send(c, (void *)i), 0);
	CHECK_EQ(cprof_chan_try_send(c, (void *)4), -EAGAIN);
	for (intptr_t i = 1; i <= 3; i++) {
		CHECK_EQ(cprof_chan_recv(c, &v), 0);
		CHECK_EQ((intptr_t)v, i);
	}
	CHECK_EQ(cprof_chan_try_recv(c, &v), -EAGAIN);
	cprof_chan_destroy(c);
	cprof_chan_destroy(NULL);
}

struct arg { cprof_chan *c; intptr_t v; int r; int delay_ms; };

static void *sender(void *p)
{
	struct arg *a = p;
	msleep(a->delay_ms);
	a->r = cprof_chan_send(a->c, (void *)a->v);
	return NULL;
}

static void *receiver(void *p)
{
	struct arg *a = p;
	void *v = (void *)-1;
	msleep(a->delay_ms);
	a->r = cprof_chan_recv(a->c, &v);
	a->v = (intptr_t)v;
	return NULL;
}

static void test_unbuffered_handoff(void)
{
	cprof_chan *c;
	void *v;
	CHECK_EQ(cprof_chan_create(&c, 0, NULL), 0);
	CHECK_EQ(cprof_chan_try_send(c, (void *)1), -EAGAIN);   /* nobody receives */
	struct arg a = { c, 42, -1, 30 };
	pthread_t t;
	pthread_create(&t, NULL, sender, &a);
	double t0 = now_s();
	CHECK_EQ(cprof_chan_recv(c, &v), 0);                     /* blocks until sent */
	CHECK((now_s() - t0) > 0.02);
	CHECK_EQ((intptr_t)v, 42);
	pthread_join(t, NULL);
	CHECK_EQ(a.r, 0);
	/* a blocked sender is released by a receiver */
	a = (struct arg){ c, 7, -1, 0 };
	pthread_create(&t, NULL, sender, &a);
	msleep(30);
	CHECK_EQ(cprof_chan_try_recv(c, &v), 0);
	CHECK_EQ((intptr_t)v, 7);
	pthread_join(t, NULL);
	CHECK_EQ(a.r, 0);
	cprof_chan_destroy(c);
}

static void test_close(void)
{
	cprof_chan *c;
	void *v;
	CHECK_EQ(cprof_chan_create(&c, 4, NULL), 0);
	cprof_chan_send(c, (void *)1);
	cprof_chan_send(c, (void *)2);
	CHECK_EQ(cprof_chan_close(c), 0);
	CHECK_EQ(cprof_chan_close(c), -EPIPE);
	CHECK_EQ(cprof_chan_send(c, (void *)3), -EPIPE);
	CHECK_EQ(cprof_chan_recv(c, &v), 0);
	CHECK_EQ((intptr_t)v, 1);
	CHECK_EQ(cprof_chan_recv(c, &v), 0);
	CHECK_EQ((intptr_t)v, 2);
	CHECK_EQ(cprof_chan_recv(c, &v), -EPIPE);
	CHECK(v == NULL);
	cprof_chan_destroy(c);

	/* blocked receivers and senders are released by close */
	cprof_chan *u;
	CHECK_EQ(cprof_chan_create(&u, 0, NULL), 0);
	struct arg r1 = { u, 0, 1, 0 }, r2 = { u, 0, 1, 0 };
	pthread_t t1, t2;
	pthread_create(&t1, NULL, receiver, &r1);
	pthread_create(&t2, NULL, receiver, &r2);
	msleep(30);
	CHECK_EQ(cprof_chan_close(u), 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CHECK_EQ(r1.r, -EPIPE);
	CHECK_EQ(r2.r, -EPIPE);
	cprof_chan_destroy(u);
	CHECK_EQ(cprof_chan_create(&u, 0, NULL), 0);
	struct arg s1 = { u, 5, 1, 0 };
	pthread_create(&t1, NULL, sender, &s1);
	msleep(30);
	CHECK_EQ(cprof_chan_close(u), 0);
	pthread_join(t1, NULL);
	CHECK_EQ(s1.r, -EPIPE);
	cprof_chan_destroy(u);
}

static void test_timeouts(void)
{
	cprof_chan *c;
	void *v;
	CHECK_EQ(cprof_chan_create(&c, 1, NULL), 0);
	double t0 = now_s();
	CHECK_EQ(cprof_chan_recv_timed(c, &v, 50 * 1000000LL), -ETIMEDOUT);
	double el = now_s() - t0;
	CHECK(el >= 0.045);
	CHECK(el < 5);
	CHECK_EQ(cprof_chan_send_timed(c, (void *)1, 1000000LL), 0);
	CHECK_EQ(cprof_chan_send_timed(c, (void *)2, 20 * 1000000LL), -ETIMEDOUT);
	CHECK_EQ(cprof_chan_recv_timed(c, &v, 0), 0);
	CHECK_EQ((intptr_t)v, 1);
	CHECK_EQ(cprof_chan_recv_timed(c, &v, -5), -EINVAL);
	cprof_chan_destroy(c);
}

static void test_select(void)
{
	cprof_chan *a, *b;
	CHECK_EQ(cprof_chan_create(&a, 1, "a"), 0);
	CHECK_EQ(cprof_chan_create(&b, 1, "b"), 0);
	struct cprof_select_case cs[2] = {
		{ .chan = a, .op = CPROF_CHAN_RECV }, { .chan = b, .op = CPROF_CHAN_RECV } };
	CHECK_EQ(cprof_chan_select(cs, 2, 0), -EAGAIN);          /* default */
	cprof_chan_send(b, (void *)9);
	CHECK_EQ(cprof_chan_select(cs, 2, -1), 1);
	CHECK_EQ((intptr_t)cs[1].value, 9);
	/* blocking select woken by a sender on the first channel */
	struct arg s = { a, 11, -1, 30 };
	pthread_t t;
	pthread_create(&t, NULL, sender, &s);
	cs[0].value = cs[1].value = NULL;
	CHECK_EQ(cprof_chan_select(cs, 2, -1), 0);
	CHECK_EQ((intptr_t)cs[0].value, 11);
	pthread_join(t, NULL);
	/* send case: a full, b has room */
	cprof_chan_send(a, (void *)1);
	struct cprof_select_case ss[2] = {
		{ .chan = a, .op = CPROF_CHAN_SEND, .value = (void *)2 },
		{ .chan = b, .op = CPROF_CHAN_SEND, .value = (void *)3 } };
	CHECK_EQ(cprof_chan_select(ss, 2, -1), 1);
	CHECK_EQ(cprof_chan_select(ss, 2, 20 * 1000000LL), -ETIMEDOUT);
	/* closed channel is ready for receive */
	cprof_chan_close(b);
	void *v;
	cprof_chan_recv(b, &v);
	cs[0] = (struct cprof_select_case){ .chan = b, .op = CPROF_CHAN_RECV };
	CHECK_EQ(cprof_chan_select(cs, 1, -1), 0);
	CHECK_EQ(cs[0].closed, 1);
	CHECK_EQ(cprof_chan_select(NULL, 0, 0), -EINVAL);
	cprof_chan_destroy(a);
	cprof_chan_destroy(b);
}

#define PRODUCERS 4
#define CONSUMERS 4
#define PER_PRODUCER 50000

static cprof_chan *stress_c, *stress_d;
static uint64_t consumed_sum, consumed_n;

static void *stress_producer(void *p)
{
	intptr_t base = (intptr_t)p * PER_PRODUCER;
	for (intptr_t i = 1; i <= PER_PRODUCER; i++)
		if (cprof_chan_send(i % 2 ? stress_c : stress_d, (void *)(base + i)) != 0)
			break;
	return NULL;
}

static void *stress_consumer(void *p)
{
	uint64_t sum = 0, n = 0;
	struct cprof_select_case cs[2];
	int open_c = 1, open_d = 1;
	while (open_c || open_d) {
		size_t k = 0;
		if (open_c)
			cs[k++] = (struct cprof_select_case){ .chan = stress_c, .op = CPROF_CHAN_RECV };
		if (open_d)
			cs[k++] = (struct cprof_select_case){ .chan = stress_d, .op = CPROF_CHAN_RECV };
		int i = cprof_chan_select(cs, k, -1);
		if (i < 0)
			break;
		if (cs[i].closed) {
			if (cs[i].chan == stress_c) open_c = 0; else open_d = 0;
			continue;
		}
		sum += (uintptr_t)cs[i].value;
		n++;
	}
	__atomic_fetch_add(&consumed_sum, sum, __ATOMIC_RELAXED);
	__atomic_fetch_add(&consumed_n, n, __ATOMIC_RELAXED);
	return p;
}

static void stress(size_t cap)
{
	pthread_t p[PRODUCERS], q[CONSUMERS];
	consumed_sum = consumed_n = 0;
	if (cprof_chan_create(&stress_c, cap, "stress-c") || cprof_chan_create(&stress_d, cap, "stress-d"))
		return;
	for (intptr_t i = 0; i < CONSUMERS; i++)
		pthread_create(&q[i], NULL, stress_consumer, NULL);
	for (intptr_t i = 0; i < PRODUCERS; i++)
		pthread_create(&p[i], NULL, stress_producer, (void *)i);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(p[i], NULL);
	cprof_chan_close(stress_c);
	cprof_chan_close(stress_d);
	for (int i = 0; i < CONSUMERS; i++)
		pthread_join(q[i], NULL);
	cprof_chan_destroy(stress_c);
	cprof_chan_destroy(stress_d);
}

static void test_stress_buffered(void)
{
	uint64_t n = (uint64_t)PRODUCERS * PER_PRODUCER;
	stress(16);
	CHECK_EQ(consumed_n, n);
	CHECK_EQ(consumed_sum, n * (n + 1) / 2);
}

static void test_stress_unbuffered(void)
{
	uint64_t n = (uint64_t)PRODUCERS * PER_PRODUCER;
	stress(0);
	CHECK_EQ(consumed_n, n);
	CHECK_EQ(consumed_sum, n * (n + 1) / 2);
}

int main(void)
{
	RUN(test_buffered_fifo);
	RUN(test_unbuffered_handoff);
	RUN(test_close);
	RUN(test_timeouts);
	RUN(test_select);
	RUN(test_stress_buffered);
	RUN(test_stress_unbuffered);
	CHECK_EXIT();
}
