# cprof_run.sh CASE: cprof-run's command line, exit status pass-through and
# signal forwarding.
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
TEST_NAME="cprof_run $1"
RUN="$B/tracer/cprof-run"
[ -x "$RUN" ] || fail "cprof-run not built at $RUN"
[ -e "$B/tracer/libcprof-preload.so" ] || fail "libcprof-preload.so not built"

check_trace() {
	[ -s "$1" ] || fail "no trace at $1"
	mkdir -p "$T/x" && tar xzf "$1" -C "$T/x" || fail "trace.out does not unpack"
	[ "$(cat "$T/x/cprof/FORMAT")" = "cprof-trace 1" ] || fail "no cprof/FORMAT"
	if command -v babeltrace2 >/dev/null; then
		babeltrace2 "$T/x/ctf" >"$T/events.txt" 2>"$T/bt.err" ||
			{ cat "$T/bt.err" >&2; fail "babeltrace2 cannot read the trace"; }
		grep -q "cprof:" "$T/events.txt" || fail "no cprof events in the trace"
		# the events of the stop itself reach the trace
		grep -q "cprof:trace_end:" "$T/events.txt" || fail "no cprof:trace_end in $1"
	fi
	rm -rf "$T/x"
}

case $1 in
help)
	"$RUN" --help >"$T/help" || fail "--help exit status $?"
	grep -q "usage: cprof-run" "$T/help" || fail "no usage line"
	;;
badargs)
	"$RUN" 2>"$T/err"; st=$?
	[ $st = 2 ] || fail "no program: exit $st"
	grep -q "no program" "$T/err" || fail "no program: $(cat "$T/err")"
	"$RUN" --bogus -- true 2>"$T/err"; st=$?
	[ $st = 2 ] || fail "bad option: exit $st"
	"$RUN" -o x --http :0 -- true 2>"$T/err"; st=$?
	[ $st = 2 ] || fail "-o with --http: exit $st"
	run_app "$RUN" -o "$T/out/t.out" -- /nonexistent/prog 2>"$T/err"; st=$?
	[ $st = 127 ] || fail "missing program: exit $st"
	grep -q "cannot run /nonexistent/prog" "$T/err" || fail "missing program: $(cat "$T/err")"
	CPROF_PRELOAD=/nonexistent/lib.so "$RUN" -- true 2>"$T/err"; st=$?
	[ $st = 2 ] || fail "bad CPROF_PRELOAD: exit $st"
	;;
exit)
	command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
	run_app "$RUN" -o "$T/out/t.out" -- sh -c 'exit 7' 2>"$T/err"; st=$?
	[ $st = 7 ] || { cat "$T/err" >&2; fail "exit status $st, want 7"; }
	grep -q "trace written to $T/out/t.out" "$T/err" || fail "no report: $(cat "$T/err")"
	check_trace "$T/out/t.out"
	# a relative -o lands in the working directory
	(cd "$T/out" && run_app "$RUN" -o rel.out -- true 2>/dev/null) || fail "relative -o"
	[ -s "$T/out/rel.out" ] || fail "relative -o did not write $T/out/rel.out"
	# `true` returns from main: the trace is finished among the destructors
	check_trace "$T/out/rel.out"
	;;
sigterm|sigint)
	sig=${1#sig}; sig=${sig^^}
	want=$(( 128 + $(kill -l "$sig") ))
	command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
	bg_app "$RUN" -o "$T/out/t.out" -- sleep 30 2>"$T/err"
	pid=$!
	# wait until the program catches SIGTERM/SIGINT (libcprof's handlers
	# are in): from then on the signal finishes the trace, even during its
	# start
	child=""
	for _ in $(seq 300); do
		child=$(cat /proc/"$pid"/task/"$pid"/children 2>/dev/null | awk '{ print $1 }')
		[ -n "$child" ] && [ "$(cat /proc/"$child"/comm 2>/dev/null)" = sleep ] &&
			[ $(( 0x$(awk '/^SigCgt/ { print $2 }' /proc/"$child"/status \
			2>/dev/null || echo 0) & 0x4000 )) != 0 ] && break
		sleep 0.1
	done
	[ -n "$child" ] || fail "cprof-run did not start the program"
	kill -"$sig" "$pid"
	wait "$pid"; st=$?
	[ $st = "$want" ] || { cat "$T/err" >&2; fail "exit status $st, want $want (SIG$sig)"; }
	check_trace "$T/out/t.out"
	has_session && fail "a session was left behind"
	;;
env)
	# the program sees the environment it would untraced: cprof-run's
	# variables (CPROF_TRACE, and LTTNG_UST_WITHOUT_BADDR_STATEDUMP it adds
	# for lttng-ust) are taken out; the user's own stay
	command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
	run_app env -u LTTNG_UST_WITHOUT_BADDR_STATEDUMP "$RUN" -o "$T/out/e.out" -- /usr/bin/env \
		>"$T/env.txt" 2>"$T/err" || { cat "$T/err" >&2; fail "exit status $?"; }
	check_trace "$T/out/e.out"
	grep -E '^(CPROF_|LTTNG_UST_WITHOUT_BADDR_STATEDUMP=)' "$T/env.txt" &&
		fail "cprof's variables are in the program's environment"
	grep -q '^LD_PRELOAD=.*libcprof-preload' "$T/env.txt" || fail "not preloaded: $(cat "$T/env.txt")"
	run_app env LTTNG_UST_WITHOUT_BADDR_STATEDUMP=1 "$RUN" -o "$T/out/e2.out" -- /usr/bin/env \
		>"$T/env2.txt" 2>"$T/err" || { cat "$T/err" >&2; fail "exit status $?"; }
	grep -qx 'LTTNG_UST_WITHOUT_BADDR_STATEDUMP=1' "$T/env2.txt" ||
		fail "the user's LTTNG_UST_WITHOUT_BADDR_STATEDUMP was taken out"
	;;
