/* model_mem.c: memory and GC events → counters, slices and alloc_sample.
 *
 * Heap and mallinfo values become counter tracks; sampled allocations keep
 * their stack and, when a free_sample names them, their free time, so the
 * database answers both "who allocated" and "who holds" like Go's heap
 * profile.  GC phases and stop-the-world pauses nest per thread as slices. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "model_priv.h"

void model_slice_begin(struct conv_model *m, struct thread *t, int64_t ts, const char *cat,
	const char *name, int64_t task)
{
	if (t->n_open == MAX_SLICE_DEPTH ||
			conv_grow((void **) &m->slices, &m->cap_slices, m->n_slices + 1, sizeof *m->slices) < 0)
		return;
	int64_t parent = t->n_open ? m->slices[t->slices[t->n_open - 1]].id : CONV_NULL;
	m->slices[m->n_slices] = (struct slice_row) { (int64_t) m->n_slices + 1, ts, -1, t->utid,
		t->n_open, parent, task, cat, model_intern(m, name && *name ? name : cat) };
	t->slices[t->n_open++] = m->n_slices++;
}

void model_slice_end(struct conv_model *m, struct thread *t, int64_t ts, const char *cat)
{
	/* the innermost open slice of this category */
	for (int i = t->n_open - 1; i >= 0; i--) {
		struct slice_row *s = &m->slices[t->slices[i]];
		if (strcmp(s->category, cat))
			continue;
		s->dur = ts - s->ts;
		t->n_open = i;
		return;
	}
	conv_model_stat(m, "slice_end_unmatched", 0, "info", "converter", 1, NULL);
}

static void alloc_sample(struct conv_model *m, const struct conv_event *ev, struct thread *t)
{
	if (conv_grow((void **) &m->allocs, &m->cap_allocs, m->n_allocs + 1, sizeof *m->allocs) < 0)
		return;
	double u = (double) (uint64_t) ev->i[2], rate = (double) m->sample_rate;
	struct alloc_row *a = &m->allocs[m->n_allocs];
	*a = (struct alloc_row) { (int64_t) m->n_allocs + 1, ev->ts, t->utid,
		conv_stacks_intern(m->stacks, ev->seq, ev->seq_len), CONV_NULL,
		(uint64_t) ev->i[0], (uint64_t) ev->i[1], (uint64_t) ev->i[2],
		/* a sample of usable size u stands for u / (1 - exp(-u / rate)) bytes */
		rate > 0 && u > 0 ? u / -expm1(-u / rate) : u };
	conv_map_put(&m->live_allocs, a->ptr, m->n_allocs++);
}

void model_mem_event(struct conv_model *m, const struct conv_event *ev)
{
	struct thread *t;
	uint64_t *i;
	switch (ev->type) {
	case EV_HEAP:
		model_counter(m, TRACK_HEAP_INUSE, ev->ts, (double) ev->i[0]);
		model_counter(m, TRACK_HEAP_OBJECTS, ev->ts, (double) ev->i[1]);
		model_counter(m, TRACK_HEAP_ALLOCATED, ev->ts, (double) (uint64_t) ev->i[2]);
		break;
	case EV_MALLINFO:
		model_counter(m, TRACK_MALLINFO_ARENA, ev->ts, (double) (uint64_t) ev->i[0]);
		model_counter(m, TRACK_MALLINFO_INUSE, ev->ts, (double) (uint64_t) ev->i[1]);
		model_counter(m, TRACK_MALLINFO_FREE, ev->ts, (double) (uint64_t) ev->i[2]);
		model_counter(m, TRACK_MALLINFO_MMAP, ev->ts, (double) (uint64_t) ev->i[3]);
		break;
	case EV_GC_HEAP:
		model_counter(m, TRACK_GC_HEAP_SIZE, ev->ts, (double) (uint64_t) ev->i[1]);
		model_counter(m, TRACK_GC_FREE, ev->ts, (double) (uint64_t) ev->i[2]);
		model_counter(m, TRACK_GC_RECLAIMED, ev->ts, (double) (uint64_t) ev->i[5]);
		break;
	case EV_ALLOC_CONFIG:
		m->sample_rate = (uint64_t) ev->i[0];
		break;
	case EV_ALLOC_SAMPLE:
		if ((t = model_self(m, ev)))
			alloc_sample(m, ev, t);
		break;
	case EV_FREE_SAMPLE:
		if ((i = conv_map_get(&m->live_allocs, (uint64_t) ev->i[0])) && *i != UINT64_MAX &&
				m->allocs[*i].free_ts == CONV_NULL) {
			m->allocs[*i].free_ts = ev->ts;
			*i = UINT64_MAX;
		}
		break;
	case EV_GC_BEGIN:
	case EV_STW_BEGIN:
		if ((t = model_self(m, ev)))
			model_slice_begin(m, t, ev->ts, ev->type == EV_GC_BEGIN ? "gc" : "stw", ev->s[0], 0);
		break;
	case EV_GC_END:
	case EV_STW_END:
		if ((t = model_self(m, ev)))
			model_slice_end(m, t, ev->ts, ev->type == EV_GC_END ? "gc" : "stw");
		break;
	default:
		break;
	}
}

int model_mem_write(struct conv_model *m)
{
	int ret = 0;
	for (size_t k = 0; k < m->n_slices && !ret; k++) {
		struct slice_row *s = &m->slices[k];
		struct conv_val v[] = { VI(s->id), VI(s->ts), VI(s->dur), VI(THREAD_TRACK_BASE + s->utid),
			VT(s->category), VT(s->name), VI(s->depth), VI(s->parent_id),
			VI(s->task ? s->id : CONV_NULL) };
		ret = conv_writer_insert(m->w, "INSERT INTO slice VALUES (?,?,?,?,?,?,?,?,?)", v, 9);
		if (!ret && s->task) {
			/* the slice's own args: the task it belongs to */
			struct conv_val a[] = { VI(s->id), VT("task"), VI(s->task), VT(NULL), VI(CONV_NULL) };
			ret = conv_writer_insert(m->w, "INSERT INTO args VALUES (?,?,?,?,?)", a, 5);
		}
	}
	for (size_t k = 0; k < m->n_allocs && !ret; k++) {
		struct alloc_row *a = &m->allocs[k];
		struct conv_val v[] = { VI(a->id), VI(a->ts), VI(a->utid), VI((int64_t) a->ptr),
			VI((int64_t) a->size), VI((int64_t) a->usable), VR(a->weight), VI(a->callsite),
			VI(a->free_ts) };
		ret = conv_writer_insert(m->w, "INSERT INTO alloc_sample VALUES (?,?,?,?,?,?,?,?,?)", v, 9);
	}
	return ret;
}
