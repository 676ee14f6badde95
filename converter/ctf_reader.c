/* ctf_reader.c: the only user of libbabeltrace2 in cprof.
 *
 * One src.ctf.fs per sub-trace (per-PID traces have different UUIDs and a
 * single component refuses them), all into flt.utils.muxer, into a simple
 * sink that turns cprof events into struct conv_event by the catalog table
 * below (field names of tracer/cprof_tp.h).  Member indices are resolved
 * once per event class.  A sub-trace that does not open is skipped with a
 * warning and a stats row; losses become model stats. */
#include <babeltrace2/babeltrace.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conv.h"

volatile int conv_interrupted;

struct spec {
	const char *name;
	enum conv_event_type type;
	const char *ints[CONV_MAX_INTS];
	const char *strs[CONV_MAX_STRS];
	const char *seq;
};

static const struct spec catalog[] = {
	{ "cprof:process", EV_PROCESS, { "pid", "format" }, { "exe", "hostname", "version" }, "cmdline" },
	{ "cprof:module", EV_MODULE, { "base", "size" }, { "path" }, "build_id" },
	{ "cprof:thread_status", EV_THREAD_STATUS, { "tid", "handle", "start_routine", "wait_kind",
		"wait_obj", "wait_age_ns", "creator_tid" }, { "name" }, NULL },
	{ "cprof:thread_create", EV_THREAD_CREATE, { "create_id", "handle", "start_routine" }, { 0 }, "stack" },
	{ "cprof:thread_start", EV_THREAD_START, { "create_id", "creator_tid", "handle", "start_routine" },
		{ "name" }, NULL },
	{ "cprof:thread_end", EV_THREAD_END, { "handle" }, { 0 }, NULL },
	{ "cprof:thread_name", EV_THREAD_NAME, { "tid" }, { "name" }, NULL },
	{ "cprof:block_begin", EV_BLOCK_BEGIN, { "kind", "obj" }, { 0 }, "stack" },
	{ "cprof:block_end", EV_BLOCK_END, { "kind", "obj", "result" }, { 0 }, NULL },
	{ "cprof:wake", EV_WAKE, { "kind", "obj", "target_tid" }, { 0 }, NULL },
	{ "cprof:object_name", EV_OBJECT_NAME, { "obj" }, { "name" }, NULL },
	{ "cprof:trace_end", EV_TRACE_END, { "threads", "internal_errors" }, { 0 }, NULL },
	{ "cprof:heap", EV_HEAP, { "inuse_bytes", "inuse_objects", "alloc_bytes", "allocs" }, { 0 }, NULL },
	{ "cprof:mallinfo", EV_MALLINFO, { "arena", "uordblks", "fordblks", "hblkhd", "keepcost" }, { 0 }, NULL },
	{ "cprof:alloc_config", EV_ALLOC_CONFIG, { "sample_rate", "heap_delta", "period_ns", "enabled",
		"boehm" }, { 0 }, NULL },
	{ "cprof:alloc_sample", EV_ALLOC_SAMPLE, { "ptr", "size", "usable" }, { 0 }, "stack" },
	{ "cprof:free_sample", EV_FREE_SAMPLE, { "ptr", "usable" }, { 0 }, NULL },
	{ "cprof:gc_begin", EV_GC_BEGIN, { 0 }, { "kind" }, NULL },
	{ "cprof:gc_end", EV_GC_END, { "result" }, { 0 }, NULL },
	{ "cprof:stw_begin", EV_STW_BEGIN, { 0 }, { "reason" }, NULL },
	{ "cprof:stw_end", EV_STW_END, { 0 }, { 0 }, NULL },
	{ "cprof:gc_heap", EV_GC_HEAP, { "gc_no", "heap_size", "free_bytes", "unmapped_bytes",
		"allocd_since_gc", "reclaimed" }, { 0 }, NULL },
	{ "cprof:fd_info", EV_FD_INFO, { "fd", "type", "origin", "family", "sotype" },
		{ "local", "peer", "path" }, NULL },
	{ "cprof:net_end", EV_NET_END, { "op", "fd", "result", "err", "dur_ns" }, { 0 }, NULL },
	/* net_end's shape plus the wait's kind (and its stack, or its thread):
	 * model_net.c tells the three apart by the fields that are non-zero */
	{ "cprof:net_wait", EV_NET_END, { "op", "fd", "result", "err", "dur_ns", "kind", "tid",
		"waker_tid", "wake_ago_ns" }, { 0 }, "stack" },
	{ "cprof:net_wait_open", EV_NET_END, { "op", "fd", "result", "err", "dur_ns", "kind", "tid" },
		{ 0 }, NULL },
	{ "cprof:task_begin", EV_TASK_BEGIN, { "id", "parent" }, { "type" }, "stack" },
	{ "cprof:task_end", EV_TASK_END, { "id" }, { 0 }, NULL },
	{ "cprof:region_begin", EV_REGION_BEGIN, { "task" }, { "type" }, "stack" },
	{ "cprof:region_end", EV_REGION_END, { "task" }, { "type" }, NULL },
	{ "cprof:user_log", EV_USER_LOG, { "task" }, { "category", "message" }, NULL },
	{ "cprof:syscall_span", EV_SYSCALL_SPAN, { "nr", "fd", "result", "err", "dur_ns" }, { "name" }, "stack" },
	{ "cprof:syscall_end", EV_SYSCALL_END, { "nr", "arg", "result", "err", "dur_ns" }, { "name" }, NULL },
	{ "cprof:status_stack", EV_STATUS_STACK, { "tid" }, { 0 }, "stack" },
	{ "cprof:fd_close", EV_FD_CLOSE, { "fd", "op", "err", "bytes_in", "bytes_out", "ops" }, { 0 }, NULL },
	{ "cprof:sync_wait", EV_SYNC_WAIT, { "kind", "obj", "result", "dur_ns", "waker_tid", "wake_ago_ns",
		"end_ago_ns", "gen", "tid" }, { 0 }, "stack" },
	{ "cprof:sync_wait_open", EV_SYNC_WAIT_OPEN, { "tid", "kind", "obj", "dur_ns", "gen" }, { 0 }, NULL },
};

