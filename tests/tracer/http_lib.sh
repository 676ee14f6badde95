# http_lib.sh: sourced by the endpoint tests after tests/lib/harness.sh.
# start_app [ENV=VAL...] [-- ADDR]: runs http_app as the app identity in the
# background and sets PORT.  get PATH: curl the endpoint, sets CODE and BODY.

APP="$B/tests/tracer/http_app"
[ -x "$APP" ] || fail "http_app not built at $APP"
command -v curl >/dev/null || skip "curl is not installed"

# bg_app CMD...: like run_app, in the background, with $! the program's own
# pid (setpriv and env exec), so the harness's cleanup really stops it.
bg_app() {
	if [ -n "$APP_USER" ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups "${APP_ENV[@]}" "$@" &
	else
		"${APP_ENV[@]}" "$@" &
	fi
	BG_PIDS+=($!)
}

# has_session [PATTERN]: the test's daemon lists a session whose name
# contains PATTERN (default "cprof-").  No pipe into grep -q: with pipefail
# an early grep exit could turn a match into a failure.
has_session() {
	local out
	out=$(run_app lttng list 2>&1)
	[[ $out == *"${1:-cprof-}"* ]]
}

start_app() {
	local envs=() addr=""
	while [ $# -gt 0 ]; do
		case $1 in
		--) addr=$2; shift 2 ;;
		*) envs+=("$1"); shift ;;
		esac
	done
	rm -f "$T/out/port"
	bg_app env "${envs[@]}" "$APP" "$T/out/port" $addr 2>"$T/app.err"
	wait_for_file "$T/out/port" 15 || { cat "$T/app.err" >&2; fail "http_app did not start"; }
	PORT=$(cat "$T/out/port")
	[ "$PORT" -gt 0 ] 2>/dev/null || fail "bad port '$PORT'"
	HOST=${HOST:-127.0.0.1}
}

# get URLPATH [curl args...]
get() {
	local p=$1; shift
	CODE=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' --max-time 30 "$@" \
		"http://$HOST:$PORT$p") || true
	BODY=$(head -c 300 "$T/body" 2>/dev/null | tr -d '\0')
}

expect_code() {
	[ "$CODE" = "$1" ] || fail "expected HTTP $1, got '$CODE' (body: $BODY)"
}
