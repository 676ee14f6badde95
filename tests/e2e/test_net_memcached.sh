#!/usr/bin/env bash
# An unmodified server from Debian (memcached: libevent, epoll, non-blocking
# sockets, worker threads) traced for its whole run by cprof-run and driven
# by a client on 127.0.0.1 over two connections open at once: same answers
# as untraced; the trace holds its accepted connections with their peers
# (the client's ports), its epoll waits, and per connection byte counts at
# close equal to what the client sent and received; the database has the
# worker threads' network waits on their epoll fd (one per request at
# least), the connections named after their peers, and no read, write or
# accept waits (non-blocking sockets never wait, EAGAIN included), and the
# main thread named the waker of the workers it handed a connection to.
source "$(dirname "$0")/../lib/harness.sh"
command -v memcached >/dev/null || skip "memcached is not installed (apt-get install memcached)"

port=$(( 20000 + $$ % 20000 ))
run_app "$B/tracer/cprof-run" -o "$T/out/mc.out" -- memcached -l 127.0.0.1 -p "$port" -U 0 -t 2 \
	-P "$T/out/mc.pid" >"$T/mc.log" 2>&1 &
runner=$!
BG_PIDS+=($runner)
up=0
for _ in $(seq 100); do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
	sleep 0.1
done
[ $up = 1 ] || { cat "$T/mc.log" >&2; fail "memcached did not listen on 127.0.0.1:$port"; }

