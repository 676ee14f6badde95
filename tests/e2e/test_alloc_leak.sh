#!/usr/bin/env bash
# The memory-leak example traced for its whole run: the heap counter grows,
# mallinfo and alloc_config are there, sampled allocations carry stacks, and
# the top in-use sampled site, symbolized with the trace's own cprof/symbols,
# is the leaking function remember_request (called from handle_request).
source "$(dirname "$0")/../lib/harness.sh"
command -v python3 >/dev/null || skip "python3 is needed to read the events"
out=$(run_app timeout 90 "$B/tracer/cprof-run" -o "$T/out/leak.out" -- \
	"$B/examples/cprof-example-memleak" --no-http --duration 2 --pause-ms 0) \
	|| fail "memleak under cprof-run failed (status $?): $out"
echo "$out" | grep -Eq '^requests [0-9]+, remembered [0-9]+, heap in use [0-9]+ bytes' \
	|| fail "unexpected output: $out"
mkdir -p "$T/x" && tar xzf "$T/out/leak.out" -C "$T/x" || fail "trace does not unpack"
babeltrace2 "$T/x/ctf" >"$T/ev.txt" 2>/dev/null || fail "babeltrace2 cannot read the trace"
python3 "$SRC/tests/e2e/alloc_events.py" "$T/x" <"$T/ev.txt" >"$T/facts" || fail "alloc_events.py failed"
cat "$T/facts" >&2
get() { sed -n "s/^$1=//p" "$T/facts"; }
[ "$(get events.alloc_config)" = 1 ] || fail "expected one alloc_config"
# mallinfo2 waits for the arena locks, which an allocation-heavy thread
# hardly releases: the periodic events may be late, at least one is there
[ "$(get events.mallinfo)" -ge 1 ] 2>/dev/null || fail "expected mallinfo events"
[ "$(get events.heap)" -ge 3 ] 2>/dev/null || fail "expected heap counter events"
first=$(get heap.first) last=$(get heap.last)
[ $((last - first)) -ge $((1024 * 1024)) ] || fail "heap did not grow by 1 MiB: $first -> $last"
[ "$(get samples)" -ge 5 ] || fail "too few sampled allocations"
[ "$(get live_samples)" -ge 2 ] || fail "no in-use sampled allocation left"
[ "$(get top_live)" = remember_request ] || fail "top in-use site is $(get top_live), not remember_request"
get top_live_stack | grep -q handle_request || fail "the leak's stack does not name handle_request"
pass "heap $first -> $last bytes, top in-use site remember_request"
