#!/usr/bin/env bash
# The I/O interposers change nothing the program sees: the same checks of
# return values and errno (blocking and non-blocking sockets, big writes to a
# slow reader, MSG_WAITALL, poll/select, accept/connect, waitpid, files,
# pipes, sleeps) pass untraced, preloaded-idle and traced; the traced run
# records the waits those calls made.
source "$(dirname "$0")/../lib/harness.sh"
prog="$B/tests/e2e/net_semantics"
pre="$B/tracer/libcprof-preload.so"
out=$(run_app timeout 60 "$prog") || fail "untraced: $out"
note "untraced: $out"
out=$(run_app timeout 60 env LD_PRELOAD="$pre" "$prog") || fail "preloaded-idle: $out"
note "idle: $out"
out=$(run_app timeout 60 env LD_PRELOAD="$pre" CPROF_TRACE="$T/out/sem.out" "$prog" 2>"$T/err") \
	|| { cat "$T/err" >&2; fail "traced: $out"; }
note "traced: $out"
mkdir -p "$T/x" && tar xzf "$T/out/sem.out" -C "$T/x" || fail "trace does not unpack"
babeltrace2 "$T/x/ctf" >"$T/ev.txt" 2>/dev/null || fail "babeltrace2 cannot read the trace"
# network waits begun while tracing are one cprof:net_wait each; the others
# are block_begin ... block_end
for k in 20 21 22 24; do
	grep -Eq "cprof:net_wait:.*kind = $k, .*_stack_length = [1-9]" "$T/ev.txt" \
		|| fail "no network wait of kind $k recorded with a stack"
done
for k in 30 40; do
	grep -Eq "cprof:block_begin:.*kind = $k, " "$T/ev.txt" || fail "no wait of kind $k recorded"
done
grep -Eq 'cprof:net_wait:.*op = 7, fd = [0-9]+, result = 8388608, err = 0' "$T/ev.txt" \
	|| fail "the big write's wait does not report the full byte count"
grep -Eq 'cprof:net_wait:.*op = 15, fd = [0-9]+, result = -1, err = 111,' "$T/ev.txt" \
	|| fail "the refused connect is not reported with ECONNREFUSED"
! grep -Eq 'cprof:(block_begin|block_end):.*kind = 2[0-4],' "$T/ev.txt" \
	|| fail "a network wait begun while tracing was recorded as a block_begin/block_end pair"
grep -Eq 'cprof:syscall_end:.*name = "waitpid", .*err = 0' "$T/ev.txt" || fail "no waitpid wait"
pass
