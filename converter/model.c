/* model.c: events → the per-thread state timeline and the tables around it.
 *
 * Each thread is a small state machine (unknown → running ⇄ waiting) whose
 * closed intervals become thread_state rows, so every thread's rows tile its
 * life without gaps.  Wakers are found per object: the most recent
 * cprof:wake on the object (or aimed at the thread) by another thread after
 * the wait began; a joined thread's thread_end wakes its joiner (also one
 * written just before the join began).  Threads are
 * keyed by utid because tids are reused.  Small tables (threads, objects,
 * names, stacks) are kept here and written once at the end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "cprof_events.h"
#include "model_priv.h"

static const char *reason_of(unsigned kind)
{
	const char *r = cprof_wait_kind_name(kind);
	return r ? r : "unknown_kind";
}


static struct thread *T(struct conv_model *m, int64_t utid) { return &m->threads[utid - 1]; }

void conv_model_stat(struct conv_model *m, const char *name, int idx, const char *severity,
	const char *source, int64_t value, const char *description)
{
	for (size_t i = 0; i < m->n_stats; i++) {
		struct stat_row *s = &m->stats[i];
		if (!strcmp(s->name, name) && s->idx == idx && !description && !s->description) {
			s->value += value;      /* counters aggregate */
			return;
		}
	}
	if (conv_grow((void **) &m->stats, &m->cap_stats, m->n_stats + 1, sizeof *m->stats) < 0)
		return;
	m->stats[m->n_stats++] = (struct stat_row) { name, idx, severity, source, value,
		description ? strdup(description) : NULL };
}

void model_counter(struct conv_model *m, int track, int64_t ts, double value)
{
	if (conv_grow((void **) &m->samples, &m->cap_samples, m->n_samples + 1, sizeof *m->samples) == 0)
		m->samples[m->n_samples++] = (struct sample) { ts, value, track };
}

static void counter_sample(struct conv_model *m, int64_t ts, int delta)
{
	m->alive += delta;
	model_counter(m, TRACK_THREADS, ts, (double) m->alive);
}

const char *model_intern(struct conv_model *m, const char *s)
{
	for (size_t i = 0; i < m->n_strings; i++)
		if (!strcmp(m->strings[i], s))
			return m->strings[i];
	char *c = strdup(s);
	if (!c || conv_grow((void **) &m->strings, &m->cap_strings, m->n_strings + 1, sizeof(char *)) < 0) {
		free(c);
		return NULL;
	}
	return m->strings[m->n_strings++] = c;
}

static int name_thread(struct conv_model *m, struct thread *t, int64_t ts, const char *name)
{
	if (!name || !*name || (t->name && !strcmp(t->name, name)))
		return 0;
	char *n = strdup(name);
	if (!n || conv_grow((void **) &m->names, &m->cap_names, m->n_names + 1, sizeof *m->names) < 0) {
		free(n);
		return -ENOMEM;
	}
	m->names[m->n_names++] = (struct name_row) { t->utid, ts, n };
	t->name = n;           /* borrowed from names[] */
	return 0;
}

static struct thread *new_thread(struct conv_model *m, int32_t tid, int64_t pid)
{
	if (conv_grow((void **) &m->threads, &m->cap_threads, m->n_threads + 1, sizeof *m->threads) < 0)
		return NULL;
	struct thread *t = &m->threads[m->n_threads++];
	memset(t, 0, sizeof *t);
	t->utid = (int64_t) m->n_threads;
	t->tid = tid;
	t->pid = pid;
	t->start_ts = t->end_ts = t->create_ts = t->creator_utid = t->create_callsite = CONV_NULL;
	t->st = S_NONE;
	if (conv_map_put(&m->by_tid, (uint64_t) (uint32_t) tid, (uint64_t) t->utid) < 0)
		return NULL;
	return t;
}

/* The current incarnation of tid, created (with no timeline yet) if new. */
struct thread *model_thread_ref(struct conv_model *m, int32_t tid, int64_t pid)
{
	uint64_t *u = conv_map_get(&m->by_tid, (uint64_t) (uint32_t) tid);
	return u ? T(m, (int64_t) *u) : new_thread(m, tid, pid);
}

/* The row closing the open interval at `end`; 0 when there is nothing to
 * tile.  r->id is left for the caller. */
