#!/usr/bin/env bash
# Records gen_events live (lttng CLI, private session daemon) and converts
# it: the converter keeps up with the current event catalog, not only with
# the committed fixtures.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/lib.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-tools is not installed"

"$SRC/tests/converter/record.sh" "$CPROF_BUILD/tests/converter/gen_events" "$T/live.trace.out" \
	2>"$T/rec.err" || { cat "$T/rec.err" >&2; fail "recording failed"; }
"$CONVERT" -o "$T/live.db" "$T/live.trace.out" 2>"$T/err" || { cat "$T/err" >&2; fail "conversion failed"; }
check_tiling "$T/live.db"
expect_eq "threads" "$(q "$T/live.db" "SELECT COUNT(*) FROM thread")" 6
expect_eq "flows" "$(q "$T/live.db" "SELECT COUNT(*) FROM flow")" 8
[ "$(q "$T/live.db" "SELECT COUNT(*) FROM stack_profile_frame WHERE name GLOB 'queue_pop*'")" -ge 1 ] ||
	fail "generator functions missing from the frames"
pass
