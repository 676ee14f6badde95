# marked_io.sh: a socket read, a socket write and a pipe read already
# blocked when a capture starts (outside captures they are only marked as
# the thread's wait) are in the status dump as network waits on their fds,
# and end in the capture; in the database they are net waits from the
# trace's start.
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
out=$(run_app "$B/tests/tracer/marked_io" "$T/out/t.out" 2>"$T/err") ||
	{ cat "$T/err" >&2; echo "$out" >&2; fail "marked_io failed"; }
read -r _ fr fw fp <<<"$(echo "$out" | head -1)"
[ "$(echo "$out" | tail -1)" = done ] || fail "marked_io says '$out'"
mkdir -p "$T/x" && tar xzf "$T/out/t.out" -C "$T/x" || fail "trace.out does not unpack"
babeltrace2 "$T/x/ctf" >"$T/ev.txt" 2>/dev/null || fail "babeltrace2 cannot read the trace"
# kind 20: network read, 21: network write; obj: the fd
for x in "sock-reader 20 $fr" "sock-writer 21 $fw" "pipe-reader 20 $fp"; do
	set -- $x
	grep -Eq "cprof:thread_status:.*name = \"$1\", .*wait_kind = $2, wait_obj = $(printf '0x%X' "$3")," "$T/ev.txt" ||
		fail "$1 not in the status dump as waiting (kind $2) on fd $3:" \
			"$(grep "cprof:thread_status:.*\"$1\"" "$T/ev.txt")"
done
convert_db "$T/out/t.out" "$T/t.db"
q() { sqlite3 "$T/t.db" "$1"; }
for x in "sock-reader net_read" "sock-writer net_write" "pipe-reader net_read"; do
	set -- $x
	got=$(q "SELECT s.state || ' ' || COALESCE(s.reason, '-') || ' ' || (s.ts = (SELECT MIN(ts) FROM thread_state))
		|| ' ' || (s.dur >= 40000000) FROM thread_state s JOIN thread t ON t.utid = s.utid
		WHERE t.name = '$1' ORDER BY s.ts LIMIT 1")
	note "$1: first state $got"
	[ "$got" = "net $2 1 1" ] || fail "$1's first state is '$got', not a $2 wait from the trace's start of 40 ms or more"
done
pass
