/* gen_events.c: emits scripted cprof event sequences for converter tests.
 *
 * It compiles the cprof tracepoint provider itself (it must not depend on
 * libcprof, which is written concurrently) and plays either
 *   - a small scenario (default): real threads take turns through a baton so
 *     the recorded order is exact and the expected database is known; or
 *   - a bulk load (-n EVENTS): four threads emit block/wake events with real
 *     stacks as fast as the session absorbs them, for the benchmark (-s:
 *     cprof:sync_wait events instead, what libcprof writes for lock waits
 *     begun in a capture).
 * -m FILE writes cprof/modules.tsv from dl_iterate_phdr (symbols come from nm
 * in record.sh); -w waits for a line on stdin so the recorder can track our
 * pid before the first event. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "cprof_tp.h"

#include <elf.h>
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cprof_events.h"

#define MAX_STACK 32

/* Globals whose addresses become sync objects; gen_rwlock is named only by
 * its data symbol, queue_lock by a cprof:object_name event. */
pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_rwlock_t gen_rwlock = PTHREAD_RWLOCK_INITIALIZER;
pthread_cond_t work_cond = PTHREAD_COND_INITIALIZER;
pthread_cond_t boot_cond = PTHREAD_COND_INITIALIZER;
pthread_cond_t timed_cond = PTHREAD_COND_INITIALIZER;
int work_chan[4];

static int gettid_(void) { return (int) syscall(SYS_gettid); }

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* ---- events with the caller's stack ------------------------------------ */

static __attribute__((noinline)) void emit_block_begin(unsigned kind, uint64_t obj)
{
	void *frames[MAX_STACK];
	uint64_t stack[MAX_STACK];
	int n = backtrace(frames, MAX_STACK);
	/* frame 0 is this function, like a tracer's interposer frame: drop it */
	for (int i = 1; i < n; i++)
		stack[i - 1] = (uint64_t) (uintptr_t) frames[i];
	lttng_ust_tracepoint(cprof, block_begin, (uint8_t) kind, obj, stack, (uint8_t) (n - 1));
}

/* A lock or condvar wait reported whole (cprof:sync_wait): `tid` 0 when
 * the waiting thread writes it, else the thread it is written for. */
static __attribute__((noinline)) void emit_sync_wait(unsigned kind, uint64_t obj, uint64_t dur,
	int waker, uint64_t wake_ago, uint64_t end_ago, uint32_t gen, int tid)
{
	void *frames[MAX_STACK];
	uint64_t stack[MAX_STACK];
	int n = backtrace(frames, MAX_STACK);
	for (int i = 1; i < n; i++)
		stack[i - 1] = (uint64_t) (uintptr_t) frames[i];
	struct cprof_sync_wait_ev e = { .kind = (uint8_t) kind, .result = 0, .waker_tid = waker,
		.tid = tid, .gen = gen, .obj = obj, .dur_ns = dur, .wake_ago_ns = wake_ago,
		.end_ago_ns = end_ago };
	lttng_ust_tracepoint(cprof, sync_wait, &e, stack, (uint8_t) (n - 1));
}

static __attribute__((noinline)) void emit_thread_create(uint64_t id, pthread_t h, void *routine)
{
	void *frames[MAX_STACK];
	uint64_t stack[MAX_STACK];
	int n = backtrace(frames, MAX_STACK);
	for (int i = 1; i < n; i++)
		stack[i - 1] = (uint64_t) (uintptr_t) frames[i];
	lttng_ust_tracepoint(cprof, thread_create, id, (uint64_t) h, (uint64_t) (uintptr_t) routine,
		stack, (uint8_t) (n - 1));
}

/* ---- modules.tsv ----------------------------------------------------------- */

