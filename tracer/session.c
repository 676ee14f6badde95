/* session.c: in-process control of the LTTng session that records this
 * process (liblttng-ctl), and the spawn of a session daemon when none runs.
 *
 * One capture at a time per process.  A session is per-PID, tracks only
 * getpid() (VPID tracker), has one discard-mode channel with the vtid context
 * and one event rule for every "cprof*" provider, and writes into a fresh
 * mkdtemp directory that archive.c packs and deletes.  Every error path
 * destroys what it created: no session is ever left in the daemon.  The
 * daemon itself is started by sessiond.c when none is alive. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lttng/lttng.h>

#include "internal.h"

#define CHANNEL_NAME "cprof"
#define EVENT_RULE "cprof*"
#define DEFAULT_SUBBUF_SIZE (1u << 20)
/* Default sub-buffer count: the per-CPU share of a per-process budget, never
 * fewer than 8 sub-buffers per CPU.  The budget is what a busy traced
 * process needs while lttng-consumerd waits for a CPU: on a 2-CPU machine
 * whose cores the traced program keeps busy, the consumer was measured
 * runnable but not scheduled in stretches of 0.6 s and more (0.7-2.7 s of
 * a 3 s run) while the program wrote ~6 MB/s per CPU
 * (tests/bench/bench_net.sh; README.md "Buffers").
 * 64 MiB gives 32 MiB per CPU on 2 CPUs, 16 on 4, 8 from 8 CPUs up. */
#define DEFAULT_BUFFER_BUDGET (64ul << 20)
#define MIN_NUM_SUBBUF 8u
#define MAX_NUM_SUBBUF 1024u
/* lttng_stop_tracing() polls data_pending every 200 ms; we poll faster. */
#define DATA_PENDING_POLL_NS (5 * 1000 * 1000)
#define DATA_PENDING_TIMEOUT_MS 20000
#define DESTROY_TIMEOUT_MS 30000
#define MAX_PENDING_DESTROYS 2          /* captures being destroyed at once */

struct cprof_session {
	char name[LTTNG_NAME_MAX];       /* unique: cprof-<pid>-<counter> */
	char dir[PATH_MAX];              /* mkdtemp output dir, owned */
	struct lttng_handle *handle;     /* owned */
	size_t subbuf_size;
	unsigned num_subbuf;
	int64_t start_ns;                /* CLOCK_REALTIME */
	pid_t pid;                       /* process that created it */
};

/* The capture running in this process, if any: guards "one at a time" and
 * lets the exit handler destroy a session whose owner never finished it. */
static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cprof_session *active;
static atomic_uint name_counter;
static int exit_handler_installed;

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double clock_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* CPROF_VERBOSE=1 logs how long each phase of a capture took. */
static int verbose(void)
{
	static int v = -1;

	if (v < 0) {
		const char *e = getenv("CPROF_VERBOSE");
		v = e && *e && strcmp(e, "0");
	}
	return v;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int is_pow2(unsigned long v)
{
	return v && !(v & (v - 1));
}

/* Reads a power-of-two setting from the environment; 0 when unset. */
static int env_pow2(const char *var, unsigned long max, unsigned long *out,
		struct cprof_error *err)
{
	const char *s = getenv(var);
	char *end;
	unsigned long v;

	*out = 0;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !is_pow2(v) || v > max)
		return cprof_error_set(err, -EINVAL,
				"%s=%s: must be a power of two no larger than %lu", var, s, max);
	*out = v;
	return 0;
}

/* Largest power of two <= v (v >= 1). */
static unsigned long pow2_floor(unsigned long v)
{
	while (v & (v - 1))
		v &= v - 1;
	return v;
}

/* Sub-buffers per CPU when neither the caller nor CPROF_NUM_SUBBUF chose:
 * DEFAULT_BUFFER_BUDGET spread over the CPUs LTTng allocates buffers for
 * (every configured CPU), at least MIN_NUM_SUBBUF. */
