#!/usr/bin/env bash
# Network I/O cost (issue 6), ratios measured in one run, never asserted:
#  1. the TCP example server's request throughput (4 clients, ping-pong
#     requests: every request is a blocking read in the server) untraced
#     (built without libcprof) vs preloaded-idle vs traced; target traced >=
#     0.95 x untraced.  The client runs untraced in its own process.  The
#     machine is shared and noisy: BENCH_ROUNDS rounds (default 5) of
#     BENCH_SECONDS each (default 3), the three variants in alternating order,
#     medians reported - of the rates, of the per-round ratios (each round's
#     variants ran back to back) and of the server's CPU time per request
#     (utime + stime, less sensitive to other load than the rate).  Events per
#     request and discarded events come from the traced rounds' traces.
#  2. ns per non-blocking read()/write() call and per dup()+close() pair, plain vs preloaded-idle vs
#     traced (tests/bench/io_cost.c), in a multi-threaded program (io_cost
#     --mt: what the interposers add); and apart, what a single-threaded
#     program pays for being preloaded: there lttng-ust's threads also make
#     the kernel take a file reference at every fd system call.
source "$(dirname "$0")/../lib/harness.sh"
secs=${BENCH_SECONDS:-3}
rounds=${BENCH_ROUNDS:-5}
srv="$B/tests/bench/tcp_plain"
pre="$B/tracer/libcprof-preload.so"
sessiond_start || fail "cannot start a session daemon"
note "load before: $(uptime)"

# one run: server (with the env given) + client; prints "rate cpu_us_per_request requests"
serve_and_load() {
	local tag=$1; shift
	rm -f "$T/out/port"
	run_app "$@" "$srv" --mode server --no-http --serve-port-file "$T/out/port" \
		--duration $((secs + 3)) >"$T/srv-$tag.log" 2>&1 &
	local sp=$! spid="" p
	wait_for_file "$T/out/port" 20 || { cat "$T/srv-$tag.log" >&2; fail "$tag server did not start"; }
	for p in $sp $(descendants $sp); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = tcp_plain ] && spid=$p
	done
	local out st=()
	out=$(run_app "$srv" --mode client --no-http --connect "$(cat "$T/out/port")" --clients 4 \
		--slow-every 0 --big-every 0 --duration "$secs") || fail "$tag client failed: $out"
	[ -n "$spid" ] && read -ra st <"/proc/$spid/stat"
	wait "$sp" || fail "$tag server failed: $(cat "$T/srv-$tag.log")"
	local rate req
	rate=$(echo "$out" | sed -n 's/.*rate=\([0-9]*\).*/\1/p')
	req=$(echo "$out" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
	[ "${req:-0}" -gt 0 ] || fail "$tag: no requests served: $out"
	# fields 14 and 15: utime and stime in clock ticks
	awk -v r="$rate" -v n="$req" -v u="${st[13]:-0}" -v s="${st[14]:-0}" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%d %.2f %d\n", r, (u + s) * 1e6 / hz / n, n }'
}

declare -a plain idle traced pcpu icpu tcpu rratio
events=0 discarded=0 served=0
run_variant() {
	local v=$1 r=$2 res
	# (serve_and_load runs in a subshell: its fail only ends that)
	check() { [ -n "$res" ] || fail "$v round $r failed"; }
	case $v in
	plain) res=$(serve_and_load plain env); check; plain+=(${res%% *}); pcpu+=($(echo "$res" | cut -d' ' -f2)) ;;
	idle) res=$(serve_and_load idle env LD_PRELOAD="$pre"); check; idle+=(${res%% *})
		icpu+=($(echo "$res" | cut -d' ' -f2)) ;;
	traced)
		res=$(serve_and_load traced env LD_PRELOAD="$pre" CPROF_TRACE="$T/out/tcp-$r.out"); check
		traced+=(${res%% *}); tcpu+=($(echo "$res" | cut -d' ' -f2))
		[ -s "$T/out/tcp-$r.out" ] || fail "traced server wrote no trace"
		local d n
		d=$(tar xzf "$T/out/tcp-$r.out" -O cprof/info.txt 2>/dev/null | sed -n 's/^discarded_events=//p')
		rm -rf "$T/x" && mkdir -p "$T/x" && tar xzf "$T/out/tcp-$r.out" -C "$T/x" ctf \
			|| fail "trace does not unpack"
		n=$(babeltrace2 "$T/x/ctf" 2>/dev/null | wc -l)
		events=$((events + n)); discarded=$((discarded + ${d:-0}))
		served=$((served + $(echo "$res" | cut -d' ' -f3)))
		rm -rf "$T/x" "$T/out/tcp-$r.out" ;;
	esac
}
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then order="plain idle traced"; else order="traced idle plain"; fi
	for v in $order; do run_variant "$v" "$r"; done
	rratio+=("$(awk -v t="${traced[-1]}" -v p="${plain[-1]}" 'BEGIN { printf "%.3f", t / p }')")
	note "round $r ($order): untraced ${plain[-1]} idle ${idle[-1]} traced ${traced[-1]} req/s," \
		"server CPU us/request ${pcpu[-1]} / ${icpu[-1]} / ${tcpu[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mp=$(median "${plain[@]}"); mi=$(median "${idle[@]}"); mt=$(median "${traced[@]}")