#define CACHE_SLOTS 256     /* event classes: a dozen per sub-trace */

struct ec_entry {
	const bt_event_class *ec;     /* borrowed key; NULL = free slot */
	const struct spec *spec;      /* NULL: not a cprof event */
	int64_t ints[CONV_MAX_INTS], strs[CONV_MAX_STRS], seq, vtid;   /* member index or -1 */
	unsigned char is_signed[CONV_MAX_INTS], vtid_signed;
	int64_t pid;
};

struct reader {
	struct conv_model *m;          /* borrowed */
	const struct conv_info *info;  /* borrowed */
	struct ec_entry cache[CACHE_SLOTS];
	uint64_t events, unknown;
	int model_err;
	struct timespec last_progress;
	uint64_t seq[CONV_MAX_SEQ];
};

static int64_t member_index(const bt_field_class *st, const char *name, unsigned char *is_signed)
{
	if (!st || !name)
		return -1;
	uint64_t n = bt_field_class_structure_get_member_count(st);
	for (uint64_t i = 0; i < n; i++) {
		const bt_field_class_structure_member *mb = bt_field_class_structure_borrow_member_by_index_const(st, i);
		if (strcmp(bt_field_class_structure_member_get_name(mb), name))
			continue;
		if (is_signed)
			*is_signed = bt_field_class_type_is(bt_field_class_get_type(
				bt_field_class_structure_member_borrow_field_class_const(mb)),
				BT_FIELD_CLASS_TYPE_SIGNED_INTEGER);
		return (int64_t) i;
	}
	return -1;
}

