#!/usr/bin/env bash
# The scripted gen_events scenario (fixtures/scenario.trace.out) converts to
# the database the script implies: tiling, wakers, names, stacks, objects.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/lib.sh"

db="$T/out/scenario.db"
"$CONVERT" -o "$db" "$FIX/scenario.trace.out" 2>"$T/err" || { cat "$T/err" >&2; fail "conversion failed"; }
check_tiling "$db"

expect_eq "threads" "$(q "$db" "SELECT COUNT(*) FROM thread")" 6
expect_eq "events" "$(q "$db" "SELECT int_value FROM metadata WHERE name = 'event_count'")" 53
expect_eq "schema_version" "$(q "$db" "SELECT int_value FROM metadata WHERE name = 'schema_version'")" 1
q "$db" "SELECT str_value FROM metadata WHERE name = 'exe'" | grep -q gen_events || fail "metadata exe"
expect_eq "cmdline" "$(q "$db" "SELECT cmdline FROM process")" "gen_events --scenario"
# a reused tid gets a second utid
expect_eq "tid reuse" "$(q "$db" "SELECT COUNT(DISTINCT utid) || ' ' || COUNT(DISTINCT tid) FROM thread
	WHERE name IN ('worker-1', 'worker-1-reborn')")" "2 1"
expect_eq "name history of main" "$(q "$db" "SELECT group_concat(n.name, ',') FROM thread_name n
	JOIN thread t USING (utid) WHERE t.is_main_thread ORDER BY n.ts")" "gen,gen-main"
expect_eq "renamed by another thread" "$(q "$db" "SELECT COUNT(*) FROM thread WHERE name = 'worker-2b'")" 1
expect_eq "creator and routine" "$(q "$db" "SELECT c.name || ' ' || t.start_routine || ' ' ||
	(t.create_callsite_id IS NOT NULL) FROM thread t JOIN thread c ON c.utid = t.creator_utid
	WHERE t.name = 'worker-1'")" "gen-main gen_worker_main 1"

# wakers: the contended mutex twice, the cond, the channel (target_tid), joins
expect_eq "queue_lock wakers" "$(q "$db" "SELECT group_concat(w.name, ',') FROM (SELECT s.waker_utid
	FROM thread_state s JOIN sync_object o ON o.id = s.object_id WHERE o.name = 'queue_lock' ORDER BY s.ts) x
	JOIN thread w ON w.utid = x.waker_utid")" "gen-main,pre-waiter"
expect_eq "flows" "$(q "$db" "SELECT COUNT(*) FROM flow f JOIN thread_state s ON s.id = f.thread_state_in
	WHERE s.waker_utid = f.utid_out AND s.ts + s.dur = f.ts_in AND s.waker_ts = f.ts_out")" 8
expect_eq "channel waker" "$(q "$db" "SELECT w.name FROM thread_state s JOIN thread w ON w.utid = s.waker_utid
	WHERE s.reason = 'chan_recv'")" "worker-2b"
expect_eq "join wakers" "$(q "$db" "SELECT group_concat(w.name, ',') FROM (SELECT waker_utid FROM thread_state
	WHERE reason = 'join' ORDER BY ts) x JOIN thread w ON w.utid = x.waker_utid")" "worker-2b,worker-1-reborn"
expect_eq "timed out wait" "$(q "$db" "SELECT result || ' ' || COALESCE(waker_utid, 'none') FROM thread_state
	WHERE reason = 'cond' AND result != 0")" "110 none"
expect_eq "states" "$(q "$db" "SELECT group_concat(state || ':' || reason, ',') FROM (SELECT DISTINCT state, reason
	FROM thread_state WHERE reason IS NOT NULL ORDER BY state, reason)")" \
	"blocked:chan_recv,blocked:cond,blocked:join,blocked:mutex,blocked:rwlock_write,net:net_read,sleep:sleep,syscall:syscall"

