/* wrap_pthread.c: the interposed pthread functions.
 *
 * Rules (DESIGN.md §2): the uncontended path records nothing - every lock
 * first tries the non-blocking variant and only on failure records a block;
 * a per-thread guard (initial-exec TLS) keeps cprof's own calls and
 * lttng-ust's from being recorded; real functions are looked up lazily with
 * dlsym(RTLD_NEXT) so the wrappers work before the library constructor ran;
 * nothing here may abort or change what the host program sees (return values
 * and errno are the real function's).
 *
 * Wakers: glibc's lock words say whether anyone waits, so the unlock /
 * signal / post side looks for its wakee only when it actually wakes
 * someone.  A wait begun during a capture is reported whole when it ends
 * (cprof:sync_wait, block.c), the waker's tid and time found in the
 * waiter's record; only the others get a cprof:wake. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <pty.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <lttng/ust-fork.h>

#include "internal.h"
#include "cprof_tp.h"

#define EXPORT __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- real functions ----------------------------------------------------- */

#define REAL_FNS(X) \
	X(pthread_create, int, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *)) \
	X(pthread_join, int, (pthread_t, void **)) \
	X(pthread_tryjoin_np, int, (pthread_t, void **)) \
	X(pthread_timedjoin_np, int, (pthread_t, void **, const struct timespec *)) \
	X(pthread_setname_np, int, (pthread_t, const char *)) \
	X(pthread_mutex_lock, int, (pthread_mutex_t *)) \
	X(pthread_mutex_trylock, int, (pthread_mutex_t *)) \
	X(pthread_mutex_timedlock, int, (pthread_mutex_t *, const struct timespec *)) \
	X(pthread_mutex_clocklock, int, (pthread_mutex_t *, clockid_t, const struct timespec *)) \
	X(pthread_mutex_unlock, int, (pthread_mutex_t *)) \
	X(pthread_rwlock_rdlock, int, (pthread_rwlock_t *)) \
	X(pthread_rwlock_tryrdlock, int, (pthread_rwlock_t *)) \
	X(pthread_rwlock_timedrdlock, int, (pthread_rwlock_t *, const struct timespec *)) \
	X(pthread_rwlock_clockrdlock, int, (pthread_rwlock_t *, clockid_t, const struct timespec *)) \
	X(pthread_rwlock_wrlock, int, (pthread_rwlock_t *)) \
	X(pthread_rwlock_trywrlock, int, (pthread_rwlock_t *)) \
	X(pthread_rwlock_timedwrlock, int, (pthread_rwlock_t *, const struct timespec *)) \
	X(pthread_rwlock_clockwrlock, int, (pthread_rwlock_t *, clockid_t, const struct timespec *)) \
	X(pthread_rwlock_unlock, int, (pthread_rwlock_t *)) \
	X(pthread_spin_lock, int, (pthread_spinlock_t *)) \
	X(pthread_spin_trylock, int, (pthread_spinlock_t *)) \
	X(pthread_barrier_wait, int, (pthread_barrier_t *)) \
	X(sem_wait, int, (sem_t *)) \
	X(sem_trywait, int, (sem_t *)) \
	X(sem_timedwait, int, (sem_t *, const struct timespec *)) \
	X(sem_clockwait, int, (sem_t *, clockid_t, const struct timespec *)) \
	X(sem_post, int, (sem_t *)) \
	X(fork, pid_t, (void))

/* condvars have two symbol versions; the wrappers are the current ABI. */
#define REAL_COND_FNS(X) \
	X(pthread_cond_wait, int, (pthread_cond_t *, pthread_mutex_t *)) \
	X(pthread_cond_timedwait, int, (pthread_cond_t *, pthread_mutex_t *, const struct timespec *)) \
	X(pthread_cond_signal, int, (pthread_cond_t *)) \
	X(pthread_cond_broadcast, int, (pthread_cond_t *))

#define DECL(name, ret, args) static ret (*real_##name) args;
REAL_FNS(DECL)
REAL_COND_FNS(DECL)
static int (*real_pthread_cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t,
	const struct timespec *);

static void *resolve(const char *name, const char *version)
{
	void *p = version ? dlvsym(RTLD_NEXT, name, version) : NULL;
	if (!p)
		p = dlsym(RTLD_NEXT, name);
	if (!p) {
		cprof_log("cannot find the real %s; calls to it fail with ENOSYS", name);
		cprof_internal_errors++;
	}
	return p;
}

