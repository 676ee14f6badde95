/* fdtable.c: what each file descriptor is, for the I/O interposers.
 *
 * The wrappers that create, copy and close fds keep the table current
 * (wrap_net.c, wrap_sys.c); fds they did not see (inherited, opened inside
 * libc or by raw syscalls) are classified with fstat on first use.  Labels
 * (addresses, paths) are not cached: they are computed when a cprof:fd_info
 * is emitted, at most once per fd and trace ("epoch"), on slow paths.
 * Everything here preserves errno and runs with the recursion guard held
 * around any call that could reach an interposer. */
#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "wrap_io.h"
#include "cprof_tp.h"

struct cprof_fd *cprof_fd_chunks[CPROF_FD_CHUNKS];
volatile uint32_t cprof_fd_epoch;
volatile int cprof_fd_epoch_live;
uint64_t cprof_span_min_ns = 20000;

void *cprof_io_resolve(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);
	if (!p) {
		cprof_tls_guard++;
		cprof_log("cannot find the real %s; calls to it fail with ENOSYS", name);
		cprof_tls_guard--;
		__atomic_fetch_add(&cprof_internal_errors, 1, __ATOMIC_RELAXED);
	}
	return p;
}

__attribute__((constructor)) static void fdtable_init(void)
{
	const char *v = getenv("CPROF_SYSCALL_MIN_US");
	if (v && *v) {
		char *end;
		unsigned long us = strtoul(v, &end, 10);
		if (*end || us > 60000000ul) {
			cprof_tls_guard++;
			cprof_log("CPROF_SYSCALL_MIN_US=%s is not a number of microseconds (0..60000000), "
				"using 20", v);
			cprof_tls_guard--;
		} else {
			cprof_span_min_ns = us * 1000u;
		}
	}
}

