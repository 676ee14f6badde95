# daemon.sh MODE: a program that daemonizes with daemon(3) is followed into
# its daemon process (glibc forks inside daemon() out of an interposer's
# reach: the daemon kept a dead endpoint whose requests hung, and a
# whole-run trace that was never written).
#  whole: cprof-run -o; the trace is written when the daemon exits and is
#    the daemon's, with its mutex waits and none of lttng-ust's threads.
#  relative: CPROF_TRACE=rel.out (preloaded); the trace is where the name
#    pointed when the program started, not under / where the daemon runs.
#  http: CPROF_HTTP=127.0.0.1:0; the daemon serves on the port announced
#    before it daemonized, and a capture is the daemon's.
#  setsid: daemonized by hand (fork, the parent exits, setsid): the endpoint
#    follows, on its port, and a capture is the daemon's.
#  setsid-stay: a child calls setsid while its parent goes on: the endpoint
#    stays with the parent.
#  setsid-whole: cprof-run -o of a daemon made by hand: the trace does not
#    follow it, and cprof says so.
#  memcached: memcached -d (a server from Debian that daemonizes by hand).
# Both check that daemon() still does what it does (session leader, cwd /,
# stdin on /dev/null).
source "$CPROF_SRC/tests/lib/harness.sh"
TEST_NAME="daemon $1"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
sessiond_start || fail "cannot start the test's session daemon"
APP="$B/tests/tracer/daemon_app"
state="$T/out/state"

# waits for the daemon to write its pid; sets dpid
daemon_pid() {
	# (written once the daemon's capture started: up to 10 s on a loaded machine)
	for _ in $(seq 200); do grep -q '^pid ' "$state" 2>/dev/null && break; sleep 0.1; done
	dpid=$(sed -n 's/^pid //p' "$state")
	[ -n "$dpid" ] || fail "the daemon did not start"
	BG_PIDS+=("$dpid")
	grep -qx 'cwd /' "$state" && grep -qx 'stdin_devnull 1' "$state" && grep -qx 'sid 1' "$state" ||
		fail "daemon() did not do its job: $(cat "$state")"
}

# the trace's processes and threads
check_trace() {
	"$B/converter/cprof-convert" -q -o "$T/$1.db" "$2" || fail "the trace does not convert"
	pids=$(sqlite3 "$T/$1.db" "SELECT DISTINCT pid FROM process")
	[ "$pids" = "$dpid" ] || fail "the trace is of process(es) '$pids', not of the daemon $dpid"
	w=$(sqlite3 "$T/$1.db" "SELECT COUNT(*) FROM thread_state WHERE reason = 'mutex'")
	[ "$w" -gt 0 ] || fail "no mutex waits in the daemon's trace"
	u=$(sqlite3 "$T/$1.db" "SELECT COUNT(*) FROM thread WHERE name LIKE '%-ust'")
	[ "$u" = 0 ] || fail "lttng-ust's threads are in the trace as the program's"
	note "$1: daemon $dpid, $w mutex waits"
}

case $1 in
whole)
	run_app timeout 60 "$B/tracer/cprof-run" -o "$T/out/d.out" -- "$APP" "$state" 1.5 \
		>"$T/run.out" 2>"$T/run.err" || { cat "$T/run.err" >&2; fail "cprof-run failed"; }
	daemon_pid
	grep -q "written to $T/out/d.out when it exits" "$T/run.err" ||
		fail "no word that the trace goes on in the daemon: $(cat "$T/run.err")"
	grep -q "cprof-run: .* exited, but a process it left running (its daemon) is still tracing" \
		"$T/run.err" || fail "cprof-run does not say the trace is still being recorded: $(cat "$T/run.err")"
	for _ in $(seq 150); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$dpid" 2>/dev/null && fail "the daemon did not finish"
	grep -qx done "$state" || fail "the daemon did not finish its work: $(cat "$state")"
	[ -s "$T/out/d.out" ] || fail "the daemon wrote no trace"
	check_trace whole "$T/out/d.out"
	left=$(ls -A "$T/out" | grep -c '\.cprof-') && fail "temporary files left: $(ls -A "$T/out")"
	;;