#define REAL(name) (likely(real_##name != NULL) ? real_##name : \
	(real_##name = (__typeof__(real_##name))resolve(#name, NULL)))
#define REAL_COND(name) (likely(real_##name != NULL) ? real_##name : \
	(real_##name = (__typeof__(real_##name))resolve(#name, "GLIBC_2.3.2")))
/* Missing real function (never on glibc): fail the call, do not crash. */
#define CALL(name, ...) (REAL(name) ? real_##name(__VA_ARGS__) : ENOSYS)
#define CALL_COND(name, ...) (REAL_COND(name) ? real_##name(__VA_ARGS__) : ENOSYS)

static uintptr_t ust_base;   /* liblttng-ust's load address: its threads are not ours */

/* ---- lttng-ust in fork children -------------------------------------------
 * lttng_ust_after_fork_child restarts lttng-ust in the child: its listener
 * threads connect to the session daemon, register, and take fds the daemon
 * sends.  A child that closes its fds with raw system calls before it execs
 * (Chromium's launcher; anything that walks /proc/self/fd with syscall())
 * closes them under lttng-ust, which then asserts when it gets one of those
 * numbers again or fails to close one (measured: 5-11 of 200 such children
 * aborted, traced or not).  The child has no capture (cprof forgets the
 * parent's at fork), so it stays unregistered until it starts one: lttng-ust
 * is reset as before, but socket() refuses its listeners' sockets while
 * cprof_ust_quiet is set - they find no daemon and wait, holding no fd, and
 * retry every 5 s.  A capture started in the child clears the flag and
 * ends that wait; the start waits for the registration
 * (cprof_core_on_trace_start). */
int cprof_ust_quiet;
CPROF_TLS int cprof_tls_ust_refused;
static uintptr_t ust_lo, ust_hi;   /* liblttng-ust.so's mapped range */

static int ust_range_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;
		if (a < lo)
			lo = a;
		if (a + ph->p_memsz > hi)
			hi = a + ph->p_memsz;
	}
	if (lo <= ust_base && ust_base < hi) {
		ust_lo = lo;
		ust_hi = hi;
		return 1;
	}
	return 0;
}

/* Once, from cprof_wrap_init, or from pthread_create when lttng-ust's
 * constructor starts its listener threads before ours ran. */
static void ust_range_init(void)
{
	Dl_info info;
	if (!ust_base && dladdr((void *)lttng_ust_before_fork, &info) && info.dli_fbase)
		ust_base = (uintptr_t)info.dli_fbase;
	if (ust_base && !ust_hi)
		dl_iterate_phdr(ust_range_cb, NULL);
}

int cprof_ust_caller(const void *ret_addr)
{
	return (uintptr_t)ret_addr >= ust_lo && (uintptr_t)ret_addr < ust_hi;
}

/* A refused listener retries after sleep(5) (wrap_sys.c sends that here):
 * the sleep ends early when the child starts a capture. */
unsigned cprof_ust_quiet_sleep(unsigned s)
{
	struct timespec ts = { s, 0 };
	while (__atomic_load_n(&cprof_ust_quiet, __ATOMIC_ACQUIRE)) {
		long r = syscall(SYS_futex, &cprof_ust_quiet, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0);
		if (r < 0 && errno == ETIMEDOUT)
			break;   /* (an EINTR restarts the whole delay: rare, harmless) */
	}
	return 0;
}

