#!/usr/bin/env bash
# A thread state of zero length sharing its ts with the thread's next state
# (the converter writes one for a wait whose end is the trace's first
# event): the viewer builds its timeline index all the same (it failed with
# "UNIQUE constraint failed: lod.utid, lod.shift, lod.ts" on a real demo
# trace), the timeline and the breakdown answer, and the state is counted.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/lib.sh"
command -v node >/dev/null || skip "node is needed to parse JSON (install nodejs)"
db="$T/out/z.db"
make_db "$db" 5000 4
# zero-length waits at the ts of states of threads 2 and 3 long enough to
# stand alone at every level of the index
n=$(sqlite3 "$db" "SELECT count(*) FROM thread_state WHERE utid IN (2, 3) AND dur >= 100000")
[ "$n" -ge 6 ] || fail "the generated database has too few long states ($n)"
sqlite3 "$db" "INSERT INTO thread_state (ts, dur, utid, state, reason)
	SELECT ts, 0, utid, 'blocked', 'cond' FROM thread_state WHERE utid = 2 AND dur >= 100000
	ORDER BY ts LIMIT 5;
	INSERT INTO thread_state (ts, dur, utid, state, reason)
	SELECT ts, 0, utid, 'blocked', 'barrier' FROM thread_state WHERE utid = 3 AND dur >= 100000
	ORDER BY ts LIMIT 5;" || fail "cannot add the zero-length states"
start_viewer "$db"
wait_indexed
[ -f "$db.view-cache" ] || fail "no timeline index: $(cat "$T/viewer.err")"
grep -q "index failed" "$T/viewer.err" && fail "the index failed: $(cat "$T/viewer.err")"
b="$T/body"
expect_status 200 /api/summary
dur=$(json j.duration_ns "$b")
expect_status 200 "/api/timeline?utids=2,3&t0=0&t1=$dur&width=800"
json 'j.tracks.length === 2 && j.tracks.every(t => t.segs.length > 0)' "$b" | grep -q true ||
	fail "timeline: $(head -c 300 "$b")"
expect_status 200 /api/breakdown
json 'JSON.stringify(j).includes("barrier")' "$b" | grep -q true ||
	fail "the zero-length barrier wait is not counted in the breakdown: $(head -c 400 "$b")"
pass