# the status dump: pre-waiter was blocked on boot_cond 5 ms before its status
expect_eq "initial wait" "$(q "$db" "SELECT s.state || ' ' || s.reason || ' ' || o.name || ' ' ||
	(s.dur > 5000000) FROM thread_state s JOIN thread t USING (utid) JOIN sync_object o ON o.id = s.object_id
	WHERE t.name = 'pre-waiter' ORDER BY s.ts LIMIT 1")" "blocked cond boot_cond 1"
# a thread first seen mid-trace without a status: unknown until then
expect_eq "unknown start" "$(q "$db" "SELECT s.state || ' ' || (s.ts = (SELECT int_value FROM metadata
	WHERE name = 'trace_start')) FROM thread_state s JOIN thread t USING (utid) WHERE t.name IS NULL
	ORDER BY s.ts LIMIT 1")" "unknown 1"

# objects: user name, then global symbol, then the joined thread
expect_eq "object names" "$(q "$db" "SELECT group_concat(name || '/' || name_source, ',') FROM (SELECT * FROM
	sync_object WHERE name IS NOT NULL ORDER BY name)")" \
	"boot_cond/symbol,gen_rwlock/symbol,queue_lock/user,timed_cond/symbol,work_chan/symbol,work_cond/symbol,worker-1-reborn/thread,worker-2b/thread"

# stacks: the generator's functions, innermost at the leaf, outermost at depth 0
for f in queue_pop wait_for_work read_request join_worker gen_worker_main spawn_worker main; do
	[ "$(q "$db" "SELECT COUNT(*) FROM stack_profile_frame WHERE name GLOB '$f*'")" -ge 1 ] ||
		fail "function $f missing from the symbolized frames"
done
expect_eq "mutex stack" "$(q "$db" "WITH RECURSIVE up(id, depth, frame_id, parent_id) AS (
	SELECT c.id, c.depth, c.frame_id, c.parent_id FROM stack_profile_callsite c WHERE c.id = (SELECT callsite_id
	FROM thread_state WHERE reason = 'mutex' LIMIT 1)
	UNION ALL SELECT c.id, c.depth, c.frame_id, c.parent_id FROM stack_profile_callsite c JOIN up ON c.id = up.parent_id)
	SELECT group_concat(f.name, '<') FROM (SELECT * FROM up ORDER BY depth DESC) u
	JOIN stack_profile_frame f ON f.id = u.frame_id WHERE f.name IS NOT NULL")" \
	"queue_pop.isra.0<do_block<play<run_steps<gen_worker_main"
expect_eq "roots at depth 0" "$(q "$db" "SELECT COUNT(*) FROM stack_profile_callsite WHERE (depth = 0) != (parent_id IS NULL)")" 0
expect_eq "frames in a mapping" "$(q "$db" "SELECT COUNT(*) FROM stack_profile_frame WHERE mapping IS NULL")" 0

# the analysis views answer
expect_eq "breakdown sums" "$(q "$db" "SELECT COUNT(*) FROM thread_breakdown WHERE total_dur != running_dur + sync_dur
	+ net_dur + syscall_dur + sleep_dur + unknown_dur")" 0
expect_eq "top object" "$(q "$db" "SELECT name FROM blocking_by_object ORDER BY total_dur DESC LIMIT 1")" "boot_cond"
# one pass over thread_state, whatever the number of objects (no index on
# object_id: a join-first view would scan it once per object)
expect_eq "object view plan" "$(q "$db" "EXPLAIN QUERY PLAN SELECT * FROM blocking_by_object" |
	grep -c 'SCAN thread_state')" 1
expect_eq "object view totals" "$(q "$db" "SELECT SUM(count) = (SELECT COUNT(*) FROM thread_state
	WHERE object_id IS NOT NULL) FROM blocking_by_object")" 1
expect_eq "callsite view" "$(q "$db" "SELECT SUM(count) FROM blocking_by_callsite")" 12
[ -z "$(ls -A "$T/out" | grep -v '^scenario.db$')" ] || fail "stray files next to the database"
pass
