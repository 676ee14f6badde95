# own_threads_signals.sh: the threads cprof adds to a program (the
# endpoint's, the capture's statistics and reaper threads; lttng-ust's do it
# themselves) block every signal, so that a signal sent to the process
# reaches one of the program's own threads.  The endpoint's thread blocked
# only SIGPIPE: dash, waiting in sigsuspend() for SIGCHLD or a trapped
# SIGTERM, never woke when the kernel chose that thread - `cprof-run --http
# -- sh -c '... & wait'` then ignored SIGTERM (seen about once in 40 runs).
# Checked here on the mechanism: SIGCHLD and SIGTERM are blocked in every
# thread but the program's one, during a capture.
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
bg_app env LD_PRELOAD="$B/tracer/libcprof-preload.so" CPROF_HTTP=127.0.0.1:0 \
	sh -c 'sleep 30 & wait' 2>"$T/err"
app=${BG_PIDS[-1]}
for _ in $(seq 100); do
	PORT=$(sed -n 's/.*serving .* (port \([0-9]*\)).*/\1/p' "$T/err")
	[ -n "$PORT" ] && break
	sleep 0.1
done
[ -n "$PORT" ] || { cat "$T/err" >&2; fail "no port announced"; }
HOST=127.0.0.1
get "/debug/pprof/trace?seconds=2" &
getter=$!
sleep 1
n=0; bad=""
for t in /proc/$app/task/*; do
	tid=${t##*/}
	[ "$tid" = "$app" ] && continue            # the program's own thread
	n=$((n + 1))
	mask=$(sed -n 's/^SigBlk:\s*//p' "$t/status")
	# SIGTERM is signal 15, SIGCHLD 17: bits 14 and 16 of the mask
	(( (0x$mask >> 14) & 1 && (0x$mask >> 16) & 1 )) || bad="$bad $(cat "$t/comm")=$mask"
done
wait $getter
note "$n threads besides the program's"
[ $n -ge 3 ] || fail "only $n threads besides the program's during a capture"
[ -z "$bad" ] || fail "threads that take SIGTERM or SIGCHLD:$bad"
pass
