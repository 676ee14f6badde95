# http_busy.sh [whole-run]: a trace request while a capture runs gets 409.
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
if [ "${1:-}" = whole-run ]; then
	# a whole-run trace (CPROF_TRACE) holds the tracer: HTTP gets 409
	TEST_NAME="http_busy whole-run"
	start_app CPROF_TRACE="$T/out/whole.out"
	get "/debug/pprof/trace?seconds=0.2"
	expect_code 409
	grep -q "tracing already enabled" "$T/body" || fail "409 body: $BODY"
	pass
fi
start_app
curl -sS -o "$T/first.out" -w '%{http_code}' --max-time 30 \
	"http://$HOST:$PORT/debug/pprof/trace?seconds=3" >"$T/first.code" 2>"$T/first.err" &
first=$!
# wait until the first capture holds the tracer (the session exists)
for _ in $(seq 100); do
	[ -S "$T/home/.lttng/client-lttng-sessiond" ] &&
		has_session && break
	sleep 0.1
done
# the endpoint keeps answering while a trace runs
t=$(curl -sS -o /dev/null -w '%{time_total}' --max-time 5 "http://$HOST:$PORT/debug/pprof/") ||
	fail "index request during a trace failed"
note "index answered in $t s during a trace"
get "/debug/pprof/trace?seconds=1"
expect_code 409
grep -q "tracing already enabled" "$T/body" || fail "409 body: $BODY"
wait "$first"
[ "$(cat "$T/first.code")" = 200 ] || fail "first request: $(cat "$T/first.code" "$T/first.err")"
pass
