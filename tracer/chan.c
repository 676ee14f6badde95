/* chan.c: cprof channels - bounded and unbuffered MPMC channels of
 * pointers with Go's semantics (close lets receivers drain, then they see
 * "closed"; send on a closed channel is an error), and select.
 *
 * Design follows Go's runtime: each channel has a lock, a ring buffer and
 * two queues of parked waiters.  A blocking operation (or a select over
 * several channels) parks one `struct parking` and links one `struct waiter`
 * per channel it waits on; whoever completes it first claims the parking
 * with a CAS, moves the value, and wakes it through a futex.  The completing
 * thread knows its partner exactly, so cprof:wake names the woken thread. */
#include <errno.h>
#include <stdint.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

enum { OP_SEND = CPROF_CHAN_SEND, OP_RECV = CPROF_CHAN_RECV };

struct parking {
	volatile int claimed;   /* 0 until an operation (or the timeout) claims it */
	volatile int done;      /* futex word: 1 once the claimer finished */
	int fired;              /* index of the case that completed */
	int closed;             /* it completed because the channel was closed */
	void *value;            /* received value */
	pid_t tid;              /* the parked thread */
};

struct waiter {
	struct waiter *next, *prev;   /* in the channel's sendq or recvq */
	struct parking *park;         /* borrowed from the parked thread's stack */
	void *value;                  /* value to send */
	int index;                    /* case index */
	int op;
};

struct wq { struct waiter *head, *tail; };

struct cprof_chan {
	pthread_mutex_t lock;
	size_t cap, count, head;
	void **buf;                   /* owned, cap slots */
	int closed;
	struct wq sendq, recvq;
};

/* ---- helpers ------------------------------------------------------------ */

static void chan_lock(struct cprof_chan *c)
{
	cprof_tls_guard++;   /* the channel's own lock is not a user mutex */
	pthread_mutex_lock(&c->lock);
	cprof_tls_guard--;
}

static void chan_unlock(struct cprof_chan *c)
{
	cprof_tls_guard++;
	pthread_mutex_unlock(&c->lock);
	cprof_tls_guard--;
}

static void wq_push(struct wq *q, struct waiter *w)
{
	w->next = NULL;
	w->prev = q->tail;
	if (q->tail)
		q->tail->next = w;
	else
		q->head = w;
	q->tail = w;
}

static void wq_remove(struct wq *q, struct waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else if (q->head == w)
		q->head = w->next;
	else
		return;   /* not queued */
	if (w->next)
		w->next->prev = w->prev;
	else
		q->tail = w->prev;
	w->next = w->prev = NULL;
}

/* First waiter of q whose parking we could claim (dequeued), or NULL.
 * Waiters of selects that already fired elsewhere are dropped. */
static struct waiter *wq_claim(struct wq *q)
{
	struct waiter *w;
	while ((w = q->head) != NULL) {
		wq_remove(q, w);
		if (!__atomic_exchange_n(&w->park->claimed, 1, __ATOMIC_ACQ_REL))
			return w;
	}
	return NULL;
}

static uint8_t kind_of(int op, int is_select)
{
	if (is_select)
		return CPROF_WAIT_SELECT;
	return op == OP_SEND ? CPROF_WAIT_CHAN_SEND : CPROF_WAIT_CHAN_RECV;
}

/* Wait kind the parked owner of w recorded (select waiters have op < 0). */
static uint8_t waiter_kind(const struct waiter *w)
{
	return w->op < 0 ? CPROF_WAIT_SELECT : kind_of(w->op, 0);
}

