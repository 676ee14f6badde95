/* model_annot.c: user annotations (Go's runtime/trace tasks, regions, logs).
 *
 * Regions nest per thread, so they are slices on the thread's track
 * (category "region", name = region type, args task = the task id); logs
 * are zero-length slices (category "log", name "category: message").  Tasks
 * may begin on one thread and end on another, so they are rows of their own
 * table; a task begun before the trace starts at the trace start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "model_priv.h"

static uint64_t task_key(int64_t pid, int64_t id)
{
	return ((uint64_t) pid << 40) ^ (uint64_t) id;
}

static struct task_row *task_ref(struct conv_model *m, const struct conv_event *ev, int64_t id,
		int create)
{
	uint64_t *i = conv_map_get(&m->by_task, task_key(ev->pid, id));
	if (i)
		return &m->tasks[*i];
	if (!create ||
			conv_grow((void **) &m->tasks, &m->cap_tasks, m->n_tasks + 1, sizeof *m->tasks) < 0 ||
			conv_map_put(&m->by_task, task_key(ev->pid, id), m->n_tasks) < 0)
		return NULL;
	struct task_row *t = &m->tasks[m->n_tasks++];
	*t = (struct task_row) { id, 0, CONV_NULL, CONV_NULL, CONV_NULL, CONV_NULL, CONV_NULL, NULL };
	return t;
}

void model_annot_event(struct conv_model *m, const struct conv_event *ev)
{
	struct thread *th = model_self(m, ev);
	struct task_row *tk;
	if (!th)
		return;
	switch (ev->type) {
	case EV_TASK_BEGIN:
		if (!(tk = task_ref(m, ev, ev->i[0], 1)))
			return;
		tk->parent = ev->i[1];
		tk->begin_ts = ev->ts;
		tk->begin_utid = th->utid;
		tk->type = model_intern(m, ev->s[0] && *ev->s[0] ? ev->s[0] : "task");
		tk->callsite = conv_stacks_intern(m->stacks, ev->seq, ev->seq_len);
		break;
	case EV_TASK_END:
		if (!(tk = task_ref(m, ev, ev->i[0], 1)))
			return;
		tk->end_ts = ev->ts;
		tk->end_utid = th->utid;
		break;
	case EV_REGION_BEGIN:
		model_slice_begin(m, th, ev->ts, "region", ev->s[0], ev->i[0]);
		break;
	case EV_REGION_END:
		model_slice_end(m, th, ev->ts, "region");
		break;
	case EV_USER_LOG: {
		char text[512];
		snprintf(text, sizeof text, "%s: %s", ev->s[0] ? ev->s[0] : "",
			ev->s[1] ? ev->s[1] : "");
		model_slice_begin(m, th, ev->ts, "log", text, ev->i[0]);
		model_slice_end(m, th, ev->ts, "log");
		break;
	}
	default:
		break;
	}
}

int model_annot_write(struct conv_model *m)
{
	int ret = 0;
	for (size_t k = 0; k < m->n_tasks && !ret; k++) {
		struct task_row *t = &m->tasks[k];
		int64_t begin = t->begin_ts != CONV_NULL ? t->begin_ts : m->t0;
		int64_t dur = t->end_ts != CONV_NULL ? t->end_ts - begin : -1;
		struct conv_val v[] = { VI(t->id), VT(t->type ? t->type : "task"), VI(t->parent ? t->parent : CONV_NULL),
			VI(begin), VI(dur), VI(t->begin_utid), VI(t->end_utid), VI(t->callsite) };
		ret = conv_writer_insert(m->w, "INSERT INTO task VALUES (?,?,?,?,?,?,?,?)", v, 8);
	}
	return ret;
}
