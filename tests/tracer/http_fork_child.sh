# http_fork_child.sh: a program serving the endpoint (CPROF_HTTP) forks a
# child that outlives it.  The child must not keep the endpoint's listening
# socket: it did, and every request to the port hung unanswered (and the
# port stayed taken) until the child exited.
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
# (output to files: a $(...) would wait for the child, which keeps stdout)
run_app env LD_PRELOAD="$B/tracer/libcprof-preload.so" CPROF_HTTP=127.0.0.1:0 \
	"$B/tests/tracer/fork_exit_app" >"$T/out.txt" 2>"$T/err" </dev/null ||
	{ cat "$T/err" >&2; fail "the program failed"; }
child=$(sed -n 's/^child //p' "$T/out.txt")
[ -n "$child" ] || fail "no child pid printed"
BG_PIDS+=("$child")
PORT=$(sed -n 's/.*serving .* (port \([0-9]*\)).*/\1/p' "$T/err")
[ -n "$PORT" ] || { cat "$T/err" >&2; fail "no port announced"; }
kill -0 "$child" 2>/dev/null || fail "the child is not running"
t0=$(date +%s.%N)
curl -sS -o /dev/null --max-time 3 "http://127.0.0.1:$PORT/debug/pprof/" 2>"$T/curl.err"; st=$?
note "curl exit $st after $(echo "$(date +%s.%N) - $t0" | bc) s: $(cat "$T/curl.err")"
# refused (7), or reset (56) when it came while the child, not yet run,
# still held the socket: either way at once, not a timeout (28)
[ $st = 7 ] || [ $st = 56 ] ||
	fail "a request to the gone program's port got curl exit $st, want 7 (refused) or 56 (reset)"
pass