# the local port of this shell's socket fd $1 (/proc/net/tcp, by inode)
client_port() {
	local ino hex
	ino=$(readlink "/proc/$$/fd/$1" | tr -dc 0-9)
	hex=$(awk -v ino="$ino" '$10 == ino { split($2, a, ":"); print a[2] }' /proc/net/tcp)
	[ -n "$hex" ] && echo $((16#$hex))
}

# two connections open together (memcached gives each its own fd and, with
# -t 2, its own worker thread); 20 set/get round trips each, interleaved,
# answers checked; bytes sent and received counted per connection
exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "cannot connect"
exec 4<>"/dev/tcp/127.0.0.1/$port" || fail "cannot connect"
declare -A cport sent got
for c in 3 4; do
	cport[$c]=$(client_port $c) || true
	[ -n "${cport[$c]}" ] || fail "cannot find the client port of fd $c"
	sent[$c]=0 got[$c]=0
done
line_in() {     # reads one answer line from fd $1 into $line, counting its bytes
	IFS= read -r -t 5 line <&"$1" || return 1
	got[$1]=$((got[$1] + ${#line} + 1))
}
for i in $(seq 20); do
	for c in 3 4; do
		v="value-$c-$i"
		sleep 0.01      # the worker is back in epoll_wait: every request is a wake
		printf -v req 'set k%s 0 0 %d\r\n%s\r\n' "$c$i" ${#v} "$v"
		printf '%s' "$req" >&$c
		sent[$c]=$((sent[$c] + ${#req}))
		line_in $c || fail "no answer to set"
		[ "${line%$'\r'}" = STORED ] || fail "set answered '$line'"
		sleep 0.01
		printf -v req 'get k%s\r\n' "$c$i"
		printf '%s' "$req" >&$c
		sent[$c]=$((sent[$c] + ${#req}))
		line_in $c && l1=$line && line_in $c && l2=$line && line_in $c && l3=$line \
			|| fail "no answer to get"
		[ "${l2%$'\r'}" = "$v" ] && [ "${l3%$'\r'}" = END ] || fail "get answered '$l1' '$l2' '$l3'"
	done
done
exec 3>&- 4>&-
note "client ports ${cport[3]} ${cport[4]}: sent ${sent[3]} ${sent[4]} bytes, received ${got[3]} ${got[4]}"
sleep 0.5
# $runner is run_app's subshell: stop memcached itself (its pid file)
wait_for_file "$T/out/mc.pid" 5 || fail "memcached wrote no pid file"
kill -TERM "$(cat "$T/out/mc.pid")"
wait "$runner"
st=$?
[ $st = 0 ] || [ $st = 143 ] || { cat "$T/mc.log" >&2; fail "cprof-run/memcached exited with $st"; }
[ -s "$T/out/mc.out" ] || { cat "$T/mc.log" >&2; fail "no trace written"; }

# ---- the trace ----
mkdir -p "$T/x" && tar xzf "$T/out/mc.out" -C "$T/x" || fail "trace does not unpack"
babeltrace2 "$T/x/ctf" >"$T/ev.txt" 2>"$T/bt.err" || { cat "$T/bt.err" >&2; fail "babeltrace2 cannot read the trace"; }
note "memcached trace: $(wc -l <"$T/ev.txt") events, $(grep -c 'cprof:net_wait:' "$T/ev.txt") net waits, $(grep -c 'cprof:fd_close:' "$T/ev.txt") socket closes"
grep -q 'cprof:process:.*memcached' "$T/ev.txt" || fail "no process event for memcached"
# epoll waits (libevent), kind net_poll, op epoll_wait, with a stack
grep -Eq 'cprof:net_wait:.*kind = 24, op = 20, fd = [0-9]+, result = [1-9].*_stack_length = [1-9]' "$T/ev.txt" \
	|| fail "no epoll_wait that returned events, with a stack"
for c in 3 4; do
	p=${cport[$c]}
	# the accepted connection whose peer is this client's port ...
	fd=$(grep -E "cprof:fd_info:.*origin = 2, family = 2, sotype = 1, local = \"127\.0\.0\.1:$port\", peer = \"127\.0\.0\.1:$p\"" \
		"$T/ev.txt" | sed -n 's/.*{ fd = \([0-9]*\),.*/\1/p' | tail -1)
	[ -n "$fd" ] || fail "no accepted connection with peer 127.0.0.1:$p"
	# ... closed with exactly the bytes this client sent (in) and received (out)
	close=$(awk -v fd="$fd" -v p="$p" '
		/cprof:fd_info:/ && $0 ~ "fd = " fd "," { mine = ($0 ~ "peer = \"127\\.0\\.0\\.1:" p "\"") }
		/cprof:fd_close:/ && $0 ~ "fd = " fd "," && mine { print; exit }' "$T/ev.txt")
	[ -n "$close" ] || fail "no close of the connection from port $p (fd $fd)"
	echo "$close" | grep -Eq "op = 22, err = 0, bytes_in = ${sent[$c]}, bytes_out = ${got[$c]}, " \
		|| fail "connection from port $p: client sent ${sent[$c]} and received ${got[$c]} bytes, trace says: ${close#*\{ fd}"
done

# ---- the database ----
"$B/converter/cprof-convert" -q "$T/out/mc.out" -o "$T/mc.db" || fail "conversion failed"
q() { sqlite3 -batch -noheader "$T/mc.db" "$1"; }
note "threads: $(q "SELECT group_concat(tid || ':' || coalesce(name, '?'), ' ') FROM thread")"
note "net states: $(q "SELECT group_concat(r, ' ') FROM (SELECT reason || '=' || count(*) AS r FROM thread_state WHERE state = 'net' GROUP BY reason)")"
note "epoll_wait wakes per thread: $(q "SELECT group_concat(r, ' ') FROM (SELECT t.tid || ':' || count(*) AS r
	FROM net_io n JOIN thread t ON t.utid = n.utid WHERE n.op = 'epoll_wait' AND n.result > 0 GROUP BY n.utid)")"
# every connection is named after its peer: the client's two ports
for c in 3 4; do
	n=$(q "SELECT count(*) FROM sync_object WHERE kind = 'socket'
		AND name LIKE 'fd % 127.0.0.1:$port → 127.0.0.1:${cport[$c]}'")
	[ "$n" = 1 ] || fail "no sync_object naming the connection from 127.0.0.1:${cport[$c]} (got $n)"
done
# ... and closed with exactly the bytes that client sent and received, the
# only per-connection traffic of an event loop (net_connection)
for c in 3 4; do
	n=$(q "SELECT bytes_in || ' ' || bytes_out FROM net_connection
		WHERE peer = '127.0.0.1:${cport[$c]}' AND local = '127.0.0.1:$port'")
	[ "$n" = "${sent[$c]} ${got[$c]}" ] \
		|| fail "net_connection for 127.0.0.1:${cport[$c]}: '$n', the client sent ${sent[$c]} and received ${got[$c]}"
done
# non-blocking sockets: reads, writes and accepts are never waits
n=$(q "SELECT count(*) FROM thread_state WHERE state = 'net' AND reason IN ('net_read', 'net_write', 'net_accept', 'net_connect')")
[ "$n" = 0 ] || fail "$n read/write/accept waits on memcached's non-blocking sockets"
# the workers wait in epoll_wait: each of the two serving workers is woken
# once per request of its connection (40, +2: the new connection, its
# close), every wake a net_poll state on the epoll fd with its net_io row
# ending with it (the client pauses 10 ms before each request; a wake whose
# events were ready before epoll_wait was called is no wait - the
# zero-timeout probe - which a very loaded machine may still cause)
n=$(q "SELECT count(*) FROM (SELECT n.utid FROM net_io n JOIN thread t ON t.utid = n.utid
	WHERE n.op = 'epoll_wait' AND n.result > 0 AND t.tid != (SELECT pid FROM process LIMIT 1)
	GROUP BY n.utid HAVING count(*) BETWEEN 30 AND 60)")
[ "$n" -ge 2 ] || fail "expected 2 worker threads woken by epoll_wait 30-60 times each, got $n"
n=$(q "SELECT count(*) FROM net_io n WHERE n.op = 'epoll_wait' AND NOT EXISTS (SELECT 1 FROM thread_state s
	WHERE s.utid = n.utid AND s.state = 'net' AND s.reason = 'net_poll' AND s.ts + s.dur = n.ts + n.dur)")
[ "$n" = 0 ] || fail "$n epoll_wait calls in net_io without their net_poll state"
n=$(q "SELECT count(DISTINCT s.utid) FROM thread_state s JOIN net_io n ON n.utid = s.utid
	AND n.ts + n.dur = s.ts + s.dur AND n.op = 'epoll_wait' AND s.object_id IS NOT NULL
	WHERE s.state = 'net' AND s.reason = 'net_poll' AND s.dur > 0")
[ "$n" -ge 2 ] || fail "expected net_poll waits on an epoll object in >= 2 threads, got $n"
note "net_poll waits by waker: $(q "SELECT group_concat(r, ' ') FROM (SELECT t.tid || '<-' || coalesce(w.tid || ':' || w.name, '-') || '=' || count(*) AS r
	FROM thread_state s JOIN thread t ON t.utid = s.utid LEFT JOIN thread w ON w.utid = s.waker_utid
	WHERE s.state = 'net' AND s.reason = 'net_poll' GROUP BY s.utid, s.waker_utid)")"
# the main thread accepts each connection and hands it to a worker through
# the worker's notify eventfd or pipe: both workers' epoll waits name it
# their waker at least once (the waker of a pipe or eventfd write)
n=$(q "SELECT count(DISTINCT s.utid) FROM thread_state s JOIN thread w ON w.utid = s.waker_utid
	WHERE s.state = 'net' AND s.reason = 'net_poll' AND w.tid = (SELECT pid FROM process LIMIT 1)")
[ "$n" -ge 2 ] || fail "expected the epoll waits of 2 workers woken by the main thread's hand-over, got $n"
pass
