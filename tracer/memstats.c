/* memstats.c: the allocator statistics of a capture (issue 7): at trace
 * start one cprof:alloc_config, then from a cprof-internal thread every
 * CPROF_MALLINFO_MS (default 100 ms; 0 = off) one cprof:heap and one
 * cprof:mallinfo (glibc's mallinfo2, the C analog of Go's MemStats), and a
 * last pair at trace stop.
 *
 * mallinfo2 locks every arena in turn and walks the free lists, so its cost
 * grows with fragmentation; the period bounds it.  The thread is created
 * under cprof_internal_begin/end and never traced itself: its events are
 * process-wide counters whose vtid means nothing. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"
#include "cprof_tp.h"

static pthread_mutex_t ms_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ms_cond;
static pthread_t ms_thread;
static int ms_running, ms_stop;
static int64_t period_ms = 100;

void cprof_memstats_init(void)
{
	const char *v = getenv("CPROF_MALLINFO_MS");
	if (v && *v) {
		char *end;
		long x = strtol(v, &end, 10);
		if (*end || x < 0 || x > 3600000)
			cprof_log("CPROF_MALLINFO_MS=%s is not in 0..3600000, using %lld", v,
				(long long)period_ms);
		else
			period_ms = x;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ms_cond, &ca);
	pthread_condattr_destroy(&ca);
}

void cprof_mallinfo_emit(void)
{
	if (!lttng_ust_tracepoint_enabled(cprof, mallinfo))
		return;
	int saved = errno;
	cprof_tls_guard++;
	struct mallinfo2 mi = mallinfo2();
	lttng_ust_do_tracepoint(cprof, mallinfo, mi.arena, mi.ordblks, mi.smblks, mi.hblks,
		mi.hblkhd, mi.fsmblks, mi.uordblks, mi.fordblks, mi.keepcost);
	cprof_tls_guard--;
	errno = saved;
}

static void emit_both(void)
{
	if (!cprof_alloc_enabled)
		return;
	cprof_heap_emit();
	cprof_mallinfo_emit();
}

static void *ms_main(void *unused)
{
	cprof_tls_ignored = 1;
	pthread_setname_np(pthread_self(), "cprof-memstats");
	pthread_mutex_lock(&ms_lock);
	while (!ms_stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += period_ms / 1000;
		ts.tv_nsec += (period_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		int r = 0;
		while (!ms_stop && r != ETIMEDOUT)
			r = pthread_cond_timedwait(&ms_cond, &ms_lock, &ts);
		if (ms_stop)
			break;
		pthread_mutex_unlock(&ms_lock);
		if (cprof_tracing) {
			emit_both();
			cprof_heap_fold_request();
		}
		pthread_mutex_lock(&ms_lock);
	}
	pthread_mutex_unlock(&ms_lock);
	return NULL;
}

void cprof_alloc_on_trace_start(void)
{
	cprof_alloc_init();
	cprof_tls_guard++;
	if (lttng_ust_tracepoint_enabled(cprof, alloc_config))
		lttng_ust_do_tracepoint(cprof, alloc_config, (uint64_t)cprof_alloc_sample_rate(),
			(uint64_t)cprof_alloc_heap_delta(), (uint64_t)period_ms * 1000000u,
			(uint8_t)cprof_alloc_enabled, (uint8_t)cprof_gc_boehm_hooked());
	cprof_tls_guard--;
	cprof_gc_on_trace_start();
	emit_both();
	if (period_ms == 0 || !cprof_alloc_enabled)
		return;
	pthread_mutex_lock(&ms_lock);
	if (!ms_running) {
		ms_stop = 0;
		cprof_internal_begin();
		int r = pthread_create(&ms_thread, NULL, ms_main, NULL);
		cprof_internal_end();
		if (r == 0)
			ms_running = 1;
		else
			cprof_internal_error("memstats thread", r);
	}
	pthread_mutex_unlock(&ms_lock);
}

void cprof_alloc_on_trace_stop(void)
{
	cprof_tls_guard++;
	pthread_mutex_lock(&ms_lock);
	int join = ms_running;
	ms_stop = 1;
	ms_running = 0;
	pthread_cond_signal(&ms_cond);
	pthread_mutex_unlock(&ms_lock);
	if (join)
		pthread_join(ms_thread, NULL);
	cprof_tls_guard--;
	if (cprof_tracing)
		emit_both();
}

void cprof_memstats_atfork_child(void)
{
	/* The thread did not survive the fork; its lock may have been held. */
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	ms_lock = fresh;
	ms_running = 0;
	ms_stop = 0;
}
