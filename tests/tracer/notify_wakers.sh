# notify_wakers.sh: a thread woken through a pipe, an eventfd or a socketpair (read, poll,
# select, epoll_wait on it) names the thread that wrote to it as its waker
# (thread_state.waker_utid), in each of the program's rounds.
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
rounds=3
out=$(run_app "$B/tests/tracer/notify_wakers" "$T/out/t.out" $rounds 2>"$T/err") ||
	{ cat "$T/err" >&2; fail "notify_wakers failed"; }
[ "$out" = done ] || fail "notify_wakers says '$out'"
"$B/converter/cprof-convert" -o "$T/t.db" "$T/out/t.out" 2>"$T/cerr" || { cat "$T/cerr" >&2; fail "conversion failed"; }
q() { sqlite3 "$T/t.db" "$1"; }
for w in ev-epoll ev-read pipe-poll pipe-sel pipe-read sp-epoll; do
	# the waiter's waits of 10 ms or more (it waits ~30 ms for each write)
	got=$(q "SELECT s.state || '/' || s.reason || ' ' || COALESCE(k.name, '-') FROM thread_state s
		JOIN thread t ON t.utid = s.utid LEFT JOIN thread k ON k.utid = s.waker_utid
		WHERE t.name = '$w' AND s.reason IS NOT NULL AND s.dur >= 10000000 ORDER BY s.ts")
	note "$w's long waits:" $got
	n=$(echo "$got" | grep -c " $w-w\$")
	[ "$n" -eq $rounds ] || fail "$w: $n of $rounds long waits name $w-w their waker: [$(echo $got)]"
	# and the flow starts at the write: within the wait, after its begin
	bad=$(q "SELECT COUNT(*) FROM thread_state s JOIN thread t ON t.utid = s.utid
		WHERE t.name = '$w' AND s.waker_utid IS NOT NULL AND s.dur >= 10000000
		AND (s.waker_ts < s.ts OR s.waker_ts > s.ts + s.dur OR s.waker_ts < s.ts + 20000000)")
	[ "$bad" = 0 ] || fail "$w: $bad waits whose waker time is not the write's (~30 ms in)"
done
pass
