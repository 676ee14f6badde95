/* annotate.c: user annotations of the public API - custom waits and object
 * names.  Names given before a capture starts are kept in a table and
 * re-emitted at each capture start, so a trace always names its objects. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "cprof_tp.h"

#define MAX_NAMES 65536

struct named { uint64_t obj; char *name; };   /* name owned */
static struct named *names;                   /* owned, sorted by nothing */
static size_t n_names, cap_names;
static volatile int names_lock;
static volatile uint64_t trace_generation;    /* bumped at each capture start */

static void lock(void)
{
	while (__atomic_exchange_n(&names_lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void unlock(void)
{
	__atomic_store_n(&names_lock, 0, __ATOMIC_RELEASE);
}

static int has_name(uint64_t obj)
{
	for (size_t i = 0; i < n_names; i++)
		if (names[i].obj == obj)
			return 1;
	return 0;
}

int cprof_name_object(const void *object, const char *name)
{
	if (!object || !name)
		return -EINVAL;
	uint64_t obj = (uint64_t)(uintptr_t)object;
	char *copy;
	cprof_tls_guard++;
	copy = strdup(name);
	cprof_tls_guard--;
	if (!copy)
		return -ENOMEM;
	int r = 0;
	lock();
	size_t i;
	for (i = 0; i < n_names && names[i].obj != obj; i++)
		;
	if (i < n_names) {
		cprof_tls_guard++;
		free(names[i].name);
		cprof_tls_guard--;
		names[i].name = copy;
	} else if (n_names == MAX_NAMES) {
		r = -ENOSPC;
	} else {
		if (n_names == cap_names) {
			size_t nc = cap_names ? cap_names * 2 : 64;
			cprof_tls_guard++;
			struct named *nn = realloc(names, nc * sizeof *nn);
			cprof_tls_guard--;
			if (!nn)
				r = -ENOMEM;
			else {
				names = nn;
				cap_names = nc;
			}
		}
		if (!r)
			names[n_names++] = (struct named){ obj, copy };
	}
	unlock();
	if (r) {
		cprof_tls_guard++;
		free(copy);
		cprof_tls_guard--;
		return r;
	}
	cprof_object_name_emit(object, name);
	return 0;
}

void cprof_annotate_on_trace_start(void)
{
	__atomic_fetch_add(&trace_generation, 1, __ATOMIC_RELAXED);
	lock();
	for (size_t i = 0; i < n_names; i++)
		cprof_object_name_emit((const void *)(uintptr_t)names[i].obj, names[i].name);
	unlock();
}

/* The custom wait in progress on this thread. */
static CPROF_TLS const void *user_obj;
static CPROF_TLS const char *label_sent;       /* label last emitted for label_obj */
static CPROF_TLS const void *label_obj;
static CPROF_TLS uint64_t label_generation;

int cprof_wait_begin(const char *label, const void *object)
{
	if (!label && !object)
		return -EINVAL;
	const void *obj = object ? object : (const void *)label;
	if (cprof_tls_guard || cprof_tls_ignored)
		return 0;
	/* The label names the object unless the user named it: emitted once
	 * per (object, label) per capture, not per wait. */
	if (label && cprof_tracing && (label != label_sent || obj != label_obj ||
			label_generation != trace_generation)) {
		lock();
		int named = has_name((uint64_t)(uintptr_t)obj);
		unlock();
		if (!named)
			cprof_object_name_emit(obj, label);
		label_sent = label;
		label_obj = obj;
		label_generation = trace_generation;
	}
	user_obj = obj;
	cprof_block_begin(CPROF_WAIT_USER, obj);
	return 0;
}

int cprof_wait_end(void)
{
	if (!user_obj)
		return -ENOENT;
	const void *obj = user_obj;
	user_obj = NULL;
	cprof_block_end(CPROF_WAIT_USER, obj, 0);
	return 0;
}

/* ---- tasks, regions, logs ----------------------------------------------- */

static uint64_t next_task_id = 1;

static inline int annotating(void)
{
	return cprof_tracing && !cprof_tls_guard && !cprof_tls_ignored;
}

uint64_t cprof_task_begin(uint64_t parent, const char *type)
{
	uint64_t id = __atomic_fetch_add(&next_task_id, 1, __ATOMIC_RELAXED);
	if (annotating() && lttng_ust_tracepoint_enabled(cprof, task_begin)) {
		uint64_t pcs[CPROF_STACK_MAX];
		cprof_tls_guard++;
		int n = cprof_stack_capture(pcs);
		lttng_ust_do_tracepoint(cprof, task_begin, id, parent, type ? type : "", pcs, (uint8_t)n);
		cprof_tls_guard--;
	}
	return id;
}

void cprof_task_end(uint64_t task)
{
	if (annotating())
		lttng_ust_tracepoint(cprof, task_end, task);
}

void cprof_region_begin(uint64_t task, const char *type)
{
	if (annotating() && lttng_ust_tracepoint_enabled(cprof, region_begin)) {
		uint64_t pcs[CPROF_STACK_MAX];
		cprof_tls_guard++;
		int n = cprof_stack_capture(pcs);
		lttng_ust_do_tracepoint(cprof, region_begin, task, type ? type : "", pcs, (uint8_t)n);
		cprof_tls_guard--;
	}
}

void cprof_region_end(uint64_t task, const char *type)
{
	if (annotating())
		lttng_ust_tracepoint(cprof, region_end, task, type ? type : "");
}

void cprof_user_log(uint64_t task, const char *category, const char *message)
{
	if (annotating())
		lttng_ust_tracepoint(cprof, user_log, task, category ? category : "",
			message ? message : "");
}