void *cprof_chunk_get(void **slot, size_t bytes)
{
	void *c = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (c)
		return c;
	/* mmap, not malloc: no dependency on the (interposed) allocator. */
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	if (__atomic_compare_exchange_n(slot, &c, m, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return m;
	munmap(m, bytes);          /* another thread's came first */
	return c;
}

struct cprof_fd *cprof_fd_get(int fd)
{
	if ((unsigned)fd >= CPROF_FD_CHUNK * CPROF_FD_CHUNKS)
		return NULL;
	struct cprof_fd **slot = &cprof_fd_chunks[(unsigned)fd >> CPROF_FD_CHUNK_BITS];
	struct cprof_fd *c = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (!c) {
		int saved = errno;
		c = cprof_chunk_get((void **)slot, sizeof(struct cprof_fd) * CPROF_FD_CHUNK);
		if (!c) {
			cprof_tls_guard++;
			cprof_internal_error("fd table allocation", errno);
			cprof_tls_guard--;
		}
		errno = saved;
		if (!c)
			return NULL;
	}
	return &c[fd & (CPROF_FD_CHUNK - 1)];
}

static int type_of_mode(mode_t m)
{
	if (S_ISSOCK(m))
		return CPROF_FD_SOCKET;
	if (S_ISREG(m))
		return CPROF_FD_FILE;
	if (S_ISDIR(m))
		return CPROF_FD_DIR;
	if (S_ISFIFO(m))
		return CPROF_FD_PIPE;
	if (S_ISCHR(m))
		return CPROF_FD_CHAR;
	if (S_ISBLK(m))
		return CPROF_FD_BLOCK;
	return CPROF_FD_ANON;           /* anon inodes have no file type bits */
}

static int anon_type(const char *path)
{
	static const struct { const char *name; int type; } kinds[] = {
		{ "anon_inode:[eventfd]", CPROF_FD_EVENTFD },
		{ "anon_inode:[eventpoll]", CPROF_FD_EPOLL },
		{ "anon_inode:[timerfd]", CPROF_FD_TIMERFD },
		{ "anon_inode:[signalfd]", CPROF_FD_SIGNALFD },
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(path, kinds[i].name))
			return kinds[i].type;
	return CPROF_FD_ANON;
}

/* An anonymous inode's kind, from its /proc/self/fd link; *notify: an
 * inotify or fanotify fd */
static int anon_type_of(int fd, int *notify)
{
	char link[32], path[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	path[n > 0 ? n : 0] = 0;
	*notify = !strcmp(path, "anon_inode:inotify") || !strcmp(path, "anon_inode:[fanotify]");
	return n > 0 ? anon_type(path) : CPROF_FD_ANON;
}

/* Sets or clears an entry flag: atomically, as other bits of the byte
 * (the notify key's, cprof_fd_notify_key) change from other threads. */
static inline void entry_flag(struct cprof_fd *e, uint8_t flag, int on)
{
	if (on)
		__atomic_or_fetch(&e->flags, flag, __ATOMIC_RELAXED);
	else
		__atomic_and_fetch(&e->flags, (uint8_t)~flag, __ATOMIC_RELAXED);
}

int cprof_fd_classify(int fd)
{
	struct stat st;
	int saved = errno, type;
	if (fstat(fd, &st) != 0) {
		errno = saved;
		return CPROF_FD_UNKNOWN;
	}
	type = type_of_mode(st.st_mode);
	struct cprof_fd *e = cprof_fd_get(fd);
	if (e) {
		if (type == CPROF_FD_SOCKET) {
			int v = 0;
			socklen_t len = sizeof v;
			if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0)
				e->family = (uint16_t)v;
			len = sizeof v;
			if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0)
				e->sotype = (uint8_t)v;
		}
		if (type == CPROF_FD_CHAR) {
			/* a terminal (raw syscall: no interposer in the way) */
			struct termios tio;
			int tty = syscall(SYS_ioctl, fd, TCGETS, &tio) == 0;
			entry_flag(e, CPROF_FDF_TTY, tty);
		}
		if (type == CPROF_FD_ANON) {
			/* an eventfd, timerfd, signalfd, inotify...: their reads wait */
			int notify;
			type = anon_type_of(fd, &notify);
			entry_flag(e, CPROF_FDF_NOTIFY, notify);
		}
		e->type = (uint8_t)type;
	}
	errno = saved;
	return type;
}

int cprof_fd_nonblocking(int fd)
{
	struct cprof_fd *e = cprof_fd_peek(fd);
	if (e && (e->flags & CPROF_FDF_NB_KNOWN))
		return (e->flags & CPROF_FDF_NONBLOCK) != 0;
	int saved = errno;
	/* raw syscall: fcntl is interposed */
	long fl = syscall(SYS_fcntl, fd, F_GETFL);
	errno = saved;
	if (fl < 0)
		return 0;
	cprof_fd_set_flag(fd, CPROF_FDF_NONBLOCK, (fl & O_NONBLOCK) != 0);
	return (fl & O_NONBLOCK) != 0;
}

void cprof_fd_set_flag(int fd, uint8_t flag, int on)
{
	struct cprof_fd *e = cprof_fd_get(fd);
	if (!e)
		return;
	if (flag == CPROF_FDF_NONBLOCK)
		entry_flag(e, CPROF_FDF_NB_KNOWN, 1);
	entry_flag(e, flag, on);
}

/* The epoll fds with notify keys (fd + 1, 0: free): a pipe, eventfd or
 * socketpair end closed leaves its epoll sets (the kernel drops it, no
 * EPOLL_CTL_DEL needed), so its key must leave theirs - else a new fd of
 * the same number or inode would name its writers the wakers of waits it
 * is not in, and the 4 keys of a set fill up for good. */
#define EP_FDS 64
static volatile int ep_fds[EP_FDS];
/* the program's epoll_event.data of each key of a listed set (row: its
 * ep_listed - 1): what epoll_wait returns when that member fires */
static volatile uint64_t ep_data[EP_FDS][CPROF_EP_KEYS];

static void ep_key_drop(struct cprof_fd *ep, uint32_t k)
{
	for (int i = 0; i < CPROF_EP_KEYS; i++) {
		uint32_t v = k;
		/* a load first: most sets do not hold it (no locked write to
		 * another set's line) */
		if (__atomic_load_n(&ep->ep_keys[i], __ATOMIC_RELAXED) == k)
			__atomic_compare_exchange_n(&ep->ep_keys[i], &v, 0, 0, __ATOMIC_RELAXED,
				__ATOMIC_RELAXED);
	}
}

/* Lists epoll fd ep in the first `rows` rows of ep_fds (a set with pending
 * members only takes one of the first half: sets of listeners and
 * connections from elsewhere must not crowd out those with pipes and
 * eventfds). */
static void ep_list(int epfd, struct cprof_fd *ep, int rows)
{
	if (ep->ep_listed)
		return;
	for (int i = 0; i < rows; i++) {
		int none = 0;
		if (__atomic_compare_exchange_n(&ep_fds[i], &none, epfd + 1, 0, __ATOMIC_RELAXED,
				__ATOMIC_RELAXED)) {
			ep->ep_listed = (uint16_t)(i + 1);
			return;
		}
	}
	/* more than EP_FDS epoll sets with notify fds: the others keep the
	 * keys of members closed without EPOLL_CTL_DEL */
}

/* fd is closed or replaced: its key leaves the listed epoll sets; an
 * epoll fd leaves the list. */
static void fd_unkey(int fd, struct cprof_fd *e)
{
	/* a pipe's write end shares the read end's key: only the read end,
	 * the one in epoll sets, takes it out (still open here) */
	int saved = errno;
	int pending = (e->flags & CPROF_FDF_EP_PENDING) != 0;
	if (io_unlikely(pending || (e->wkey && (e->type != CPROF_FD_PIPE ||
			(syscall(SYS_fcntl, fd, F_GETFL) & O_ACCMODE) == O_RDONLY))))
		for (int i = 0; i < EP_FDS; i++) {
			int v = __atomic_load_n(&ep_fds[i], __ATOMIC_RELAXED);
			struct cprof_fd *ep = v ? cprof_fd_peek(v - 1) : NULL;
			if (!ep || !ep->ep_listed)
				continue;
			if (e->wkey)
				ep_key_drop(ep, e->wkey);
			if (pending)
				ep_key_drop(ep, CPROF_KEY_PENDING | (uint32_t)fd);
		}
	if (io_unlikely(e->ep_listed)) {
		int v = fd + 1;
		__atomic_compare_exchange_n(&ep_fds[e->ep_listed - 1], &v, 0, 0, __ATOMIC_RELAXED,
			__ATOMIC_RELAXED);
		e->ep_listed = 0;
	}
	errno = saved;
}

/* Set once cprof's constructor has run: fds made before (by lttng-ust's
 * constructor among others) are never taken for the program's. */
int cprof_fd_program_ready;

void cprof_fd_created(int fd, int type, int family, int sotype, int nonblock)
{
	struct cprof_fd *e = cprof_fd_get(fd);
	if (!e)
		return;
	e->type = (uint8_t)type;
	e->family = (uint16_t)family;
	e->sotype = (uint8_t)sotype;
	e->flags = nonblock < 0 ? 0 : (uint8_t)(CPROF_FDF_NB_KNOWN | (nonblock ? CPROF_FDF_NONBLOCK : 0));
	if (__atomic_load_n(&cprof_fd_program_ready, __ATOMIC_RELAXED) && !cprof_tls_guard &&
			!cprof_tls_ignored)
		e->flags |= CPROF_FDF_PROGRAM;
	e->bytes_in = e->bytes_out = e->ops = 0;
	e->wkey = 0;
	for (int i = 0; i < CPROF_EP_KEYS; i++)
		e->ep_keys[i] = 0;
	/* (ep_listed stays with the number: cprof_fd_closed unlists it) */
	__atomic_fetch_add(&e->gen, 1, __ATOMIC_RELEASE);
}

void cprof_fd_copied(int from, int to)
{
	struct cprof_fd *s = cprof_fd_peek(from), *old = cprof_fd_peek(to);
	if (from == to)
		return;
	if (old)
		fd_unkey(to, old);      /* dup2 over an open fd closes it */
	if (s && (s->type == CPROF_FD_CHAR || s->type == CPROF_FD_ANON))
		cprof_fd_created(to, CPROF_FD_UNKNOWN, 0, 0, -1);      /* a terminal? inotify? classify */
	else if (s && s->type) {
		cprof_fd_created(to, s->type, s->family, s->sotype,
			(s->flags & CPROF_FDF_NB_KNOWN) ? (s->flags & CPROF_FDF_NONBLOCK) != 0 : -1);
		struct cprof_fd *d = cprof_fd_peek(to);
		if (d) {
			d->wkey = s->wkey;      /* the same pipe, eventfd, socketpair end */
			int keyed = 0;          /* or epoll set */
			for (int i = 0; i < CPROF_EP_KEYS; i++)
				keyed |= (d->ep_keys[i] = s->ep_keys[i]) != 0;
			if (keyed)
				ep_list(to, d, EP_FDS);
			for (int i = 0; keyed && d->ep_listed && s->ep_listed && i < CPROF_EP_KEYS; i++)
				ep_data[d->ep_listed - 1][i] = ep_data[s->ep_listed - 1][i];
		}
	} else
		cprof_fd_created(to, CPROF_FD_UNKNOWN, 0, 0, -1);
}

void cprof_fd_closed(int fd)
{
	struct cprof_fd *e = cprof_fd_peek(fd);
	if (!e)
		return;
	fd_unkey(fd, e);
	if (e->type || e->flags)
		cprof_fd_created(fd, CPROF_FD_UNKNOWN, 0, 0, -1);
}

/* ---- TCP connections within the process ------------------------------------
 * Both ends of a loopback TCP connection may be this process's (a server
 * and its in-process client or backend): then a write to one wakes a reader
 * of the other, as through a socketpair.  Which ends are the process's is
 * learnt during captures, once per socket (getsockname, getpeername): each
 * loopback end enters its addresses in `lb` and looks for its peer's end
 * there - the second end of a pair to look finds the first, and both get
 * their keys. */
#define LB_SLOTS 256
#define LB_BUSY 2                       /* an entry being written (hashes are odd) */
static struct lb_end {
	volatile uint64_t addr;         /* its local address's hash, 0: free */
	volatile uint64_t peer;         /* its peer's */
	volatile int32_t fd;
	volatile uint32_t gen;          /* the fd's gen then: a reused fd is not it */
} lb[LB_SLOTS];

static uint64_t addr_hash(const struct sockaddr_storage *ss)
{
	uint64_t h = 1469598103934665603ull;
	const uint8_t *p;
	size_t n;
	uint16_t port;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;
		p = (const uint8_t *)&in->sin_addr;
		n = 4;
		port = in->sin_port;
	} else {
		const struct sockaddr_in6 *in6 = (const void *)ss;
		p = (const uint8_t *)&in6->sin6_addr;
		n = 16;
		port = in6->sin6_port;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	h = (h ^ port) * 1099511628211ull;
	return h | 1;
}

static int is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
			(IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

/* The key of the end whose local address hashes to `me` of the connection
 * (me, peer): the two ends get base and base | 1 (cprof_notify_partner). */
static uint32_t tcp_end_key(uint64_t me, uint64_t peer)
{
	uint64_t lo = me < peer ? me : peer, hi = me < peer ? peer : me;
	uint32_t base = 0x40000000u | ((uint32_t)((lo * 31 + hi) >> 35) & 0x1ffffffeu);
	return me == lo ? base : base | 1;
}

static uint32_t tcp_pair_key(int fd, struct cprof_fd *e)
{
	struct sockaddr_storage me, peer;
	socklen_t ml = sizeof me, pl = sizeof peer;
	int saved = errno;
	int ok = getsockname(fd, (struct sockaddr *)&me, &ml) == 0 &&
		getpeername(fd, (struct sockaddr *)&peer, &pl) == 0;
	if (!ok && errno == ENOTCONN) {
		/* not connected yet (asked again later), or a listener (never) */
		int lst = 0;
		socklen_t ll = sizeof lst;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &lst, &ll) == 0 && !lst)
			entry_flag(e, CPROF_FDF_WKEY_DONE, 0);
	}
	errno = saved;
	if (!ok || !is_loopback(&me) || !is_loopback(&peer))
		return 0;
	uint64_t mh = addr_hash(&me), ph = addr_hash(&peer);
	uint32_t gen = __atomic_load_n(&e->gen, __ATOMIC_ACQUIRE);
	/* the other end of this connection, if this process has it: both get
	 * their key (its local address is my peer's and its peer mine: the
	 * accepted ends of one listener share their local address) */
	for (int i = 0, s = (int)(ph % LB_SLOTS); i < 8; i++, s = (s + 1) % LB_SLOTS) {
		if (__atomic_load_n(&lb[s].addr, __ATOMIC_ACQUIRE) != ph || lb[s].peer != mh)
			continue;
		int pfd = lb[s].fd;
		uint32_t pgen = lb[s].gen;
		struct cprof_fd *pe = cprof_fd_peek(pfd);
		uint64_t a = ph;
		if (!pe || pfd == fd || __atomic_load_n(&pe->gen, __ATOMIC_ACQUIRE) != pgen ||
				pe->type != CPROF_FD_SOCKET ||
				!__atomic_compare_exchange_n(&lb[s].addr, &a, 0, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_RELAXED))
			continue;       /* (taken: paired by another thread) */
		__atomic_store_n(&pe->wkey, tcp_end_key(ph, mh), __ATOMIC_RELEASE);
		entry_flag(pe, CPROF_FDF_WKEY_DONE, 1);
		return tcp_end_key(mh, ph);
	}
	/* not yet (or not this process's): this end waits there for its peer,
	 * in a free slot or one whose fd was closed or reused since */
	for (int i = 0, s = (int)(mh % LB_SLOTS); i < 8; i++, s = (s + 1) % LB_SLOTS) {
		uint64_t a = __atomic_load_n(&lb[s].addr, __ATOMIC_ACQUIRE);
		if (a == LB_BUSY)
			continue;
		if (a) {
			struct cprof_fd *oe = cprof_fd_peek(lb[s].fd);
			if (oe && __atomic_load_n(&oe->gen, __ATOMIC_ACQUIRE) == lb[s].gen &&
					oe->type == CPROF_FD_SOCKET)
				continue;       /* a live end waits there */
		}
		if (!__atomic_compare_exchange_n(&lb[s].addr, &a, LB_BUSY, 0, __ATOMIC_ACQ_REL,
				__ATOMIC_RELAXED))
			continue;
		lb[s].peer = ph;
		lb[s].fd = fd;
		lb[s].gen = gen;
		__atomic_store_n(&lb[s].addr, mh, __ATOMIC_RELEASE);
		break;
	}
	return 0;
}

