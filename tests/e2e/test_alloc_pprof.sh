#!/usr/bin/env bash
# Heap profiles end to end: the memory-leak example traced, converted, and
# exported with cprof-trace -pprof=inuse / -pprof=alloc; Debian's
# `go tool pprof -top` reads them and names the leaking function first.
source "$(dirname "$0")/../lib/harness.sh"
command -v go >/dev/null || skip "go is missing: install golang-go (listed in scripts/deps.txt)"
run_app timeout 90 "$B/tracer/cprof-run" -o "$T/out/leak.out" -- \
	"$B/examples/cprof-example-memleak" --no-http --duration 2 --pause-ms 0 >"$T/run.log" 2>&1 \
	|| { cat "$T/run.log" >&2; fail "memleak under cprof-run failed"; }
"$B/converter/cprof-convert" -q "$T/out/leak.out" -o "$T/leak.db" || fail "conversion failed"
export HOME="$T/home" GOCACHE="$T/home/gocache" GOFLAGS=-mod=mod GOTOOLCHAIN=local
for p in inuse alloc; do
	"$B/viewer/cprof-trace" -pprof=$p "$T/leak.db" >"$T/$p.pb.gz" 2>"$T/$p.err" \
		|| { cat "$T/$p.err" >&2; fail "-pprof=$p failed"; }
	go tool pprof -top -sample_index=${p}_space "$T/$p.pb.gz" >"$T/$p.top" 2>"$T/$p.toperr" \
		|| { cat "$T/$p.toperr" >&2; fail "go tool pprof cannot read the $p profile"; }
	grep -q "Type: ${p}_space" "$T/$p.top" || fail "$p profile has no ${p}_space type: $(head -5 "$T/$p.top")"
done
# the first row of the in-use profile (by flat bytes) is the leak
top=$(awk '/flat%/ {getline; print $NF; exit}' "$T/inuse.top")
[ "$top" = remember_request ] || fail "top in-use site is '$top', not remember_request: $(sed -n 1,12p "$T/inuse.top")"
# the profile's total matches the database's in-use estimate (within rounding)
want=$(sqlite3 -batch -noheader "$T/leak.db" "SELECT CAST(round(sum(weight)) AS INTEGER) FROM alloc_sample WHERE free_ts IS NULL")
[ "${want:-0}" -gt 0 ] || fail "no in-use sampled bytes in the database"
pass "in-use profile top: $top"
