/* common.h: what every example shares: --http / --port-file / --duration
 * handling, the trace endpoint, and a stop flag set by SIGINT/SIGTERM or
 * when the duration has passed. */
#ifndef CPROF_EXAMPLE_COMMON_H
#define CPROF_EXAMPLE_COMMON_H

/* Parses the common options (exits with a usage message on bad ones; the
 * example's own `extra_usage` lines are printed under them), starts the
 * endpoint unless --no-http, installs the signal handlers. */
void example_init(int argc, char **argv, const char *name, const char *about,
		const char *extra_usage, int (*extra_opt)(const char *opt, const char *val));
/* Non-zero once the example should stop. */
int example_stopping(void);
/* Sleeps ms milliseconds (returns early when stopping). */
void example_sleep_ms(int ms);
/* Stops the endpoint. */
void example_fini(void);

#endif
