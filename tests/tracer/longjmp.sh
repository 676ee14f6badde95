# longjmp.sh MODE: a signal handler that siglongjmps out of a blocked socket
# read, pipe read, terminal read or sleep (an alarm-based timeout) ends the
# wait there: in
# the trace each wait lasts until the signal (result EINTR) and the thread
# runs after it.  Before, the wait never ended: the thread showed as running
# while it read, or blocked while it worked.  (A blocked pipe or terminal
# read was not a wait at all before: the thread showed as running.)
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
mode=$1
case $mode in
sock|pipe|tty) state=net reason=net_read ;;
*) state=sleep reason=sleep ;;
esac
app="$B/tests/tracer/longjmp_app"
out=$(run_app timeout 60 "$app" "$mode") || fail "untraced: $out"
[ "$out" = "3 timeouts" ] || fail "untraced: $out"
out=$(run_app timeout 60 env LD_PRELOAD="$B/tracer/libcprof-preload.so" CPROF_TRACE="$T/out/l.out" \
	"$app" "$mode" 2>"$T/err") || { cat "$T/err" >&2; fail "traced: exit $? ($out)"; }
[ "$out" = "3 timeouts" ] || fail "traced: $out"
"$B/converter/cprof-convert" -q -o "$T/out/l.db" "$T/out/l.out" || fail "the trace does not convert"
q() { sqlite3 -batch -noheader "$T/out/l.db" "$1"; }
# (a wait lasts 300 ms; the running after it 200 ms, the last one up to
# the trace's end, later on a loaded machine: not timed)
states=$(q "SELECT state || ' ' || COALESCE(reason, '-') || ' ' || COALESCE(result, '-') || ' ' ||
	CASE WHEN state = 'running' THEN '-' ELSE (dur >= 250000000 AND dur < 600000000) END
	FROM thread_state WHERE dur >= 100000000 ORDER BY ts" | tr '\n' ',')
note "states of 100 ms or more: $states"
want=$(for i in 1 2 3; do printf "%s %s 4 1,running - - -," "$state" "$reason"; done)
[ "$states" = "$want" ] || fail "want three $reason waits of 300 ms ended by EINTR (4), each followed by 200 ms running: $states"
if [ "$mode" != sleep ]; then
	n=$(q "SELECT COUNT(*) FROM net_io WHERE op = 'read' AND result = -1 AND err = 4")
	[ "$n" = 3 ] || fail "want 3 interrupted reads in net_io: $(q "SELECT * FROM net_io" | tr '\n' ' ')"
fi
if [ "$mode" = pipe ] || [ "$mode" = tty ]; then
	# the wait object is named after the pipe or terminal
	name=$(q "SELECT DISTINCT o.name FROM thread_state s JOIN sync_object o ON o.id = s.object_id
		WHERE s.reason = 'net_read'")
	want='^fd [0-9]+ pipe:\[[0-9]+\]$'
	[ "$mode" = tty ] && want='^fd [0-9]+ /dev/pts/[0-9]+$'
	[[ $name =~ $want ]] || fail "the $mode wait's object is named '$name'"
fi
pass
