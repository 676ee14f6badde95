/* block.c: recording one wait, shared by every interposer and by the
 * annotation API.  Called on slow paths only (the call is about to block),
 * so it can afford a clock read and a stack; it never changes errno. */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "cprof_tp.h"

/* ---- whole waits: written after the wait --------------------------------
 * A whole wait's cprof:sync_wait is not written where the wait ends - most
 * often just inside the critical section of the lock it got, where every
 * nanosecond is one more for the threads queued behind (measured, threads
 * under SCHED_FIFO: written there, a traced pipeline ran at 0.85 of
 * untraced, 0.91 with the three events it replaces; 0.94-0.96 this way) - but
 * kept in a slot of the thread's record (reserved when the wait begins, the
 * stack taken into it) and written after the thread's next mutex or rwlock
 * unlock or semaphore post, before its next wait, network wait, syscall span
 * or thread end, or by the thread that stops the capture.  The event says
 * how long ago the wait ended (end_ago_ns).
 *
 * Its waker is named by the record: a waker claims a waiter on the object
 * just before its unlock, signal or post and leaves its tid and the time
 * there, tagged with the wait's number (gen) (core.c, cprof_wake_claim). */

CPROF_TLS int cprof_tls_done;

#define SLOT_FREE CPROF_SLOT_FREE
#define SLOT_READY CPROF_SLOT_READY
#define SLOT_WRITING CPROF_SLOT_WRITING
#define SLOT_OPEN CPROF_SLOT_OPEN
#define STATE(t, d) ((t)->done_state[(d) - (t)->done])
#define STAMP_SPINS 100

/* Writes d (SLOT_WRITING: ours) as a cprof:sync_wait; tid: the waiting
 * thread when another writes it, 0 when it writes its own. */
static void write_done(struct cprof_thread *t, struct cprof_wait_done *d, int32_t tid)
{
	if (cprof_tracing && d->capture == cprof_capture_seq &&
			lttng_ust_tracepoint_enabled(cprof, sync_wait)) {
		int32_t waker = 0;
		uint64_t wake_ns = 0;
		/* A claimed wait's waker stamps it right after its claim (made
		 * before or just after its waking call): most often long done;
		 * else a few hundred ns away, or more if the waker was preempted
		 * there - not waited for beyond STAMP_SPINS. */
		for (int i = 0; d->claimed && i < STAMP_SPINS &&
				!cprof_wake_stamp_read(t, (int)(d - t->done), d->gen, d->end, &waker,
					&wake_ns); i++)
			__builtin_ia32_pause();
		if (!d->claimed && d->taken_waker) {
			/* the unlocker it preempted: no time of its own, the wait's end */
			waker = d->taken_waker;
			wake_ns = d->end;
		}
		uint64_t now = cprof_mono_ns();
		struct cprof_sync_wait_ev e = {
			.kind = d->kind, .result = d->result, .waker_tid = waker, .tid = tid,
			.gen = d->gen, .obj = d->obj, .dur_ns = d->end > d->t0 ? d->end - d->t0 : 0,
			.wake_ago_ns = waker && d->end > wake_ns ? d->end - wake_ns : 0,
			.end_ago_ns = now > d->end ? now - d->end : 0,
		};
		lttng_ust_do_tracepoint(cprof, sync_wait, &e, d->pcs, d->depth);
	}
	__atomic_store_n(&STATE(t, d), SLOT_FREE, __ATOMIC_RELEASE);
}

