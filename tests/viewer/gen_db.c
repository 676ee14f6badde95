/* gen_db.c: writes a realistic cprof trace database for the viewer's tests
 * and benchmark, following schema/cprof.sql: a producer/consumer process
 * with named threads, gap-free thread states (running, mutex/cond/sem
 * waits with objects and wakers, network, syscalls, sleeps), stacks with
 * symbolized frames, flows, user regions, counters, metadata and a
 * lost-events stat.  Rows are written in time order across threads, as a
 * converter streaming a trace would.  -m adds a hand-made memory part with
 * round figures the tests check exactly: a heap counter, sampled
 * allocations at three sites, GC phases and stop-the-world pauses (see
 * gen_memory).
 *
 * usage: gen_db -s cprof.sql [-i cprof_index.sql] -o out.db [-n events]
 *               [-t threads] [-r seed] [-m] */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 1700000000000000000ll

static uint64_t rng = 88172645463325252ull;

static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((rng >> 11) + 0.5) / 9007199254740992.0;
}

static int64_t expo(double mean)
{
	int64_t v = (int64_t)(-mean * log(urand()));

	return v < 50 ? 50 : v;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *p;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = calloc(1, (size_t)n + 1);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

static sqlite3 *db;

static void exec(const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "gen_db: %s\n  in: %.200s\n", msg, sql);
		exit(1);
	}
}

static sqlite3_stmt *prep(const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "gen_db: %s\n  in: %s\n", sqlite3_errmsg(db), sql);
		exit(1);
	}
	return st;
}

