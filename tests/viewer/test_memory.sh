#!/usr/bin/env bash
# The memory endpoints on a generated database with a hand-made memory part
# (gen_db -m): allocation sites by each figure with exact estimates that
# agree with the heap profiles, the heap counter summary, the GC row
# (lanes, pixel merging, GC slices kept off the thread rows), one GC
# slice's details, and the MMU curve at chosen window lengths.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/lib.sh"
command -v node >/dev/null || skip "node is needed to parse JSON (install nodejs)"

db="$T/out/mem.db"
make_db "$db" 20000 8 -m
start_viewer "$db"
wait_indexed
b="$T/body"
is() {   # is EXPR WANT: the JSON expression on the last body equals WANT
	local got
	got=$(json "$1" "$b")
	[ "$got" = "$2" ] || fail "$(cat "$T/path"): $1 = $got, want $2"
}
api() { echo "$1" >"$T/path"; expect_status 200 "$1"; }

# Allocation sites: remember_request 4 x 4096 B (4 objects each), all live;
# parse_header 10 x 2048 B (8 objects each), one live; xstrdup 2 x 100000 B.
api /api/allocations
is j.sort inuse_bytes
is 'j.top.map(s => s.function).join()' remember_request,parse_header,xstrdup
is 'JSON.stringify(j.totals)' '{"samples":16,"alloc_objects":98,"alloc_bytes":236864,"inuse_objects":24,"inuse_bytes":18432}'
is 'JSON.stringify(j.top[0])' '{"callsite":'"$(json j.top[0].callsite "$b")"',"function":"remember_request","samples":4,"alloc_objects":16,"alloc_bytes":16384,"inuse_objects":16,"inuse_bytes":16384,"stack":'"$(json 'JSON.stringify(j.top[0].stack)' "$b")"'}'
is 'j.top[0].stack.map(i => j.frames[i].name).join(" < ")' "remember_request < handle_request < main"
is 'j.top[1].inuse_bytes + "/" + j.top[1].inuse_objects + "/" + j.top[1].alloc_bytes + "/" + j.top[1].alloc_objects' 2048/8/20480/80
is 'JSON.stringify(j.heap)' '{"first":1000,"last":50000,"max":50000,"max_ts":90000000}'
is j.sites 3
api "/api/allocations?sort=alloc_bytes"
is 'j.top.map(s => s.function).join()' xstrdup,parse_header,remember_request
api "/api/allocations?sort=alloc_objects&limit=1"
is 'j.top.map(s => s.function).join() + " " + j.sites + " " + j.totals.alloc_objects' "parse_header 3 98"
api "/api/allocations?sort=inuse_objects"
is 'j.top[0].function' remember_request
# sockets closed during the trace, per peer, biggest traffic first
api /api/connections
is 'JSON.stringify(j.closed)' '[{"peer":"127.0.0.1:40001","local":"127.0.0.1:11211","sockets":2,"bytes_in":1240,"bytes_out":567900,"ops":44},{"peer":"127.0.0.1:40002","local":"127.0.0.1:11211","sockets":1,"bytes_in":100,"bytes_out":200,"ops":4}]'
expect_status 400 "/api/allocations?sort=bogus"
expect_status 400 "/api/allocations?limit=0"
# The page's totals are the heap profiles' totals (same scaling).
for k in alloc inuse; do
	api "/api/profile?kind=$k"
	case $k in
	alloc) is 'j.stacks.reduce((a, s) => a + s.total, 0) + "/" + j.stacks.reduce((a, s) => a + s.count, 0)' 236864/98 ;;
	inuse) is 'j.stacks.reduce((a, s) => a + s.total, 0) + "/" + j.stacks.reduce((a, s) => a + s.count, 0)' 18432/24 ;;
	esac
done

# The GC row: 6 slices in 3 lanes (pauses; phases; the phase-in-phase lane
# is unused here, so 2 lanes of phases at most: lanes = 2).
dur=$(json j.duration_ns <(get /api/summary))
api "/api/gc?t0=0&t1=$dur&width=2000"
is j.total 6
is j.lanes 2
is 'j.slices.map(s => s[5] + ":" + s[3] + ":" + s[1] + ":" + s[2]).sort().join(" ")' \
	"malloc_trim:1:50000000:300000 pool.sweep:0:10000000:1000000 pool.sweep:1:9500000:2000000 world:0:20000000:2000000 world:0:20500000:500000 world:0:22500000:1000000"
is 'j.slices.every(s => s[4] === 1)' true
# A window: only what overlaps it.
api "/api/gc?t0=21000000&t1=30000000&width=1000"
is 'j.slices.map(s => s[1]).sort().join()' 20000000,22500000
# Zoomed out to 2 px: short slices merge per lane and bucket, none is lost.
api "/api/gc?t0=0&t1=$dur&width=2"
is 'j.slices.reduce((a, s) => a + s[4], 0)' 6
is 'j.slices.length < 6' true
expect_status 400 "/api/gc?t0=5&t1=1"
# GC slices are on the GC row, not on their threads' rows.
api "/api/slices?utids=2,3&t0=0&t1=$dur&width=2000"
is 'j.tracks.every(t => t.slices.every(s => s[5] !== "gc" && s[5] !== "stw"))' true

