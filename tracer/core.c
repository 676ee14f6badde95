/* core.c: library init, the thread registry and the trace-start status dump.
 *
 * Every traced thread owns a struct cprof_thread in a global list.  The
 * owning thread writes its current wait there (kind, object, since) on the
 * slow path of the blocking wrappers, so when a capture starts the status
 * dump can say what each thread is blocked on and since when - the C analog
 * of Go's GoStatus events. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "cprof_tp.h"

CPROF_TLS int cprof_tls_guard;
CPROF_TLS int cprof_tls_ignored;
CPROF_TLS struct cprof_thread *cprof_tls_self;
volatile int cprof_tracing;
volatile uint32_t cprof_capture_seq;
volatile uint64_t cprof_internal_errors;

static struct cprof_thread *registry;     /* owned; push-only list */
static volatile uint64_t registry_count;   /* records in use */
static int core_ready;

/* ---- who waits on what ----------------------------------------------------
 * A waker must find the threads blocked on an object.  Scanning every record
 * touches one cache line per thread, each written by its owner at every wait
 * (measured: the largest cprof symbol, 5.7% of a traced pipeline's samples).
 * Instead, the first SLOTS records get a bit, and a waiting thread sets its
 * bit in the bucket of its object: a waker looks only at the threads whose
 * bits are set in one bucket.  Threads beyond SLOTS are counted in
 * `unslotted_waiting` and make wakers scan the whole registry. */
#define SLOTS 64
#define BUCKETS CPROF_WAIT_BUCKETS

static struct cprof_thread *slot_owner[SLOTS];
/* What slot i waits on while its bit is set (0: nothing), eight to a cache
 * line: a waker compares these instead of reading each candidate's record. */
static uint64_t slot_obj[SLOTS];
/* Slot i's wait was claimed by a waker (CLAIM_TAKEN) or ended unclaimed
 * (CLAIM_CLOSED) - its record's wake_claimed for the threads without a
 * slot. */
#define CLAIM_OPEN 0
#define CLAIM_TAKEN 1
#define CLAIM_CLOSED 2
#define CLAIM_GONE 3    /* withdrawn: its bit may stay set (stale bits, below) */
static uint8_t slot_claimed[SLOTS];
/* When slot i's wait began (CLOCK_MONOTONIC for a whole wait, else the
 * coarse clock): wakers pick the longest waiter, as the kernel's futex
 * queue does. */
static uint64_t slot_since[SLOTS];
static int next_slot;
struct cprof_wait_bucket cprof_wait_buckets[CPROF_WAIT_BUCKETS];
#define buckets cprof_wait_buckets
static volatile int unslotted_waiting;
static void stale_clear(struct cprof_thread *t);



/* ---- wakes announced before an unlock ------------------------------------
 * A mutex unlock claims its wakee after the call (pthread_mutex_unlock), but
 * the wakee often runs first: woken onto the unlocker's CPU, it preempts the
 * unlocker inside the unlock (measured: tests/tracer/whole_waits lost a
 * waker in 5 of 6 runs without this).  So the unlocker first leaves its tid
 * and the object in its CPU's word - a store to a line only that CPU's
 * threads write - and a wakee whose wait ended unclaimed looks in its own
 * CPU's word: the unlocker it preempted is there, and the wakee takes the
 * wake (the word goes to 0, so the unlocker makes no claim). */
#define PENDING_CPUS 256
static struct { uint64_t word; } __attribute__((aligned(64))) pending[PENDING_CPUS];

static inline uint64_t pending_word(uint64_t obj, pid_t tid)
{
	return (uint64_t)(uint32_t)tid << 32 | (uint32_t)(obj >> 3);
}

int cprof_wake_announce(uint64_t obj, uint64_t *word)
{
	struct cprof_thread *self = cprof_tls_self;
	int cpu = sched_getcpu();
	if (!self || cpu < 0 || cpu >= PENDING_CPUS)
		return -1;
	*word = pending_word(obj, self->tid);
	__atomic_store_n(&pending[cpu].word, *word, __ATOMIC_RELEASE);
	return cpu;
}

int cprof_wake_retract(int cpu, uint64_t word)
{
	if (cpu < 0)
		return 1;
	if (__atomic_compare_exchange_n(&pending[cpu].word, &word, 0, 0, __ATOMIC_ACQ_REL,
			__ATOMIC_ACQUIRE))
		return 1;
	/* 0: a wakee took it; else another thread of this CPU announced since */
	return word != 0;
}

static pid_t take_at(int cpu, uint64_t obj)
{
	uint64_t w = __atomic_load_n(&pending[cpu].word, __ATOMIC_ACQUIRE);
	if (!w || (uint32_t)w != (uint32_t)(obj >> 3) ||
			!__atomic_compare_exchange_n(&pending[cpu].word, &w, 0, 0, __ATOMIC_ACQ_REL,
				__ATOMIC_RELAXED))
		return 0;
	return (pid_t)(w >> 32);
}

static int pending_cpus;        /* CPUs configured, at most PENDING_CPUS (cprof_init) */

pid_t cprof_wake_take_announced(uint64_t obj, int slept)
{
	int cpu = sched_getcpu();
	pid_t tid = cpu >= 0 && cpu < PENDING_CPUS ? take_at(cpu, obj) : 0;
	if (tid || !slept)
		return tid;
	/* A wait that slept and ended unclaimed: its unlocker may also have
	 * been preempted (by another process) between its unlock and its
	 * claim while this thread woke on another CPU - seen on a loaded
	 * machine, tests/tracer/whole_waits lost a waker in ~1 of 40 runs
	 * under stress.  The words of the other CPUs, one line each: only for
	 * waits that slept (the short unclaimed ones, most of a busy mutex's,
	 * never look). */
	int n = __atomic_load_n(&pending_cpus, __ATOMIC_RELAXED);
	for (int c = 0; c < n && !tid; c++)
		if (c != cpu)
			tid = take_at(c, obj);
	return tid;
}

