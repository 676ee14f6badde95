/* model_out.c: the model's life cycle and the end-of-trace tables
 * (thread, thread_name, process, sync_object, track, counter, stats,
 * metadata, stacks).  The bulk rows were streamed by model.c already. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "model_priv.h"

#define SCHEMA_VERSION 1

int conv_model_create(struct conv_writer *w, struct conv_symbols *sym, struct conv_stacks *st,
	const struct conv_info *info, struct conv_model **out)
{
	struct conv_model *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	m->w = w;
	m->sym = sym;
	m->stacks = st;
	m->info = info;
	m->t0 = m->t1 = m->last_ts = CONV_NULL;
	*out = m;
	return 0;
}

void conv_model_destroy(struct conv_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_objs; i++)
		free(m->objs[i].name);
	for (size_t i = 0; i < m->n_procs; i++) {
		free(m->procs[i].exe);
		free(m->procs[i].host);
		free(m->procs[i].version);
		free(m->procs[i].cmdline);
	}
	for (size_t i = 0; i < m->n_names; i++)
		free(m->names[i].name);
	for (size_t i = 0; i < m->n_stats; i++)
		free(m->stats[i].description);
	conv_map_fini(&m->by_tid);
	conv_map_fini(&m->by_addr);
	conv_map_fini(&m->by_create);
	free(m->threads);
	free(m->objs);
	free(m->procs);
	free(m->creates);
	free(m->names);
	for (size_t i = 0; i < m->n_strings; i++)
		free(m->strings[i]);
	conv_map_fini(&m->live_allocs);
	conv_map_fini(&m->by_task);
	conv_map_fini(&m->by_fd);
	free(m->fds);
	free(m->nets);
	free(m->conns);
	free(m->tasks);
	free(m->strings);
	free(m->slices);
	free(m->allocs);
	free(m->samples);
	free(m->stats);
	free(m);
}

struct process *process_ref(struct conv_model *m, int64_t pid)
{
	for (size_t i = 0; i < m->n_procs; i++)
		if (m->procs[i].pid == pid)
			return &m->procs[i];
	struct process *np = realloc(m->procs, sizeof *np * (m->n_procs + 1));
	if (!np)
		return NULL;
	m->procs = np;
	struct process *p = &np[m->n_procs++];
	memset(p, 0, sizeof *p);
	p->pid = pid;
	p->upid = (int64_t) m->n_procs;
	p->start_ts = CONV_NULL;
	return p;
}

static int64_t upid_of(struct conv_model *m, int64_t pid)
{
	for (size_t i = 0; i < m->n_procs; i++)
		if (m->procs[i].pid == pid)
			return m->procs[i].upid;
	return CONV_NULL;
}

/* Joins block on a thread handle: name the object after that thread. */
static const char *handle_owner(struct conv_model *m, uint64_t handle)
{
	for (size_t i = m->n_threads; i-- > 0;)
		if (m->threads[i].handle == handle && m->threads[i].name)
			return m->threads[i].name;
	return NULL;
}

static int write_threads(struct conv_model *m)
{
	int ret = 0;
	for (size_t i = 0; i < m->n_threads && !ret; i++) {
		struct thread *t = &m->threads[i];
		if (!t->own_events && t->st == S_NONE && !t->ended && !t->name)
			continue;       /* only ever named by others: skip phantom rows */
		if (t->create_id) {
			uint64_t *c = conv_map_get(&m->by_create, create_key(t->pid, t->create_id));
			if (c) {
				t->creator_utid = m->creates[*c].creator_utid;
				t->create_ts = m->creates[*c].ts;
				t->create_callsite = m->creates[*c].callsite;
			}
		}
		if (t->creator_utid == CONV_NULL && t->creator_tid) {
			uint64_t *u = conv_map_get(&m->by_tid, (uint64_t) (uint32_t) t->creator_tid);
			if (u && (int64_t) *u != t->utid)
				t->creator_utid = (int64_t) *u;
		}
		if (t->start_ts == CONV_NULL)
			t->start_ts = m->t0;    /* alive when the trace started */
		int64_t map;
		uint64_t off;
		const char *routine = t->start_routine ?
			conv_symbols_lookup(m->sym, t->start_routine, &map, &off) : NULL;
		struct conv_val v[] = { VI(t->utid), VI(t->tid), VT(t->name), VI(upid_of(m, t->pid)),
			VI(t->start_ts), VI(t->end_ts), VI(t->create_ts), VI(t->creator_utid), VT(routine),
			t->start_routine ? VI((int64_t) t->start_routine) : VI(CONV_NULL),
			VI(t->create_callsite), VI(t->is_main), t->handle ? VI((int64_t) t->handle) : VI(CONV_NULL) };
		ret = conv_writer_insert(m->w, "INSERT INTO thread VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", v, 13);
		struct conv_val tv[] = { VI(THREAD_TRACK_BASE + t->utid), VT(t->name ? t->name : "thread"),
			VT("thread"), VI(t->utid), VT(NULL) };
		if (!ret)
			ret = conv_writer_insert(m->w, "INSERT INTO track VALUES (?,?,?,?,?)", tv, 5);
	}
	for (size_t i = 0; i < m->n_names && !ret; i++) {
		struct conv_val v[] = { VI(m->names[i].utid), VI(m->names[i].ts), VT(m->names[i].name) };
		ret = conv_writer_insert(m->w, "INSERT INTO thread_name VALUES (?,?,?)", v, 3);
	}
	return ret;
}

