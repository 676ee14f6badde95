/* block.c: recording one wait, shared by every interposer and by the
 * annotation API.  Called on slow paths only (the call is about to block),
 * so it can afford a clock read and a stack; it never changes errno. */
#include <errno.h>

#include "internal.h"
#include "cprof_tp.h"

/* keep_stack: outside captures, keep a short stack in the thread's record. */
static void prepare(struct cprof_block_pending *p, uint8_t kind, const void *obj, int keep_stack)
{
	struct cprof_thread *t = cprof_tls_self;
	p->kind = kind;
	p->obj = obj;
	p->n = -1;
	if (__builtin_expect(!t, 0)) {
		int saved = errno;
		cprof_tls_guard++;
		t = cprof_thread_register(0, 0);
		cprof_tls_guard--;
		errno = saved;
	}
	if (t)
		cprof_wait_publish(t, kind, (uint64_t)(uintptr_t)obj);
	if (cprof_tracing && lttng_ust_tracepoint_enabled(cprof, block_begin)) {
		int saved = errno;
		cprof_tls_guard++;
		p->n = cprof_stack_capture(p->pcs, 0);
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
		int n = cprof_stack_walk(pcs, 0, CPROF_WAIT_STACK, 0);
		cprof_wait_stack_store(t, pcs, n);
		cprof_tls_guard--;
		errno = saved;
	}
}

void cprof_block_prepare(struct cprof_block_pending *p, uint8_t kind, const void *obj)
{
	prepare(p, kind, obj, 1);
}

void cprof_block_commit(struct cprof_block_pending *p)
{
	if (p->n >= 0 && cprof_tracing && lttng_ust_tracepoint_enabled(cprof, block_begin)) {
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
	(void)p;
	struct cprof_thread *t = cprof_tls_self;
	if (t)
		cprof_wait_withdraw(t);
}

void cprof_block_begin(uint8_t kind, const void *obj)
{
	struct cprof_block_pending p;
	cprof_block_prepare(&p, kind, obj);
	cprof_block_commit(&p);
}

void cprof_block_begin_io(uint8_t kind, const void *obj)
{
	struct cprof_block_pending p;
	prepare(&p, kind, obj, 0);
	cprof_block_commit(&p);
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

void cprof_block_wake(uint8_t kind, const void *obj, int all)
{
	if (lttng_ust_tracepoint_enabled(cprof, wake)) {
		int saved = errno;
		cprof_tls_guard++;
		cprof_wake_waiters(kind, (uint64_t)(uintptr_t)obj, all);
		cprof_tls_guard--;
		errno = saved;
	}
}

pid_t cprof_block_claim(const void *obj)
{
	if (!lttng_ust_tracepoint_enabled(cprof, wake))
		return 0;
	int saved = errno;
	cprof_tls_guard++;
	pid_t tid = cprof_wake_claim_one((uint64_t)(uintptr_t)obj);
	cprof_tls_guard--;
	errno = saved;
	return tid;
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
