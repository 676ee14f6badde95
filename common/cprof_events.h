/* cprof_events.h: the vocabulary shared by the tracer and the converter.
 *
 * Wait kinds travel in the `kind` field of cprof:block_begin / block_end /
 * wake and cprof:thread_status; the converter maps them to the `reason`
 * strings of schema/README.md.  Values are part of the trace format: never
 * renumber, only append.  No domain logic lives here. */
#ifndef CPROF_EVENTS_H
#define CPROF_EVENTS_H

/* trace.out format version written in cprof/FORMAT; bump on incompatible
 * changes of the event catalog or the archive layout. */
#define CPROF_TRACE_FORMAT 1

enum cprof_wait_kind {
	CPROF_WAIT_NONE = 0,
	CPROF_WAIT_MUTEX = 1,
	CPROF_WAIT_RWLOCK_READ = 2,
	CPROF_WAIT_RWLOCK_WRITE = 3,
	CPROF_WAIT_COND = 4,
	CPROF_WAIT_SEM = 5,
	CPROF_WAIT_JOIN = 6,
	CPROF_WAIT_BARRIER = 7,
	CPROF_WAIT_SPIN = 8,
	CPROF_WAIT_CHAN_SEND = 9,
	CPROF_WAIT_CHAN_RECV = 10,
	CPROF_WAIT_SELECT = 11,
	CPROF_WAIT_USER = 12,
	CPROF_WAIT_NET_READ = 20,
	CPROF_WAIT_NET_WRITE = 21,
	CPROF_WAIT_NET_ACCEPT = 22,
	CPROF_WAIT_NET_CONNECT = 23,
	CPROF_WAIT_NET_POLL = 24,
	CPROF_WAIT_SLEEP = 30,
	CPROF_WAIT_SYSCALL = 40,
	CPROF_WAIT_KIND_MAX = 64
};

/* Reason string of a wait kind as the schema spells it; NULL if unknown. */
static inline const char *cprof_wait_kind_name(unsigned kind)
{
	switch (kind) {
	case CPROF_WAIT_MUTEX: return "mutex";
	case CPROF_WAIT_RWLOCK_READ: return "rwlock_read";
	case CPROF_WAIT_RWLOCK_WRITE: return "rwlock_write";
	case CPROF_WAIT_COND: return "cond";
	case CPROF_WAIT_SEM: return "sem";
	case CPROF_WAIT_JOIN: return "join";
	case CPROF_WAIT_BARRIER: return "barrier";
	case CPROF_WAIT_SPIN: return "spin";
	case CPROF_WAIT_CHAN_SEND: return "chan_send";
	case CPROF_WAIT_CHAN_RECV: return "chan_recv";
	case CPROF_WAIT_SELECT: return "select";
	case CPROF_WAIT_USER: return "user";
	case CPROF_WAIT_NET_READ: return "net_read";
	case CPROF_WAIT_NET_WRITE: return "net_write";
	case CPROF_WAIT_NET_ACCEPT: return "net_accept";
	case CPROF_WAIT_NET_CONNECT: return "net_connect";
	case CPROF_WAIT_NET_POLL: return "net_poll";
	case CPROF_WAIT_SLEEP: return "sleep";
	case CPROF_WAIT_SYSCALL: return "syscall";
	default: return 0;
	}
}

/* Thread state a wait kind puts a thread in (schema thread_state.state). */
static inline const char *cprof_wait_kind_state(unsigned kind)
{
	if (kind >= CPROF_WAIT_NET_READ && kind <= CPROF_WAIT_NET_POLL)
		return "net";
	if (kind == CPROF_WAIT_SLEEP)
		return "sleep";
	if (kind == CPROF_WAIT_SYSCALL)
		return "syscall";
	return "blocked";
}

#endif