static int module_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	FILE *f = ((void **) arg)[0];
	int *idx = ((void **) arg)[1];
	uint64_t lo = UINT64_MAX, hi = 0;
	char bid[128] = "-";
	char path[4096];

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD) {
			uint64_t s = info->dlpi_addr + ph->p_vaddr;
			if (s < lo) lo = s;
			if (s + ph->p_memsz > hi) hi = s + ph->p_memsz;
		} else if (ph->p_type == PT_NOTE) {
			const char *p = (const char *) (info->dlpi_addr + ph->p_vaddr);
			const char *e = p + ph->p_memsz;
			while (p + sizeof(ElfW(Nhdr)) <= e) {
				const ElfW(Nhdr) *nh = (const void *) p;
				const unsigned char *desc = (const unsigned char *) p + sizeof *nh +
					((nh->n_namesz + 3) & ~3u);
				if (nh->n_type == NT_GNU_BUILD_ID && nh->n_descsz <= 60) {
					for (unsigned k = 0; k < nh->n_descsz; k++)
						sprintf(bid + 2 * k, "%02x", desc[k]);
					break;
				}
				p = (const char *) desc + ((nh->n_descsz + 3) & ~3u);
			}
		}
	}
	if (!info->dlpi_name[0]) {
		ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
		path[n > 0 ? n : 0] = 0;
	} else {
		snprintf(path, sizeof path, "%s", info->dlpi_name);
	}
	if (hi == 0 || !path[0] || strstr(path, "linux-vdso"))
		return 0;
	fprintf(f, "%d\t0x%llx\t0x%llx\t0x%llx\t%s\t%s\n", (*idx)++, (unsigned long long) lo,
		(unsigned long long) hi, (unsigned long long) info->dlpi_addr, bid, path);
	lttng_ust_tracepoint(cprof, module, path, lo, hi - lo, (const uint8_t *) "", 0);
	return 0;
}

static void write_modules(const char *file)
{
	FILE *f = file ? fopen(file, "w") : fopen("/dev/null", "w");
	int idx = 0;
	void *arg[2] = { f, &idx };
	if (!f) {
		perror(file);
		exit(1);
	}
	dl_iterate_phdr(module_cb, arg);
	fclose(f);
}

static void emit_process(const char *modules_file)
{
	char exe[4096], host[256];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	gethostname(host, sizeof host);
	static const uint8_t cmd[] = "gen_events\0--scenario";
	lttng_ust_tracepoint(cprof, process, getpid(), exe, host, "0.1.0-gen", cmd,
		(uint32_t) sizeof cmd - 1, CPROF_TRACE_FORMAT);
	write_modules(modules_file);
}

/* ---- the scenario ------------------------------------------------------- */

enum thr { M, P, Q, A, B, NTHR };
enum act { SPAWN, START, CREATE_EV, NAME, BLOCK, UNBLOCK, WAKE, WAKE_TO, WAKE_LATE, END, TRACE_END,
	PROLOGUE, SYNC, SYNC_FOR, SYNC_OPEN };
enum obj { O_NONE, O_QLOCK, O_WORK, O_BOOT, O_TIMED, O_RW, O_FD, O_CHAN, O_HANDLE_A, O_HANDLE_B };

struct step {
	int thr, act;
	unsigned kind;
	int obj;
	long arg;           /* create id, result, target thread, sleep before (us) */
	const char *name;
	int other;          /* SYNC_FOR: the waker; SYNC*: the wait's gen */
	unsigned gen;
};