static int64_t trace_pid(const bt_stream *stream, int64_t fallback)
{
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(
		bt_stream_borrow_trace_const(stream), "vpid");
	if (v && bt_value_get_type(v) == BT_VALUE_TYPE_SIGNED_INTEGER)
		return bt_value_integer_signed_get(v);
	return fallback;
}

static struct ec_entry *entry_for(struct reader *r, const bt_event *ev)
{
	const bt_event_class *ec = bt_event_borrow_class_const(ev);
	size_t h = (size_t) (conv_hash64((uint64_t) (uintptr_t) ec) & (CACHE_SLOTS - 1));
	for (size_t k = 0; k < CACHE_SLOTS; k++, h = (h + 1) & (CACHE_SLOTS - 1)) {
		struct ec_entry *e = &r->cache[h];
		if (e->ec == ec)
			return e;
		if (e->ec)
			continue;
		e->ec = ec;
		const char *name = bt_event_class_get_name(ec);
		for (size_t i = 0; name && i < sizeof catalog / sizeof catalog[0]; i++)
			if (!strcmp(catalog[i].name, name))
				e->spec = &catalog[i];
		const bt_field_class *pl = bt_event_class_borrow_payload_field_class_const(ec);
		for (int i = 0; i < CONV_MAX_INTS; i++)
			e->ints[i] = e->spec ? member_index(pl, e->spec->ints[i], &e->is_signed[i]) : -1;
		for (int i = 0; i < CONV_MAX_STRS; i++)
			e->strs[i] = e->spec ? member_index(pl, e->spec->strs[i], NULL) : -1;
		e->seq = e->spec ? member_index(pl, e->spec->seq, NULL) : -1;
		e->vtid = member_index(bt_stream_class_borrow_event_common_context_field_class_const(
			bt_event_class_borrow_stream_class_const(ec)), "vtid", &e->vtid_signed);
		e->pid = trace_pid(bt_event_borrow_stream_const(ev), r->info->pid);
		return e;
	}
	return NULL;    /* more classes than slots: not a trace we wrote */
}

static int64_t int_value(const bt_field *f, int is_signed)
{
	return is_signed ? bt_field_integer_signed_get_value(f) : (int64_t) bt_field_integer_unsigned_get_value(f);
}

static int on_event(struct reader *r, const bt_message *msg)
{
	const bt_event *ev = bt_message_event_borrow_event_const(msg);
	struct ec_entry *e = entry_for(r, ev);
	struct conv_event ce = { .type = EV_UNKNOWN };
	r->events++;
	if (!e || !e->spec) {
		r->unknown++;    /* not modelled (other providers, newer cprof events) */
		return 0;
	}
	ce.type = e->spec->type;
	ce.pid = e->pid;
	bt_clock_snapshot_get_ns_from_origin(bt_message_event_borrow_default_clock_snapshot_const(msg), &ce.ts);
	const bt_field *ctx = bt_event_borrow_common_context_field_const(ev);
	if (ctx && e->vtid >= 0)
		ce.tid = (int32_t) int_value(bt_field_structure_borrow_member_field_by_index_const(ctx,
			(uint64_t) e->vtid), e->vtid_signed);
	const bt_field *pl = bt_event_borrow_payload_field_const(ev);
	for (int i = 0; i < CONV_MAX_INTS; i++)
		if (e->ints[i] >= 0)
			ce.i[i] = int_value(bt_field_structure_borrow_member_field_by_index_const(pl,
				(uint64_t) e->ints[i]), e->is_signed[i]);
	for (int i = 0; i < CONV_MAX_STRS; i++)
		if (e->strs[i] >= 0)
			ce.s[i] = bt_field_string_get_value(bt_field_structure_borrow_member_field_by_index_const(pl,
				(uint64_t) e->strs[i]));
	if (e->seq >= 0) {
		const bt_field *sq = bt_field_structure_borrow_member_field_by_index_const(pl, (uint64_t) e->seq);
		uint64_t n = bt_field_array_get_length(sq);
		if (n > CONV_MAX_SEQ)
			n = CONV_MAX_SEQ;
		for (uint64_t k = 0; k < n; k++)
			r->seq[k] = bt_field_integer_unsigned_get_value(
				bt_field_array_borrow_element_field_by_index_const(sq, k));
		ce.seq = r->seq;
		ce.seq_len = (unsigned) n;
	}
	return conv_model_event(r->m, &ce);
}

