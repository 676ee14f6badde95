#!/usr/bin/env bash
# An unmodified interpreter from Debian: python3 with 4 threads on a bounded
# queue.Queue (CPython's locks are semaphores: sem_clockwait / sem_post)
# traced for its whole run by cprof-run - same output as untraced, and the
# waits in the database name their wakers: a thread's semaphore wait and
# the waits that follow it before its next unlock are written together,
# each with its own waker (before the per-wait stamps, 45% of the
# semaphore waits of 10 us or more named one).  Then asyncio handing work
# to its thread pool (run_in_executor): the event loop's epoll waits name
# the pool thread whose call_soon_threadsafe woke it (a send on the loop's
# socketpair).
source "$(dirname "$0")/../lib/harness.sh"
command -v python3 >/dev/null || skip "python3 is not installed"
cat >"$T/out/q.py" <<'PY'
import hashlib, queue, threading
q = queue.Queue(maxsize=4)
out = [0] * 4
def work(i):
    while True:
        x = q.get()
        if x is None:
            break
        out[i] ^= int(hashlib.sha256(x).hexdigest()[:8], 16)
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in ts:
    t.start()
for n in range(20000):
    q.put(b"%d" % n * 50)
for t in ts:
    q.put(None)
for t in ts:
    t.join()
r = 0
for v in out:
    r ^= v
print("python ok", r)
PY
chmod 644 "$T/out/q.py"
want=$(run_app python3 "$T/out/q.py")
got=$(run_app "$B/tracer/cprof-run" -o "$T/out/py.out" -- python3 "$T/out/q.py") || fail "python3 failed under cprof-run"
[ "$want" = "$got" ] || fail "python3's output differs under cprof-run: '$got', not '$want'"
"$B/converter/cprof-convert" -o "$T/py.db" "$T/out/py.out" 2>"$T/cerr" || { cat "$T/cerr" >&2; fail "conversion failed"; }
q() { sqlite3 "$T/py.db" "$1"; }
# reason, fewest waits expected, least share with a waker (%), of the waits
# that did not fail (a timed-out wait has no waker).  Unloaded, 98-100% of
# the semaphore and condvar waits and 94-97% of the mutex waits name one;
# with the suite running alongside, condvar waits fell to 89.6% once, and
# to 95% under a benchmark's load (cause not found: an instrumented build
# under load showed no claimed wait whose stamp failed to come).  Before the
# per-wait stamps: 41-45% (semaphore), 75% (condvar), 69% (mutex).
for x in "sem 200 90" "cond 200 80" "mutex 100 80"; do
	set -- $x
	read -r n named <<<"$(q "SELECT COUNT(*), COALESCE(SUM(waker_utid IS NOT NULL), 0) FROM thread_state
		WHERE reason = '$1' AND dur >= 10000 AND result = 0" | tr '|' ' ')"
	note "$1 waits of 10 us or more: $n, with a waker: $named"
	[ "$n" -ge "$2" ] || fail "only $n $1 waits of 10 us or more in the trace"
	[ $((named * 100)) -ge $((n * $3)) ] || fail "$1 waits with a waker: $named of $n (want $3% or more)"
done

cat >"$T/out/aio.py" <<'PY'
import asyncio, time
def work(i):
    time.sleep(0.003)
    return i
async def main():
    loop = asyncio.get_running_loop()
    n = 0
    for i in range(100):
        n += await loop.run_in_executor(None, work, i)
    print("asyncio ok", n)
asyncio.run(main())
PY
chmod 644 "$T/out/aio.py"
got=$(run_app "$B/tracer/cprof-run" -o "$T/out/aio.out" -- python3 "$T/out/aio.py") || fail "asyncio under cprof-run failed"
[ "$got" = "asyncio ok 4950" ] || fail "asyncio under cprof-run printed '$got'"
"$B/converter/cprof-convert" -o "$T/aio.db" "$T/out/aio.out" 2>"$T/cerr" || { cat "$T/cerr" >&2; fail "conversion failed"; }
# the main thread's epoll waits of 1 ms or more (each executor call sleeps
# 3 ms): woken by another python3 thread (measured: 101 of 101)
read -r n named <<<"$(sqlite3 "$T/aio.db" "SELECT COUNT(*), COALESCE(SUM(w.tid IS NOT NULL AND w.tid != t.tid), 0)
	FROM thread_state s JOIN thread t ON t.utid = s.utid JOIN process p ON p.upid = t.upid AND t.tid = p.pid
	LEFT JOIN thread w ON w.utid = s.waker_utid
	WHERE s.reason = 'net_poll' AND s.dur >= 1000000" | tr '|' ' ')"
note "asyncio: the loop's epoll waits of 1 ms or more: $n, woken by a pool thread: $named"
[ "$n" -ge 90 ] || fail "only $n epoll waits of 1 ms or more in the event loop"
[ $((named * 100)) -ge $((n * 90)) ] || fail "the event loop's epoll waits with a waker: $named of $n (want 90% or more)"
pass