static unsigned default_num_subbuf(size_t subbuf_size)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	unsigned long n;

	if (ncpu < 1)
		ncpu = 1;
	n = DEFAULT_BUFFER_BUDGET / (unsigned long) ncpu / subbuf_size;
	if (n < MIN_NUM_SUBBUF)
		return MIN_NUM_SUBBUF;
	return n > MAX_NUM_SUBBUF ? MAX_NUM_SUBBUF : (unsigned) pow2_floor(n);
}

static int resolve_opts(const struct cprof_session_opts *opts, struct cprof_session *s,
		struct cprof_error *err)
{
	unsigned long v;
	int r;

	s->subbuf_size = opts ? opts->subbuf_size : 0;
	s->num_subbuf = opts ? opts->num_subbuf : 0;
	if (!s->subbuf_size) {
		r = env_pow2("CPROF_SUBBUF_SIZE", 1ul << 30, &v, err);
		if (r)
			return r;
		s->subbuf_size = v ? v : DEFAULT_SUBBUF_SIZE;
	}
	if (!s->num_subbuf) {
		r = env_pow2("CPROF_NUM_SUBBUF", MAX_NUM_SUBBUF, &v, err);
		if (r)
			return r;
		s->num_subbuf = (unsigned) v;
	}
	/* LTTng rejects sub-buffers smaller than a page. */
	if (!is_pow2(s->subbuf_size) || s->subbuf_size < 4096 ||
			(s->num_subbuf && !is_pow2(s->num_subbuf)))
		return cprof_error_set(err, -EINVAL,
				"buffer sizes must be powers of two (subbuf_size>=4096): %zu x %u",
				s->subbuf_size, s->num_subbuf);
	if (!s->num_subbuf)
		s->num_subbuf = default_num_subbuf(s->subbuf_size);
	return 0;
}

/* Destroys the LTTng session and waits until the daemon let go of it. */
static int destroy_session(const char *name)
{
	struct lttng_destruction_handle *dh = NULL;
	enum lttng_error_code ec;
	enum lttng_destruction_handle_status st;

	cprof_ctl_enter();
	ec = lttng_destroy_session_ext(name, &dh);
	if (ec != LTTNG_OK) {
		cprof_ctl_leave();
		return -EIO;
	}
	st = lttng_destruction_handle_wait_for_completion(dh, DESTROY_TIMEOUT_MS);
	if (st == LTTNG_DESTRUCTION_HANDLE_STATUS_COMPLETED &&
			lttng_destruction_handle_get_result(dh, &ec) ==
			LTTNG_DESTRUCTION_HANDLE_STATUS_OK && ec != LTTNG_OK)
		st = LTTNG_DESTRUCTION_HANDLE_STATUS_ERROR;
	lttng_destruction_handle_destroy(dh);
	cprof_ctl_leave();
	return st == LTTNG_DESTRUCTION_HANDLE_STATUS_COMPLETED ? 0 : -EIO;
}

static void session_free(struct cprof_session *s)
{
	if (!s)
		return;
	lttng_destroy_handle(s->handle);
	if (s->dir[0])
		cprof_archive_rmtree(s->dir);
	free(s);
}

static void release_active(struct cprof_session *s)
{
	pthread_mutex_lock(&active_lock);
	if (active == s)
		active = NULL;
	pthread_mutex_unlock(&active_lock);
}

/* A process exiting mid-capture (exit() while an HTTP trace runs) would
 * leave its session in the daemon; destroy it by name. */
static void exit_handler(void)
{
	char name[LTTNG_NAME_MAX] = "";

	pthread_mutex_lock(&active_lock);
	if (active && active->pid == getpid())
		memcpy(name, active->name, sizeof(name));
	pthread_mutex_unlock(&active_lock);
	if (name[0])
		destroy_session(name);
	cprof_session_drain();
}

/* A capture directory whose process is gone and whose daemon did not list
 * its session any more (the daemon was stopped too, or the process died
 * between the destruction and the removal) was left for good: 489 of them
 * gathered in this machine's /tmp over a day of tests.  Removed here when
 * ours (same owner), its pid is dead, and untouched for an hour (a process
 * in another pid namespace sharing /tmp looks dead from here: the hour
 * keeps its live capture safe, unless it runs that long without a write). */
