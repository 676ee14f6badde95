/* main.c: the cprof-trace command line: flags like `go tool trace`, then
 * one of three modes: serve the web viewer, print a pprof profile, or run a
 * SQL query. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pprof.h"
#include "query.h"
#include "server.h"
#include "source.h"

static const char usage[] =
"usage: cprof-trace [flags] trace.out|trace.db\n"
"\n"
"Opens a cprof trace in a web viewer: a timeline of every thread (states\n"
"coloured by reason, who-woke-whom arrows, stacks; heap counters and a GC\n"
"row), analyses (per-thread breakdown, blocking profiles, contended objects,\n"
"allocation sites, minimum mutator utilization) and a SQL console.\n"
"A trace.out is converted once by cprof-convert into <trace>.cprof.db beside\n"
"it (converted again when the trace changes); a .db is opened read-only.\n"
"\n"
"Flags (one or two dashes; -flag=value or -flag value):\n"
"  -http=ADDR    serve the viewer on ADDR and print its URL (default\n"
"                127.0.0.1:0: loopback, a free port; \":PORT\" binds loopback too;\n"
"                binding another address exposes the trace to that network)\n"
"  -pprof=TYPE   write a gzip'd pprof profile (profile.proto) to stdout and exit,\n"
"                for `go tool pprof`; TYPE is\n"
"                  net      network blocking profile\n"
"                  sync     synchronization blocking profile (locks, conds, ...)\n"
"                  syscall  syscall blocking profile\n"
"                  alloc    sampled allocations, by site (objects, bytes)\n"
"                  inuse    sampled allocations not freed at the end\n"
"                  sched    scheduler latency profile (empty unless the trace\n"
"                           records runnable states)\n"
"                  sleep    time in sleep calls\n"
"  -sql=QUERY    run one read-only SQL query over the trace database and print\n"
"                a header line, then one tab-separated line per row; the schema\n"
"                is documented in schema/README.md\n"
"  -cache=PATH   where to keep the viewer's timeline index (default: beside the\n"
"                database, <db>.view-cache)\n"
"  -q            no progress messages on stderr\n"
"  -version      print the version\n"
"  -h, -help     this help\n"
"\n"
"Examples:\n"
"  cprof-trace trace.out\n"
"  cprof-trace -http=127.0.0.1:8080 trace.out\n"
"  cprof-trace -pprof=sync trace.out > sync.pb.gz && go tool pprof -top sync.pb.gz\n"
"  cprof-trace -sql='SELECT name, tid FROM thread' trace.out\n"
"\n"
"Environment: CPROF_CONVERT overrides the path of cprof-convert.\n"
"Exit status: 0 on success, 1 on a runtime error, 2 on a usage error.\n";

struct opts {
	const char *http, *pprof, *sql, *cache, *trace;
	int quiet, help, version;
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "cprof-trace: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nRun 'cprof-trace -help' for usage.\n");
	return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct {
		const char *name;
		size_t off;
	} valued[] = {
		{ "http", offsetof(struct opts, http) },
		{ "pprof", offsetof(struct opts, pprof) },
		{ "sql", offsetof(struct opts, sql) },
		{ "cache", offsetof(struct opts, cache) },
	};
	int i;
	size_t k;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *eq;
		size_t len;
		int done = 0;

		if (a[0] != '-' || !a[1]) {
			if (o->trace)
				return usage_error("one trace at a time (extra argument '%s')", a);
			o->trace = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			if (i + 1 < argc)
				o->trace = argv[++i];
			continue;
		}
		name = a + (a[1] == '-' ? 2 : 1);
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		for (k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
			if (strlen(valued[k].name) != len || strncmp(name, valued[k].name, len))
				continue;
			if (!eq && i + 1 >= argc)
				return usage_error("flag needs a value: %s", a);
			*(const char **)((char *)o + valued[k].off) = eq ? eq + 1 : argv[++i];
			done = 1;
		}
		if (done)
			continue;
		if (eq)
			return usage_error("flag provided but not defined: %s", a);
		if (!strcmp(name, "h") || !strcmp(name, "help"))
			o->help = 1;
		else if (!strcmp(name, "q"))
			o->quiet = 1;
		else if (!strcmp(name, "version"))
			o->version = 1;
		else
			return usage_error("flag provided but not defined: %s", a);
	}
	return 0;
}

/* -sql output: tabs and newlines inside values are escaped so each row
 * stays one line; NULL prints as an empty field, like sqlite3's shell. */