static int make_row(struct thread *t, int64_t end, int64_t waker_utid, int64_t waker_ts,
	int64_t result, struct conv_state_row *r)
{
	if (t->st == S_NONE)
		return 0;
	int64_t dur = end - t->since;
	if (dur < 0)
		dur = 0;
	if (dur == 0 && t->st != S_WAIT)
		return 0;       /* nothing to tile */
	*r = (struct conv_state_row) {
		.ts = t->since, .dur = dur, .utid = t->utid,
		.state = t->st == S_RUNNING ? "running" : t->st == S_UNKNOWN ? "unknown"
			: cprof_wait_kind_state(t->kind),
		.reason = t->st != S_WAIT ? NULL : t->reason ? t->reason : reason_of(t->kind),
		.object_id = t->st == S_WAIT ? t->obj_id : CONV_NULL,
		.waker_utid = waker_utid, .waker_ts = waker_ts,
		.callsite_id = t->st == S_WAIT ? t->callsite : CONV_NULL,
		.result = result,
	};
	return 1;
}

/* A wait that ended without a known waker is held back until the thread's
 * next state: the tracer writes a lock's or condvar's wake just after the
 * waking call (outside the waker's critical section), so the woken thread
 * may resume - and end its wait - before that event.  A wake aimed at the
 * thread, on the same object, at most LATE_WAKE_NS after the wait ended,
 * still names its waker (the flow then starts at the wait's end). */
#define LATE_WAKE_NS 200000

/* Writes row r with the next id, and the flow from its waker (of kind
 * `flow`) when it has one. */
static void write_row(struct conv_model *m, struct conv_state_row *r, const char *flow)
{
	r->id = ++m->state_id;
	if (conv_writer_state(m->w, r) < 0)
		m->failed = 1;
	if (r->waker_utid != CONV_NULL) {
		struct conv_flow_row f = { ++m->flow_id, r->waker_ts, r->waker_utid, r->ts + r->dur,
			r->utid, r->id, flow };
		if (conv_writer_flow(m->w, &f) < 0)
			m->failed = 1;
	}
}

void conv_model_flush_held(struct conv_model *m, struct thread *t)
{
	if (!t->has_held)
		return;
	t->has_held = 0;
	write_row(m, &t->held, t->held.reason);   /* a lock or condvar wait: reason = its kind */
}

/* Closes the open interval at `end` (a thread_state row, and the flow from
 * its waker); `flow` names that flow. */
static void close_state_flow(struct conv_model *m, struct thread *t, int64_t end, int64_t waker_utid,
	int64_t waker_ts, int64_t result, const char *flow)
{
	struct conv_state_row r;
	conv_model_flush_held(m, t);
	if (make_row(t, end, waker_utid, waker_ts, result, &r))
		write_row(m, &r, flow);
}

/* Closes the open interval at `end` without a waker. */
static void close_state(struct conv_model *m, struct thread *t, int64_t end, int64_t result)
{
	close_state_flow(m, t, end, CONV_NULL, CONV_NULL, result, NULL);
}

/* A wake aimed at t: the waker of the wait t has just ended, if it came
 * late (see LATE_WAKE_NS).  Returns 1 when it was taken. */
static int late_wake(struct thread *t, uint64_t obj, int64_t ts, int64_t waker_utid)
{
	if (!t->has_held || t->held.waker_utid != CONV_NULL || t->held_obj != obj ||
			waker_utid == t->utid)
		return 0;
	int64_t end = t->held.ts + t->held.dur;
	if (ts < t->held.ts || ts - end > LATE_WAKE_NS)
		return 0;
	t->held.waker_utid = waker_utid;
	t->held.waker_ts = ts < end ? ts : end;
	return 1;
}

void conv_model_close_at(struct conv_model *m, struct thread *t, int64_t ts)
{
	close_state(m, t, ts, CONV_NULL);
	t->st = S_NONE;
}

static void set_state(struct conv_model *m, struct thread *t, int64_t ts, int st)
{
	close_state(m, t, ts, CONV_NULL);
	t->st = st;
	t->since = ts;
}

/* The emitting thread of an event: a thread that emits is running, so an
 * unknown stretch ends here. */
