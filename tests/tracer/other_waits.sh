# other_waits.sh: threads blocked outside pthreads and sockets - reads of
# an eventfd, timerfd, signalfd and inotify fd; flock, lockf and fcntl
# locks; sigwait (since before the capture), sigwaitinfo, sigtimedwait,
# pause and sigsuspend; POSIX message queues; System V messages and
# semaphores; sendfile into a full socket, splice out of an empty pipe - are shown waiting for the ~300 ms they were blocked, with
# what they waited in (before, they showed as running), and every call
# returned what it would untraced (other_waits.c checks it).
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
run_done other_waits timeout 60 "$B/tests/tracer/other_waits" "$T/out/w.out" "$T/tmp"
"$B/converter/cprof-convert" -q -o "$T/out/w.db" "$T/out/w.out" || fail "the trace does not convert"
q() { sqlite3 -batch -noheader "$T/out/w.db" "$1"; }
# thread -> "state reason [object]" of its one long wait
expect() {
	local th=$1 want=$2 got
	got=$(q "SELECT s.state || ' ' || COALESCE(s.reason, '-') ||
		CASE WHEN s.state = 'net' THEN ' ' || COALESCE(o.name, '-') ELSE '' END
		FROM thread_state s JOIN thread t USING (utid) LEFT JOIN sync_object o ON o.id = s.object_id
		WHERE t.name = '$th' AND s.state <> 'running' AND s.dur >= 250000000" | tr '\n' ',')
	note "$th: $got"
	[[ $got =~ ^$want,$ ]] || fail "$th: expected one >= 250 ms wait '$want', got '$got'"
}
expect w_eventfd 'net net_read fd [0-9]+ anon_inode:\[eventfd\]'
expect w_timerfd 'net net_read fd [0-9]+ anon_inode:\[timerfd\]'
expect w_signalfd 'net net_read fd [0-9]+ anon_inode:\[signalfd\]'
expect w_inotify 'net net_read fd [0-9]+ anon_inode:inotify'
expect w_flock 'syscall flock'
expect w_fcntl 'syscall fcntl'
expect w_lockf 'syscall lockf'
expect w_sigwait 'syscall sigwait'
expect w_sigwaitinfo 'syscall sigwaitinfo'
expect w_sigtimedwait 'syscall sigtimedwait'
expect w_pause 'syscall pause'
expect w_sigsuspend 'syscall sigsuspend'
expect w_mq_receive 'syscall mq_receive'
expect w_mq_send 'syscall mq_send'
expect w_msgrcv 'syscall msgrcv'
expect w_semop 'syscall semop'
expect w_sendfile 'net net_write fd [0-9]+ socket'
expect w_splice 'net net_read fd [0-9]+ pipe:\[[0-9]+\]'
expect w_bigsend 'syscall sendfile'
ops=$(q "SELECT t.name || ' ' || n.op FROM net_io n JOIN thread t USING (utid)
	WHERE t.name IN ('w_sendfile', 'w_splice') ORDER BY t.name" | tr '\n' ',')
[ "$ops" = "w_sendfile sendfile,w_splice splice," ] || fail "net_io ops of sendfile and splice: $ops"
pass
