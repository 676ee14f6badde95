/* notify_wakers: threads woken through a pipe or an eventfd by another
 * thread's write must name that thread their waker, as a lock's waiters
 * name the unlocker.  Five pairs, each a waiter and its writer (which
 * sleeps WAIT_MS, then writes), ROUNDS times (default 3) in one capture:
 *   ev-epoll   epoll_wait on an eventfd, then eventfd_read  <- ev-epoll-w (eventfd_write)
 *   ev-read    eventfd_read (blocking)                      <- ev-read-w (write)
 *   pipe-poll  poll on a pipe, then read                    <- pipe-poll-w (write)
 *   pipe-sel   select on a pipe, then read                  <- pipe-sel-w (writev)
 *   pipe-read  read of a pipe (blocking)                    <- pipe-read-w (write)
 *   sp-epoll   epoll_wait on a non-blocking socketpair end  <- sp-epoll-w (send)
 *              (asyncio's self-pipe), then recv
 *   tcp-a      read of a loopback TCP connection            <- tcp-a-w (write to
 *              the other end, also this process's)
 *   tcp-b      the same, a second connection to the same listener <- tcp-b-w; the
 *              server ends learn their keys first, then tcp-b's client end,
 *              then tcp-a's (each must pair with its own connection's end)
 *   dir        read of a socketpair end                     <- nobody: dir-w sends a
 *              command on that same end (to the other end) and the answer
 *              comes by a raw write(2) cprof does not see
 *   poll-oth   poll on an eventfd and a pipe                <- nobody: poll-oth-w
 *              adds 0 to the eventfd (no wake), then wakes the poll by a
 *              raw write(2) to the pipe
 *   ep-oth     the same with epoll_wait, the raw write 1 ms after the 0
 *              (epoll's events carry the program's data: matched to the
 *              eventfd's and the pipe's as given to epoll_ctl)
 *   tcp-ep     epoll_wait on a set holding a third connection's end, added
 *              before the capture (its key is not known then), then read
 *              <- tcp-ep-w (write to the other end)
 *   ev-tmo     poll on an eventfd, 2 x WAIT_MS timeout      <- ev-tmo-w (writes 0:
 *              the eventfd stays unreadable, the poll times out - no waker)
 *   ev-stale   epoll_wait on a set that held an eventfd, closed since and
 *              its number reused by another eventfd     <- ev-stale-w (writes the
 *              new eventfd, then wakes the waiter with a raw write(2) to a
 *              pipe in the set, which cprof does not see - no waker)
 * a writer blocked on a full pipe (pipe-full, 256 KiB into 64) named by the
 * reader that drains it after WAIT_MS (pipe-full-r),
 * and two readers of one pipe (sh-a, sh-b, blocking reads) with two writers:
 * sh-w1 writes a byte, which wakes one reader; sh-w2 writes one WAIT_MS
 * later, which wakes the other (each names its own writer).
 * The epoll set also holds a pipe nobody writes and a socket, as an event
 * loop's does.  usage: notify_wakers TRACE.out [ROUNDS].  Linked with
 * libcprof. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cprof.h"

#define WAIT_MS 100
static int rounds = 3;

enum { EV_EPOLL, EV_READ, PIPE_POLL, PIPE_SEL, PIPE_READ, SP_EPOLL, TCP_A, TCP_B, TCP_EP, EV_TMO,
	EV_STALE, DIR, POLL_OTH, EP_OTH, N_PAIRS };
static const char *names[N_PAIRS] = { "ev-epoll", "ev-read", "pipe-poll", "pipe-sel", "pipe-read",
	"sp-epoll", "tcp-a", "tcp-b", "tcp-ep", "ev-tmo", "ev-stale", "dir", "poll-oth", "ep-oth" };
static int dir_other;                   /* dir's socketpair's other end */
static int oth_pipe[2];                 /* poll-oth's pipe (rfd: its eventfd) */
static int ep_oth_pipe[2], ep_oth_set;   /* ep-oth's pipe and epoll set */
static int stale_ep, stale_ev;          /* ev-stale's epoll set, the new eventfd */
static int tcp_ep_set;                  /* tcp-ep's epoll set */
static int rfd[N_PAIRS], wfd[N_PAIRS];  /* the waiter reads rfd, the writer writes wfd */
static volatile int ready[N_PAIRS];     /* rounds the waiter has begun */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void *waiter(void *arg)
{
	int p = (int)(long)arg;
	char name[16];
	snprintf(name, sizeof name, "%s", names[p]);
	pthread_setname_np(pthread_self(), name);
	int ep = -1, idle[2], sv[2];
	if (p == EV_EPOLL || p == SP_EPOLL) {
		struct epoll_event e = { .events = EPOLLIN };
		if ((ep = epoll_create1(0)) < 0 || pipe(idle) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			die("epoll set");
		e.data.fd = idle[0];
		epoll_ctl(ep, EPOLL_CTL_ADD, idle[0], &e);
		e.data.fd = sv[0];
		epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &e);
		e.data.fd = rfd[p];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, rfd[p], &e))
			die("epoll_ctl");
	}
	for (int r = 0; r < rounds; r++) {
		__atomic_store_n(&ready[p], r + 1, __ATOMIC_RELEASE);
		char buf[64];
		eventfd_t v;
		switch (p) {
		case EV_EPOLL: {
			struct epoll_event out;
			if (epoll_wait(ep, &out, 1, 5000) != 1 || out.data.fd != rfd[p])
				die("epoll_wait");
			if (eventfd_read(rfd[p], &v))
				die("eventfd_read");
			break;
		}
		case EV_READ:
			if (eventfd_read(rfd[p], &v))
				die("eventfd_read");
			break;
		case PIPE_POLL: {
			struct pollfd pf[2] = { { .fd = rfd[p], .events = POLLIN }, { .fd = wfd[p], .events = 0 } };
			if (poll(pf, 2, 5000) != 1 || read(rfd[p], buf, sizeof buf) <= 0)
				die("poll");
			break;
		}
		case PIPE_SEL: {
			fd_set rs;
			FD_ZERO(&rs);
			FD_SET(rfd[p], &rs);
			struct timeval tv = { 5, 0 };
			if (select(rfd[p] + 1, &rs, NULL, NULL, &tv) != 1 || read(rfd[p], buf, sizeof buf) <= 0)
				die("select");
			break;
		}
		case PIPE_READ:
		case TCP_A:
		case TCP_B:
		case DIR:
			if (read(rfd[p], buf, sizeof buf) <= 0)
				die("read");
			break;
		case TCP_EP: {
			struct epoll_event out;
			if (epoll_wait(tcp_ep_set, &out, 1, 5000) != 1 || out.data.u64 != 88 ||
					read(rfd[p], buf, sizeof buf) <= 0)
				die("epoll_wait (tcp-ep)");
			break;
		}
		case EV_STALE: {
			struct epoll_event out;
			if (epoll_wait(stale_ep, &out, 1, 5000) != 1 || out.data.fd != rfd[p] ||
					read(rfd[p], buf, sizeof buf) <= 0)
				die("epoll_wait (ev-stale)");
			break;
		}
		case POLL_OTH: {
			struct pollfd pf[2] = { { .fd = rfd[p], .events = POLLIN },
				{ .fd = oth_pipe[0], .events = POLLIN } };
			if (poll(pf, 2, 5000) != 1 || !(pf[1].revents & POLLIN) ||
					read(oth_pipe[0], buf, sizeof buf) <= 0)
				die("poll (poll-oth)");
			break;
		}
		case EP_OTH: {
			struct epoll_event out;
			if (epoll_wait(ep_oth_set, &out, 1, 5000) != 1 || out.data.u64 != 77 ||
					read(ep_oth_pipe[0], buf, sizeof buf) <= 0)
				die("epoll_wait (ep-oth)");
			break;
		}
		case EV_TMO: {
			struct pollfd pf = { .fd = rfd[p], .events = POLLIN };
			if (poll(&pf, 1, 2 * WAIT_MS) != 0)
				die("poll (ev-tmo)");
			break;
		}
		case SP_EPOLL: {
			struct epoll_event out;
			if (epoll_wait(ep, &out, 1, 5000) != 1 || out.data.fd != rfd[p])
				die("epoll_wait");
			if (recv(rfd[p], buf, sizeof buf, 0) <= 0)
				die("recv");
			break;
		}
		}
	}
	return NULL;
}