struct thread *model_self(struct conv_model *m, const struct conv_event *ev)
{
	struct thread *t = model_thread_ref(m, ev->tid, ev->pid);
	if (!t)
		return NULL;
	if (t->st == S_NONE && !t->ended) {
		t->st = S_UNKNOWN;      /* alive before its first event, since when is unknown */
		t->since = m->t0;
		counter_sample(m, ev->ts, +1);
	}
	/* (a wait's end, or a whole wait: the unknown stretch ends at its begin) */
	if (t->st == S_UNKNOWN && ev->type != EV_BLOCK_END && ev->type != EV_SYNC_WAIT &&
			!(ev->type == EV_NET_END && ev->i[5] && !ev->i[6]))
		set_state(m, t, ev->ts, S_RUNNING);
	t->own_events++;
	t->last_ts = ev->ts;
	return t;
}

struct object *model_object_ref(struct conv_model *m, uint64_t addr)
{
	uint64_t *i = conv_map_get(&m->by_addr, addr);
	if (i)
		return &m->objs[*i];
	if (conv_grow((void **) &m->objs, &m->cap_objs, m->n_objs + 1, sizeof *m->objs) < 0 ||
			conv_map_put(&m->by_addr, addr, m->n_objs) < 0)
		return NULL;
	struct object *o = &m->objs[m->n_objs++];
	memset(o, 0, sizeof *o);
	o->addr = addr;
	o->wake_ts = o->wake_utid = CONV_NULL;
	return o;
}

static int64_t object_row(struct conv_model *m, unsigned kind, uint64_t addr)
{
	if (!addr || kind == CPROF_WAIT_SLEEP || kind == CPROF_WAIT_SYSCALL)
		return CONV_NULL;
	struct object *o = model_object_ref(m, addr);
	if (!o)
		return CONV_NULL;
	if (!o->id) {
		o->id = ++m->object_id;
		o->kind = reason_of(kind);
	}
	return o->id;
}

static void wait_begin(struct conv_model *m, struct thread *t, int64_t ts, unsigned kind,
	uint64_t obj, int64_t callsite)
{
	set_state(m, t, ts, S_WAIT);
	t->kind = (uint8_t) kind;
	t->obj = obj;
	t->obj_id = object_row(m, kind, obj);
	t->callsite = callsite;
	t->twake_ts = t->twake_utid = CONV_NULL;
	t->reason = NULL;
}

/* A syscall that returned at ts after dur_ns, reported in one event: a
 * "syscall" state cut out of the running time before it. */
static void on_syscall_span(struct conv_model *m, const struct conv_event *ev, struct thread *t)
{
	int64_t begin = ev->ts - ev->i[4];
	if (t->st != S_RUNNING) {
		conv_model_stat(m, "syscall_span_not_running", 0, "info", "converter", 1, NULL);
		return;
	}
	wait_begin(m, t, begin > t->since ? begin : t->since, CPROF_WAIT_SYSCALL, 0,
		conv_stacks_intern(m->stacks, ev->seq, ev->seq_len));
	t->reason = model_intern(m, ev->s[0] && *ev->s[0] ? ev->s[0] : "syscall");
	close_state(m, t, ev->ts, ev->i[2]);
	t->st = S_RUNNING;
	t->since = ev->ts;
}

/* A wait reported in one event when it ended (cprof:net_wait,
 * cprof:sync_wait): a state [ts - dur, ts] cut out of the running (or
 * unknown) time before it, or the end of the wait the status dump or a
 * cprof:net_wait_open / sync_wait_open opened; with the flow from its waker
 * when there is one. */
void model_wait_whole(struct conv_model *m, struct thread *t, int64_t ts, int64_t dur,
	unsigned kind, uint64_t obj, int64_t callsite, int64_t result, int64_t waker_utid,
	int64_t waker_ts)
{
	if (ts < t->since) {
		ts = t->since;          /* out of order: never tile backwards */
		conv_model_stat(m, "whole_wait_out_of_order", 0, "info", "converter", 1, NULL);
	}
	if (t->st == S_WAIT) {
		if (t->callsite == CONV_NULL)
			t->callsite = callsite;
	} else {
		int64_t begin = ts - dur;
		wait_begin(m, t, begin > t->since ? begin : t->since, kind, obj, callsite);
	}
	if (waker_utid != CONV_NULL && waker_ts < t->since)
		waker_utid = waker_ts = CONV_NULL;   /* a waker of some earlier wait */
	close_state_flow(m, t, ts, waker_utid, waker_ts, result,
		waker_utid != CONV_NULL ? reason_of(t->kind) : NULL);
	t->st = S_RUNNING;
	t->since = ts;
}

