/* wrap_alloc.c: the interposed allocator entry points, the heap in-use
 * counter and the sampled allocations (DESIGN.md §2 "memory", issue 7).
 *
 * Fast path (every call, traced or not): the real function, its block's
 * malloc_usable_size, and a few adds to per-thread counters in
 * initial-exec TLS.  Nothing shared is written per call:
 *   - per-thread deltas are folded into global atomics every FOLD_OPS calls
 *     or FOLD_BYTES bytes, and only then is a cprof:heap event considered
 *     (when the global moved by CPROF_HEAP_DELTA bytes, at most once per
 *     coarse clock tick); memstats.c also emits it periodically;
 *   - sampling (only while a capture runs) decrements a per-thread byte
 *     budget drawn from an exponential distribution of mean
 *     CPROF_ALLOC_SAMPLE_RATE, like Go's MemProfileRate, so every byte has the
 *     same chance to be sampled;
 *   - free() reads one byte of a read-mostly counting filter to learn whether
 *     the block might be sampled; only then does it take a striped spinlock.
 *
 * Bootstrap: dlsym(RTLD_NEXT) may allocate (calloc for its error state), so
 * while the real functions are being looked up, allocations are served from a
 * static bump buffer that free/realloc/malloc_usable_size recognise.
 *
 * Re-entrancy: cprof's own allocations and lttng-ust's are counted (a block
 * may be freed by someone else than its allocator) but never sampled: the
 * sample path runs under cprof_tls_guard.  A malloc from a signal handler that
 * interrupts the counters' read-modify-write may lose its delta (the heap
 * counter is approximate by design); one that interrupts a sampled-set update
 * skips the set rather than spin on the lock its own thread holds. */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "cprof_tp.h"

#define EXPORT __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- real functions and the bootstrap allocator -------------------------- */

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static size_t (*real_usable)(void *);
static int glibc_chunks;   /* 1: usable_of reads glibc's chunk header */

/* 16-byte header (the block's size) before each bootstrap block. */
static char boot_buf[16384] __attribute__((aligned(16)));
static size_t boot_used;
static CPROF_TLS int resolving;

static inline int in_boot(const void *p)
{
	return (const char *)p >= boot_buf && (const char *)p < boot_buf + sizeof boot_buf;
}

static void *boot_alloc(size_t size, size_t align)
{
	if (align < 16)
		align = 16;
	size_t old = __atomic_load_n(&boot_used, __ATOMIC_RELAXED), start, end;
	do {
		start = (old + 16 + align - 1) & ~(align - 1);
		end = start + size;
		if (end > sizeof boot_buf || end < start)
			return NULL;
	} while (!__atomic_compare_exchange_n(&boot_used, &old, end, 1, __ATOMIC_RELAXED,
			__ATOMIC_RELAXED));
	*(size_t *)(void *)(boot_buf + start - 16) = size;
	return boot_buf + start;   /* static storage: already zero */
}

static size_t boot_size(const void *p)
{
	return *(const size_t *)(const void *)((const char *)p - 16);
}

