# http_cmdline.sh: /debug/pprof/cmdline is argv joined with NUL bytes, like Go.
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
start_app -- 127.0.0.1:0
get /debug/pprof/cmdline
expect_code 200
want=$(printf '%s\0%s\0%s' "$APP" "$T/out/port" 127.0.0.1:0 | od -c)
have=$(od -c <"$T/body")
[ "$want" = "$have" ] || fail "cmdline differs: $(tr '\0' ' ' <"$T/body")"
pass