void cprof_ust_register(void)
{
	if (__atomic_exchange_n(&cprof_ust_quiet, 0, __ATOMIC_ACQ_REL))
		syscall(SYS_futex, &cprof_ust_quiet, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

void cprof_wrap_init(void)
{
#define RES(name, ret, args) REAL(name);
	REAL_FNS(RES)
#define RESC(name, ret, args) REAL_COND(name);
	REAL_COND_FNS(RESC)
	REAL_COND(pthread_cond_clockwait);
	ust_range_init();
	cprof_close_init();
	cprof_longjmp_init();
}

/* ---- recording helpers --------------------------------------------------- */

static inline int recording(void)
{
	return !cprof_tls_guard && !cprof_tls_ignored;
}

/* glibc lock words (nptl, 2.34+): does releasing this wake someone? */
static inline int mutex_has_waiters(const pthread_mutex_t *m)
{
	int kind = m->__data.__kind;
	unsigned lock = (unsigned)m->__data.__lock;
	if (kind & 64)                  /* priority-protect: encoding differs, assume yes */
		return 1;
	if (kind & (16 | 32))           /* robust / priority-inherit: FUTEX_WAITERS bit */
		return (lock & 0x80000000u) != 0;
	return lock > 1;                /* 2 = locked with waiters */
}

static inline int cond_has_waiters(const pthread_cond_t *c)
{
	return (c->__data.__wrefs >> 3) != 0;
}

static inline int sem_has_waiters(const sem_t *s)
{
	uint64_t data = __atomic_load_n((const uint64_t *)(const void *)s, __ATOMIC_RELAXED);
	return (data >> 32) != 0;
}

static inline int rwlock_has_waiters(const pthread_rwlock_t *rw)
{
	return (rw->__data.__readers & 2) || (rw->__data.__writers_futex & 2) ||
		(rw->__data.__wrphase_futex & 2);
}

/* glibc says someone waits: find whom, among the threads cprof saw block. */
#define WAKE_IF(kind, obj, cond, all) \
	do { \
		if (unlikely(cprof_tracing) && recording() && (cond)) \
			cprof_block_wake(kind, obj, all); \
	} while (0)

/* The same for a call that wakes at most one thread: the wakee is claimed
 * before the call (it cannot have ended its wait yet) and told - a stamp in
 * its record for a whole wait, before the call too (block.c), else a
 * cprof:wake after the call, out of the caller's critical section when the
 * call is an unlock (measured: with wake events inside it, a traced
 * pipeline with a hot queue lock lost 2-4% more throughput).  Mutex
 * unlocks, the hottest, claim after the call (pthread_mutex_unlock).
 * After an unlock (`flush`), this
 * thread's ended whole waits are written.  A cprof:wake may come after the
 * wait it ends: the converter takes one up to 200 us late
 * (converter/model.c). */
#define WAKE_AROUND(kind, obj, cond, call, flush) \
	do { \
		pid_t wakee_ = 0; \
		if (unlikely(cprof_tracing) && recording() && (cond)) \
			cprof_block_claim(obj, &wakee_, 0); \
		int r_ = call; \
		if (unlikely(wakee_)) \
			cprof_wake_emit(kind, obj, wakee_); \
		if (flush) \
			cprof_waits_flush_if(); \
		return r_; \
	} while (0)

/* ---- threads ------------------------------------------------------------- */

struct start_ctx {
	void *(*fn)(void *);
	void *arg;
	uint64_t create_id;
	pid_t creator;
	int ignored;
};

static uint64_t next_create_id = 1;
static CPROF_TLS int thread_exiting;

static void thread_done(void *unused)
{
	struct cprof_thread *t = cprof_tls_self;
	/* a cancellation unwinds through whatever was running: cprof's frames
	 * (guard left raised) and the wait it was in (never finished) */
	cprof_tls_guard = 0;
	if (t && !cprof_tls_ignored) {
		cprof_block_abandon(t);
		cprof_net_wait_abandon(t, ECANCELED);
	}
	cprof_waits_flush_if();
	if (t && cprof_tracing && !cprof_tls_ignored &&
			lttng_ust_tracepoint_enabled(cprof, thread_end)) {
		cprof_tls_guard++;
		lttng_ust_do_tracepoint(cprof, thread_end, t->handle);
		cprof_tls_guard--;
	}
	cprof_tls_guard++;
	cprof_thread_unregister();
	cprof_tls_guard--;
	/* TLS destructors run after this and may lock: record nothing more. */
	thread_exiting = 1;
	cprof_tls_ignored++;
}

static void *thread_trampoline(void *p)
{
	struct start_ctx ctx = *(struct start_ctx *)p;
	cprof_tls_guard++;
	free(p);
	cprof_tls_guard--;
	if (ctx.ignored) {
		cprof_tls_ignored = 1;
		return ctx.fn(ctx.arg);
	}
	cprof_tls_guard++;
	struct cprof_thread *t = cprof_thread_register((uint64_t)(uintptr_t)ctx.fn, ctx.creator);
	if (t && cprof_tracing && lttng_ust_tracepoint_enabled(cprof, thread_start))
		lttng_ust_do_tracepoint(cprof, thread_start, ctx.create_id, ctx.creator, t->handle,
			(uint64_t)(uintptr_t)ctx.fn, t->name);
	cprof_tls_guard--;
	void *ret;
	pthread_cleanup_push(thread_done, NULL);
	ret = ctx.fn(ctx.arg);
	pthread_cleanup_pop(1);
	return ret;
}

/* A thread the program gives a small stack of a set size has less of it
 * with cprof loaded: glibc carves static TLS out of the stack (lttng-ust's
 * is 2.3 KiB, libcprof's 164 B) and cprof's wrappers and lttng-ust's probes
 * run on it.  A program that fit in 16 KiB stacks crashed preloaded
 * (tests/tracer/small_stacks).  Such a stack is made STACK_ROOM larger; a
 * stack the program allocated itself (stackaddr) is left alone.  The copy
 * of the attributes shares glibc's extension data (CPU set, signal mask)
 * with the program's: it is only read, and never destroyed. */
#define STACK_ROOM (32u << 10)
#define SMALL_STACK (1u << 20)

static const pthread_attr_t *stack_room(const pthread_attr_t *attr, pthread_attr_t *bigger)
{
	size_t size = 0, size2 = 0;
	void *low = NULL;
	if (!attr || pthread_attr_getstacksize(attr, &size) || size >= SMALL_STACK)
		return attr;
	/* glibc answers the top minus the size: 0 when no stack was given */
	if (pthread_attr_getstack(attr, &low, &size2) || (uintptr_t)low + size2 != 0)
		return attr;
	memcpy(bigger, attr, sizeof *bigger);
	if (pthread_attr_setstacksize(bigger, size + STACK_ROOM))
		return attr;
	return bigger;
}

/* lttng-ust starts its listener threads from its own constructor, before
 * ours ran: its range is looked up here too. */
static int created_by_lttng_ust(const void *caller)
{
	if (!ust_hi)
		ust_range_init();
	return cprof_ust_caller(caller);
}

EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *),
		void *arg)
{
	if (!REAL(pthread_create))
		return EAGAIN;
	/* (lttng-ust's listener threads, started again in a fork child from
	 * within cprof's fork(), are still marked as not the program's) */
	if (cprof_tls_guard && !cprof_ust_caller(__builtin_return_address(0)))
		return real_pthread_create(th, attr, fn, arg);
	int saved = errno;
	cprof_tls_guard++;
	struct start_ctx *ctx = malloc(sizeof *ctx);
	cprof_tls_guard--;
	if (!ctx) {
		errno = saved;
		return real_pthread_create(th, attr, fn, arg);
	}
	ctx->fn = fn;
	ctx->arg = arg;
	ctx->create_id = __atomic_fetch_add(&next_create_id, 1, __ATOMIC_RELAXED);
	ctx->creator = cprof_tls_self ? cprof_tls_self->tid : cprof_gettid();
	ctx->ignored = cprof_tls_ignored || created_by_lttng_ust(__builtin_return_address(0));
	uint64_t id = ctx->create_id;
	if (!ctx->ignored && cprof_tracing && lttng_ust_tracepoint_enabled(cprof, thread_create)) {
		uint64_t pcs[CPROF_STACK_MAX];
		cprof_tls_guard++;
		int n = cprof_stack_capture(pcs);
		lttng_ust_do_tracepoint(cprof, thread_create, id, 0, (uint64_t)(uintptr_t)fn, pcs,
			(uint8_t)n);
		cprof_tls_guard--;
	}
	errno = saved;
	pthread_attr_t bigger;
	int r = real_pthread_create(th, stack_room(attr, &bigger), thread_trampoline, ctx);
	if (r != 0) {
		cprof_tls_guard++;
		free(ctx);
		cprof_tls_guard--;
	}
	return r;
}

