# lib.sh: shared by the converter tests (sourced after tests/lib/harness.sh).
CONVERT="$CPROF_BUILD/converter/cprof-convert"
FIX="$SRC/tests/converter/fixtures"
[ -x "$CONVERT" ] || fail "cprof-convert is not built ($CONVERT)"
command -v sqlite3 >/dev/null || skip "the sqlite3 CLI is missing (apt-get install sqlite3)"

# q DB SQL: one query, rows on stdout (| separated)
q() { sqlite3 -batch -noheader "$1" "$2"; }

# expect_eq WHAT GOT WANT
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

# check_tiling DB: every thread's rows follow each other without gap or
# overlap, from its start (or the trace start) to its end (or the trace end).
check_tiling() {
	local db=$1 bad
	bad=$(q "$db" "WITH r AS (SELECT utid, ts, dur, LAG(ts + dur) OVER (PARTITION BY utid ORDER BY ts, id) AS prev_end
		FROM thread_state) SELECT COUNT(*) FROM r WHERE prev_end IS NOT NULL AND prev_end != ts")
	expect_eq "gaps or overlaps between consecutive states" "$bad" 0
	bad=$(q "$db" "SELECT COUNT(*) FROM thread_state WHERE dur < 0")
	expect_eq "negative durations" "$bad" 0
	bad=$(q "$db" "SELECT group_concat(t.utid) FROM thread t JOIN (SELECT utid, MIN(ts) s, MAX(ts + dur) e
		FROM thread_state GROUP BY utid) x ON x.utid = t.utid
		WHERE x.s != t.start_ts OR x.e != COALESCE(t.end_ts, (SELECT int_value FROM metadata WHERE name = 'trace_end'))")
	expect_eq "threads whose states do not cover their lifetime" "$bad" ""
}
