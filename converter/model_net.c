/* model_net.c: network I/O → net_io rows and fd descriptions.
 *
 * cprof:fd_info says what an fd is (socket with local/peer address, file,
 * pipe...) when it is first seen, accepted or connected; the latest
 * description of (pid, fd) labels the network waits that follow: each
 * cprof:net_end becomes a net_io row (op, bytes, peer, duration), and the fd's
 * sync_object is named "fd N local → peer" (a pipe's "fd N pipe:[ino]", a
 * terminal's "fd N /dev/pts/M") so blocked states say which connection they
 * wait on.  cprof:net_wait is a whole wait in one event: the thread state
 * [ts - dur, ts] as well as the net_io row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "cprof_events.h"
#include "model_priv.h"

static uint64_t fd_key(int64_t pid, int64_t fd)
{
	return ((uint64_t) pid << 32) ^ (uint32_t) fd;
}

static void on_fd_info(struct conv_model *m, const struct conv_event *ev)
{
	uint64_t key = fd_key(ev->pid, ev->i[0]);
	uint64_t *i = conv_map_get(&m->by_fd, key);
	struct fd_desc *d;
	if (i) {
		d = &m->fds[*i];
	} else {
		if (conv_grow((void **) &m->fds, &m->cap_fds, m->n_fds + 1, sizeof *m->fds) < 0 ||
				conv_map_put(&m->by_fd, key, m->n_fds) < 0)
			return;
		d = &m->fds[m->n_fds++];
	}
	const char *local = ev->s[0], *peer = ev->s[1], *path = ev->s[2];
	d->type = (int) ev->i[1];
	/* the tracer writes "-" (or nothing) for an absent address */
	d->local = local && *local && strcmp(local, "-") ? model_intern(m, local) : NULL;
	d->peer = peer && *peer && strcmp(peer, "-") ? model_intern(m, peer) : NULL;
	d->path = path && *path && strcmp(path, "-") ? model_intern(m, path) : NULL;
	if (d->type != CPROF_FD_SOCKET && d->type != CPROF_FD_PIPE && d->type != CPROF_FD_CHAR &&
			d->type != CPROF_FD_EVENTFD && d->type != CPROF_FD_TIMERFD &&
			d->type != CPROF_FD_SIGNALFD && d->type != CPROF_FD_ANON)
		return;
	/* the wait object of a socket, pipe, terminal, eventfd... is its fd number */
	struct object *o = model_object_ref(m, (uint64_t) ev->i[0]);
	if (!o || (o->name && strncmp(o->name, "fd ", 3)))
		return;   /* a user-given name wins */
	char name[320];
	if (d->type != CPROF_FD_SOCKET) {
		/* named if something waits on it: "fd 5 pipe:[4123]", "fd 0 /dev/pts/2",
		 * "fd 7 anon_inode:[eventfd]" */
		snprintf(name, sizeof name, "fd %lld %s", (long long) ev->i[0],
			d->path ? d->path : d->type == CPROF_FD_PIPE ? "pipe" : "device");
		free(o->name);
		o->name = strdup(name);
		return;
	}
	if (!o->id && d->peer) {
		/* a connection is a sync_object even if nothing waits on it (the
		 * non-blocking sockets of event loops): the database then names the
		 * peers of every connection, not only of those waited on */
		o->id = ++m->object_id;
		o->kind = "socket";
	}
	if (d->peer)
		snprintf(name, sizeof name, "fd %lld %s → %s", (long long) ev->i[0],
			d->local ? d->local : "?", d->peer);
	else
		snprintf(name, sizeof name, "fd %lld %s", (long long) ev->i[0], d->local ? d->local : "socket");
	free(o->name);
	o->name = strdup(name);
}

/* cprof:net_end (i[5] = 0: the wait's state comes from block_begin/end),
 * cprof:net_wait (i[5] = kind: the whole wait in one event) and
 * cprof:net_wait_open (i[6] = tid: a wait still open at trace stop). */
