#!/usr/bin/env bash
# A capture whose ring buffers overflowed (fixtures/lossy.trace.out, 4 KiB x 2
# sub-buffers): the losses are never silent (stderr, stats, metadata) and
# the states that remain still tile every thread's life.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/lib.sh"

db="$T/out/lossy.db"
"$CONVERT" -o "$db" "$FIX/lossy.trace.out" 2>"$T/err" || { cat "$T/err" >&2; fail "conversion failed"; }
grep -q "warning: the tracer discarded [1-9][0-9]* events" "$T/err" || fail "no warning about discarded events"
lost=$(q "$db" "SELECT int_value FROM metadata WHERE name = 'discarded_events'")
[ "$lost" -gt 0 ] || fail "metadata discarded_events is $lost"
expect_eq "stats match metadata" "$(q "$db" "SELECT SUM(value) FROM stats WHERE name = 'discarded_events'
	AND severity = 'data_loss' AND source = 'trace'")" "$lost"
check_tiling "$db"
pass
