/* query_stacks.c: blocking profiles — time spent in a family of states,
 * aggregated by stack and symbolized — for flame graphs and pprof export.
 * Read from the viewer cache when there is one, else straight from the
 * trace (the CLI's -pprof runs without building the cache). */
#include "query_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kind_map {
	const char *kind;
	const char *states;  /* SQL list of thread states, or NULL for `sql` */
	const char *sql;     /* (callsite_id, count, value) rows, for non-state profiles */
	const char *count_name, *count_unit, *value_name, *value_unit;
};

/* Heap profiles from sampled allocations, scaled like Go's: a sample of
 * usable size u stands for weight = u / (1 - exp(-u / rate)) bytes, i.e.
 * weight / u objects.  The pprof export and the allocations page both
 * round per callsite from these sums, so their figures agree. */
#define ALLOC_OBJECTS "(CASE WHEN usable > 0 THEN weight / usable ELSE 1 END)"
#define ROUND_SUM(x) "CAST(round(sum(" x ")) AS INTEGER)"
#define ALLOC_SQL(where) \
	"SELECT callsite_id, " ROUND_SUM(ALLOC_OBJECTS) ", " ROUND_SUM("weight") \
	" FROM alloc_sample " where " GROUP BY callsite_id ORDER BY 3 DESC"
#define LIVE(x) "CASE WHEN free_ts IS NULL THEN " x " ELSE 0 END"

static const struct kind_map kinds[] = {
	{ "sync", "('blocked')", NULL, "contentions", "count", "delay", "nanoseconds" },
	{ "net", "('net')", NULL, "contentions", "count", "delay", "nanoseconds" },
	{ "syscall", "('syscall')", NULL, "contentions", "count", "delay", "nanoseconds" },
	{ "sleep", "('sleep')", NULL, "contentions", "count", "delay", "nanoseconds" },
	{ "sched", "('runnable')", NULL, "contentions", "count", "delay", "nanoseconds" },
	{ "alloc", NULL, ALLOC_SQL(""), "alloc_objects", "count", "alloc_space", "bytes" },
	{ "inuse", NULL, ALLOC_SQL("WHERE free_ts IS NULL"), "inuse_objects", "count",
		"inuse_space", "bytes" },
};

struct fmap {
	int64_t *keys;  /* frame ids, owned */
	int *vals;
	size_t cap, n;
};

