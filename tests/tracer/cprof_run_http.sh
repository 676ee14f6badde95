# cprof_run_http.sh [exec]: cprof-run --http runs an unmodified program with
# the endpoint (CPROF_HTTP via the preload library) and a trace can be
# fetched; with exec, from the program env execs.
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
# sh holds the endpoint; the env it runs shows what children inherit.
# With "exec", sh is exec'd by env (cprof-run --http -- env A=1 sh ...): the
# endpoint follows it (each image announces its port; env's is closed).
wrap=()
[ "${1:-}" = exec ] && wrap=(env CPROF_TEST_WRAPPED=1)
want_ports=$((${#wrap[@]} ? 2 : 1))
bg_app "$B/tracer/cprof-run" --http 127.0.0.1:0 -- "${wrap[@]}" \
	sh -c 'env >"$1"; trap "kill \$!; exit 0" TERM; sleep 60 & wait' sh "$T/out/env" 2>"$T/err"
for _ in $(seq 100); do
	ports=($(sed -n 's/.*serving .* (port \([0-9]*\)).*/\1/p' "$T/err"))
	[ ${#ports[@]} -ge $want_ports ] && break
	sleep 0.1
done
[ ${#ports[@]} = $want_ports ] || { cat "$T/err" >&2; fail "${#ports[@]} ports announced, want $want_ports"; }
PORT=${ports[-1]}
if [ $want_ports = 2 ]; then
	curl -s -o /dev/null "http://127.0.0.1:${ports[0]}/debug/pprof/" &&
		fail "env's endpoint still answers after its exec"
	grep -q "^CPROF_TEST_WRAPPED=1$" "$T/out/env" 2>/dev/null || wait_for_file "$T/out/env" 5
fi
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
