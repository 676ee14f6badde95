/* gc.c: GC-like phases (issue 7): the public cprof_gc_* / cprof_stw_* API,
 * the malloc_trim interposer, and the Boehm GC integration.
 *
 * Boehm GC: when the process contains libgc (linked, or dlopen'ed before a
 * capture starts), cprof installs a collection-event callback with
 * GC_set_on_collection_event, found with dlsym(RTLD_DEFAULT) so that libcprof
 * needs no libgc at build or run time.  The callback chains to the one that
 * was installed before (GC_get_on_collection_event).  Caveats:
 *   - libgc calls it with its allocation lock held, sometimes with the world
 *     stopped: it only emits events - no stack, no allocation, no lock - and
 *     reads statistics with GC_get_prof_stats_unsafe at GC_EVENT_END;
 *   - a program that later installs its own callback without chaining
 *     replaces cprof's: the next capture start re-installs it (chaining to
 *     the program's);
 *   - getting the previous callback and setting ours are two calls: a
 *     thread setting a callback in between may be lost (programs set it at
 *     init, before any capture);
 *   - phases nest per thread: libgc runs a collection in the thread that
 *     triggered it, parallel markers emit nothing. */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "cprof_tp.h"

#define EXPORT __attribute__((visibility("default")))

/* ---- public API ----------------------------------------------------------- */

static void gc_begin(const char *kind)
{
	if (!cprof_tracing || !lttng_ust_tracepoint_enabled(cprof, gc_begin))
		return;
	int saved = errno;
	cprof_tls_guard++;
	lttng_ust_do_tracepoint(cprof, gc_begin, kind ? kind : "");
	cprof_tls_guard--;
	errno = saved;
}

static void gc_end(int64_t result)
{
	if (!cprof_tracing || !lttng_ust_tracepoint_enabled(cprof, gc_end))
		return;
	int saved = errno;
	cprof_tls_guard++;
	lttng_ust_do_tracepoint(cprof, gc_end, result);
	cprof_tls_guard--;
	errno = saved;
}

static void stw(int begin, const char *reason)
{
	if (!cprof_tracing)
		return;
	int saved = errno;
	cprof_tls_guard++;
	if (begin)
		lttng_ust_tracepoint(cprof, stw_begin, reason ? reason : "");
	else
		lttng_ust_tracepoint(cprof, stw_end, 0);
	cprof_tls_guard--;
	errno = saved;
}

EXPORT void cprof_gc_begin(const char *kind)
{
	gc_begin(kind);
}

EXPORT void cprof_gc_end(void)
{
	gc_end(0);
}

EXPORT void cprof_stw_begin(const char *reason)
{
	stw(1, reason);
}

EXPORT void cprof_stw_end(void)
{
	stw(0, NULL);
}

EXPORT int cprof_heap_read(struct cprof_heap_stats *out)
{
	if (!out)
		return -EINVAL;
	struct cprof_heap_totals h;
	cprof_heap_read_totals(&h);
	out->inuse_bytes = h.inuse_bytes;
	out->inuse_objects = h.inuse_objects;
	out->alloc_bytes = h.alloc_bytes;
	out->allocs = h.allocs;
	return cprof_alloc_enabled ? 0 : -ENOTSUP;
}

/* ---- malloc_trim ---------------------------------------------------------- */

EXPORT int malloc_trim(size_t pad)
{
	static int (*real)(size_t);
	if (!real) {
		real = (int (*)(size_t))dlsym(RTLD_NEXT, "malloc_trim");
		if (!real)
			return 0;
	}
	if (!cprof_tracing || cprof_tls_guard || cprof_tls_ignored)
		return real(pad);
	gc_begin("malloc_trim");
	int r = real(pad);
	gc_end(r);
	int saved = errno;
	cprof_mallinfo_emit();
	cprof_tls_guard++;
	cprof_heap_emit();
	cprof_tls_guard--;
	errno = saved;
	return r;
}

/* ---- Boehm GC ------------------------------------------------------------- */

/* libgc's ABI (gc.h 8.x): the enum values and the leading fields of
 * struct GC_prof_stats_s, which only ever grows at the end. */
enum {
	BGC_START, BGC_MARK_START, BGC_MARK_END, BGC_RECLAIM_START, BGC_RECLAIM_END, BGC_END,
	BGC_PRE_STOP_WORLD, BGC_POST_STOP_WORLD, BGC_PRE_START_WORLD, BGC_POST_START_WORLD,
};
struct bgc_prof_stats {
	uintptr_t heapsize_full, free_bytes_full, unmapped_bytes, bytes_allocd_since_gc,
		allocd_bytes_before_gc, non_gc_bytes, gc_no, markers_m1,
		bytes_reclaimed_since_gc, reclaimed_bytes_before_gc;
};
typedef void (*bgc_event_fn)(int);

static void (*bgc_set)(bgc_event_fn);
static bgc_event_fn (*bgc_get)(void);
static size_t (*bgc_stats_unsafe)(struct bgc_prof_stats *, size_t);
static bgc_event_fn bgc_prev;   /* borrowed from libgc: the chained callback */
static int bgc_hooked;

static void bgc_event(int ev)
{
	if (cprof_tracing) {
		switch (ev) {
		case BGC_START: gc_begin("boehm"); break;
		case BGC_MARK_START: gc_begin("boehm.mark"); break;
		case BGC_RECLAIM_START: gc_begin("boehm.reclaim"); break;
		case BGC_MARK_END:
		case BGC_RECLAIM_END: gc_end(0); break;
		case BGC_PRE_STOP_WORLD: stw(1, "boehm"); break;
		case BGC_POST_START_WORLD: stw(0, NULL); break;
		case BGC_END: {
			struct bgc_prof_stats s;
			memset(&s, 0xff, sizeof s);
			if (bgc_stats_unsafe && lttng_ust_tracepoint_enabled(cprof, gc_heap)) {
				bgc_stats_unsafe(&s, sizeof s);
				int saved = errno;
				cprof_tls_guard++;
				lttng_ust_do_tracepoint(cprof, gc_heap, s.gc_no, s.heapsize_full,
					s.free_bytes_full, s.unmapped_bytes, s.bytes_allocd_since_gc,
					s.bytes_reclaimed_since_gc);
				cprof_tls_guard--;
				errno = saved;
			}
			gc_end((int64_t)s.gc_no);
			break;
		}
		default: break;
		}
	}
	if (bgc_prev)
		bgc_prev(ev);
}

static void bgc_hook(void)
{
	if (!bgc_set) {
		bgc_set = (void (*)(bgc_event_fn))dlsym(RTLD_DEFAULT, "GC_set_on_collection_event");
		bgc_get = (bgc_event_fn (*)(void))dlsym(RTLD_DEFAULT, "GC_get_on_collection_event");
		bgc_stats_unsafe = (size_t (*)(struct bgc_prof_stats *, size_t))dlsym(RTLD_DEFAULT,
			"GC_get_prof_stats_unsafe");
	}
	if (!bgc_set || !bgc_get)
		return;
	bgc_event_fn cur = bgc_get();
	if (cur == bgc_event)
		return;
	bgc_prev = cur;
	bgc_set(bgc_event);
	bgc_hooked = 1;
}

int cprof_gc_boehm_hooked(void)
{
	return bgc_hooked;
}

void cprof_gc_init(void)
{
	bgc_hook();
}

void cprof_gc_on_trace_start(void)
{
	cprof_tls_guard++;
	bgc_hook();
	cprof_tls_guard--;
}