# One GC slice: the pool sweep holds a 1 ms pause.
worker=$(json 'j.threads.find(t => t.utid === 2).name' <(get /api/threads))
id=$("$VIEW" -sql "SELECT id FROM slice WHERE category = 'gc' AND name = 'pool.sweep'" "$db" | tail -1)
api "/api/gc_slice?id=$id"
is 'j.name + " " + j.category + " " + j.pause + " " + j.ts + " " + j.dur + " " + j.utid + " " + j.pause_ns' \
	"pool.sweep gc false 9500000 2000000 2 1000000"
is 'j.inside.map(c => c.name + ":" + c.pause).join()' pool.sweep:true
is j.thread "$worker"
pid=$("$VIEW" -sql "SELECT id FROM slice WHERE category = 'stw' AND name = 'pool.sweep'" "$db" | tail -1)
api "/api/gc_slice?id=$pid"
is 'j.pause + " " + j.parent.name + " " + j.parent.pause' "true pool.sweep false"
expect_status 404 "/api/gc_slice?id=999999"
expect_status 400 "/api/gc_slice"

# MMU: pauses [10, 11), [20, 22) with [20.5, 21) inside, [22.5, 23.5) ms.
api "/api/mmu?windows=1000000,2000000,3500000,4000000,10000000,20000000"
is 'j.pauses + " " + j.paused_ns + " " + j.include.join()' "3 4000000 stw"
is 'j.points.map(p => p[0] + ":" + p[1].toFixed(12)).join(" ")' \
	"1000000:0.000000000000 2000000:0.000000000000 3500000:0.142857142857 4000000:0.250000000000 10000000:0.700000000000 20000000:0.800000000000"
is 'j.points[3][2]' 20000000
# The worst disjoint 4 ms windows (go tool trace lists them on a click).
api "/api/mmu_worst?w=4000000&n=10"
is 'JSON.stringify(j)' '{"w":4000000,"windows":[[20000000,0.25],[10000000,0.75]]}'
api "/api/mmu_worst?w=4000000&n=1&gc=1"
is 'JSON.stringify(j.windows)' '[[20000000,0.25]]'
expect_status 400 "/api/mmu_worst?w=0"
expect_status 400 "/api/mmu_worst?w=1000&n=0"
# The whole trace as one window, and a window longer than the trace.
api "/api/mmu?windows=$dur,$((dur * 2))"
is 'j.points.map(p => p[0] + ":" + p[1].toFixed(12)).join(" ")' \
	"$dur:$(node -e "console.log((1 - 4e6 / $dur).toFixed(12))") $dur:$(node -e "console.log((1 - 4e6 / $dur).toFixed(12))")"
# With GC phases: the sweep [9.5, 11.5) on one of the 8 live threads (the
# whole program during its pause [10, 11)) and malloc_trim [50, 50.3) lose
# 1/8 of the program each: 4 ms + 1 ms / 8 + 0.3 ms / 8 = 4.1625 ms lost.
api "/api/mmu?gc=1&windows=2000000,4000000,10000000,20000000,50000000"
is 'j.pauses + " " + j.paused_ns + " " + j.include.join()' "3 4162500 stw,gc"
is 'j.points.map(p => p[1].toFixed(12)).join(" ")' "0.000000000000 0.250000000000 0.700000000000 0.793750000000 0.916750000000"
# The default grid: 1 us up to the trace length, log-spaced, non-decreasing x.
api /api/mmu
is 'j.points[0][0] + " " + j.points[j.points.length - 1][0]' "1000 $dur"
is 'j.points.every((p, i) => !i || p[0] > j.points[i - 1][0]) && j.points.every(p => p[1] >= 0 && p[1] <= 1)' true
is 'j.points.length > 40' true
cp "$b" "$T/mmu1"
api /api/mmu   # the default curve is kept: the same answer
cmp -s "$b" "$T/mmu1" || fail "the second default MMU curve differs from the first"
api "/api/mmu?gc=1"
cmp -s "$b" "$T/mmu1" && fail "the curve with GC phases is the cached one without"
expect_status 400 "/api/mmu?windows=abc"
expect_status 400 "/api/mmu?windows=0"
expect_status 400 "/api/mmu?gc=2"

# A database without GC slices or samples: empty answers, not errors.
make_db "$T/out/plain.db" 2000 4
kill "$VIEW_PID"
start_viewer "$T/out/plain.db"
wait_indexed
api /api/allocations
is 'j.sites + " " + j.heap + " " + j.top.length' "0 null 0"
api /api/connections
is 'j.closed.length + " " + j.connections.length' "0 0"
api "/api/gc?t0=0&t1=1000000&width=100"
is 'j.total + " " + j.slices.length' "0 0"
api /api/mmu
is 'j.pauses + " " + j.points.every(p => p[1] === 1)' "0 true"
pass
