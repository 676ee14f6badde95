#!/usr/bin/env bash
# Network and syscall capture end to end on the TCP example: a whole-run
# trace (cprof-run) shows accept, read, write and connect waits (one
# cprof:net_wait each) with fds, bytes, durations and stacks, fd_info with local and peer addresses before
# the waits that name the fd, per-socket byte counts at close, and the
# backend's sleeps, and wakers across in-process connections; a live capture over HTTP shows the accept loop blocked
# in accept since before the trace (status dump) and, at its end, back in
# accept (cprof:net_wait_open).
source "$(dirname "$0")/../lib/harness.sh"
tcp="$B/examples/cprof-example-tcp"

out=$(run_app timeout 60 "$B/tracer/cprof-run" -o "$T/out/tcp.out" -- "$tcp" --no-http \
	--duration 1.5 --clients 3 2>"$T/run.err") || { cat "$T/run.err" >&2; fail "traced example failed: $out"; }
echo "$out" | grep -q 'failed_clients=0' || fail "clients failed under tracing: $out"
n=$(echo "$out" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
[ "${n:-0}" -gt 50 ] || fail "too few requests served: $out"
mkdir -p "$T/x" && tar xzf "$T/out/tcp.out" -C "$T/x" || fail "trace does not unpack"
babeltrace2 "$T/x/ctf" >"$T/ev.txt" 2>"$T/bt.err" || { cat "$T/bt.err" >&2; fail "babeltrace2 cannot read the trace"; }
ev() { grep -c "cprof:$1:" "$T/ev.txt"; }
note "events: $(wc -l <"$T/ev.txt") total, net_wait $(ev net_wait), fd_info $(ev fd_info), fd_close $(ev fd_close), syscall_end $(ev syscall_end)"

# waits (all begun while tracing): one net_wait(kind, op, fd, bytes, dur, stack) each
for k in 20:read 21:write 22:accept 23:connect; do
	grep -Eq "cprof:net_wait:.*kind = ${k%%:*}, op = [0-9]+, fd = [0-9]+, .*_stack_length = [1-9]" "$T/ev.txt" \
		|| fail "no ${k#*:} wait (net_wait kind ${k%%:*}) with a stack"
done
! grep -Eq 'cprof:(block_begin|block_end):.*kind = 2[0-4],' "$T/ev.txt" \
	|| fail "network waits recorded as block_begin/block_end pairs while tracing"
grep -Eq 'cprof:net_wait:.*op = 1, fd = [0-9]+, result = [1-9][0-9]*, err = 0, dur_ns = [1-9]' "$T/ev.txt" \
	|| fail "no blocking read with bytes and a duration"
grep -Eq 'cprof:net_wait:.*op = 7, fd = [0-9]+, result = [1-9][0-9]{4,}, err = 0, dur_ns = [1-9]' "$T/ev.txt" \
	|| fail "no blocked write of a big answer"
grep -Eq 'cprof:net_wait:.*op = 13, fd = [0-9]+, result = [0-9]+, err = 0' "$T/ev.txt" || fail "no accept wait end"
grep -Eq 'cprof:net_wait:.*op = 15, fd = [0-9]+, result = 0, err = 0' "$T/ev.txt" || fail "no connect wait end"

# what the fds are: accepted and connected sockets with both addresses
grep -Eq 'cprof:fd_info:.*origin = 2, family = 2, sotype = 1, local = "127\.0\.0\.1:[0-9]+", peer = "127\.0\.0\.1:[0-9]+"' \
	"$T/ev.txt" || fail "no fd_info for an accepted connection with its peer"
grep -Eq 'cprof:fd_info:.*origin = 3, family = 2, sotype = 1, local = "127\.0\.0\.1:[0-9]+", peer = "127\.0\.0\.1:[0-9]+"' \
	"$T/ev.txt" || fail "no fd_info for a connected socket with its peer"
# (any fd: the test's stdin may be closed)
[ "$(grep -Ec 'cprof:fd_info:.*, origin = 0, ' "$T/ev.txt")" -ge 3 ] || fail "no fd dump at trace start"
# every fd named by a read wait was described first (in this thread or another)
awk '/cprof:fd_info:/ { match($0, /fd = [0-9]+/); seen[substr($0, RSTART + 5, RLENGTH - 5)] = 1 }
	/cprof:net_wait:.*op = 1,/ { match($0, /fd = [0-9]+/); f = substr($0, RSTART + 5, RLENGTH - 5);
		if (!(f in seen)) { print "fd " f " used before its fd_info"; bad = 1; exit } }
	END { exit bad }' "$T/ev.txt" || fail "a net_wait names an fd with no earlier fd_info"
grep -Eq 'cprof:fd_close:.*op = 22, err = 0, bytes_in = [1-9][0-9]*, bytes_out = [1-9][0-9]*, ops = [1-9]' \
	"$T/ev.txt" || fail "no socket close with byte counts"
# the backend's 2 ms sleeps
grep -Eq 'cprof:block_begin:.*kind = 30, obj = 0x1E8480' "$T/ev.txt" || fail "no sleep wait for the backend delay"
grep -Eq 'cprof:syscall_end:.*name = "nanosleep", arg = 0x1E8480, result = 0, err = 0, dur_ns = [1-9]' "$T/ev.txt" \
	|| fail "no syscall_end for the backend's nanosleep"
# clients, workers and the backend are one process, on loopback: a read
# waiting for the other end names the thread that wrote there - the worker
# for a client's answer, the client for a worker's request, the worker for
# the backend's call and the backend for its answer (measured: of 17,706
# client reads 17,701 name a worker; of 17,361 worker reads 15,482 a client
# and 1,872 the backend; 2,128 of 2,132 backend reads a worker - those
# without came before both ends of their connection were seen)
"$B/converter/cprof-convert" -q "$T/out/tcp.out" -o "$T/tcp.db" || fail "the whole-run trace does not convert"
for pair in client:worker worker:client backend-conn:worker worker:backend-conn; do
	read -r n named <<<"$(sqlite3 -batch -noheader "$T/tcp.db" "SELECT COUNT(*),
		COALESCE(SUM(w.name = '${pair#*:}'), 0) FROM thread_state s JOIN thread t ON t.utid = s.utid
		LEFT JOIN thread w ON w.utid = s.waker_utid
		WHERE t.name = '${pair%%:*}' AND s.reason = 'net_read' AND s.result = 0" | tr '|' ' ')"
	note "${pair%%:*}'s reads: $n, woken by ${pair#*:}: $named"
	[ "$named" -ge 50 ] || fail "${pair%%:*}'s reads woken by ${pair#*:}: only $named of $n"
done
# ... and each client the one worker serving its connection (all workers
# are named "worker": by thread, 90% or more of a client's named reads)
bad=$(sqlite3 -batch -noheader "$T/tcp.db" "SELECT COUNT(*) FROM (SELECT s.utid, MAX(n) * 100 < SUM(n) * 90 AS bad
	FROM (SELECT s.utid, s.waker_utid, COUNT(*) AS n FROM thread_state s JOIN thread t ON t.utid = s.utid
		WHERE t.name = 'client' AND s.reason = 'net_read' AND s.waker_utid IS NOT NULL
		GROUP BY s.utid, s.waker_utid) s GROUP BY s.utid) WHERE bad")
[ "$bad" = 0 ] || fail "$bad clients whose reads name several workers (a connection paired with another's end)"
# a worker's big answer blocks on the slow client: the client's reads drain
# it (measured: 180 of 180 such writes name a client)
read -r n named <<<"$(sqlite3 -batch -noheader "$T/tcp.db" "SELECT COUNT(*), COALESCE(SUM(w.name = 'client'), 0)
	FROM thread_state s JOIN thread t ON t.utid = s.utid LEFT JOIN thread w ON w.utid = s.waker_utid
	WHERE t.name = 'worker' AND s.reason = 'net_write' AND s.result = 0 AND s.dur >= 100000" | tr '|' ' ')"
note "worker's blocked writes of 100 us or more: $n, woken by a client's read: $named"
[ "$n" -ge 5 ] && [ $((named * 100)) -ge $((n * 90)) ] || fail "worker's blocked writes woken by a client: $named of $n"

# live capture: the idle server's accept loop is blocked in accept() when the
# trace starts; a client connects during it
run_app "$tcp" --mode server --http 127.0.0.1:0 --port-file "$T/out/http" \
	--serve-port-file "$T/out/serve" --duration 30 >"$T/srv.log" 2>&1 &
BG_PIDS+=($!)
wait_for_file "$T/out/http" 20 && wait_for_file "$T/out/serve" 5 || { cat "$T/srv.log" >&2; fail "server did not start"; }
sleep 0.3
curl -sS -o "$T/live.out" "http://127.0.0.1:$(cat "$T/out/http")/debug/pprof/trace?seconds=1.5" &
cpid=$!
sleep 0.7
cout=$(run_app "$tcp" --mode client --connect "$(cat "$T/out/serve")" --no-http --clients 2 --requests 30) \
	|| fail "client against the live server failed: $cout"
wait $cpid || fail "live trace request failed"
mkdir -p "$T/y" && tar xzf "$T/live.out" -C "$T/y" || fail "live trace does not unpack"
babeltrace2 "$T/y/ctf" >"$T/live.txt" 2>/dev/null || fail "babeltrace2 cannot read the live trace"
grep -Eq 'cprof:thread_status:.*name = "accept-loop".*wait_kind = 22,' "$T/live.txt" \
	|| fail "accept-loop not reported blocked in accept at trace start"
grep -Eq 'cprof:fd_info:.*origin = 2, .*peer = "127\.0\.0\.1:[0-9]+"' "$T/live.txt" \
	|| fail "no accepted connection in the live trace"
grep -Eq 'cprof:net_(end|wait):.*op = 1, .*result = [1-9]' "$T/live.txt" || fail "no read wait in the live trace"
# the accept loops went back to accept during the capture and are still
# there when it stops: reported open, with the thread and how long so far
grep -Eq 'cprof:net_wait_open:.*tid = [0-9]+, kind = 22, op = 13, fd = [0-9]+, dur_ns = [1-9]' "$T/live.txt" \
	|| fail "no accept wait reported open at the end of the live capture"
# ... and the database says so: the thread is blocked in accept when the trace ends
"$B/converter/cprof-convert" -q "$T/live.out" -o "$T/live.db" || fail "the live trace does not convert"
n=$(sqlite3 -batch -noheader "$T/live.db" "SELECT count(*) FROM thread_blocked_at_end
	WHERE name = 'accept-loop' AND state = 'net' AND reason = 'net_accept' AND object LIKE 'fd %127.0.0.1:%'")
[ "$n" = 1 ] || fail "accept-loop is not blocked in accept at the end of the live trace (got $n)"
pass