uint32_t cprof_fd_notify_key(int fd)
{
	int type = cprof_fd_type(fd);
	struct cprof_fd *e = cprof_fd_peek(fd);
	if (!e)
		return 0;
	uint32_t k = __atomic_load_n(&e->wkey, __ATOMIC_ACQUIRE);
	if (k)
		return k;
	if (type == CPROF_FD_SOCKET) {
		/* a socketpair's ends have theirs from birth; a TCP socket's is
		 * looked for once, during a capture */
		if (!cprof_tracing || (e->flags & CPROF_FDF_WKEY_DONE))
			return 0;
		entry_flag(e, CPROF_FDF_WKEY_DONE, 1);
		if ((e->sotype && e->sotype != SOCK_STREAM) ||
				(e->family && e->family != AF_INET && e->family != AF_INET6))
			return 0;
		k = tcp_pair_key(fd, e);
		if (k)
			__atomic_store_n(&e->wkey, k, __ATOMIC_RELEASE);
		return __atomic_load_n(&e->wkey, __ATOMIC_ACQUIRE);
	}
	if (type == CPROF_FD_EVENTFD) {
		e->wkey = k = 0x80000000u | (uint32_t)fd;
		return k;
	}
	if (type != CPROF_FD_PIPE)
		return 0;
	/* once per pipe end: both ends have the pipe's inode */
	struct stat st;
	int saved = errno;
	int r = fstat(fd, &st);
	errno = saved;
	if (r != 0 || !S_ISFIFO(st.st_mode))
		return 0;
	k = 1 + (uint32_t)(st.st_ino % 0x1ffffffeu);
	e->wkey = k;
	return k;
}