static int write_objects_and_counters(struct conv_model *m)
{
	int ret = 0;
	for (size_t i = 0; i < m->n_objs && !ret; i++) {
		struct object *o = &m->objs[i];
		if (!o->id)
			continue;
		const char *name = o->name, *src = o->name ? "user" : NULL;
		char member[320];
		uint64_t off = 0;
		if (!name && (name = conv_symbols_object(m->sym, o->addr, &off))) {
			src = "symbol";
			if (off) {   /* a lock inside a global struct: "queue+0x28" */
				snprintf(member, sizeof member, "%s+0x%llx", name, (unsigned long long) off);
				name = member;
			}
		}
		if (!name && !strcmp(o->kind, "join") && (name = handle_owner(m, o->addr)))
			src = "thread";
		struct conv_val v[] = { VI(o->id), VI((int64_t) o->addr), VT(o->kind), VT(name), VT(src) };
		ret = conv_writer_insert(m->w, "INSERT INTO sync_object VALUES (?,?,?,?,?)", v, 5);
	}
	static const struct { const char *name, *unit; } tracks[TRACK__COUNT] = {
		[TRACK_THREADS] = { "threads", "count" },
		[TRACK_HEAP_INUSE] = { "heap_inuse_bytes", "bytes" },
		[TRACK_HEAP_OBJECTS] = { "heap_inuse_objects", "count" },
		[TRACK_HEAP_ALLOCATED] = { "heap_allocated_bytes", "bytes" },
		[TRACK_MALLINFO_ARENA] = { "mallinfo_arena_bytes", "bytes" },
		[TRACK_MALLINFO_INUSE] = { "mallinfo_inuse_bytes", "bytes" },
		[TRACK_MALLINFO_FREE] = { "mallinfo_free_bytes", "bytes" },
		[TRACK_MALLINFO_MMAP] = { "mallinfo_mmap_bytes", "bytes" },
		[TRACK_GC_HEAP_SIZE] = { "gc_heap_size_bytes", "bytes" },
		[TRACK_GC_FREE] = { "gc_free_bytes", "bytes" },
		[TRACK_GC_RECLAIMED] = { "gc_reclaimed_bytes", "bytes" },
	};
	int used[TRACK__COUNT] = { 0 };
	for (size_t i = 0; i < m->n_samples; i++)
		used[m->samples[i].track] = 1;
	for (int k = 1; k < TRACK__COUNT && !ret; k++) {
		struct conv_val tv[] = { VI(k), VT(tracks[k].name), VT("counter"), VI(CONV_NULL), VT(tracks[k].unit) };
		if (used[k])
			ret = conv_writer_insert(m->w, "INSERT INTO track VALUES (?,?,?,?,?)", tv, 5);
	}
	for (size_t i = 0; i < m->n_samples && !ret; i++) {
		struct conv_val v[] = { VI((int64_t) i + 1), VI(m->samples[i].ts), VI(m->samples[i].track),
			VR(m->samples[i].value) };
		ret = conv_writer_insert(m->w, "INSERT INTO counter VALUES (?,?,?,?)", v, 4);
	}
	if (!ret)
		ret = model_mem_write(m);
	if (!ret)
		ret = model_annot_write(m);
	if (!ret)
		ret = model_net_write(m);
	return ret;
}

static int meta(struct conv_model *m, const char *name, int64_t i, const char *s)
{
	struct conv_val v[] = { VT(name), VI(i), VT(s) };
	return conv_writer_insert(m->w, "INSERT INTO metadata VALUES (?,?,?)", v, 3);
}

