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
	CPROF_WAIT_FUTEX = 13,          /* syscall(SYS_futex, FUTEX_WAIT...) */
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
	case CPROF_WAIT_FUTEX: return "futex";
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

/* What a file descriptor is (cprof:fd_info `type`).  Append only. */
enum cprof_fd_type {
	CPROF_FD_UNKNOWN = 0,
	CPROF_FD_FILE = 1,      /* regular file; path in `path` */
	CPROF_FD_DIR = 2,
	CPROF_FD_PIPE = 3,      /* pipe or FIFO */
	CPROF_FD_SOCKET = 4,    /* family/sotype/local/peer say which */
	CPROF_FD_CHAR = 5,      /* character device (tty, /dev/null...) */
	CPROF_FD_BLOCK = 6,
	CPROF_FD_EVENTFD = 7,
	CPROF_FD_EPOLL = 8,
	CPROF_FD_TIMERFD = 9,
	CPROF_FD_SIGNALFD = 10,
	CPROF_FD_ANON = 11,     /* other anonymous inode (pidfd, inotify...): see `path` */
	CPROF_FD_TYPE_MAX = 16
};

static inline const char *cprof_fd_type_name(unsigned type)
{
	static const char *const names[] = { "unknown", "file", "dir", "pipe", "socket",
		"char", "block", "eventfd", "epoll", "timerfd", "signalfd", "anon" };
	return type < sizeof names / sizeof names[0] ? names[type] : 0;
}

/* The libc call behind a cprof:net_end (`op`) or a cprof:fd_close.
 * Append only. */
enum cprof_net_op {
	CPROF_NET_READ = 1,
	CPROF_NET_READV = 2,
	CPROF_NET_RECV = 3,
	CPROF_NET_RECVFROM = 4,
	CPROF_NET_RECVMSG = 5,
	CPROF_NET_RECVMMSG = 6,
	CPROF_NET_WRITE = 7,
	CPROF_NET_WRITEV = 8,
	CPROF_NET_SEND = 9,
	CPROF_NET_SENDTO = 10,
	CPROF_NET_SENDMSG = 11,
	CPROF_NET_SENDMMSG = 12,
	CPROF_NET_ACCEPT = 13,
	CPROF_NET_ACCEPT4 = 14,
	CPROF_NET_CONNECT = 15,
	CPROF_NET_POLL = 16,
	CPROF_NET_PPOLL = 17,
	CPROF_NET_SELECT = 18,
	CPROF_NET_PSELECT = 19,
	CPROF_NET_EPOLL_WAIT = 20,
	CPROF_NET_EPOLL_PWAIT = 21,
	CPROF_NET_CLOSE = 22,
	CPROF_NET_SHUTDOWN = 23,
	CPROF_NET_SENDFILE = 24,
	CPROF_NET_SPLICE = 25,
	CPROF_NET_OP_MAX = 32
};

static inline const char *cprof_net_op_name(unsigned op)
{
	static const char *const names[] = { 0, "read", "readv", "recv", "recvfrom", "recvmsg",
		"recvmmsg", "write", "writev", "send", "sendto", "sendmsg", "sendmmsg", "accept",
		"accept4", "connect", "poll", "ppoll", "select", "pselect", "epoll_wait",
		"epoll_pwait", "close", "shutdown", "sendfile", "splice" };
	return op < sizeof names / sizeof names[0] ? names[op] : 0;
}

/* Why a cprof:fd_info was emitted (`origin`). */
enum cprof_fd_origin {
	CPROF_FD_ORIGIN_DUMP = 0,       /* open at trace start */
	CPROF_FD_ORIGIN_FIRST_USE = 1,  /* first event naming the fd in this trace */
	CPROF_FD_ORIGIN_ACCEPT = 2,
	CPROF_FD_ORIGIN_CONNECT = 3
};

#endif
