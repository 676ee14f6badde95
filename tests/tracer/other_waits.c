/* other_waits: threads blocked ~300 ms in each kind of wait outside
 * pthreads and sockets, in a capture: reads of an eventfd, a timerfd, a
 * signalfd and an inotify fd; file locks (flock, lockf, fcntl F_OFD_SETLKW);
 * signal waits (sigwait - begun before the capture -, sigwaitinfo,
 * sigtimedwait, pause, sigsuspend); POSIX message queues (receive, and send
 * to a full queue); System V messages and semaphores; sendfile into a full
 * socket, splice out of an empty pipe, and a sendfile of 4 MiB that fills
 * the socket mid-way (a syscall span: only the call's start is probed).  Each thread is named
 * after its wait; main releases them all after 300 ms, and every call must
 * return what it would untraced (checked: "done", else what failed).
 * usage: other_waits TRACE.out DIR (DIR: a scratch directory).  Linked with
 * libcprof. */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cprof.h"

static int efd, tfd, sfd, ifd, lock_fd1, lock_fd2, lock_fd3, msq, sem;
static int sf_sock[2], big_sock[2], sp_pipe[2], src_fd, sink_fd;
#define SF_LEN (64 << 10)
#define BIG_LEN (4 << 20)
static mqd_t mq_in, mq_full;
static char dir[256];
static const char *failed;

#define CHECK(cond, what) do { if (!(cond)) failed = what; } while (0)

static void name(const char *n)
{
	pthread_setname_np(pthread_self(), n);
}

static void *ev_main(void *a)
{
	uint64_t v;
	(void)a;
	name("w_eventfd");
	CHECK(read(efd, &v, sizeof v) == sizeof v && v == 5, "eventfd read");
	return NULL;
}

static void *tm_main(void *a)
{
	uint64_t v;
	(void)a;
	name("w_timerfd");
	CHECK(read(tfd, &v, sizeof v) == sizeof v && v >= 1, "timerfd read");
	return NULL;
}

static void *sfd_main(void *a)
{
	struct signalfd_siginfo si;
	(void)a;
	name("w_signalfd");
	CHECK(read(sfd, &si, sizeof si) == sizeof si && si.ssi_signo == SIGUSR1, "signalfd read");
	return NULL;
}

static void *in_main(void *a)
{
	char buf[4096] __attribute__((aligned(8)));
	(void)a;
	name("w_inotify");
	CHECK(read(ifd, buf, sizeof buf) > 0, "inotify read");
	return NULL;
}

static void *flock_main(void *a)
{
	(void)a;
	name("w_flock");
	CHECK(flock(lock_fd1, LOCK_EX) == 0, "flock");
	flock(lock_fd1, LOCK_UN);
	return NULL;
}

static void *ofd_main(void *a)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	(void)a;
	name("w_fcntl");
	CHECK(fcntl(lock_fd2, F_OFD_SETLKW, &fl) == 0, "fcntl F_OFD_SETLKW");
	return NULL;
}

/* lockf locks are per process: the holder is a child process */
static void *lockf_main(void *a)
{
	(void)a;
	name("w_lockf");
	CHECK(lockf(lock_fd3, F_LOCK, 0) == 0, "lockf");
	return NULL;
}

static sigset_t usr2;

static void *sigwait_main(void *a)
{
	int sig = 0;
	(void)a;
	name("w_sigwait");
	CHECK(sigwait(&usr2, &sig) == 0 && sig == SIGUSR2, "sigwait");
	return NULL;
}

static sigset_t rt1, rt2;

static void *sigwaitinfo_main(void *a)
{
	siginfo_t si;
	(void)a;
	name("w_sigwaitinfo");
	CHECK(sigwaitinfo(&rt1, &si) == SIGRTMIN + 1, "sigwaitinfo");
	return NULL;
}

static void *sigtimedwait_main(void *a)
{
	siginfo_t si;
	struct timespec ts = { 10, 0 };
	(void)a;
	name("w_sigtimedwait");
	CHECK(sigtimedwait(&rt2, &si, &ts) == SIGRTMIN + 2, "sigtimedwait");
	return NULL;
}

static volatile sig_atomic_t got_urg;
static void on_urg(int s) { (void)s; got_urg++; }

static void *pause_main(void *a)
{
	(void)a;
	name("w_pause");
	CHECK(pause() == -1 && errno == EINTR, "pause");
	return NULL;
}

static void *sigsuspend_main(void *a)
{
	sigset_t m;
	(void)a;
	name("w_sigsuspend");
	sigfillset(&m);
	sigdelset(&m, SIGURG);
	CHECK(sigsuspend(&m) == -1 && errno == EINTR, "sigsuspend");
	return NULL;
}

static void *mqr_main(void *a)
{
	char buf[64];
	(void)a;
	name("w_mq_receive");
	CHECK(mq_receive(mq_in, buf, sizeof buf, NULL) == 3 && !memcmp(buf, "abc", 3), "mq_receive");
	return NULL;
}

