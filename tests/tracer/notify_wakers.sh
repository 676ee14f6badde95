# notify_wakers.sh: a thread woken through a pipe, an eventfd, a
# socketpair or a loopback TCP connection within the process (read, poll,
# select, epoll_wait on it, also an epoll set it joined before the capture)
# names the thread that
# wrote to it as its waker (thread_state.waker_utid), in each of the
# program's rounds; of two readers of one pipe, each names the writer whose
# byte woke it; a poll that a write did not wake (it timed out) names none,
# nor does a wait on an epoll set whose eventfd was closed, its number reused;
# a writer blocked on a full pipe names the reader that drained it.
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
rounds=3
run_done notify_wakers "$B/tests/tracer/notify_wakers" "$T/out/t.out" $rounds
convert_db "$T/out/t.out" "$T/t.db"
q() { sqlite3 "$T/t.db" "$1"; }
for w in ev-epoll ev-read pipe-poll pipe-sel pipe-read sp-epoll tcp-a tcp-b tcp-ep; do
	# the waiter's waits of 10 ms or more (it waits ~30 ms for each write)
	got=$(q "SELECT s.state || '/' || s.reason || ' ' || COALESCE(k.name, '-') FROM thread_state s
		JOIN thread t ON t.utid = s.utid LEFT JOIN thread k ON k.utid = s.waker_utid
		WHERE t.name = '$w' AND s.reason IS NOT NULL AND s.dur >= 50000000 ORDER BY s.ts")
	note "$w's long waits:" $got
	n=$(echo "$got" | grep -c " $w-w\$")
	[ "$n" -eq $rounds ] || fail "$w: $n of $rounds long waits name $w-w their waker: [$(echo $got)]"
	# and the flow starts at the write: within the wait, well after its
	# begin (the writer sleeps 100 ms once the waiter is about to wait)
	bad=$(q "SELECT COUNT(*) FROM thread_state s JOIN thread t ON t.utid = s.utid
		WHERE t.name = '$w' AND s.waker_utid IS NOT NULL AND s.dur >= 50000000
		AND (s.waker_ts > s.ts + s.dur OR s.waker_ts < s.ts + 40000000)")
	[ "$bad" = 0 ] || fail "$w: $bad waits whose waker time is not the write's (~100 ms in)"
done
# a writer blocked on a full pipe: named by the reader that drains it
got=$(q "SELECT COALESCE(k.name, '-') FROM thread_state s JOIN thread t ON t.utid = s.utid
	LEFT JOIN thread k ON k.utid = s.waker_utid
	WHERE t.name = 'pipe-full' AND s.reason = 'net_write' AND s.dur >= 50000000 ORDER BY s.ts")
note "pipe-full's long waits, wakers:" $got
[ "$(echo "$got" | grep -cx pipe-full-r)" -eq $rounds ] || fail "pipe-full: blocked writes and their wakers: [$(echo $got)]"
# two readers of one pipe: each round, one woken by sh-w1's byte, the other
# by sh-w2's a WAIT_MS later (the first writer of a wait is not its waker)
got=$(q "SELECT COALESCE(k.name, '-') FROM thread_state s JOIN thread t ON t.utid = s.utid
	LEFT JOIN thread k ON k.utid = s.waker_utid
	WHERE t.name IN ('sh-a', 'sh-b') AND s.reason = 'net_read' AND s.dur >= 50000000 ORDER BY s.ts")
note "sh-a's and sh-b's long waits, wakers:" $got
n1=$(echo "$got" | grep -cx sh-w1) n2=$(echo "$got" | grep -cx sh-w2)
[ "$n1" -eq $rounds ] && [ "$n2" -eq $rounds ] ||
	fail "two readers of one pipe: $n1 waits name sh-w1, $n2 sh-w2 (want $rounds each): [$(echo $got)]"
# a poll that timed out (the write added 0 to the eventfd) names no waker
got=$(q "SELECT s.result || ' ' || COALESCE(k.name, '-') FROM thread_state s JOIN thread t ON t.utid = s.utid
	LEFT JOIN thread k ON k.utid = s.waker_utid
	WHERE t.name = 'ev-tmo' AND s.reason IS NOT NULL AND s.dur >= 150000000 ORDER BY s.ts")
note "ev-tmo's timed-out polls:" $got
[ "$(echo "$got" | grep -cx '0 -')" -eq $rounds ] || fail "ev-tmo: timed-out polls and their wakers: [$(echo $got)]"
# a send on the end a thread reads goes to the other end: it does not wake
# that reader; a stamp of an eventfd that did not fire is not the waker of
# the poll its pipe woke (both answers come by raw writes, unseen)
for w in dir poll-oth ep-oth; do
	got=$(q "SELECT COALESCE(k.name, '-') FROM thread_state s JOIN thread t ON t.utid = s.utid
		LEFT JOIN thread k ON k.utid = s.waker_utid
		WHERE t.name = '$w' AND s.reason IS NOT NULL AND s.dur >= 50000000 ORDER BY s.ts")
	note "$w's long waits, wakers:" $got
	[ "$(echo "$got" | grep -cx -- -)" -eq $rounds ] || fail "$w: long waits and their wakers: [$(echo $got)] (want none)"
done
# an epoll set's member closed without EPOLL_CTL_DEL takes its key along: a
# write to a new eventfd of the same number wakes no one in the set (the
# wait ends on a write cprof does not see)
got=$(q "SELECT s.result || ' ' || COALESCE(k.name, '-') FROM thread_state s JOIN thread t ON t.utid = s.utid
	LEFT JOIN thread k ON k.utid = s.waker_utid
	WHERE t.name = 'ev-stale' AND s.reason = 'net_poll' AND s.dur >= 150000000 ORDER BY s.ts")
note "ev-stale's epoll waits:" $got
[ "$(echo "$got" | grep -cx '0 -')" -eq $rounds ] || fail "ev-stale: epoll waits and their wakers: [$(echo $got)]"
pass
