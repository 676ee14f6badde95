# fork_children.sh MODE: fork children and lttng-ust.
#  rawclose: children that close every fd with raw system calls before they
#    exec (Chromium's launcher does) all exit 0, preloaded idle and traced
#    for the whole run.  lttng-ust used to be restarted in every child and
#    asserted now and then (5-11 of 200 children measured), or Chromium's
#    helpers died.
#  capture: a linked program's fork child, whose lttng-ust is kept off the
#    session daemon, starts its own trace while its parent traces: both
#    traces hold their own process's mutex waits and only that process.
#  forkpty: a child made by forkpty(3) (which forks inside glibc) stays out
#    of its parent's trace.
source "$CPROF_SRC/tests/lib/harness.sh"
TEST_NAME="fork_children $1"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
sessiond_start || fail "cannot start the test's session daemon"

# the pids of a trace's processes (its process events)
trace_pids() {
	rm -rf "$T/x" && mkdir -p "$T/x" && tar xzf "$1" -C "$T/x" ctf || fail "$1 does not unpack"
	babeltrace2 "$T/x/ctf" 2>/dev/null | sed -n 's/.*cprof:process:.* pid = \([0-9]*\),.*/\1/p' | sort -u
}

case $1 in
rawclose)
	APP="$B/tests/tracer/fork_rawclose_app"
	out=$(run_app timeout 120 env LD_PRELOAD="$B/tracer/libcprof-preload.so" "$APP" 150 2>"$T/err1")
	[ "$out" = "forks=150 bad=0" ] || { head -5 "$T/err1" >&2; fail "preloaded idle: '$out'"; }
	out=$(run_app timeout 120 "$B/tracer/cprof-run" -o "$T/out/raw.out" -- "$APP" 150 2>"$T/err2")
	[ "$out" = "forks=150 bad=0" ] || { head -5 "$T/err2" >&2; fail "traced: '$out'"; }
	"$B/converter/cprof-convert" -q -o "$T/raw.db" "$T/out/raw.out" || fail "the trace does not convert"
	n=$(sqlite3 "$T/raw.db" "SELECT COUNT(DISTINCT pid) FROM process")
	[ "$n" = 1 ] || fail "expected the parent's process only in the trace, got $n"
	;;
capture)
	out=$(run_app timeout 120 "$B/tests/tracer/fork_capture_app" "$T/out/parent.out" "$T/out/child.out" 2>"$T/err") ||
		{ cat "$T/err" >&2; fail "fork_capture_app failed: $out"; }
	echo "$out" | grep -q '^ok$' || fail "unexpected output: $out"
	ms=$(echo "$out" | sed -n 's/^child_start_ms=\([0-9]*\)$/\1/p')
	[ -n "$ms" ] || fail "no start time printed: $out"
	note "the child's capture started in $ms ms"
	# its lttng-ust registers when asked (a few tens of ms), not at its
	# next 5-second retry
	[ "$ms" -lt 3000 ] || fail "the child's cprof_trace_start took $ms ms"
	for f in parent child; do
		[ -s "$T/out/$f.out" ] || fail "no $f trace"
		"$B/converter/cprof-convert" -q -o "$T/$f.db" "$T/out/$f.out" || fail "the $f trace does not convert"
		pids=$(sqlite3 "$T/$f.db" "SELECT DISTINCT pid FROM process")
		[ "$(echo "$pids" | wc -l)" = 1 ] && [ -n "$pids" ] || fail "$f trace: processes '$pids', want one"
		eval "${f}_pid=$pids"
		w=$(sqlite3 "$T/$f.db" "SELECT COUNT(*) FROM thread_state WHERE reason = 'mutex'")
		[ "$w" -gt 0 ] || fail "no mutex waits in the $f trace"
		note "$f: pid $pids, $w mutex waits"
	done
	[ "$parent_pid" != "$child_pid" ] || fail "both traces are of process $parent_pid"
	;;
forkpty)
	# forkpty forks inside glibc: the child's threads were written into
	# the parent's trace as the parent's
	out=$(run_app timeout 60 "$B/tracer/cprof-run" -o "$T/out/pty.out" -- \
		"$B/tests/tracer/forkpty_app" 2>"$T/err") || { cat "$T/err" >&2; fail "forkpty_app failed: $out"; }
	ppid=$(echo "$out" | sed -n 's/^parent \([0-9]*\).*/\1/p')
	ctids=$(echo "$out" | tr -d '\r' | sed -n 's/^child-thread \([0-9]*\).*/\1/p' | paste -sd,)
	[ -n "$ppid" ] && [ -n "$ctids" ] || fail "unexpected output: $out"
	"$B/converter/cprof-convert" -q -o "$T/pty.db" "$T/out/pty.out" || fail "the trace does not convert"
	pids=$(sqlite3 "$T/pty.db" "SELECT DISTINCT pid FROM process")
	[ "$pids" = "$ppid" ] || fail "the trace is of process(es) '$pids', not of the parent $ppid"
	n=$(sqlite3 "$T/pty.db" "SELECT COUNT(*) FROM thread WHERE tid IN ($ctids)")
	[ "$n" = 0 ] || fail "the child's threads ($ctids) are in the parent's trace"
	w=$(sqlite3 "$T/pty.db" "SELECT COUNT(*) FROM thread_state WHERE reason = 'mutex'")
	[ "$w" -gt 0 ] || fail "no mutex waits of the parent"
	note "parent $ppid: $w mutex waits; child threads $ctids not in its trace"
	;;
*) fail "unknown mode $1" ;;
esac
pass