void cprof_fd_pair_keyed(const int sv[2])
{
	static uint32_t seq;
	/* one key per end (a send on one wakes the other's readers) */
	uint32_t k = 0x40000000u | ((__atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED) << 1) & 0x1ffffffeu);
	for (int i = 0; i < 2; i++) {
		struct cprof_fd *e = cprof_fd_peek(sv[i]);
		if (e)
			e->wkey = k | (uint32_t)i;
	}
}

/* A socket that may be one end of an in-process TCP connection. */
static int tcp_capable(const struct cprof_fd *m)
{
	return m->type == CPROF_FD_SOCKET && (!m->sotype || m->sotype == SOCK_STREAM) &&
		(!m->family || m->family == AF_INET || m->family == AF_INET6);
}

void cprof_fd_epoll_track(int epfd, int op, int fd, uint32_t events, uint64_t data)
{
	uint32_t k = cprof_fd_notify_key(fd);
	uint32_t pend = CPROF_KEY_PENDING | (uint32_t)fd;
	struct cprof_fd *m = k ? NULL : cprof_fd_peek(fd);
	if (!k && m && tcp_capable(m) && fd < (1 << 20))
		k = pend;       /* its key is looked for by the set's waits */
	struct cprof_fd *e = k ? cprof_fd_get(epfd) : NULL;
	if (!e)
		return;
	int in = (op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && (events & (EPOLLIN | EPOLLRDNORM));
	if (in)
		ep_list(epfd, e, k == pend ? EP_FDS / 2 : EP_FDS);     /* (a row for the members' data) */
	for (int i = 0; i < CPROF_EP_KEYS; i++) {
		uint32_t v = __atomic_load_n(&e->ep_keys[i], __ATOMIC_RELAXED);
		if (v == k || v == pend) {
			if (!in) {
				/* (a wait may turn pending into known meanwhile) */
				while ((v == k || v == pend) && !__atomic_compare_exchange_n(&e->ep_keys[i],
						&v, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
					;
			} else if (e->ep_listed) {
				__atomic_store_n(&ep_data[e->ep_listed - 1][i], data, __ATOMIC_RELAXED);
			}
			return;
		}
	}
	/* a pending member is only kept in a listed set: closing it must find
	 * the set, or its number's next owner would be looked up there */
	if (k == pend && !e->ep_listed)
		return;
	/* a free place; a known key may take a pending one's (most often a
	 * connection from outside the process, whose key never comes) */
	for (int pass = 0; in && pass < 2; pass++)
		for (int i = 0; i < CPROF_EP_KEYS; i++) {
			uint32_t v = __atomic_load_n(&e->ep_keys[i], __ATOMIC_RELAXED);
			if (pass == 0 ? v != 0 : (k == pend || (v & CPROF_KEY_PENDING) != CPROF_KEY_PENDING))
				continue;
			if (__atomic_compare_exchange_n(&e->ep_keys[i], &v, k, 0, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED)) {
				if (e->ep_listed)
					__atomic_store_n(&ep_data[e->ep_listed - 1][i], data, __ATOMIC_RELAXED);
				if (k == pend)
					entry_flag(m, CPROF_FDF_EP_PENDING, 1);
				return;
			}
		}
	/* more notify fds in one epoll set than kept: the others' writers
	 * are not named */
}

uint32_t cprof_fd_ep_key(struct cprof_fd *ep, int i, uint32_t k)
{
	if ((k & CPROF_KEY_PENDING) != CPROF_KEY_PENDING)
		return k;
	uint32_t key = cprof_fd_notify_key((int)(k & 0xfffffu));
	if (key)        /* known now: kept (data and place unchanged) */
		__atomic_compare_exchange_n(&ep->ep_keys[i], &k, key, 0, __ATOMIC_RELAXED,
			__ATOMIC_RELAXED);
	return key;
}

int cprof_fd_epoll_fired(int epfd, const struct epoll_event *ev, int n, uint32_t *keys, int max)
{
	struct cprof_fd *e = cprof_fd_peek(epfd);
	if (!e || !e->ep_listed)
		return -1;
	const volatile uint64_t *row = ep_data[e->ep_listed - 1];
	int got = 0;
	for (int i = 0; i < CPROF_EP_KEYS && got < max; i++) {
		uint32_t k = __atomic_load_n(&e->ep_keys[i], __ATOMIC_RELAXED);
		if (!k || (k & CPROF_KEY_PENDING) == CPROF_KEY_PENDING)
			continue;
		uint64_t d = __atomic_load_n(&row[i], __ATOMIC_RELAXED);
		for (int j = 0; j < n; j++)
			if (ev[j].data.u64 == d && (ev[j].events & (EPOLLIN | EPOLLRDNORM | EPOLLHUP | EPOLLERR))) {
				keys[got++] = k;
				break;
			}
	}
	return got;
}

/* ---- labels ---------------------------------------------------------------- */

static void fmt_addr(const struct sockaddr *sa, socklen_t len, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN];
	out[0] = 0;
	if (!sa || len < sizeof(sa_family_t))
		return;
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const void *)sa;
		if (len >= sizeof *in && inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip))
			snprintf(out, n, "%s:%u", ip, ntohs(in->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		if (len >= sizeof *in6 && inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip))
			snprintf(out, n, "[%s]:%u", ip, ntohs(in6->sin6_port));
		break;
	}
	case AF_UNIX: {
		const struct sockaddr_un *un = (const void *)sa;
		size_t plen = len > offsetof(struct sockaddr_un, sun_path) ?
			len - offsetof(struct sockaddr_un, sun_path) : 0;
		if (plen > sizeof un->sun_path)
			plen = sizeof un->sun_path;
		if (plen == 0)
			break;
		if (un->sun_path[0] == 0)       /* abstract: "@name" (NULs shown as @) */
			snprintf(out, n, "@%.*s", (int)(plen - 1), un->sun_path + 1);
		else
			snprintf(out, n, "%.*s", (int)strnlen(un->sun_path, plen), un->sun_path);
		break;
	}
	default:
		snprintf(out, n, "family=%u", sa->sa_family);
	}
}

