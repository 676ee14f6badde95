/* api.c: the /api/ handlers: argument parsing and validation, then one
 * call into the query layer.  Errors are JSON {"error": "..."}. */
#include "api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pprof.h"

#define MAX_UTIDS 1024

static int arg_int(const struct vw_req *req, const char *name, int64_t def, int64_t *out,
		   struct vw_err *err)
{
	const char *s = req->arg(req->ctx, name);
	char *end;
	long long v;

	if (!s || !*s) {
		*out = def;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end) {
		vw_err_set(err, "bad value for %s: want an integer", name);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* A comma-separated list of at most max integers, each >= min (malloc'd;
 * NULL and 0 when absent). */
static int arg_list(const struct vw_req *req, const char *name, int max, int64_t min,
		    int64_t **out, int *n, struct vw_err *err)
{
	const char *s = req->arg(req->ctx, name);
	int64_t *v;
	char *end;
	int k = 0;

	*out = NULL;
	*n = 0;
	if (!s || !*s)
		return 0;
	v = calloc((size_t)max, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (*s) {
		if (k == max) {
			vw_err_set(err, "too many values in %s (max %d)", name, max);
			goto bad;
		}
		errno = 0;
		v[k++] = strtoll(s, &end, 10);
		if (errno || end == s || (*end && *end != ',') || v[k - 1] < min) {
			vw_err_set(err, "bad %s: want comma-separated integers >= %" PRId64, name, min);
			goto bad;
		}
		s = *end ? end + 1 : end;
	}
	*out = v;
	*n = k;
	return 0;
bad:
	free(v);
	return -EINVAL;
}

struct window {
	int64_t *utids;
	int n;
	int64_t t0, t1, width;
};

static int arg_window(const struct vw_req *req, struct window *w, struct vw_err *err)
{
	int rc;

	memset(w, 0, sizeof(*w));
	rc = arg_int(req, "t0", 0, &w->t0, err);
	rc = rc ? rc : arg_int(req, "t1", 0, &w->t1, err);
	rc = rc ? rc : arg_int(req, "width", 1000, &w->width, err);
	rc = rc ? rc : arg_list(req, "utids", MAX_UTIDS, INT64_MIN, &w->utids, &w->n, err);
	if (!rc && (w->t1 <= w->t0 || w->width < 1 || w->width > 16384)) {
		vw_err_set(err, "want t0 < t1 and 1 <= width <= 16384");
		rc = -EINVAL;
	}
	if (rc)
		free(w->utids);
	return rc;
}

typedef int (*handler_fn)(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
			  struct vw_err *err);

static int h_summary(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		     struct vw_err *err)
{
	return vw_q_summary(db, &resp->body, err);
}

static int h_threads(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		     struct vw_err *err)
{
	return vw_q_threads(db, &resp->body, err);
}

static int h_timeline(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		      struct vw_err *err)
{
	struct window w;
	int rc = arg_window(req, &w, err);

	if (rc)
		return rc;
	rc = vw_q_timeline(db, w.utids, w.n, w.t0, w.t1, (int)w.width, &resp->body, err);
	free(w.utids);
	return rc;
}

static int h_slices(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		    struct vw_err *err)
{
	struct window w;
	int rc = arg_window(req, &w, err);

	if (rc)
		return rc;
	rc = vw_q_slices(db, w.utids, w.n, w.t0, w.t1, (int)w.width, &resp->body, err);
	free(w.utids);
	return rc;
}

static int h_counters(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		      struct vw_err *err)
{
	struct window w;
	int rc = arg_window(req, &w, err);

	if (rc)
		return rc;
	rc = vw_q_counters(db, w.t0, w.t1, (int)w.width, &resp->body, err);
	free(w.utids);
	return rc;
}

static int h_select(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		    struct vw_err *err)
{
	struct window w;
	int rc = arg_window(req, &w, err);

	if (rc)
		return rc;
	rc = vw_q_select(db, w.utids, w.n, w.t0, w.t1, &resp->body, err);
	free(w.utids);
	return rc;
}

static int h_state(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		   struct vw_err *err)
{
	int64_t id;
	int rc = arg_int(req, "id", -1, &id, err);

	if (!rc && id < 0) {
		vw_err_set(err, "want id=<state id>");
		rc = -EINVAL;
	}
	return rc ? rc : vw_q_state(db, id, &resp->body, err);
}

static int h_breakdown(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		       struct vw_err *err)
{
	return vw_q_breakdown(db, &resp->body, err);
}

static int h_objects(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		     struct vw_err *err)
{
	int64_t limit;
	int rc = arg_int(req, "limit", 100, &limit, err);

	return rc ? rc : vw_q_objects(db, (int)(limit > 1000 ? 1000 : limit), &resp->body, err);
}

static int h_search(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		    struct vw_err *err)
{
	const char *q = req->arg(req->ctx, "q");

	if (!q || !*q || strlen(q) > 200) {
		vw_err_set(err, "want q=<text> (1 to 200 characters)");
		return -EINVAL;
	}
	return vw_q_search(db, q, 50, &resp->body, err);
}

static int h_regions(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		     struct vw_err *err)
{
	return vw_q_regions(db, &resp->body, err);
}

static int h_tasks(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		   struct vw_err *err)
{
	return vw_q_tasks(db, &resp->body, err);
}

static int h_connections(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
			 struct vw_err *err)
{
	return vw_q_connections(db, &resp->body, err);
}

static int h_blocked(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		     struct vw_err *err)
{
	return vw_q_blocked_at_end(db, &resp->body, err);
}

static int h_task_list(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		       struct vw_err *err)
{
	const char *type = req->arg(req->ctx, "type");

	if (!type || !*type || strlen(type) > 200) {
		vw_err_set(err, "want type=<task type> (1 to 200 characters)");
		return -EINVAL;
	}
	return vw_q_task_list(db, type, 20, &resp->body, err);
}

static int h_tables(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		    struct vw_err *err)
{
	return vw_q_tables(db, &resp->body, err);
}

static int h_sql(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		 struct vw_err *err)
{
	const char *q = req->arg(req->ctx, "q");
	int64_t offset, limit;
	int rc = arg_int(req, "offset", 0, &offset, err);

	rc = rc ? rc : arg_int(req, "limit", 200, &limit, err);
	if (!rc && (!q || !*q)) {
		vw_err_set(err, "want q=<SQL query>");
		rc = -EINVAL;
	}
	return rc ? rc : vw_q_user_sql(db, q, offset, (int)limit, &resp->body, err);
}

/* Profile as JSON: stacks as frame indexes (leaf first) plus a frame list;
 * the UI builds top tables and flame graphs from it. */
static int h_profile(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		     struct vw_err *err)
{
	struct vw_stacks s;
	struct vw_buf *o = &resp->body;
	int rc, i, j;

	rc = vw_q_stacks(db, req->arg(req->ctx, "kind"), &s, err);
	if (rc)
		return rc;
	vw_buf_puts(o, "{\"frames\":");
	vw_frames_json(o, s.frames, s.nframes);
	vw_buf_puts(o, ",\"stacks\":[");
	for (i = 0; i < s.nstacks; i++) {
		vw_buf_printf(o, "%s{\"count\":%" PRId64 ",\"total\":%" PRId64 ",\"frames\":[",
			      i ? "," : "", s.stacks[i].count, s.stacks[i].total_ns);
		for (j = 0; j < s.stacks[i].nframes; j++)
			vw_buf_printf(o, "%s%" PRId64, j ? "," : "", s.stacks[i].frames[j]);
		vw_buf_puts(o, "]}");
	}
	vw_buf_puts(o, "]}");
	vw_stacks_fini(&s);
	return 0;
}

static int h_pprof(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		   struct vw_err *err)
{
	void *gz = NULL;
	size_t len = 0;
	int rc = vw_pprof_profile(db, req->arg(req->ctx, "kind"), &gz, &len, err);

	if (rc)
		return rc;
	vw_buf_put(&resp->body, gz, len);
	free(gz);
	resp->type = "application/octet-stream";
	resp->disposition = "attachment; filename=\"profile.pb.gz\"";
	return 0;
}

static int h_allocations(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
			 struct vw_err *err)
{
	int64_t limit;
	int rc = arg_int(req, "limit", 50, &limit, err);

	if (!rc && (limit < 1 || limit > 1000)) {
		vw_err_set(err, "want 1 <= limit <= 1000");
		rc = -EINVAL;
	}
	return rc ? rc : vw_q_allocations(db, req->arg(req->ctx, "sort"), (int)limit, &resp->body,
					  err);
}

static int h_gc(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		struct vw_err *err)
{
	struct window w;
	int rc = arg_window(req, &w, err);

	if (rc)
		return rc;
	rc = vw_q_gc(db, w.t0, w.t1, (int)w.width, &resp->body, err);
	free(w.utids);
	return rc;
}

static int h_gc_slice(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		      struct vw_err *err)
{
	int64_t id;
	int rc = arg_int(req, "id", -1, &id, err);

	if (!rc && id < 0) {
		vw_err_set(err, "want id=<slice id>");
		rc = -EINVAL;
	}
	return rc ? rc : vw_q_gc_slice(db, id, &resp->body, err);
}

#define MAX_WINDOWS 512

static int arg_gc(const struct vw_req *req, int64_t *gc, struct vw_err *err)
{
	int rc = arg_int(req, "gc", 0, gc, err);

	if (!rc && *gc != 0 && *gc != 1) {
		vw_err_set(err, "want gc=0 or gc=1");
		rc = -EINVAL;
	}
	return rc;
}

/* /api/mmu?gc=0|1&windows=w1,w2,... (ns; default: a log grid). */
static int h_mmu(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		 struct vw_err *err)
{
	int64_t *w = NULL, gc;
	int n = 0, rc = arg_gc(req, &gc, err);

	rc = rc ? rc : arg_list(req, "windows", MAX_WINDOWS, 1, &w, &n, err);
	rc = rc ? rc : vw_q_mmu(db, (int)gc, w, n, &resp->body, err);
	free(w);
	return rc;
}

/* /api/mmu_worst?gc=0|1&w=NS&n=K */
static int h_mmu_worst(struct vw_db *db, const struct vw_req *req, struct vw_resp *resp,
		       struct vw_err *err)
{
	int64_t gc, w, n;
	int rc = arg_gc(req, &gc, err);

	rc = rc ? rc : arg_int(req, "w", 0, &w, err);
	rc = rc ? rc : arg_int(req, "n", 10, &n, err);
	return rc ? rc : vw_q_mmu_worst(db, (int)gc, w, n > 1000 ? 1000 : (int)n, &resp->body, err);
}

static const struct route {
	const char *path;
	handler_fn fn;
} routes[] = {
	{ "/api/summary", h_summary },   { "/api/threads", h_threads },
	{ "/api/timeline", h_timeline }, { "/api/slices", h_slices },
	{ "/api/counters", h_counters }, { "/api/select", h_select },
	{ "/api/state", h_state },       { "/api/breakdown", h_breakdown },
	{ "/api/objects", h_objects },   { "/api/search", h_search },
	{ "/api/tables", h_tables },     { "/api/sql", h_sql },
	{ "/api/profile", h_profile },   { "/api/pprof", h_pprof },
	{ "/api/regions", h_regions }, { "/api/tasks", h_tasks },
	{ "/api/task_list", h_task_list }, { "/api/connections", h_connections },
	{ "/api/blocked_at_end", h_blocked }, { "/api/allocations", h_allocations },
	{ "/api/gc", h_gc }, { "/api/gc_slice", h_gc_slice }, { "/api/mmu", h_mmu },
	{ "/api/mmu_worst", h_mmu_worst },
};

int vw_api_handle(struct vw_db *db, const char *path, const struct vw_req *req,
		  struct vw_resp *resp)
{
	struct vw_err err = { { 0 } };
	size_t i;
	int rc;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(path, routes[i].path))
			continue;
		resp->status = 200;
		resp->type = "application/json; charset=utf-8";
		rc = routes[i].fn(db, req, resp, &err);
		if (!rc && resp->body.oom) {
			rc = -ENOMEM;
			vw_err_set(&err, "out of memory");
		}
		if (rc) {
			vw_buf_fini(&resp->body);
			resp->type = "application/json; charset=utf-8";
			resp->disposition = NULL;
			resp->status = rc == -ENOENT ? 404 : rc == -EINVAL ? 400
				: rc == -ETIMEDOUT ? 408 : rc == -EAGAIN ? 503 : 500;
			vw_buf_puts(&resp->body, "{\"error\":");
			vw_json_str(&resp->body, err.msg[0] ? err.msg : "internal error");
			vw_buf_putc(&resp->body, '}');
		}
		return 0;
	}
	return -ENOENT;
}
