#!/usr/bin/env bash
# End to end: the demo service, a trace fetched over HTTP with curl, read
# back with babeltrace2: the expected threads, block events with reasons and
# stacks, wakers, and the status of a thread blocked since before the trace.
source "$(dirname "$0")/../lib/harness.sh"

start_app "$B/examples/cprof-example-service" --http 127.0.0.1:0 --port-file "$T/out/port" \
	>"$T/service.log" 2>&1
wait_for_file "$T/out/port" 20 || { cat "$T/service.log" >&2; fail "service did not start"; }
port=$(cat "$T/out/port")
sleep 0.3   # let the stuck thread block before the trace starts

code=$(curl -sS -o "$T/trace.out" -D "$T/headers" -w '%{http_code}' \
	"http://127.0.0.1:$port/debug/pprof/trace?seconds=1") || fail "curl failed"
[ "$code" = 200 ] || { cat "$T/trace.out" >&2; fail "status $code"; }
grep -qi '^content-disposition: attachment; filename="trace.out"' "$T/headers" || fail "no attachment header"
grep -qi '^x-cprof-discarded-events: [0-9]' "$T/headers" || fail "no discarded-events header"

# the service keeps working during and after the trace
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/debug/pprof/") || fail "index after trace"
[ "$code" = 200 ] || fail "index status $code after trace"

mkdir -p "$T/x" && tar xzf "$T/trace.out" -C "$T/x" || fail "trace.out does not unpack"
grep -q '^cprof-trace 1$' "$T/x/cprof/FORMAT" || fail "no format marker"
babeltrace2 "$T/x/ctf" >"$T/events.txt" 2>"$T/bt.err" || { cat "$T/bt.err" >&2; fail "babeltrace2 cannot read the CTF"; }
ev() { grep -c "cprof:$1:" "$T/events.txt"; }
note "events: $(wc -l <"$T/events.txt") total, sync_wait $(ev sync_wait), block_begin $(ev block_begin), wake $(ev wake), thread_status $(ev thread_status)"

grep -q 'cprof:process:.*cprof-example-service' "$T/events.txt" || fail "no process event"
grep -q 'cprof:module:' "$T/events.txt" || fail "no module events"
# status dump: the stuck thread waits on a condvar (kind 4) since before the trace
grep -E 'cprof:thread_status:.*name = "stuck-waiter".*wait_kind = 4,' "$T/events.txt" >/dev/null \
	|| fail "stuck-waiter not reported blocked on a condvar at trace start"
stuck_tid=$(sed -n 's/.*cprof:thread_status:.*{ tid = \([0-9]*\),.*name = "stuck-waiter".*/\1/p' "$T/events.txt" | head -1)
grep -E "cprof:status_stack:.*\{ tid = $stuck_tid, _stack_length = [1-9]" "$T/events.txt" >/dev/null \
	|| fail "no status_stack for the stuck-waiter (tid $stuck_tid)"
for w in worker-0 worker-1 producer-0 janitor; do
	grep -q "cprof:thread_status:.*name = \"$w\"" "$T/events.txt" || fail "thread $w missing from the status dump"
done
# contended mutex (kind 1) and condvar (kind 4) waits begun in the trace,
# each reported whole with its stack and its waker (cprof:sync_wait)
grep -E 'cprof:sync_wait:.*kind = 1, .*dur_ns = [1-9].*_stack_length = [1-9]' "$T/events.txt" >/dev/null \
	|| fail "no mutex wait with a duration and a stack"
grep -E 'cprof:sync_wait:.*kind = 4, .*_stack_length = [1-9]' "$T/events.txt" >/dev/null || fail "no condvar wait"
grep -E "cprof:sync_wait:.*kind = 1, .*waker_tid = [1-9]" "$T/events.txt" >/dev/null || fail "no mutex wait naming its waker"
grep -E 'cprof:sync_wait:.*kind = 4, .*waker_tid = [1-9]' "$T/events.txt" >/dev/null || fail "no condvar wait naming its waker"
! grep -E 'cprof:block_begin:.*kind = [14], ' "$T/events.txt" >/dev/null \
	|| fail "a mutex or condvar wait begun in the trace was recorded as block_begin/block_end"
# symbols travel with the trace
[ -s "$T/x/cprof/modules.tsv" ] || fail "no modules.tsv"
grep -rq 'worker_main' "$T/x/cprof/symbols/" || fail "the example's worker_main is not in the shipped symbols"

# and in the database: objects named by their global symbols, the stuck
# thread blocked on `never_signalled` from the first moment of the trace,
# contended mutex waits with a waker and a symbolized stack
"$B/converter/cprof-convert" -q "$T/trace.out" -o "$T/t.db" || fail "conversion failed"
q() { sqlite3 -batch -noheader "$T/t.db" "$1"; }
[ "$(q "SELECT count(*) FROM sync_object WHERE kind='mutex' AND name='table_lock'")" = 1 ] \
	|| fail "table_lock not named in sync_object"
n=$(q "SELECT count(*) FROM thread_state s JOIN thread t USING (utid) JOIN sync_object o ON o.id=s.object_id
	WHERE t.name='stuck-waiter' AND o.name='never_signalled' AND s.reason='cond'
	AND s.ts = (SELECT int_value FROM metadata WHERE name='trace_start')")
[ "$n" = 1 ] || fail "stuck-waiter is not blocked on never_signalled from the trace start"
# ... with the stack its wait had when it began, before the capture
# (cprof:status_stack): the frames reach stuck_main
n=$(q "WITH RECURSIVE up(id) AS (
		SELECT s.callsite_id FROM thread_state s JOIN thread t USING (utid)
		WHERE t.name='stuck-waiter' AND s.reason='cond'
		AND s.ts = (SELECT int_value FROM metadata WHERE name='trace_start')
		UNION ALL SELECT c.parent_id FROM stack_profile_callsite c JOIN up ON c.id=up.id
		WHERE c.parent_id IS NOT NULL)
	SELECT count(*) FROM up JOIN stack_profile_callsite c ON c.id=up.id
	JOIN stack_profile_frame f ON f.id=c.frame_id WHERE f.name='stuck_main'")
[ "$n" = 1 ] || fail "the stuck-waiter's wait from before the trace has no stack reaching stuck_main"
n=$(q "SELECT count(*) FROM thread_state s JOIN sync_object o ON o.id=s.object_id
	JOIN stack_profile_callsite c ON c.id=s.callsite_id JOIN stack_profile_frame f ON f.id=c.frame_id
	WHERE o.name='table_lock' AND s.waker_utid IS NOT NULL AND f.name IS NOT NULL")
[ "$n" -gt 0 ] || fail "no table_lock wait with a waker and a symbolized frame"
pass
