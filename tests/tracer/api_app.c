/* api_app: the whole-run tracing and endpoint functions of cprof.h, their
 * errors and messages.  usage: api_app DIR (writable).  TAP output. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "cprof.h"

static int tests, failures;

static void check(int ok, const char *what, const struct cprof_error *err)
{
	tests++;
	if (!ok)
		failures++;
	printf("%s %d - %s", ok ? "ok" : "not ok", tests, what);
	if (err && err->message[0])
		printf(" (%s)", err->message);
	printf("\n");
}

/* Files in dir other than the given trace: the temporary must be gone. */
static int stray_files(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, keep))
			n++;
	if (d)
		closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	struct cprof_error err = { 0 };
	char path[4096], bad[4096];
	struct stat st;
	int r;

	if (argc < 2)
		return 2;
	snprintf(path, sizeof(path), "%s/whole.out", argv[1]);
	snprintf(bad, sizeof(bad), "%s/no/such/dir/trace.out", argv[1]);

	r = cprof_trace_start(bad, &err);
	check(r < 0 && err.code == r && strstr(err.message, "no/such/dir"),
			"trace_start into a missing directory fails with a message", &err);
	r = cprof_trace_stop(&err);
	check(r == -ENOENT, "trace_stop without a trace: -ENOENT", &err);

	r = cprof_trace_start(path, &err);
	check(r == 0, "trace_start", r ? &err : NULL);
	check(stat(path, &st) != 0, "trace.out does not exist before stop", NULL);
	r = cprof_trace_start(path, &err);
	check(r == -EBUSY && !strcmp(err.message, "tracing already enabled"),
			"second trace_start: -EBUSY", &err);
	check(!strcmp(cprof_strerror(-EBUSY), "tracing already enabled"), "strerror(-EBUSY)", NULL);
	check(cprof_strerror(-12345) != NULL && cprof_strerror(0) != NULL, "strerror never NULL",
			NULL);

	r = cprof_http_start("127.0.0.1:0", &err);
	check(r == 0 && cprof_http_port() > 0, "http_start on port 0, real port reported", &err);
	r = cprof_http_start("127.0.0.1:0", &err);
	check(r == -EALREADY, "second http_start: -EALREADY", &err);
	check(cprof_http_stop() == 0 && cprof_http_port() < 0, "http_stop", NULL);
	r = cprof_http_start("127.0.0.1:99999", &err);
	check(r == -EINVAL, "port 99999 refused", &err);
	r = cprof_http_start("::1:80", &err);
	check(r == -EINVAL, "unbracketed IPv6 refused", &err);
	r = cprof_http_start("no.such.host.invalid:0", &err);
	check(r < 0, "unresolvable host refused", &err);

	usleep(200 * 1000);
	r = cprof_trace_stop(&err);
	check(r == 0, "trace_stop", r ? &err : NULL);
	check(stat(path, &st) == 0 && st.st_size > 512, "trace.out written", NULL);
	check(stray_files(argv[1], "whole.out") == 0, "no temporary file left", NULL);
	r = cprof_trace_stop(&err);
	check(r == -ENOENT, "second trace_stop: -ENOENT", &err);
	/* a capture can start again after the previous one */
	r = cprof_trace_start(path, &err);
	check(r == 0 && cprof_trace_stop(&err) == 0, "trace again into the same path", &err);
	printf("1..%d\n", tests);
	return failures != 0;
}