/* cprof:sync_wait: a lock, condvar or semaphore wait in one event, its
 * waker named by the tracer (no cprof:wake goes with it). */
static void on_sync_wait(struct conv_model *m, const struct conv_event *ev, struct thread *t)
{
	int64_t end = ev->ts - (ev->i[6] > 0 ? ev->i[6] : 0);
	int64_t wu = CONV_NULL, wts = CONV_NULL;
	if (ev->i[4] && ev->i[4] != t->tid) {
		int64_t tu = t->utid;
		struct thread *w = model_thread_ref(m, (int32_t) ev->i[4], ev->pid);
		t = T(m, tu);   /* a new waker's record may have moved the table */
		if (w) {
			wu = w->utid;
			wts = end - (ev->i[5] > 0 ? ev->i[5] : 0);
		}
	}
	t->whole_gen = (uint32_t) ev->i[7] + 1;
	model_wait_whole(m, t, end, ev->i[3] > 0 ? ev->i[3] : 0, (unsigned) ev->i[0],
		(uint64_t) ev->i[1], conv_stacks_intern(m->stacks, ev->seq, ev->seq_len),
		(int32_t) ev->i[2], wu, wts);
}

/* cprof:sync_wait_open, from the thread that stopped the capture: a wait
 * still going then, unless its thread's cprof:sync_wait (same gen) came
 * first. */
static void on_sync_wait_open(struct conv_model *m, const struct conv_event *ev)
{
	int32_t tid = (int32_t) ev->i[0];
	uint64_t *u = conv_map_get(&m->by_tid, (uint64_t) (uint32_t) tid);
	if (u && T(m, (int64_t) *u)->whole_gen == (uint32_t) ev->i[4] + 1)
		return;
	int64_t dur = ev->i[3] > 0 ? ev->i[3] : 0;
	model_wait_open(m, tid, ev->pid, ev->ts - dur, (unsigned) ev->i[1], (uint64_t) ev->i[2]);
}

/* Thread tid has been in a network wait since `since` (cprof:net_wait_open,
 * emitted by the thread that stopped the capture): its running time ends
 * there and the wait stays open until the trace ends. */
void model_wait_open(struct conv_model *m, int32_t tid, int64_t pid, int64_t since,
	unsigned kind, uint64_t obj)
{
	struct thread *t = model_thread_ref(m, tid, pid);
	if (!t || t->ended || t->st == S_WAIT)
		return;
	if (t->st == S_NONE) {
		t->st = S_UNKNOWN;
		t->since = m->t0;
		counter_sample(m, since > m->t0 ? since : m->t0, +1);
	}
	wait_begin(m, t, since > t->since ? since : t->since, kind, obj, CONV_NULL);
}

static void on_status(struct conv_model *m, const struct conv_event *ev)
{
	struct thread *t = model_thread_ref(m, (int32_t) ev->i[0], ev->pid);
	if (!t)
		return;
	t->handle = (uint64_t) ev->i[1];
	t->start_routine = (uint64_t) ev->i[2];
	t->creator_tid = (int32_t) ev->i[6];
	t->is_main = t->tid == ev->pid;
	name_thread(m, t, ev->ts, ev->s[0]);
	if (t->st != S_NONE || t->ended)
		return;        /* it already spoke for itself */
	counter_sample(m, ev->ts, +1);
	t->st = S_RUNNING;
	t->since = m->t0;
	unsigned kind = (unsigned) ev->i[3];
	if (kind) {
		int64_t since = ev->ts - ev->i[5];
		wait_begin(m, t, since > m->t0 ? since : m->t0, kind, (uint64_t) ev->i[4], CONV_NULL);
	}
}

/* The stack of the wait a thread_status reported (cprof:status_stack). */
static void on_status_stack(struct conv_model *m, const struct conv_event *ev)
{
	uint64_t *u = conv_map_get(&m->by_tid, (uint64_t) (uint32_t) ev->i[0]);
	struct thread *t = u ? T(m, (int64_t) *u) : NULL;
	if (t && t->st == S_WAIT && t->callsite == CONV_NULL && ev->seq_len > 0)
		t->callsite = conv_stacks_intern(m->stacks, ev->seq, ev->seq_len);
}