static int fmap_get(struct fmap *m, int64_t key, int *val, int add)
{
	size_t i;

	if (add && (m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256, j;
		int64_t *k = malloc(cap * sizeof(*k));
		int *v = malloc(cap * sizeof(*v));

		if (!k || !v) {
			free(k);
			free(v);
			return -ENOMEM;
		}
		for (j = 0; j < cap; j++)
			v[j] = -1;
		for (j = 0; j < m->cap; j++) {
			if (m->vals[j] < 0)
				continue;
			i = ((uint64_t)m->keys[j] * 0x9e3779b97f4a7c15ull) & (cap - 1);
			while (v[i] >= 0)
				i = (i + 1) & (cap - 1);
			k[i] = m->keys[j];
			v[i] = m->vals[j];
		}
		free(m->keys);
		free(m->vals);
		m->keys = k;
		m->vals = v;
		m->cap = cap;
	}
	if (!m->cap)
		return -ENOENT;
	i = ((uint64_t)key * 0x9e3779b97f4a7c15ull) & (m->cap - 1);
	while (m->vals[i] >= 0 && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (m->vals[i] >= 0) {
		*val = m->vals[i];
		return 0;
	}
	if (!add)
		return -ENOENT;
	m->keys[i] = key;
	m->vals[i] = *val;
	m->n++;
	return 1;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? strdup(s) : NULL;
}

/* The frames of callsite ?1, leaf first. */
static const char frames_sql[] =
	"WITH RECURSIVE cs(id, parent_id, frame_id, depth) AS ("
	" SELECT id, parent_id, frame_id, depth FROM stack_profile_callsite WHERE id = ?1"
	" UNION ALL SELECT c.id, c.parent_id, c.frame_id, c.depth"
	" FROM stack_profile_callsite c JOIN cs ON c.id = cs.parent_id)"
	" SELECT f.id, f.name, f.file, f.line, f.address, m.name"
	" FROM cs JOIN stack_profile_frame f ON f.id = cs.frame_id"
	" LEFT JOIN stack_profile_mapping m ON m.id = f.mapping ORDER BY cs.depth DESC";

/* Appends the frames of callsite cs to stack k, leaf first. */
static int load_stack(sqlite3_stmt *fs, struct vw_stacks *out, struct fmap *fm, int64_t cs,
		      struct vw_stack *k)
{
	int rc, idx;

	sqlite3_bind_int64(fs, 1, cs);
	while ((rc = sqlite3_step(fs)) == SQLITE_ROW) {
		int64_t fid = sqlite3_column_int64(fs, 0);
		int64_t *nf = realloc(k->frames, (size_t)(k->nframes + 1) * sizeof(*nf));

		if (!nf)
			goto oom;
		k->frames = nf;
		if (fmap_get(fm, fid, &idx, 0)) {
			struct vw_frame *f = realloc(out->frames,
						     (size_t)(out->nframes + 1) * sizeof(*f));

			if (!f)
				goto oom;
			out->frames = f;
			f += out->nframes;
			memset(f, 0, sizeof(*f));
			f->id = fid;
			f->name = dup_col(fs, 1);
			f->file = dup_col(fs, 2);
			f->line = sqlite3_column_int64(fs, 3);
			f->address = sqlite3_column_int64(fs, 4);
			f->mapping = dup_col(fs, 5);
			idx = out->nframes++;
			if (fmap_get(fm, fid, &idx, 1) < 0)
				goto oom;
		}
		k->frames[k->nframes++] = idx;
	}
	sqlite3_reset(fs);
	return rc == SQLITE_DONE ? 0 : -EIO;
oom:
	sqlite3_reset(fs);
	return -ENOMEM;
}

int vw_q_stacks(struct vw_db *db, const char *kind, struct vw_stacks *out, struct vw_err *err)
{
	const struct kind_map *km = NULL;
	sqlite3 *c;
	sqlite3_stmt *st = NULL, *fs = NULL;
	struct fmap fm = { 0 };
	char sql[512];
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kind && !strcmp(kind, kinds[i].kind))
			km = &kinds[i];
	if (!km) {
		vw_err_set(err, "unknown profile '%s' (want net, sync, syscall, sleep, sched, alloc "
			   "or inuse)", kind ? kind : "");
		return -EINVAL;
	}
	out->count_name = km->count_name;
	out->count_unit = km->count_unit;
	out->value_name = km->value_name;
	out->value_unit = km->value_unit;
	if (km->sql)
		snprintf(sql, sizeof(sql), "%s", km->sql);
	else if (db->lod_path && vw_ready(db))
		snprintf(sql, sizeof(sql),
			 "SELECT s.callsite_id, sum(s.cnt), sum(s.total) FROM lod.lod_stack s"
			 " JOIN lod.lod_code c USING(code) WHERE c.state IN %s"
			 " GROUP BY s.callsite_id ORDER BY 3 DESC", km->states);
	else
		snprintf(sql, sizeof(sql),
			 "SELECT callsite_id, count(*), sum(dur) FROM thread_state WHERE state IN %s"
			 " GROUP BY callsite_id ORDER BY 3 DESC", km->states);
	if (!km->sql && db->lod_path && !vw_ready(db)) {
		vw_err_set(err, "the trace is still being indexed: this profile appears in a moment");
		return -EAGAIN;
	}
	c = vw_db_acquire(db);
	out->t_start = db->t_start;
	out->t_end = db->t_end;
	rc = sqlite3_prepare_v2(c, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(c, frames_sql, -1, &fs, NULL);
	if (rc != SQLITE_OK) {
		rc = vw_sql_err(c, rc, err, "profile");
		goto end;
	}
	rc = 0;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		struct vw_stack *k = realloc(out->stacks, (size_t)(out->nstacks + 1) * sizeof(*k));

		if (!k) {
			rc = -ENOMEM;
			break;
		}
		out->stacks = k;
		k += out->nstacks++;
		memset(k, 0, sizeof(*k));
		k->count = sqlite3_column_int64(st, 1);
		k->total_ns = sqlite3_column_int64(st, 2);
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			rc = load_stack(fs, out, &fm, sqlite3_column_int64(st, 0), k);
	}
	if (rc)
		vw_err_set(err, "profile: %s", rc == -ENOMEM ? "out of memory" : sqlite3_errmsg(c));
end:
	sqlite3_finalize(st);
	sqlite3_finalize(fs);
	vw_db_release(db, c);
	free(fm.keys);
	free(fm.vals);
	if (rc)
		vw_stacks_fini(out);
	return rc;
}

void vw_stacks_fini(struct vw_stacks *s)
{
	int i;

	for (i = 0; i < s->nstacks; i++)
		free(s->stacks[i].frames);
	for (i = 0; i < s->nframes; i++) {
		free(s->frames[i].name);
		free(s->frames[i].file);
		free(s->frames[i].mapping);
	}
	free(s->stacks);
	free(s->frames);
	memset(s, 0, sizeof(*s));
}

void vw_frames_json(struct vw_buf *out, const struct vw_frame *f, int n)
{
	int i;

	vw_buf_putc(out, '[');
	for (i = 0; i < n; i++) {
		vw_buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
		vw_json_str(out, f[i].name);
		vw_buf_puts(out, ",\"file\":");
		vw_json_str(out, f[i].file);
		vw_buf_printf(out, ",\"line\":%" PRId64 ",\"address\":%" PRId64 ",\"mapping\":",
			      f[i].line, f[i].address);
		vw_json_str(out, f[i].mapping);
		vw_buf_putc(out, '}');
	}
	vw_buf_putc(out, ']');
}

/* Allocation sites: the heap_inuse_bytes counter's course, totals and the
 * top callsites by one of the four heap figures, with their stacks. */
static const char *const alloc_cols[] = { "alloc_objects", "alloc_bytes", "inuse_objects",
					  "inuse_bytes" };

static void heap_summary(sqlite3 *c, int64_t base, struct vw_buf *out)
{
	sqlite3_stmt *st = NULL;

	vw_buf_puts(out, ",\"heap\":");
	if (sqlite3_prepare_v2(c,
		"SELECT (SELECT value FROM counter WHERE track_id = t.id ORDER BY ts LIMIT 1),"
		" (SELECT value FROM counter WHERE track_id = t.id ORDER BY ts DESC LIMIT 1),"
		" m.value, m.ts - ?1 FROM track t, (SELECT value, ts FROM counter WHERE track_id ="
		" (SELECT id FROM track WHERE type = 'counter' AND name = 'heap_inuse_bytes')"
		" ORDER BY value DESC, ts LIMIT 1) m"
		" WHERE t.type = 'counter' AND t.name = 'heap_inuse_bytes'", -1, &st, NULL) != SQLITE_OK ||
	    (sqlite3_bind_int64(st, 1, base), sqlite3_step(st)) != SQLITE_ROW) {
		vw_buf_puts(out, "null");
	} else {
		vw_buf_puts(out, "{\"first\":");
		vw_col_json(out, st, 0);
		vw_buf_puts(out, ",\"last\":");
		vw_col_json(out, st, 1);
		vw_buf_puts(out, ",\"max\":");
		vw_col_json(out, st, 2);
		vw_buf_puts(out, ",\"max_ts\":");
		vw_col_json(out, st, 3);
		vw_buf_putc(out, '}');
	}
	sqlite3_finalize(st);
}

int vw_q_allocations(struct vw_db *db, const char *sort, int limit, struct vw_buf *out,
		     struct vw_err *err)
{
	struct vw_stacks fr = { 0 };   /* only its frame table is used */
	struct vw_stack k = { 0 };
	struct fmap fm = { 0 };
	struct vw_buf top;
	sqlite3 *c;
	sqlite3_stmt *st = NULL, *fs = NULL;
	int64_t tot[5] = { 0 };
	char sql[1024];
	int col = -1, rc, i, n = 0;

	for (i = 0; i < 4; i++)
		if (sort && !strcmp(sort, alloc_cols[i]))
			col = i;
	if (!sort || !*sort)
		col = 3;
	if (col < 0) {
		vw_err_set(err, "unknown sort '%s' (want alloc_objects, alloc_bytes, inuse_objects "
			   "or inuse_bytes)", sort);
		return -EINVAL;
	}
	snprintf(sql, sizeof(sql),
		 "SELECT callsite_id, count(*), " ROUND_SUM(ALLOC_OBJECTS) ", " ROUND_SUM("weight")
		 ", " ROUND_SUM(LIVE(ALLOC_OBJECTS)) ", " ROUND_SUM(LIVE("weight"))
		 " FROM alloc_sample GROUP BY callsite_id ORDER BY %d DESC, 4 DESC, 1", col + 3);
	vw_buf_init(&top);
	c = vw_db_acquire(db);
	vw_buf_printf(out, "{\"sort\":\"%s\"", alloc_cols[col]);
	heap_summary(c, db->t_start, out);
	rc = sqlite3_prepare_v2(c, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(c, frames_sql, -1, &fs, NULL);
	if (rc != SQLITE_OK) {
		/* a database from before sampled allocations: no sites */
		rc = strstr(sqlite3_errmsg(c), "no such table") ? 0 : vw_sql_err(c, rc, err, "allocations");
		goto done;
	}
	rc = 0;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < 5; i++)
			tot[i] += sqlite3_column_int64(st, i + 1);
		if (n++ >= limit)
			continue;
		k.nframes = 0;
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			rc = load_stack(fs, &fr, &fm, sqlite3_column_int64(st, 0), &k);
		vw_buf_puts(&top, n > 1 ? ",{\"callsite\":" : "{\"callsite\":");
		vw_col_json(&top, st, 0);
		vw_buf_puts(&top, ",\"function\":");
		vw_json_str(&top, k.nframes ? fr.frames[k.frames[0]].name : NULL);
		for (i = 0; i < 5; i++)
			vw_buf_printf(&top, ",\"%s\":%" PRId64, i ? alloc_cols[i - 1] : "samples",
				      (int64_t)sqlite3_column_int64(st, i + 1));
		vw_buf_puts(&top, ",\"stack\":[");
		for (i = 0; i < k.nframes; i++)
			vw_buf_printf(&top, "%s%" PRId64, i ? "," : "", k.frames[i]);
		vw_buf_puts(&top, "]}");
	}
	if (rc)
		vw_err_set(err, "allocations: %s", rc == -ENOMEM ? "out of memory" : sqlite3_errmsg(c));
done:
	vw_buf_printf(out, ",\"sites\":%d,\"totals\":{\"samples\":%" PRId64, n, tot[0]);
	for (i = 0; i < 4; i++)
		vw_buf_printf(out, ",\"%s\":%" PRId64, alloc_cols[i], tot[i + 1]);
	vw_buf_puts(out, "},\"frames\":");
	vw_frames_json(out, fr.frames, fr.nframes);
	vw_buf_puts(out, ",\"top\":[");
	if (top.len)
		vw_buf_put(out, top.p, top.len);
	vw_buf_puts(out, "]}");
	if (top.oom)
		out->oom = 1;
	sqlite3_finalize(st);
	sqlite3_finalize(fs);
	vw_db_release(db, c);
	vw_buf_fini(&top);
	free(k.frames);
	free(fm.keys);
	free(fm.vals);
	vw_stacks_fini(&fr);
	return rc;
}