/* two readers of one pipe, two writers */
static int sh[2];
static volatile int sh_waiting, sh_got;    /* readers in their read, bytes read */

static void *sh_reader(void *arg)
{
	pthread_setname_np(pthread_self(), arg ? "sh-b" : "sh-a");
	for (int r = 0; r < rounds; r++) {
		char c;
		__atomic_add_fetch(&sh_waiting, 1, __ATOMIC_RELEASE);
		if (read(sh[0], &c, 1) != 1)
			die("read (sh)");
		__atomic_add_fetch(&sh_got, 1, __ATOMIC_RELEASE);
		/* the next round begins when both readers had their byte */
		while (__atomic_load_n(&sh_got, __ATOMIC_ACQUIRE) < 2 * (r + 1))
			usleep(1000);
	}
	return NULL;
}

static void *sh_writer(void *arg)
{
	int second = arg != NULL;
	pthread_setname_np(pthread_self(), second ? "sh-w2" : "sh-w1");
	for (int r = 0; r < rounds; r++) {
		/* both readers in their read (the first writer), one of them
		 * woken (the second) */
		if (!second)
			while (__atomic_load_n(&sh_waiting, __ATOMIC_ACQUIRE) < 2 * (r + 1))
				usleep(1000);
		else
			while (__atomic_load_n(&sh_got, __ATOMIC_ACQUIRE) < 2 * r + 1)
				usleep(1000);
		struct timespec ts = { 0, WAIT_MS * 1000000L };
		nanosleep(&ts, NULL);
		if (write(sh[1], "s", 1) != 1)
			die("write (sh)");
		if (!second)
			while (__atomic_load_n(&sh_got, __ATOMIC_ACQUIRE) < 2 * (r + 1))
				usleep(1000);
	}
	return NULL;
}

