#!/usr/bin/env bash
# A capture of a real, unmodified program by libcprof (fixtures/xz.trace.out:
# `cprof-run -- xz -T2`, liblzma's worker threads and condvars): it converts
# without the binaries, states tile, liblzma's functions are named and the
# memory events become counters and allocation samples.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/lib.sh"

db="$T/out/xz.db"
"$CONVERT" -o "$db" "$FIX/xz.trace.out" 2>"$T/err" || { cat "$T/err" >&2; fail "conversion failed"; }
check_tiling "$db"
expect_eq "exe" "$(q "$db" "SELECT str_value FROM metadata WHERE name = 'exe'")" "/usr/bin/xz"
[ "$(q "$db" "SELECT COUNT(*) FROM thread")" -ge 2 ] || fail "expected xz's worker thread"
expect_eq "worker's creator" "$(q "$db" "SELECT COUNT(*) FROM thread WHERE NOT is_main_thread
	AND creator_utid = (SELECT utid FROM thread WHERE is_main_thread)")" 1
[ "$(q "$db" "SELECT COUNT(*) FROM thread_state WHERE reason = 'cond'")" -ge 1 ] || fail "no cond waits"
[ "$(q "$db" "SELECT COUNT(*) FROM flow")" -ge 1 ] || fail "no waker links"
for f in lzma_code start_thread; do
	[ "$(q "$db" "SELECT COUNT(*) FROM stack_profile_frame WHERE name = '$f'")" = 1 ] || fail "frame $f not named"
done
[ "$(q "$db" "SELECT COUNT(*) FROM counter c JOIN track t ON t.id = c.track_id
	WHERE t.name = 'heap_inuse_bytes'")" -ge 1 ] || fail "no heap counter"
[ "$(q "$db" "SELECT COUNT(*) FROM alloc_sample WHERE callsite_id IS NOT NULL AND weight >= usable")" -ge 1 ] ||
	fail "no allocation samples with stacks"
pass