static void on_discarded(struct reader *r, const bt_message *msg, int events)
{
	uint64_t count = 0;
	int64_t b = CONV_NULL, e = CONV_NULL;
	const bt_stream *st = events ? bt_message_discarded_events_borrow_stream_const(msg)
		: bt_message_discarded_packets_borrow_stream_const(msg);
	const bt_stream_class *sc = bt_stream_borrow_class_const(st);
	bt_property_availability av = events ? bt_message_discarded_events_get_count(msg, &count)
		: bt_message_discarded_packets_get_count(msg, &count);
	if (av != BT_PROPERTY_AVAILABILITY_AVAILABLE)
		count = 1;    /* a loss of unknown size is still a loss */
	if (events ? bt_stream_class_discarded_events_have_default_clock_snapshots(sc)
			: bt_stream_class_discarded_packets_have_default_clock_snapshots(sc)) {
		bt_clock_snapshot_get_ns_from_origin(events ?
			bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(msg) :
			bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(msg), &b);
		bt_clock_snapshot_get_ns_from_origin(events ?
			bt_message_discarded_events_borrow_end_default_clock_snapshot_const(msg) :
			bt_message_discarded_packets_borrow_end_default_clock_snapshot_const(msg), &e);
	}
	conv_model_discarded(r->m, trace_pid(st, r->info->pid), events ? "events" : "packets", count, b, e);
}

static void progress(struct reader *r, int64_t ts)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (conv_quiet || now.tv_sec - r->last_progress.tv_sec < 1)
		return;
	r->last_progress = now;
	int64_t end, t0 = conv_model_window(r->m, &end);
	if (r->info->end_ns != CONV_NULL && r->info->end_ns > end)
		end = r->info->end_ns;
	double pct = end > t0 ? 100.0 * (double) (ts - t0) / (double) (end - t0) : 0;
	fprintf(stderr, "cprof-convert: %.1fM events, %.0f%% of the trace\n", r->events / 1e6,
		pct > 100 ? 100 : pct);
}

static bt_graph_simple_sink_component_consume_func_status consume(bt_message_iterator *it, void *data)
{
	struct reader *r = data;
	bt_message_array_const msgs;
	uint64_t n;
	switch (bt_message_iterator_next(it, &msgs, &n)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK: break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	default: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	int ret = 0;
	for (uint64_t i = 0; i < n; i++) {
		const bt_message *msg = msgs[i];
		switch (bt_message_get_type(msg)) {
		case BT_MESSAGE_TYPE_EVENT:
			if (!ret && (ret = on_event(r, msg)) < 0)
				r->model_err = ret;
			break;
		case BT_MESSAGE_TYPE_DISCARDED_EVENTS: on_discarded(r, msg, 1); break;
		case BT_MESSAGE_TYPE_DISCARDED_PACKETS: on_discarded(r, msg, 0); break;
		default: break;
		}
		bt_message_put_ref(msg);
	}
	if ((r->events & 0xffff) < n) {
		int64_t end;
		conv_model_window(r->m, &end);
		progress(r, end);
	}
	return ret < 0 || conv_interrupted ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR
		: BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

/* The root cause of the current libbabeltrace2 error, then clears it. */
static void take_bt_error(char *buf, size_t len)
{
	const bt_error *e = bt_current_thread_take_error();
	buf[0] = 0;
	if (!e)
		return;
	uint64_t n = bt_error_get_cause_count(e);
	size_t off = 0;
	/* cause 0 is the root: the most specific; the outer ones name components */
	for (uint64_t i = 0; i < n && i < 2 && off + 4 < len; i++) {
		const char *msg = bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, i));
		const char *cut = strstr(msg, ": status=");   /* component internals follow */
		int k = snprintf(buf + off, len - off, "%s%.*s", off ? ": " : "",
			(int) (cut ? (size_t) (cut - msg) : strlen(msg)), msg);
		off += k > 0 ? (size_t) k : 0;
	}
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	bt_error_release(e);
}