static void on_thread_start(struct conv_model *m, const struct conv_event *ev)
{
	uint64_t *u = conv_map_get(&m->by_tid, (uint64_t) (uint32_t) ev->tid);
	struct thread *old = u ? T(m, (int64_t) *u) : NULL;
	struct thread *t = old;
	if (old && (old->own_events || old->st != S_NONE)) {
		if (!old->ended) {
			/* tid reused without a thread_end: the old one ended unseen */
			close_state(m, old, old->last_ts, CONV_NULL);
			old->st = S_NONE;
			old->ended = 1;
			counter_sample(m, ev->ts, -1);
			conv_model_stat(m, "thread_end_missing", 0, "info", "converter", 1, NULL);
		}
		t = new_thread(m, ev->tid, ev->pid);
	} else if (!t) {
		t = new_thread(m, ev->tid, ev->pid);
	}
	if (!t)
		return;
	t->create_id = (uint64_t) ev->i[0];
	t->creator_tid = (int32_t) ev->i[1];
	t->handle = (uint64_t) ev->i[2];
	t->start_routine = (uint64_t) ev->i[3];
	t->start_ts = ev->ts;
	t->is_main = t->tid == ev->pid;
	t->st = S_RUNNING;
	t->since = ev->ts;
	t->own_events++;
	t->last_ts = ev->ts;
	counter_sample(m, ev->ts, +1);
	name_thread(m, t, ev->ts, ev->s[0]);
}

static void on_thread_create(struct conv_model *m, const struct conv_event *ev, struct thread *t)
{
	if (conv_grow((void **) &m->creates, &m->cap_creates, m->n_creates + 1, sizeof *m->creates) < 0)
		return;
	m->creates[m->n_creates] = (struct create) { t->utid, ev->ts,
		conv_stacks_intern(m->stacks, ev->seq, ev->seq_len) };
	conv_map_put(&m->by_create, create_key(ev->pid, (uint64_t) ev->i[0]), m->n_creates++);
}

/* Waits whose wake the tracer writes after the waking call. */
static int wakes_late(uint8_t kind)
{
	return kind == CPROF_WAIT_MUTEX || kind == CPROF_WAIT_RWLOCK_READ ||
		kind == CPROF_WAIT_RWLOCK_WRITE || kind == CPROF_WAIT_COND || kind == CPROF_WAIT_SEM;
}

static void on_block_end(struct conv_model *m, const struct conv_event *ev, struct thread *t)
{
	if (t->st == S_UNKNOWN) {
		/* A thread's first word is the end of a wait: it was in that
		 * wait since before the trace (begun just before the capture,
		 * ended before the status dump reached this thread).  The unknown
		 * stretch becomes that wait. */
		conv_model_stat(m, "wait_before_status", 0, "info", "converter", 1, NULL);
		wait_begin(m, t, t->since, (unsigned) ev->i[0], (uint64_t) ev->i[1], CONV_NULL);
	}
	if (t->st != S_WAIT) {
		/* its begin was lost */
		conv_model_stat(m, "block_end_unmatched", 0, "info", "converter", 1, NULL);
		set_state(m, t, ev->ts, S_RUNNING);
		return;
	}
	int64_t wu = CONV_NULL, wts = CONV_NULL;
	struct object *o = NULL;
	if (t->obj) {
		uint64_t *i = conv_map_get(&m->by_addr, t->obj);
		o = i ? &m->objs[*i] : NULL;
	}
	if (t->twake_ts != CONV_NULL && t->twake_ts >= t->since) {
		wu = t->twake_utid;
		wts = t->twake_ts;
	} else if (o && o->wake_ts != CONV_NULL && o->wake_utid != t->utid &&
			(o->wake_ts >= t->since ||
			 /* a thread's thread_end is written when its start routine
			  * returns, before its thread-specific data destructors
			  * run: a join may begin after it and still wait for that
			  * thread's exit - unless a join of the handle ended since */
			 (t->kind == CPROF_WAIT_JOIN && (int32_t) ev->i[2] == 0 &&
			  o->wake_ts > o->joined_ts))) {
		wu = o->wake_utid;
		wts = o->wake_ts >= t->since ? o->wake_ts : t->since;
	}
	if (o && t->kind == CPROF_WAIT_JOIN)
		o->joined_ts = ev->ts;
	const char *reason = reason_of(t->kind);
	if (wu == CONV_NULL && t->obj && wakes_late(t->kind)) {
		conv_model_flush_held(m, t);
		if (make_row(t, ev->ts, CONV_NULL, CONV_NULL, (int32_t) ev->i[2], &t->held)) {
			t->has_held = 1;
			t->held_obj = t->obj;
		}
		t->st = S_RUNNING;
		t->since = ev->ts;
		return;
	}
	close_state_flow(m, t, ev->ts, wu, wts, (int32_t) ev->i[2], reason);
	t->st = S_RUNNING;
	t->since = ev->ts;
}

