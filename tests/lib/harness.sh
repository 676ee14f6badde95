# harness.sh: sourced by the shell tests.  Gives each test a private LTTng
# world: a temp dir, a HOME/LTTNG_HOME of its own and, when running as root
# (CI), an unprivileged identity, so the test's session daemon is its own and
# is stopped by pid at exit.  Never kills anything by name.
#
# Provides: $T (test dir), $B (build dir the app can read), run_app CMD...,
# run_done NAME CMD..., convert_db TRACE DB, fail MSG, skip MSG, pass MSG,
# wait_for_port FILE, cleanup (trap-installed).

set -uo pipefail
: "${CPROF_BUILD:?CPROF_BUILD must point at the meson build dir}"
TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}

fail() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
skip() { echo "SKIP: $TEST_NAME: $*" >&2; exit 77; }
pass() { echo "ok: $TEST_NAME${1:+: $*}"; exit 0; }
note() { echo "# $*" >&2; }

T=$(mktemp -d /tmp/cprof-test.XXXXXX)
chmod 0755 "$T"
mkdir -p "$T/home" "$T/out" "$T/tmp"
APP_USER=""
if [ "$(id -u)" = 0 ]; then
	APP_USER=nobody
	chown nobody:nogroup "$T/home" "$T/out" "$T/tmp"
fi

# The build dir must be readable by the app's identity; if it is not (a
# checkout under /root), test a copy (meson's build rpaths are $ORIGIN-relative).
B="$CPROF_BUILD"
if [ -n "$APP_USER" ] && ! setpriv --reuid=nobody --regid=nogroup --clear-groups \
		test -r "$B/tracer/libcprof.so" 2>/dev/null; then
	mkdir -p "$T/build"
	(cd "$CPROF_BUILD" && find . \( -name '*.so*' -o -type f -perm -u+x \) -not -path './meson-*' \
		-print0 | tar --null -T - -cf -) | tar -xf - -C "$T/build"
	chmod -R a+rX "$T/build"
	B="$T/build"
fi
SRC=${CPROF_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

# TMPDIR inside $T: the capture directories of apps the cleanup kills go
# with it (they gathered in /tmp, ~18 per suite run)
APP_ENV=(env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME="$T/home" LTTNG_HOME="$T/home"
	TMPDIR="$T/tmp" LD_LIBRARY_PATH="$B/tracer" LANG=C.UTF-8)

# run_app CMD...: runs CMD as the app identity with the private LTTng home.
run_app() {
	if [ -n "$APP_USER" ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups "${APP_ENV[@]}" "$@"
	else
		"${APP_ENV[@]}" "$@"
	fi
}

# run_done NAME CMD...: run_app CMD, which must succeed and print "done"
# (else the test fails, with CMD's stderr); $out holds what it printed.
run_done() {
	local name=$1
	shift
	out=$(run_app "$@" 2>"$T/err") || { cat "$T/err" >&2; fail "$name failed: $out"; }
	[ "$out" = done ] || fail "$name says '$out'"
}

# convert_db TRACE DB: cprof-convert TRACE into DB, or the test fails with
# the converter's message.
convert_db() {
	"$B/converter/cprof-convert" -o "$2" "$1" 2>"$T/cerr" ||
		{ cat "$T/cerr" >&2; fail "conversion of $(basename "$1") failed"; }
}

# start_app CMD...: run_app in the background; its pid (the app itself, not
# a subshell) is added to BG_PIDS and stopped at exit.
start_app() {
	if [ -n "$APP_USER" ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups "${APP_ENV[@]}" "$@" &
	else
		"${APP_ENV[@]}" "$@" &
	fi
	BG_PIDS+=($!)
}

# descendants PID: every process below PID (by parent pid, read from ps).
descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}

BG_PIDS=()
cleanup() {
	local p all=()
	# `run_app ... &` leaves a subshell whose child is the app: stop the
	# whole tree, not only the pid bash knows.
	for p in "${BG_PIDS[@]}"; do all+=("$p" $(descendants "$p")); done
	for p in "${all[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for p in "${all[@]}"; do kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null; done
	local pidf="$T/home/.lttng/lttng-sessiond.pid"
	if [ -f "$pidf" ]; then
		local sp; sp=$(cat "$pidf")
		if [ -n "$sp" ] && kill "$sp" 2>/dev/null; then
			for _ in $(seq 50); do kill -0 "$sp" 2>/dev/null || break; sleep 0.1; done
			kill -9 "$sp" 2>/dev/null
		fi
	fi
	if [ -z "${CPROF_KEEP:-}" ]; then rm -rf "$T"; else echo "# kept $T" >&2; fi
}
trap cleanup EXIT

# wait_for_file FILE [SECONDS]: waits until FILE exists and is not empty.
wait_for_file() {
	local f=$1 n=$(( ${2:-10} * 10 ))
	for _ in $(seq "$n"); do [ -s "$f" ] && return 0; sleep 0.1; done
	return 1
}

# sessiond_start: starts this test's own session daemon (as the app identity)
# and waits until it answers.
sessiond_start() {
	run_app lttng-sessiond --daemonize >/dev/null 2>&1 || return 1
	wait_for_file "$T/home/.lttng/lttng-sessiond.pid" 10
}
