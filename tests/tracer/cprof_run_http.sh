# cprof_run_http.sh: cprof-run --http runs an unmodified program with the
# endpoint (CPROF_HTTP via the preload library) and a trace can be fetched.
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
# sh holds the endpoint; the env it runs shows what children inherit
bg_app "$B/tracer/cprof-run" --http 127.0.0.1:0 -- sh -c 'env >"$1"; trap "kill \$!; exit 0" TERM; sleep 60 & wait' sh "$T/out/env" \
	2>"$T/err"
for _ in $(seq 100); do
	PORT=$(sed -n 's/.*serving .* (port \([0-9]*\)).*/\1/p' "$T/err")
	[ -n "$PORT" ] && break
	sleep 0.1
done
[ -n "$PORT" ] || { cat "$T/err" >&2; fail "no port announced"; }
HOST=127.0.0.1
get "/debug/pprof/trace?seconds=0.3"
expect_code 200
mkdir "$T/x" && tar xzf "$T/body" -C "$T/x" || fail "trace.out does not unpack"
grep -q "^exe=.*sh$" "$T/x/cprof/info.txt" || fail "info.txt exe: $(grep exe= "$T/x/cprof/info.txt")"
# the program's children do not inherit the endpoint (the variable is removed)
wait_for_file "$T/out/env" 5 || fail "the program did not run env"
grep -q "^CPROF_HTTP=" "$T/out/env" && fail "CPROF_HTTP inherited by a child"
# nor cprof's preload (sh serving the endpoint shows cprof-run preloaded it)
grep -q "^LD_PRELOAD=.*libcprof" "$T/out/env" && fail "cprof's LD_PRELOAD inherited by a child"
pass
