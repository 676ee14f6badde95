#!/usr/bin/env bash
# An unmodified multi-threaded program from Debian (xz -T2, pthread mutexes
# and condvars in liblzma) traced for its whole run by cprof-run: same
# output as untraced, exit status passed through, threads and blocking in
# the trace.
source "$(dirname "$0")/../lib/harness.sh"
command -v xz >/dev/null || skip "xz is not installed (apt-get install xz-utils)"

# 7 MB of compressible but not trivial data: three xz -1 blocks, two threads
head -c 3500000 /dev/urandom | od -An -tx1 | head -c 7000000 >"$T/out/data"
chmod 644 "$T/out/data"
want=$(xz -T2 -1 -c "$T/out/data" | md5sum)
got=$(run_app "$B/tracer/cprof-run" -o "$T/out/xz.out" -- xz -T2 -1 -c "$T/out/data" | md5sum)
[ "$want" = "$got" ] || fail "xz output differs under cprof-run"
[ -s "$T/out/xz.out" ] || fail "no trace written"

run_app "$B/tracer/cprof-run" -o "$T/out/ls.out" -- ls /nonexistent-cprof-path 2>/dev/null
[ $? = 2 ] || fail "exit status not passed through"
[ -s "$T/out/ls.out" ] || fail "no trace for a program that exits non-zero"

mkdir -p "$T/x" && tar xzf "$T/out/xz.out" -C "$T/x" || fail "trace does not unpack"
babeltrace2 "$T/x/ctf" >"$T/events.txt" 2>"$T/bt.err" || { cat "$T/bt.err" >&2; fail "babeltrace2 cannot read it"; }
n_start=$(grep -c 'cprof:thread_start:' "$T/events.txt")
n_block=$(grep -Ec 'cprof:(block_begin|sync_wait):' "$T/events.txt")
note "xz trace: $(wc -l <"$T/events.txt") events, $n_start thread starts, $n_block blocks"
[ "$n_start" -ge 2 ] || fail "expected xz's worker threads to start in the trace"
[ "$n_block" -ge 1 ] || fail "expected blocking events from xz's threads"
grep -q 'cprof:process:.*xz' "$T/events.txt" || fail "no process event for xz"
grep -q 'liblzma' "$T/x/cprof/modules.tsv" || fail "liblzma missing from modules.tsv"
pass
