# http_killed.sh: a program killed mid-trace (SIGKILL) leaves a session and
# a directory behind; the next capture by any cprof process removes both,
# and the hour-old directories of dead processes no daemon lists.
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
sessiond_start || fail "cannot start the test's session daemon"
start_app
victim=${BG_PIDS[0]}
curl -sS -o /dev/null --max-time 30 "http://$HOST:$PORT/debug/pprof/trace?seconds=20" 2>/dev/null &
for _ in $(seq 100); do
	has_session "cprof-$victim-" && break
	sleep 0.1
done
has_session "cprof-$victim-" || fail "the trace did not start"
kill -9 "$victim"
wait "$victim" 2>/dev/null
compgen -G "$T/tmp/cprof-$victim-*" >/dev/null || fail "expected a leftover directory"
# directories of dead processes that no daemon lists any more: removed once
# an hour old, kept while younger (a live capture in another pid namespace
# sharing /tmp would look dead from here)
sh -c 'exit 0' & dead=$!; wait $dead
run_app mkdir "$T/tmp/cprof-$dead-oldabc" "$T/tmp/cprof-$dead-newabc" || fail "cannot make the stale directories"
run_app mkdir "$T/tmp/cprof-$dead-oldabc/ust"
run_app touch -d '-2 hours' "$T/tmp/cprof-$dead-oldabc"
start_app
get "/debug/pprof/trace?seconds=0.2"
expect_code 200
for _ in $(seq 50); do
	has_session || break
	sleep 0.1
done
has_session && fail "a session is left: $(run_app lttng list)"
compgen -G "$T/tmp/cprof-$victim-*" >/dev/null && fail "the killed program's directory is left"
[ -e "$T/tmp/cprof-$dead-oldabc" ] && fail "a dead process's 2-hour-old directory is left"
[ -d "$T/tmp/cprof-$dead-newabc" ] || fail "a dead process's fresh directory was removed"
rmdir "$T/tmp/cprof-$dead-newabc"
pass