static int print_row(void *ctx, int ncol, const char *const *vals)
{
	int i;
	const char *p;

	for (i = 0; i < ncol; i++) {
		if (i)
			putchar('\t');
		for (p = vals[i]; p && *p; p++) {
			if (*p == '\t')
				fputs("\\t", stdout);
			else if (*p == '\n')
				fputs("\\n", stdout);
			else if (*p == '\\')
				fputs("\\\\", stdout);
			else
				putchar(*p);
		}
	}
	putchar('\n');
	return ferror(stdout) ? -EIO : 0;
}

static int run_pprof(struct vw_db *db, const char *kind, struct vw_err *err)
{
	void *gz = NULL;
	size_t len = 0;
	int rc = vw_pprof_profile(db, kind, &gz, &len, err);

	if (rc)
		return rc;
	if (fwrite(gz, 1, len, stdout) != len || fflush(stdout)) {
		vw_err_set(err, "writing the profile: %s", strerror(errno));
		rc = -EIO;
	}
	free(gz);
	return rc;
}

static int serve(struct vw_db *db, const char *addr, struct vw_err *err)
{
	struct vw_server *srv = NULL;
	const char *url;
	sigset_t set;
	int sig, rc;

	/* Signals are taken synchronously below: block them before any
	 * server thread exists so every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = vw_server_start(&srv, db, addr, &url, err);
	if (rc)
		return rc;
	printf("cprof-trace: viewer listening on %s\n", url);
	fflush(stdout);
	sigwait(&set, &sig);
	fprintf(stderr, "cprof-trace: stopping (signal %d)\n", sig);
	vw_server_destroy(srv);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct vw_err err = { { 0 } };
	struct vw_db *db = NULL;
	struct vw_db_opts dbo = { 0 };
	char *db_path = NULL;
	int rc, modes;

	rc = parse(argc, argv, &o);
	if (rc)
		return rc;
	if (o.help) {
		fputs(usage, stdout);
		return 0;
	}
	if (o.version) {
		printf("cprof-trace %s\n", CPROF_VERSION);
		return 0;
	}
	modes = !!o.http + !!o.pprof + !!o.sql;
	if (modes > 1)
		return usage_error("%s", "-http, -pprof and -sql are exclusive");
	if (!o.trace)
		return usage_error("%s", "no trace given: want trace.out or trace.db");
	if (o.sql && !*o.sql)
		return usage_error("%s", "-sql needs a query");
	rc = vw_source_resolve(o.trace, &db_path, o.quiet || o.pprof || o.sql, &err);
	if (rc)
		goto end;
	dbo.lod_path = o.cache;
	dbo.quiet = o.quiet;
	dbo.no_lod = o.sql || o.pprof;
	rc = vw_db_open(&db, db_path, &dbo, &err);
	if (rc)
		goto end;
	if (o.sql)
		rc = vw_sql_exec(db, o.sql, print_row, NULL, &err);
	else if (o.pprof)
		rc = run_pprof(db, o.pprof, &err);
	else
		rc = serve(db, o.http, &err);
end:
	if (rc)
		fprintf(stderr, "cprof-trace: %s\n", err.msg[0] ? err.msg : strerror(-rc));
	vw_db_destroy(db);
	free(db_path);
	fflush(stdout);
	return rc ? 1 : 0;
}
