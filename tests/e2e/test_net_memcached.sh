#!/usr/bin/env bash
# An unmodified server from Debian (memcached: libevent, epoll, non-blocking
# sockets, worker threads) traced for its whole run by cprof-run and driven
# by a client on 127.0.0.1: same answers as untraced, and the trace holds
# its accepted connections with their peers, its epoll waits, and per
# connection byte counts at close.
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

# two connections, 20 set/get round trips each, answers checked
for c in 1 2; do
	exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "cannot connect"
	for i in $(seq 20); do
		v="value-$c-$i"
		printf 'set k%s 0 0 %d\r\n%s\r\n' "$c$i" ${#v} "$v" >&3
		IFS= read -r -t 5 line <&3 || fail "no answer to set"
		[ "${line%$'\r'}" = STORED ] || fail "set answered '$line'"
		printf 'get k%s\r\n' "$c$i" >&3
		IFS= read -r -t 5 l1 <&3 && IFS= read -r -t 5 l2 <&3 && IFS= read -r -t 5 l3 <&3 \
			|| fail "no answer to get"
		[ "${l2%$'\r'}" = "$v" ] && [ "${l3%$'\r'}" = END ] || fail "get answered '$l1' '$l2' '$l3'"
	done
	exec 3>&-
	sleep 0.2
done
sleep 0.3
# $runner is run_app's subshell: stop memcached itself (its pid file)
wait_for_file "$T/out/mc.pid" 5 || fail "memcached wrote no pid file"
kill -TERM "$(cat "$T/out/mc.pid")"
wait "$runner"
st=$?
[ $st = 0 ] || [ $st = 143 ] || { cat "$T/mc.log" >&2; fail "cprof-run/memcached exited with $st"; }
[ -s "$T/out/mc.out" ] || { cat "$T/mc.log" >&2; fail "no trace written"; }

mkdir -p "$T/x" && tar xzf "$T/out/mc.out" -C "$T/x" || fail "trace does not unpack"
babeltrace2 "$T/x/ctf" >"$T/ev.txt" 2>"$T/bt.err" || { cat "$T/bt.err" >&2; fail "babeltrace2 cannot read the trace"; }
note "memcached trace: $(wc -l <"$T/ev.txt") events, $(grep -c 'cprof:net_end:' "$T/ev.txt") net waits, $(grep -c 'cprof:fd_close:' "$T/ev.txt") socket closes"
grep -q 'cprof:process:.*memcached' "$T/ev.txt" || fail "no process event for memcached"
grep -Eq "cprof:fd_info:.*origin = 2, family = 2, sotype = 1, local = \"127\.0\.0\.1:$port\", peer = \"127\.0\.0\.1:[0-9]+\"" \
	"$T/ev.txt" || fail "no accepted connection with its peer"
n_acc=$(grep -Ec "cprof:fd_info:.*origin = 2, .*local = \"127\.0\.0\.1:$port\"" "$T/ev.txt")
[ "$n_acc" -ge 2 ] || fail "expected 2 accepted connections, saw $n_acc"
# epoll waits (libevent), kind net_poll, ended by net_end op epoll_wait
grep -Eq 'cprof:block_begin:.*kind = 24, .*_stack_length = [1-9]' "$T/ev.txt" || fail "no net_poll wait with a stack"
grep -Eq 'cprof:net_end:.*op = 20, fd = [0-9]+, result = [1-9]' "$T/ev.txt" || fail "no epoll_wait that returned events"
# each connection: 20 x (set + get) requests in, answers out, counted at close
grep -Eq 'cprof:fd_close:.*op = 22, err = 0, bytes_in = [4-9][0-9]{2,}, bytes_out = [4-9][0-9]{2,}' "$T/ev.txt" \
	|| fail "no connection close with its byte counts"
pass
