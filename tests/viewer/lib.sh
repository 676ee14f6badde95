# lib.sh: helpers of the viewer tests (sourced after tests/lib/harness.sh).
# Provides: $VIEW (cprof-trace), make_db FILE [EVENTS] [THREADS] [GEN_DB FLAGS...],
# start_viewer DB [FLAGS...] (sets $URL and $VIEW_PID), get PATH (body to
# stdout, status in $T/status), expect_status CODE PATH, json EXPR FILE.
VIEW=${CPROF_TRACE:-$CPROF_BUILD/viewer/cprof-trace}
GEN_DB=${CPROF_GEN_DB:-$CPROF_BUILD/tests/viewer/gen_db}
[ -x "$VIEW" ] || fail "cprof-trace not built at $VIEW"

make_db() {
	local idx=()
	[ -f "$SRC/schema/cprof_index.sql" ] && idx=(-i "$SRC/schema/cprof_index.sql")
	"$GEN_DB" -s "$SRC/schema/cprof.sql" "${idx[@]}" -o "$1" -n "${2:-20000}" -t "${3:-8}" "${@:4}" \
		>"$T/gen.log" 2>&1 || { cat "$T/gen.log" >&2; fail "gen_db failed"; }
}

start_viewer() {
	local db=$1
	shift
	"$VIEW" -q "$@" "$db" >"$T/viewer.out" 2>"$T/viewer.err" &
	VIEW_PID=$!
	BG_PIDS+=("$VIEW_PID")
	for _ in $(seq 100); do
		URL=$(sed -n 's/^cprof-trace: viewer listening on \(http[^ ]*\)$/\1/p' "$T/viewer.out" 2>/dev/null)
		[ -n "$URL" ] && return 0
		kill -0 "$VIEW_PID" 2>/dev/null || { cat "$T/viewer.err" >&2; fail "viewer exited"; }
		sleep 0.1
	done
	fail "viewer printed no URL"
}

# get PATH [curl args...]: body on stdout, HTTP status in $T/status.
get() {
	local path=$1
	shift
	curl -sS --path-as-is -o "$T/body" -w '%{http_code}' "$@" "${URL%/}$path" >"$T/status" ||
		fail "curl $path"
	cat "$T/body"
}

expect_status() {
	local want=$1 path=$2
	shift 2
	get "$path" "$@" >/dev/null
	[ "$(cat "$T/status")" = "$want" ] ||
		fail "$path: HTTP $(cat "$T/status"), want $want: $(head -c 300 "$T/body")"
}

# json EXPR FILE: evaluates a JavaScript expression on the parsed JSON `j`.
json() {
	node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
		const v = eval(process.argv[1]); console.log(typeof v === "object" ? JSON.stringify(v) : v);' \
		"$1" "$2" || fail "bad JSON or expression $1 on $(head -c 200 "$2")"
}

# wait_indexed: waits until the server's timeline index is built.
wait_indexed() {
	for _ in $(seq 600); do
		curl -s "${URL}api/summary" | grep -q '"indexing":false' && return 0
		kill -0 "$VIEW_PID" 2>/dev/null || { wait "$VIEW_PID"; fail "the viewer exited (status $?): $(cat "$T/viewer.err")"; }
		sleep 0.2
	done
	fail "the timeline index was not built in 120 s: $(cat "$T/viewer.err") $(curl -s -m 5 "${URL}api/summary" | head -c 300)"
}