static void wake_object(struct conv_model *m, uint64_t obj, int64_t ts, int64_t utid)
{
	struct object *o = model_object_ref(m, obj);
	if (o) {
		o->wake_ts = ts;
		o->wake_utid = utid;
	}
}

static void on_process(struct conv_model *m, const struct conv_event *ev)
{
	struct process *p = process_ref(m, ev->i[0] ? ev->i[0] : ev->pid);
	if (!p)
		return;
	free(p->exe);
	free(p->host);
	free(p->version);
	free(p->cmdline);
	p->exe = strdup(ev->s[0] ? ev->s[0] : "");
	p->host = strdup(ev->s[1] ? ev->s[1] : "");
	p->version = strdup(ev->s[2] ? ev->s[2] : "");
	p->cmdline = malloc(ev->seq_len + 1);
	if (p->cmdline) {
		for (unsigned k = 0; k < ev->seq_len; k++)
			p->cmdline[k] = ev->seq[k] ? (char) ev->seq[k] : ' ';
		p->cmdline[ev->seq_len] = 0;
		while (ev->seq_len && p->cmdline[0] && p->cmdline[strlen(p->cmdline) - 1] == ' ')
			p->cmdline[strlen(p->cmdline) - 1] = 0;
	}
	p->start_ts = ev->ts;
}

