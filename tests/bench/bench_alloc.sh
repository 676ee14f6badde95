#!/usr/bin/env bash
# Allocator interposition cost (issue 7): a malloc/free pair untraced vs
# preloaded-idle vs traced (ratios), then the pipeline workload traced with
# allocation tracking on (the default) vs untraced (BENCH_PIPE_ROUNDS, default
# 7).  Interleaved rounds, medians.  Never asserts times: fails only if a run fails.
source "$(dirname "$0")/../lib/harness.sh"
rounds=${BENCH_ROUNDS:-3}
threads=${BENCH_THREADS:-2}
pairs=${BENCH_PAIRS:-1000000}
secs=${BENCH_SECONDS:-2}
pre="$B/tracer/libcprof-preload.so"
sessiond_start || fail "cannot start a session daemon"
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ns() { sed -n 's/^ns_per_pair=//p'; }

declare -a plain idle traced
for r in $(seq "$rounds"); do
	plain+=("$(run_app "$B/tests/bench/alloc_pair" "$threads" "$pairs" | ns)") || fail "untraced run failed"
	idle+=("$(run_app env LD_PRELOAD="$pre" "$B/tests/bench/alloc_pair" "$threads" "$pairs" | ns)") \
		|| fail "preloaded run failed"
	out="$T/out/alloc-$r.out"
	traced+=("$(run_app env LD_PRELOAD="$pre" CPROF_TRACE="$out" "$B/tests/bench/alloc_pair" \
		"$threads" "$pairs" | ns)") || fail "traced run failed"
	[ -s "$out" ] || fail "traced run wrote no $out"
	note "round $r: malloc+free ns: untraced ${plain[-1]} idle ${idle[-1]} traced ${traced[-1]}"
	rm -f "$out"
done
mp=$(median "${plain[@]}"); mi=$(median "${idle[@]}"); mt=$(median "${traced[@]}")
echo "malloc+free pair, $threads threads (median of $rounds): untraced $mp ns, preloaded-idle $mi ns, traced $mt ns"
awk -v p="$mp" -v i="$mi" -v t="$mt" 'BEGIN {
	printf "ratio idle/untraced   = %.3f (cost per pair: %+.1f ns)\n", i / p, i - p;
	printf "ratio traced/untraced = %.3f (cost per pair: %+.1f ns)\n", t / p, t - p }'

# the pipeline: as bench_pipeline.sh, rounds in alternating order, and the
# median of the per-round ratios beside the ratio of the medians (this
# machine's speed swings between rounds: the paired ratio moves less)
prounds=${BENCH_PIPE_ROUNDS:-7}
declare -a pp pt pc tc rr
for r in $(seq "$prounds"); do
	if [ $((r % 2)) = 1 ]; then order="plain traced"; else order="traced plain"; fi
	for v in $order; do
		if [ "$v" = plain ]; then
			res=$(run_app "$B/tests/bench/pipeline" "$secs" --cpu) || fail "untraced pipeline failed"
			pp+=("${res% *}"); pc+=("${res#* }")
		else
			out="$T/out/pipe-$r.out"
			res=$(run_app env LD_PRELOAD="$pre" CPROF_TRACE="$out" "$B/tests/bench/pipeline" "$secs" \
				--cpu) || fail "traced pipeline failed"
			pt+=("${res% *}"); tc+=("${res#* }")
			[ -s "$out" ] || fail "traced pipeline wrote no $out"
			n=$(tar xzf "$out" -O cprof/info.txt 2>/dev/null | sed -n 's/^discarded_events=//p')
			rm -f "$out"
		fi
	done
	rr+=("$(awk -v a="${pt[-1]}" -v p="${pp[-1]}" 'BEGIN { printf "%.3f", a / p }')")
	note "round $r ($order): pipeline items/s untraced ${pp[-1]} traced ${pt[-1]} (ratio ${rr[-1]});" \
		"CPU us/item ${pc[-1]} ${tc[-1]}; discarded: ${n:-?}"
done
mp=$(median "${pp[@]}"); mt=$(median "${pt[@]}")
echo "pipeline items/s (median of $prounds x ${secs}s): untraced $mp, traced with allocation tracking $mt"
awk -v p="$mp" -v t="$mt" -v rr="$(median "${rr[@]}")" -v cp="$(median "${pc[@]}")" -v ct="$(median "${tc[@]}")" 'BEGIN {
	printf "ratio traced/untraced = %.3f (target >= 0.95); median of the per-round ratios %.3f\n", t / p, rr;
	printf "CPU us/item (median): untraced %.3f, traced %.3f; as a throughput ratio %.3f\n", cp, ct, cp / ct }'