EXPORT int pthread_join(pthread_t th, void **ret)
{
	if (!recording())
		return CALL(pthread_join, th, ret);
	int r = CALL(pthread_tryjoin_np, th, ret);
	if (r != EBUSY)
		return r;
	cprof_block_begin(CPROF_WAIT_JOIN, (void *)th);
	r = CALL(pthread_join, th, ret);
	cprof_block_end(CPROF_WAIT_JOIN, (void *)th, r);
	return r;
}

EXPORT int pthread_timedjoin_np(pthread_t th, void **ret, const struct timespec *abstime)
{
	if (!recording())
		return CALL(pthread_timedjoin_np, th, ret, abstime);
	int r = CALL(pthread_tryjoin_np, th, ret);
	if (r != EBUSY)
		return r;
	cprof_block_begin(CPROF_WAIT_JOIN, (void *)th);
	r = CALL(pthread_timedjoin_np, th, ret, abstime);
	cprof_block_end(CPROF_WAIT_JOIN, (void *)th, r);
	return r;
}

EXPORT int pthread_setname_np(pthread_t th, const char *name)
{
	int r = CALL(pthread_setname_np, th, name);
	if (r == 0 && !cprof_tls_guard)
		cprof_thread_renamed((uint64_t)th, name);
	return r;
}

