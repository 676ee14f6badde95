# small_stacks.sh: a program whose threads have small stacks of a set size
# runs preloaded and traced wherever it runs untraced.  glibc carves static
# TLS (lttng-ust's is 2.3 KiB) out of each thread's stack and cprof's
# wrappers run on it: with 16 KiB stacks the app crashed preloaded while
# using 6 KiB of them, traced with 5 (it ran untraced with 7).  cprof's
# pthread_create gives such stacks 32 KiB more.
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
app="$B/tests/tracer/small_stack_app"
pre="$B/tracer/libcprof-preload.so"
size=16384
# the most of its stack the app can use untraced here
max=0
for kb in 3 4 5 6 7 8 9 10 11 12; do
	run_app timeout 60 "$app" $size $kb >/dev/null 2>&1 || break
	max=$kb
done
[ $max -ge 3 ] || skip "the app does not run untraced with $size-byte stacks"
note "untraced: runs using $max KiB of $size-byte stacks"
out=$(run_app timeout 60 env LD_PRELOAD="$pre" "$app" $size $max 2>&1) ||
	fail "preloaded: died using $max KiB ($out)"
out=$(run_app timeout 60 env LD_PRELOAD="$pre" CPROF_TRACE="$T/out/s.out" "$app" $size $max 2>"$T/err") ||
	{ cat "$T/err" >&2; fail "traced: died using $max KiB ($out)"; }
[ -s "$T/out/s.out" ] || fail "no trace written"
"$B/converter/cprof-convert" -q -o "$T/out/s.db" "$T/out/s.out" || fail "the trace does not convert"
n=$(sqlite3 -batch -noheader "$T/out/s.db" "SELECT COUNT(*) FROM thread_state WHERE state = 'blocked'")
[ "$n" -gt 0 ] || fail "no blocked states in the trace"
pass