echo "tcp server req/s (median of $rounds x ${secs}s, 4 clients): untraced $mp, preloaded-idle $mi, traced $mt"
awk -v p="$mp" -v i="$mi" -v t="$mt" -v rr="$(median "${rratio[@]}")" 'BEGIN {
	printf "ratio idle/untraced   = %.3f\n", i / p;
	printf "ratio traced/untraced = %.3f (target >= 0.95); median of the per-round ratios %.3f\n", t / p, rr }'
echo "server CPU us/request (median): untraced $(median "${pcpu[@]}"), preloaded-idle $(median "${icpu[@]}")," \
	"traced $(median "${tcpu[@]}")"
awk -v e="$events" -v d="$discarded" -v n="$served" 'BEGIN {
	printf "traced rounds: %.2f events per request recorded, %.2f discarded (%d of %d events)\n",
		e / n, d / n, d, e + d }'
note "load after: $(uptime)"

# per-call costs are small next to this machine's noise: interleave 5 runs
# of each and keep the minimum of every figure
cost="$B/tests/bench/io_cost"
: >"$T/plain.txt"; : >"$T/idle.txt"; : >"$T/traced.txt"; : >"$T/plain1.txt"; : >"$T/idle1.txt"
for r in $(seq 5); do
	run_app "$cost" --mt >>"$T/plain.txt" || fail "io_cost failed"
	run_app env LD_PRELOAD="$pre" "$cost" --mt >>"$T/idle.txt" || fail "io_cost preloaded failed"
	run_app env LD_PRELOAD="$pre" CPROF_TRACE="$T/out/io-$r.out" "$cost" --mt >>"$T/traced.txt" 2>/dev/null \
		|| fail "io_cost traced failed"
	run_app "$cost" >>"$T/plain1.txt" || fail "io_cost (one thread) failed"
	run_app env LD_PRELOAD="$pre" "$cost" >>"$T/idle1.txt" || fail "io_cost (one thread) preloaded failed"
done
mins() { tr ' ' '\n' <"$1" | awk -F= 'NF == 2 { if (!($1 in m) || $2 < m[$1]) m[$1] = $2 }
	END { for (k in m) printf "%s=%s ", k, m[k]; print "" }'; }
a=$(mins "$T/plain.txt"); b=$(mins "$T/idle.txt"); c=$(mins "$T/traced.txt")
a1=$(mins "$T/plain1.txt"); b1=$(mins "$T/idle1.txt")
echo "multi-threaded program (io_cost --mt), ns per call (min of 5):"
echo "  plain:          $a"
echo "  preloaded-idle: $b"
echo "  traced:         $c"
awk -v a="$a" -v b="$b" -v c="$c" -v a1="$a1" -v b1="$b1" 'function v(s, k) { match(s, k "=[0-9.]+"); return substr(s, RSTART + length(k) + 1, RLENGTH - length(k) - 1) }
BEGIN { n = split("socket_nonblocking_ns socket_blocking_ready_ns pipe_ns pipe_blocking_ns eagain_ns dup_close_ns", ks, " ");
	for (i = 1; i <= n; i++)
		printf "added ns per call, %-26s idle %+6.1f  traced %+6.1f\n", ks[i], v(b, ks[i]) - v(a, ks[i]), v(c, ks[i]) - v(a, ks[i]);
	print "single-threaded program (io_cost), preloaded-idle vs plain, and of that what one more thread alone costs (plain --mt vs plain):";
	for (i = 1; i <= n; i++)
		printf "added ns per call, %-26s idle %+6.1f  (a second thread: %+6.1f)\n", ks[i], v(b1, ks[i]) - v(a1, ks[i]), v(a, ks[i]) - v(a1, ks[i]) }'