EXPORT int cprof_thread_set_name(const char *name)
{
	if (!name)
		return -EINVAL;
	char short_name[16];
	strncpy(short_name, name, sizeof short_name - 1);
	short_name[sizeof short_name - 1] = 0;
	cprof_tls_guard++;
	int r = CALL(pthread_setname_np, pthread_self(), short_name);
	cprof_tls_guard--;
	cprof_thread_renamed((uint64_t)pthread_self(), name);
	return -r;
}

/* ---- mutexes ------------------------------------------------------------- */

/* Trylock first: uncontended locks cost one extra call, record nothing.
 * When it fails, the wait is prepared (published, stack taken: ~50-100 ns)
 * and the lock tried once more: if the holder let go meanwhile, nothing is
 * recorded - that "wait" would only have measured cprof itself, and glibc's
 * waiter bit, never set, could not have named its waker (measured: a third
 * of the pipeline's mutex waits had no waker before). */
#define TRY_THEN_BLOCK(kind, obj, trycall, blockcall) \
	do { \
		if (!recording()) \
			return blockcall; \
		int r_ = trycall; \
		if (r_ != EBUSY) \
			return r_; \
		struct cprof_block_pending p_; \
		cprof_block_prepare(&p_, kind, obj); \
		r_ = trycall; \
		if (r_ != EBUSY) { \
			cprof_block_cancel(&p_); \
			return r_; \
		} \
		cprof_block_commit(&p_); \
		r_ = blockcall; \
		cprof_block_finish(&p_, r_); \
		return r_; \
	} while (0)

EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	TRY_THEN_BLOCK(CPROF_WAIT_MUTEX, m, CALL(pthread_mutex_trylock, m),
		CALL(pthread_mutex_lock, m));
}

EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	TRY_THEN_BLOCK(CPROF_WAIT_MUTEX, m, CALL(pthread_mutex_trylock, m),
		CALL(pthread_mutex_timedlock, m, abstime));
}

EXPORT int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clk, const struct timespec *abstime)
{
	TRY_THEN_BLOCK(CPROF_WAIT_MUTEX, m, CALL(pthread_mutex_trylock, m),
		CALL(pthread_mutex_clocklock, m, clk, abstime));
}

EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
	/* glibc's waiter bit misses a thread between its failed trylocks and
	 * its real lock (this unlock lets it through unrecorded): the second
	 * trylock after preparing the wait (TRY_THEN_BLOCK) makes that rare.
	 * The claim comes after the unlock, out of the critical section
	 * (measured, traced pipeline, paired A/B of 20 rounds, twice: 1.6% and
	 * 0.9% less CPU per item than with it before - its reads of lines
	 * other threads write kept the lock held longer); the wakee cannot
	 * have ended its wait unclaimed and withdrawn it in the few hundred ns
	 * this takes, unless it preempted this thread: then it takes the wake
	 * this thread announced on its CPU (cprof_wake_announce in core.c). */
	if (likely(!cprof_tracing) || !recording() || !mutex_has_waiters(m)) {
		int r = CALL(pthread_mutex_unlock, m);
		cprof_waits_flush_if();
		return r;
	}
	if (unlikely(cprof_wait_seeded(m)))     /* a wait from before the capture */
		WAKE_AROUND(CPROF_WAIT_MUTEX, m, 1, CALL(pthread_mutex_unlock, m), 1);
	uint64_t word = 0;
	int cpu = cprof_wake_announce((uint64_t)(uintptr_t)m, &word);
	int r = CALL(pthread_mutex_unlock, m);
	if (cprof_wake_retract(cpu, word) && r == 0) {
		pid_t wakee = 0;
		cprof_block_claim(m, &wakee, 1);
		if (unlikely(wakee))
			cprof_wake_emit(CPROF_WAIT_MUTEX, m, wakee);
	}
	cprof_waits_flush_if();
	return r;
}

/* ---- rwlocks --------------------------------------------------------------- */

EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *rw)
{
	TRY_THEN_BLOCK(CPROF_WAIT_RWLOCK_READ, rw, CALL(pthread_rwlock_tryrdlock, rw),
		CALL(pthread_rwlock_rdlock, rw));
}

EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *rw, const struct timespec *abstime)
{
	TRY_THEN_BLOCK(CPROF_WAIT_RWLOCK_READ, rw, CALL(pthread_rwlock_tryrdlock, rw),
		CALL(pthread_rwlock_timedrdlock, rw, abstime));
}

EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t *rw, clockid_t clk,
		const struct timespec *abstime)
{
	TRY_THEN_BLOCK(CPROF_WAIT_RWLOCK_READ, rw, CALL(pthread_rwlock_tryrdlock, rw),
		CALL(pthread_rwlock_clockrdlock, rw, clk, abstime));
}

EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *rw)
{
	TRY_THEN_BLOCK(CPROF_WAIT_RWLOCK_WRITE, rw, CALL(pthread_rwlock_trywrlock, rw),
		CALL(pthread_rwlock_wrlock, rw));
}

EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *rw, const struct timespec *abstime)
{
	TRY_THEN_BLOCK(CPROF_WAIT_RWLOCK_WRITE, rw, CALL(pthread_rwlock_trywrlock, rw),
		CALL(pthread_rwlock_timedwrlock, rw, abstime));
}

EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t *rw, clockid_t clk,
		const struct timespec *abstime)
{
	TRY_THEN_BLOCK(CPROF_WAIT_RWLOCK_WRITE, rw, CALL(pthread_rwlock_trywrlock, rw),
		CALL(pthread_rwlock_clockwrlock, rw, clk, abstime));
}

EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *rw)
{
	/* Which side waits is not known here: the wake names the longest
	 * waiter, whose own block says read or write. */
	WAKE_AROUND(CPROF_WAIT_RWLOCK_WRITE, rw, rwlock_has_waiters(rw), CALL(pthread_rwlock_unlock, rw),
		1);
}

/* ---- spinlocks, barriers ------------------------------------------------- */

EXPORT int pthread_spin_lock(pthread_spinlock_t *s)
{
	TRY_THEN_BLOCK(CPROF_WAIT_SPIN, (const void *)s, CALL(pthread_spin_trylock, s),
		CALL(pthread_spin_lock, s));
}

EXPORT int pthread_barrier_wait(pthread_barrier_t *b)
{
	if (!recording())
		return CALL(pthread_barrier_wait, b);
	cprof_block_begin(CPROF_WAIT_BARRIER, b);
	int r = CALL(pthread_barrier_wait, b);
	cprof_block_end(CPROF_WAIT_BARRIER, b, r == PTHREAD_BARRIER_SERIAL_THREAD ? 0 : r);
	return r;
}

/* ---- condition variables --------------------------------------------------- */

/* Waiting releases the mutex inside libc: if that wakes a thread blocked on
 * the mutex, we are its waker. */
#define COND_WAIT(c, m, call) \
	do { \
		if (!recording()) \
			return call; \
		WAKE_IF(CPROF_WAIT_MUTEX, m, mutex_has_waiters(m), 0); \
		struct cprof_block_pending p_; \
		cprof_block_prepare(&p_, CPROF_WAIT_COND, c); \
		cprof_block_commit(&p_); \
		int r_ = call; \
		cprof_block_finish(&p_, r_); \
		return r_; \
	} while (0)

EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	COND_WAIT(c, m, CALL_COND(pthread_cond_wait, c, m));
}

EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
		const struct timespec *abstime)
{
	COND_WAIT(c, m, CALL_COND(pthread_cond_timedwait, c, m, abstime));
}

EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk,
		const struct timespec *abstime)
{
	COND_WAIT(c, m, CALL_COND(pthread_cond_clockwait, c, m, clk, abstime));
}

/* glibc counts a condvar's waiters (__wrefs) until they have left the
 * wait, signalled or not: a queue's condvar has some almost always, already
 * signalled and claimed, and a traced pipeline made 1.2 claims per item on
 * them of which 5% found a waiter (measured; each claim reads lines other
 * threads write).  So each thread remembers the condvar where its last
 * claim found no waiter, with the condvar's waiter sequence then (__wseq,
 * which every new wait advances; claims by others only take waiters away):
 * while both are unchanged there is still none, no claim.  (Also per
 * capture: a capture's status dump adds the waits already running.) */
static CPROF_TLS struct {
	const pthread_cond_t *cond;
	uint64_t wseq;
	uint32_t capture;
} cond_none;

