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
volatile uint64_t cprof_internal_errors;

static struct cprof_thread *registry;     /* owned; guarded by registry_lock */
static volatile int registry_lock;
static volatile uint64_t registry_count;
static int core_ready;

static void reg_lock(void)
{
	while (__atomic_exchange_n(&registry_lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void reg_unlock(void)
{
	__atomic_store_n(&registry_lock, 0, __ATOMIC_RELEASE);
}

pid_t cprof_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

uint64_t cprof_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Registers the calling thread (idempotent).  Called by the thread-start
 * trampoline and lazily for threads cprof did not see start (main). */
struct cprof_thread *cprof_thread_register(uint64_t start_routine, pid_t creator)
{
	if (cprof_tls_self)
		return cprof_tls_self;
	struct cprof_thread *t = calloc(1, sizeof *t);
	if (!t) {
		cprof_internal_error("thread registry allocation", ENOMEM);
		return NULL;
	}
	t->tid = cprof_gettid();
	t->handle = (uint64_t)pthread_self();
	t->start_routine = start_routine;
	t->creator_tid = creator;
	/* PR_GET_NAME is one syscall; pthread_getname_np opens /proc. */
	if (prctl(PR_GET_NAME, t->name, 0, 0, 0) != 0)
		t->name[0] = 0;
	reg_lock();
	t->next = registry;
	registry = t;
	registry_count++;
	reg_unlock();
	cprof_tls_self = t;
	return t;
}

void cprof_thread_unregister(void)
{
	struct cprof_thread *t = cprof_tls_self;
	if (!t)
		return;
	reg_lock();
	for (struct cprof_thread **p = &registry; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			registry_count--;
			break;
		}
	reg_unlock();
	cprof_tls_self = NULL;
	free(t);
}

/* Copies the registered name of thread `tid` (or handle) after a rename. */
void cprof_thread_renamed(uint64_t handle, const char *name)
{
	pid_t tid = 0;
	reg_lock();
	for (struct cprof_thread *t = registry; t; t = t->next)
		if (t->handle == handle) {
			strncpy(t->name, name, sizeof t->name - 1);
			t->name[sizeof t->name - 1] = 0;
			tid = t->tid;
			break;
		}
	reg_unlock();
	if (tid && cprof_tracing && lttng_ust_tracepoint_enabled(cprof, thread_name)) {
		cprof_tls_guard++;
		lttng_ust_do_tracepoint(cprof, thread_name, tid, name);
		cprof_tls_guard--;
	}
}

void cprof_atfork_child_core(void)
{
	/* Only the forking thread survives; other records stay allocated (their
	 * owners are gone, freeing could race with nothing but is pointless). */
	registry_lock = 0;
	registry = NULL;
	registry_count = 0;
	cprof_tracing = 0;
	struct cprof_thread *self = cprof_tls_self;
	if (self) {
		self->next = NULL;
		self->tid = cprof_gettid();
		self->handle = (uint64_t)pthread_self();
		registry = self;
		registry_count = 1;
	}
}

void cprof_internal_begin(void)
{
	cprof_tls_ignored++;
}

void cprof_internal_end(void)
{
	if (cprof_tls_ignored > 0)
		cprof_tls_ignored--;
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
	for (int i = 0; i < 2000 && !lttng_ust_tracepoint_enabled(cprof, thread_status); i++) {
		struct timespec ts = { 0, 1000000 };
		cprof_tls_guard++;
		nanosleep(&ts, NULL);
		cprof_tls_guard--;
	}
	if (!lttng_ust_tracepoint_enabled(cprof, thread_status))
		cprof_log("tracepoints did not become active within 2 s; the trace may be empty");
	cprof_tls_guard++;
	__atomic_store_n(&cprof_tracing, 1, __ATOMIC_RELEASE);

	cprof_process_emit();
	cprof_modules_emit();

	uint64_t now = cprof_now_ns();
	reg_lock();
	for (struct cprof_thread *t = registry; t; t = t->next) {
		uint8_t kind = __atomic_load_n(&t->wait_kind, __ATOMIC_ACQUIRE);
		uint64_t obj = kind ? t->wait_obj : 0;
		uint64_t since = kind ? t->wait_since_ns : now;
		lttng_ust_tracepoint(cprof, thread_status, t->tid, t->handle, t->name,
			t->start_routine, kind, obj, now > since ? now - since : 0, t->creator_tid);
	}
	reg_unlock();
	cprof_tls_guard--;
}

void cprof_core_on_trace_stop(void)
{
	cprof_tls_guard++;
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
}

void cprof_core_init(void)
{
	cprof_init();
}
