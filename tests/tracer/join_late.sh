# join_late.sh: a join wait that begins after the joined thread's
# cprof:thread_end (its thread-specific data destructors still running)
# names that thread as its waker in the database.
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
run_done join_late "$B/tests/tracer/join_late" "$T/out/t.out"
convert_db "$T/out/t.out" "$T/t.db"
got=$(sqlite3 "$T/t.db" "SELECT COALESCE(w.name, '-') || ' ' || (s.dur >= 50000000) || ' ' ||
	(s.waker_ts IS NOT NULL AND s.waker_ts >= s.ts AND s.waker_ts <= s.ts + s.dur)
	FROM thread_state s LEFT JOIN thread w ON w.utid = s.waker_utid WHERE s.reason = 'join'")
note "join wait: waker, 50 ms or more, waker time within the wait: $got"
[ -n "$got" ] || fail "no join wait: the thread was gone before the join (a very loaded machine?)"
[ "$got" = "ender 1 1" ] || fail "the join wait is '$got', not one of 50 ms or more woken by 'ender'"
pass