int conv_model_event(struct conv_model *m, const struct conv_event *ev)
{
	struct thread *t;
	if (m->t0 == CONV_NULL) {
		m->t0 = ev->ts;
		const struct conv_info *in = m->info;
		if (in->start_ns != CONV_NULL && in->start_ns <= ev->ts && ev->ts - in->start_ns < 600000000000ll)
			m->t0 = in->start_ns;
	}
	m->last_ts = ev->ts;
	if (!process_ref(m, ev->pid))
		return -ENOMEM;
	switch (ev->type) {
	case EV_PROCESS: on_process(m, ev); break;
	case EV_MODULE: conv_symbols_add_module(m->sym, ev->s[0], (uint64_t) ev->i[0], (uint64_t) ev->i[1]); break;
	case EV_THREAD_STATUS: on_status(m, ev); break;
	case EV_STATUS_STACK: on_status_stack(m, ev); break;
	case EV_THREAD_START: on_thread_start(m, ev); break;
	case EV_THREAD_CREATE:
		if ((t = model_self(m, ev)))
			on_thread_create(m, ev, t);
		break;
	case EV_THREAD_END: {
		if (!(t = model_self(m, ev)) || t->ended)
			break;
		/* its last wait may still be held for a late wake (its waker
		 * writes it after the unlock that let this thread finish): kept
		 * until the trace's end, not flushed here */
		struct conv_state_row r;
		if (make_row(t, ev->ts, CONV_NULL, CONV_NULL, CONV_NULL, &r))
			write_row(m, &r, NULL);
		t->st = S_NONE;
		t->ended = 1;
		t->end_ts = ev->ts;
		counter_sample(m, ev->ts, -1);
		wake_object(m, (uint64_t) ev->i[0], ev->ts, t->utid);   /* wakes its joiner */
		break;
	}
	case EV_THREAD_NAME:
		t = ev->i[0] && ev->i[0] != ev->tid ? model_thread_ref(m, (int32_t) ev->i[0], ev->pid) : model_self(m, ev);
		if (t)
			name_thread(m, t, ev->ts, ev->s[0]);
		break;
	case EV_BLOCK_BEGIN:
		if (!(t = model_self(m, ev)) || t->ended)
			break;
		if (t->st == S_WAIT)
			conv_model_stat(m, "block_begin_nested", 0, "info", "converter", 1, NULL);
		wait_begin(m, t, ev->ts, (unsigned) ev->i[0], (uint64_t) ev->i[1],
			conv_stacks_intern(m->stacks, ev->seq, ev->seq_len));
		break;
	case EV_BLOCK_END:
		if ((t = model_self(m, ev)) && !t->ended)
			on_block_end(m, ev, t);
		break;
	case EV_WAKE:
		if (!(t = model_self(m, ev)))
			break;
		if (ev->i[2]) {
			/* aimed at one waiter: it must not also wake the others on obj */
			uint64_t *u = conv_map_get(&m->by_tid, (uint64_t) (uint32_t) ev->i[2]);
			if (u && late_wake(T(m, (int64_t) *u), (uint64_t) ev->i[1], ev->ts, t->utid)) {
				m->late_wakes++;
				break;
			}
			if (u) {
				T(m, (int64_t) *u)->twake_ts = ev->ts;
				T(m, (int64_t) *u)->twake_utid = t->utid;
				break;
			}
		}
		wake_object(m, (uint64_t) ev->i[1], ev->ts, t->utid);
		break;
	case EV_SYNC_WAIT:
		/* written by the waiting thread, or (tid) by a capture's stopper */
		t = model_self(m, ev);
		if (t && ev->i[8] && ev->i[8] != ev->tid)
			t = model_thread_ref(m, (int32_t) ev->i[8], ev->pid);
		if (t && !t->ended)
			on_sync_wait(m, ev, t);
		break;
	case EV_SYNC_WAIT_OPEN:
		model_self(m, ev);
		on_sync_wait_open(m, ev);
		break;
	case EV_OBJECT_NAME: {
		struct object *o = model_object_ref(m, (uint64_t) ev->i[0]);
		if (o && ev->s[0] && *ev->s[0]) {
			free(o->name);
			o->name = strdup(ev->s[0]);
		}
		break;
	}
	case EV_SYSCALL_SPAN:
		if ((t = model_self(m, ev)) && !t->ended)
			on_syscall_span(m, ev, t);
		break;
	case EV_SYSCALL_END:
		/* names the open syscall wait; sleeps and futexes keep their kind */
		if ((t = model_self(m, ev)) && t->st == S_WAIT && t->kind == CPROF_WAIT_SYSCALL &&
				ev->s[0] && *ev->s[0])
			t->reason = model_intern(m, ev->s[0]);
		break;
	case EV_HEAP: case EV_MALLINFO: case EV_ALLOC_CONFIG: case EV_ALLOC_SAMPLE:
	case EV_FREE_SAMPLE: case EV_GC_BEGIN: case EV_GC_END: case EV_STW_BEGIN: case EV_STW_END:
	case EV_GC_HEAP:
		model_mem_event(m, ev);
		break;
	case EV_FD_INFO: case EV_NET_END: case EV_FD_CLOSE:
		model_net_event(m, ev);
		break;
	case EV_TASK_BEGIN: case EV_TASK_END: case EV_REGION_BEGIN: case EV_REGION_END:
	case EV_USER_LOG:
		model_annot_event(m, ev);
		break;
	case EV_TRACE_END:
		model_self(m, ev);
		conv_model_stat(m, "tracer_internal_errors", 0, ev->i[1] ? "error" : "info", "tracer",
			ev->i[1], NULL);
		break;
	default:
		conv_model_stat(m, "events_unknown", 0, "info", "converter", 1, NULL);
		break;
	}
	return m->failed ? -EIO : 0;
}

void conv_model_discarded(struct conv_model *m, int64_t pid, const char *what, uint64_t count,
	int64_t begin_ns, int64_t end_ns)
{
	char d[256];
	if (begin_ns != CONV_NULL)
		snprintf(d, sizeof d, "the tracer discarded %llu %s between %lld and %lld (ring buffer full)",
			(unsigned long long) count, what, (long long) begin_ns, (long long) end_ns);
	else
		snprintf(d, sizeof d, "the tracer discarded %llu %s (ring buffer full)",
			(unsigned long long) count, what);
	conv_model_stat(m, !strcmp(what, "events") ? "discarded_events" : "discarded_packets",
		(int) pid, "data_loss", "trace", (int64_t) count, d);
	if (!strcmp(what, "events"))
		m->discarded_events += count;
	else
		m->discarded_packets += count;
}

int64_t conv_model_window(const struct conv_model *m, int64_t *end)
{
	if (end)
		*end = m->t1 != CONV_NULL ? m->t1 : m->last_ts;
	return m->t0;
}