#define SLEEP_US 300
static const struct step scenario[] = {
	{ M, PROLOGUE },
	{ M, SPAWN, .arg = A },
	{ A, START, .arg = 1, .name = "worker-1" },   /* child starts before create returns */
	{ M, CREATE_EV, .arg = 1, .obj = O_HANDLE_A },
	{ M, SPAWN, .arg = B },
	{ M, CREATE_EV, .arg = 2, .obj = O_HANDLE_B },
	{ B, START, .arg = 2, .name = "worker-2" },
	{ M, NAME, .arg = M, .name = "gen-main" },
	{ M, NAME, .arg = B, .name = "worker-2b" },   /* names another thread */
	{ A, BLOCK, CPROF_WAIT_MUTEX, O_QLOCK },
	{ M, WAKE, CPROF_WAIT_MUTEX, O_QLOCK },
	{ A, UNBLOCK, CPROF_WAIT_MUTEX, O_QLOCK, 0 },
	{ B, BLOCK, CPROF_WAIT_COND, O_WORK },
	{ M, WAKE, CPROF_WAIT_COND, O_WORK },
	{ B, UNBLOCK, CPROF_WAIT_COND, O_WORK, 0 },
	{ M, WAKE, CPROF_WAIT_COND, O_BOOT },
	{ P, UNBLOCK, CPROF_WAIT_COND, O_BOOT, 0 },
	{ A, BLOCK, CPROF_WAIT_COND, O_TIMED },
	{ A, UNBLOCK, CPROF_WAIT_COND, O_TIMED, ETIMEDOUT },
	/* Q's first event ends a wait: it waited since before the trace (begun
	 * just before a capture, ended before the status dump reached it) */
	{ Q, UNBLOCK, CPROF_WAIT_SEM, O_TIMED, 0 },
	{ Q, BLOCK, CPROF_WAIT_RWLOCK_WRITE, O_RW },
	{ B, WAKE, CPROF_WAIT_RWLOCK_WRITE, O_RW },
	{ Q, UNBLOCK, CPROF_WAIT_RWLOCK_WRITE, O_RW, 0 },
	{ B, BLOCK, CPROF_WAIT_NET_READ, O_FD },
	{ B, UNBLOCK, CPROF_WAIT_NET_READ, O_FD, 512 },
	{ A, BLOCK, CPROF_WAIT_CHAN_RECV, O_CHAN },
	{ B, WAKE_TO, CPROF_WAIT_CHAN_SEND, O_CHAN, A },
	{ A, UNBLOCK, CPROF_WAIT_CHAN_RECV, O_CHAN, 0 },
	{ A, BLOCK, CPROF_WAIT_SLEEP, O_NONE },
	{ A, UNBLOCK, CPROF_WAIT_SLEEP, O_NONE, 0 },
	{ B, BLOCK, CPROF_WAIT_SYSCALL, O_NONE },
	{ B, UNBLOCK, CPROF_WAIT_SYSCALL, O_NONE, 0 },
	/* a wake written just after the waking call, when the wakee had already
	 * resumed (libcprof writes unlock/signal wakes after the call) */
	{ B, BLOCK, CPROF_WAIT_MUTEX, O_QLOCK },
	{ B, UNBLOCK, CPROF_WAIT_MUTEX, O_QLOCK, 0 },
	{ Q, WAKE_LATE, CPROF_WAIT_MUTEX, O_QLOCK, B },
	{ M, BLOCK, CPROF_WAIT_JOIN, O_HANDLE_B },
	{ B, END, .obj = O_HANDLE_B },
	{ M, UNBLOCK, CPROF_WAIT_JOIN, O_HANDLE_B, 0 },
	{ A, END, .obj = O_HANDLE_A },                  /* tid of A is reused below */
	{ A, START, .arg = 3, .name = "worker-1-reborn" },
	{ M, CREATE_EV, .arg = 3, .obj = O_HANDLE_A },
	{ A, BLOCK, CPROF_WAIT_MUTEX, O_QLOCK },
	{ P, WAKE, CPROF_WAIT_MUTEX, O_QLOCK },
	{ A, UNBLOCK, CPROF_WAIT_MUTEX, O_QLOCK, 0 },
	/* waits reported whole: written by the waiter 30 us after the wait
	 * (200 us long, woken by gen-main 50 us before its end); written for
	 * Q by gen-main (a capture's stopper), woken by P; one still open at
	 * the end (P), and an open report that Q's own event voids (same gen) */
	{ A, SYNC, CPROF_WAIT_MUTEX, O_QLOCK, .arg = M, .gen = 7 },
	{ M, BLOCK, CPROF_WAIT_JOIN, O_HANDLE_A },
	/* a late wake that comes after its wakee ended (the unlock let it
	 * finish and exit) */
	{ A, BLOCK, CPROF_WAIT_MUTEX, O_QLOCK },
	{ A, UNBLOCK, CPROF_WAIT_MUTEX, O_QLOCK, 0 },
	{ A, END, .obj = O_HANDLE_A },
	{ Q, WAKE_LATE, CPROF_WAIT_MUTEX, O_QLOCK, A },
	{ M, UNBLOCK, CPROF_WAIT_JOIN, O_HANDLE_A, 0 },
	{ M, SYNC_FOR, CPROF_WAIT_COND, O_WORK, .arg = Q, .other = P, .gen = 12 },
	{ M, SYNC_OPEN, CPROF_WAIT_COND, O_WORK, .arg = Q, .gen = 12 },
	{ M, SYNC_OPEN, CPROF_WAIT_MUTEX, O_QLOCK, .arg = P, .gen = 13 },
	{ M, TRACE_END },
};
#define NSTEPS (int) (sizeof scenario / sizeof scenario[0])

static pthread_mutex_t baton_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t baton_cond = PTHREAD_COND_INITIALIZER;
static int baton;
static pthread_t handles[NTHR];
static volatile int tids[NTHR];
static const char *modules_file;