static inline int cond_wseq_unchanged(const pthread_cond_t *c, uint64_t *wseq)
{
	*wseq = __atomic_load_n(&c->__data.__wseq.__value64, __ATOMIC_ACQUIRE);
	return cond_none.cond == c && cond_none.wseq == *wseq &&
		cond_none.capture == cprof_capture_seq;
}

static inline void cond_found_none(const pthread_cond_t *c, uint64_t wseq)
{
	cond_none.cond = c;
	cond_none.wseq = wseq;
	cond_none.capture = cprof_capture_seq;
}

EXPORT int pthread_cond_signal(pthread_cond_t *c)
{
	/* (no flush: a signal is most often sent inside the critical section) */
	pid_t wakee = 0;
	uint64_t wseq;
	if (unlikely(cprof_tracing) && recording() && cond_has_waiters(c) &&
			!cond_wseq_unchanged(c, &wseq) && !cprof_block_claim(c, &wakee, 0))
		cond_found_none(c, wseq);
	int r = CALL_COND(pthread_cond_signal, c);
	if (unlikely(wakee))
		cprof_wake_emit(CPROF_WAIT_COND, c, wakee);
	return r;
}

EXPORT int pthread_cond_broadcast(pthread_cond_t *c)
{
	uint64_t wseq;
	if (unlikely(cprof_tracing) && recording() && cond_has_waiters(c) &&
			!cond_wseq_unchanged(c, &wseq) && !cprof_block_wake(CPROF_WAIT_COND, c, 1))
		cond_found_none(c, wseq);
	return CALL_COND(pthread_cond_broadcast, c);
}

/* ---- semaphores (-1/errno convention) ------------------------------------- */

#define SEM_TRY_THEN_BLOCK(s, blockcall) \
	do { \
		if (!REAL(sem_trywait)) { errno = ENOSYS; return -1; } \
		if (!recording()) \
			return blockcall; \
		int saved_ = errno; \
		if (real_sem_trywait(s) == 0) \
			return 0; \
		if (errno != EAGAIN) \
			return -1; \
		errno = saved_; \
		struct cprof_block_pending p_; \
		cprof_block_prepare(&p_, CPROF_WAIT_SEM, s); \
		if (real_sem_trywait(s) == 0) { \
			cprof_block_cancel(&p_); \
			return 0; \
		} \
		if (errno != EAGAIN) { \
			cprof_block_cancel(&p_); \
			return -1; \
		} \
		errno = saved_; \
		cprof_block_commit(&p_); \
		int r_ = blockcall; \
		cprof_block_finish(&p_, r_ == 0 ? 0 : errno); \
		return r_; \
	} while (0)

EXPORT int sem_wait(sem_t *s)
{
	if (!REAL(sem_wait)) { errno = ENOSYS; return -1; }
	SEM_TRY_THEN_BLOCK(s, real_sem_wait(s));
}

EXPORT int sem_timedwait(sem_t *s, const struct timespec *abstime)
{
	if (!REAL(sem_timedwait)) { errno = ENOSYS; return -1; }
	SEM_TRY_THEN_BLOCK(s, real_sem_timedwait(s, abstime));
}

EXPORT int sem_clockwait(sem_t *s, clockid_t clk, const struct timespec *abstime)
{
	if (!REAL(sem_clockwait)) { errno = ENOSYS; return -1; }
	SEM_TRY_THEN_BLOCK(s, real_sem_clockwait(s, clk, abstime));
}

EXPORT int sem_post(sem_t *s)
{
	if (!REAL(sem_post)) { errno = ENOSYS; return -1; }
	WAKE_AROUND(CPROF_WAIT_SEM, s, sem_has_waiters(s), real_sem_post(s), 1);
}

/* ---- fork ------------------------------------------------------------------- */

/* lttng-ust needs its fork hooks around fork() (what liblttng-ust-fork.so
 * does); the child owns no capture and only the forking thread survives.
 * The child's lttng-ust stays off the session daemon (cprof_ust_quiet). */
/* Set around the hooks: a glibc whose forkpty or daemon calls fork()
 * through its symbol (before 2.34, in libutil) gets them once. */
static CPROF_TLS int in_fork_hooks;

/* Around every fork, also glibc's own inside forkpty and daemon: lttng-ust's
 * locks held across it (cprof's guard up: they are not the program's). */
static void fork_hooks_before(sigset_t *set)
{
	int saved = errno;
	cprof_fork_parent = getpid();
	cprof_tls_guard++;
	lttng_ust_before_fork(set);
	in_fork_hooks = 1;
	errno = saved;
}

