# pipe_wait.sh: a thread blocked on a pipe read when a capture starts is in
# the status dump as waiting, and its wait ends when the byte comes: the
# trace shows it blocked on the read from the start until then (before, it
# showed as running).
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
out=$(run_app timeout 60 "$B/tests/tracer/pipe_wait" "$T/out/p.out" 2>"$T/err") ||
	{ cat "$T/err" >&2; fail "pipe_wait failed: $out"; }
[ "$out" = done ] || fail "pipe_wait says '$out'"
"$B/converter/cprof-convert" -q -o "$T/out/p.db" "$T/out/p.out" || fail "the trace does not convert"
q() { sqlite3 -batch -noheader "$T/out/p.db" "$1"; }
states=$(q "SELECT s.state || ' ' || COALESCE(s.reason, '-') || ' ' || (s.dur >= 250000000) FROM thread_state s
	JOIN thread t USING (utid) WHERE t.name = 'reader' ORDER BY s.ts" | tr '\n' ',')
note "reader: $states"
[ "${states%%,*}" = "net net_read 1" ] || fail "reader's first state is not a >= 250 ms pipe read wait: $states"
pass