/* Emits fd_info for fd (guard held by the caller). */
static void emit_info(int fd, uint8_t origin, const struct sockaddr *peer, socklen_t peer_len)
{
	char local[128] = "", remote[128] = "", path[512] = "";
	struct cprof_fd *e = cprof_fd_get(fd);
	int type = e && e->type ? e->type : cprof_fd_classify(fd);
	uint16_t family = 0;
	uint8_t sotype = 0;
	if (type == CPROF_FD_UNKNOWN)
		return;                 /* not an open fd */
	if (type == CPROF_FD_SOCKET) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			fmt_addr((struct sockaddr *)&ss, len, local, sizeof local);
		if (peer && peer_len) {
			fmt_addr(peer, peer_len, remote, sizeof remote);
		} else {
			len = sizeof ss;
			if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
				fmt_addr((struct sockaddr *)&ss, len, remote, sizeof remote);
		}
		if (e) {
			family = e->family;
			sotype = e->sotype;
		}
	} else {
		char link[32];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, path, sizeof path - 1);
		path[n > 0 ? n : 0] = 0;
		if (type == CPROF_FD_ANON || type == CPROF_FD_EVENTFD || type == CPROF_FD_EPOLL ||
				type == CPROF_FD_TIMERFD || type == CPROF_FD_SIGNALFD) {
			type = anon_type(path);
			if (e)
				e->type = (uint8_t)type;
		}
	}
	/* "-", not "": babeltrace2 2.0.4 shows an empty string field as the
	 * previous event's value */
	lttng_ust_tracepoint(cprof, fd_info, fd, (uint8_t)type, origin, family, sotype,
		local[0] ? local : "-", remote[0] ? remote : "-", path[0] ? path : "-");
	if (e) {
		e->info_gen = e->gen;
		e->info_epoch = cprof_fd_epoch;
	}
}

