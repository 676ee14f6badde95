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

# timed OUT CMD...: runs CMD with stdout to OUT, prints "wall cpu" seconds
# (cpu = user + sys)
timed() {
	local out=$1; shift
	/usr/bin/time -f "%e %U %S" -o "$T/time" "$@" >"$out" || return 1
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$T/time"
}
min() { echo "if ($1 < $2) $1 else $2" | bc -l; }
best_bt=""; best_cv=""; cpu_bt=""; cpu_cv=""
for r in $(seq "$RUNS"); do
	read -r bt btc < <(timed "$T/counter.txt" babeltrace2 "$T/x/ctf" -c sink.utils.counter) ||
		{ echo "bench_convert: babeltrace2 failed" >&2; exit 1; }
	rm -f "$T/trace.db"
	read -r cv cvc < <(timed /dev/null "$CPROF_BUILD/converter/cprof-convert" -q -o "$T/trace.db" "$T/trace.out") ||
		{ echo "bench_convert: cprof-convert failed" >&2; exit 1; }
	echo "# run $r: babeltrace2 counter ${bt} s (cpu ${btc} s), cprof-convert ${cv} s (cpu ${cvc} s)" >&2
	best_bt=$(min "$bt" "${best_bt:-$bt}"); best_cv=$(min "$cv" "${best_cv:-$cv}")
	cpu_bt=$(min "$btc" "${cpu_bt:-$btc}"); cpu_cv=$(min "$cvc" "${cpu_cv:-$cvc}")
done
events=$(awk '/Event messages/ { n = $1 } END { print n }' "$T/counter.txt")
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
printf 'ratio: %.2f (target >= 0.5); by CPU time: babeltrace2 %.2f s, cprof-convert %.2f s (both threads), ratio %.2f\n' \
	"$ratio" "$cpu_bt" "$cpu_cv" "$(echo "$cpu_bt / $cpu_cv" | bc -l)"
