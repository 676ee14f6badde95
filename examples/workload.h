/* workload.h: the producer -> bounded queue -> worker -> shared table
 * pipeline used by the demo service and by the overhead benchmark. */
#ifndef CPROF_EXAMPLE_WORKLOAD_H
#define CPROF_EXAMPLE_WORKLOAD_H

#include <stdint.h>

struct workload_cfg {
	int producers;        /* threads pushing items */
	int workers;          /* threads popping items */
	int queue_cap;        /* bounded queue capacity */
	int work_iters;       /* CPU work per item (hash rounds) */
	int table_size;       /* buckets of the shared table (one global lock) */
	int item_bytes;       /* malloc'd per item, freed by the worker */
	volatile int *stop;   /* borrowed: set non-zero to stop */
};

struct workload_stats {
	uint64_t produced, consumed, checksum;
};

/* Starts the threads, runs until *cfg->stop, joins them.  0 or -errno. */
int workload_run(const struct workload_cfg *cfg, struct workload_stats *st);

#endif
