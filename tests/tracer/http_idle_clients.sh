# http_idle_clients.sh: clients that connect and never finish a request (a
# browser's keep-alive, a stuck script) do not lock trace requests out: with
# 12 of them open a trace is served, they are dropped after 10 s idle, and
# a capture longer than that (not idle) is not cut.  Before, the endpoint
# took 8 connections per address, kept idle ones 120 s, and refused the
# ninth: loopback clients all share one address.
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
start_app
idle=()
for _ in $(seq 12); do
	# a request line and one header, never the blank line that ends it
	( exec 3<>"/dev/tcp/$HOST/$PORT" && printf 'GET /debug/pprof/ HTTP/1.1\r\nHost: x\r\n' >&3 &&
		sleep 60 ) 2>/dev/null &
	idle+=($!)
done
sleep 0.5
get "/debug/pprof/trace?seconds=0.2"
expect_code 200
app=${BG_PIDS[0]}
threads() { ls "/proc/$app/task" | wc -l; }
with=$(threads)
# their connections go after 10 s without a byte; one capture runs longer
get "/debug/pprof/trace?seconds=10.5"
expect_code 200
tar tzf "$T/body" >/dev/null || fail "the 10.5 s capture is not a complete trace.out"
after=$(threads)
note "app threads: $with with the idle clients connected, $after 11 s later"
(( after <= with - 12 )) || fail "idle connections still held after 11 s: $with threads then $after"
kill "${idle[@]}" 2>/dev/null
pass
