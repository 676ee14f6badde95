#!/usr/bin/env bash
# Contended locks on a coroutine's heap stack and in a signal handler on an
# alternate stack, preloaded: outside a capture (the walker keeps a short
# stack for the status dump) and during one (stacks go to libunwind).  The
# program must finish with its own result; the traced run must record the
# coroutine's and the handler's mutex waits.
source "$CPROF_SRC/tests/lib/harness.sh"
prog="$B/tests/tracer/odd_stacks"
pre="$B/tracer/libcprof-preload.so"
want="sum=$(( 300 * 301 / 2 + 30 * 1000000 ))"
out=$(run_app "$prog") || fail "the program failed by itself"
[ "$out" = "$want" ] || fail "the program says $out, expected $want"
out=$(run_app env LD_PRELOAD="$pre" "$prog") || fail "preloaded run failed (status $?)"
[ "$out" = "$want" ] || fail "preloaded: $out, expected $want"
sessiond_start || fail "cannot start a session daemon"
out=$(run_app env LD_PRELOAD="$pre" CPROF_TRACE="$T/out/t.out" "$prog" 2>"$T/err") \
	|| { cat "$T/err" >&2; fail "traced run failed"; }
[ "$out" = "$want" ] || fail "traced: $out, expected $want"
mkdir -p "$T/x" && tar xzf "$T/out/t.out" -C "$T/x" || fail "trace.out does not unpack"
babeltrace2 "$T/x/ctf" >"$T/ev.txt" 2>/dev/null || fail "babeltrace2 cannot read the trace"
all=$(grep -c "cprof:sync_wait:.*kind = 1, " "$T/ev.txt")
n=$(grep -c "cprof:sync_wait:.*kind = 1, .*_stack_length = [1-9]" "$T/ev.txt")
note "$all contended mutex waits recorded, $n with a stack"
[ "$n" -ge 20 ] || fail "only $n contended mutex waits with a stack recorded (of $all)"
pass "$n mutex waits with stacks"
