# rotating_waits.sh: a thread blocking on six mutexes in turn, in two
# captures, has every wait named after its waker (main), also on the mutex
# another thread waited on in vain and left - the waiter buckets keep a thread's
# bit after its wait (core.c) and must not take the withdrawn wait for a
# live one, nor miss a wait when a kept bit is dropped or reused.
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
run_done rotating_waits timeout 60 "$B/tests/tracer/rotating_waits" "$T/out/1.out" "$T/out/2.out"
for c in 1 2; do
	"$B/converter/cprof-convert" -q -o "$T/out/$c.db" "$T/out/$c.out" || fail "trace $c does not convert"
	got=$(sqlite3 -batch -noheader "$T/out/$c.db" "SELECT count(*) || ' ' ||
		sum(w.tid = (SELECT pid FROM process LIMIT 1)) FROM thread_state s
		JOIN thread t USING (utid) LEFT JOIN thread w ON w.utid = s.waker_utid
		WHERE t.name = 'rotor' AND s.reason = 'mutex' AND s.dur >= 10000000")
	note "capture $c: rotor's long mutex waits, named after main: $got"
	[ "$got" = "12 12" ] || fail "capture $c: rotor's 12 waits do not all name main: $got"
done
by=$(sqlite3 -batch -noheader "$T/out/1.db" "SELECT count(*) || ' ' || count(s.waker_utid) FROM thread_state s
	JOIN thread t USING (utid) WHERE t.name = 'bystander' AND s.reason = 'mutex' AND s.dur >= 10000000")
[ "$by" = "1 0" ] || fail "bystander's timed-out wait: $by (want one, no waker)"
pass
