# close_all_fds.sh MODE: a program that closes every fd it did not open (a
# close() loop, closefrom(3) or close_range(3, ~0U, 0), as daemons do) keeps
# running traced.  It used to take lttng-ust's shared-memory fds (an
# lttng-ust assertion aborted it), the whole-run trace's file (no trace) and
# the endpoint's socket (its thread then spun on EBADF, logging).
source "$CPROF_SRC/tests/lib/harness.sh"
TEST_NAME="close_all_fds $1"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
APP="$B/tests/tracer/closeall_app"
PRE="$B/tracer/libcprof-preload.so"
sessiond_start || fail "cannot start the test's session daemon"

# whole run: the program ends normally and the trace holds its mutex waits
run_app "$B/tracer/cprof-run" -o "$T/out/whole.out" -- "$APP" "$1" 0.5 >"$T/out.txt" 2>"$T/err.txt"
st=$?
[ $st = 0 ] || { cat "$T/err.txt" >&2; fail "traced run failed (exit $st)"; }
grep -q "^closed [0-9]*, counted [1-9]" "$T/out.txt" || fail "program output: $(cat "$T/out.txt")"
"$B/converter/cprof-convert" -q -o "$T/whole.db" "$T/out/whole.out" || fail "the trace does not convert"
waits=$(sqlite3 "$T/whole.db" "SELECT COUNT(*) FROM thread_state WHERE reason = 'mutex'")
[ "$waits" -gt 0 ] || fail "no mutex waits in the trace"
note "whole run: $(cat "$T/out.txt"), $waits mutex waits"

# endpoint: a capture after the program closed everything, and no error
# flood from the server thread
rm -f "$T/out/port"
run_app env LD_PRELOAD="$PRE" CPROF_HTTP=127.0.0.1:0 "$APP" "$1" 4 >"$T/out2.txt" 2>"$T/err2.txt" &
app=$!
for _ in $(seq 50); do grep -q "port [0-9]" "$T/err2.txt" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/err2.txt")
[ -n "$port" ] || { cat "$T/err2.txt" >&2; fail "the endpoint did not start"; }
sleep 0.5
code=$(curl -sS -o "$T/http.out" -w '%{http_code}' --max-time 20 \
	"http://127.0.0.1:$port/debug/pprof/trace?seconds=0.5") || true
wait $app
st=$?
[ $st = 0 ] || fail "the program failed under the endpoint (exit $st): $(tail -3 "$T/err2.txt")"
[ "$code" = 200 ] || fail "trace request after the program closed its fds: HTTP $code"
tar tzf "$T/http.out" >/dev/null || fail "the endpoint's trace.out is not an archive"
lines=$(wc -l <"$T/err2.txt")
[ "$lines" -le 3 ] || { head -5 "$T/err2.txt" >&2; fail "$lines lines on stderr"; }
pass