pid_t cprof_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* The coarse clock (a few ns, jiffy resolution) is enough for "blocked
 * since" in the status dump; precise times come from the events. */
uint64_t cprof_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Registers the calling thread (idempotent).  Called by the thread-start
 * trampoline and lazily for threads cprof did not see start (main). */
struct cprof_thread *cprof_thread_register(uint64_t start_routine, pid_t creator)
{
	if (cprof_tls_self)
		return cprof_tls_self;
	struct cprof_thread *t = NULL;
	for (struct cprof_thread *p = __atomic_load_n(&registry, __ATOMIC_ACQUIRE); p; p = p->next)
		if (!p->in_use && !__atomic_exchange_n(&p->in_use, 1, __ATOMIC_ACQ_REL)) {
			t = p;
			break;
		}
	if (!t) {
		void *mem = NULL;
		if (posix_memalign(&mem, 64, sizeof *t) != 0) {
			cprof_internal_error("thread registry allocation", ENOMEM);
			return NULL;
		}
		t = mem;
		memset(t, 0, sizeof *t);
		t->in_use = 1;
		t->wait_bucket = -1;
		for (int k = 0; k < CPROF_STALE; k++)
			t->stale[k] = -1;
		int slot = __atomic_fetch_add(&next_slot, 1, __ATOMIC_RELAXED);
		t->slot = slot < SLOTS ? slot : -1;
		if (t->slot >= 0)
			__atomic_store_n(&slot_owner[slot], t, __ATOMIC_RELEASE);
		t->next = __atomic_load_n(&registry, __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(&registry, &t->next, t, 1, __ATOMIC_RELEASE,
				__ATOMIC_RELAXED))
			;
	}
	cprof_wait_withdraw(t);
	stale_clear(t);
	t->wake_claimed = 0;
	t->wait_t0 = 0;
	for (int i = 0; i < CPROF_WAIT_SLOTS; i++)
		t->wake_word[i] = 0;
	t->wait_tag = 0;
	t->withdraw_due = 0;
	cprof_wait_slots_clear(t, 0);   /* left by a thread that ended unseen */
	t->tid = cprof_gettid();
	t->handle = (uint64_t)pthread_self();
	t->start_routine = start_routine;
	t->creator_tid = creator;
	/* PR_GET_NAME is one syscall; pthread_getname_np opens /proc. */
	if (prctl(PR_GET_NAME, t->name, 0, 0, 0) != 0)
		t->name[0] = 0;
	__atomic_fetch_add(&registry_count, 1, __ATOMIC_RELAXED);
	cprof_tls_self = t;
	return t;
}

struct cprof_thread *cprof_registry_head(void)
{
	return __atomic_load_n(&registry, __ATOMIC_ACQUIRE);
}

void cprof_thread_unregister(void)
{
	struct cprof_thread *t = cprof_tls_self;
	if (!t)
		return;
	cprof_tls_self = NULL;
	cprof_wait_withdraw(t);
	stale_clear(t);
	if (t->kw_n)
		cprof_keyed_wait_close(t);      /* a wait it never returned from */
	__atomic_fetch_sub(&registry_count, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&t->in_use, 0, __ATOMIC_RELEASE);
}

/* The waits a cprof:wake can name, the only ones in buckets (the others -
 * join, barrier, channels, annotations, sleep, I/O - get their waker
 * otherwise or have none). */
static inline int wakeable(uint8_t kind)
{
	return (kind >= CPROF_WAIT_MUTEX && kind <= CPROF_WAIT_SEM) || kind == CPROF_WAIT_FUTEX;
}

/* Slot i waits on obj since `since`, unclaimed: its arrays, then its bit -
 * unless it is set already (`set`), the fence then orders the arrays before
 * the caller's next try of the lock as the atomic would. */
