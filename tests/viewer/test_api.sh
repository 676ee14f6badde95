#!/usr/bin/env bash
# Every endpoint of the JSON API on a generated trace database: documents,
# bounded timeline answers, argument errors, the read-only SQL endpoint
# (writes, ATTACH, writable pragmas, extensions, time bound, paging), gzip,
# the Host check and path traversal attempts on the static files.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/lib.sh"
command -v node >/dev/null || skip "node is needed to parse JSON (install nodejs)"

db="$T/out/api.db"
make_db "$db" 30000 8
sum=$(md5sum <"$db")
start_viewer "$db"
case "$URL" in http://127.0.0.1:*) ;; *) fail "default address is not loopback: $URL" ;; esac

b="$T/body"
# The server answers at once; the timeline is sampled until its index is
# built in the background, and the analyses say they are coming (503).
expect_status 200 /api/threads
expect_status 200 "/api/timeline?utids=1,2,3&t0=0&t1=100000000&width=500"
get /api/breakdown >/dev/null
case "$(cat "$T/status")" in 200 | 503) ;; *) fail "breakdown while indexing: HTTP $(cat "$T/status")" ;; esac
wait_indexed
[ -f "$db.view-cache" ] || fail "no timeline index beside the database"
expect_status 200 /api/summary
[ "$(json j.lost_events "$b")" = 42 ] || fail "summary: lost events"
json 'j.metadata.find(m => m.name === "host").value' "$b" | grep -q testhost || fail "summary: metadata"
[ "$(json 'j.counts[0].threads' "$b")" = 8 ] || fail "summary: threads"
dur=$(json j.duration_ns "$b")

expect_status 200 /api/threads
[ "$(json 'j.threads.length' "$b")" = 8 ] || fail "threads: count"
[ "$(json 'j.threads[0].name' "$b")" = pipeline ] || fail "threads: main first"
json 'j.codes.map(c => c.state + ":" + c.reason).join(" ")' "$b" | grep -q "blocked:mutex" || fail "codes"

# Timeline: bounded by the pixel width, whatever the window.
for w in 10 200 1000; do
	expect_status 200 "/api/timeline?utids=1,2,3,4,5,6,7,8&t0=0&t1=$dur&width=$w"
	json "j.tracks.length === 8 && j.tracks.every(t => t.segs.length / 5 <= 2 * $w + 4)" "$b" | grep -q true ||
		fail "timeline width $w: not bounded: $(json 'j.tracks.map(t => t.segs.length / 5)' "$b")"
	json 'j.tracks[1].segs.length > 0' "$b" | grep -q true || fail "timeline: empty track"
done
# A narrow window gives single states (count 1) with their ids.
expect_status 200 "/api/timeline?utids=2&t0=1000000&t1=1200000&width=1000"
json 'j.tracks[0].segs.length >= 5 && j.tracks[0].segs[3] === 1' "$b" | grep -q true || fail "fine timeline"
# Gap-free: at full width the segments of a thread tile its window.
expect_status 200 "/api/timeline?utids=3&t0=0&t1=$dur&width=4000"
json 'j.tracks[0].segs.every((v, i, a) => i % 5 || i === 0 || a[i - 5] + a[i - 4] === v)' "$b" | grep -q true ||
	fail "timeline segments overlap or leave gaps"
expect_status 400 "/api/timeline?utids=1&t0=10&t1=5&width=100"
expect_status 400 "/api/timeline?utids=abc&t0=0&t1=5&width=100"
expect_status 400 "/api/timeline?utids=1&t0=0&t1=5&width=0"
expect_status 400 "/api/timeline?utids=1&t0=x&t1=5&width=10"

expect_status 200 "/api/slices?utids=2,5&t0=0&t1=$dur&width=1000"
json 'j.tracks.length === 2 && j.tracks.some(t => t.slices.some(s => s[4] === "process_item"))' "$b" |
	grep -q true || fail "slices"
expect_status 200 "/api/counters?t0=0&t1=$dur&width=500"
json 'j.counters.some(c => c.name === "threads" && c.pts.length >= 3)' "$b" | grep -q true || fail "counters"
expect_status 200 "/api/select?t0=0&t1=$dur"
json 'j.states.reduce((a, s) => a + s.dur, 0) > 0 && j.states.some(s => s.state === "blocked")' "$b" |
	grep -q true || fail "select"
expect_status 200 "/api/select?utids=2&t0=0&t1=$((dur / 2))"
[ "$(json j.threads "$b")" = 1 ] || fail "select: one thread"

# Details of a blocked state: object, waker, symbolized stack.
id=$("$VIEW" -sql "SELECT id FROM thread_state WHERE reason = 'mutex' AND waker_utid IS NOT NULL LIMIT 1" "$db" | tail -1)
expect_status 200 "/api/state?id=$id"
[ "$(json j.reason "$b")" = mutex ] || fail "state: reason"
json 'j.stack.map(f => f.name).join(",")' "$b" | grep -q "pthread_mutex_lock" || fail "state: stack"
json 'j.object.kind === "mutex" && j.waker.utid > 0' "$b" | grep -q true || fail "state: object/waker"
expect_status 404 "/api/state?id=999999999"
expect_status 400 "/api/state"

