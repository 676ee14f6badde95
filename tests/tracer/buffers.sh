# buffers.sh MODE: the channel buffers a capture uses (tracer/session.c,
# README.md "Buffers").
#  burst: at the default sizes, a burst of 3/4 of one CPU's buffer written
#         while the consumer daemon is stopped (SIGSTOP, by pid: it stands
#         for a consumer that gets no CPU) is recorded whole: 0 discarded.
#         With the old default (8 x 1 MiB per CPU) on a 2-CPU machine this
#         burst is 24 MiB and two thirds of it are discarded.
#  override: CPROF_NUM_SUBBUF and CPROF_SUBBUF_SIZE replace the defaults.
# The default per CPU is max(8 MiB, 64 MiB / configured CPUs), in 1 MiB
# sub-buffers (a power-of-two count).
source "$CPROF_SRC/tests/lib/harness.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
command -v babeltrace2 >/dev/null || skip "babeltrace2 is not installed"
mode=${1:?usage: buffers.sh burst|override}
app="$B/tests/tracer/burst_app"
MiB=1048576

ncpu=$(getconf _NPROCESSORS_CONF)
per_cpu=$((64 * MiB / ncpu))
p=1; while [ $((p * 2)) -le "$per_cpu" ]; do p=$((p * 2)); done
per_cpu=$p
[ "$per_cpu" -ge $((8 * MiB)) ] || per_cpu=$((8 * MiB))
want_num=$((per_cpu / MiB))
note "$ncpu configured CPUs: default $want_num x 1 MiB per CPU expected"

sessiond_start || fail "cannot start a session daemon"

info() { tar xzf "$1" -O cprof/info.txt | sed -n "s/^$2=//p"; }

# trace TAG EVENTS BYTES [VAR=VALUE...]: runs burst_app without stopping
# the consumer; the trace is $T/out/TAG.out.
trace() {
	local tag=$1 n=$2 len=$3; shift 3
	mkdir -p "$T/out/$tag.sync"
	[ -n "$APP_USER" ] && chown "$APP_USER" "$T/out/$tag.sync"
	touch "$T/out/$tag.sync/go" "$T/out/$tag.sync/resume"
	run_app env "$@" "$app" "$T/out/$tag.out" "$T/out/$tag.sync" "$n" "$len" \
		>"$T/$tag.log" 2>&1 || { cat "$T/$tag.log" >&2; fail "$tag: burst_app failed"; }
}

case $mode in
override)
	trace num 10 100 CPROF_NUM_SUBBUF=8
	[ "$(info "$T/out/num.out" num_subbuf)" = 8 ] || fail "CPROF_NUM_SUBBUF=8 not used"
	[ "$(info "$T/out/num.out" subbuf_size)" = $MiB ] || fail "CPROF_NUM_SUBBUF=8 changed subbuf_size"
	# a sub-buffer size alone: the count follows the same per-CPU budget
	trace size 10 100 CPROF_SUBBUF_SIZE=$((4 * MiB))
	want=$((per_cpu / (4 * MiB))); [ "$want" -ge 8 ] || want=8
	[ "$(info "$T/out/size.out" subbuf_size)" = $((4 * MiB)) ] || fail "CPROF_SUBBUF_SIZE not used"
	[ "$(info "$T/out/size.out" num_subbuf)" = "$want" ] ||
		fail "CPROF_SUBBUF_SIZE=4 MiB: num_subbuf $(info "$T/out/size.out" num_subbuf), want $want"
	trace both 10 100 CPROF_NUM_SUBBUF=2 CPROF_SUBBUF_SIZE=65536
	[ "$(info "$T/out/both.out" num_subbuf)/$(info "$T/out/both.out" subbuf_size)" = 2/65536 ] ||
		fail "CPROF_NUM_SUBBUF=2 CPROF_SUBBUF_SIZE=65536 not used"
	pass "overrides used; default $want_num x 1 MiB per CPU" ;;
burst) ;;
*) fail "unknown mode $mode" ;;
esac

# ~1 KiB events (1000-byte message + header, task, category): the burst is
# 3/4 of the expected per-CPU buffer.
len=1000
n=$((per_cpu * 3 / 4 / 1024))
sync="$T/out/burst.sync"
mkdir -p "$sync"
[ -n "$APP_USER" ] && chown "$APP_USER" "$sync"
start_app "$app" "$T/out/burst.out" "$sync" "$n" "$len" >"$T/burst.log" 2>&1
app_pid=${BG_PIDS[-1]}
wait_for_file "$sync/started" 30 || { cat "$T/burst.log" >&2; fail "burst_app did not start tracing"; }

sd=$(cat "$T/home/.lttng/lttng-sessiond.pid")
cons=()
for p in $(descendants "$sd"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = lttng-consumerd ] && cons+=("$p")
done
[ ${#cons[@]} -gt 0 ] || fail "no consumer daemon under session daemon $sd"
resume() { kill -CONT "${cons[@]}" 2>/dev/null; }
stop_fail() { resume; fail "$@"; }

kill -STOP "${cons[@]}" || stop_fail "cannot stop the consumer daemon"
touch "$sync/go"
wait_for_file "$sync/burst-done" 60 || stop_fail "burst did not finish"
resume
touch "$sync/resume"
wait "$app_pid" || { cat "$T/burst.log" >&2; fail "burst_app failed"; }
cat "$T/burst.log" >&2

out="$T/out/burst.out"
[ -s "$out" ] || fail "no trace written"
num=$(info "$out" num_subbuf); size=$(info "$out" subbuf_size); disc=$(info "$out" discarded_events)
[ "$size" = $MiB ] || fail "default subbuf_size $size, want $MiB"
[ "$num" = "$want_num" ] || fail "default num_subbuf $num, want $want_num"
mkdir -p "$T/x" && tar xzf "$out" -C "$T/x" ctf || fail "trace does not unpack"
got=$(babeltrace2 "$T/x/ctf" 2>/dev/null | grep -c 'cprof:user_log:')
note "burst of $n events of ~$((len + 24)) bytes on one CPU, consumer stopped: $got recorded, $disc discarded"
[ "$disc" = 0 ] || fail "$disc events discarded at the default buffer size ($num x $size per CPU)"
[ "$got" = "$n" ] || fail "$got of $n burst events in the trace"
pass "$n events (~$((n * (len + 24) / MiB)) MiB) held by $num x 1 MiB with the consumer stopped"
