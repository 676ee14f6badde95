/* query_sql.c: user SQL, from the console and the CLI's -sql.
 *
 * Defence in depth: the connection is opened read-only, the authorizer
 * allows nothing but reading (no ATTACH, no pragma that writes or changes
 * the connection, no load_extension), extension loading is off, a progress
 * handler bounds the run time, and results are paged. */
#include "query_int.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_TIME_NS (5ll * 1000000000)
#define CLI_TIME_NS (600ll * 1000000000)
#define MAX_PAGE 1000
#define MAX_CELL 4096

static const char *const read_pragmas[] = {
	"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo",
	"foreign_key_list", "table_list", "database_list", "function_list", "pragma_list",
	"collation_list", "compile_options", "module_list",
};

/* Pragmas that only report a value when given no argument. */
static const char *const value_pragmas[] = {
	"schema_version", "user_version", "page_count", "page_size", "data_version",
	"application_id", "encoding", "freelist_count",
};

static int authorize(void *ud, int action, const char *a1, const char *a2, const char *dbn,
		     const char *trig)
{
	size_t i;

	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		if (a2 && (!strcasecmp(a2, "load_extension") || !strcasecmp(a2, "fts3_tokenizer") ||
			   !strcasecmp(a2, "writefile") || !strcasecmp(a2, "edit")))
			return SQLITE_DENY;
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		for (i = 0; a1 && i < sizeof(read_pragmas) / sizeof(read_pragmas[0]); i++)
			if (!strcasecmp(a1, read_pragmas[i]))
				return SQLITE_OK;
		for (i = 0; a1 && !a2 && i < sizeof(value_pragmas) / sizeof(value_pragmas[0]); i++)
			if (!strcasecmp(a1, value_pragmas[i]))
				return SQLITE_OK;
		return SQLITE_DENY;
	default:
		return SQLITE_DENY;
	}
}

static int progress(void *ud)
{
	const int64_t *deadline = ud;

	return vw_now_ns() > *deadline;
}