expect_status 200 /api/breakdown
json 'j.rows.filter(r => r.utid === 2).reduce((a, r) => a + r.total, 0) > 0' "$b" | grep -q true || fail "breakdown"
expect_status 200 /api/objects
[ "$(json 'j.objects[0].waiters.length > 0 && j.objects[0].total >= j.objects[1].total' "$b")" = true ] ||
	fail "objects"
expect_status 200 "/api/search?q=queue"
json 'j.objects.length === 3 && j.objects.every(o => o.state_id > 0)' "$b" | grep -q true || fail "search objects"
expect_status 200 "/api/search?q=worker"
[ "$(json 'j.threads.length' "$b")" -ge 2 ] || fail "search threads"
expect_status 400 "/api/search"
expect_status 200 /api/regions
json 'j.regions.some(r => r.name === "process_item" && r.count > 0 && r.p50 <= r.p99 && r.p99 <= r.max)' "$b" |
	grep -q true || fail "regions"
expect_status 200 /api/tables
json 'j.map(t => t.name).includes("thread_state")' "$b" | grep -q true || fail "tables"
for k in sync net syscall sleep sched; do
	expect_status 200 "/api/profile?kind=$k"
done
expect_status 200 "/api/profile?kind=sync"
json 'j.stacks.length > 0 && j.frames.some(f => f.name === "pthread_cond_wait")' "$b" | grep -q true || fail "profile"
expect_status 400 "/api/profile?kind=bogus"
expect_status 200 "/api/pprof?kind=net"
[ "$(head -c 2 "$b" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "pprof: not gzip"
expect_status 404 /api/nope

# SQL: results, paging, errors; every write is refused.
sql() { expect_status "$1" "/api/sql" -G --data-urlencode "q=$2" ${3:+--data-urlencode "$3"} ${4:+--data-urlencode "$4"}; }
sql 200 "SELECT utid, name FROM thread ORDER BY utid"
[ "$(json 'j.columns.join(",") + " " + j.rows.length' "$b")" = "utid,name 8" ] || fail "sql result"
sql 200 "SELECT id FROM thread_state ORDER BY id" "limit=10" "offset=20"
[ "$(json 'j.rows.length + " " + j.more + " " + j.rows[0][0]' "$b")" = "10 true 21" ] || fail "sql paging"
sql 400 "SELECT * FROM no_such_table"
json j.error "$b" | grep -q "no such table" || fail "sql error message"
for q in "INSERT INTO thread(utid, tid) VALUES (99, 1)" "DELETE FROM thread_state" "DROP TABLE thread" \
	"UPDATE thread SET name = 'x'" "CREATE TABLE x(a)" "ATTACH '$T/out/evil.db' AS evil" \
	"DETACH main" "PRAGMA writable_schema=1" "PRAGMA writable_schema = ON" "PRAGMA journal_mode=DELETE" \
	"SELECT load_extension('/nonexistent/x.so')" "VACUUM INTO '$T/out/copy.db'" \
	"SELECT 1; DELETE FROM thread" "WITH x AS (SELECT 1) INSERT INTO thread(utid, tid) SELECT 98, 1 FROM x" \
	"SELECT fts3_tokenizer('simple')" "BEGIN IMMEDIATE" "REINDEX"; do
	sql 400 "$q"
	json j.error "$b" | grep -qi "read-only\|denied\|not authorized\|one statement" ||
		fail "sql '$q': unexpected error $(cat "$b")"
done
sql 200 "PRAGMA table_info(thread)"
# Run time is bounded: an endless query is interrupted.
sql 408 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
json j.error "$b" | grep -q "time limit" || fail "sql time bound message"
[ "$(md5sum <"$db")" = "$sum" ] || fail "the database changed"
[ ! -e "$T/out/evil.db" ] && [ ! -e "$T/out/copy.db" ] || fail "SQL wrote a file"

# Static files: embedded, exact paths only; no traversal.
expect_status 200 /
grep -q 'app.js' "$b" || fail "index page"
expect_status 200 /app.js
for p in /../../../../etc/passwd /%2e%2e/%2e%2e/etc/passwd /..%2f..%2fetc%2fpasswd /app.js/../../etc/passwd \
	//etc/passwd /api/../../etc/passwd "/static/..%5c..%5cetc%5cpasswd" /viewer/main.c /etc/passwd \
	"/$(basename "$db")" /.view-cache; do
	get "$p" >/dev/null
	case "$(cat "$T/status")" in 400 | 403 | 404) ;; *) fail "$p: HTTP $(cat "$T/status")" ;; esac
	grep -q "root:" "$b" && fail "$p: served a system file"
	grep -q "SQLite format" "$b" && fail "$p: served the database"
done

# gzip when accepted; the Host check; GET only.
curl -s -D "$T/h" -o /dev/null -H 'Accept-Encoding: gzip' "${URL}api/threads"
grep -qi '^content-encoding: gzip' "$T/h" || fail "no gzip"
curl -s -D "$T/h" -o /dev/null "${URL}api/threads"
grep -qi '^content-encoding' "$T/h" && fail "gzip without Accept-Encoding"
expect_status 403 /api/summary -H 'Host: attacker.example:80'
expect_status 405 /api/summary -X POST
pass