static void slot_publish(int i, uint64_t obj, uint64_t since, int set)
{
	__atomic_store_n(&slot_claimed[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&slot_since[i], since, __ATOMIC_RELAXED);
	__atomic_store_n(&slot_obj[i], obj, __ATOMIC_RELAXED);
	if (set)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	else
		__atomic_fetch_or(&buckets[cprof_wait_bucket_of(obj)].bits, 1ull << i,
			__ATOMIC_SEQ_CST);
}

/* Stale bits.  A withdrawn wait's bit is not cleared: its slot stays in
 * the bucket, marked CLAIM_GONE (no waker takes it, no unlocker counts it
 * as an ended wait), and the thread's next wait in that bucket sets no bit.
 * A thread keeps CPROF_STALE such buckets, an older one's bit is cleared: a
 * worker that waits on a queue's mutex and condvar and a table's mutex in
 * turn touches no bucket line (the two atomics per wait on lines every
 * waiter writes; measured, paired A/B of the traced pipeline, 32 rounds,
 * twice: 0.994 and 0.993 of the CPU per item).  Wakers see more bits, in
 * the compact arrays they read anyway. */
static inline void bit_clear(int32_t b, int slot)
{
	__atomic_fetch_and(&buckets[b].bits, ~(1ull << slot), __ATOMIC_RELEASE);
}

static int stale_take(struct cprof_thread *t, int32_t b)
{
	for (int k = 0; k < CPROF_STALE; k++)
		if (t->stale[k] == b) {
			for (; k < CPROF_STALE - 1; k++)
				t->stale[k] = t->stale[k + 1];
			t->stale[CPROF_STALE - 1] = -1;
			return 1;
		}
	return 0;
}

static void stale_push(struct cprof_thread *t, int32_t b)
{
	int16_t old = t->stale[CPROF_STALE - 1];
	if (old >= 0)
		bit_clear(old, t->slot);
	for (int k = CPROF_STALE - 1; k > 0; k--)
		t->stale[k] = t->stale[k - 1];
	t->stale[0] = (int16_t)b;
}

/* Clears t's stale bits (a record taken by a new thread, or left). */
static void stale_clear(struct cprof_thread *t)
{
	for (int k = 0; k < CPROF_STALE; k++) {
		if (t->stale[k] >= 0 && t->slot >= 0)
			bit_clear(t->stale[k], t->slot);
		t->stale[k] = -1;
	}
}

void cprof_wait_publish(struct cprof_thread *t, uint8_t kind, uint64_t obj, int done_k)
{
	if (t->wait_bucket >= 0)   /* a wait interrupted by a nested one (signal handler) */
		cprof_wait_withdraw(t);
	cprof_wait_mark(t, kind, obj, done_k);
	/* Only captures emit wakes: outside them the shared bucket lines stay
	 * untouched (measured: with 4+4 threads waiting on one queue, the atomic
	 * on a shared line cost the idle pipeline several % of throughput).
	 * Waits already running when a capture starts are seeded by the status
	 * dump. */
	if (!cprof_tracing || !wakeable(kind)) {
		t->wait_bucket = -1;
	} else if (t->slot >= 0) {
		int32_t b = (int32_t)cprof_wait_bucket_of(obj);
		t->wait_bucket = b;
		slot_publish(t->slot, obj, t->wait_t0 ? t->wait_t0 : t->wait_since_ns, stale_take(t, b));
	} else {
		t->wait_bucket = BUCKETS;
		__atomic_fetch_add(&unslotted_waiting, 1, __ATOMIC_SEQ_CST);
	}
}

/* The status dump's side: thread t was waiting when the capture started. */
uint8_t cprof_wait_seeded_buckets[CPROF_WAIT_BUCKETS];

static void wait_seed(struct cprof_thread *t, uint8_t kind, uint64_t obj)
{
	if (kind == CPROF_WAIT_MUTEX)
		__atomic_store_n(&cprof_wait_seeded_buckets[cprof_wait_bucket_of(obj)], 1,
			__ATOMIC_RELEASE);
	if (t->slot >= 0 && wakeable(kind))
		slot_publish(t->slot, obj, t->wait_since_ns, 0);
}

void cprof_wait_withdraw(struct cprof_thread *t)
{
	__atomic_store_n(&t->wait_kind, 0, __ATOMIC_RELEASE);
	int32_t b = t->wait_bucket;
	if (b < 0) {
		/* a bit the status dump may have set for a wait begun before the
		 * capture: a read of a line nobody writes outside captures */
		if (t->slot >= 0) {
			uint64_t bit = 1ull << t->slot;
			int32_t sb = (int32_t)cprof_wait_bucket_of(t->wait_obj);
			if (__atomic_load_n(&buckets[sb].bits, __ATOMIC_RELAXED) & bit) {
				stale_take(t, sb);      /* cleared: no longer stale */
				bit_clear(sb, t->slot);
			}
		}
		return;
	}
	t->wait_bucket = -1;
	if (b < BUCKETS) {
		/* gone, whatever it was: also a wait never closed (its lock
		 * taken on the second try) - a waker that claimed it meanwhile
		 * stamped a wait that is never written */
		__atomic_store_n(&slot_claimed[t->slot], CLAIM_GONE, __ATOMIC_RELEASE);
		stale_push(t, b);
	}
	else
		__atomic_fetch_sub(&unslotted_waiting, 1, __ATOMIC_RELEASE);
}

void cprof_wait_stack_store(struct cprof_thread *t, const uint64_t *pcs, int n)
{
	if (n > CPROF_WAIT_STACK)
		n = CPROF_WAIT_STACK;
	uint32_t seq = t->wait_stack_seq;
	__atomic_store_n(&t->wait_stack_seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (int i = 0; i < n; i++)
		__atomic_store_n(&t->wait_pcs[i], pcs[i], __ATOMIC_RELAXED);
	__atomic_store_n(&t->wait_depth, (uint8_t)n, __ATOMIC_RELAXED);
	__atomic_store_n(&t->wait_stack_gen, t->wait_gen, __ATOMIC_RELAXED);
	__atomic_store_n(&t->wait_stack_seq, seq + 2, __ATOMIC_RELEASE);
}

int cprof_wait_stack_read(struct cprof_thread *t, uint32_t gen, uint64_t *pcs)
{
	uint32_t s1 = __atomic_load_n(&t->wait_stack_seq, __ATOMIC_ACQUIRE);
	if (s1 & 1)
		return 0;
	int n = __atomic_load_n(&t->wait_depth, __ATOMIC_RELAXED);
	uint32_t g = __atomic_load_n(&t->wait_stack_gen, __ATOMIC_RELAXED);
	if (n > CPROF_WAIT_STACK)
		n = CPROF_WAIT_STACK;
	for (int i = 0; i < n; i++)
		pcs[i] = __atomic_load_n(&t->wait_pcs[i], __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&t->wait_stack_seq, __ATOMIC_RELAXED) != s1 || g != gen)
		return 0;
	return n;
}

/* t's current wait is on obj and a candidate: open, or (after) ended
 * unclaimed - see claim_one. */
static inline int waits_on(struct cprof_thread *t, uint64_t obj, int after)
{
	uint8_t c = t->wake_claimed;
	return t->wait_obj == obj && __atomic_load_n(&t->wait_kind, __ATOMIC_ACQUIRE) &&
		(c == CLAIM_OPEN || (after && c == CLAIM_CLOSED)) && t != cprof_tls_self;
}

/* Claims the longest-waiting unclaimed thread blocked on obj (the slotted
 * ones first, read from the compact per-slot arrays); NULL if none.  *tag:
 * the claimed wait's number and record slot (wait_tag), read before the
 * claim (read after it, a waker delayed there could take the wakee's next
 * wait for its own).
 * `after`: the waking call is made (an unlock), so the wakee may have ended
 * its wait already; it stays a candidate until its thread withdraws it,
 * and if it is the longest waiter nobody is claimed - the next one did not
 * get this wake. */
static struct cprof_thread *claim_one(uint64_t obj, uint64_t *tag, int after)
{
	struct cprof_thread *self = cprof_tls_self;
	for (;;) {
		uint64_t bits = __atomic_load_n(&buckets[cprof_wait_bucket_of(obj)].bits,
			__ATOMIC_ACQUIRE);
		int best = -1;
		uint64_t best_since = UINT64_MAX;
		while (bits) {
			int i = __builtin_ctzll(bits);
			bits &= bits - 1;
			uint64_t since = __atomic_load_n(&slot_since[i], __ATOMIC_RELAXED);
			uint8_t c = __atomic_load_n(&slot_claimed[i], __ATOMIC_RELAXED);
			if (__atomic_load_n(&slot_obj[i], __ATOMIC_RELAXED) != obj ||
					!(c == CLAIM_OPEN || (after && c == CLAIM_CLOSED)) ||
					since >= best_since || slot_owner[i] == self)
				continue;
			best = i;
			best_since = since;
		}
		if (best < 0)
			break;
		struct cprof_thread *t = __atomic_load_n(&slot_owner[best], __ATOMIC_ACQUIRE);
		if (t) {
			*tag = __atomic_load_n(&t->wait_tag, __ATOMIC_ACQUIRE);
			uint8_t c = CLAIM_OPEN;
			if (__atomic_compare_exchange_n(&slot_claimed[best], &c, CLAIM_TAKEN, 0,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return t;
			if (c == CLAIM_CLOSED && after)
				return NULL;
		}
		/* another waker got it first: look again */
	}
	if (!__atomic_load_n(&unslotted_waiting, __ATOMIC_ACQUIRE))
		return NULL;
	for (;;) {
		struct cprof_thread *best = NULL;
		uint64_t best_since = UINT64_MAX;
		for (struct cprof_thread *t = __atomic_load_n(&registry, __ATOMIC_ACQUIRE); t;
				t = t->next)
			if (t->slot < 0 && waits_on(t, obj, after) && t->wait_since_ns < best_since) {
				best = t;
				best_since = t->wait_since_ns;
			}
		if (!best)
			return NULL;
		*tag = __atomic_load_n(&best->wait_tag, __ATOMIC_ACQUIRE);
		uint8_t c = CLAIM_OPEN;
		if (__atomic_compare_exchange_n(&best->wake_claimed, &c, CLAIM_TAKEN, 0,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return best;
		if (c == CLAIM_CLOSED && after)
			return NULL;
		/* another waker got it first: look again */
	}
}

/* A wait reported whole learns its waker from its record: the time, then
 * the word that names the wait and the waker (block.c reads them). */
/* Each wait reported whole has a stamp of its own, beside the slot of the
 * record that holds it (several of a thread's waits may end before its next
 * unlock writes them: a contended lock, then a condvar wait, which takes
 * the mutex back inside libc - measured, a traced pipeline: 13% of the
 * claimed waits lost their waker to a newer wait's stamp when a thread had
 * one stamp, and their writer spun for it in vain); the waker learns the
 * slot with the gen, in one word (wait_tag).  Never over a newer wait's
 * stamp, nor over another stamp of the same wait (a waker delayed after its
 * call could otherwise name itself the waker of the slot's next wait): the
 * word moves
 * to (gen, 0) - "being written", no waker for readers - then the time is
 * written, then (gen, tid), each step only if no newer stamp came between.
 * The time carries the low bits of its gen (WAKE_NS_TAG): a stamper
 * delayed between its two steps cannot leave its time under a newer
 * stamp's word. */
/* wake_ns: the stamp's time (78 hours of ns) under the low 16 bits of its
 * wait's gen */
#define WAKE_NS_MASK ((1ull << 48) - 1)
#define WAKE_NS_TAG(gen) ((uint64_t)((gen) & 0xffff) << 48)

static void stamp(struct cprof_thread *w, uint64_t tag)
{
	uint32_t gen = (uint32_t)(tag >> 8);
	int k = (int)(tag & 0xff) - 1;
	if (k < 0 || k >= CPROF_WAIT_SLOTS)
		return;         /* not a wait reported whole */
	struct cprof_thread *self = cprof_tls_self;
	pid_t me = self ? self->tid : cprof_gettid();
	uint64_t ns = cprof_mono_ns();
	uint64_t busy = (uint64_t)gen << 32;
	volatile uint64_t *word = &w->wake_word[k];
	volatile uint64_t *wns = &w->wake_ns[k];
	uint64_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	do {
		/* the same gen: the first stamp stays (a claim is the waiter's
		 * only one; a second stamper read the gen before the wakee moved
		 * on and claimed its next wait) */
		if (old && (int32_t)((uint32_t)(old >> 32) - gen) >= 0)
			return;
	} while (!__atomic_compare_exchange_n(word, &old, busy, 0, __ATOMIC_ACQ_REL,
			__ATOMIC_ACQUIRE));
	/* the time only while the word is still ours: a newer stamper moves
	 * the word before it writes its time, so a failed CAS (a newer time)
	 * is followed by a word this loop sees as not ours */
	uint64_t tagged = WAKE_NS_TAG(gen) | (ns & WAKE_NS_MASK);
	uint64_t t = __atomic_load_n(wns, __ATOMIC_ACQUIRE);
	do {
		if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != busy)
			return;
	} while (!__atomic_compare_exchange_n(wns, &t, tagged, 0, __ATOMIC_ACQ_REL,
			__ATOMIC_ACQUIRE));
	__atomic_compare_exchange_n(word, &busy, busy | (uint32_t)me, 0, __ATOMIC_RELEASE,
		__ATOMIC_RELAXED);
}

int cprof_wake_stamp_read(struct cprof_thread *t, int k, uint32_t gen, uint64_t end, int32_t *tid,
	uint64_t *ns)
{
	uint64_t w = __atomic_load_n(&t->wake_word[k], __ATOMIC_ACQUIRE);
	uint64_t tw = __atomic_load_n(&t->wake_ns[k], __ATOMIC_RELAXED);
	if ((uint32_t)(w >> 32) != gen || (uint32_t)w == 0 || (tw & ~WAKE_NS_MASK) != WAKE_NS_TAG(gen))
		return 0;
	/* the full time: the end's, less the distance in the low bits */
	uint64_t ago = ((end & WAKE_NS_MASK) - tw) & WAKE_NS_MASK;
	*tid = (int32_t)(uint32_t)w;
	*ns = ago < (1ull << 47) ? end - ago : end;
	return 1;
}

/* t's wait ended without the object (a timeout, an error): it was not
 * woken, so it is no unlocker's "ended wait" either (claim_one's `after`)
 * - until withdrawn at the thread's next flush, which may be far off. */
void cprof_wait_failed(struct cprof_thread *t)
{
	if (t->slot >= 0 && t->wait_bucket >= 0 && t->wait_bucket < BUCKETS)
		__atomic_store_n(&slot_claimed[t->slot], CLAIM_GONE, __ATOMIC_RELEASE);
	else if (t->slot < 0)
		__atomic_store_n(&t->wake_claimed, CLAIM_GONE, __ATOMIC_RELEASE);
}

int cprof_wait_close_claims(struct cprof_thread *t)
{
	uint8_t *c = t->slot >= 0 ? &slot_claimed[t->slot] : (uint8_t *)&t->wake_claimed;
	/* most often its waker claimed it already: a read of the shared line */
	uint8_t v = __atomic_load_n(c, __ATOMIC_ACQUIRE);
	if (v == CLAIM_OPEN && __atomic_compare_exchange_n(c, &v, CLAIM_CLOSED, 0, __ATOMIC_ACQ_REL,
			__ATOMIC_ACQUIRE))
		return 0;
	/* claimed; not if a wait nested in a signal handler withdrew it
	 * (CLAIM_GONE): no waker's stamp will come */
	return v == CLAIM_TAKEN;
}

int cprof_wake_claim(uint64_t obj, pid_t *owed, int after)
{
	uint64_t tag = 0;
	struct cprof_thread *w = claim_one(obj, &tag, after);
	*owed = 0;
	if (!w)
		return 0;
	/* a whole wait of this capture is stamped (one begun in an earlier
	 * capture ends as cprof:block_end, its waker a cprof:wake) */
	/* the tag, not wait_t0, says whether the claimed wait is reported
	 * whole: the wakee clears wait_t0 when it writes its ended waits,
	 * which may be before this thread gets here */
	if ((tag & 0xff) && w->wait_capture == cprof_capture_seq)
		stamp(w, tag);
	else
		*owed = w->tid;
	return 1;
}

/* ---- wakes through pipes, eventfds and socketpairs ------------------------
 * The waits a write to one wakes are network waits that read it (a read,
 * or a poll or epoll of it), found by its notify key (fdtable.c): such a
 * wait enters its keys in the keyed-wait table - 256 buckets of 4 entries,
 * one line each, by key - and the writer, before its write (after it, the
 * waiter may have ended its wait already), leaves its tid and time in each
 * waiter it finds there; the waiter puts the last ones in its
 * cprof:net_wait (wrap_sys.c).  A wait whose bucket is full counts in the
 * bucket's kw_overflow, and writers of a key of that bucket then look
 * through the whole registry too (a pool of more than 4 threads reading
 * one pipe: its writers). */
#define KW_BUCKETS 256
#define KW_WAYS 4
static struct kw_bucket {
	struct {
		volatile uint32_t key;
		struct cprof_thread *volatile t;
	} e[KW_WAYS];
} kw[KW_BUCKETS] __attribute__((aligned(64)));
static volatile uint16_t kw_overflow[KW_BUCKETS];
#define KW_OVER 0x8000                  /* kw_pos: not placed, counted in kw_overflow[pos & 0xff] */

static inline uint32_t kw_bucket_of(uint32_t key)
{
	return (key * 0x9e3779b1u) >> 24;      /* 256 buckets */
}

void cprof_keyed_wait_open(struct cprof_thread *t, const uint32_t *keys, int n)
{
	for (int i = 0; i < n; i++) {
		uint32_t b = kw_bucket_of(keys[i]);
		uint16_t pos = (uint16_t)(KW_OVER | b);
		for (int w = 0; w < KW_WAYS; w++) {
			struct cprof_thread *none = NULL;
			if (__atomic_compare_exchange_n(&kw[b].e[w].t, &none, t, 0, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED)) {
				__atomic_store_n(&kw[b].e[w].key, keys[i], __ATOMIC_RELEASE);
				pos = (uint16_t)(b * KW_WAYS + w + 1);
				break;
			}
		}
		if (pos & KW_OVER)
			__atomic_add_fetch(&kw_overflow[b], 1, __ATOMIC_RELEASE);
		t->kw_pos[i] = pos;
	}
	t->kw_n = (uint8_t)n;   /* after its positions: a signal handler's wait closes what is here */
}

void cprof_keyed_wait_close(struct cprof_thread *t)
{
	int n = t->kw_n;
	t->kw_n = 0;
	for (int i = 0; i < n; i++) {
		uint32_t p = t->kw_pos[i];
		t->kw_pos[i] = 0;
		if (p & KW_OVER) {
			__atomic_sub_fetch(&kw_overflow[p & 0xff], 1, __ATOMIC_RELEASE);
			continue;
		}
		if (!p--)
			continue;
		__atomic_store_n(&kw[p / KW_WAYS].e[p % KW_WAYS].key, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&kw[p / KW_WAYS].e[p % KW_WAYS].t, NULL, __ATOMIC_RELEASE);
	}
}

/* The writer's side of a stamp: its tid and the time, taken once (*now 0:
 * not yet) for all the waiters it stamps. */
struct notify_src {
	struct cprof_thread *self;
	pid_t tid;
	uint64_t now;
};

/* Stamps t's wait if it still reads `key`, replacing an earlier writer's
 * (a thread pool's readers of one pipe are each woken by the last write
 * before they return, not the first of their wait). */
static void notify_stamp(struct cprof_thread *t, uint32_t key, struct notify_src *src)
{
	if (t == src->self)
		return;
	uint8_t kind = __atomic_load_n(&t->wait_kind, __ATOMIC_ACQUIRE);
	if (kind != CPROF_WAIT_NET_READ && kind != CPROF_WAIT_NET_POLL && kind != CPROF_WAIT_SYSCALL &&
			kind != CPROF_WAIT_NET_WRITE)
		return;
	uint32_t gen = __atomic_load_n(&t->wait_gen, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&t->wait_keys_gen, __ATOMIC_ACQUIRE) != gen)
		return;
	uint8_t n = __atomic_load_n(&t->wait_nkeys, __ATOMIC_RELAXED);
	int hit = 0;
	for (uint8_t i = 0; i < n && i < CPROF_WAIT_KEYS; i++)
		hit |= __atomic_load_n(&t->wait_keys[i], __ATOMIC_RELAXED) == key;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (!hit || __atomic_load_n(&t->wait_gen, __ATOMIC_RELAXED) != gen)
		return;
	uint32_t s = __atomic_load_n(&t->nwake_seq, __ATOMIC_RELAXED);
	if ((s & 1) || !__atomic_compare_exchange_n(&t->nwake_seq, &s, s + 1, 0, __ATOMIC_ACQUIRE,
			__ATOMIC_RELAXED))
		return;         /* another writer stamps it this instant */
	if (!src->now) {
		src->now = cprof_mono_ns();
		src->tid = src->self ? src->self->tid : cprof_gettid();
	}
	__atomic_store_n(&t->nwake_word, (uint64_t)gen << 32 | (uint32_t)src->tid, __ATOMIC_RELAXED);
	__atomic_store_n(&t->nwake_ns, src->now, __ATOMIC_RELAXED);
	__atomic_store_n(&t->nwake_key, key, __ATOMIC_RELAXED);
	__atomic_store_n(&t->nwake_seq, s + 2, __ATOMIC_RELEASE);
}

void cprof_notify_wake(uint32_t key)
{
	struct notify_src src = { .self = cprof_tls_self };
	struct kw_bucket *b = &kw[kw_bucket_of(key)];
	for (int w = 0; w < KW_WAYS; w++) {
		struct cprof_thread *t = __atomic_load_n(&b->e[w].t, __ATOMIC_ACQUIRE);
		if (t && __atomic_load_n(&b->e[w].key, __ATOMIC_ACQUIRE) == key)
			notify_stamp(t, key, &src);
	}
	if (!__atomic_load_n(&kw_overflow[kw_bucket_of(key)], __ATOMIC_ACQUIRE))
		return;
	for (struct cprof_thread *t = __atomic_load_n(&registry, __ATOMIC_ACQUIRE); t; t = t->next)
		notify_stamp(t, key, &src);
}

int cprof_notify_stamp_read(struct cprof_thread *t, uint32_t gen, int32_t *tid, uint64_t *ns,
		uint32_t *key)
{
	for (int tries = 0; tries < 8; tries++) {
		uint32_t s = __atomic_load_n(&t->nwake_seq, __ATOMIC_ACQUIRE);
		if (s & 1) {
			__builtin_ia32_pause();
			continue;
		}
		uint64_t word = __atomic_load_n(&t->nwake_word, __ATOMIC_RELAXED);
		uint64_t at = __atomic_load_n(&t->nwake_ns, __ATOMIC_RELAXED);
		uint32_t k = __atomic_load_n(&t->nwake_key, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&t->nwake_seq, __ATOMIC_RELAXED) != s)
			continue;
		if ((uint32_t)(word >> 32) != gen || !(int32_t)(uint32_t)word)
			return 0;
		*tid = (int32_t)(uint32_t)word;
		*ns = at;
		*key = k;
		return 1;
	}
	return 0;
}

int cprof_wake_waiters(uint8_t kind, uint64_t obj, int all)
{
	int n = 0;
	pid_t owed;
	while (cprof_wake_claim(obj, &owed, 0)) {
		if (owed)
			lttng_ust_tracepoint(cprof, wake, kind, obj, owed);
		n++;
		if (!all)
			break;
	}
	return n;
}

void cprof_sync_waits_report_open(void)
{
	if (!lttng_ust_tracepoint_enabled(cprof, sync_wait_open))
		return;
	uint64_t now = cprof_mono_ns();
	for (struct cprof_thread *t = __atomic_load_n(&registry, __ATOMIC_ACQUIRE); t; t = t->next) {
		if (!__atomic_load_n(&t->in_use, __ATOMIC_ACQUIRE))
			continue;
		uint32_t gen = __atomic_load_n(&t->wait_gen, __ATOMIC_ACQUIRE);
		uint8_t kind = __atomic_load_n(&t->wait_kind, __ATOMIC_ACQUIRE);
		uint64_t t0 = t->wait_t0, obj = t->wait_obj;
		if (!kind || !t0 || t->withdraw_due ||
				gen != __atomic_load_n(&t->wait_gen, __ATOMIC_ACQUIRE))
			continue;
		lttng_ust_tracepoint(cprof, sync_wait_open, t->tid, kind, obj, now > t0 ? now - t0 : 0,
			gen);
		uint64_t pcs[CPROF_STACK_MAX];
		int depth = cprof_wait_open_stack(t, gen, pcs, CPROF_STACK_MAX);
		if (depth > 0)
			lttng_ust_tracepoint(cprof, status_stack, t->tid, pcs, (uint8_t)depth);
	}
}

/* Copies the registered name of thread `tid` (or handle) after a rename. */
void cprof_thread_renamed(uint64_t handle, const char *name)
{
	pid_t tid = 0;
	for (struct cprof_thread *t = __atomic_load_n(&registry, __ATOMIC_ACQUIRE); t; t = t->next)
		if (t->in_use && t->handle == handle) {
			strncpy(t->name, name, sizeof t->name - 1);
			t->name[sizeof t->name - 1] = 0;
			tid = t->tid;
			break;
		}
	if (tid && cprof_tracing && lttng_ust_tracepoint_enabled(cprof, thread_name)) {
		cprof_tls_guard++;
		lttng_ust_do_tracepoint(cprof, thread_name, tid, name);
		cprof_tls_guard--;
	}
}

void cprof_atfork_child_core(void)
{
	/* Only the forking thread survives: free every other record. */
	cprof_tracing = 0;
	uint64_t n = 0;
	for (struct cprof_thread *t = registry; t; t = t->next)
		if (t != cprof_tls_self)
			t->in_use = 0;
		else
			n = 1;
	registry_count = n;
	/* the table's other entries are dead threads' */
	for (int b = 0; b < KW_BUCKETS; b++)
		for (int w = 0; w < KW_WAYS; w++)
			if (kw[b].e[w].t != cprof_tls_self) {
				kw[b].e[w].key = 0;
				kw[b].e[w].t = NULL;
			}
	/* (its own wait, if any, stays; a stamp a dead thread was writing
	 * into its record ends) */
	memset((void *)kw_overflow, 0, sizeof kw_overflow);
	for (int i = 0; cprof_tls_self && i < cprof_tls_self->kw_n; i++)
		if (cprof_tls_self->kw_pos[i] & KW_OVER)
			kw_overflow[cprof_tls_self->kw_pos[i] & 0xff]++;
	if (cprof_tls_self)
		cprof_tls_self->nwake_seq &= ~1u;
	for (int b = 0; b < BUCKETS; b++)
		buckets[b].bits = 0;
	memset(pending, 0, sizeof pending);     /* announced by threads now gone */
	unslotted_waiting = 0;
	for (struct cprof_thread *t = registry; t; t = t->next) {
		t->wait_kind = 0;
		t->wait_bucket = -1;
		for (int k = 0; k < CPROF_STALE; k++)
			t->stale[k] = -1;       /* the bits were cleared */
		t->wait_t0 = 0;
		t->withdraw_due = 0;
		cprof_wait_slots_clear(t, 1);
	}
	cprof_tls_done = 0;
	if (cprof_tls_self)
		cprof_tls_self->tid = cprof_gettid();
}

/* cprof's own threads (the endpoint's, the reaper, the statistics thread)
 * are created with every signal blocked: a signal sent to the process must
 * reach one of the program's threads.  A shell waiting in sigsuspend() for
 * SIGCHLD or a trapped SIGTERM (dash's `wait`) never woke when the kernel
 * gave the signal to cprof's HTTP thread instead: `cprof-run --http -- sh`
 * hung on SIGTERM about once in 40 runs. */
static CPROF_TLS sigset_t internal_saved_mask;
static CPROF_TLS int internal_depth;

void cprof_internal_begin(void)
{
	cprof_tls_ignored++;
	if (internal_depth++ == 0) {
		sigset_t all;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &internal_saved_mask);
	}
}

void cprof_internal_end(void)
{
	if (cprof_tls_ignored > 0)
		cprof_tls_ignored--;
	if (internal_depth > 0 && --internal_depth == 0)
		pthread_sigmask(SIG_SETMASK, &internal_saved_mask, NULL);
}

void cprof_internal_error(const char *what, int err)
{
	if (__atomic_fetch_add(&cprof_internal_errors, 1, __ATOMIC_RELAXED) == 0)
		cprof_log("internal error, some events will be missing: %s (%s)", what,
			strerror(err > 0 ? err : -err));
}

void cprof_core_on_trace_start(void)
{
	/* lttng_start_tracing returns once the session daemon has told the
	 * application to start; our tracepoints flip a moment later. */
	/* Up to 10 s: an application that started before its session daemon
	 * registers when the daemon appears, but lttng-ust's listener sleeps
	 * 5 s between retries once it failed twice (measured: empty traces
	 * with a 2 s bound on a loaded machine). */
	int waited = 0;
	for (int i = 0; i < 10000 && !lttng_ust_tracepoint_enabled(cprof, thread_status); i++) {
		struct timespec ts = { 0, 1000000 };
		cprof_tls_guard++;
		nanosleep(&ts, NULL);
		cprof_tls_guard--;
		waited = 1;
	}
	/* When the tracepoints were not live on return of lttng_start_tracing,
	 * this application registered with the daemon afterwards, and lttng-ust
	 * enables the events of a session before it marks the session active
	 * (one round trip to the daemon per channel in between): events of that
	 * window are dropped.  Measured: the process and status events lost now
	 * and then under load.  Give the activation time to finish. */
	if (waited && lttng_ust_tracepoint_enabled(cprof, thread_status)) {
		struct timespec ts = { 0, 300 * 1000000 };
		cprof_tls_guard++;
		nanosleep(&ts, NULL);
		cprof_tls_guard--;
	}
	if (!lttng_ust_tracepoint_enabled(cprof, thread_status))
		cprof_log("tracepoints did not become active within 10 s; the trace will be empty "
			"(is the application registered with the session daemon?)");
	cprof_tls_guard++;
	memset(cprof_wait_seeded_buckets, 0, sizeof cprof_wait_seeded_buckets);
	__atomic_fetch_add(&cprof_capture_seq, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&cprof_tracing, 1, __ATOMIC_RELEASE);

	cprof_process_emit();
	cprof_modules_emit();
	cprof_annotate_on_trace_start();
	cprof_alloc_on_trace_start();   /* wrap_alloc.c/memstats.c (issue 7, memory) */
	cprof_fdtable_on_trace_start(); /* what every open fd is (issue 6) */

	uint64_t now = cprof_now_ns();
	for (struct cprof_thread *t = __atomic_load_n(&registry, __ATOMIC_ACQUIRE); t; t = t->next) {
		if (!__atomic_load_n(&t->in_use, __ATOMIC_ACQUIRE))
			continue;
		uint8_t kind = __atomic_load_n(&t->wait_kind, __ATOMIC_ACQUIRE);
		if (t->withdraw_due)
			kind = 0;       /* a whole wait of the last capture, ended */
		uint64_t obj = kind ? t->wait_obj : 0;
		if (kind)
			wait_seed(t, kind, obj);
		uint64_t since = kind ? t->wait_since_ns : now;
		uint32_t gen = __atomic_load_n(&t->wait_gen, __ATOMIC_ACQUIRE);
		lttng_ust_tracepoint(cprof, thread_status, t->tid, t->handle, t->name,
			t->start_routine, kind, obj, now > since ? now - since : 0, t->creator_tid);
		uint64_t pcs[CPROF_WAIT_STACK];
		int depth = kind ? cprof_wait_stack_read(t, gen, pcs) : 0;
		if (depth > 0)
			lttng_ust_tracepoint(cprof, status_stack, t->tid, pcs, (uint8_t)depth);
	}
	cprof_tls_guard--;
}

void cprof_core_on_trace_stop(void)
{
	cprof_alloc_on_trace_stop();    /* memstats.c (issue 7, memory) */
	cprof_fdtable_on_trace_stop();
	cprof_tls_guard++;
	cprof_waits_flush_all();
	cprof_sync_waits_report_open();
	/* waits that ended since the first pass (report_open skipped them) */
	cprof_waits_flush_all();
	lttng_ust_tracepoint(cprof, trace_end, registry_count, cprof_internal_errors);
	__atomic_store_n(&cprof_tracing, 0, __ATOMIC_RELEASE);
	cprof_tls_guard--;
}

/* Process event: pid, exe, host, argv. */
void cprof_process_emit(void)
{
	char exe[4096], host[256];
	static uint8_t cmd[8192];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	if (gethostname(host, sizeof host) != 0)
		host[0] = 0;
	host[sizeof host - 1] = 0;
	size_t len = 0;
	FILE *f = fopen("/proc/self/cmdline", "re");
	if (f) {
		len = fread(cmd, 1, sizeof cmd, f);
		fclose(f);
	}
	lttng_ust_tracepoint(cprof, process, (int32_t)getpid(), exe, host, CPROF_VERSION,
		cmd, (uint32_t)len, CPROF_TRACE_FORMAT);
}

__attribute__((constructor(200))) static void cprof_init(void)
{
	if (core_ready)
		return;
	core_ready = 1;
	cprof_tls_guard++;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	pending_cpus = ncpu < 1 ? 1 : ncpu > PENDING_CPUS ? PENDING_CPUS : (int)ncpu;
	cprof_wrap_init();
	cprof_thread_register(0, 0);
	cprof_stack_init();
	cprof_tls_guard--;
}

/* Default priority, and core.c links after tp.c: runs once the provider's
 * own constructors have registered the probes, so a capture started here
 * (CPROF_TRACE) sees live tracepoints. */
__attribute__((constructor)) static void cprof_init_env(void)
{
	cprof_api_env_init();
	__atomic_store_n(&cprof_fd_program_ready, 1, __ATOMIC_RELEASE);
}

void cprof_core_init(void)
{
	cprof_init();
}
