# fclose_socket.sh: a socket closed by fclose (after fdopen) is a close like
# any other: its cprof:fd_close is in the trace and the fd table forgets it
# (before, libc's fclose closed it out of reach and the entry stayed for the
# number's next owner).
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
command -v babeltrace2 >/dev/null || skip "babeltrace2 is not installed"
sessiond_start || fail "cannot start the test's session daemon"
out=$(run_app env LD_PRELOAD="$B/tracer/libcprof-preload.so" CPROF_TRACE="$T/out/f.out" \
	"$B/tests/tracer/fclose_app" 2>"$T/err") || { cat "$T/err" >&2; fail "fclose_app failed"; }
read -r a b <<<"$out"
mkdir -p "$T/x" && tar xzf "$T/out/f.out" -C "$T/x" || fail "no trace"
babeltrace2 "$T/x/ctf" >"$T/events.txt" 2>/dev/null || fail "babeltrace2 cannot read the trace"
grep -q "cprof:fd_close: .*{ fd = $b," "$T/events.txt" || fail "no fd_close for the close()d fd $b"
grep -q "cprof:fd_close: .*{ fd = $a," "$T/events.txt" || fail "no fd_close for the fclose()d fd $a"
pass