/* A sub-trace as the archive names it (ctf/...), not its temporary path. */
static const char *rel_dir(const char *dir)
{
	const char *c = strstr(dir, "/ctf/");
	return c ? c + 1 : dir;
}

static bt_value *src_params(const char *dir)
{
	bt_value *params = bt_value_map_create(), *inputs = NULL;
	if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
			bt_value_array_append_string_element(inputs, dir)) {
		bt_value_put_ref(params);
		return NULL;
	}
	return params;
}

static int try_open(const bt_component_class_source *fs, const char *dir, char *why, size_t len)
{
	bt_graph *g = bt_graph_create(0);
	bt_value *params = src_params(dir);
	const bt_component_source *src = NULL;
	int ok = 0;
	if (g && params && bt_graph_add_source_component(g, fs, "probe", params, BT_LOGGING_LEVEL_NONE,
			&src) == BT_GRAPH_ADD_COMPONENT_STATUS_OK)
		ok = bt_component_source_get_output_port_count(src) > 0;
	if (!ok) {
		take_bt_error(why, len);
		if (!why[0])
			snprintf(why, len, "no event streams");
	}
	bt_value_put_ref(params);
	bt_graph_put_ref(g);
	return ok;
}

/* Whether a sub-trace opens at all, tried in a child process: a component
 * that fails to initialize may leave its graph unusable, and corrupt
 * metadata has made libbabeltrace2 spin or crash.  The child gets
 * PROBE_TIMEOUT_S, then is killed. */