static void sweep_stale_dirs(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	d = opendir(tmp);
	if (!d)
		return;
	while ((e = readdir(d))) {
		int pid, len = 0;
		char rest[16];
		struct stat st;

		if (sscanf(e->d_name, "cprof-%d-%15s%n", &pid, rest, &len) != 2 ||
				e->d_name[len] || strlen(rest) != 6 || pid <= 0 || pid == getpid() ||
				!(kill(pid, 0) && errno == ESRCH))
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmp, e->d_name);
		if (lstat(path, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
				time(NULL) - st.st_mtime < 3600)
			continue;
		cprof_archive_rmtree(path);
	}
	closedir(d);
}

/* A process killed mid-capture (SIGKILL, crash) leaves its session in the
 * daemon and its directory in $TMPDIR.  Our names carry the pid: destroy
 * the sessions of processes that no longer exist, and their directories. */
static void sweep_stale_sessions(void)
{
	struct lttng_session *list = NULL;
	int n = lttng_list_sessions(&list);

	for (int i = 0; i < n; i++) {
		const char *base = strrchr(list[i].path, '/');
		int pid, len = 0;
		unsigned k;
		char prefix[32];

		if (sscanf(list[i].name, "cprof-%d-%u%n", &pid, &k, &len) != 2 ||
				list[i].name[len] || pid <= 0 || pid == getpid() ||
				!(kill(pid, 0) && errno == ESRCH))
			continue;
		/* Wait for the destruction: the consumer daemon may still be
		 * writing the dead process's last packets into its directory. */
		destroy_session(list[i].name);
		snprintf(prefix, sizeof(prefix), "cprof-%d-", pid);
		if (base && !strncmp(base + 1, prefix, strlen(prefix)))
			cprof_archive_rmtree(list[i].path);
	}
	free(list);
	/* the directories once per process: a listing of $TMPDIR at every
	 * capture start would be the same work again */
	static int dirs_swept;
	if (!__atomic_exchange_n(&dirs_swept, 1, __ATOMIC_ACQ_REL))
		sweep_stale_dirs();
}

static int tmp_dir_create(char *out, size_t size)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if ((size_t) snprintf(out, size, "%s/cprof-%d-XXXXXX", tmp, (int) getpid()) >= size)
		return -ENAMETOOLONG;
	if (!mkdtemp(out)) {
		int r = -errno;
		out[0] = 0;
		return r;
	}
	return 0;
}