static uint64_t obj_addr(int o)
{
	switch (o) {
	case O_QLOCK: return (uint64_t) (uintptr_t) &queue_lock;
	case O_WORK: return (uint64_t) (uintptr_t) &work_cond;
	case O_BOOT: return (uint64_t) (uintptr_t) &boot_cond;
	case O_TIMED: return (uint64_t) (uintptr_t) &timed_cond;
	case O_RW: return (uint64_t) (uintptr_t) &gen_rwlock;
	case O_FD: return 5;
	case O_CHAN: return (uint64_t) (uintptr_t) work_chan;
	case O_HANDLE_A: return (uint64_t) handles[A];
	case O_HANDLE_B: return (uint64_t) handles[B];
	default: return 0;
	}
}

static void *gen_worker_main(void *arg);

/* Distinct call paths so that stacks name functions a test can look for. */
static __attribute__((noinline)) void queue_pop(const struct step *s) { emit_block_begin(s->kind, obj_addr(s->obj)); }
static __attribute__((noinline)) void wait_for_work(const struct step *s) { emit_block_begin(s->kind, obj_addr(s->obj)); }
static __attribute__((noinline)) void read_request(const struct step *s) { emit_block_begin(s->kind, obj_addr(s->obj)); }
static __attribute__((noinline)) void join_worker(const struct step *s) { emit_block_begin(s->kind, obj_addr(s->obj)); }
static __attribute__((noinline)) void lock_table(unsigned kind, uint64_t o, int waker, unsigned gen)
{
	emit_sync_wait(kind, o, 200000, waker, 50000, 30000, gen, 0);
}
static __attribute__((noinline)) void spawn_worker(const struct step *s)
{
	emit_thread_create((uint64_t) s->arg, s->obj == O_HANDLE_A ? handles[A] : handles[B], gen_worker_main);
}

static void do_block(const struct step *s)
{
	switch (s->kind) {
	case CPROF_WAIT_MUTEX:
	case CPROF_WAIT_RWLOCK_WRITE: queue_pop(s); break;
	case CPROF_WAIT_COND:
	case CPROF_WAIT_CHAN_RECV: wait_for_work(s); break;
	case CPROF_WAIT_JOIN: join_worker(s); break;
	default: read_request(s); break;
	}
}

static void prologue(void)
{
	emit_process(modules_file);
	lttng_ust_tracepoint(cprof, thread_status, tids[M], (uint64_t) handles[M], "gen",
		0, 0, 0, 0, 0);
	lttng_ust_tracepoint(cprof, thread_status, tids[P], (uint64_t) handles[P], "pre-waiter",
		(uint64_t) (uintptr_t) gen_worker_main, CPROF_WAIT_COND,
		(uint64_t) (uintptr_t) &boot_cond, 5000000, tids[M]);
	lttng_ust_tracepoint(cprof, object_name, (uint64_t) (uintptr_t) &queue_lock, "queue_lock");
}

static void play(const struct step *s)
{
	uint64_t o = obj_addr(s->obj);
	switch (s->act) {
	case PROLOGUE: prologue(); break;
	case SPAWN: pthread_create(&handles[s->arg], NULL, gen_worker_main, (void *) (intptr_t) s->arg);
		while (!tids[s->arg]) usleep(100);
		break;
	case START:
		lttng_ust_tracepoint(cprof, thread_start, (uint64_t) s->arg, tids[M],
			(uint64_t) pthread_self(), (uint64_t) (uintptr_t) gen_worker_main, s->name);
		break;
	case CREATE_EV: spawn_worker(s); break;
	case NAME: lttng_ust_tracepoint(cprof, thread_name, tids[s->arg], s->name); break;
	case BLOCK: do_block(s); break;
	case UNBLOCK:
		usleep(SLEEP_US);
		lttng_ust_tracepoint(cprof, block_end, (uint8_t) s->kind, o, (int32_t) s->arg);
		break;
	case WAKE: usleep(SLEEP_US); lttng_ust_tracepoint(cprof, wake, (uint8_t) s->kind, o, 0); break;
	case WAKE_TO:
		usleep(SLEEP_US);
		/* fall through */
	case WAKE_LATE:   /* no pause: within the converter's late-wake window */
		lttng_ust_tracepoint(cprof, wake, (uint8_t) s->kind, o, tids[s->arg]);
		break;
	case END: lttng_ust_tracepoint(cprof, thread_end, o); break;
	case TRACE_END: lttng_ust_tracepoint(cprof, trace_end, 5, 0); break;
	case SYNC:
		usleep(SLEEP_US);
		lock_table(s->kind, o, tids[s->arg], s->gen);
		break;
	case SYNC_FOR:
		usleep(SLEEP_US);
		emit_sync_wait(s->kind, o, 150000, tids[s->other], 40000, 20000, s->gen, tids[s->arg]);
		break;
	case SYNC_OPEN: {
		usleep(SLEEP_US);
		lttng_ust_tracepoint(cprof, sync_wait_open, tids[s->arg], (uint8_t) s->kind, o, 100000,
			s->gen);
		uint64_t st[2] = { (uint64_t) (uintptr_t) lock_table + 4, (uint64_t) (uintptr_t) gen_worker_main + 4 };
		lttng_ust_tracepoint(cprof, status_stack, tids[s->arg], st, 2);
		break;
	}
	}
}

