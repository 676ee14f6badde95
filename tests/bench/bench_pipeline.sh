#!/usr/bin/env bash
# Tracing overhead on the blocking-heavy pipeline (DESIGN.md §5): items/s
# untraced vs preloaded-idle vs traced, interleaved rounds, median of each,
# ratios printed.  Targets: traced >= 0.95 x untraced, idle >= 0.99 x.
# Never asserts times (shared, noisy machine): fails only if a run fails.
source "$(dirname "$0")/../lib/harness.sh"
secs=${BENCH_SECONDS:-2}
rounds=${BENCH_ROUNDS:-5}
prog="$B/tests/bench/pipeline"
pre="$B/tracer/libcprof-preload.so"
sessiond_start || fail "cannot start a session daemon"

declare -a plain idle traced
for r in $(seq "$rounds"); do
	plain+=("$(run_app "$prog" "$secs")") || fail "untraced run failed"
	idle+=("$(run_app env LD_PRELOAD="$pre" "$prog" "$secs")") || fail "preloaded run failed"
	out="$T/out/trace-$r.out"
	traced+=("$(run_app env LD_PRELOAD="$pre" CPROF_TRACE="$out" "$prog" "$secs")") \
		|| fail "traced run failed"
	[ -s "$out" ] || fail "traced run wrote no $out"
	disc=$(tar xzf "$out" -O cprof/info.txt 2>/dev/null | sed -n 's/^discarded_events=//p')
	note "round $r: untraced ${plain[-1]} idle ${idle[-1]} traced ${traced[-1]} items/s (discarded events: ${disc:-?})"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mp=$(median "${plain[@]}"); mi=$(median "${idle[@]}"); mt=$(median "${traced[@]}")
echo "pipeline items/s (median of $rounds x ${secs}s): untraced $mp, preloaded-idle $mi, traced $mt"
awk -v p="$mp" -v i="$mi" -v t="$mt" 'BEGIN {
	printf "ratio idle/untraced   = %.3f (target >= 0.99)\n", i / p;
	printf "ratio traced/untraced = %.3f (target >= 0.95)\n", t / p }'