static void *mqs_main(void *a)
{
	(void)a;
	name("w_mq_send");
	CHECK(mq_send(mq_full, "xyz", 3, 0) == 0, "mq_send");
	return NULL;
}

struct msgb { long type; char text[8]; };

static void *msgrcv_main(void *a)
{
	struct msgb m;
	(void)a;
	name("w_msgrcv");
	CHECK(msgrcv(msq, &m, sizeof m.text, 0, 0) == 4 && !memcmp(m.text, "ping", 4), "msgrcv");
	return NULL;
}

static void *semop_main(void *a)
{
	struct sembuf op = { 0, -1, 0 };
	(void)a;
	name("w_semop");
	CHECK(semop(sem, &op, 1) == 0, "semop");
	return NULL;
}

static void *sendfile_main(void *a)
{
	off_t off = 0;
	(void)a;
	name("w_sendfile");
	CHECK(sendfile(sf_sock[0], src_fd, &off, SF_LEN) > 0, "sendfile");
	return NULL;
}

static void *bigsend_main(void *a)
{
	off_t off = 0;
	(void)a;
	name("w_bigsend");
	for (ssize_t left = BIG_LEN, r; left > 0; left -= r)
		if ((r = sendfile(big_sock[0], src_fd, &off, (size_t)left)) <= 0) {
			failed = "big sendfile";
			break;
		}
	return NULL;
}

static void *splice_main(void *a)
{
	(void)a;
	name("w_splice");
	CHECK(splice(sp_pipe[0], NULL, sink_fd, NULL, 4096, 0) == 5, "splice");
	return NULL;
}

/* reads n bytes of fd (0: until EOF-less quiet) and discards them */
static int drain(int fd, size_t n)
{
	char buf[65536];
	for (size_t got = 0; got < n; ) {
		ssize_t r = read(fd, buf, n - got < sizeof buf ? n - got : sizeof buf);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static pthread_t start(void *(*fn)(void *))
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, NULL))
		failed = "pthread_create";
	return t;
}

