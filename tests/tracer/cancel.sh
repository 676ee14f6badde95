# cancel.sh: threads pthread_cancel'ed while blocked (cond_wait, sem_wait,
# read, recv, poll, sleep) or between lock and unlock, in a traced program:
# the program runs as untraced, and each cancelled wait is in the trace,
# ended when the thread was cancelled, result ECANCELED (125).  Waits
# reported whole at their end went unreported before (the unwind skipped
# their end): the threads showed as running.
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
app="$B/tests/tracer/cancel_app"
rounds=20
out=$(run_app timeout 60 "$app" $rounds) || fail "untraced: $out"
out=$(run_app timeout 60 env LD_PRELOAD="$B/tracer/libcprof-preload.so" CPROF_TRACE="$T/out/c.out" \
	"$app" $rounds 2>"$T/err") || { cat "$T/err" >&2; fail "traced: exit $? ($out)"; }
[ "$out" = "ok $rounds rounds" ] || fail "traced: $out"
"$B/converter/cprof-convert" -q -o "$T/out/c.db" "$T/out/c.out" || fail "the trace does not convert"
q() { sqlite3 -batch -noheader "$T/out/c.db" "$1"; }
# (a thread the cancel reaches before it blocks - a loaded machine - has no
# wait to report: at least 3/4 of them, never more than one per thread)
for want in "blocked cond $rounds" "blocked sem $rounds" "net net_poll $rounds" "net net_read $((2 * rounds))"; do
	set -- $want
	n=$(q "SELECT COUNT(*) FROM thread_state WHERE state = '$1' AND reason = '$2' AND result = 125")
	[ "$n" -ge $(($3 * 3 / 4)) ] && [ "$n" -le "$3" ] || fail "$2: $n cancelled waits recorded, want $3 at most, 3/4 of it at least ($(q "SELECT state, reason,
		result, COUNT(*) FROM thread_state WHERE state NOT IN ('running', 'unknown') GROUP BY 1, 2, 3" | tr '\n' ' '))"
done
# each ends where its thread ended
n=$(q "SELECT COUNT(*) FROM thread_state s JOIN thread t USING (utid) WHERE s.result = 125
	AND (t.end_ts IS NULL OR s.ts + s.dur > t.end_ts + 1000000)")
[ "$n" = 0 ] || fail "$n cancelled waits end after their thread"
pass