/* child: in the new process */
static void fork_hooks_after(sigset_t *set, int child)
{
	int saved = errno;
	in_fork_hooks = 0;
	if (child) {
		__atomic_store_n(&cprof_ust_quiet, 1, __ATOMIC_RELEASE);
		lttng_ust_after_fork_child(set);
		cprof_atfork_child_core();
		cprof_api_atfork_child();
	} else {
		lttng_ust_after_fork_parent(set);
	}
	cprof_tls_guard--;
	errno = saved;
}

EXPORT pid_t fork(void)
{
	if (!REAL(fork)) {
		errno = ENOSYS;
		return -1;
	}
	if (in_fork_hooks)
		return real_fork();
	sigset_t set;
	fork_hooks_before(&set);
	pid_t pid = real_fork();
	fork_hooks_after(&set, pid == 0);
	return pid;
}

/* forkpty(3) forks inside glibc too: the child went on with the parent's
 * lttng-ust state and cprof's capture flag, and wrote its threads' events
 * into the parent's buffers, as threads of the parent (measured: the
 * child's two threads in the parent's trace).  Same hooks as fork(). */
EXPORT pid_t forkpty(int *amaster, char *name, const struct termios *termp,
		const struct winsize *winp)
{
	static pid_t (*real_forkpty)(int *, char *, const struct termios *,
		const struct winsize *);
	if (!real_forkpty && !(real_forkpty = (pid_t (*)(int *, char *, const struct termios *,
			const struct winsize *))resolve("forkpty", NULL))) {
		errno = ENOSYS;
		return -1;
	}
	sigset_t set;
	fork_hooks_before(&set);
	pid_t pid = real_forkpty(amaster, name, termp, winp);
	fork_hooks_after(&set, pid == 0);
	return pid;
}

/* setsid(2): a fork child leaving its session daemonizes by hand; the
 * endpoint follows it once its parent is gone (api.c, cprof_api_setsid). */
EXPORT pid_t setsid(void)
{
	static pid_t (*real_setsid)(void);
	if (!real_setsid && !(real_setsid = (pid_t (*)(void))resolve("setsid", NULL))) {
		errno = ENOSYS;
		return -1;
	}
	pid_t r = real_setsid();
	if (r >= 0 && !cprof_tls_guard) {
		int saved = errno;
		cprof_api_setsid();
		errno = saved;
	}
	return r;
}

/* daemon(3): glibc forks inside it without fork()'s symbol, so neither
 * lttng-ust's fork hooks nor cprof's ran: the daemon inherited lttng-ust's
 * registration (its events were the parent's), a dead endpoint (its threads
 * gone, its socket still listening: requests hung) and a whole-run trace
 * nobody wrote (its owner had exited).  The program goes on in the daemon,
 * so cprof does: before the call the endpoint is stopped and the whole-run
 * trace dropped, as before an exec; glibc's daemon() runs between
 * lttng-ust's fork hooks; in the daemon both start again (a capture then
 * covers what the daemon does; the trace file is written when it exits;
 * the endpoint keeps its port, also one the system chose).  The parent
 * exits inside glibc's call; if the fork fails they start again in the
 * caller. */
EXPORT int daemon(int nochdir, int noclose)
{
	static int (*real_daemon)(int, int);
	if (!real_daemon && !(real_daemon = (int (*)(int, int))resolve("daemon", NULL))) {
		errno = ENOSYS;
		return -1;
	}
	static char old_tmp[PATH_MAX];
	int old_fd;
	const char *path = cprof_daemon_handover(old_tmp, sizeof old_tmp, &old_fd);
	const char *addr = cprof_daemon_http_handover();
	if (path)
		cprof_log("daemon(): the whole-run trace goes on in the daemon process and is "
			"written to %s when it exits", path);
	sigset_t set;
	pid_t parent = getpid();
	fork_hooks_before(&set);
	int r = real_daemon(nochdir, noclose);
	int saved = errno;
	int child = getpid() != parent;
	fork_hooks_after(&set, child);
	if (child) {
		cprof_daemon_child(path, addr, old_tmp, old_fd);
	} else {
		if (old_fd >= 0)
			close(old_fd);
		if (old_tmp[0])
			unlink(old_tmp);
		if (addr)
			cprof_exec_http_failed(addr);
		if (path)
			cprof_exec_failed(path);
	}
	errno = saved;
	return r;
}
