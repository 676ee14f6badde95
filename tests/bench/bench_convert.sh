#!/usr/bin/env bash
# bench_convert.sh: conversion speed against babeltrace2's own decode rate.
#
# Records >= 5M cprof events from gen_events (-n, default 5.4M to absorb a
# few discards), then in the same run times
#   babeltrace2 CTF -c sink.utils.counter      (decode only, the reference)
#   cprof-convert trace.out -o trace.db        (unpack + decode + model +
#                                               SQLite + indexes + ANALYZE)
# and prints both rates and the ratio (target >= 0.5).  Each is run
# BENCH_RUNS times (default 2); the best time of each is used.
set -uo pipefail
: "${CPROF_BUILD:?CPROF_BUILD must point at the meson build dir}"
SRC=${CPROF_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
N=${BENCH_EVENTS:-5400000}
RUNS=${BENCH_RUNS:-2}
T=$(mktemp -d /tmp/cprof-bench-conv.XXXXXX)
trap '[ -n "${CPROF_KEEP:-}" ] && echo "# kept $T" >&2 || rm -rf "$T"' EXIT

SUBBUF=4M NUMSUBBUF=16 "$SRC/tests/converter/record.sh" "$CPROF_BUILD/tests/converter/gen_events" \
	"$T/trace.out" -n "$N" || { echo "bench_convert: recording failed" >&2; exit 1; }
mkdir -p "$T/x" && tar xzf "$T/trace.out" -C "$T/x" || exit 1

now() { date +%s.%N; }
best_bt=""; best_cv=""
for r in $(seq "$RUNS"); do
	t0=$(now)
	babeltrace2 "$T/x/ctf" -c sink.utils.counter >"$T/counter.txt" 2>"$T/bt.err" ||
		{ cat "$T/bt.err" >&2; exit 1; }
	t1=$(now)
	rm -f "$T/trace.db"
	"$CPROF_BUILD/converter/cprof-convert" -q -o "$T/trace.db" "$T/trace.out" || exit 1
	t2=$(now)
	bt=$(echo "$t1 - $t0" | bc -l); cv=$(echo "$t2 - $t1" | bc -l)
	echo "# run $r: babeltrace2 counter $bt s, cprof-convert $cv s" >&2
	[ -z "$best_bt" ] || [ "$(echo "$bt < $best_bt" | bc -l)" = 1 ] && best_bt=$bt
	[ -z "$best_cv" ] || [ "$(echo "$cv < $best_cv" | bc -l)" = 1 ] && best_cv=$cv
done
events=$(awk '/Event messages/ { print $1 }' "$T/counter.txt")
conv_events=$(sqlite3 "$T/trace.db" "SELECT int_value FROM metadata WHERE name = 'event_count'")
rows=$(sqlite3 "$T/trace.db" "SELECT (SELECT COUNT(*) FROM thread_state) + (SELECT COUNT(*) FROM flow)")
lost=$(sqlite3 "$T/trace.db" "SELECT int_value FROM metadata WHERE name = 'discarded_events'")
[ "$events" = "$conv_events" ] || { echo "bench_convert: event counts differ: $events vs $conv_events" >&2; exit 1; }
[ "$events" -ge 5000000 ] || echo "# warning: only $events events were recorded ($lost discarded)" >&2
ctf_mb=$(du -sm "$T/x/ctf" | cut -f1)
bt_rate=$(echo "$events / $best_bt" | bc -l)
cv_rate=$(echo "$events / $best_cv" | bc -l)
ratio=$(echo "$cv_rate / $bt_rate" | bc -l)
printf 'events: %d (%d MB of CTF, %d discarded), database rows (thread_state+flow): %d\n' \
	"$events" "$ctf_mb" "$lost" "$rows"
printf 'babeltrace2 -c sink.utils.counter: %.2f s, %.2f M events/s\n' "$best_bt" "$(echo "$bt_rate / 1000000" | bc -l)"
printf 'cprof-convert (end to end, indexes included): %.2f s, %.2f M events/s\n' "$best_cv" \
	"$(echo "$cv_rate / 1000000" | bc -l)"
printf 'ratio: %.2f (target >= 0.5)\n' "$ratio"
