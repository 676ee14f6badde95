# whole_waits.sh: lock and condvar waits begun during a capture are each
# one cprof:sync_wait naming its waker (also after a signal that found no
# waiter to claim), written after the waiter's unlock or
# by the thread that stops the capture; a wait still going at the stop is a
# cprof:sync_wait_open with its stack.  Checked in the CTF and in the
# converted database.
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
run_done whole_waits "$B/tests/tracer/whole_waits" "$T/out/t.out" "$T/out/t2.out"
mkdir -p "$T/x" && tar xzf "$T/out/t.out" -C "$T/x" || fail "trace.out does not unpack"
babeltrace2 "$T/x/ctf" >"$T/ev.txt" 2>/dev/null || fail "babeltrace2 cannot read the trace"
# expect_line FILE ERE MESSAGE: a line of FILE matches ERE, else fail
expect_line() { grep -Eq "$2" "$1" || fail "$3"; }
tid_of() { sed -n "s/.*cprof:thread_name:.*{ tid = \([0-9]*\), name = \"$1\" }.*/\1/p" "$T/ev.txt" | head -1; }
main=$(sed -n 's/.*cprof:process:.*{ pid = \([0-9]*\),.*/\1/p' "$T/ev.txt" | head -1)
for n in waiter cond-waiter holder stuck; do
	eval "tid_${n//-/_}=$(tid_of $n)"
done
note "main $main waiter $tid_waiter cond-waiter $tid_cond_waiter holder $tid_holder stuck $tid_stuck"
[ -n "$main" ] && [ -n "$tid_waiter" ] && [ -n "$tid_holder" ] && [ -n "$tid_stuck" ] || fail "threads not named in the trace"
# one event per wait, written by the waiter itself, naming main
grep -Eq "vtid = $tid_waiter \}, \{ kind = 1, .*dur_ns = [1-9][0-9]{7,}, waker_tid = $main, .*tid = 0," "$T/ev.txt" ||
	fail "no whole mutex wait of 'waiter' (>= 10 ms, waker main); its waits:" \
		"$(grep -E "cprof:(sync_wait|block_|wake).*(vtid|tid) = $tid_waiter\b" "$T/ev.txt" | head -4)"
expect_line "$T/ev.txt" "vtid = $tid_cond_waiter \}, \{ kind = 4, .*waker_tid = $main, " \
	"no whole condvar wait of 'cond-waiter' naming main"
tid_cond_waiter2=$(tid_of cond-waiter2)
expect_line "$T/ev.txt" "vtid = $tid_cond_waiter2 \}, \{ kind = 4, .*waker_tid = $main, " \
	"no condvar wait of 'cond-waiter2' naming main (after a signal that found no waiter)"
# the holder's, written at the stop by the stopping thread (main)
expect_line "$T/ev.txt" "vtid = $main \}, \{ kind = 1, .*waker_tid = $main, .*tid = $tid_holder," \
	"the holder's wait was not written by the stopping thread"
# the stuck thread's, still open at the stop, with its stack
expect_line "$T/ev.txt" "cprof:sync_wait_open:.*\{ tid = $tid_stuck, kind = 1, .*dur_ns = [1-9][0-9]{7,}," \
	"no sync_wait_open for 'stuck'"
expect_line "$T/ev.txt" "cprof:status_stack:.*\{ tid = $tid_stuck, _stack_length = [1-9]" \
	"no stack for the open wait"
# every named waker's stamp lies within the wait (the waker claims a
# published wait and reads the clock before its waking call)
bad=$(grep -E "cprof:sync_wait: .*waker_tid = [1-9]" "$T/ev.txt" |
	sed -E 's/.*dur_ns = ([0-9]+), waker_tid = [0-9]+, wake_ago_ns = ([0-9]+),.*/\1 \2/' |
	awk '$1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+$/ || $2 + 0 > $1 + 0 { n++ } END { print n + 0 "/" NR }')
[ "${bad%/*}" = 0 ] && [ "${bad#*/}" -ge 3 ] || fail "waker stamps outside their waits (bad/all: $bad)"
! grep -Eq "cprof:(block_begin|block_end|wake):.*kind = [14]," "$T/ev.txt" \
	|| fail "a wait begun in the capture was also recorded as block_begin/block_end/wake"

