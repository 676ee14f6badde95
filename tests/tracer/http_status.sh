# http_status.sh URLPATH CODE [BODY_REGEX] [METHOD]: one request, one expected
# status (the 400/404/405 cases, the index page).
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
path=$1 code=$2 body_re=${3:-} method=${4:-GET}
TEST_NAME="http_status $method $path"
start_app
get "$path" -X "$method"
expect_code "$code"
if [ -n "$body_re" ]; then
	grep -Eq -- "$body_re" "$T/body" || fail "body does not match /$body_re/: $BODY"
fi
# error answers are one line of text
if [ "$code" -ge 400 ] && [ "$method" != HEAD ]; then
	[ "$(wc -l <"$T/body")" = 1 ] || fail "error body is not one line: $BODY"
fi
# nothing was traced: no session may exist
if [ -S "$T/home/.lttng/client-lttng-sessiond" ]; then
	has_session && fail "a session was left behind"
fi
pass "$code"
