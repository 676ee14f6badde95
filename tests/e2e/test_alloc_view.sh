#!/usr/bin/env bash
# The memory pages' data on real traces, through the viewer's API: the
# memory-leak example's heap grows and its top in-use allocation site is
# remember_request (called from handle_request), with the same in-use total
# as the heap profile; the Boehm GC and pool-sweep examples get a GC row
# (pauses and phases, off the thread rows) and an MMU curve from their pauses.
source "$(dirname "$0")/../lib/harness.sh"
source "$SRC/tests/viewer/lib.sh"
command -v node >/dev/null || skip "node is needed to parse JSON (install nodejs)"
b="$T/body"

record() {   # record NAME EXAMPLE ARGS...: traces and converts into $T/NAME.db
	local name=$1 ex=$2
	shift 2
	run_app timeout 90 "$B/tracer/cprof-run" -o "$T/out/$name.out" -- "$B/examples/$ex" --no-http "$@" \
		>"$T/$name.log" 2>&1 || { cat "$T/$name.log" >&2; fail "$ex under cprof-run failed"; }
	"$B/converter/cprof-convert" -q "$T/out/$name.out" -o "$T/$name.db" || fail "$name: conversion failed"
}
view() {   # view NAME: (re)starts the viewer on $T/NAME.db
	[ -n "${VIEW_PID:-}" ] && kill "$VIEW_PID" 2>/dev/null
	start_viewer "$T/$1.db"
	wait_indexed
}

record leak cprof-example-memleak --duration 2 --pause-ms 0
view leak
expect_status 200 /api/allocations
top=$(json 'j.top[0].function' "$b")
[ "$top" = remember_request ] || fail "top in-use allocation site is '$top', not remember_request"
json 'j.top[0].stack.map(i => j.frames[i].name).join(" ")' "$b" | grep -q handle_request ||
	fail "the leak's stack does not name handle_request"
grew=$(json 'j.heap.last - j.heap.first' "$b")
[ "$grew" -ge $((1024 * 1024)) ] || fail "the heap counter grew by $grew bytes only"
inuse=$(json j.totals.inuse_bytes "$b")
expect_status 200 "/api/profile?kind=inuse"
[ "$(json 'j.stacks.reduce((a, s) => a + s.total, 0)' "$b")" = "$inuse" ] ||
	fail "the page's in-use total differs from the in-use profile's"
note "leak: heap grew by $grew bytes, top in-use site $top, $inuse bytes in use (estimate)"

for ex in boehm pool; do
	case $ex in
	boehm)
		[ -x "$B/examples/cprof-example-boehm-gc" ] ||
			{ note "cprof-example-boehm-gc not built (libgc-dev missing)"; continue; }
		record boehm cprof-example-boehm-gc --duration 1 ;;
	pool) record pool cprof-example-pool-sweep --duration 1 ;;
	esac
	view $ex
	dur=$(json j.duration_ns <(get /api/summary))
	expect_status 200 "/api/gc?t0=0&t1=$dur&width=4000"
	json 'j.total > 0 && j.lanes >= 2 && j.slices.some(s => s[3] === 0) && j.slices.some(s => s[3] === 1)' "$b" |
		grep -q true || fail "$ex: no GC row with pauses and phases: $(head -c 300 "$b")"
	id=$(json 'j.slices.find(s => s[3] === 0)[0]' "$b")
	expect_status 200 "/api/gc_slice?id=$id"
	[ "$(json j.pause "$b")" = true ] || fail "$ex: lane 0 is not a pause"
	utids=$(json 'j.threads.map(t => t.utid).join()' <(get /api/threads))
	expect_status 200 "/api/slices?utids=$utids&t0=0&t1=$dur&width=4000"
	json 'j.tracks.every(t => t.slices.every(s => s[5] !== "gc" && s[5] !== "stw"))' "$b" | grep -q true ||
		fail "$ex: GC slices on thread rows"
	expect_status 200 /api/mmu
	json 'j.pauses > 0 && j.points[0][1] === 0 && j.points.every(p => p[1] >= 0 && p[1] <= 1) && j.points[j.points.length - 1][1] > 0' "$b" |
		grep -q true || fail "$ex: MMU curve: $(head -c 300 "$b")"
	note "$ex: $(json 'j.pauses + " pauses, " + j.paused_ns + " ns paused of " + j.duration_ns' "$b")"
done
pass