/* a writer blocked on a full pipe, its reader */
static int full[2];
static volatile int full_round;         /* rounds the writer has begun */
#define FULL_BYTES (256 * 1024)

static void *full_writer(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "pipe-full");
	static char big[FULL_BYTES];
	for (int r = 0; r < rounds; r++) {
		__atomic_store_n(&full_round, r + 1, __ATOMIC_RELEASE);
		for (size_t done = 0; done < sizeof big; ) {
			ssize_t n = write(full[1], big + done, sizeof big - done);
			if (n <= 0)
				die("write (pipe-full)");
			done += (size_t)n;
		}
	}
	return NULL;
}

static void *full_reader(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "pipe-full-r");
	static char buf[FULL_BYTES];
	for (int r = 0; r < rounds; r++) {
		while (__atomic_load_n(&full_round, __ATOMIC_ACQUIRE) <= r)
			usleep(1000);
		struct timespec ts = { 0, WAIT_MS * 1000000L };
		nanosleep(&ts, NULL);           /* the writer is blocked by now */
		for (size_t got = 0; got < sizeof buf; ) {
			ssize_t n = read(full[0], buf, sizeof buf - got);
			if (n <= 0)
				die("read (pipe-full)");
			got += (size_t)n;
		}
	}
	return NULL;
}