#define PROBE_TIMEOUT_S 60
static int probe(const bt_component_class_source *fs, const char *dir, char *why, size_t len)
{
	int fds[2], status = 0;
	why[0] = 0;
	if (pipe(fds) < 0)
		return try_open(fs, dir, why, len);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return try_open(fs, dir, why, len);
	}
	if (pid == 0) {
		close(fds[0]);
		int ok = try_open(fs, dir, why, len);
		if (!ok && write(fds[1], why, strlen(why)) < 0)
			_exit(2);
		_exit(ok ? 0 : 1);
	}
	close(fds[1]);
	int waited = 0;
	pid_t r;
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && waited < PROBE_TIMEOUT_S * 100) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		waited++;
	}
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(why, len, "libbabeltrace2 did not open it within %d s", PROBE_TIMEOUT_S);
		close(fds[0]);
		return 0;
	}
	ssize_t n = read(fds[0], why, len - 1);
	why[n > 0 ? n : 0] = 0;
	close(fds[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	if (!why[0])
		snprintf(why, len, "libbabeltrace2 %s while opening it",
			WIFSIGNALED(status) ? "crashed" : "failed");
	return 0;
}

int conv_ctf_read(const struct conv_info *info, struct conv_model *m, uint64_t *events,
	struct conv_error *err)
{
	static struct reader r;      /* large (seq buffer, cache): not on the stack */
	const bt_plugin *ctf = NULL, *utils = NULL;
	bt_graph *g = NULL;
	const bt_component_filter *mux = NULL;
	const bt_component_sink *sink = NULL;
	char why[1024];
	int ret = -EIO, opened = 0;
	uint64_t connected = 0;

	memset(&r, 0, sizeof r);
	r.m = m;
	r.info = info;
	clock_gettime(CLOCK_MONOTONIC, &r.last_progress);
	for (int i = 0; i < info->n_broken; i++) {
		conv_warn("skipping sub-trace %s: %s", rel_dir(info->broken[i]), info->broken_why[i]);
		conv_model_stat(m, "subtrace_skipped", i, "error", "converter", 1, rel_dir(info->broken[i]));
	}
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &ctf) != BT_PLUGIN_FIND_STATUS_OK ||
			bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &utils) !=
			BT_PLUGIN_FIND_STATUS_OK) {
		take_bt_error(why, sizeof why);
		conv_error_set(err, "libbabeltrace2's ctf and utils plugins are not installed %s", why);
		goto end;
	}
	const bt_component_class_source *fs = bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs");
	const bt_component_class_filter *mxc = bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer");
	if (!fs || !mxc || !(g = bt_graph_create(0)) ||
			bt_graph_add_filter_component(g, mxc, "mux", NULL, BT_LOGGING_LEVEL_NONE, &mux) ||
			bt_graph_add_simple_sink_component(g, "cprof", NULL, consume, NULL, &r, &sink)) {
		take_bt_error(why, sizeof why);
		conv_error_set(err, "cannot build the babeltrace2 graph: %s", why);
		goto end;
	}
	for (int i = 0; i < info->n_subtraces; i++) {
		const char *dir = info->subtraces[i];
		const bt_component_source *src = NULL;
		char name[32];
		if (!probe(fs, dir, why, sizeof why)) {
			conv_warn("skipping sub-trace %s: %s", rel_dir(dir), why);
			conv_model_stat(m, "subtrace_skipped", info->n_broken + i, "error", "converter", 1,
				rel_dir(dir));
			continue;
		}
		bt_value *params = src_params(dir);
		snprintf(name, sizeof name, "src%d", i);
		if (!params || bt_graph_add_source_component(g, fs, name, params, BT_LOGGING_LEVEL_NONE, &src)) {
			bt_value_put_ref(params);
			take_bt_error(why, sizeof why);
			conv_error_set(err, "cannot open %s: %s", dir, why);
			goto end;
		}
		bt_value_put_ref(params);
		for (uint64_t p = 0; p < bt_component_source_get_output_port_count(src); p++) {
			if (bt_graph_connect_ports(g, bt_component_source_borrow_output_port_by_index_const(src, p),
					bt_component_filter_borrow_input_port_by_index_const(mux, connected), NULL)) {
				take_bt_error(why, sizeof why);
				conv_error_set(err, "cannot connect %s: %s", dir, why);
				goto end;
			}
			connected++;
		}
		opened++;
	}
	if (!opened) {
		conv_error_set(err, "no readable CTF trace in the archive (%d sub-trace%s skipped)",
			info->n_subtraces + info->n_broken, info->n_subtraces + info->n_broken == 1 ? "" : "s");
		ret = -ENOENT;
		goto end;
	}
	if (bt_graph_connect_ports(g, bt_component_filter_borrow_output_port_by_name_const(mux, "out"),
			bt_component_sink_borrow_input_port_by_name_const(sink, "in"), NULL)) {
		take_bt_error(why, sizeof why);
		conv_error_set(err, "cannot connect the muxer: %s", why);
		goto end;
	}
	bt_graph_run_status rs;
	do
		rs = bt_graph_run(g);
	while (rs == BT_GRAPH_RUN_STATUS_AGAIN);
	take_bt_error(why, sizeof why);
	if (r.unknown)
		conv_model_stat(m, "events_unknown", 0, "info", "converter", (int64_t) r.unknown, NULL);
	if (conv_interrupted) {
		conv_error_set(err, "interrupted");
		ret = -EINTR;
	} else if (r.model_err) {
		conv_error_set(err, "conversion failed after %llu events: %s", (unsigned long long) r.events,
			strerror(-r.model_err));
		ret = r.model_err;
	} else if (rs != BT_GRAPH_RUN_STATUS_OK) {
		conv_error_set(err, "cannot decode the CTF trace after %llu events: %s",
			(unsigned long long) r.events, why[0] ? why : "babeltrace2 failed");
		ret = -EIO;
	} else {
		ret = 0;
	}
end:
	*events = r.events;
	bt_graph_put_ref(g);
	bt_plugin_put_ref(ctf);
	bt_plugin_put_ref(utils);
	return ret;
}