/* ---- epochs ------------------------------------------------------------------ */

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* fd_info for every open fd, counters reset (guard held). */
static void dump_fds(void)
{
	char buf[4096];
	int dfd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd",
		O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	for (;;) {
		long n = syscall(SYS_getdents64, dfd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			off += d->d_reclen;
			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			int fd = atoi(d->d_name);
			if (fd == dfd)
				continue;
			struct cprof_fd *e = cprof_fd_peek(fd);
			if (e)
				e->bytes_in = e->bytes_out = e->ops = 0;
			emit_info(fd, CPROF_FD_ORIGIN_DUMP, NULL, 0);
		}
	}
	close(dfd);
}

static void start_epoch(void)
{
	int saved = errno;
	cprof_tls_guard++;
	__atomic_fetch_add(&cprof_fd_epoch, 1, __ATOMIC_ACQ_REL);
	if (lttng_ust_tracepoint_enabled(cprof, fd_info))
		dump_fds();
	cprof_tls_guard--;
	errno = saved;
}

void cprof_fdtable_on_trace_start(void)
{
	__atomic_store_n(&cprof_fd_epoch_live, 1, __ATOMIC_RELEASE);
	start_epoch();
}

void cprof_fdtable_on_trace_stop(void)
{
	__atomic_store_n(&cprof_fd_epoch_live, 0, __ATOMIC_RELEASE);
	int saved = errno;
	cprof_tls_guard++;
	cprof_net_waits_report_open();
	cprof_tls_guard--;
	errno = saved;
}