/* Finishes a claimed parking and wakes its thread.  Call without locks. */
static void unpark(struct cprof_chan *c, struct parking *p, uint8_t kind)
{
	pid_t tid = p->tid;
	if (cprof_tracing)
		cprof_wake_emit(kind, c, tid);
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &p->done, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Waits until p->done or the absolute CLOCK_MONOTONIC deadline (NULL =
 * forever).  Returns 0 when done, -ETIMEDOUT otherwise. */
static int park_wait(struct parking *p, const struct timespec *deadline)
{
	while (!__atomic_load_n(&p->done, __ATOMIC_ACQUIRE)) {
		long r = syscall(SYS_futex, &p->done, FUTEX_WAIT_BITSET_PRIVATE, 0, deadline, NULL,
			FUTEX_BITSET_MATCH_ANY);
		if (r == -1 && errno == ETIMEDOUT)
			return -ETIMEDOUT;
	}
	return 0;
}

static int deadline_from(int64_t timeout_ns, struct timespec *ts)
{
	if (timeout_ns < 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, ts);
	int64_t ns = ts->tv_nsec + timeout_ns % 1000000000;
	ts->tv_sec += timeout_ns / 1000000000 + ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
	return 1;
}

/* ---- one case, channel locked --------------------------------------------
 * Tries to complete case (op, c) without blocking.  Returns 1 if done (with
 * *unparked set to a parking to wake after unlocking, if any), 0 if it
 * would block.  *closed reports a receive on a closed, drained channel, or
 * a send on a closed channel. */
static int try_case(struct cprof_chan *c, int op, void *send_value, void **recv_value,
		int *closed, struct parking **unparked, uint8_t *unpark_kind)
{
	*closed = 0;
	*unparked = NULL;
	if (op == OP_SEND) {
		if (c->closed) {
			*closed = 1;
			return 1;
		}
		struct waiter *w = wq_claim(&c->recvq);
		if (w) {
			w->park->value = send_value;
			w->park->fired = w->index;
			*unparked = w->park;
			*unpark_kind = waiter_kind(w);
			return 1;
		}
		if (c->count < c->cap) {
			c->buf[(c->head + c->count) % c->cap] = send_value;
			c->count++;
			return 1;
		}
		return 0;
	}
	if (c->count > 0) {
		*recv_value = c->buf[c->head];
		c->head = (c->head + 1) % c->cap;
		c->count--;
		/* a parked sender can now put its value in the freed slot */
		struct waiter *w = wq_claim(&c->sendq);
		if (w) {
			c->buf[(c->head + c->count) % c->cap] = w->value;
			c->count++;
			w->park->fired = w->index;
			*unparked = w->park;
			*unpark_kind = waiter_kind(w);
		}
		return 1;
	}
	struct waiter *w = wq_claim(&c->sendq);
	if (w) {
		*recv_value = w->value;
		w->park->fired = w->index;
		*unparked = w->park;
		*unpark_kind = waiter_kind(w);
		return 1;
	}
	if (c->closed) {
		*recv_value = NULL;
		*closed = 1;
		return 1;
	}
	return 0;
}

/* ---- public API ------------------------------------------------------------ */

int cprof_chan_create(cprof_chan **out, size_t capacity, const char *name)
{
	if (!out || capacity > ((size_t)1 << 30))
		return -EINVAL;
	cprof_tls_guard++;
	struct cprof_chan *c = calloc(1, sizeof *c);
	void **buf = capacity ? calloc(capacity, sizeof *buf) : NULL;
	cprof_tls_guard--;
	if (!c || (capacity && !buf)) {
		cprof_tls_guard++;
		free(c);
		free(buf);
		cprof_tls_guard--;
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->cap = capacity;
	c->buf = buf;
	*out = c;
	if (name)
		cprof_name_object(c, name);
	return 0;
}

void cprof_chan_destroy(cprof_chan *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	cprof_tls_guard++;
	free(c->buf);
	free(c);
	cprof_tls_guard--;
}

int cprof_chan_close(cprof_chan *c)
{
	if (!c)
		return -EINVAL;
	struct waiter *woken[64];
	int n;
	chan_lock(c);
	if (c->closed) {
		chan_unlock(c);
		return -EPIPE;
	}
	c->closed = 1;
	/* Wake every parked sender and receiver, in batches (the parkings stay
	 * valid: their owners cannot return before we set done). */
	do {
		n = 0;
		struct waiter *w;
		while (n < 64 && ((w = wq_claim(&c->recvq)) || (w = wq_claim(&c->sendq)))) {
			w->park->closed = 1;
			w->park->value = NULL;
			w->park->fired = w->index;
			woken[n++] = w;
		}
		chan_unlock(c);
		for (int i = 0; i < n; i++)
			unpark(c, woken[i]->park, waiter_kind(woken[i]));
		if (n == 64)
			chan_lock(c);
	} while (n == 64);
	return 0;
}

/* One operation on one channel: a select with one case (and no default
 * unless nonblocking), recorded with the channel's own wait kind. */
static int chan_op(cprof_chan *c, int op, void *send_value, void **recv_value, int64_t timeout_ns)
{
	struct cprof_select_case cs = { .chan = c, .op = op, .value = send_value };
	int r = cprof_chan_select(&cs, 1, timeout_ns);
	if (r == -EAGAIN || r == -ETIMEDOUT || r == -EINVAL)
		return r;
	if (op == OP_RECV && recv_value)
		*recv_value = cs.value;
	return cs.closed ? -EPIPE : 0;
}

int cprof_chan_send(cprof_chan *c, void *value)
{
	return chan_op(c, OP_SEND, value, NULL, -1);
}

int cprof_chan_recv(cprof_chan *c, void **value)
{
	return chan_op(c, OP_RECV, NULL, value, -1);
}

int cprof_chan_try_send(cprof_chan *c, void *value)
{
	return chan_op(c, OP_SEND, value, NULL, 0);
}

int cprof_chan_try_recv(cprof_chan *c, void **value)
{
	return chan_op(c, OP_RECV, NULL, value, 0);
}

int cprof_chan_send_timed(cprof_chan *c, void *value, int64_t timeout_ns)
{
	return timeout_ns < 0 ? -EINVAL : chan_op(c, OP_SEND, value, NULL, timeout_ns);
}

int cprof_chan_recv_timed(cprof_chan *c, void **value, int64_t timeout_ns)
{
	return timeout_ns < 0 ? -EINVAL : chan_op(c, OP_RECV, NULL, value, timeout_ns);
}

static int cmp_chan(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(cprof_chan *const *)a, y = (uintptr_t)*(cprof_chan *const *)b;
	return x < y ? -1 : x > y;
}

#define SELECT_MAX 64

/* Locks the distinct channels of the cases in address order (no deadlock
 * between selects over the same channels in different orders). */
static int lock_all(cprof_chan **sorted, const struct cprof_select_case *cases, size_t n)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		sorted[m++] = cases[i].chan;
	qsort(sorted, m, sizeof *sorted, cmp_chan);
	size_t u = 0;
	for (size_t i = 0; i < m; i++)
		if (u == 0 || sorted[u - 1] != sorted[i])
			sorted[u++] = sorted[i];
	for (size_t i = 0; i < u; i++)
		chan_lock(sorted[i]);
	return (int)u;
}

static void unlock_all(cprof_chan **sorted, int u)
{
	for (int i = u - 1; i >= 0; i--)
		chan_unlock(sorted[i]);
}

int cprof_chan_select(struct cprof_select_case *cases, size_t n, int64_t timeout_ns)
{
	if (!cases || n == 0 || n > SELECT_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!cases[i].chan || (cases[i].op != OP_SEND && cases[i].op != OP_RECV))
			return -EINVAL;
	cprof_chan *sorted[SELECT_MAX];
	struct waiter ws[SELECT_MAX];
	struct parking park = { .tid = cprof_tls_self ? cprof_tls_self->tid : cprof_gettid() };
	int is_select = n > 1;
	/* a rotating start spreads wins over ready cases, like Go's random order */
	static unsigned rot;
	size_t start = n > 1 ? __atomic_fetch_add(&rot, 1, __ATOMIC_RELAXED) % n : 0;

	int u = lock_all(sorted, cases, n);
	for (size_t k = 0; k < n; k++) {
		size_t i = (start + k) % n;
		struct parking *unparked;
		uint8_t ukind = 0;
		int closed;
		void *v = NULL;
		if (try_case(cases[i].chan, cases[i].op, cases[i].value, &v, &closed, &unparked, &ukind)) {
			unlock_all(sorted, u);
			if (unparked)
				unpark(cases[i].chan, unparked, ukind);
			cases[i].closed = closed;
			if (cases[i].op == OP_RECV)
				cases[i].value = v;
			return (int)i;
		}
	}
	if (timeout_ns == 0) {
		unlock_all(sorted, u);
		return -EAGAIN;
	}
	for (size_t i = 0; i < n; i++) {
		ws[i] = (struct waiter){ .park = &park, .value = cases[i].value, .index = (int)i,
			.op = is_select ? -1 - cases[i].op : cases[i].op };
		wq_push(cases[i].op == OP_SEND ? &cases[i].chan->sendq : &cases[i].chan->recvq, &ws[i]);
	}
	unlock_all(sorted, u);

	uint8_t kind = kind_of(cases[0].op, is_select);
	struct timespec dl;
	int has_dl = deadline_from(timeout_ns, &dl);
	cprof_block_begin(kind, cases[0].chan);
	int r = park_wait(&park, has_dl ? &dl : NULL);
	if (r == -ETIMEDOUT && __atomic_exchange_n(&park.claimed, 1, __ATOMIC_ACQ_REL)) {
		/* an operation claimed us just as the time ran out: it wins */
		park_wait(&park, NULL);
		r = 0;
	}
	cprof_block_end(kind, cases[0].chan, r == 0 ? 0 : ETIMEDOUT);

	u = lock_all(sorted, cases, n);
	for (size_t i = 0; i < n; i++)
		wq_remove(cases[i].op == OP_SEND ? &cases[i].chan->sendq : &cases[i].chan->recvq, &ws[i]);
	unlock_all(sorted, u);
	if (r)
		return r;
	int i = park.fired;
	cases[i].closed = park.closed;
	if (cases[i].op == OP_RECV)
		cases[i].value = park.value;
	return i;
}
