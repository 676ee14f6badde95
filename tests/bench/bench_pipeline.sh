#!/usr/bin/env bash
# Tracing overhead on the blocking-heavy pipeline (DESIGN.md §5): items/s
# untraced vs preloaded-idle vs traced.  Targets: traced >= 0.95 x untraced,
# idle >= 0.99 x.  The machine is shared and noisy: BENCH_ROUNDS rounds
# (default 11) of BENCH_SECONDS (default 2), the three variants back to back
# in alternating order; reported: the ratio of the medians, the median of the
# per-round ratios, and the CPU time per item (user + sys of the process
# during the workload's window; other load changes it less than the rate).  Never asserts times: fails
# only if a run fails.
source "$(dirname "$0")/../lib/harness.sh"
secs=${BENCH_SECONDS:-2}
rounds=${BENCH_ROUNDS:-11}
prog="$B/tests/bench/pipeline"
pre="$B/tracer/libcprof-preload.so"
sessiond_start || fail "cannot start a session daemon"
note "load before: $(uptime)"

# one run of CMD as the app: prints "items_per_s cpu_us_per_item", both
# measured by the workload over its window (a traced run's trace.out, written
# at exit, is not in its CPU time)
one() {
	local out
	out=$(run_app "$@" --cpu 2>"$T/err") || { cat "$T/err" >&2; return 1; }
	[[ $out =~ ^[0-9]+\ [0-9.]+$ ]] || { echo "unexpected output: $out" >&2; return 1; }
	echo "$out"
}

declare -a plain idle traced pc ic tc ri rt
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then order="plain idle traced"; else order="traced idle plain"; fi
	for v in $order; do
		case $v in
		plain) res=$(one "$prog" "$secs") || fail "untraced run failed"
			plain+=(${res% *}); pc+=(${res#* }) ;;
		idle) res=$(one env LD_PRELOAD="$pre" "$prog" "$secs") || fail "preloaded run failed"
			idle+=(${res% *}); ic+=(${res#* }) ;;
		traced) out="$T/out/trace-$r.out"
			res=$(one env LD_PRELOAD="$pre" CPROF_TRACE="$out" "$prog" "$secs") \
				|| fail "traced run failed"
			traced+=(${res% *}); tc+=(${res#* })
			[ -s "$out" ] || fail "traced run wrote no $out"
			disc=$(tar xzf "$out" -O cprof/info.txt 2>/dev/null | sed -n 's/^discarded_events=//p')
			# the last traced round's trace is kept for the wakers below
			[ "$r" = "$rounds" ] && mv "$out" "$T/out/last.out"
			rm -f "$out" ;;
		esac
	done
	ri+=("$(awk -v a="${idle[-1]}" -v p="${plain[-1]}" 'BEGIN { printf "%.3f", a / p }')")
	rt+=("$(awk -v a="${traced[-1]}" -v p="${plain[-1]}" 'BEGIN { printf "%.3f", a / p }')")
	note "round $r ($order): untraced ${plain[-1]} idle ${idle[-1]} traced ${traced[-1]} items/s" \
		"(ratios ${ri[-1]} ${rt[-1]}); CPU us/item ${pc[-1]} ${ic[-1]} ${tc[-1]}; discarded events ${disc:-?}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mp=$(median "${plain[@]}"); mi=$(median "${idle[@]}"); mt=$(median "${traced[@]}")
echo "pipeline items/s (median of $rounds x ${secs}s): untraced $mp, preloaded-idle $mi, traced $mt"
awk -v p="$mp" -v i="$mi" -v t="$mt" -v ri="$(median "${ri[@]}")" -v rt="$(median "${rt[@]}")" 'BEGIN {
	printf "ratio idle/untraced   = %.3f (target >= 0.99); median of the per-round ratios %.3f\n", i / p, ri;
	printf "ratio traced/untraced = %.3f (target >= 0.95); median of the per-round ratios %.3f\n", t / p, rt }'
cp=$(median "${pc[@]}"); ci=$(median "${ic[@]}"); ct=$(median "${tc[@]}")
awk -v p="$cp" -v i="$ci" -v t="$ct" 'BEGIN {
	printf "CPU us/item (median): untraced %.3f, preloaded-idle %.3f, traced %.3f; as throughput ratios: idle %.3f, traced %.3f\n",
		p, i, t, p / i, p / t }'
# what the traced rounds record, not only what it costs: the share of the
# lock and condvar waits that name their waker (waits of 10 us or more apart:
# most mutex waits under 2 us never slept, and nobody woke them)
if "$B/converter/cprof-convert" -o "$T/last.db" "$T/out/last.out" 2>"$T/cerr"; then
	sqlite3 "$T/last.db" "SELECT reason, COUNT(*), SUM(waker_utid IS NOT NULL), SUM(dur >= 10000),
		SUM(dur >= 10000 AND waker_utid IS NOT NULL) FROM thread_state
		WHERE reason IN ('mutex', 'cond') GROUP BY reason ORDER BY reason" |
	awk -F'|' '{ printf "last traced round, %s waits: %d, %.1f%% with a waker; of 10 us or more: %d, %.1f%% with a waker\n",
		$1, $2, $2 ? 100 * $3 / $2 : 0, $4, $4 ? 100 * $5 / $4 : 0 }'
else
	note "the last traced round's trace does not convert: $(cat "$T/cerr")"
fi
note "load after: $(uptime)"
