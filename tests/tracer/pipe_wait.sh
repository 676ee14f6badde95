# pipe_wait.sh: a thread blocked on a pipe read when a capture starts is in
# the status dump as waiting, and its wait ends when the byte comes: the
# trace shows it blocked on the read from the start until then (before, it
# showed as running); the same for a thread blocked on a write to a full
# pipe.  Writers blocked on full pipes in the capture are
# network write waits on the pipe, with the bytes they wrote, and what they
# wrote arrives unchanged (pipe_wait.c checks it).
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
run_done pipe_wait timeout 60 "$B/tests/tracer/pipe_wait" "$T/out/p.out"
"$B/converter/cprof-convert" -q -o "$T/out/p.db" "$T/out/p.out" || fail "the trace does not convert"
q() { sqlite3 -batch -noheader "$T/out/p.db" "$1"; }
states=$(q "SELECT s.state || ' ' || COALESCE(s.reason, '-') || ' ' || (s.dur >= 250000000) FROM thread_state s
	JOIN thread t USING (utid) WHERE t.name = 'reader' ORDER BY s.ts" | tr '\n' ',')
note "reader: $states"
[ "${states%%,*}" = "net net_read 1" ] || fail "reader's first state is not a >= 250 ms pipe read wait: $states"
states=$(q "SELECT s.state || ' ' || COALESCE(s.reason, '-') || ' ' || (s.dur >= 250000000) FROM thread_state s
	JOIN thread t USING (utid) WHERE t.name = 'pwriter' ORDER BY s.ts" | tr '\n' ',')
note "pwriter: $states"
[ "${states%%,*}" = "net net_write 1" ] ||
	fail "pwriter's first state is not a >= 250 ms pipe write wait: $states"
for w in writer awriter; do
	st=$(q "SELECT s.state || ' ' || COALESCE(s.reason, '-') || ' ' || (s.dur >= 250000000) || ' ' ||
		COALESCE(o.name, '-') FROM thread_state s JOIN thread t USING (utid)
		LEFT JOIN sync_object o ON o.id = s.object_id WHERE t.name = '$w' AND s.state <> 'running'
		ORDER BY s.ts" | tr '\n' ',')
	note "$w: $st"
	[[ $st =~ ^net\ net_write\ 1\ fd\ [0-9]+\ pipe:\[[0-9]+\],$ ]] ||
		fail "$w's only wait is not a >= 250 ms write wait on a named pipe: $st"
done
io=$(q "SELECT t.name || ' ' || n.op || ' ' || n.bytes || ' ' || n.result FROM net_io n JOIN thread t USING (utid)
	WHERE t.name IN ('writer', 'awriter') ORDER BY t.name" | tr '\n' ',')
note "net_io: $io"
[ "$io" = "awriter write 100 100,writer write 262144 262144," ] ||
	fail "the writers' net_io rows are not one whole write each: $io"
pass