relative)
	# CPROF_TRACE relative to where the program started: daemon() changes
	# to / before the daemon starts its trace
	(cd "$T/out" && run_app env LD_PRELOAD="$B/tracer/libcprof-preload.so" CPROF_TRACE=rel.out \
		"$APP" "$state" 1 >"$T/run.out" 2>"$T/run.err" </dev/null) || fail "the program failed"
	daemon_pid
	for _ in $(seq 150); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$dpid" 2>/dev/null && fail "the daemon did not finish"
	[ -s "$T/out/rel.out" ] || fail "no trace at $T/out/rel.out: $(ls -A "$T/out")"
	check_trace relative "$T/out/rel.out"
	left=$(ls -A "$T/out" | grep -c '\.cprof-') && fail "temporary files left: $(ls -A "$T/out")"
	;;
http)
	run_app env LD_PRELOAD="$B/tracer/libcprof-preload.so" CPROF_HTTP=127.0.0.1:0 \
		"$APP" "$state" 4 >"$T/run.out" 2>"$T/run.err" </dev/null || fail "the program failed"
	port=$(sed -n 's/.*serving .* (port \([0-9]*\)).*/\1/p' "$T/run.err" | head -1)
	[ -n "$port" ] || { cat "$T/run.err" >&2; fail "no port announced"; }
	daemon_pid
	curl -sS --max-time 20 -o "$T/out/h.out" "http://127.0.0.1:$port/debug/pprof/trace?seconds=1" \
		2>"$T/curl.err" || fail "no trace from the daemon's endpoint: $(cat "$T/curl.err")"
	check_trace http "$T/out/h.out"
	;;
setsid)
	# daemonized by hand (fork, the parent exits, setsid: memcached -d): the
	# endpoint follows the child once its parent is gone
	run_app env LD_PRELOAD="$B/tracer/libcprof-preload.so" CPROF_HTTP=127.0.0.1:0 \
		"$APP" "$state" 4 setsid >"$T/run.out" 2>"$T/run.err" </dev/null || fail "the program failed"
	port=$(sed -n 's/.*serving .* (port \([0-9]*\)).*/\1/p' "$T/run.err" | head -1)
	[ -n "$port" ] || { cat "$T/run.err" >&2; fail "no port announced"; }
	daemon_pid
	# (once the parent is gone: a thread of the daemon's waits for it)
	for _ in $(seq 50); do grep -q "follows it" "$T/run.err" && break; sleep 0.1; done
	grep -q "process $dpid, forked from [0-9]* (gone), called setsid(): the endpoint follows it, serving /debug/pprof/ on .* (port $port)" \
		"$T/run.err" || fail "no word of the endpoint following: $(cat "$T/run.err")"
	curl -sS --max-time 20 -o "$T/out/s.out" "http://127.0.0.1:$port/debug/pprof/trace?seconds=1" \
		2>"$T/curl.err" || fail "no trace from the daemon's endpoint: $(cat "$T/curl.err")"
	check_trace setsid "$T/out/s.out"
	;;
