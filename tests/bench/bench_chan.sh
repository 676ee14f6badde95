#!/usr/bin/env bash
# cprof channels: items/s through a bounded channel (2 producers, 2
# consumers) untraced vs traced, and against a plain mutex/condvar queue
# (both untraced), median of interleaved rounds.  Prints ratios only.
source "$(dirname "$0")/../lib/harness.sh"
prog="$B/tests/bench/chan_bench"
rounds=${BENCH_ROUNDS:-5}
n=${BENCH_ITEMS:-400000}
sessiond_start || fail "cannot start a session daemon"
declare -a chan traced mutex
for r in $(seq "$rounds"); do
	chan+=("$(run_app "$prog" chan "$n")") || fail "chan run failed"
	mutex+=("$(run_app "$prog" mutex "$n")") || fail "mutex run failed"
	traced+=("$(run_app env CPROF_TRACE="$T/out/c$r.out" "$prog" chan "$n")") || fail "traced run failed"
	d=$(tar xzf "$T/out/c$r.out" -O cprof/info.txt 2>/dev/null | sed -n 's/^discarded_events=//p')
	note "round $r: chan ${chan[-1]} traced ${traced[-1]} mutex/cond ${mutex[-1]} items/s (discarded ${d:-?})"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mc=$(median "${chan[@]}"); mt=$(median "${traced[@]}"); mm=$(median "${mutex[@]}")
echo "items/s (median of $rounds): channel $mc, channel traced $mt, mutex/cond queue $mm"
awk -v c="$mc" -v t="$mt" -v m="$mm" 'BEGIN {
	printf "ratio channel traced/untraced = %.3f\n", t / c;
	printf "ratio channel/mutex-cond queue = %.3f\n", c / m }'
