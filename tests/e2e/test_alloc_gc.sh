#!/usr/bin/env bash
# GC-like phases in the CTF: Boehm GC collections of an example that never
# calls cprof for them (phases, mark/reclaim, stop-the-world, gc_heap), the
# pool sweeps annotated with cprof_gc_begin/end and cprof_stw_begin/end, and
# malloc_trim called by an unmodified Debian program (python3 via ctypes).
source "$(dirname "$0")/../lib/harness.sh"
command -v python3 >/dev/null || skip "python3 is needed to read the events"
facts() {   # facts NAME TRACE: unpacks, decodes and summarizes TRACE into $T/NAME.facts
	mkdir -p "$T/$1" && tar xzf "$2" -C "$T/$1" || fail "$1: trace does not unpack"
	babeltrace2 "$T/$1/ctf" >"$T/$1.txt" 2>/dev/null || fail "$1: babeltrace2 cannot read the trace"
	python3 "$SRC/tests/e2e/alloc_events.py" "$T/$1" <"$T/$1.txt" >"$T/$1.facts" \
		|| fail "$1: alloc_events.py failed"
	note "$1: $(tr '\n' ' ' <"$T/$1.facts")"
}
get() { sed -n "s/^$2=//p" "$T/$1.facts"; }

if [ -x "$B/examples/cprof-example-boehm-gc" ]; then
	out=$(run_app timeout 90 "$B/tracer/cprof-run" -o "$T/out/gc.out" -- \
		"$B/examples/cprof-example-boehm-gc" --no-http --duration 1.5) \
		|| fail "boehm example failed (status $?): $out"
	echo "$out" | grep -Eq '^trees [0-9]+, collections [1-9]' || fail "unexpected output: $out"
	facts boehm "$T/out/gc.out"
	[ "$(get boehm boehm_config)" = 1 ] || fail "alloc_config says the Boehm hook is not installed"
	get boehm gc_kinds | grep -q 'boehm,boehm.mark,boehm.reclaim' || fail "no Boehm GC phases"
	[ "$(get boehm events.gc_begin)" -ge 3 ] || fail "too few gc_begin"
	[ "$(get boehm events.gc_end)" = "$(get boehm events.gc_begin)" ] || fail "gc_begin/gc_end unbalanced"
	[ "$(get boehm events.stw_begin)" -ge 1 ] || fail "no stop-the-world pause"
	[ "$(get boehm events.stw_end)" = "$(get boehm events.stw_begin)" ] || fail "stw unbalanced"
	[ "$(get boehm events.gc_heap)" -ge 1 ] || fail "no gc_heap event"
else
	note "cprof-example-boehm-gc not built (libgc-dev missing): Boehm part skipped"
fi

out=$(run_app timeout 90 "$B/tracer/cprof-run" -o "$T/out/pool.out" -- \
	"$B/examples/cprof-example-pool-sweep" --no-http --duration 1) \
	|| fail "pool example failed (status $?): $out"
echo "$out" | grep -Eq '^sweeps [1-9]' || fail "unexpected output: $out"
facts pool "$T/out/pool.out"
get pool gc_kinds | grep -q 'pool.sweep' || fail "no pool.sweep phase"
[ "$(get pool events.gc_end)" = "$(get pool events.gc_begin)" ] || fail "gc_begin/gc_end unbalanced"
[ "$(get pool events.stw_begin)" -ge 1 ] || fail "no stop-the-world pause in the pool example"

out=$(run_app timeout 90 "$B/tracer/cprof-run" -o "$T/out/trim.out" -- python3 -c '
import ctypes
libc = ctypes.CDLL(None)
junk = [bytearray(100000) for _ in range(200)]
del junk
print("trim", libc.malloc_trim(0))') || fail "python3 malloc_trim failed: $out"
echo "$out" | grep -Eq '^trim [01]$' || fail "unexpected output: $out"
facts trim "$T/out/trim.out"
get trim gc_kinds | grep -q malloc_trim || fail "malloc_trim is not a GC phase"
[ "$(get trim events.mallinfo)" -ge 1 ] || fail "no mallinfo"
pass
