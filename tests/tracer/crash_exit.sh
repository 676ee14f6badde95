# crash_exit.sh: a traced program whose crash handler calls _exit must exit
# as untraced, with its status.  Finishing the whole-run trace there
# (liblttng-ctl and the archive allocate) deadlocked on the heap lock glibc
# held when it aborted inside free(): the program hung.  The trace is given
# up, and cprof-run does not report an earlier run's file as this one's.
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
app="$B/tests/tracer/crash_exit_app"
run_app timeout 20 "$app" 2>/dev/null; st=$?
[ $st = 3 ] || skip "the app exits with $st untraced, not 3 (another glibc?)"
echo "an earlier run's trace" >"$T/out/c.out"
chmod 666 "$T/out/c.out"
run_app timeout -k 5 20 "$B/tracer/cprof-run" -o "$T/out/c.out" -- "$app" 2>"$T/err"; st=$?
[ $st = 124 ] || [ $st = 137 ] && { cat "$T/err" >&2; fail "the traced program hung in its crash handler"; }
[ $st = 3 ] || { cat "$T/err" >&2; fail "traced: exit status $st, want 3"; }
grep -q "the trace is not written" "$T/err" || fail "no word of the trace given up: $(cat "$T/err")"
grep -q "cprof-run: no trace was written" "$T/err" ||
	fail "cprof-run reported the earlier file as written: $(grep cprof-run "$T/err")"
pass