/* Takes the ready slots of t, older first, and writes them. */
static void flush_record(struct cprof_thread *t, int32_t tid)
{
	for (;;) {
		struct cprof_wait_done *best = NULL;
		for (int k = 0; k < CPROF_WAIT_SLOTS; k++) {
			struct cprof_wait_done *d = &t->done[k];
			if (__atomic_load_n(&t->done_state[k], __ATOMIC_ACQUIRE) == SLOT_READY &&
					(!best || (int32_t)(d->gen - best->gen) < 0))
				best = d;
		}
		if (!best)
			return;
		uint32_t ready = SLOT_READY;
		if (__atomic_compare_exchange_n(&STATE(t, best), &ready, SLOT_WRITING, 0,
				__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			write_done(t, best, tid);
	}
}

void cprof_waits_flush(void)
{
	struct cprof_thread *t = cprof_tls_self;
	cprof_tls_done = 0;
	if (!t)
		return;
	int saved = errno;
	cprof_tls_guard++;
	if (t->withdraw_due) {
		t->withdraw_due = 0;
		cprof_wait_withdraw(t);
		t->wait_t0 = 0;
	}
	flush_record(t, 0);
	/* a slot the capture's stopper holds: look again at the next flush */
	for (int k = 0; k < CPROF_WAIT_SLOTS; k++)
		if (__atomic_load_n(&t->done_state[k], __ATOMIC_ACQUIRE) == SLOT_WRITING)
			cprof_tls_done = 1;
	cprof_tls_guard--;
	errno = saved;
}

void cprof_waits_flush_all(void)
{
	cprof_tls_guard++;
	struct cprof_thread *self = cprof_tls_self;
	if (self)
		flush_record(self, 0);
	for (struct cprof_thread *t = cprof_registry_head(); t; t = t->next)
		if (t != self && __atomic_load_n(&t->in_use, __ATOMIC_ACQUIRE))
			flush_record(t, t->tid);
	cprof_tls_guard--;
}

void cprof_wait_slots_clear(struct cprof_thread *t, int all)
{
	for (int k = 0; k < CPROF_WAIT_SLOTS; k++) {
		uint32_t st = __atomic_load_n(&t->done_state[k], __ATOMIC_ACQUIRE);
		if (all || st != SLOT_WRITING)
			__atomic_compare_exchange_n(&t->done_state[k], &st, SLOT_FREE, 0,
				__ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
	}
}

int cprof_wait_open_stack(struct cprof_thread *t, uint32_t gen, uint64_t *pcs, int max)
{
	for (int k = 0; k < CPROF_WAIT_SLOTS; k++) {
		struct cprof_wait_done *d = &t->done[k];
		if (__atomic_load_n(&t->done_state[k], __ATOMIC_ACQUIRE) != SLOT_OPEN ||
				__atomic_load_n(&d->gen, __ATOMIC_ACQUIRE) != gen)
			continue;
		int n = d->depth < max ? d->depth : max;
		for (int i = 0; i < n; i++)
			pcs[i] = __atomic_load_n(&d->pcs[i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		/* still that wait: the slot was not freed and taken again meanwhile */
		if (__atomic_load_n(&t->done_state[k], __ATOMIC_RELAXED) != SLOT_OPEN || d->gen != gen ||
				__atomic_load_n(&t->wait_gen, __ATOMIC_RELAXED) != gen)
			return 0;
		return n;
	}
	return 0;
}

/* A free slot of t for a wait that begins, or NULL (all taken: the ready
 * ones are written first; NULL only while a capture's stopper writes them). */
static struct cprof_wait_done *slot_reserve(struct cprof_thread *t)
{
	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < CPROF_WAIT_SLOTS; k++) {
			struct cprof_wait_done *d = &t->done[k];
			uint32_t free_ = SLOT_FREE;
			/* a CAS: a signal handler's wait may take a slot meanwhile */
			if (__atomic_load_n(&t->done_state[k], __ATOMIC_ACQUIRE) == SLOT_FREE &&
					__atomic_compare_exchange_n(&t->done_state[k], &free_, SLOT_OPEN, 0,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
				__atomic_store_n(&d->gen, 0, __ATOMIC_RELAXED);   /* not readable yet */
				d->capture = cprof_capture_seq;
				return d;
			}
		}
		if (pass == 0)
			cprof_waits_flush();
	}
	return NULL;
}

void cprof_block_finish(struct cprof_block_pending *p, int result)
{
	if (!p->whole) {
		cprof_block_end(p->kind, p->obj, result);
		return;
	}
	struct cprof_thread *t = p->owner;
	struct cprof_wait_done *d = p->d;
	uint64_t end = cprof_mono_ns();
	/* Left in the buckets until the flush (after this thread's next
	 * unlock: the atomics on their shared lines stay out of the critical
	 * section this wait may have just entered), but closed to wakers
	 * (claimed) and skipped by status dumps. */
	t->withdraw_due = 1;
	d->claimed = (uint8_t)cprof_wait_close_claims(t);
	if (result != 0 && result != EOWNERDEAD)     /* timed out, failed */
		cprof_wait_failed(t);
	if (!cprof_tracing || d->capture != cprof_capture_seq) {
		/* The capture stopped meanwhile and reported this wait open; if
		 * another began since, its status dump had the wait as one begun
		 * outside captures, and it ends the same way. */
		__atomic_store_n(&STATE(t, d), SLOT_FREE, __ATOMIC_RELEASE);
		cprof_tls_done = 1;
		if (cprof_tracing)
			cprof_block_end(p->kind, p->obj, result);
		return;
	}
	d->end = end;
	d->result = result;
	/* ended unclaimed: maybe its unlocker, preempted before its claim */
	/* (not a wait that timed out or failed: no unlock woke it) */
	d->taken_waker = !d->claimed && p->kind == CPROF_WAIT_MUTEX && (result == 0 || result == EOWNERDEAD) ?
		cprof_wake_take_announced(d->obj, end - d->t0 >= 10000) : 0;
	/* its waker's stamp is read when the wait is written (write_done) */
	__atomic_store_n(&STATE(t, d), SLOT_READY, __ATOMIC_RELEASE);
	cprof_tls_done = 1;     /* after: a flush in a signal handler clears it */
}

/* A whole wait its thread never returned from: cancelled in it, the unwind
 * skipped cprof_block_finish.  Ended now, result ECANCELED, no waker; the
 * thread's next flush writes it. */
void cprof_block_abandon(struct cprof_thread *t)
{
	uint32_t gen = __atomic_load_n(&t->wait_gen, __ATOMIC_ACQUIRE);
	if (!t->wait_t0 || t->withdraw_due || !__atomic_load_n(&t->wait_kind, __ATOMIC_ACQUIRE))
		return;
	for (int k = 0; k < CPROF_WAIT_SLOTS; k++) {
		struct cprof_wait_done *d = &t->done[k];
		if (__atomic_load_n(&t->done_state[k], __ATOMIC_ACQUIRE) != SLOT_OPEN ||
				__atomic_load_n(&d->gen, __ATOMIC_ACQUIRE) != gen)
			continue;
		t->withdraw_due = 1;
		cprof_wait_close_claims(t);
		d->end = cprof_mono_ns();
		d->result = ECANCELED;
		d->claimed = 0;        /* no waker */
		d->taken_waker = 0;
		__atomic_store_n(&t->done_state[k], cprof_tracing && d->capture == cprof_capture_seq ?
			SLOT_READY : SLOT_FREE, __ATOMIC_RELEASE);
		cprof_tls_done = 1;
		return;
	}
}

/* keep_stack: outside captures, keep a short stack in the thread's record.
 * whole_ok: the caller ends the wait with cprof_block_finish.  emit: write
 * the cprof:block_begin here (what cprof_block_commit would do next). */
static void prepare(struct cprof_block_pending *p, uint8_t kind, const void *obj, int keep_stack,
	int whole_ok, int emit)
{
	struct cprof_thread *t = cprof_tls_self;
	p->kind = kind;
	p->obj = obj;
	p->n = -1;
	p->whole = 0;
	if (__builtin_expect(!t, 0)) {
		int saved = errno;
		cprof_tls_guard++;
		t = cprof_thread_register(0, 0);
		cprof_tls_guard--;
		errno = saved;
	}
	if (whole_ok && t && cprof_tracing && lttng_ust_tracepoint_enabled(cprof, sync_wait)) {
		/* Reported whole: what the event needs goes to a slot of the
		 * record (done[]), the stack too; the record keeps what a
		 * capture stop or a waker needs (wait_t0 before the wait is
		 * published: wakers read it). */
		int saved = errno;
		cprof_tls_guard++;
		struct cprof_wait_done *d = slot_reserve(t);
		if (d) {
			p->whole = 1;
			p->d = d;
			p->owner = t;
			d->t0 = cprof_mono_ns();
			d->kind = kind;
			d->obj = (uint64_t)(uintptr_t)obj;
			t->withdraw_due = 0;
			t->wait_t0 = d->t0;
			t->wait_capture = d->capture;   /* before a waker can find it */
			cprof_wait_publish(t, kind, d->obj, (int)(d - t->done));
			int n = cprof_stack_capture(d->pcs);
			d->depth = (uint8_t)(n > 0 ? n : 0);
			/* the stack is readable (cprof_wait_open_stack) once gen is set */
			__atomic_store_n(&d->gen, t->wait_gen, __ATOMIC_RELEASE);
			cprof_tls_guard--;
			errno = saved;
			return;
		}
		cprof_tls_guard--;
		errno = saved;
	}
	/* its cprof:block_begin must not come before the events of this
	 * thread's ended waits */
	cprof_waits_flush_if();
	if (t) {
		t->wait_t0 = 0;
		cprof_wait_publish(t, kind, (uint64_t)(uintptr_t)obj, -1);
	}
	if (cprof_tracing && lttng_ust_tracepoint_enabled(cprof, block_begin)) {
		int saved = errno;
		cprof_tls_guard++;
		p->n = cprof_stack_capture(p->pcs);
		if (emit) {
			lttng_ust_do_tracepoint(cprof, block_begin, kind, (uint64_t)(uintptr_t)obj, p->pcs,
				(uint8_t)p->n);
			p->n = -1;      /* written */
		}
		cprof_tls_guard--;
		errno = saved;
	} else if (t && keep_stack) {
		/* No capture now: keep a short stack (8 frames, ~25 ns with the
		 * walker's memo), so a capture that starts while this wait lasts
		 * (a leaked thread) can say where it is.  (During a capture the
		 * block_begin event carries the stack.) */
		uint64_t pcs[CPROF_WAIT_STACK];
		int saved = errno;
		cprof_tls_guard++;
		int n = cprof_stack_walk(pcs, CPROF_WAIT_STACK, 0);
		cprof_wait_stack_store(t, pcs, n);
		cprof_tls_guard--;
		errno = saved;
	}
}

void cprof_block_prepare(struct cprof_block_pending *p, uint8_t kind, const void *obj)
{
	prepare(p, kind, obj, 1, 1, 0);
}

void cprof_block_commit(struct cprof_block_pending *p)
{
	if (!p->whole && p->n >= 0 && cprof_tracing &&
			lttng_ust_tracepoint_enabled(cprof, block_begin)) {
		int saved = errno;
		cprof_tls_guard++;
		lttng_ust_do_tracepoint(cprof, block_begin, p->kind, (uint64_t)(uintptr_t)p->obj,
			p->pcs, (uint8_t)p->n);
		cprof_tls_guard--;
		errno = saved;
	}
}

void cprof_block_cancel(struct cprof_block_pending *p)
{
	struct cprof_thread *t = cprof_tls_self;
	if (p->whole)
		__atomic_store_n(&STATE(p->owner, p->d), SLOT_FREE, __ATOMIC_RELEASE);
	if (t) {
		cprof_wait_withdraw(t);
		t->wait_t0 = 0;
	}
}

void cprof_block_begin(uint8_t kind, const void *obj)
{
	struct cprof_block_pending p;
	prepare(&p, kind, obj, 1, 0, 1);
}

void cprof_block_begin_io(uint8_t kind, const void *obj)
{
	struct cprof_block_pending p;
	prepare(&p, kind, obj, 0, 0, 1);
}

void cprof_block_end(uint8_t kind, const void *obj, int result)
{
	int saved = errno;
	struct cprof_thread *t = cprof_tls_self;
	if (t)
		cprof_wait_withdraw(t);
	if (cprof_tracing && lttng_ust_tracepoint_enabled(cprof, block_end)) {
		cprof_tls_guard++;
		lttng_ust_do_tracepoint(cprof, block_end, kind, (uint64_t)(uintptr_t)obj, result);
		cprof_tls_guard--;
	}
	errno = saved;
}

int cprof_block_wake(uint8_t kind, const void *obj, int all)
{
	int n = 0;
	if (lttng_ust_tracepoint_enabled(cprof, wake)) {
		int saved = errno;
		cprof_tls_guard++;
		n = cprof_wake_waiters(kind, (uint64_t)(uintptr_t)obj, all);
		cprof_tls_guard--;
		errno = saved;
	}
	return n;
}

/* A whole wait is stamped here, before or just after the waking call; the
 * wakee reads the stamp when its wait is written (after its next unlock),
 * waiting for it if it was claimed (d->claimed): read when the wait ended,
 * a stamp made after the call was missed (measured: 3 of 12 runs of
 * tests/tracer/whole_waits lost the plain unlock's waker that way). */
int cprof_block_claim(const void *obj, pid_t *owed, int after)
{
	*owed = 0;
	if (!lttng_ust_tracepoint_enabled(cprof, wake))
		return 0;
	int saved = errno;
	cprof_tls_guard++;
	int found = cprof_wake_claim((uint64_t)(uintptr_t)obj, owed, after);
	cprof_tls_guard--;
	errno = saved;
	return found;
}

void cprof_object_name_emit(const void *obj, const char *name)
{
	if (cprof_tracing && lttng_ust_tracepoint_enabled(cprof, object_name)) {
		int saved = errno;
		cprof_tls_guard++;
		lttng_ust_do_tracepoint(cprof, object_name, (uint64_t)(uintptr_t)obj, name);
		cprof_tls_guard--;
		errno = saved;
	}
}

void cprof_wake_emit(uint8_t kind, const void *obj, pid_t target_tid)
{
	if (cprof_tracing && lttng_ust_tracepoint_enabled(cprof, wake)) {
		int saved = errno;
		cprof_tls_guard++;
		lttng_ust_do_tracepoint(cprof, wake, kind, (uint64_t)(uintptr_t)obj, target_tid);
		cprof_tls_guard--;
		errno = saved;
	}
}
