/* event_cost_tp.h: bare tracepoints with the same payloads as cprof's
 * block_begin / block_end, the baseline of the event-cost benchmark. */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER cprof_bench
#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "event_cost_tp.h"
#if !defined(EVENT_COST_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define EVENT_COST_TP_H
#include <lttng/tracepoint.h>
#include <stdint.h>
LTTNG_UST_TRACEPOINT_EVENT(cprof_bench, begin,
	LTTNG_UST_TP_ARGS(uint8_t, kind, uint64_t, obj, const uint64_t *, stack, uint8_t, depth),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint8_t, kind, kind)
		lttng_ust_field_integer_hex(uint64_t, obj, obj)
		lttng_ust_field_sequence_hex(uint64_t, stack, stack, uint8_t, depth)))
LTTNG_UST_TRACEPOINT_EVENT(cprof_bench, end,
	LTTNG_UST_TP_ARGS(uint8_t, kind, uint64_t, obj, int32_t, result),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint8_t, kind, kind)
		lttng_ust_field_integer_hex(uint64_t, obj, obj)
		lttng_ust_field_integer(int32_t, result, result)))
#endif
#include <lttng/tracepoint-event.h>
