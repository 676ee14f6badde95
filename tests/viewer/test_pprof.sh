#!/usr/bin/env bash
# -pprof=net|sync|syscall|sched writes a gzip'd profile.proto that Debian's
# `go tool pprof -top` reads, with the right functions and totals.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/lib.sh"
command -v go >/dev/null || skip "go is missing: install golang-go (listed in scripts/deps.txt)"
export HOME="$T/home" GOCACHE="$T/home/gocache" GOFLAGS=-mod=mod GOTOOLCHAIN=local

db="$T/out/p.db"
make_db "$db" 20000 8

top() {
	go tool pprof -top "$1" >"$T/top" 2>"$T/top.err" || { cat "$T/top.err" >&2; fail "pprof -top $1"; }
}
"$VIEW" -pprof=sync "$db" >"$T/out/sync.pb.gz" || fail "-pprof=sync"
[ "$(head -c 2 "$T/out/sync.pb.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "not gzip"
top "$T/out/sync.pb.gz"
for f in pthread_cond_wait pthread_mutex_lock queue_pop worker_main; do
	grep -q "$f" "$T/top" || fail "sync profile lacks $f: $(cat "$T/top")"
done
grep -q "Type: delay" "$T/top" || fail "sample type: $(head -3 "$T/top")"
# The total matches the database (pprof prints it in its own units).
want=$("$VIEW" -sql "SELECT sum(dur) FROM thread_state WHERE state = 'blocked'" "$db" | tail -1)
go tool pprof -raw "$T/out/sync.pb.gz" >"$T/raw" 2>/dev/null || fail "pprof -raw"
got=$(awk '/^Samples:/ {s = 1; next} s && /^ *[0-9]+ +[0-9]+:/ {sub(":", "", $2); t += $2} /^Locations/ {s = 0} END {print t}' "$T/raw")
[ "$got" = "$want" ] || fail "sync total $got ns, database says $want ns"

"$VIEW" -pprof=net "$db" >"$T/out/net.pb.gz" || fail "-pprof=net"
top "$T/out/net.pb.gz"
grep -q recv "$T/top" && grep -q epoll_wait "$T/top" || fail "net profile: $(cat "$T/top")"
grep -q pthread_mutex_lock "$T/top" && fail "net profile holds sync stacks"
"$VIEW" -pprof=syscall "$db" >"$T/out/sys.pb.gz" || fail "-pprof=syscall"
top "$T/out/sys.pb.gz"
grep -q fsync "$T/top" || fail "syscall profile: $(cat "$T/top")"
# No runnable states in this trace: a valid, empty scheduler profile.
"$VIEW" -pprof=sched "$db" >"$T/out/sched.pb.gz" || fail "-pprof=sched"
top "$T/out/sched.pb.gz"

# A real trace.out through the real converter, when built.
conv="$CPROF_BUILD/converter/cprof-convert"
fix="$SRC/tests/converter/fixtures/scenario.trace.out"
if [ -x "$conv" ] && [ -f "$fix" ]; then
	cp "$fix" "$T/out/s.trace.out"
	CPROF_CONVERT=$conv "$VIEW" -pprof=sync "$T/out/s.trace.out" >"$T/out/s.pb.gz" 2>"$T/e" ||
		fail "-pprof on trace.out: $(cat "$T/e")"
	top "$T/out/s.pb.gz"
	grep -q "flat%" "$T/top" || fail "real profile: $(cat "$T/top")"
else
	note "cprof-convert or its fixture missing: real trace not profiled"
fi
pass