static void *writer(void *arg)
{
	int p = (int)(long)arg;
	char name[16];
	snprintf(name, sizeof name, "%s-w", names[p]);
	pthread_setname_np(pthread_self(), name);
	for (int r = 0; r < rounds; r++) {
		while (__atomic_load_n(&ready[p], __ATOMIC_ACQUIRE) <= r)
			usleep(1000);
		struct timespec ts = { 0, WAIT_MS * 1000000L };
		nanosleep(&ts, NULL);           /* the waiter is blocked by now */
		uint64_t one = 1;
		ssize_t n;
		if (p == EV_EPOLL)
			n = eventfd_write(wfd[p], 1) ? -1 : 8;
		else if (p == PIPE_SEL) {
			struct iovec iov[2] = { { "x", 1 }, { "y", 1 } };
			n = writev(wfd[p], iov, 2);
		} else if (p == SP_EPOLL) {
			n = send(wfd[p], "z", 1, 0);
		} else if (p == DIR) {
			/* a command to the other end, on the end dir reads; the
			 * answer, later, unseen */
			n = send(wfd[p], "c", 1, 0);
			char c;
			if (n == 1 && read(dir_other, &c, 1) == 1) {
				nanosleep(&ts, NULL);
				n = syscall(SYS_write, dir_other, "r", 1);
			}
		} else if (p == EP_OTH) {
			uint64_t zero = 0;
			n = write(wfd[p], &zero, 8);
			struct timespec ms = { 0, 1000000 };
			nanosleep(&ms, NULL);
			if (n == 8)
				n = syscall(SYS_write, ep_oth_pipe[1], "o", 1);
		} else if (p == POLL_OTH) {
			uint64_t zero = 0;      /* the eventfd: stamps the poll, wakes nobody */
			n = write(wfd[p], &zero, 8);
			nanosleep(&ts, NULL);
			if (n == 8)
				n = syscall(SYS_write, oth_pipe[1], "o", 1);
		} else if (p == EV_STALE) {
			/* the new eventfd has the closed one's number, not its place
			 * in the set: no waiter to name */
			n = write(stale_ev, &one, 8);
			nanosleep(&ts, NULL);
			if (n == 8)
				n = syscall(SYS_write, wfd[p], "w", 1);
		} else if (p == EV_TMO) {
			uint64_t zero = 0;      /* adds nothing: no reader wakes */
			n = write(wfd[p], &zero, 8);
		} else {
			n = write(wfd[p], &one, p == EV_READ ? 8 : 1);
		}
		if (n <= 0)
			die("write");
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: notify_wakers TRACE.out [ROUNDS]\n");
		return 2;
	}
	if (argc > 2)
		rounds = atoi(argv[2]);
	for (int p = 0; p < N_PAIRS; p++) {
		if (p == EV_EPOLL || p == EV_READ || p == EV_TMO || p == POLL_OTH || p == EP_OTH) {
			if ((rfd[p] = wfd[p] = eventfd(0, 0)) < 0)
				die("eventfd");
		} else if (p >= TCP_A && p <= TCP_EP) {
			continue;               /* below, all from one listener */
		} else if (p == DIR) {
			int sv[2];
			if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
				die("socketpair");
			rfd[p] = wfd[p] = sv[0];
			dir_other = sv[1];
		} else if (p == SP_EPOLL) {
			int sv[2];
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
				die("socketpair");
			rfd[p] = sv[0];
			wfd[p] = sv[1];
		} else {
			int fds[2];
			if (pipe(fds))
				die("pipe");
			rfd[p] = fds[0];
			wfd[p] = fds[1];
		}
	}
	/* tcp-a, tcp-b, tcp-ep: three connections to one listener on 127.0.0.1 */
	{
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
		socklen_t al = sizeof a;
		int l = socket(AF_INET, SOCK_STREAM, 0);
		if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 3) ||
				getsockname(l, (struct sockaddr *)&a, &al))
			die("listen");
		for (int p = TCP_A; p <= TCP_EP; p++)
			if ((rfd[p] = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
					connect(rfd[p], (struct sockaddr *)&a, sizeof a) ||
					(wfd[p] = accept(l, NULL, NULL)) < 0)
				die("connect");
		close(l);
	}
	if (pipe(oth_pipe) || pipe(ep_oth_pipe))
		die("pipe");
	{
		/* the program's data: not the fds */
		struct epoll_event e1 = { .events = EPOLLIN, .data.u64 = 66 };
		struct epoll_event e2 = { .events = EPOLLIN, .data.u64 = 77 };
		if ((ep_oth_set = epoll_create1(0)) < 0 ||
				epoll_ctl(ep_oth_set, EPOLL_CTL_ADD, rfd[EP_OTH], &e1) ||
				epoll_ctl(ep_oth_set, EPOLL_CTL_ADD, ep_oth_pipe[0], &e2))
			die("epoll (ep-oth)");
	}
	/* tcp-ep's set, made before the capture: its connection's end, and a
	 * pipe nobody writes */
	{
		int idle[2];
		struct epoll_event e1 = { .events = EPOLLIN, .data.u64 = 88 };
		struct epoll_event e2 = { .events = EPOLLIN, .data.u64 = 99 };
		if (pipe(idle) || (tcp_ep_set = epoll_create1(0)) < 0 ||
				epoll_ctl(tcp_ep_set, EPOLL_CTL_ADD, idle[0], &e2) ||
				epoll_ctl(tcp_ep_set, EPOLL_CTL_ADD, rfd[TCP_EP], &e1))
			die("epoll (tcp-ep)");
	}
	/* ev-stale's set, made before the capture and the threads: an eventfd
	 * and the pipe, then the eventfd closed (no EPOLL_CTL_DEL: the kernel
	 * drops it) and its number taken by a new one */
	int old_ev = eventfd(0, 0);
	struct epoll_event e = { .events = EPOLLIN };
	if ((stale_ep = epoll_create1(0)) < 0 || old_ev < 0)
		die("epoll_create1");
	e.data.fd = old_ev;
	epoll_ctl(stale_ep, EPOLL_CTL_ADD, old_ev, &e);
	e.data.fd = rfd[EV_STALE];
	epoll_ctl(stale_ep, EPOLL_CTL_ADD, rfd[EV_STALE], &e);
	close(old_ev);
	if ((stale_ev = eventfd(0, 0)) != old_ev)
		die("eventfd (not the closed one's number)");
	struct cprof_error err;
	if (cprof_trace_start(argv[1], &err) < 0) {
		fprintf(stderr, "notify_wakers: %s\n", err.message);
		return 1;
	}
	if (pipe(sh))
		die("pipe");
	/* tcp-a's and tcp-b's ends learn they are one connection's (during a
	 * capture, at their first write or wait): the server ends write first,
	 * then tcp-b's client end, then tcp-a's; all read back.  tcp-ep's
	 * server end writes (it looks first), read back by a raw read(2)
	 * cprof does not see: its client end looks at the first wait of its
	 * epoll set, which must name the first round's writer */
	char warm;
	int order[4] = { wfd[TCP_A], wfd[TCP_B], rfd[TCP_B], rfd[TCP_A] };
	for (int i = 0; i < 4; i++)
		if (write(order[i], "w", 1) != 1)
			die("tcp warm-up");
	for (int i = 0; i < 4; i++)
		if (read(order[i], &warm, 1) != 1)
			die("tcp warm-up");
	if (write(wfd[TCP_EP], "w", 1) != 1 || syscall(SYS_read, rfd[TCP_EP], &warm, 1) != 1)
		die("tcp-ep warm-up");
	if (pipe(full))
		die("pipe");
	pthread_t t[2 * N_PAIRS + 6];
	for (int p = 0; p < N_PAIRS; p++) {
		pthread_create(&t[2 * p], NULL, waiter, (void *)(long)p);
		pthread_create(&t[2 * p + 1], NULL, writer, (void *)(long)p);
	}
	pthread_create(&t[2 * N_PAIRS], NULL, sh_reader, NULL);
	pthread_create(&t[2 * N_PAIRS + 1], NULL, sh_reader, (void *)1);
	pthread_create(&t[2 * N_PAIRS + 2], NULL, sh_writer, NULL);
	pthread_create(&t[2 * N_PAIRS + 3], NULL, sh_writer, (void *)1);
	pthread_create(&t[2 * N_PAIRS + 4], NULL, full_writer, NULL);
	pthread_create(&t[2 * N_PAIRS + 5], NULL, full_reader, NULL);
	for (int i = 0; i < 2 * N_PAIRS + 6; i++)
		pthread_join(t[i], NULL);
	if (cprof_trace_stop(&err) < 0) {
		fprintf(stderr, "notify_wakers: %s\n", err.message);
		return 1;
	}
	puts("done");
	return 0;
}
