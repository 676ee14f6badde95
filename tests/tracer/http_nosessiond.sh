# http_nosessiond.sh MODE: 503 with a reason when no session daemon can be
# started.  MODE=path: lttng-sessiond is not in PATH.  MODE=home: the LTTng
# home is not writable, so the daemon cannot create its sockets.
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
TEST_NAME="http_nosessiond $1"
case $1 in
path)
	mkdir -p "$T/bin"; chmod 755 "$T/bin"
	start_app PATH="$T/bin" ;;
home)
	mkdir -p "$T/ro"; chmod 555 "$T/ro"
	[ -n "$APP_USER" ] || [ "$(id -u)" != 0 ] || skip "needs a non-root app identity"
	start_app HOME="$T/ro" LTTNG_HOME="$T/ro" ;;
*) fail "unknown mode $1" ;;
esac
get "/debug/pprof/trace?seconds=0.2"
expect_code 503
[ "$(wc -l <"$T/body")" = 1 ] || fail "503 body is not one line: $BODY"
grep -qi "sessiond\|session daemon" "$T/body" || fail "503 body has no reason: $BODY"
note "503: $BODY"
pass