/* Channel, context, event rule and tracker of a created session. */
static int configure(struct cprof_session *s, struct cprof_error *err)
{
	struct lttng_domain dom = { .type = LTTNG_DOMAIN_UST, .buf_type = LTTNG_BUFFER_PER_PID };
	struct lttng_channel *chan = NULL;
	struct lttng_event *ev = NULL;
	struct lttng_event_context ctx;
	struct lttng_process_attr_tracker_handle *th = NULL;
	const char *step = "create handle";
	int r = -ENOMEM;

	s->handle = lttng_create_handle(s->name, &dom);
	chan = lttng_channel_create(&dom);
	ev = lttng_event_create();
	if (!s->handle || !chan || !ev)
		goto end;

	/* The metadata channel with a 20 ms switch timer.  Without it the
	 * metadata reached the consumer daemon only at the stop, and the
	 * consumer then polled for it to be written in steps of 200 ms
	 * (strace: clock_nanosleep 200 ms after the push): every stop took
	 * 201-207 ms.  With it: 1.1-1.4 ms, captures of 0.05-1 s under load
	 * (100 ms left 206 ms for a 0.05 s capture). */
	step = "enable metadata channel";
	snprintf(chan->name, sizeof(chan->name), "metadata");
	chan->attr.overwrite = 0;
	chan->attr.subbuf_size = 4 * 4096;
	chan->attr.num_subbuf = 2;
	chan->attr.switch_timer_interval = 20000;       /* us */
	r = lttng_enable_channel(s->handle, chan);
	if (r)
		goto end;
	chan->attr.switch_timer_interval = 0;
	step = "enable channel";
	snprintf(chan->name, sizeof(chan->name), "%s", CHANNEL_NAME);
	chan->attr.overwrite = 0;               /* discard: losses are counted */
	chan->attr.subbuf_size = s->subbuf_size;
	chan->attr.num_subbuf = s->num_subbuf;
	r = lttng_enable_channel(s->handle, chan);
	if (r)
		goto end;

	step = "add vtid context";
	memset(&ctx, 0, sizeof(ctx));
	ctx.ctx = LTTNG_EVENT_CONTEXT_VTID;
	r = lttng_add_context(s->handle, &ctx, NULL, CHANNEL_NAME);
	if (r)
		goto end;

	step = "enable events " EVENT_RULE;
	ev->type = LTTNG_EVENT_TRACEPOINT;
	snprintf(ev->name, sizeof(ev->name), "%s", EVENT_RULE);
	ev->loglevel_type = LTTNG_EVENT_LOGLEVEL_ALL;
	ev->loglevel = -1;
	r = lttng_enable_event_with_exclusions(s->handle, ev, CHANNEL_NAME, NULL, 0, NULL);
	if (r)
		goto end;

	step = "track this process";
	r = -LTTNG_ERR_UNK;
	if (lttng_session_get_tracker_handle(s->name, LTTNG_DOMAIN_UST,
			LTTNG_PROCESS_ATTR_VIRTUAL_PROCESS_ID, &th) != LTTNG_OK ||
			lttng_process_attr_tracker_handle_set_tracking_policy(th,
				LTTNG_TRACKING_POLICY_INCLUDE_SET) != LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_OK ||
			lttng_process_attr_virtual_process_id_tracker_handle_add_pid(th, s->pid) !=
				LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_OK)
		goto end;
	r = 0;
end:
	if (r)
		r = cprof_error_set(err, -EIO, "lttng: %s: %s", step,
				r == -ENOMEM ? "out of memory" : lttng_strerror(r));
	lttng_process_attr_tracker_handle_destroy(th);
	lttng_event_destroy(ev);
	lttng_channel_destroy(chan);
	return r;
}

static int pending_wait_below(int n, int timeout_ms);

static int session_start_ctl(const struct cprof_session_opts *opts,
		struct cprof_session **out, struct cprof_error *err);

int cprof_session_start(const struct cprof_session_opts *opts,
		struct cprof_session **out, struct cprof_error *err)
{
	cprof_ctl_enter();
	int r = session_start_ctl(opts, out, err);
	cprof_ctl_leave();
	return r;
}

static int session_start_ctl(const struct cprof_session_opts *opts,
		struct cprof_session **out, struct cprof_error *err)
{
	struct lttng_session_descriptor *desc = NULL;
	struct cprof_session *s;
	enum lttng_error_code ec;
	int created = 0, r;
	double t0 = mono_ms(), t_daemon, t_config, t_start;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return cprof_error_set(err, -ENOMEM, "out of memory");
	s->pid = getpid();

	pthread_mutex_lock(&active_lock);
	if (active && active->pid == s->pid) {
		pthread_mutex_unlock(&active_lock);
		free(s);
		return cprof_error_set(err, -EBUSY, "tracing already enabled");
	}
	active = s;
	if (!exit_handler_installed && !atexit(exit_handler))
		exit_handler_installed = 1;
	pthread_mutex_unlock(&active_lock);

	/* Each capture being destroyed still holds its buffers (64 MiB by
	 * default) until the daemon is done, 0.5 s idle and 20 s seen under
	 * load: clients that hang up and ask again must not pile them up. */
	if (pending_wait_below(MAX_PENDING_DESTROYS, DESTROY_TIMEOUT_MS)) {
		r = cprof_error_set(err, -EBUSY, "tracing already enabled: the session daemon "
				"is still destroying %d earlier captures", MAX_PENDING_DESTROYS);
		goto error;
	}