/* When each step was played; the most a late wake came after its step. */
static uint64_t step_done_ns[NSTEPS];
static uint64_t late_gap_ns;

/* Plays this thread's steps in script order; returns after its last one. */
static void run_steps(int me)
{
	for (int i = 0; i < NSTEPS; i++) {
		if (scenario[i].thr != me)
			continue;
		if (scenario[i].act == WAKE_LATE) {
			/* must follow the step before within the converter's late-wake
			 * window (200 us): no condvar handoff, which can take longer on
			 * a loaded machine */
			while (__atomic_load_n(&baton, __ATOMIC_ACQUIRE) != i)
				sched_yield();
			uint64_t gap = now_ns() - step_done_ns[i - 1];
			if (gap > late_gap_ns)
				late_gap_ns = gap;
		} else {
			pthread_mutex_lock(&baton_lock);
			while (baton != i)
				pthread_cond_wait(&baton_cond, &baton_lock);
			pthread_mutex_unlock(&baton_lock);
		}
		play(&scenario[i]);
		step_done_ns[i] = now_ns();
		pthread_mutex_lock(&baton_lock);
		__atomic_store_n(&baton, i + 1, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&baton_cond);
		pthread_mutex_unlock(&baton_lock);
	}
}

static void *gen_worker_main(void *arg)
{
	int me = (int) (intptr_t) arg;
	tids[me] = gettid_();
	run_steps(me);
	return NULL;
}

/* ---- bulk load for the benchmark ------------------------------------------ */

static long bulk_per_thread;
static int bulk_sync;      /* -s: waits as libcprof writes them in a capture (cprof:sync_wait) */
#define BULK_THREADS 4
#define BULK_STACKS 16
static int bulk_tids[BULK_THREADS];
static pthread_mutex_t bulk_locks[8];

static __attribute__((noinline)) int capture_deep(int n, uint64_t *out)
{
	if (n > 0)
		return capture_deep(n - 1, out) + 1;
	void *frames[MAX_STACK];
	int k = backtrace(frames, MAX_STACK);
	for (int i = 0; i < k; i++)
		out[i] = (uint64_t) (uintptr_t) frames[i];
	return k;
}

