/* event_cost.c: what cprof adds per recorded event.  Runs traced
 * (CPROF_TRACE) and times, in batches small enough for the buffers never to
 * fill (discarded events would be cheaper and flatter the numbers):
 *   - cprof pair: cprof_wait_begin + cprof_wait_end, i.e. cprof:block_begin
 *     (stack unwound by libunwind) + cprof:block_end through cprof's
 *     recording path (registry update, clock read, guards);
 *   - bare pair:  two lttng_ust_tracepoint calls with the same payloads, the
 *     begin carrying a same-depth stack copied from an array.
 * Run with CPROF_STACK_DEPTH=0 and argument 0 to compare without stacks.
 * Prints ns per pair (median batch) and the ratio. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "event_cost_tp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cprof.h>

#define BATCH 4000
#define BATCHES 41

static int obj;
static uint64_t fake_stack[64];
static int depth;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void pause_for_consumer(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

enum mode { CPROF_PAIR, BARE_PAIR, N_MODES };
static const char *mode_name[] = { "cprof pair", "bare pair" };

static double __attribute__((noinline)) run_batch(enum mode m)
{
	double t0 = now();
	for (int i = 0; i < BATCH; i++) {
		switch (m) {
		case CPROF_PAIR:
			cprof_wait_begin(NULL, &obj);
			cprof_wait_end();
			break;
		case BARE_PAIR:
			lttng_ust_tracepoint(cprof_bench, begin, 12, (uint64_t)(uintptr_t)&obj,
				fake_stack, (uint8_t)depth);
			lttng_ust_tracepoint(cprof_bench, end, 12, (uint64_t)(uintptr_t)&obj, 0);
			break;
		default:
			break;
		}
	}
	return (now() - t0) / BATCH;
}

/* A few frames of depth so stacks look like a program's. */
static double __attribute__((noinline)) level3(enum mode m) { return run_batch(m); }
static double __attribute__((noinline)) level2(enum mode m) { return level3(m) + 0.0; }
static double __attribute__((noinline)) level1(enum mode m) { return level2(m) + 0.0; }

int main(int argc, char **argv)
{
	depth = argc > 1 ? atoi(argv[1]) : 8;   /* frames a real stack had here */
	for (int i = 0; i < 64; i++)
		fake_stack[i] = 0x400000 + (uint64_t)i * 64;
	double res[N_MODES][BATCHES];
	for (int b = 0; b < BATCHES; b++)
		for (int m = 0; m < N_MODES; m++) {
			res[m][b] = level1((enum mode)m);
			pause_for_consumer();
		}
	double med[N_MODES];
	for (int m = 0; m < N_MODES; m++) {
		qsort(res[m], BATCHES, sizeof(double), cmp);
		med[m] = res[m][BATCHES / 2];
		printf("%-12s %8.1f ns per pair\n", mode_name[m], med[m]);
	}
	printf("ratio cprof/bare per event pair = %.2f (target <= 1.3)\n", med[CPROF_PAIR] / med[BARE_PAIR]);
	return 0;
}
