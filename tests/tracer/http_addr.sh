# http_addr.sh ADDR URLHOST: the endpoint binds the address it is told, with
# port 0 reported by cprof_http_port().
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
addr=$1 HOST=$2
TEST_NAME="http_addr $addr"
if [ "$HOST" = "[::1]" ] && ! ip -6 addr show lo 2>/dev/null | grep -q "::1"; then
	skip "no IPv6 loopback here"
fi
start_app -- "$addr"
get /debug/pprof/ -g
expect_code 200
# loopback unless told otherwise: nothing listens on other addresses
if [ "$HOST" = 127.0.0.1 ]; then
	grep -q ":$(printf '%04X' "$PORT") " /proc/net/tcp || fail "port $PORT not in /proc/net/tcp"
	awk -v p=":$(printf '%04X' "$PORT")" '$2 ~ p"$" && $4 == "0A" { print $2 }' /proc/net/tcp |
		grep -qv "^0100007F:" && fail "listening on a non-loopback address"
fi
pass