/* Starts the epoch if the capture has none yet (core.c did not call the
 * start hook). */
static void epoch_ensure(void)
{
	int live = 0;
	if (!__atomic_load_n(&cprof_fd_epoch_live, __ATOMIC_ACQUIRE) &&
			__atomic_compare_exchange_n(&cprof_fd_epoch_live, &live, 1, 0,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		start_epoch();
}

void cprof_fd_info_ensure(int fd)
{
	if (!cprof_tracing || !lttng_ust_tracepoint_enabled(cprof, fd_info))
		return;
	epoch_ensure();
	struct cprof_fd *e = cprof_fd_get(fd);
	if (e && e->info_epoch == cprof_fd_epoch && e->info_gen == e->gen)
		return;
	if (e && __atomic_exchange_n(&e->busy, 1, __ATOMIC_ACQUIRE))
		return;         /* another thread is emitting it right now */
	int saved = errno;
	cprof_tls_guard++;
	emit_info(fd, CPROF_FD_ORIGIN_FIRST_USE, NULL, 0);
	cprof_tls_guard--;
	errno = saved;
	if (e)
		__atomic_store_n(&e->busy, 0, __ATOMIC_RELEASE);
}

void cprof_fd_info_emit(int fd, uint8_t origin, const struct sockaddr *peer, socklen_t peer_len)
{
	if (!cprof_tracing || !lttng_ust_tracepoint_enabled(cprof, fd_info))
		return;
	epoch_ensure();
	int saved = errno;
	cprof_tls_guard++;
	emit_info(fd, origin, peer, peer_len);
	cprof_tls_guard--;
	errno = saved;
}

void cprof_fd_close_emit(int fd, uint8_t op, int err, uint64_t in, uint64_t out, uint64_t ops)
{
	if (!cprof_tracing || !lttng_ust_tracepoint_enabled(cprof, fd_close))
		return;
	int saved = errno;
	cprof_tls_guard++;
	lttng_ust_do_tracepoint(cprof, fd_close, fd, op, err, in, out, ops);
	cprof_tls_guard--;
	errno = saved;
}
