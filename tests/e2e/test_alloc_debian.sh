#!/usr/bin/env bash
# Unmodified allocation-heavy Debian programs under cprof-run: sort on a
# big input and python3 produce exactly the output they produce untraced,
# and their traces hold heap counters and sampled allocations with stacks.
source "$(dirname "$0")/../lib/harness.sh"
command -v python3 >/dev/null || skip "python3 is needed to read the events"
seq 1 300000 | awk '{ printf "%08x %s\n", ($1 * 2654435761) % 4294967296, $1 }' >"$T/out/in.txt"
chmod a+r "$T/out/in.txt"
want=$(run_app sort "$T/out/in.txt" | md5sum)
got=$(run_app timeout 120 "$B/tracer/cprof-run" -o "$T/out/sort.out" -- sort "$T/out/in.txt" | md5sum)
[ "$want" = "$got" ] || fail "sort output differs under cprof-run"
py='import json, collections
d = collections.defaultdict(list)
for i in range(200000): d[i % 1000].append(str(i) * 3)
s = json.dumps(d)
print(len(s), sum(len(v) for v in d.values()))'
want=$(run_app python3 -c "$py")
got=$(run_app timeout 120 "$B/tracer/cprof-run" -o "$T/out/py.out" -- python3 -c "$py")
[ "$want" = "$got" ] || fail "python3 output differs under cprof-run: $want vs $got"
for t in sort py; do
	mkdir -p "$T/$t" && tar xzf "$T/out/$t.out" -C "$T/$t" || fail "$t: trace does not unpack"
	babeltrace2 "$T/$t/ctf" >"$T/$t.txt" 2>/dev/null || fail "$t: babeltrace2 cannot read the trace"
	python3 "$SRC/tests/e2e/alloc_events.py" "$T/$t" <"$T/$t.txt" >"$T/$t.facts" || fail "$t: alloc_events.py failed"
	note "$t: $(tr '\n' ' ' <"$T/$t.facts")"
	get() { sed -n "s/^$1=//p" "$T/$t.facts"; }
	[ "$(get events.heap)" -ge 2 ] || fail "$t: no heap counter events"
	[ "$(get heap.max)" -ge $((1024 * 1024)) ] || fail "$t: heap never reached 1 MiB"
	# sort makes a few huge allocations right at start (one sample each):
	# only python3, which allocates all along, must show several samples
	[ "$t" = py ] || continue
	[ "$(get samples)" -ge 3 ] || fail "$t: too few sampled allocations"
	grep -q 'cprof:alloc_sample.*_stack_length = [1-9]' "$T/$t.txt" || fail "$t: samples without stacks"
done
pass
