#!/usr/bin/env bash
# Fork without exec while other threads lock, traced for the whole run:
# no deadlock, children exit normally, the parent's trace is written and
# holds only the parent's process; exec'd children (bash) do not trace.
source "$(dirname "$0")/../lib/harness.sh"
out=$(run_app timeout 150 "$B/tracer/cprof-run" -o "$T/out/fork.out" -- "$B/tests/e2e/fork_app" 8) \
	|| fail "fork_app failed or hung (status $?): $out"
[ "$out" = "forks=8 bad=0" ] || fail "unexpected output: $out"
[ -s "$T/out/fork.out" ] || fail "no trace"
mkdir -p "$T/x" && tar xzf "$T/out/fork.out" -C "$T/x" || fail "trace does not unpack"
n=$(ls "$T/x/ctf/ust/pid" | wc -l)
[ "$n" = 1 ] || fail "expected one traced process, got $n: $(ls "$T/x/ctf/ust/pid")"
babeltrace2 "$T/x/ctf" >"$T/ev.txt" 2>/dev/null || fail "babeltrace2 cannot read the trace"
grep -Eq 'cprof:(block_begin|sync_wait):' "$T/ev.txt" || fail "no blocking recorded in the parent"

# exec'd children inherit LD_PRELOAD but not CPROF_TRACE: one trace only
out=$(run_app timeout 150 "$B/tracer/cprof-run" -o "$T/out/sh.out" -- bash -c 'for i in 1 2 3; do ls / >/dev/null; done; echo done') \
	|| fail "bash under cprof-run failed"
[ "$out" = done ] || fail "unexpected output from bash: $out"
[ -s "$T/out/sh.out" ] || fail "no trace for bash"
pass
