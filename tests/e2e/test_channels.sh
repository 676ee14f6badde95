#!/usr/bin/env bash
# Channels end to end: the channel pipeline and the thread-leak examples
# traced for their whole run, converted, and checked in the database:
# chan_send / select waits with the partner as waker, request tasks with
# their regions and logs, and leaked threads blocked on chan_send from right
# after their start to the end of the trace.
source "$(dirname "$0")/../lib/harness.sh"
conv="$B/converter/cprof-convert"
q() { sqlite3 -batch -noheader "$1" "$2"; }

run_app env CPROF_TRACE="$T/out/pipe.out" "$B/examples/cprof-example-chan-pipeline" --no-http --duration 1.5 \
	>"$T/pipe.log" 2>&1 || { cat "$T/pipe.log" >&2; fail "pipeline example failed"; }
"$conv" "$T/out/pipe.out" -o "$T/pipe.db" 2>"$T/conv.err" || { cat "$T/conv.err" >&2; fail "conversion failed"; }
db="$T/pipe.db"

n=$(q "$db" "SELECT count(*) FROM thread_state WHERE reason='chan_send'")
[ "$n" -gt 10 ] || fail "expected many chan_send waits (slow enricher), got $n"
n=$(q "$db" "SELECT count(*) FROM thread_state WHERE reason='select'")
[ "$n" -gt 10 ] || fail "expected select waits in the sink, got $n"
# a parser blocked sending into `parsed` is woken by the enricher
n=$(q "$db" "SELECT count(*) FROM thread_state s JOIN thread t ON t.utid=s.utid
	JOIN thread w ON w.utid=s.waker_utid
	WHERE s.reason='chan_send' AND t.name='parser' AND w.name LIKE 'enricher%'")
[ "$n" -gt 0 ] || fail "no chan_send wait of a parser woken by the enricher"
# the channel's name given at creation names the object
n=$(q "$db" "SELECT count(*) FROM thread_state s JOIN sync_object o ON o.id=s.object_id
	WHERE s.reason='chan_send' AND o.name IN ('raw','parsed','enriched')")
[ "$n" -gt 0 ] || fail "channel names missing on chan_send waits"

# tasks, regions and logs (Go's runtime/trace annotations)
n=$(q "$db" "SELECT count(*) FROM task k JOIN thread b ON b.utid=k.begin_utid JOIN thread e ON e.utid=k.end_utid
	WHERE k.type='request' AND b.name='producer' AND e.name='sink' AND k.dur > 0")
delivered=$(sed -n 's/^delivered \([0-9]*\) items/\1/p' "$T/pipe.log")
[ "$n" -ge "$delivered" ] && [ "$n" -gt 0 ] || fail "expected $delivered request tasks from producer to sink, got $n"
n_tasks=$(q "$db" "SELECT count(*) FROM task WHERE type='request' AND dur >= 0")
for r in parse enrich; do
	n=$(q "$db" "SELECT count(*) FROM slice s JOIN track t ON t.id=s.track_id JOIN thread th ON th.utid=t.utid
		JOIN args a ON a.arg_set_id=s.arg_set_id AND a.key='task'
		JOIN task k ON k.id=a.int_value
		WHERE s.category='region' AND s.name='$r' AND s.dur > 0")
	[ "$n" -ge "$delivered" ] || fail "expected >= $delivered '$r' regions tied to their tasks, got $n"
done
# the enricher's regions are its slow call: about 2 ms each
avg=$(q "$db" "SELECT CAST(avg(dur)/1000 AS INTEGER) FROM slice WHERE category='region' AND name='enrich'")
[ "$avg" -ge 1900 ] || fail "enrich regions average $avg us, expected >= 2 ms"
n=$(q "$db" "SELECT count(*) FROM slice WHERE category='log' AND name LIKE 'progress: % items in the last tick'")
[ "$n" -ge 5 ] || fail "expected the sink's progress logs, got $n"

# the viewer's task and region analyses (go tool trace's /usertasks, /userregions)
source "$SRC/tests/viewer/lib.sh"
start_viewer "$db"
get /api/tasks >"$T/tasks.json"
[ "$(cat "$T/status")" = 200 ] || fail "/api/tasks answered $(cat "$T/status")"
grep -q "\"name\":\"request\",\"count\":$n_tasks," "$T/tasks.json" || fail "/api/tasks: $(head -c 300 "$T/tasks.json")"
get /api/regions >"$T/regions.json"
grep -q '"name":"enrich"' "$T/regions.json" && grep -q '"name":"parse"' "$T/regions.json" \
	&& ! grep -q '"name":"progress' "$T/regions.json" || fail "/api/regions: $(head -c 300 "$T/regions.json")"
# the slowest request tasks, each with its parse and enrich regions
get "/api/task_list?type=request" >"$T/task_list.json"
grep -q '"begin_thread":"producer","end_utid":[0-9]*,"end_thread":"sink","regions":\[{[^]]*"name":"parse"[^]]*"name":"enrich"' \
	"$T/task_list.json" || fail "/api/task_list: $(head -c 400 "$T/task_list.json")"
# logs are searchable
get "/api/search?q=in%20the%20last%20tick" >"$T/search.json"
grep -q '"name":"progress: [0-9]* items in the last tick"' "$T/search.json" || fail "log search: $(head -c 300 "$T/search.json")"

run_app env CPROF_TRACE="$T/out/leak.out" "$B/examples/cprof-example-leak" --no-http --duration 1.5 \
	>"$T/leak.log" 2>&1 || { cat "$T/leak.log" >&2; fail "leak example failed"; }
leaked=$(sed -n 's/.*leaked \([0-9]*\) threads/\1/p' "$T/leak.log")
"$conv" "$T/out/leak.out" -o "$T/leak.db" 2>"$T/conv.err" || { cat "$T/conv.err" >&2; fail "conversion failed"; }
db="$T/leak.db"
# leaked helpers: their last state is a chan_send wait lasting to the trace end,
# begun within 50 ms of the thread's start
stuck=$(q "$db" "SELECT count(*) FROM thread t JOIN thread_state s ON s.utid=t.utid
	WHERE t.name='lookup-helper' AND s.reason='chan_send'
	AND s.ts + s.dur >= (SELECT max(ts+dur) FROM thread_state) - 1000000
	AND s.ts - t.start_ts < 50000000")
note "leak example reported $leaked leaked threads; database shows $stuck blocked to the end"
[ -n "$leaked" ] && [ "$leaked" -ge 3 ] || fail "the example leaked too few threads ($leaked) to test"
[ "$stuck" -ge $((leaked * 8 / 10)) ] || fail "only $stuck of $leaked leaked threads are blocked on chan_send to the end"
# the leak analysis lists them (view and viewer API)
n=$(q "$db" "SELECT count(*) FROM thread_blocked_at_end WHERE name='lookup-helper' AND reason='chan_send'
	AND since_start_ns < 50000000")
[ "$n" -ge "$stuck" ] || fail "thread_blocked_at_end lists $n lookup-helpers, expected $stuck"
kill "$VIEW_PID" 2>/dev/null
start_viewer "$db"
get /api/blocked_at_end >"$T/blocked.json"
n=$(grep -o '"name":"lookup-helper","state":"blocked","reason":"chan_send","object":"lookup-reply"' "$T/blocked.json" | wc -l)
[ "$n" -ge "$stuck" ] || fail "/api/blocked_at_end lists $n leaked helpers: $(head -c 300 "$T/blocked.json")"
pass