static void on_net_end(struct conv_model *m, const struct conv_event *ev)
{
	int64_t dur = ev->i[4] > 0 ? ev->i[4] : 0;
	if (ev->i[6]) {
		model_self(m, ev);
		model_wait_open(m, (int32_t) ev->i[6], ev->pid, ev->ts - dur, (unsigned) ev->i[5],
			ev->i[1] >= 0 ? (uint64_t) ev->i[1] : 0);
		return;
	}
	/* the writer to the notify fd it read (a pipe, eventfd, socketpair or
	 * in-process connection; i[7]: its tid, i[8]: how long before this
	 * event it wrote); looked up first: a new thread's record may move the
	 * table t points into */
	int64_t wu = CONV_NULL, wts = CONV_NULL;
	if (ev->i[5] && ev->i[7] && ev->i[7] != ev->tid) {
		struct thread *w = model_thread_ref(m, (int32_t) ev->i[7], ev->pid);
		if (w) {
			wu = w->utid;
			wts = ev->ts - (ev->i[8] > 0 ? ev->i[8] : 0);
		}
	}
	struct thread *t = model_self(m, ev);
	if (t && ev->i[5] && !t->ended) {
		model_wait_whole(m, t, ev->ts, dur, (unsigned) ev->i[5],
			ev->i[1] >= 0 ? (uint64_t) ev->i[1] : 0,
			conv_stacks_intern(m->stacks, ev->seq, ev->seq_len), ev->i[3], wu, wts);
	}
	if (!t || conv_grow((void **) &m->nets, &m->cap_nets, m->n_nets + 1, sizeof *m->nets) < 0)
		return;
	uint64_t *i = conv_map_get(&m->by_fd, fd_key(ev->pid, ev->i[1]));
	const struct fd_desc *d = i ? &m->fds[*i] : NULL;
	const char *op = cprof_net_op_name((unsigned) ev->i[0]);
	m->nets[m->n_nets] = (struct net_row) { (int64_t) m->n_nets + 1, ev->ts - dur, dur, t->utid,
		ev->i[1], ev->i[2], ev->i[3], op ? op : "unknown", d ? d->local : NULL,
		d ? d->peer : NULL };
	m->n_nets++;
}

/* A socket closed while tracing: what the process moved on it through the
 * interposed calls, blocking or not - the only per-connection bytes of an
 * event loop, whose non-blocking calls are not recorded one by one. */
static void on_fd_close(struct conv_model *m, const struct conv_event *ev)
{
	struct thread *t = model_self(m, ev);
	uint64_t *i = conv_map_get(&m->by_fd, fd_key(ev->pid, ev->i[0]));
	const struct fd_desc *d = i ? &m->fds[*i] : NULL;
	if (!t || (d && d->type != CPROF_FD_SOCKET) ||
			conv_grow((void **) &m->conns, &m->cap_conns, m->n_conns + 1, sizeof *m->conns) < 0)
		return;
	m->conns[m->n_conns++] = (struct conn_row) { ev->ts, t->utid, ev->i[0], ev->i[3], ev->i[4],
		ev->i[5], d ? d->local : NULL, d ? d->peer : NULL };
}

void model_net_event(struct conv_model *m, const struct conv_event *ev)
{
	if (ev->type == EV_FD_CLOSE)
		on_fd_close(m, ev);
	else if (ev->type == EV_FD_INFO)
		on_fd_info(m, ev);
	else if (ev->type == EV_NET_END)
		on_net_end(m, ev);
}

int model_net_write(struct conv_model *m)
{
	int ret = 0;
	for (size_t k = 0; k < m->n_nets && !ret; k++) {
		const struct net_row *n = &m->nets[k];
		/* bytes only for the read/write family, and only on success */
		int moves = !strcmp(n->op, "read") || !strcmp(n->op, "readv") || !strncmp(n->op, "recv", 4) ||
			!strcmp(n->op, "write") || !strcmp(n->op, "writev") || !strncmp(n->op, "send", 4);
		int64_t bytes = moves && n->result >= 0 ? n->result : CONV_NULL;
		struct conv_val v[] = { VI(n->id), VI(n->ts), VI(n->dur), VI(n->utid), VI(n->fd), VT(n->op),
			VI(bytes), VI(n->result), VI(n->err ? n->err : CONV_NULL), VT(n->local), VT(n->peer) };
		ret = conv_writer_insert(m->w, "INSERT INTO net_io VALUES (?,?,?,?,?,?,?,?,?,?,?)", v, 11);
	}
	for (size_t k = 0; k < m->n_conns && !ret; k++) {
		const struct conn_row *c = &m->conns[k];
		struct conv_val v[] = { VI((int64_t) k + 1), VI(c->ts), VI(c->utid), VI(c->fd), VT(c->local),
			VT(c->peer), VI(c->bytes_in), VI(c->bytes_out), VI(c->ops) };
		ret = conv_writer_insert(m->w, "INSERT INTO net_connection VALUES (?,?,?,?,?,?,?,?,?)", v, 9);
	}
	return ret;
}