static void resolve_all(void)
{
	resolving++;
	/* Each pointer is published only once valid; racing threads may both
	 * look up, which is harmless. */
#define RES(name) \
	if (!real_##name) \
		__atomic_store_n(&real_##name, (__typeof__(real_##name))dlsym(RTLD_NEXT, #name), \
			__ATOMIC_RELEASE)
	RES(malloc);
	RES(calloc);
	RES(realloc);
	RES(free);
	RES(posix_memalign);
	RES(aligned_alloc);
	RES(memalign);
	RES(valloc);
	RES(pvalloc);
#undef RES
	if (!real_usable)
		__atomic_store_n(&real_usable,
			(__typeof__(real_usable))dlsym(RTLD_NEXT, "malloc_usable_size"), __ATOMIC_RELEASE);
	/* The allocator below us is glibc's own (not jemalloc, tcmalloc or
	 * libc_malloc_debug): its chunk header can be read in place. */
	Dl_info info;
	if (real_usable && real_malloc && real_free && dladdr((void *)real_usable, &info) &&
			info.dli_fname && strstr(info.dli_fname, "/libc.so.6") &&
			dladdr((void *)real_malloc, &info) && info.dli_fname &&
			strstr(info.dli_fname, "/libc.so.6"))
		__atomic_store_n(&glibc_chunks, 1, __ATOMIC_RELEASE);
	resolving--;
}

/* malloc_usable_size of a live block.  With glibc's allocator, the size
 * word before the block (flags in its low 3 bits, bit 1 = mmapped) gives it
 * without a call: the chunk size minus its header, which is 8 bytes for a
 * heap chunk and 16 for an mmapped one (glibc malloc.c, musable()).
 * test_alloc checks the two agree for heap, mmapped and aligned blocks. */
static inline size_t usable_of(void *p)
{
	if (likely(glibc_chunks)) {
		size_t word = ((const size_t *)p)[-1];
		return (word & ~(size_t)7) - ((word & 2) ? 16 : 8);
	}
	return real_usable(p);
}

/* Non-zero when the caller must use the bootstrap allocator (or fail). */
static inline int need_boot(void *fn)
{
	if (likely(fn != NULL))
		return 0;
	if (resolving)
		return 1;
	resolve_all();
	return 0;
}

/* ---- heap counters -------------------------------------------------------- */

#define FOLD_OPS 256
#define FOLD_BYTES (256 * 1024)

struct alloc_tls {
	int64_t bytes, objs;      /* deltas not yet folded into the globals */
	uint64_t alloc_bytes, allocs;
	int64_t sample_left;      /* bytes until the next sample */
	uint64_t rng;
	int32_t ops;
	uint32_t epoch;           /* fold_epoch when this thread last folded */
	uint8_t state;            /* 0 new, 1 key set, 2 past the key destructor */
	uint8_t sample_init;
	uint8_t in_set;           /* holds a stripe lock (signal re-entry guard) */
};

static CPROF_TLS struct alloc_tls at;

static struct {
	int64_t inuse_bytes, inuse_objects;
	uint64_t alloc_bytes, allocs;
} heap __attribute__((aligned(64)));

/* Bumped by the memstats thread every period: a thread that sees it move
 * folds at its next call, so slow allocators show up too (a read of a line
 * written ten times a second costs nothing). */
static uint32_t fold_epoch;
static int64_t last_emit_bytes;
static uint64_t last_emit_ns;
static pthread_key_t exit_key;
static int exit_key_ok;

int cprof_alloc_enabled = 1;            /* CPROF_ALLOC=0 switches accounting off */
static int64_t sample_rate = 512 * 1024; /* CPROF_ALLOC_SAMPLE_RATE; 0 = off */
static int64_t heap_delta = 256 * 1024;  /* CPROF_HEAP_DELTA */

static void fold(struct alloc_tls *t)
{
	__atomic_fetch_add(&heap.inuse_bytes, t->bytes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&heap.inuse_objects, t->objs, __ATOMIC_RELAXED);
	__atomic_fetch_add(&heap.alloc_bytes, t->alloc_bytes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&heap.allocs, t->allocs, __ATOMIC_RELAXED);
	t->bytes = t->objs = 0;
	t->alloc_bytes = t->allocs = 0;
	t->ops = 0;
	t->epoch = __atomic_load_n(&fold_epoch, __ATOMIC_RELAXED);
}

void cprof_heap_fold_request(void)
{
	__atomic_fetch_add(&fold_epoch, 1, __ATOMIC_RELAXED);
}

static void thread_exit_fold(void *unused)
{
	/* Runs among the thread's pthread key destructors: later frees of this
	 * thread (other destructors) go straight to the globals. */
	at.state = 2;
	fold(&at);
}

void cprof_heap_read_totals(struct cprof_heap_totals *out)
{
	fold(&at);
	out->inuse_bytes = __atomic_load_n(&heap.inuse_bytes, __ATOMIC_RELAXED);
	out->inuse_objects = __atomic_load_n(&heap.inuse_objects, __ATOMIC_RELAXED);
	out->alloc_bytes = __atomic_load_n(&heap.alloc_bytes, __ATOMIC_RELAXED);
	out->allocs = __atomic_load_n(&heap.allocs, __ATOMIC_RELAXED);
}

/* Emits cprof:heap with the current totals (the caller checked tracing). */
void cprof_heap_emit(void)
{
	struct cprof_heap_totals h;
	cprof_heap_read_totals(&h);
	__atomic_store_n(&last_emit_bytes, h.inuse_bytes, __ATOMIC_RELAXED);
	if (lttng_ust_tracepoint_enabled(cprof, heap)) {
		cprof_tls_guard++;
		lttng_ust_do_tracepoint(cprof, heap, h.inuse_bytes, h.inuse_objects, h.alloc_bytes,
			h.allocs);
		cprof_tls_guard--;
	}
}

/* Slow path of the counters: fold, then maybe emit (one thread per tick). */
static __attribute__((noinline)) void fold_slow(void)
{
	fold(&at);
	if (!cprof_tracing || cprof_tls_guard || cprof_tls_ignored)
		return;
	int64_t now_b = __atomic_load_n(&heap.inuse_bytes, __ATOMIC_RELAXED);
	int64_t d = now_b - __atomic_load_n(&last_emit_bytes, __ATOMIC_RELAXED);
	if (d < heap_delta && -d < heap_delta)
		return;
	uint64_t now = cprof_now_ns(), last = __atomic_load_n(&last_emit_ns, __ATOMIC_RELAXED);
	if (now == last || !__atomic_compare_exchange_n(&last_emit_ns, &last, now, 0,
			__ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	int saved = errno;
	cprof_heap_emit();
	errno = saved;
}

/* ---- the sampled set ------------------------------------------------------ */

/* Live sampled blocks, so free() can emit cprof:free_sample.  A counting
 * filter (read on every free, written only when a sample is added or
 * removed) screens out the frees of unsampled blocks; entries live in 64
 * striped arrays grown with mmap (no malloc under a stripe lock). */
#define FILTER_BITS 14
#define STRIPES 64

struct sample_entry {
	uint64_t ptr, usable;
};

struct stripe {
	volatile int lock;
	uint32_t n, cap;
	struct sample_entry *e;   /* owned, mmap'd */
} __attribute__((aligned(64)));

static uint16_t filter[1u << FILTER_BITS];
static uint64_t sampled_live;   /* blocks in the set: 0 (no capture yet) skips the filter */
static struct stripe stripes[STRIPES];

static inline uint64_t ptr_hash(const void *p)
{
	return ((uint64_t)(uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull;
}

static inline int filter_hit(const void *p)
{
	return __atomic_load_n(&filter[ptr_hash(p) >> (64 - FILTER_BITS)], __ATOMIC_RELAXED) != 0;
}

static int stripe_lock(struct stripe *s)
{
	if (at.in_set)
		return -1;   /* re-entered from a signal handler while holding one */
	at.in_set = 1;
	while (__atomic_exchange_n(&s->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&s->lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
	return 0;
}

static void stripe_unlock(struct stripe *s)
{
	__atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
	at.in_set = 0;
}

static struct stripe *stripe_of(const void *p)
{
	return &stripes[(ptr_hash(p) >> (64 - FILTER_BITS)) % STRIPES];
}

/* Adds p; 0 on success.  An address already present (a stale entry left by
 * a free that could not take the lock) is reused. */
static int set_add(const void *p, size_t usable)
{
	struct stripe *s = stripe_of(p);
	if (stripe_lock(s) != 0)
		return -1;
	int r = 0;
	for (uint32_t i = 0; i < s->n; i++)
		if (s->e[i].ptr == (uint64_t)(uintptr_t)p) {
			s->e[i].usable = usable;
			goto out;
		}
	if (s->n == s->cap) {
		size_t ncap = s->cap ? (size_t)s->cap * 2 : 256;
		void *m = s->e ? mremap(s->e, s->cap * sizeof *s->e, ncap * sizeof *s->e, MREMAP_MAYMOVE)
			: mmap(NULL, ncap * sizeof *s->e, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			r = -1;
			goto out;
		}
		s->e = m;
		s->cap = (uint32_t)ncap;
	}
	s->e[s->n].ptr = (uint64_t)(uintptr_t)p;
	s->e[s->n].usable = usable;
	s->n++;
	__atomic_fetch_add(&filter[ptr_hash(p) >> (64 - FILTER_BITS)], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sampled_live, 1, __ATOMIC_RELEASE);
out:
	stripe_unlock(s);
	return r;
}

/* Removes p; returns its usable size, or 0 if p was not sampled. */
static size_t set_remove(const void *p)
{
	struct stripe *s = stripe_of(p);
	if (stripe_lock(s) != 0)
		return 0;
	size_t usable = 0;
	for (uint32_t i = 0; i < s->n; i++)
		if (s->e[i].ptr == (uint64_t)(uintptr_t)p) {
			usable = s->e[i].usable;
			s->e[i] = s->e[--s->n];
			__atomic_fetch_sub(&filter[ptr_hash(p) >> (64 - FILTER_BITS)], 1,
				__ATOMIC_RELAXED);
			__atomic_fetch_sub(&sampled_live, 1, __ATOMIC_RELAXED);
			break;
		}
	stripe_unlock(s);
	return usable;
}

static void atfork_prepare(void)
{
	for (int i = 0; i < STRIPES; i++)
		while (__atomic_exchange_n(&stripes[i].lock, 1, __ATOMIC_ACQUIRE))
			__builtin_ia32_pause();
}

static void atfork_parent(void)
{
	for (int i = 0; i < STRIPES; i++)
		__atomic_store_n(&stripes[i].lock, 0, __ATOMIC_RELEASE);
}

static void atfork_child(void)
{
	atfork_parent();
	cprof_memstats_atfork_child();
}

/* ---- sampling ------------------------------------------------------------- */

static uint64_t rng_next(struct alloc_tls *t)
{
	/* xorshift64*: per-thread, no locks, good enough for intervals. */
	uint64_t x = t->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Exponential interval of mean sample_rate: with it, the chance that a
 * given byte is sampled does not depend on the allocation sizes around it
 * (Go's runtime/mprof.go does the same). */
static int64_t next_interval(struct alloc_tls *t)
{
	if (sample_rate <= 1)
		return 0;
	if (!t->rng) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)(uintptr_t)&at ^
			((uint64_t)cprof_gettid() << 40) ^ 0x9e3779b97f4a7c15ull;
	}
	double u = ((rng_next(t) >> 11) + 1) * (1.0 / 9007199254740993.0);   /* (0, 1] */
	double v = -log(u) * (double)sample_rate;
	return v > 1e15 ? (int64_t)1e15 : (int64_t)v;
}

static __attribute__((noinline)) void sample_slow(void *p, size_t req, size_t usable)
{
	struct alloc_tls *t = &at;
	if (!t->sample_init) {
		/* First allocation of this thread while tracing: start a fresh
		 * interval rather than sampling it. */
		t->sample_init = 1;
		t->sample_left = next_interval(t);
		return;
	}
	t->sample_left = next_interval(t);
	if (!lttng_ust_tracepoint_enabled(cprof, alloc_sample))
		return;
	int saved = errno;
	cprof_tls_guard++;
	if (set_add(p, usable) == 0) {
		uint64_t pcs[CPROF_STACK_MAX];
		int n = cprof_stack_capture(pcs);
		lttng_ust_do_tracepoint(cprof, alloc_sample, (uint64_t)(uintptr_t)p, req, usable,
			pcs, (uint8_t)n);
	}
	cprof_tls_guard--;
	errno = saved;
}

static __attribute__((noinline)) void free_sampled(void *p)
{
	int saved = errno;
	cprof_tls_guard++;
	size_t usable = set_remove(p);
	if (usable && cprof_tracing && lttng_ust_tracepoint_enabled(cprof, free_sample))
		lttng_ust_do_tracepoint(cprof, free_sample, (uint64_t)(uintptr_t)p, usable);
	cprof_tls_guard--;
	errno = saved;
}

/* ---- accounting hooks of the wrappers ------------------------------------- */

/* A thread's first call registers the key whose destructor folds its last
 * deltas at exit; calls after that destructor (other destructors, TLS
 * destructors) go straight to the globals.  Returns 1 when the caller must
 * account directly. */
static __attribute__((noinline)) int thread_state_slow(struct alloc_tls *t)
{
	if (t->state == 2)
		return 1;
	if (!exit_key_ok)
		return 1;   /* before library init: rare, account directly */
	t->state = 1;   /* before pthread_setspecific, which may allocate */
	pthread_setspecific(exit_key, (void *)1);
	return 0;
}

static inline void note_alloc(void *p, size_t req)
{
	if (unlikely(!p) || unlikely(!cprof_alloc_enabled))
		return;
	size_t u = usable_of(p);
	struct alloc_tls *t = &at;
	if (unlikely(t->state != 1) && thread_state_slow(t)) {
		__atomic_fetch_add(&heap.inuse_bytes, (int64_t)u, __ATOMIC_RELAXED);
		__atomic_fetch_add(&heap.inuse_objects, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&heap.alloc_bytes, u, __ATOMIC_RELAXED);
		__atomic_fetch_add(&heap.allocs, 1, __ATOMIC_RELAXED);
		return;
	}
	t->bytes += (int64_t)u;
	t->objs++;
	t->alloc_bytes += u;
	t->allocs++;
	if (unlikely(++t->ops >= FOLD_OPS) || unlikely(t->bytes >= FOLD_BYTES) ||
			unlikely(t->epoch != fold_epoch))
		fold_slow();
	if (unlikely(cprof_tracing) && sample_rate > 0 && !cprof_tls_guard && !cprof_tls_ignored &&
			(t->sample_left -= (int64_t)u) <= 0)
		sample_slow(p, req, u);
}

/* Before the real free: the block is still ours, its address not reusable. */
static inline void note_free(void *p)
{
	if (unlikely(!cprof_alloc_enabled))
		return;
	size_t u = usable_of(p);
	struct alloc_tls *t = &at;
	if (unlikely(__atomic_load_n(&sampled_live, __ATOMIC_RELAXED)) && unlikely(filter_hit(p)))
		free_sampled(p);
	if (unlikely(t->state != 1) && thread_state_slow(t)) {
		__atomic_fetch_sub(&heap.inuse_bytes, (int64_t)u, __ATOMIC_RELAXED);
		__atomic_fetch_sub(&heap.inuse_objects, 1, __ATOMIC_RELAXED);
		return;
	}
	t->bytes -= (int64_t)u;
	t->objs--;
	if (unlikely(++t->ops >= FOLD_OPS) || unlikely(t->bytes <= -FOLD_BYTES) ||
			unlikely(t->epoch != fold_epoch))
		fold_slow();
}

/* ---- the interposers ------------------------------------------------------ */

EXPORT void *malloc(size_t size)
{
	if (unlikely(need_boot((void *)real_malloc)))
		return boot_alloc(size, 16);
	void *p = real_malloc(size);
	note_alloc(p, size);
	return p;
}

EXPORT void *calloc(size_t n, size_t size)
{
	if (unlikely(need_boot((void *)real_calloc))) {
		size_t total;
		if (__builtin_mul_overflow(n, size, &total))
			return NULL;
		return boot_alloc(total, 16);
	}
	void *p = real_calloc(n, size);
	note_alloc(p, n * size);
	return p;
}

EXPORT void free(void *p)
{
	if (unlikely(!p) || unlikely(in_boot(p)))
		return;
	if (unlikely(!real_free)) {
		resolve_all();
		if (!real_free)
			return;   /* leak rather than crash */
	}
	note_free(p);
	real_free(p);
}

EXPORT void *realloc(void *p, size_t size)
{
	if (unlikely(in_boot(p))) {
		void *q = malloc(size);
		if (q) {
			size_t old = boot_size(p);
			memcpy(q, p, old < size ? old : size);
		}
		return q;
	}
	if (unlikely(need_boot((void *)real_realloc)))
		return boot_alloc(size, 16);   /* p is NULL: nothing real exists yet */
	if (!p)
		return malloc(size);
	if (size == 0) {
		/* glibc frees p and returns NULL. */
		note_free(p);
		return real_realloc(p, 0);
	}
	/* Account the old block as freed first: once real_realloc returns, its
	 * address may already belong to another thread's allocation. */
	note_free(p);
	void *q = real_realloc(p, size);
	if (q) {
		note_alloc(q, size);
	} else if (cprof_alloc_enabled) {
		/* p is still live and unchanged: put it back (not re-sampled). */
		int saved = errno;
		size_t u = usable_of(p);
		at.bytes += (int64_t)u;
		at.objs++;
		errno = saved;
	}
	return q;
}

EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	if (unlikely(need_boot((void *)real_posix_memalign))) {
		void *p = boot_alloc(size, align);
		if (!p)
			return ENOMEM;
		*out = p;
		return 0;
	}
	int r = real_posix_memalign(out, align, size);
	if (r == 0)
		note_alloc(*out, size);
	return r;
}

#define ALIGNED_WRAPPER(name, params, args, size_expr, align_expr) \
	EXPORT void *name params \
	{ \
		if (unlikely(need_boot((void *)real_##name))) \
			return boot_alloc(size_expr, align_expr); \
		void *p = real_##name args; \
		note_alloc(p, size_expr); \
		return p; \
	}

ALIGNED_WRAPPER(aligned_alloc, (size_t align, size_t size), (align, size), size, align)
ALIGNED_WRAPPER(memalign, (size_t align, size_t size), (align, size), size, align)
ALIGNED_WRAPPER(valloc, (size_t size), (size), size, 4096)
ALIGNED_WRAPPER(pvalloc, (size_t size), (size), size, 4096)

EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (unlikely(in_boot(p)))
		return boot_size(p);
	if (unlikely(!real_usable)) {
		resolve_all();
		if (!real_usable)
			return 0;
	}
	return real_usable(p);
}

/* ---- configuration --------------------------------------------------------- */

static int64_t env_i64(const char *name, int64_t def, int64_t lo, int64_t hi)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (*end || x < lo || x > hi) {
		cprof_log("%s=%s is not an integer in %lld..%lld, using %lld", name, v,
			(long long)lo, (long long)hi, (long long)def);
		return def;
	}
	return x;
}

int64_t cprof_alloc_sample_rate(void)
{
	return sample_rate;
}

int64_t cprof_alloc_heap_delta(void)
{
	return heap_delta;
}

void cprof_alloc_init(void)
{
	static int done;
	if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL))
		return;
	cprof_tls_guard++;
	resolve_all();
	cprof_alloc_enabled = env_i64("CPROF_ALLOC", 1, 0, 1) != 0;
	sample_rate = env_i64("CPROF_ALLOC_SAMPLE_RATE", sample_rate, 0, (int64_t)1 << 40);
	heap_delta = env_i64("CPROF_HEAP_DELTA", heap_delta, 1, (int64_t)1 << 40);
	if (!cprof_alloc_enabled)
		sample_rate = 0;
	exit_key_ok = pthread_key_create(&exit_key, thread_exit_fold) == 0;
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	cprof_memstats_init();
	cprof_gc_init();
	cprof_tls_guard--;
}

/* After core.c's constructor (200), before the default-priority one that
 * may start a whole-run capture. */
__attribute__((constructor(201))) static void alloc_ctor(void)
{
	cprof_alloc_init();
}
