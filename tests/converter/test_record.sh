#!/usr/bin/env bash
# Records gen_events live (lttng CLI, private session daemon) and converts
# it: the converter keeps up with the current event catalog, not only with
# the committed fixtures.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/lib.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-tools is not installed"

for attempt in 1 2 3 4 5; do
	"$SRC/tests/converter/record.sh" "$CPROF_BUILD/tests/converter/gen_events" "$T/live.trace.out" \
		2>"$T/rec.err"
	st=$?
	[ $st = 3 ] && { note "attempt $attempt: $(grep 'late wake' "$T/rec.err")"; continue; }
	[ $st = 0 ] || { cat "$T/rec.err" >&2; fail "recording failed"; }
	break
done
[ $st = 0 ] || fail "the scenario's late wakes missed their window 5 times"
"$CONVERT" -o "$T/live.db" "$T/live.trace.out" 2>"$T/err" || { cat "$T/err" >&2; fail "conversion failed"; }
check_tiling "$T/live.db"
expect_eq "threads" "$(q "$T/live.db" "SELECT COUNT(*) FROM thread")" 6
expect_eq "flows" "$(q "$T/live.db" "SELECT COUNT(*) FROM flow")" 12
# the wake that came after worker-2b had resumed still names its waker, its
# time clamped to the end of the wait (converter/model.c, late wakes)
# (the waker is gen_events' unnamed fourth thread, the only one besides
# gen-main that never blocks on the mutex)
expect_eq "late wake" "$(q "$T/live.db" "SELECT (w.utid NOT IN (s.utid, 1)) || ' ' || (s.waker_ts = s.ts + s.dur)
	FROM thread_state s JOIN thread t ON t.utid = s.utid JOIN thread w ON w.utid = s.waker_utid
	WHERE t.name = 'worker-2b' AND s.reason = 'mutex'")" "1 1"
expect_eq "late wakes counted" "$(q "$T/live.db" "SELECT value FROM stats WHERE name = 'late_wakes'")" 2
# the second came after its wakee's thread_end: the last mutex wait of
# worker-1-reborn still names it, the same waker as worker-2b's
expect_eq "late wake after thread end" "$(q "$T/live.db" "SELECT s.waker_utid = (SELECT s2.waker_utid
		FROM thread_state s2 JOIN thread t2 ON t2.utid = s2.utid WHERE t2.name = 'worker-2b' AND s2.reason = 'mutex'
		AND s2.waker_ts = s2.ts + s2.dur)
	FROM thread_state s JOIN thread t ON t.utid = s.utid
	WHERE t.name = 'worker-1-reborn' AND s.reason = 'mutex' ORDER BY s.ts DESC LIMIT 1")" 1
# waits reported whole (cprof:sync_wait, gen_events' SYNC steps): placed
# end_ago_ns before the event, their waker named by the event
expect_eq "whole wait" "$(q "$T/live.db" "SELECT s.dur || ' ' || w.name || ' ' || (s.ts + s.dur - s.waker_ts)
	FROM thread_state s JOIN thread t ON t.utid = s.utid JOIN thread w ON w.utid = s.waker_utid
	WHERE t.name = 'worker-1-reborn' AND s.reason = 'mutex' AND s.dur = 200000")" "200000 gen-main 50000"
expect_eq "whole wait's stack" "$(q "$T/live.db" "SELECT COUNT(*) FROM thread_state s
	JOIN thread t ON t.utid = s.utid JOIN stack_profile_callsite c ON c.id = s.callsite_id
	JOIN stack_profile_frame f ON f.id = c.frame_id
	WHERE t.name = 'worker-1-reborn' AND s.dur = 200000 AND f.name GLOB 'lock_table*'")" 1
expect_eq "whole wait written for another thread" "$(q "$T/live.db" "SELECT s.reason || ' ' || s.dur || ' ' || w.name
	FROM thread_state s JOIN thread t ON t.utid = s.utid JOIN thread w ON w.utid = s.waker_utid
	WHERE t.tid = (SELECT tid FROM thread WHERE utid = s.utid) AND s.dur = 150000")" "cond 150000 pre-waiter"
# the open report of that wait (same gen) is void; the other one lasts to
# the end of the trace, with the stack of its cprof:status_stack
expect_eq "open report voided" "$(q "$T/live.db" "SELECT COUNT(*) FROM thread_state s
	WHERE s.utid = (SELECT utid FROM thread_state WHERE dur = 150000) AND s.reason = 'cond'")" 1
expect_eq "open whole wait" "$(q "$T/live.db" "SELECT s.reason || ' ' || (s.ts + s.dur = (SELECT MAX(ts + dur) FROM thread_state))
	|| ' ' || (s.callsite_id IS NOT NULL)
	FROM thread_state s JOIN thread t ON t.utid = s.utid WHERE t.name = 'pre-waiter'
	ORDER BY s.ts DESC LIMIT 1")" "mutex 1 1"
# a thread whose first event ends a wait (no status): waiting from the trace start
expect_eq "wait from before the status" "$(q "$T/live.db" "SELECT s.state || ' ' || s.reason || ' ' ||
	(s.ts = (SELECT int_value FROM metadata WHERE name = 'trace_start'))
	FROM thread_state s JOIN thread t USING (utid) WHERE t.name IS NULL ORDER BY s.ts LIMIT 1")" "blocked sem 1"
expect_eq "counted" "$(q "$T/live.db" "SELECT value FROM stats WHERE name = 'wait_before_status'")" 1
[ "$(q "$T/live.db" "SELECT COUNT(*) FROM stack_profile_frame WHERE name GLOB 'queue_pop*'")" -ge 1 ] ||
	fail "generator functions missing from the frames"
pass