setsid-stay)
	# a child in a session of its own while its parent goes on (a server's
	# helper): the endpoint stays with the parent
	run_app env LD_PRELOAD="$B/tracer/libcprof-preload.so" CPROF_HTTP=127.0.0.1:0 \
		"$APP" "$state" 3 setsid-stay >"$T/run.out" 2>"$T/run.err" </dev/null &
	bg=$!
	BG_PIDS+=("$bg")
	daemon_pid
	ppid=$(sed -n 's/^ppid //p' "$state")
	port=$(sed -n 's/.*serving .* (port \([0-9]*\)).*/\1/p' "$T/run.err" | head -1)
	[ -n "$port" ] || { cat "$T/run.err" >&2; fail "no port announced"; }
	curl -sS --max-time 20 -o "$T/out/p.out" "http://127.0.0.1:$port/debug/pprof/trace?seconds=0.5" \
		2>"$T/curl.err" || fail "the parent's endpoint does not answer: $(cat "$T/curl.err")"
	"$B/converter/cprof-convert" -q -o "$T/p.db" "$T/out/p.out" || fail "the trace does not convert"
	pids=$(sqlite3 "$T/p.db" "SELECT DISTINCT pid FROM process")
	[ "$pids" = "$ppid" ] || fail "the capture is of '$pids', not of the parent $ppid"
	wait "$bg" || fail "the program failed: $(cat "$T/run.err")"
	[ "$(grep -c 'serving /debug/pprof/' "$T/run.err")" = 1 ] || fail "the endpoint started twice"
	grep -q "follows it" "$T/run.err" && fail "the child took the endpoint: $(cat "$T/run.err")"
	grep -q "process $dpid, forked from $ppid, called setsid(); the endpoint (port $port) stays with process $ppid" \
		"$T/run.err" || fail "no word of where the endpoint stays: $(cat "$T/run.err")"
	;;
setsid-whole)
	# a whole-run trace does not follow a daemon made by hand: cprof says so
	run_app timeout 60 "$B/tracer/cprof-run" -o "$T/out/w.out" -- "$APP" "$state" 0.5 setsid \
		>"$T/run.out" 2>"$T/run.err" </dev/null || { cat "$T/run.err" >&2; fail "cprof-run failed"; }
	daemon_pid
	grep -q "process $dpid, forked from [0-9]*, called setsid(): if it is the program's daemon, it is not traced (the whole-run trace into $T/out/w.out is process [0-9]*'s)" \
		"$T/run.err" || fail "no word that the daemon is not traced: $(cat "$T/run.err")"
	;;
memcached)
	# the same with a server from Debian: memcached -d daemonizes by hand
	command -v memcached >/dev/null || skip "memcached is not installed (apt-get install memcached)"
	mport=$(( 20000 + $$ % 20000 ))
	run_app env LD_PRELOAD="$B/tracer/libcprof-preload.so" CPROF_HTTP=127.0.0.1:0 \
		memcached -d -l 127.0.0.1 -p "$mport" -U 0 -t 2 -P "$T/out/mc.pid" \
		>"$T/run.out" 2>"$T/run.err" </dev/null || { cat "$T/run.err" >&2; fail "memcached -d failed"; }
	wait_for_file "$T/out/mc.pid" 10 || fail "memcached wrote no pid file"
	dpid=$(cat "$T/out/mc.pid")
	BG_PIDS+=("$dpid")
	port=$(sed -n 's/.*serving .* (port \([0-9]*\)).*/\1/p' "$T/run.err" | head -1)
	[ -n "$port" ] || { cat "$T/run.err" >&2; fail "no port announced"; }
	# (memcached's stderr is /dev/null by the time the daemon takes the
	# endpoint: asked until it answers)
	for _ in $(seq 50); do
		curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$port/debug/pprof/" && break
		sleep 0.1
	done
	curl -sS --max-time 20 -o "$T/out/m.out" "http://127.0.0.1:$port/debug/pprof/trace?seconds=0.5" \
		2>"$T/curl.err" || fail "no trace from memcached's endpoint: $(cat "$T/curl.err") $(cat "$T/run.err")"
	"$B/converter/cprof-convert" -q -o "$T/m.db" "$T/out/m.out" || fail "the trace does not convert"
	pids=$(sqlite3 "$T/m.db" "SELECT DISTINCT pid FROM process")
	[ "$pids" = "$dpid" ] || fail "the capture is of '$pids', not of memcached's daemon $dpid"
	n=$(sqlite3 "$T/m.db" "SELECT COUNT(*) FROM thread")
	[ "$n" -ge 3 ] || fail "only $n threads in memcached's capture"
	note "memcached -d: daemon $dpid, $n threads in the capture"
	kill "$dpid"
	;;
*) fail "unknown mode $1" ;;
esac
pass