int vw_user_conn_open(struct vw_db *db, sqlite3 **out, int64_t *deadline, struct vw_err *err)
{
	sqlite3 *c = NULL;
	int rc = vw_db_open_ro(db, &c, err);

	if (rc)
		return rc;
	sqlite3_db_config(c, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(c, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(c, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_limit(c, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_limit(c, SQLITE_LIMIT_LENGTH, 16 << 20);
	sqlite3_limit(c, SQLITE_LIMIT_SQL_LENGTH, 1 << 20);
	sqlite3_busy_timeout(c, 1000);
	sqlite3_exec(c, "PRAGMA cache_size=-16000", NULL, NULL, NULL);
	sqlite3_set_authorizer(c, authorize, NULL);
	sqlite3_progress_handler(c, 4096, progress, deadline);
	*out = c;
	return 0;
}

/* Prepares exactly one read-only statement. */
static int prepare_one(sqlite3 *c, const char *sql, sqlite3_stmt **out, struct vw_err *err)
{
	sqlite3_stmt *st = NULL, *more = NULL;
	const char *tail = NULL;
	int rc;

	rc = sqlite3_prepare_v2(c, sql, -1, &st, &tail);
	if (rc == SQLITE_AUTH) {
		vw_err_set(err, "%s: the trace database is read-only here (writes, ATTACH, "
			   "extensions and pragmas that change state are denied)", sqlite3_errmsg(c));
		goto fail;
	}
	if (rc != SQLITE_OK) {
		vw_err_set(err, "%s", sqlite3_errmsg(c));
		goto fail;
	}
	if (!st) {
		vw_err_set(err, "empty query");
		goto fail;
	}
	if (tail && *tail) {
		rc = sqlite3_prepare_v2(c, tail, -1, &more, NULL);
		sqlite3_finalize(more);
		if (rc != SQLITE_OK || more) {
			vw_err_set(err, "one statement at a time, please");
			goto fail;
		}
	}
	if (!sqlite3_stmt_readonly(st)) {
		vw_err_set(err, "the trace database is read-only: only queries are allowed");
		goto fail;
	}
	*out = st;
	return 0;
fail:
	sqlite3_finalize(st);
	return -EINVAL;
}

static int step_err(sqlite3 *c, int rc, struct vw_err *err)
{
	if (rc == SQLITE_INTERRUPT)
		vw_err_set(err, "query interrupted: it ran past the time limit");
	else
		vw_err_set(err, "%s", sqlite3_errmsg(c));
	return rc == SQLITE_INTERRUPT ? -ETIMEDOUT : -EINVAL;
}

static void cell_json(struct vw_buf *out, sqlite3_stmt *st, int i)
{
	int n;
	const unsigned char *p;
	char *tmp;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		/* Beyond 2^53 JavaScript rounds: send big integers as text. */
		if (llabs(sqlite3_column_int64(st, i)) > (1ll << 53))
			vw_buf_printf(out, "\"%" PRId64 "\"", (int64_t)sqlite3_column_int64(st, i));
		else
			vw_json_int(out, sqlite3_column_int64(st, i));
		return;
	case SQLITE_FLOAT:
		vw_json_num(out, sqlite3_column_double(st, i));
		return;
	case SQLITE_NULL:
		vw_buf_puts(out, "null");
		return;
	case SQLITE_BLOB:
		n = sqlite3_column_bytes(st, i);
		p = sqlite3_column_blob(st, i);
		vw_buf_puts(out, "\"x'");
		for (int j = 0; j < n && j < 64; j++)
			vw_buf_printf(out, "%02x", p[j]);
		vw_buf_puts(out, n > 64 ? "...'\"" : "'\"");
		return;
	default:
		n = sqlite3_column_bytes(st, i);
		if (n <= MAX_CELL) {
			vw_json_str(out, (const char *)sqlite3_column_text(st, i));
			return;
		}
		tmp = strndup((const char *)sqlite3_column_text(st, i), MAX_CELL);
		if (tmp)
			vw_json_str(out, tmp);
		free(tmp);
	}
}

int vw_q_user_sql(struct vw_db *db, const char *sql, int64_t offset, int limit,
		  struct vw_buf *out, struct vw_err *err)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *st = NULL;
	int64_t deadline = vw_now_ns() + API_TIME_NS, t0 = vw_now_ns(), row = 0;
	int rc, i, ncol, n = 0, more = 0;

	if (limit <= 0 || limit > MAX_PAGE)
		limit = MAX_PAGE;
	if (offset < 0)
		offset = 0;
	rc = vw_user_conn_open(db, &c, &deadline, err);
	if (rc)
		return rc;
	rc = prepare_one(c, sql, &st, err);
	if (rc)
		goto end;
	ncol = sqlite3_column_count(st);
	vw_buf_puts(out, "{\"columns\":[");
	for (i = 0; i < ncol; i++) {
		if (i)
			vw_buf_putc(out, ',');
		vw_json_str(out, sqlite3_column_name(st, i));
	}
	vw_buf_puts(out, "],\"rows\":[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row++ < offset)
			continue;
		if (n == limit) {
			more = 1;
			break;
		}
		vw_buf_puts(out, n++ ? ",[" : "[");
		for (i = 0; i < ncol; i++) {
			if (i)
				vw_buf_putc(out, ',');
			cell_json(out, st, i);
		}
		vw_buf_putc(out, ']');
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = step_err(c, rc, err);
		goto end;
	}
	vw_buf_printf(out, "],\"offset\":%" PRId64 ",\"more\":%s,\"elapsed_ms\":%.1f}", offset,
		      more ? "true" : "false", (double)(vw_now_ns() - t0) / 1e6);
	rc = 0;
end:
	sqlite3_finalize(st);
	sqlite3_close(c);
	return rc;
}

int vw_sql_exec(struct vw_db *db, const char *sql, vw_row_fn row, void *ctx,
		struct vw_err *err)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *st = NULL;
	int64_t deadline = vw_now_ns() + CLI_TIME_NS;
	const char **vals = NULL;
	int rc, i, ncol;

	rc = vw_user_conn_open(db, &c, &deadline, err);
	if (rc)
		return rc;
	rc = prepare_one(c, sql, &st, err);
	if (rc)
		goto end;
	ncol = sqlite3_column_count(st);
	vals = calloc((size_t)ncol + 1, sizeof(*vals));
	if (!vals) {
		rc = -ENOMEM;
		goto end;
	}
	for (i = 0; i < ncol; i++)
		vals[i] = sqlite3_column_name(st, i);
	rc = row(ctx, ncol, vals);
	while (!rc && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < ncol; i++)
			vals[i] = (const char *)sqlite3_column_text(st, i);
		rc = row(ctx, ncol, vals);
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = step_err(c, rc, err);
end:
	free(vals);
	sqlite3_finalize(st);
	sqlite3_close(c);
	return rc;
}
