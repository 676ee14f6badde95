# http_disconnect.sh: a client that hangs up mid-trace leaves no LTTng
# session behind, and the next trace can start as soon as the endpoint has
# noticed (not only once the abandoned session is destroyed: that waits for
# the consumer daemon, seconds on a busy machine, and answered 409 meanwhile).
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
sessiond_start || fail "cannot start the test's session daemon"
start_app
curl -sS -o /dev/null --max-time 1 "http://$HOST:$PORT/debug/pprof/trace?seconds=20" \
	2>/dev/null && fail "the 20 s trace answered within 1 s"
for _ in $(seq 100); do grep -q "client went away" "$T/app.err" && break; sleep 0.1; done
grep -q "client went away" "$T/app.err" || { cat "$T/app.err" >&2; fail "the endpoint did not notice the hang-up"; }
# logged just before the abort, which frees the endpoint at once: allow
# 250 ms of 409s (destroying the session took 0.55 s alone, 2-3 s in the
# suite, and the endpoint answered 409 all that time before)
for i in $(seq 25); do
	CODE=$(curl -sS -o /dev/null -w '%{http_code}' "http://$HOST:$PORT/debug/pprof/trace?seconds=0.05")
	[ "$CODE" = 409 ] || break
	sleep 0.01
done
note "after the hang-up was logged: $((i - 1)) answers 409, then $CODE"
expect_code 200
# the session and the temporary directory go away (the directory just after;
# destroying the session waits for the consumer daemon to let go of the
# buffers: 2-3 s alone, more when the whole suite runs: 21.6 s seen, with
# the next capture's session being destroyed alongside)
gone=""
t0=$(date +%s%N)
for _ in $(seq 600); do
	if ! has_session &&
			! compgen -G "$T/tmp/cprof-${BG_PIDS[0]}-*" >/dev/null; then
		gone=1; break
	fi
	sleep 0.1
done
note "session and directory gone $(( ($(date +%s%N) - t0) / 1000000 )) ms after the client hung up"
[ -n "$gone" ] || { run_app lttng list >&2; ls -d $T/tmp/cprof-"${BG_PIDS[0]}"-* >&2
	fail "session or temporary directory left behind after disconnect"; }
pass