convert_db "$T/out/t.out" "$T/t.db"
q() { sqlite3 "$T/t.db" "$1"; }
st() {   # reason, waker name, dur >= 10 ms, of thread $1's waits
	q "SELECT s.reason || ' ' || COALESCE(w.name, '-') || ' ' || (s.dur >= 10000000) FROM thread_state s
		JOIN thread t ON t.utid = s.utid LEFT JOIN thread w ON w.utid = s.waker_utid
		WHERE t.name = '$1' AND s.reason IS NOT NULL ORDER BY s.ts"
}
main_name=$(q "SELECT name FROM thread WHERE tid = $main")
[ "$(st waiter)" = "mutex $main_name 1" ] || fail "waiter's states: $(st waiter)"
[ "$(st cond-waiter)" = "cond $main_name 1" ] || fail "cond-waiter's states: $(st cond-waiter)"
[ "$(st cond-waiter2 | grep "^cond " | cut -d" " -f1,2)" = "cond $main_name" ] || fail "cond-waiter2's states: $(st cond-waiter2)"
[ "$(st holder)" = "mutex $main_name 1" ] || fail "holder's states: $(st holder)"
[ "$(st stuck)" = "mutex - 1" ] || fail "stuck's states: $(st stuck)"
# stuck's wait lasts to the end of the trace; its stack reaches stuck_lock
[ "$(q "SELECT s.ts + s.dur = (SELECT MAX(ts + dur) FROM thread_state) FROM thread_state s
	JOIN thread t ON t.utid = s.utid WHERE t.name = 'stuck' ORDER BY s.ts DESC LIMIT 1")" = 1 ] \
	|| fail "stuck's wait does not last to the end of the trace"
n=$(q "WITH RECURSIVE up(id, parent, frame) AS (
		SELECT c.id, c.parent_id, c.frame_id FROM thread_state s JOIN thread t ON t.utid = s.utid
		JOIN stack_profile_callsite c ON c.id = s.callsite_id WHERE t.name = 'stuck' AND s.reason = 'mutex'
		UNION ALL SELECT c.id, c.parent_id, c.frame_id FROM up JOIN stack_profile_callsite c ON c.id = up.parent)
	SELECT COUNT(*) FROM up JOIN stack_profile_frame f ON f.id = up.frame WHERE f.name = 'stuck_lock'")
[ "$n" = 1 ] || fail "stuck's open wait has no stack reaching stuck_lock"

# the stuck wait, begun in the first capture, ends in the second: there it
# is a wait from before the capture (status dump), ended by block_end and
# main's wake, not a sync_wait
mkdir -p "$T/x2" && tar xzf "$T/out/t2.out" -C "$T/x2" || fail "the second trace.out does not unpack"
babeltrace2 "$T/x2/ctf" >"$T/ev2.txt" 2>/dev/null || fail "babeltrace2 cannot read the second trace"
expect_line "$T/ev2.txt" "cprof:thread_status:.*\{ tid = $tid_stuck, .*wait_kind = 1," \
	"second capture: 'stuck' not in the status dump as waiting on a mutex"
expect_line "$T/ev2.txt" "vtid = $tid_stuck \}, \{ kind = 1, .*cprof:block_end|cprof:block_end: .*vtid = $tid_stuck \}, \{ kind = 1," \
	"second capture: no block_end for the stuck wait"
expect_line "$T/ev2.txt" "cprof:wake: .*vtid = $main \}, \{ kind = 1, .*target_tid = $tid_stuck \}" \
	"second capture: main's unlock does not name 'stuck'"
# relay: 40,000 waits between the captures, then a wait in the second
# capture that main's unlock ends: still named
tid_relay=$(tid_of relay)
[ -n "$tid_relay" ] || fail "relay not named in the first trace"
grep -Eq "vtid = $tid_relay \}, \{ kind = 1, .*waker_tid = $main, " "$T/ev.txt" ||
	fail "first capture: relay's wait does not name main; its waits:" \
		"$(grep -E "cprof:(sync_wait|block_|wake).*(vtid|tid) = $tid_relay\b" "$T/ev.txt" | head -4)"
expect_line "$T/ev2.txt" "vtid = $tid_relay \}, \{ kind = 1, .*dur_ns = [1-9][0-9]{7,}, waker_tid = $main, " \
	"second capture: relay's wait (after 40,000 others) does not name main"
convert_db "$T/out/t2.out" "$T/t2.db"
[ "$(sqlite3 "$T/t2.db" "SELECT s.reason || ' ' || COALESCE(w.name, '-') FROM thread_state s
	JOIN thread t ON t.utid = s.utid LEFT JOIN thread w ON w.utid = s.waker_utid
	WHERE t.name = 'stuck' AND s.reason IS NOT NULL ORDER BY s.ts LIMIT 1")" = "mutex $main_name" ] \
	|| fail "second capture: stuck's wait has not main as waker"
pass