exec)
	# the program cprof-run starts execs the one meant (env, nice, taskset):
	# the trace is the exec'd program's, not lost with env's image
	command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
	app="$B/tests/tracer/closeall_app"
	run_app "$RUN" -o "$T/out/x.out" -- env CPROF_TEST_VAR=1 nice -n 0 "$app" loop 0.3 \
		>"$T/out.txt" 2>"$T/err"; st=$?
	[ $st = 0 ] || { cat "$T/err" >&2; fail "exit status $st"; }
	check_trace "$T/out/x.out"
	mkdir -p "$T/x" && tar xzf "$T/out/x.out" -C "$T/x" cprof/info.txt || fail "no info.txt"
	grep -q "^exe=$app\$" "$T/x/cprof/info.txt" || fail "traced $(grep ^exe= "$T/x/cprof/info.txt"), want $app"
	"$B/converter/cprof-convert" -q -o "$T/x.db" "$T/out/x.out" || fail "conversion"
	[ "$(sqlite3 "$T/x.db" "SELECT COUNT(*) > 0 FROM thread_state WHERE reason = 'mutex'")" = 1 ] ||
		fail "no mutex waits from the exec'd program"
	# an exec into an environment without the preload (env -i) cannot hand
	# the trace over: it is written for the program before the exec, and the
	# new image's environment stays as given
	run_app "$RUN" -o "$T/out/z.out" -- env -i /usr/bin/env >"$T/z.txt" 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "env -i: exit status $?"; }
	[ ! -s "$T/z.txt" ] || fail "env -i's child saw an environment: $(cat "$T/z.txt")"
	check_trace "$T/out/z.out"
	# execveat, which glibc does not route through execve, hands over too
	run_app "$RUN" -o "$T/out/v.out" -- "$B/tests/tracer/execveat_app" "$app" loop 0.1 \
		>/dev/null 2>"$T/err" || { cat "$T/err" >&2; fail "execveat_app: exit status $?"; }
	mkdir -p "$T/v" && tar xzf "$T/out/v.out" -C "$T/v" cprof/info.txt || fail "execveat: no info.txt"
	grep -q "^exe=$app\$" "$T/v/cprof/info.txt" ||
		fail "execveat: traced $(grep ^exe= "$T/v/cprof/info.txt"), want $app"
	# and so does syscall(SYS_execve)
	run_app "$RUN" -o "$T/out/u.out" -- "$B/tests/tracer/execveat_app" --syscall "$app" loop 0.1 \
		>/dev/null 2>"$T/err" || { cat "$T/err" >&2; fail "execveat_app --syscall: exit status $?"; }
	mkdir -p "$T/u" && tar xzf "$T/out/u.out" -C "$T/u" cprof/info.txt || fail "syscall exec: no info.txt"
	grep -q "^exe=$app\$" "$T/u/cprof/info.txt" ||
		fail "syscall exec: traced $(grep ^exe= "$T/u/cprof/info.txt"), want $app"
	# a shell's `exec prog` tries execve() in each PATH directory: the trace
	# moves once, to the one that runs (it was restarted for each miss)
	run_app env CPROF_VERBOSE=1 PATH=/nonexistent/a:/nonexistent/b:/usr/bin:/bin \
		"$RUN" -o "$T/out/w.out" -- sh -c 'exec true' 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "sh -c 'exec true': exit status $?"; }
	n=$(grep -c "session cprof-.* started" "$T/err")
	[ "$n" = 2 ] || { cat "$T/err" >&2; fail "$n captures started for sh and true, want 2"; }
	check_trace "$T/out/w.out"
	# an exec that fails gives the trace back: env's own, exit status 127
	run_app "$RUN" -o "$T/out/y.out" -- env /nonexistent/prog 2>"$T/err"; st=$?
	[ $st = 127 ] || { cat "$T/err" >&2; fail "failed exec: exit status $st, want 127"; }
	check_trace "$T/out/y.out"
	;;
untraceable)
	# a statically linked program (Debian's ldconfig is static-pie) runs
	# as usual, and cprof-run says why it has no trace
	ldc=$(command -v ldconfig || echo /sbin/ldconfig)
	[ -x "$ldc" ] || skip "no ldconfig"
	file_type=$(od -An -c -N4 "$ldc" | tr -d ' ')
	[ "$file_type" = "177ELF" ] || skip "$ldc is not an ELF file"
	run_app "$RUN" -o "$T/out/s.out" -- "$ldc" -p >"$T/s.txt" 2>"$T/err"; st=$?
	[ $st = 0 ] || { cat "$T/err" >&2; fail "ldconfig -p: exit status $st"; }
	grep -q "libc.so.6" "$T/s.txt" || fail "ldconfig -p printed no libc"
	[ ! -e "$T/out/s.out" ] || fail "a trace of a static program?"
	grep -q "cannot be traced, it is statically linked" "$T/err" || fail "no reason given: $(cat "$T/err")"
	;;
*) fail "unknown case $1" ;;
esac
pass
