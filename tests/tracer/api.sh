# api.sh: runs api_app (the cprof.h capture functions) as the app identity.
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
run_app "$B/tests/tracer/api_app" "$T/out" >"$T/tap" 2>"$T/err"; st=$?
cat "$T/tap"
[ $st = 0 ] || { cat "$T/err" >&2; fail "api_app failed"; }
tar tzf "$T/out/whole.out" >"$T/list" || fail "whole.out does not unpack"
grep -q "^cprof/FORMAT$" "$T/list" || fail "whole.out has no cprof/FORMAT"
pass
