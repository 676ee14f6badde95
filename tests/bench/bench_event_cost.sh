#!/usr/bin/env bash
# Cost of one recorded event through cprof vs a bare LTTng-UST tracepoint
# (target <= 1.3x), with stacks (default depth) and without.
source "$(dirname "$0")/../lib/harness.sh"
sessiond_start || fail "cannot start a session daemon"
prog="$B/tests/bench/event_cost"
echo "with stacks (8 frames):"
run_app env CPROF_TRACE="$T/out/a.out" "$prog" 8 || fail "event_cost failed"
echo "without stacks (CPROF_STACK_DEPTH=0):"
run_app env CPROF_TRACE="$T/out/b.out" CPROF_STACK_DEPTH=0 "$prog" 0 || fail "event_cost failed"
for f in a b; do
	d=$(tar xzf "$T/out/$f.out" -O cprof/info.txt | sed -n 's/^discarded_events=//p')
	echo "run $f: discarded events ${d:-?}"
done