static void step(sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE) {
		fprintf(stderr, "gen_db: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_reset(st);
}

/* Frames and the stacks built from them (outermost first). */
static const char *const frames[] = {
	"_start", "__libc_start_main", "main", "start_thread", "worker_main", "producer_main",
	"queue_pop", "queue_push", "pthread_mutex_lock", "pthread_cond_wait", "sem_wait",
	"process_item", "stats_update", "net_serve", "recv", "send", "handle_request",
	"write_log", "fsync", "nanosleep", "backoff", "compress_block", "read", "accept",
	"epoll_wait", "pthread_join", "flush_cache", "pthread_rwlock_wrlock", "config_reload",
	"remember_request", "parse_header", "xstrdup", "load_config",
};

enum { F__start = 1, F_libc, F_main, F_start_thread, F_worker, F_producer, F_pop, F_push,
       F_lock, F_condwait, F_semwait, F_process, F_stats, F_net_serve, F_recv, F_send,
       F_handle, F_write_log, F_fsync, F_nanosleep, F_backoff, F_compress, F_read, F_accept,
       F_epoll, F_join, F_flush, F_wrlock, F_reload, F_remember, F_parse, F_xstrdup,
       F_load_config };

struct wait {
	const char *state, *reason;
	int object;        /* sync_object id or 0 */
	double mean;       /* ns */
	int stack[6];      /* frames below start_thread, 0-terminated */
};

/* Per role: what a thread waits on. */
static const struct wait worker_waits[] = {
	{ "blocked", "mutex", 1, 8000, { F_worker, F_pop, F_lock } },
	{ "blocked", "cond", 2, 60000, { F_worker, F_pop, F_condwait } },
	{ "blocked", "mutex", 4, 3000, { F_worker, F_process, F_stats, F_lock } },
	{ "syscall", "syscall", 0, 40000, { F_worker, F_process, F_write_log, F_fsync } },
	{ "blocked", "rwlock_write", 5, 20000, { F_worker, F_process, F_reload, F_wrlock } },
};
static const struct wait producer_waits[] = {
	{ "blocked", "mutex", 1, 6000, { F_producer, F_push, F_lock } },
	{ "blocked", "cond", 3, 90000, { F_producer, F_push, F_condwait } },
	{ "sleep", "sleep", 0, 200000, { F_producer, F_backoff, F_nanosleep } },
	{ "blocked", "sem", 6, 30000, { F_producer, F_semwait } },
};
static const struct wait net_waits[] = {
	{ "net", "net_read", 0, 250000, { F_net_serve, F_handle, F_recv } },
	{ "net", "net_write", 0, 30000, { F_net_serve, F_handle, F_send } },
	{ "net", "net_poll", 0, 500000, { F_net_serve, F_epoll } },
	{ "blocked", "mutex", 4, 5000, { F_net_serve, F_handle, F_stats, F_lock } },
};

struct thr {
	int utid, role;       /* 0 main, 1 worker, 2 producer, 3 net */
	int64_t ts;           /* next state start */
	int running;          /* next state is running */
	int64_t region_end;   /* open region end, 0 if none */
};

static int callsite_of(sqlite3_stmt *cs, int role, const struct wait *w, int *ncs)
{
	/* Callsite ids: a simple cache keyed by stack content. */
	static struct { int key[10]; int id; } cache[256];
	static int ncache;
	int key[10] = { 0 }, n = 0, i, parent = 0, j;

	key[n++] = role == 0 ? F_main : F_start_thread;
	for (i = 0; i < 6 && w->stack[i]; i++)
		key[n++] = w->stack[i];
	for (i = 0; i < ncache; i++)
		if (!memcmp(cache[i].key, key, sizeof(key)))
			return cache[i].id;
	/* Insert the chain; duplicates of prefixes are fine for a fixture. */
	for (j = 0; j < n; j++) {
		int id = ++*ncs;

		sqlite3_bind_int(cs, 1, id);
		sqlite3_bind_int(cs, 2, j);
		if (parent)
			sqlite3_bind_int(cs, 3, parent);
		else
			sqlite3_bind_null(cs, 3);
		sqlite3_bind_int(cs, 4, key[j]);
		step(cs);
		parent = id;
	}
	if (ncache < 256) {
		memcpy(cache[ncache].key, key, sizeof(key));
		cache[ncache++].id = parent;
	}
	return parent;
}

#define MS 1000000ll

/* The memory part (-m), times from T0:
 * - heap_inuse_bytes: 1000, 20000, 40000, 30000, 50000 at 0, 25, 50, 75, 90 ms;
 * - sampled allocations (weight / usable = objects per sample):
 *   remember_request: 4 x (usable 1024, weight 4096), never freed;
 *   parse_header: 10 x (256, 2048), all but the last freed;
 *   xstrdup: 2 x (100000, 100000), both freed;
 * - net_connection: 127.0.0.1:40001 twice (1234+6 in, 567890+10 out, 44
 *   calls), 127.0.0.1:40002 once (100, 200, 4);
 * - on utid 2: GC phase pool.sweep [9.5, 11.5) ms holding a pause
 *   [10, 11); pauses [20, 22) and [22.5, 23.5); on utid 3: a pause
 *   [20.5, 21) (inside the other) and malloc_trim [50, 50.3) ms. */
static void gen_memory(sqlite3_stmt *ins_cs, int *ncs)
{
	static const struct wait sites[] = {
		{ NULL, NULL, 0, 0, { F_handle, F_remember } },
		{ NULL, NULL, 0, 0, { F_handle, F_parse } },
		{ NULL, NULL, 0, 0, { F_load_config, F_xstrdup } },
	};
	static const struct { int site, n, live; int64_t usable; double weight; } allocs[] = {
		{ 0, 4, 4, 1024, 4096 }, { 1, 10, 1, 256, 2048 }, { 2, 2, 0, 100000, 100000 },
	};
	static const struct { int64_t ts, dur; int utid, depth, stw, parent; const char *name; } sl[] = {
		{ 9500000, 2 * MS, 2, 0, 0, 0, "pool.sweep" }, { 10 * MS, 1 * MS, 2, 1, 1, 1, "pool.sweep" },
		{ 20 * MS, 2 * MS, 2, 0, 1, 0, "world" }, { 22500000, 1 * MS, 2, 0, 1, 0, "world" },
		{ 20500000, MS / 2, 3, 0, 1, 0, "world" }, { 50 * MS, 300000, 3, 0, 0, 0, "malloc_trim" },
	};
	static const int64_t heap[][2] = { { 0, 1000 }, { 25, 20000 }, { 50, 40000 }, { 75, 30000 },
					   { 90, 50000 } };
	sqlite3_stmt *a = prep("INSERT INTO alloc_sample VALUES (NULL,?,2,?,?,?,?,?,?)");
	sqlite3_stmt *s = prep("INSERT INTO slice VALUES (NULL,?,?,?,?,?,?,?,NULL)");
	sqlite3_stmt *c = prep("INSERT INTO counter VALUES (NULL,?,1000,?)");
	int64_t ids[8] = { 0 }, ts = T0 + MS;
	size_t i;
	int k;

	exec("INSERT INTO track VALUES (1000, 'heap_inuse_bytes', 'counter', NULL, 'bytes')");
	/* two sockets closed during the trace (an event loop's traffic) */
	exec("INSERT INTO net_connection VALUES"
	     " (1, 0, 2, 7, '127.0.0.1:11211', '127.0.0.1:40001', 1234, 567890, 42),"
	     " (2, 0, 2, 8, '127.0.0.1:11211', '127.0.0.1:40002', 100, 200, 4),"
	     " (3, 0, 3, 9, '127.0.0.1:11211', '127.0.0.1:40001', 6, 10, 2)");
	for (i = 0; i < sizeof(heap) / sizeof(heap[0]); i++) {
		sqlite3_bind_int64(c, 1, T0 + heap[i][0] * MS);
		sqlite3_bind_double(c, 2, (double)heap[i][1]);
		step(c);
	}
	for (i = 0; i < sizeof(allocs) / sizeof(allocs[0]); i++) {
		int cs = callsite_of(ins_cs, 0, &sites[allocs[i].site], ncs);

		for (k = 0; k < allocs[i].n; k++) {
			ts += 100000;
			sqlite3_bind_int64(a, 1, ts);
			sqlite3_bind_int64(a, 2, 0x55550000 + (int64_t)ts % 1000000 * 16);
			sqlite3_bind_int64(a, 3, allocs[i].usable - 8);
			sqlite3_bind_int64(a, 4, allocs[i].usable);
			sqlite3_bind_double(a, 5, allocs[i].weight);
			sqlite3_bind_int(a, 6, cs);
			if (k < allocs[i].n - allocs[i].live)
				sqlite3_bind_int64(a, 7, ts + MS);
			else
				sqlite3_bind_null(a, 7);
			step(a);
		}
	}
	for (i = 0; i < sizeof(sl) / sizeof(sl[0]); i++) {
		sqlite3_bind_int64(s, 1, T0 + sl[i].ts);
		sqlite3_bind_int64(s, 2, sl[i].dur);
		sqlite3_bind_int(s, 3, sl[i].utid + 1);  /* thread tracks: utid + 1 */
		sqlite3_bind_text(s, 4, sl[i].stw ? "stw" : "gc", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, sl[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 6, sl[i].depth);
		if (sl[i].parent)
			sqlite3_bind_int64(s, 7, ids[sl[i].parent - 1]);
		else
			sqlite3_bind_null(s, 7);
		step(s);
		ids[i] = sqlite3_last_insert_rowid(db);
	}
	sqlite3_finalize(a);
	sqlite3_finalize(s);
	sqlite3_finalize(c);
}

int main(int argc, char **argv)
{
	const char *schema = NULL, *index = NULL, *out = NULL;
	int64_t nevents = 20000, n = 0, tend, nflows = 0, nslices = 0;
	/* tend only sizes the metadata; generation runs until nevents. */
	int nthreads = 8, opt, i, ncs = 0, memory = 0;
	struct thr *th;
	sqlite3_stmt *ins_state, *ins_flow, *ins_cs, *ins_slice, *ins_counter;
	char *sql;

	while ((opt = getopt(argc, argv, "s:i:o:n:t:r:m")) != -1) {
		switch (opt) {
		case 's': schema = optarg; break;
		case 'i': index = optarg; break;
		case 'o': out = optarg; break;
		case 'n': nevents = strtoll(optarg, NULL, 10); break;
		case 't': nthreads = atoi(optarg); break;
		case 'r': rng ^= strtoull(optarg, NULL, 10) * 2654435761ull; break;
		case 'm': memory = 1; break;
		default:
			fprintf(stderr, "usage: gen_db -s cprof.sql [-i index.sql] -o out.db [-n events]"
				" [-t threads] [-r seed] [-m]\n");
			return 2;
		}
	}
	if (!schema || !out || nthreads < 2 || nthreads > 1000 || nevents < 10) {
		fprintf(stderr, "gen_db: need -s schema -o out, 2..1000 threads, >= 10 events\n");
		return 2;
	}
	unlink(out);
	if (sqlite3_open(out, &db) != SQLITE_OK)
		return 1;
	exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-64000");
	sql = slurp(schema);
	if (!sql) {
		fprintf(stderr, "gen_db: cannot read %s\n", schema);
		return 1;
	}
	exec(sql);
	free(sql);
	exec("BEGIN");
	/* Mean state length ~ 40 us: the span gives about nevents rows. */
	tend = T0 + nevents / nthreads * 40000;
	exec("INSERT INTO process VALUES (1, 4242, 'pipeline', '/usr/local/bin/pipeline',"
	     " 'pipeline --workers 4', 1700000000000000000, NULL)");
	{
		char buf[1024];

		snprintf(buf, sizeof(buf),
			 "INSERT INTO metadata VALUES ('schema_version', 1, NULL),"
			 " ('cprof_version', NULL, '0.1.0'), ('host', NULL, 'testhost'),"
			 " ('exe', NULL, '/usr/local/bin/pipeline'), ('pid', 4242, NULL),"
			 " ('trace_start', %lld, NULL), ('trace_end', %lld, NULL),"
			 " ('event_count', %lld, NULL), ('discarded_events', 42, NULL);"
			 "INSERT INTO stats VALUES ('discarded_events', 0, 'data_loss', 'trace', 42,"
			 " 'events dropped by the tracer: ring buffers were full'),"
			 " ('converted_events', 0, 'info', 'converter', %lld, 'events read');",
			 T0, (long long)tend, (long long)nevents, (long long)nevents);
		exec(buf);
	}
	exec("INSERT INTO stack_profile_mapping VALUES (1, 'a1b2c3', 4194304, 8388608, 0,"
	     " '/usr/local/bin/pipeline'), (2, 'd4e5f6', 140000000000000, 140000002000000,"
	     " 140000000000000, '/usr/lib/x86_64-linux-gnu/libc.so.6')");
	{
		sqlite3_stmt *f = prep("INSERT INTO stack_profile_frame VALUES (?,?,?,?,?,?,?,?)");

		for (i = 0; i < (int)(sizeof(frames) / sizeof(frames[0])); i++) {
			int libc = strstr(frames[i], "pthread_") || !strcmp(frames[i], "recv") ||
				   !strcmp(frames[i], "send") || !strcmp(frames[i], "fsync") ||
				   !strcmp(frames[i], "nanosleep") || !strcmp(frames[i], "read") ||
				   !strcmp(frames[i], "epoll_wait") || !strcmp(frames[i], "sem_wait");

			sqlite3_bind_int(f, 1, i + 1);
			sqlite3_bind_text(f, 2, frames[i], -1, SQLITE_STATIC);
			sqlite3_bind_int(f, 3, libc ? 2 : 1);
			sqlite3_bind_int64(f, 4, 0x1000 + i * 0x40);
			sqlite3_bind_int64(f, 5, (libc ? 140000000000000ll : 4194304) + 0x1000 + i * 0x40);
			sqlite3_bind_int(f, 6, 0x10);
			if (libc) {
				sqlite3_bind_null(f, 7);
				sqlite3_bind_null(f, 8);
			} else {
				sqlite3_bind_text(f, 7, "pipeline.c", -1, SQLITE_STATIC);
				sqlite3_bind_int(f, 8, 100 + i * 7);
			}
			step(f);
		}
		sqlite3_finalize(f);
	}
	exec("INSERT INTO sync_object VALUES (1, 140737488350000, 'mutex', 'queue.lock', 'user'),"
	     " (2, 140737488350064, 'cond', 'queue.not_empty', 'user'),"
	     " (3, 140737488350128, 'cond', 'queue.not_full', 'user'),"
	     " (4, 140737488351000, 'mutex', 'stats_lock', 'symbol'),"
	     " (5, 140737488352000, 'rwlock_write', 'config_lock', 'symbol'),"
	     " (6, 140737488353000, 'sem', NULL, NULL)");
	th = calloc((size_t)nthreads, sizeof(*th));
	{
		sqlite3_stmt *t = prep("INSERT INTO thread VALUES (?,?,?,1,?,?,?,?,?,?,?,?,?)");
		sqlite3_stmt *tr = prep("INSERT INTO track VALUES (?,?, 'thread', ?, NULL)");

		for (i = 0; i < nthreads; i++) {
			char name[32];
			int role = i == 0 ? 0 : i % 3 == 1 ? 1 : i % 3 == 2 ? 2 : 3;

			snprintf(name, sizeof(name), "%s-%d",
				 role == 0 ? "main" : role == 1 ? "worker" : role == 2 ? "producer" : "net",
				 i);
			if (role == 0)
				snprintf(name, sizeof(name), "pipeline");
			th[i].utid = i + 1;
			th[i].role = role;
			th[i].ts = T0 + (role ? (int64_t)i * 100000 : 0);
			th[i].running = 1;
			sqlite3_bind_int(t, 1, i + 1);
			sqlite3_bind_int(t, 2, 4242 + i);
			sqlite3_bind_text(t, 3, name, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(t, 4, th[i].ts);
			sqlite3_bind_null(t, 5);
			if (role) {
				sqlite3_bind_int64(t, 6, th[i].ts - 20000);
				sqlite3_bind_int(t, 7, 1);
				sqlite3_bind_text(t, 8, role == 1 ? "worker_main" : role == 2 ?
						  "producer_main" : "net_serve", -1, SQLITE_STATIC);
			} else {
				sqlite3_bind_null(t, 6);
				sqlite3_bind_null(t, 7);
				sqlite3_bind_null(t, 8);
			}
			sqlite3_bind_null(t, 9);
			sqlite3_bind_null(t, 10);
			sqlite3_bind_int(t, 11, role == 0);
			sqlite3_bind_int64(t, 12, 0x7f0000000000ll + i * 0x1000);
			step(t);
			sqlite3_bind_int(tr, 1, i + 2);
			sqlite3_bind_text(tr, 2, name, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int(tr, 3, i + 1);
			step(tr);
		}
		sqlite3_finalize(t);
		sqlite3_finalize(tr);
	}
	exec("INSERT INTO track VALUES (1, 'threads', 'counter', NULL, 'count')");
	ins_state = prep("INSERT INTO thread_state VALUES (NULL,?,?,?,?,?,?,?,?,?,?)");
	ins_flow = prep("INSERT INTO flow VALUES (NULL,?,?,?,?,?,?)");
	ins_cs = prep("INSERT INTO stack_profile_callsite VALUES (?,?,?,?)");
	ins_slice = prep("INSERT INTO slice VALUES (NULL,?,?,?, 'region', ?, ?, NULL, NULL)");
	ins_counter = prep("INSERT INTO counter VALUES (NULL,?,1,?)");
	for (i = 0; i < nthreads; i++) {
		sqlite3_bind_int64(ins_counter, 1, th[i].ts);
		sqlite3_bind_double(ins_counter, 2, i + 1);
		step(ins_counter);
	}
	/* Emit states in time order across threads. */
	while (n < nevents) {
		struct thr *t = &th[0];
		const struct wait *ws, *w;
		int nw, k, waker = 0;
		int64_t dur;

		for (i = 1; i < nthreads; i++)
			if (th[i].ts < t->ts)
				t = &th[i];
		ws = t->role == 2 ? producer_waits : t->role == 3 ? net_waits : worker_waits;
		nw = t->role == 2 ? 4 : t->role == 3 ? 4 : 5;
		if (t->role == 0 && !t->running) {
			/* main joins the workers: one long wait per second. */
			static const struct wait join = { "blocked", "join", 0, 5000000,
							  { F_join } };
			w = &join;
		} else {
			k = (int)(urand() * nw);
			w = &ws[k];
		}
		sqlite3_bind_int64(ins_state, 1, t->ts);
		sqlite3_bind_int(ins_state, 3, t->utid);
		if (t->running) {
			dur = expo(t->role == 0 ? 500000 : 25000);
			if (urand() < 0.001)
				dur *= 100;  /* a rare long burst, to find on the timeline */
			sqlite3_bind_int64(ins_state, 2, dur);
			sqlite3_bind_text(ins_state, 4, "running", -1, SQLITE_STATIC);
			for (k = 5; k <= 10; k++)
				sqlite3_bind_null(ins_state, k);
		} else {
			dur = expo(w->mean);
			if (urand() < 0.002)
				dur *= 200;  /* a rare long stall */
			if (t->role == 0)
				dur = tend > t->ts + 1000 ? tend - t->ts : dur;  /* main joins till the end */
			sqlite3_bind_int64(ins_state, 2, dur);
			sqlite3_bind_text(ins_state, 4, w->state, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins_state, 5, w->reason, -1, SQLITE_STATIC);
			if (w->object)
				sqlite3_bind_int(ins_state, 6, w->object);
			else
				sqlite3_bind_null(ins_state, 6);
			if (w->object && nthreads > 3) {
				/* Wakers are the other non-main threads (utid 2..n). */
				waker = (int)(urand() * (nthreads - 1)) + 2;
				if (waker == t->utid)
					waker = waker == nthreads ? 2 : waker + 1;
				sqlite3_bind_int(ins_state, 7, waker);
				sqlite3_bind_int64(ins_state, 8, t->ts + dur - 1500);
			} else {
				sqlite3_bind_null(ins_state, 7);
				sqlite3_bind_null(ins_state, 8);
			}
			sqlite3_bind_int(ins_state, 9, callsite_of(ins_cs, t->role, w, &ncs));
			sqlite3_bind_int(ins_state, 10, 0);
		}
		step(ins_state);
		n++;
		if (!t->running && w->object && nthreads > 3) {
			int64_t sid = sqlite3_last_insert_rowid(db);

			sqlite3_bind_int64(ins_flow, 1, t->ts + dur - 1500);
			sqlite3_bind_int(ins_flow, 2, waker);
			sqlite3_bind_int64(ins_flow, 3, t->ts + dur);
			sqlite3_bind_int(ins_flow, 4, t->utid);
			sqlite3_bind_int64(ins_flow, 5, sid);
			sqlite3_bind_text(ins_flow, 6, w->reason, -1, SQLITE_STATIC);
			step(ins_flow);
			nflows++;
		}
		/* Regions on workers: process_item around a few states. */
		if (t->role == 1 && t->running && !t->region_end && urand() < 0.05) {
			int64_t rd = dur + expo(150000);

			sqlite3_bind_int64(ins_slice, 1, t->ts);
			sqlite3_bind_int64(ins_slice, 2, rd);
			sqlite3_bind_int(ins_slice, 3, t->utid + 1);
			sqlite3_bind_text(ins_slice, 4, "process_item", -1, SQLITE_STATIC);
			sqlite3_bind_int(ins_slice, 5, 0);
			step(ins_slice);
			sqlite3_bind_int64(ins_slice, 1, t->ts + rd / 4);
			sqlite3_bind_int64(ins_slice, 2, rd / 2);
			sqlite3_bind_text(ins_slice, 4, "compress", -1, SQLITE_STATIC);
			sqlite3_bind_int(ins_slice, 5, 1);
			step(ins_slice);
			t->region_end = t->ts + rd;
			nslices += 2;
		}
		if (t->region_end && t->ts >= t->region_end)
			t->region_end = 0;
		t->ts += dur;
		t->running = !t->running;
	}
	for (i = 0; i < nthreads; i++) {
		sqlite3_bind_int64(ins_counter, 1, th[i].ts);
		sqlite3_bind_double(ins_counter, 2, nthreads - i - 1);
		step(ins_counter);
	}
	{
		sqlite3_stmt *e = prep("UPDATE thread SET end_ts = ? WHERE utid = ?");

		for (i = 1; i < nthreads; i++) {
			sqlite3_bind_int64(e, 1, th[i].ts);
			sqlite3_bind_int(e, 2, th[i].utid);
			step(e);
		}
		sqlite3_finalize(e);
	}
	if (memory)
		gen_memory(ins_cs, &ncs);
	sqlite3_finalize(ins_state);
	sqlite3_finalize(ins_flow);
	sqlite3_finalize(ins_cs);
	sqlite3_finalize(ins_slice);
	sqlite3_finalize(ins_counter);
	exec("COMMIT");
	if (index) {
		sql = slurp(index);
		if (!sql) {
			fprintf(stderr, "gen_db: cannot read %s\n", index);
			return 1;
		}
		exec(sql);
		free(sql);
	} else {
		exec("CREATE INDEX thread_state_utid_ts ON thread_state (utid, ts)");
	}
	exec("ANALYZE");
	sqlite3_close(db);
	free(th);
	printf("gen_db: %s: %" PRId64 " states, %" PRId64 " flows, %" PRId64 " slices, %d threads\n",
	       out, n, nflows, nslices, nthreads);
	return 0;
}
