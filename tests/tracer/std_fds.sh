# std_fds.sh CASE: programs whose standard fds or environment are not the
# usual ones keep running traced.
#  http_stdin_closed  the endpoint in a program that closed fd 0 after
#                     starting it (daemons do): liblttng-ctl's socket to the
#                     daemon took fd 0 and liblttng-ctl's assert(sock)
#                     aborted the program at the capture start.
#  exit_stdin_closed  a whole-run trace of Debian's rm, which closes its
#                     stdin at exit: the same abort at the trace's stop.
#  shell_children     cprof-run -- bash -c '...': bash has its own unsetenv
#                     (a no-op at startup), so CPROF_TRACE stayed in its
#                     environment and every command it ran started a trace
#                     of its own into the same file.
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
TEST_NAME="std_fds $1"
RUN="$B/tracer/cprof-run"
pre="$B/tracer/libcprof-preload.so"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"

trace_ok() {
	[ -s "$1" ] || fail "no trace at $1"
	mkdir -p "$T/x" && tar xzf "$1" -C "$T/x" || fail "$1 does not unpack"
	grep -q "^pid=" "$T/x/cprof/info.txt" || fail "$1 has no info.txt"
	rm -rf "$T/x"
}

case $1 in
http_stdin_closed)
	start_app HTTP_APP_CLOSE_STDIN=1
	app=${BG_PIDS[-1]}
	for i in 1 2; do
		get "/debug/pprof/trace?seconds=0.2"
		kill -0 "$app" 2>/dev/null || { cat "$T/app.err" >&2; fail "the program died in capture $i"; }
		expect_code 200
		cp "$T/body" "$T/out/t$i.out"
		trace_ok "$T/out/t$i.out"
	done
	;;
exit_stdin_closed)
	command -v rm >/dev/null || skip "no rm"
	run_app env LD_PRELOAD="$pre" CPROF_TRACE="$T/out/rm.out" rm -f "$T/out/nonexistent" \
		</dev/null 2>"$T/err"; st=$?
	[ $st = 0 ] || { cat "$T/err" >&2; fail "rm exited with $st"; }
	trace_ok "$T/out/rm.out"
	;;
shell_children)
	command -v bash >/dev/null || skip "no bash"
	out=$(run_app env CPROF_VERBOSE=1 "$RUN" -o "$T/out/sh.out" -- bash -c \
		'cat /proc/self/environ | tr "\0" "\n" | grep -c "^CPROF_\(TRACE\|HTTP\)="; rm -f /nonexistent-x; true' \
		2>"$T/err") || { cat "$T/err" >&2; fail "cprof-run failed"; }
	[ "$out" = 0 ] || fail "a command bash ran was given CPROF_TRACE/CPROF_HTTP ($out)"
	n=$(grep -c "session cprof-.* started" "$T/err")
	[ "$n" = 1 ] || { cat "$T/err" >&2; fail "$n captures started, want 1 (bash's)"; }
	# nor cprof's preload (the user's own preloads stay), by exec or posix_spawn
	out=$(run_app env LD_PRELOAD=libm.so.6 "$RUN" -o "$T/out/sh2.out" -- bash -c \
		'cat /proc/self/environ | tr "\0" "\n" | grep "^LD_PRELOAD="; true' 2>"$T/err") ||
		{ cat "$T/err" >&2; fail "cprof-run failed"; }
	[ "$out" = "LD_PRELOAD=libm.so.6" ] || fail "bash's command got LD_PRELOAD '$out'"
	# unless the command is given a trace of its own on purpose
	run_app "$RUN" -o "$T/out/outer.out" -- bash -c 'LD_PRELOAD="$1" CPROF_TRACE="$2" /bin/true; true' \
		bash "$pre" "$T/out/inner.out" 2>"$T/err" || { cat "$T/err" >&2; fail "cprof-run failed"; }
	[ -s "$T/out/inner.out" ] || { cat "$T/err" >&2; fail "a command given CPROF_TRACE was not traced"; }
	trace_ok "$T/out/inner.out"
	if [ -x /usr/bin/python3 ]; then
		out=$(run_app "$RUN" -o "$T/out/py.out" -- /usr/bin/python3 -c 'import os, sys
pid = os.posix_spawn("/bin/sh", ["sh", "-c", "echo \"[$LD_PRELOAD]\""], os.environ)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))' 2>"$T/err") ||
			{ cat "$T/err" >&2; fail "python3 under cprof-run failed"; }
		[ "$out" = "[]" ] || fail "a posix_spawn child got LD_PRELOAD '$out'"
	fi
	trace_ok "$T/out/sh.out"
	;;
*) fail "unknown case $1" ;;
esac
pass