int main(int argc, char **argv)
{
	struct cprof_error err;
	if (argc != 3) {
		fprintf(stderr, "usage: other_waits TRACE.out DIR\n");
		return 2;
	}
	snprintf(dir, sizeof dir, "%s", argv[2]);
	/* signals: blocked in every thread (the waits take them), SIGURG and
	 * SIGUSR1's handler-free fd path aside */
	sigset_t all;
	sigemptyset(&all);
	sigaddset(&all, SIGUSR1);
	sigaddset(&all, SIGUSR2);
	sigaddset(&all, SIGRTMIN + 1);
	sigaddset(&all, SIGRTMIN + 2);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigemptyset(&rt1);
	sigaddset(&rt1, SIGRTMIN + 1);
	sigemptyset(&rt2);
	sigaddset(&rt2, SIGRTMIN + 2);
	struct sigaction sa = { .sa_handler = on_urg };
	sigaction(SIGURG, &sa, NULL);

	pthread_t sw = start(sigwait_main);     /* blocked before the capture */
	usleep(100 * 1000);
	if (cprof_trace_start(argv[1], &err) < 0) {
		fprintf(stderr, "other_waits: %s\n", err.message);
		return 1;
	}

	char path[300], lpath[300], lpath2[300];
	efd = eventfd(0, 0);
	tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec its = { .it_value = { 0, 350 * 1000 * 1000 } };
	sigset_t u1;
	sigemptyset(&u1);
	sigaddset(&u1, SIGUSR1);
	sfd = signalfd(-1, &u1, 0);
	ifd = inotify_init();
	/* flock and OFD locks on "lock" (they do not interact), lockf's POSIX
	 * locks on "lock2" (an OFD lock would block them) */
	snprintf(lpath, sizeof lpath, "%s/lock", dir);
	snprintf(lpath2, sizeof lpath2, "%s/lock2", dir);
	int holder = open(lpath, O_RDWR | O_CREAT, 0600);
	int holder2 = open(lpath2, O_RDWR | O_CREAT, 0600);
	lock_fd1 = open(lpath, O_RDWR);
	lock_fd2 = open(lpath, O_RDWR);
	lock_fd3 = open(lpath2, O_RDWR);
	if (efd < 0 || tfd < 0 || sfd < 0 || ifd < 0 || holder < 0 || holder2 < 0 || lock_fd1 < 0 ||
			lock_fd2 < 0 || lock_fd3 < 0 ||
			timerfd_settime(tfd, 0, &its, NULL) < 0) {
		perror("other_waits: setup");
		return 1;
	}
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	if (flock(holder, LOCK_EX) || fcntl(holder, F_OFD_SETLK, &fl)) {
		perror("other_waits: locks");
		return 1;
	}
	/* lockf's holder: a child holding the lock until it reads a byte */
	int cp[2], ready[2];
	if (pipe(cp) || pipe(ready)) {
		perror("other_waits: pipe");
		return 1;
	}
	pid_t child = fork();
	if (child == 0) {
		char c;
		if (lockf(holder2, F_LOCK, 0) != 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1 || read(cp[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	char c;
	if (child < 0 || read(ready[0], &c, 1) != 1) {
		fprintf(stderr, "other_waits: the lock holder did not start\n");
		return 1;
	}
	char mqname[64];
	snprintf(mqname, sizeof mqname, "/cprof-other-waits-%d", (int)getpid());
	struct mq_attr ma = { .mq_maxmsg = 1, .mq_msgsize = 16 };
	mq_in = mq_open(mqname, O_RDWR | O_CREAT | O_EXCL, 0600, &ma);
	mq_unlink(mqname);
	snprintf(mqname, sizeof mqname, "/cprof-other-waits-f%d", (int)getpid());
	mq_full = mq_open(mqname, O_RDWR | O_CREAT | O_EXCL, 0600, &ma);
	mq_unlink(mqname);
	msq = msgget(IPC_PRIVATE, 0600);
	sem = semget(IPC_PRIVATE, 1, 0600);
	if (mq_in == (mqd_t)-1 || mq_full == (mqd_t)-1 || mq_send(mq_full, "full", 4, 0) ||
			msq < 0 || sem < 0) {
		perror("other_waits: ipc");
		return 1;
	}

	/* sendfile's source: a 4 MiB file; sf_sock filled to the brim first */
	char spath[300], kpath[300];
	snprintf(spath, sizeof spath, "%s/src", dir);
	snprintf(kpath, sizeof kpath, "%s/sink", dir);
	src_fd = open(spath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	sink_fd = open(kpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (src_fd < 0 || sink_fd < 0 || ftruncate(src_fd, BIG_LEN) ||
			socketpair(AF_UNIX, SOCK_STREAM, 0, sf_sock) ||
			socketpair(AF_UNIX, SOCK_STREAM, 0, big_sock) || pipe(sp_pipe)) {
		perror("other_waits: sendfile setup");
		return 1;
	}
	size_t filled = 0;
	for (char z[4096] = { 0 };; ) {
		ssize_t r = send(sf_sock[0], z, sizeof z, MSG_DONTWAIT);
		if (r <= 0)
			break;
		filled += (size_t)r;
	}

	if (inotify_add_watch(ifd, dir, IN_CREATE) < 0) {      /* files made from here on */
		perror("other_waits: inotify");
		return 1;
	}

	void *(*fns[])(void *) = { ev_main, tm_main, sfd_main, in_main, flock_main, ofd_main,
		lockf_main, sigwaitinfo_main, sigtimedwait_main, pause_main, sigsuspend_main,
		mqr_main, mqs_main, msgrcv_main, semop_main, sendfile_main, bigsend_main,
		splice_main };
	enum { N = sizeof fns / sizeof fns[0] };
	pthread_t th[N];
	for (int i = 0; i < N; i++)
		th[i] = start(fns[i]);
	usleep(300 * 1000);

	/* release them all */
	uint64_t five = 5;
	if (write(efd, &five, sizeof five) != sizeof five)
		failed = "eventfd write";
	kill(getpid(), SIGUSR1);
	snprintf(path, sizeof path, "%s/created", dir);
	int nf = open(path, O_WRONLY | O_CREAT, 0600);
	if (nf >= 0)
		close(nf);
	flock(holder, LOCK_UN);
	fl.l_type = F_UNLCK;
	fcntl(holder, F_OFD_SETLK, &fl);
	if (write(cp[1], "g", 1) != 1)
		failed = "child release";
	pthread_kill(sw, SIGUSR2);
	pthread_kill(th[7], SIGRTMIN + 1);
	pthread_kill(th[8], SIGRTMIN + 2);
	pthread_kill(th[9], SIGURG);
	pthread_kill(th[10], SIGURG);
	char buf[16];
	if (mq_send(mq_in, "abc", 3, 0) || mq_receive(mq_full, buf, sizeof buf, NULL) != 4)
		failed = "mq release";
	if (drain(sf_sock[1], filled + SF_LEN) || drain(big_sock[1], BIG_LEN) ||
			write(sp_pipe[1], "hello", 5) != 5)
		failed = "sendfile/splice release";
	struct msgb m = { 1, "ping" };
	struct sembuf up = { 0, 1, 0 };
	if (msgsnd(msq, &m, 4, 0) || semop(sem, &up, 1))
		failed = "sysv release";

	pthread_join(sw, NULL);
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	int st;
	waitpid(child, &st, 0);
	msgctl(msq, IPC_RMID, NULL);
	semctl(sem, 0, IPC_RMID);
	unlink(path);
	unlink(lpath);
	unlink(lpath2);
	unlink(spath);
	unlink(kpath);
	usleep(50 * 1000);
	if (cprof_trace_stop(&err) < 0) {
		fprintf(stderr, "other_waits: %s\n", err.message);
		return 1;
	}
	printf("%s\n", failed ? failed : "done");
	return 0;
}
