# fd_reuse.sh: an fd cprof knows as a socket, closed and its number reused
# where cprof does not see it (raw system calls), must still work: a traced
# read() went through cprof's non-blocking recv() probe and failed with
# ENOTSOCK on the eventfd or pipe now behind that number.
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
app="$B/tests/tracer/fd_reuse_app"
pre="$B/tracer/libcprof-preload.so"
out=$(run_app "$app") || fail "untraced: $out"
out=$(run_app env LD_PRELOAD="$pre" "$app") || fail "preloaded: $out"
out=$(run_app env LD_PRELOAD="$pre" CPROF_TRACE="$T/out/f.out" "$app" 2>"$T/err") ||
	{ cat "$T/err" >&2; fail "traced: $out"; }
[ "$out" = ok ] || fail "traced: $out"
[ -s "$T/out/f.out" ] || fail "no trace written"
pass
