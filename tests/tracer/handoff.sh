# handoff.sh: a mutex handed from one thread to another on one CPU, where
# the woken thread often runs before the unlock that woke it returns: every
# handoff wait names the thread that unlocked.  (Measured with a build that
# named the wakee after the unlock: 60 of 150 waits had a waker.  The unlock
# names it before the call.)
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
app="$B/tests/tracer/handoff_app"
rounds=150
out=$(run_app timeout 60 env LD_PRELOAD="$B/tracer/libcprof-preload.so" CPROF_TRACE="$T/out/h.out" \
	"$app" $rounds 2>"$T/err") || { cat "$T/err" >&2; fail "traced: exit $? ($out)"; }
[ "$out" = "ok $rounds rounds" ] || fail "traced: $out"
"$B/converter/cprof-convert" -q -o "$T/out/h.db" "$T/out/h.out" || fail "the trace does not convert"
q() { sqlite3 -batch -noheader "$T/out/h.db" "$1"; }
res=$(q "SELECT COUNT(*), COUNT(w.utid), SUM(w.name = 'giver') FROM thread_state s
	JOIN thread t ON t.utid = s.utid LEFT JOIN thread w ON w.utid = s.waker_utid
	WHERE t.name = 'taker' AND s.reason = 'mutex'")
note "taker's mutex waits, with a waker, naming giver: $res"
IFS='|' read -r n named giver <<<"$res"
# (a round where the taker had not blocked yet - a loaded machine - has no wait)
[ "$n" -ge $((rounds * 9 / 10)) ] && [ "$n" -le $rounds ] || fail "$n handoff waits, want $rounds (9/10 at least)"
[ "$named" = "$n" ] && [ "$giver" = "$n" ] || fail "of $n handoff waits, $named have a waker, $giver name giver"
pass
