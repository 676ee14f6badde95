/* check.h: a tiny test harness: CHECK(cond) reports file:line and fails the
 * test; RUN(fn) runs one case and prints TAP-like lines. */
#ifndef CPROF_CHECK_H
#define CPROF_CHECK_H
#include <stdio.h>
#include <stdlib.h>

static int check_failures;
#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			check_failures++; \
			return; \
		} \
	} while (0)
#define CHECK_EQ(a, b) \
	do { \
		long long a_ = (long long)(a), b_ = (long long)(b); \
		if (a_ != b_) { \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", \
				__FILE__, __LINE__, #a, a_, #b, b_); \
			check_failures++; \
			return; \
		} \
	} while (0)
#define RUN(fn) \
	do { \
		int before_ = check_failures; \
		fn(); \
		printf("%s - %s\n", check_failures == before_ ? "ok" : "not ok", #fn); \
		fflush(stdout); \
	} while (0)
#define CHECK_EXIT() return check_failures ? 1 : 0
#endif
