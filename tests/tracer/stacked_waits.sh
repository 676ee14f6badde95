# stacked_waits.sh: a thread's waits that end one after another before its
# next unlock (a condvar wait, then two mutex waits inside the critical
# section) are written together, each naming its own waker - the signaller,
# main, the holder - in the CTF and in the converted database.
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
rounds=3
run_done stacked_waits "$B/tests/tracer/stacked_waits" "$T/out/t.out" $rounds
convert_db "$T/out/t.out" "$T/t.db"
q() { sqlite3 "$T/t.db" "$1"; }
main_name=$(q "SELECT t.name FROM thread t JOIN process p ON p.upid = t.upid WHERE t.tid = p.pid")
[ -n "$main_name" ] || fail "the main thread is not in the database"
# stacked's waits of 10 ms or more, in order: reason and waker
got=$(q "SELECT s.reason || ' ' || COALESCE(w.name, '-') FROM thread_state s
	JOIN thread t ON t.utid = s.utid LEFT JOIN thread w ON w.utid = s.waker_utid
	WHERE t.name = 'stacked' AND s.reason IS NOT NULL AND s.dur >= 10000000 ORDER BY s.ts")
want=$(for r in $(seq $rounds); do printf 'cond signaller\nmutex %s\nmutex holder\n' "$main_name"; done)
note "stacked's long waits:" $got
[ "$got" = "$want" ] || fail "stacked's waits and wakers: got [$(echo $got)], want [$(echo $want)]"
# in the CTF: each round's three waits are one cprof:sync_wait each, all
# written after the same unlock (the condvar wait's end lies a mutex wait
# or two before its event)
mkdir -p "$T/x" && tar xzf "$T/out/t.out" -C "$T/x" || fail "trace.out does not unpack"
babeltrace2 "$T/x/ctf" >"$T/ev.txt" 2>/dev/null || fail "babeltrace2 cannot read the trace"
tid=$(sed -n 's/.*cprof:thread_name:.*{ tid = \([0-9]*\), name = "stacked" }.*/\1/p' "$T/ev.txt" | head -1)
[ -n "$tid" ] || fail "stacked not named in the trace"
n=$(grep -Ec "vtid = $tid \}, \{ kind = 4, .*end_ago_ns = [1-9][0-9]{7,}" "$T/ev.txt")
[ "$n" -ge $rounds ] || fail "stacked's condvar waits were not written after its mutex waits ($n of $rounds)"
pass