	r = resolve_opts(opts, s, err);
	if (r)
		goto error;
	cprof_ust_register();   /* a fork child's lttng-ust: reach the daemon now */
	r = cprof_sessiond_ensure(err);
	if (r)
		goto error;
	sweep_stale_sessions();
	t_daemon = mono_ms();
	r = tmp_dir_create(s->dir, sizeof(s->dir));
	if (r) {
		cprof_error_set(err, r, "cannot create a temporary directory: %s", strerror(-r));
		goto error;
	}
	snprintf(s->name, sizeof(s->name), "cprof-%d-%u", (int) s->pid,
			atomic_fetch_add(&name_counter, 1));

	desc = lttng_session_descriptor_local_create(s->name, s->dir);
	if (!desc) {
		r = cprof_error_set(err, -ENOMEM, "out of memory");
		goto error;
	}
	ec = lttng_create_session_ext(desc);
	if (ec != LTTNG_OK) {
		/* A daemon that died or that we may not talk to (permissions). */
		r = cprof_error_set(err, ec == LTTNG_ERR_NO_SESSIOND ? -EHOSTDOWN : -EIO,
				"lttng: create session: %s", lttng_strerror(-ec));
		goto error;
	}
	created = 1;
	r = configure(s, err);
	if (r)
		goto error;
	t_config = mono_ms();
	r = lttng_start_tracing(s->name);
	if (r) {
		r = cprof_error_set(err, -EIO, "lttng: start tracing: %s", lttng_strerror(r));
		goto error;
	}
	t_start = mono_ms();
	cprof_core_on_trace_start();
	/* The trace covers what was recorded: from when our tracepoints went
	 * live (up to a few hundred ms after lttng_start_tracing on a busy
	 * machine), not from when the session was started. */
	s->start_ns = realtime_ns();
	if (verbose())
		cprof_log("session %s started: sessiond %.1f ms, setup %.1f ms, start %.1f ms, "
				"tracepoints live %.1f ms", s->name, t_daemon - t0, t_config - t_daemon,
				t_start - t_config, mono_ms() - t_start);
	lttng_session_descriptor_destroy(desc);
	*out = s;
	return 0;

error:
	lttng_session_descriptor_destroy(desc);
	if (created)
		destroy_session(s->name);
	release_active(s);
	session_free(s);
	return r;
}

/* Stops without lttng_stop_tracing()'s 200 ms polling step. */
static int stop_session(const char *name)
{
	int r = lttng_stop_tracing_no_wait(name);

	if (r && r != -LTTNG_ERR_TRACE_ALREADY_STOPPED)
		return -EIO;
	for (long waited = 0; (r = lttng_data_pending(name)) == 1; waited += DATA_PENDING_POLL_NS) {
		if (waited / 1000000 >= DATA_PENDING_TIMEOUT_MS)
			return -ETIMEDOUT;
		sleep_ns(DATA_PENDING_POLL_NS);
	}
	return r < 0 ? -EIO : 0;
}

static void loss_counters(struct cprof_session *s, struct cprof_session_result *res)
{
	struct lttng_channel *chans = NULL;
	int n = lttng_list_channels(s->handle, &chans);

	for (int i = 0; i < n; i++) {
		if (strcmp(chans[i].name, CHANNEL_NAME))
			continue;
		lttng_channel_get_discarded_event_count(&chans[i], &res->discarded_events);
		lttng_channel_get_lost_packet_count(&chans[i], &res->lost_packets);
	}
	free(chans);
}

/* Destroying a session takes the daemon 0.5-1 s.  The files are final
 * once the data is consumed, so finish() archives first and leaves the
 * destroy to this internal thread; new captures may start meanwhile (other
 * name, other directory).  `pending` lets exit paths wait for it. */
static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pending_cond = PTHREAD_COND_INITIALIZER;
static int pending;

static void pending_add(int delta)
{
	pthread_mutex_lock(&pending_lock);
	pending += delta;
	if (delta < 0)
		pthread_cond_broadcast(&pending_cond);
	pthread_mutex_unlock(&pending_lock);
}