static void *bulk_worker(void *arg)
{
	int me = (int) (intptr_t) arg;
	uint64_t stacks[BULK_STACKS][MAX_STACK];
	int depth[BULK_STACKS];
	static const unsigned kinds[] = { CPROF_WAIT_MUTEX, CPROF_WAIT_MUTEX, CPROF_WAIT_COND,
		CPROF_WAIT_NET_READ, CPROF_WAIT_RWLOCK_READ, CPROF_WAIT_MUTEX };

	for (int i = 0; i < BULK_STACKS; i++) {
		capture_deep(i % 10, stacks[i]);
		depth[i] = 0;
		while (depth[i] < MAX_STACK && stacks[i][depth[i]]) depth[i]++;
		depth[i] = 6 + (i % 8) < depth[i] ? 6 + (i % 8) : depth[i];
	}
	lttng_ust_tracepoint(cprof, thread_start, (uint64_t) me + 1, tids[M],
		(uint64_t) pthread_self(), (uint64_t) (uintptr_t) bulk_worker, "bulk");
	__atomic_store_n(&bulk_tids[me], gettid_(), __ATOMIC_RELEASE);
	for (int k = 0; k < BULK_THREADS; k++)
		while (!__atomic_load_n(&bulk_tids[k], __ATOMIC_ACQUIRE))
			usleep(100);
	for (long i = 0; i < bulk_per_thread; i++) {
		unsigned kind = kinds[i % 6];
		uint64_t obj = (uint64_t) (uintptr_t) &bulk_locks[(i + me) % 8];
		uint64_t wobj = (uint64_t) (uintptr_t) &bulk_locks[(i + me + 1) % 8];
		int s = (int) ((i * 7 + me) % BULK_STACKS);
		if (bulk_sync) {
			/* a 1-3 us wait, most woken by the next bulk thread, written
			 * a little after it ended */
			struct cprof_sync_wait_ev e = { .kind = (uint8_t) (kind == CPROF_WAIT_NET_READ ?
					CPROF_WAIT_SEM : kind), .obj = obj, .dur_ns = 1000 + (uint64_t) (i % 2000),
				.waker_tid = i % 4 ? bulk_tids[(me + 1) % BULK_THREADS] : 0,
				.wake_ago_ns = 200, .end_ago_ns = 300, .gen = (uint32_t) i };
			lttng_ust_tracepoint(cprof, sync_wait, &e, stacks[s], (uint8_t) depth[s]);
		} else {
			lttng_ust_tracepoint(cprof, block_begin, (uint8_t) kind, obj, stacks[s],
				(uint8_t) depth[s]);
			lttng_ust_tracepoint(cprof, wake, (uint8_t) kind, wobj, 0);
			lttng_ust_tracepoint(cprof, block_end, (uint8_t) kind, obj, 0);
		}
		if (i % 2048 == 2047)
			usleep(400);   /* let the consumer daemon keep up: no discards */
	}
	lttng_ust_tracepoint(cprof, thread_end, (uint64_t) pthread_self());
	return NULL;
}

static void bulk(long events)
{
	pthread_t th[BULK_THREADS];
	bulk_per_thread = events / (bulk_sync ? 1 : 3) / BULK_THREADS + 1;
	emit_process(modules_file);
	lttng_ust_tracepoint(cprof, thread_status, tids[M], (uint64_t) handles[M], "gen-bulk",
		0, 0, 0, 0, 0);
	for (int i = 0; i < 8; i++)
		pthread_mutex_init(&bulk_locks[i], NULL);
	for (int i = 0; i < BULK_THREADS; i++) {
		pthread_create(&th[i], NULL, bulk_worker, (void *) (intptr_t) i);
		emit_thread_create((uint64_t) i + 1, th[i], bulk_worker);
	}
	for (int i = 0; i < BULK_THREADS; i++)
		pthread_join(th[i], NULL);
	lttng_ust_tracepoint(cprof, trace_end, BULK_THREADS + 1, 0);
}

int main(int argc, char **argv)
{
	long events = 0;
	int wait_go = 0, opt;

	while ((opt = getopt(argc, argv, "n:m:ws")) != -1) {
		switch (opt) {
		case 'n': events = atol(optarg); break;
		case 's': bulk_sync = 1; break;
		case 'm': modules_file = optarg; break;
		case 'w': wait_go = 1; break;
		default:
			fprintf(stderr, "usage: gen_events [-n EVENTS [-s]] [-m modules.tsv] [-w]\n");
			return 2;
		}
	}
	handles[M] = pthread_self();
	tids[M] = gettid_();
	backtrace((void *[1]) { 0 }, 1);    /* loads libgcc before tracing */
	if (!events) {
		/* P and Q exist before the trace starts */
		pthread_create(&handles[P], NULL, gen_worker_main, (void *) (intptr_t) P);
		pthread_create(&handles[Q], NULL, gen_worker_main, (void *) (intptr_t) Q);
		while (!tids[P] || !tids[Q]) usleep(100);
	}
	if (wait_go) {
		char line[16];
		if (!fgets(line, sizeof line, stdin))
			return 1;
	}
	uint64_t t0 = now_ns();
	if (events) {
		bulk(events);
	} else {
		run_steps(M);
		pthread_join(handles[P], NULL);
		pthread_join(handles[Q], NULL);
		pthread_join(handles[A], NULL);
		pthread_join(handles[B], NULL);
	}
	fprintf(stderr, "gen_events: done in %.3f s\n", (now_ns() - t0) / 1e9);
	/* the scenario's late wakes must come within the converter's window
	 * (200 us after their wait): a busy machine can delay one more */
	if (late_gap_ns > 120000) {
		fprintf(stderr, "gen_events: a late wake came %.0f us after its step (the window "
			"is 200 us): the machine was too busy, record again\n", late_gap_ns / 1e3);
		return 3;
	}
	return 0;
}
