#!/usr/bin/env bash
# cprof-trace's command line: help, errors with a clear message and a
# non-zero exit, -sql output and its read-only guard, and the conversion
# cache of trace.out files (converted once, again when the trace or the
# converter changes).
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/lib.sh"

db="$T/out/t.db"
make_db "$db" 5000 6

"$VIEW" --help >"$T/help" || fail "--help exit status"
for w in -http -pprof -sql net sync syscall sched trace.out; do
	grep -q -- "$w" "$T/help" || fail "--help does not mention $w"
done

# expect_fail CODE TEXT ARGS...: exit CODE and TEXT on stderr.
expect_fail() {
	local code=$1 text=$2 rc
	shift 2
	"$VIEW" "$@" >"$T/o" 2>"$T/e"
	rc=$?
	[ "$rc" = "$code" ] || fail "cprof-trace $*: exit $rc, want $code ($(cat "$T/e"))"
	grep -qi -- "$text" "$T/e" || fail "cprof-trace $*: stderr lacks '$text': $(cat "$T/e")"
}
expect_fail 2 "no trace given"
expect_fail 2 "not defined: -bogus" -bogus "$db"
expect_fail 2 "not defined" --frobnicate=1 "$db"
expect_fail 2 "needs a value" "$db" -sql
expect_fail 2 "one trace at a time" "$db" "$db"
expect_fail 1 "No such file" "$T/missing.out"
echo "hello" >"$T/text.txt"
expect_fail 1 "neither a trace.out" "$T/text.txt"
expect_fail 1 "no such table" -sql "SELECT * FROM nope" "$db"
expect_fail 1 "syntax error" -sql "SELEKT 1" "$db"
expect_fail 1 "unknown profile" -pprof=bogus "$db"
expect_fail 1 "bad -http address" -http=nonsense "$db"

# -sql: header then tab-separated rows.
out=$("$VIEW" -sql "SELECT utid, name FROM thread ORDER BY utid LIMIT 2" "$db") || fail "-sql failed"
[ "$(printf '%s\n' "$out" | head -1)" = "$(printf 'utid\tname')" ] || fail "-sql header: $out"
[ "$(printf '%s\n' "$out" | wc -l)" = 3 ] || fail "-sql rows: $out"
printf '%s\n' "$out" | sed -n 2p | grep -q "$(printf '^1\tpipeline$')" || fail "-sql row: $out"
n=$("$VIEW" -sql="SELECT count(*) FROM thread_state" "$db" | tail -1)
[ "$n" -gt 4000 ] || fail "thread_state count $n"

# Read-only: writes of every kind are refused and the file is unchanged.
sum=$(md5sum <"$db")
for q in "INSERT INTO thread(utid, tid) VALUES (999, 1)" "DELETE FROM thread_state" \
	"UPDATE thread SET name = 'x'" "DROP TABLE thread" "CREATE TABLE x(a)" \
	"ATTACH '$T/out/evil.db' AS evil" "PRAGMA writable_schema=1" "PRAGMA journal_mode=WAL" \
	"SELECT load_extension('/nonexistent')" "VACUUM INTO '$T/out/copy.db'" \
	"SELECT 1; DELETE FROM thread"; do
	expect_fail 1 "read-only\|denied\|not authorized\|one statement" -sql "$q" "$db"
done
[ "$(md5sum <"$db")" = "$sum" ] || fail "the database changed"
[ ! -e "$T/out/evil.db" ] && [ ! -e "$T/out/copy.db" ] || fail "a file was written"

# trace.out: converted once into a cached db beside it, again when it
# changes.  A stub converter counts its runs (the real one is tested below).
stub="$T/out/stub-convert"
cat >"$stub" <<STUB
#!/bin/sh
echo run >>"$T/out/conversions"
# usage: cprof-convert TRACE -o DB
"$GEN_DB" -s "$SRC/schema/cprof.sql" -o "\$3" -n 2000 -t 4 >/dev/null
STUB
chmod +x "$stub"
printf '\037\213fake trace' >"$T/out/trace.out"
for i in 1 2; do
	n=$(CPROF_CONVERT=$stub "$VIEW" -sql "SELECT count(*) FROM thread" "$T/out/trace.out" | tail -1)
	[ "$n" = 4 ] || fail "converted trace: $n threads"
done
[ "$(wc -l <"$T/out/conversions")" = 1 ] || fail "converted $(wc -l <"$T/out/conversions") times, want 1"
[ -f "$T/out/trace.out.cprof.db" ] || fail "no cached database beside the trace"
sleep 0.01
printf '\037\213fake trace, changed' >"$T/out/trace.out"
CPROF_CONVERT=$stub "$VIEW" -sql "SELECT 1" "$T/out/trace.out" >/dev/null || fail "reconversion"
[ "$(wc -l <"$T/out/conversions")" = 2 ] || fail "a changed trace was not converted again"
CPROF_CONVERT=$stub "$VIEW" -sql "SELECT 1" "$T/out/trace.out" >/dev/null 2>&1 ||
	fail "reading an up-to-date cache"
[ "$(wc -l <"$T/out/conversions")" = 2 ] || fail "an up-to-date cache ran the converter"
# a new converter (an upgrade, a rebuild) converts again: a database from an
# older one can lack tables the viewer asks for
touch -d '+1 minute' "$stub"
CPROF_CONVERT=$stub "$VIEW" -sql "SELECT 1" "$T/out/trace.out" >/dev/null || fail "reconversion"
[ "$(wc -l <"$T/out/conversions")" = 3 ] || fail "a new converter did not convert again"
printf '\037\213changed again' >"$T/out/trace.out"
expect_fail 1 "conver" -sql "SELECT 1" "$T/out/trace.out"  # CPROF_CONVERT unset: real or none

# The real converter on the recorded fixture, when it is built.
conv="$CPROF_BUILD/converter/cprof-convert"
fix="$SRC/tests/converter/fixtures/scenario.trace.out"
if [ -x "$conv" ] && [ -f "$fix" ]; then
	cp "$fix" "$T/out/scenario.trace.out"
	n=$(CPROF_CONVERT=$conv "$VIEW" -sql "SELECT count(*) FROM thread" "$T/out/scenario.trace.out" 2>"$T/e" | tail -1)
	[ "${n:-0}" -ge 2 ] || fail "real conversion: '$n' threads: $(cat "$T/e")"
else
	note "cprof-convert or its fixture missing: real conversion not checked"
fi
pass