/* Waits until fewer than n destructions are pending; -ETIMEDOUT if they
 * are not after timeout_ms. */
static int pending_wait_below(int n, int timeout_ms)
{
	struct timespec deadline;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	pthread_mutex_lock(&pending_lock);
	while (pending >= n && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&pending_cond, &pending_lock, &deadline);
	r = pending >= n ? -ETIMEDOUT : 0;
	pthread_mutex_unlock(&pending_lock);
	return r;
}

static void *reaper(void *arg)
{
	struct cprof_session *s = arg;

	destroy_session(s->name);
	session_free(s);
	pending_add(-1);
	return NULL;
}

static void dispose(struct cprof_session *s)
{
	pthread_attr_t attr;
	pthread_t t;
	int r;

	pending_add(1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	cprof_internal_begin();
	r = pthread_create(&t, &attr, reaper, s);
	cprof_internal_end();
	pthread_attr_destroy(&attr);
	if (r)
		reaper(s);
}

void cprof_session_drain(void)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += DESTROY_TIMEOUT_MS / 1000 + 1;
	pthread_mutex_lock(&pending_lock);
	while (pending > 0 &&
			pthread_cond_timedwait(&pending_cond, &pending_lock, &deadline) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&pending_lock);
}

int cprof_session_finish(struct cprof_session *s, int out_fd, double seconds,
		struct cprof_session_result *res, struct cprof_error *err)
{
	struct cprof_session_result local = { 0 };
	struct cprof_archive_info info;
	double t0 = mono_ms(), t_stop, cpu = 0;
	int r;

	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	res->start_ns = s->start_ns;

	cprof_core_on_trace_stop();
	/* the trace ends where cprof stopped recording, not once the daemon
	 * has drained (4.3 s of the first 2 s capture under the TCP example's
	 * flood, whose X-Cprof-Traced-Seconds then read 6.353) */
	res->end_ns = realtime_ns();
	cprof_ctl_enter();
	r = stop_session(s->name);
	t_stop = mono_ms();
	if (r)
		cprof_error_set(err, r, "lttng: stop tracing %s: %s", s->name, strerror(-r));
	loss_counters(s, res);              /* must precede the destroy */
	cprof_ctl_leave();
	if (!r) {
		info = (struct cprof_archive_info) {
			.seconds = seconds,
			.start_ns = res->start_ns,
			.end_ns = res->end_ns,
			.discarded_events = res->discarded_events,
			.lost_packets = res->lost_packets,
			.subbuf_size = s->subbuf_size,
			.num_subbuf = s->num_subbuf,
		};
		cpu = clock_ms(CLOCK_THREAD_CPUTIME_ID);
		r = cprof_archive_write(out_fd, s->dir, &info, err);
		cpu = clock_ms(CLOCK_THREAD_CPUTIME_ID) - cpu;
	}
	if (verbose())
		cprof_log("session %s finished: stop %.1f ms, archive %.1f ms (%.1f ms CPU), "
				"discarded %llu", s->name, t_stop - t0, mono_ms() - t_stop, cpu,
				(unsigned long long) res->discarded_events);
	release_active(s);
	dispose(s);
	return r;
}

void cprof_session_abort(struct cprof_session *s)
{
	if (!s)
		return;
	cprof_core_on_trace_stop();
	/* like a finished capture's: released first, destroyed behind */
	release_active(s);
	dispose(s);
}

void cprof_session_abort_sync(struct cprof_session *s)
{
	if (!s)
		return;
	cprof_core_on_trace_stop();
	release_active(s);
	destroy_session(s->name);   /* now: an exec would end a reaper thread */
	session_free(s);
}

void cprof_session_atfork_child(void)
{
	/* The parent's session object stays with the parent; the child only
	 * forgets it (freeing would race nothing but leak-free is not worth a
	 * handle owned by another process). */
	pthread_mutex_init(&active_lock, NULL);
	active = NULL;
	pthread_mutex_init(&pending_lock, NULL);
	pthread_cond_init(&pending_cond, NULL);
	pending = 0;
}