static int write_meta(struct conv_model *m, uint64_t events)
{
	const struct conv_info *in = m->info;
	struct process *p = m->n_procs ? &m->procs[0] : NULL;
	for (size_t i = 0; i < m->n_procs; i++)
		if (m->procs[i].exe)
			p = &m->procs[i];
	int ret = 0;
	const char *exe = p && p->exe && *p->exe ? p->exe : in->exe;
	const char *host = p && p->host && *p->host ? p->host : in->hostname;
	const char *ver = p && p->version && *p->version ? p->version : in->cprof_version;
	int64_t pid = p ? p->pid : in->pid;
	ret |= meta(m, "schema_version", SCHEMA_VERSION, NULL);
	ret |= meta(m, "converter_version", CONV_NULL, CPROF_VERSION);
	ret |= meta(m, "cprof_version", CONV_NULL, *ver ? ver : NULL);
	ret |= meta(m, "trace_format", in->format, NULL);
	ret |= meta(m, "pid", pid, NULL);
	ret |= meta(m, "exe", CONV_NULL, *exe ? exe : NULL);
	ret |= meta(m, "cmdline", CONV_NULL, p ? p->cmdline : NULL);
	ret |= meta(m, "host", CONV_NULL, *host ? host : NULL);
	ret |= meta(m, "trace_start", m->t0, NULL);
	ret |= meta(m, "trace_end", m->t1, NULL);
	ret |= meta(m, "trace_dur", m->t0 == CONV_NULL ? CONV_NULL : m->t1 - m->t0, NULL);
	ret |= meta(m, "requested_seconds", in->seconds, NULL);
	ret |= meta(m, "event_count", (int64_t) events, NULL);
	ret |= meta(m, "discarded_events", (int64_t) m->discarded_events, NULL);
	ret |= meta(m, "discarded_packets", (int64_t) m->discarded_packets, NULL);
	ret |= meta(m, "ctl_discarded_events", in->ctl_discarded, NULL);
	ret |= meta(m, "thread_count", (int64_t) m->n_threads, NULL);
	return ret ? -EIO : 0;
}

int conv_model_finish(struct conv_model *m, uint64_t events, struct conv_error *err)
{
	int ret;
	const struct conv_info *in = m->info;
	if (m->t0 == CONV_NULL) {
		conv_error_set(err, "the trace holds no events");
		return -ENODATA;
	}
	m->t1 = m->last_ts;
	if (in->end_ns != CONV_NULL && in->end_ns >= m->t1 && in->end_ns - m->t1 < 600000000000ll)
		m->t1 = in->end_ns;
	/* alive at trace end: the last state lasts until the end of the window */
	for (size_t i = 0; i < m->n_threads; i++)
		if (!m->threads[i].ended)
			conv_model_close_at(m, &m->threads[i], m->t1);
		else
			conv_model_flush_held(m, &m->threads[i]);
	if (m->late_wakes)
		conv_model_stat(m, "late_wakes", 0, "info", "converter", m->late_wakes, NULL);
	if ((ret = conv_writer_drain(m->w, err)) < 0)
		return ret;
	for (size_t i = 0; i < m->n_procs; i++) {
		struct process *p = &m->procs[i];
		const char *base = p->exe ? strrchr(p->exe, '/') : NULL;
		struct conv_val v[] = { VI(p->upid), VI(p->pid), VT(base ? base + 1 : p->exe), VT(p->exe),
			VT(p->cmdline), VI(p->start_ts), VI(CONV_NULL) };
		if ((ret = conv_writer_insert(m->w, "INSERT INTO process VALUES (?,?,?,?,?,?,?)", v, 7)) < 0)
			goto error;
	}
	if ((ret = write_threads(m)) < 0 || (ret = write_objects_and_counters(m)) < 0 ||
			(ret = conv_stacks_write(m->stacks, m->sym, m->w)) < 0 || (ret = write_meta(m, events)) < 0)
		goto error;
	for (size_t i = 0; i < m->n_stats; i++) {
		struct stat_row *s = &m->stats[i];
		struct conv_val v[] = { VT(s->name), VI(s->idx), VT(s->severity), VT(s->source),
			VI(s->value), VT(s->description) };
		if ((ret = conv_writer_insert(m->w, "INSERT INTO stats VALUES (?,?,?,?,?,?)", v, 6)) < 0)
			goto error;
	}
	if (m->discarded_events || m->discarded_packets)
		conv_warn("the tracer discarded %llu events and %llu packets (ring buffers full): "
			"some thread states are incomplete; see the stats table",
			(unsigned long long) m->discarded_events, (unsigned long long) m->discarded_packets);
	return 0;
error:
	conv_error_set(err, "cannot write the database tables");
	return -EIO;
}
