/* no_cprof.c: the endpoint functions examples/common.c calls, as stubs, so
 * an example can be built without libcprof for the untraced baseline of a
 * benchmark (run it with --no-http). */
#include <errno.h>
#include <stdio.h>

#include <cprof.h>

int cprof_http_start(const char *addr, struct cprof_error *err)
{
	(void)addr;
	if (err) {
		err->code = -ENOTSUP;
		snprintf(err->message, sizeof err->message, "built without libcprof");
	}
	return -ENOTSUP;
}

int cprof_http_port(void)
{
	return -ENOTCONN;
}

int cprof_http_stop(void)
{
	return 0;
}
