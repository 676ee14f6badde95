#!/usr/bin/env bash
# bench_convert.sh: conversion speed against babeltrace2's own decode rate.
#
# Records >= 5M cprof events from gen_events (-n, default 5.4M to absorb a
# few discards), then in the same run times
#   babeltrace2 CTF -c sink.utils.counter      (decode only, the reference)
#   cprof-convert trace.out -o trace.db        (unpack + decode + model +
#                                               SQLite + indexes + ANALYZE)
# and prints both rates and the ratio (target >= 0.5).  babeltrace2 reads the
# CTF already extracted; cprof-convert's time includes inflating and
# extracting trace.out.  The pair is run BENCH_RUNS times (default 3),
# back to back; the ratio of the best times is the result, the median of the
# per-run ratios is printed beside it (on a shared machine load changes
# between runs more than within a pair), with the load average, and the
# phase breakdown of the fastest conversion (cprof-convert -v).
#
# BENCH_FORMAT=sync records the waits as libcprof writes lock, condvar and
# semaphore waits begun in a capture (one cprof:sync_wait each, with its
# waker) instead of cprof:block_begin + cprof:wake + cprof:block_end: three
# times fewer, larger events for the same waits and rows.
set -uo pipefail
: "${CPROF_BUILD:?CPROF_BUILD must point at the meson build dir}"
SRC=${CPROF_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
N=${BENCH_EVENTS:-5400000}
RUNS=${BENCH_RUNS:-3}
case ${BENCH_FORMAT:-blocks} in
blocks) gen_args=() ;;
sync) gen_args=(-s) ;;
*) echo "bench_convert: BENCH_FORMAT is blocks or sync" >&2; exit 2 ;;
esac
T=$(mktemp -d /tmp/cprof-bench-conv.XXXXXX)
trap '[ -n "${CPROF_KEEP:-}" ] && echo "# kept $T" >&2 || rm -rf "$T"' EXIT

SUBBUF=4M NUMSUBBUF=16 "$SRC/tests/converter/record.sh" "$CPROF_BUILD/tests/converter/gen_events" \
	"$T/trace.out" -n "$N" "${gen_args[@]}" || { echo "bench_convert: recording failed" >&2; exit 1; }
mkdir -p "$T/x" && tar xzf "$T/trace.out" -C "$T/x" || exit 1

# timed OUT CMD...: runs CMD with stdout to OUT, prints "wall cpu" seconds
# (cpu = user + sys)
timed() {
	local out=$1; shift
	/usr/bin/time -f "%e %U %S" -o "$T/time" "$@" >"$out" || return 1
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$T/time"
}
min() { echo "if ($1 < $2) $1 else $2" | bc -l; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_before=$(loadavg)
best_bt=""; best_cv=""; cpu_bt=""; cpu_cv=""; ratios=""
for r in $(seq "$RUNS"); do
	read -r bt btc < <(timed "$T/counter.txt" babeltrace2 "$T/x/ctf" -c sink.utils.counter) ||
		{ echo "bench_convert: babeltrace2 failed" >&2; exit 1; }
	rm -f "$T/trace.db"
	read -r cv cvc < <(timed /dev/null "$CPROF_BUILD/converter/cprof-convert" -q -v -o "$T/trace.db" \
		"$T/trace.out" 2>"$T/phases.$r") || { cat "$T/phases.$r" >&2; echo "bench_convert: cprof-convert failed" >&2; exit 1; }
	echo "# run $r: babeltrace2 counter ${bt} s (cpu ${btc} s), cprof-convert ${cv} s (cpu ${cvc} s)," \
		"ratio $(echo "$bt / $cv" | bc -l | cut -c1-4), load $(loadavg)" >&2
	[ -z "$best_cv" ] || [ "$(min "$cv" "$best_cv")" != "$best_cv" ] && cp "$T/phases.$r" "$T/phases"
	best_bt=$(min "$bt" "${best_bt:-$bt}"); best_cv=$(min "$cv" "${best_cv:-$cv}")
	cpu_bt=$(min "$btc" "${cpu_bt:-$btc}"); cpu_cv=$(min "$cvc" "${cpu_cv:-$cvc}")
	ratios="$ratios $(echo "$bt / $cv" | bc -l)"
done
median_ratio=$(printf '%s\n' $ratios | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "# phases of the fastest conversion (wall; cpu of both threads):" >&2
sed 's/^cprof-convert: /#   /' "$T/phases" >&2
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
printf 'events (%s): %d (%d MB of CTF, %d discarded), database rows (thread_state+flow): %d\n' \
	"${BENCH_FORMAT:-blocks}" "$events" "$ctf_mb" "$lost" "$rows"
printf 'babeltrace2 -c sink.utils.counter: %.2f s, %.2f M events/s\n' "$best_bt" "$(echo "$bt_rate / 1000000" | bc -l)"
printf 'cprof-convert (end to end, indexes included): %.2f s, %.2f M events/s\n' "$best_cv" \
	"$(echo "$cv_rate / 1000000" | bc -l)"
printf 'ratio: %.2f (target >= 0.5; median of the %d per-run ratios %.2f); by CPU time: babeltrace2 %.2f s, cprof-convert %.2f s (all threads), ratio %.2f\n' \
	"$ratio" "$RUNS" "$median_ratio" "$cpu_bt" "$cpu_cv" "$(echo "$cpu_bt / $cpu_cv" | bc -l)"
printf 'load average: %s before, %s after\n' "$load_before" "$(loadavg)"
