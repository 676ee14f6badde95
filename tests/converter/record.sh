#!/usr/bin/env bash
# record.sh: records gen_events with the lttng CLI and packs trace.out.
#
# usage: record.sh GEN_EVENTS OUT.trace.out [gen_events args...]
#        (env SUBBUF=1M NUMSUBBUF=8 set the channel's buffers)
# Exit status 3: gen_events' scenario missed a timing window (a busy
# machine); recording again is the answer.
# A private session daemon runs as `nobody` (when we are root) with its own
# HOME/LTTNG_HOME, and is stopped by the pid it wrote, never by name.  The
# archive follows tracer/TRACE_FORMAT.md: cprof/FORMAT, info.txt,
# modules.tsv, symbols/<i>.tsv, then ctf/.
set -uo pipefail
gen=$(readlink -f "$1"); out=$2; shift 2

die() { echo "record.sh: $*" >&2; exit 1; }

# A private LTTng world, as in tests/lib/harness.sh (which needs libcprof).
T=$(mktemp -d /tmp/cprof-rec.XXXXXX)
chmod 0755 "$T"
mkdir -p "$T/home"
APP_USER=""
if [ "$(id -u)" = 0 ]; then
	APP_USER=nobody
	chown nobody:nogroup "$T/home"
fi
APP_RUN=(env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME="$T/home" LTTNG_HOME="$T/home" LANG=C.UTF-8)
[ -n "$APP_USER" ] && APP_RUN=(setpriv --reuid=nobody --regid=nogroup --clear-groups "${APP_RUN[@]}")
run_app() { "${APP_RUN[@]}" "$@"; }
BG_PIDS=()
cleanup() {
	local p sp pidf="$T/home/.lttng/lttng-sessiond.pid"
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	if [ -s "$pidf" ] && sp=$(cat "$pidf") && kill "$sp" 2>/dev/null; then
		for _ in $(seq 50); do kill -0 "$sp" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$sp" 2>/dev/null
	fi
	[ -n "${CPROF_KEEP:-}" ] && echo "# kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT
sessiond_start() {
	run_app lttng-sessiond --daemonize >/dev/null 2>&1 || return 1
	for _ in $(seq 100); do [ -s "$T/home/.lttng/lttng-sessiond.pid" ] && return 0; sleep 0.1; done
	return 1
}
lt() { run_app lttng "$@" >/dev/null || die "lttng $* failed"; }

# the app identity must be able to run the generator
if [ -n "$APP_USER" ] && ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$gen"; then
	cp "$gen" "$T/gen_events" && chmod 0755 "$T/gen_events" && gen="$T/gen_events"
fi
stage="$T/stage"
mkdir -p "$stage/cprof/symbols" "$stage/ctf"
chmod -R 0777 "$stage"

sessiond_start || die "cannot start a session daemon"
lt create cprofgen --output="$stage/ctf"
lt enable-channel -u --buffers-pid --subbuf-size "${SUBBUF:-1M}" --num-subbuf "${NUMSUBBUF:-8}" chan
lt add-context -u -t vtid -c chan
lt enable-event -u 'cprof:*' -c chan

fifo="$T/go"
mkfifo "$fifo" && chmod 0666 "$fifo"
# exec: $! must be the generator itself, the pid to track
(exec "${APP_RUN[@]}" "$gen" -w -m "$stage/cprof/modules.tsv" "$@") <"$fifo" &
gpid=$!
BG_PIDS+=("$gpid")
exec 3>"$fifo"
# the app must be registered before start, or its first events (and the
# stream classes in its metadata) can be lost under load
for _ in $(seq 200); do
	run_app lttng list -u 2>/dev/null | grep -q "PID: $gpid " && break
	sleep 0.05
done
lt track -u --vpid "$gpid"
start_ns=$(date +%s%N)
lt start
echo go >&3
exec 3>&-
wait "$gpid"
st=$?
[ $st = 3 ] && { echo "record.sh: gen_events asks to be run again (timing)" >&2; exit 3; }
[ $st = 0 ] || die "gen_events failed"
lt stop
end_ns=$(date +%s%N)
lt destroy cprofgen

# symbols: function and data symbols, value relative to the load bias
while IFS=$'\t' read -r idx _start _end _bias _bid path; do
	[ -r "$path" ] || continue
	syms=$(nm --defined-only -S "$path" 2>/dev/null)
	[ -n "$syms" ] || syms=$(nm -D --defined-only -S "$path" 2>/dev/null)
	printf '%s\n' "$syms" | awk 'NF == 4 && $3 ~ /^[TtWwDdBbRrVi]$/ {
		printf "0x%s\t0x%s\t%s\n", $1, $2, $4 }' | sort -u >"$stage/cprof/symbols/$idx.tsv"
done <"$stage/cprof/modules.tsv"

echo "cprof-trace 1" >"$stage/cprof/FORMAT"
cat >"$stage/cprof/info.txt" <<EOF
pid=$gpid
exe=$gen
hostname=$(hostname)
cprof_version=0.1.0-gen
seconds=0
start_ns=$start_ns
end_ns=$end_ns
discarded_events=0
lost_packets=0
subbuf_size=${SUBBUF:-1M}
num_subbuf=${NUMSUBBUF:-8}
internal_errors=0
EOF
ctfdir=$(cd "$stage/ctf" && ls -d ust/pid/*/ | head -1)
[ -n "$ctfdir" ] || die "no per-PID trace directory was written"
tar --format=ustar --owner=0 --group=0 -C "$stage" -czf "$out" cprof/FORMAT cprof/info.txt \
	cprof/modules.tsv cprof/symbols ctf || die "tar failed"
echo "record.sh: wrote $out ($(stat -c %s "$out") bytes)" >&2
