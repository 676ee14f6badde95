#!/usr/bin/env bash
# Bad input: each case gets a clear message and a non-zero exit, never a
# crash, and no database (nor a temporary one) is left behind.  A broken
# sub-trace next to a good one is skipped with a warning and a stats row.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is needed to craft archives"
W="$T/work"
mkdir -p "$W" && tar xzf "$FIX/scenario.trace.out" -C "$W" || fail "fixture does not unpack"
sub=$(cd "$W" && ls -d ctf/ust/pid/*/)

# pack NAME DIR: a trace.out from a directory (cprof/ and ctf/ inside)
pack() { tar --format=ustar -C "$2" -czf "$T/$1" cprof ctf; }
# craft NAME SPEC...: a trace.out from python tarfile specs (see below)
craft() {
	python3 - "$T/$1" "${@:2}" <<'PY'
import io, sys, tarfile
out = sys.argv[1]
with tarfile.open(out, "w:gz", format=tarfile.USTAR_FORMAT) as tf:
    for spec in sys.argv[2:]:
        kind, name, data = spec.split(":", 2)
        ti = tarfile.TarInfo(name)
        if kind == "file":
            ti.size = len(data.encode())
            tf.addfile(ti, io.BytesIO(data.encode()))
        elif kind == "symlink":
            ti.type, ti.linkname = tarfile.SYMTYPE, data
            tf.addfile(ti)
        elif kind == "hardlink":
            ti.type, ti.linkname = tarfile.LNKTYPE, data
            tf.addfile(ti)
PY
}

# expect_fail NAME PATTERN: conversion fails, says PATTERN, leaves nothing
expect_fail() {
	local name=$1 pattern=$2 dir="$T/db-$1"
	mkdir -p "$dir"
	"$CONVERT" -o "$dir/trace.db" "$T/$name" >"$T/$name.stdout" 2>"$T/$name.err"
	local rc=$?
	[ $rc = 1 ] || { cat "$T/$name.err" >&2; fail "$name: exit status $rc, want 1"; }
	grep -q "cprof-convert: error: .*$pattern" "$T/$name.err" || {
		cat "$T/$name.err" >&2; fail "$name: message does not say '$pattern'"; }
	[ -z "$(ls -A "$dir")" ] || fail "$name: left $(ls -A "$dir") behind"
	note "$name: $(grep error: "$T/$name.err")"
}

: >"$T/empty.out"
expect_fail empty.out "empty file"
head -c 65536 /dev/urandom >"$T/random.out"
expect_fail random.out "not gzip"
head -c 65536 /dev/urandom | gzip -1 >"$T/gzrandom.out"
expect_fail gzrandom.out "bad tar header"
head -c 20000 "$FIX/scenario.trace.out" >"$T/truncated.out"
expect_fail truncated.out "truncated"
craft dotdot.out "file:cprof/FORMAT:cprof-trace 1" "file:ctf/../../evil:x"
expect_fail dotdot.out "leaves the archive"
craft dotslash-dotdot.out "file:./cprof/FORMAT:cprof-trace 1" "file:./../evil:x"
expect_fail dotslash-dotdot.out "leaves the archive"
# the same trace repacked with `tar -C dir .` (members ./cprof/..., after ./)
# is no bad input: it converts
tar --format=ustar -C "$W" -czf "$T/dotslash.out" . || fail "cannot repack with tar -C dir ."
members=$(tar tzf "$T/dotslash.out")
[[ $'\n'$members$'\n' == *$'\n./cprof/FORMAT\n'* ]] || fail "repack did not name members ./..."
"$CONVERT" -q -o "$T/dotslash.db" "$T/dotslash.out" 2>"$T/dotslash.err" ||
	{ cat "$T/dotslash.err" >&2; fail "a trace repacked with tar -C dir . does not convert"; }
[ "$(sqlite3 "$T/dotslash.db" 'SELECT COUNT(*) FROM thread')" -gt 0 ] || fail "dotslash: no threads"
# seqlen NAME LENGTH: the fixture with its process event's cmdline length
# set to LENGTH
seqlen() {
	cp -r "$W" "$T/$1" && python3 - "$T/$1" "$2" <<'PY' || fail "cannot patch the cmdline length"
import glob, sys
d = sys.argv[1]
info = dict(l.split("=", 1) for l in open(d + "/cprof/info.txt").read().splitlines() if "=" in l)
key = (info["exe"] + "\0" + info["hostname"] + "\0" + info["cprof_version"] + "\0").encode()
for f in glob.glob(d + "/ctf/ust/pid/*/*"):
    if f.endswith("metadata") or "/index" in f:
        continue
    b = bytearray(open(f, "rb").read())
    i = b.find(key)
    if i >= 0:   # process: ... version, format (u32), cmdline_len (u32)
        o = i + len(key) + 4
        b[o:o + 4] = int(sys.argv[2], 0).to_bytes(4, "little")
        open(f, "wb").write(b)
        sys.exit(0)
sys.exit(1)
PY
	pack "$1.out" "$T/$1"
}
# 2^31 - 1 bytes: libbabeltrace2 asks glib for 16 GiB, and glib ends a
# process whose allocation fails; the converter's memory cap and glib hook
# make it an error
seqlen seqlen 0x7fffffff
expect_fail seqlen.out "cannot decode the trace: .*failed to allocate"
# 2^32 - 16: negative as glib's int, a critical, after which libbabeltrace2
# segfaulted (found by fuzzing)
seqlen seqlen-neg 0xfffffff0
expect_fail seqlen-neg.out "cannot decode the trace: .*length >= 0"
# an index whose first packet offset is 2^64 - 1: libbabeltrace2 failed an
# assertion on it (abort); the converter reads the packets from the streams
# instead and converts
cp -r "$W" "$T/badidx" && idx=$(ls "$T"/badidx/ctf/ust/pid/*/index/*.idx | head -1) &&
	printf '\xff\xff\xff\xff\xff\xff\xff\xff' | dd of="$idx" bs=1 seek=16 conv=notrunc 2>/dev/null ||
	fail "cannot patch an index"
pack badidx.out "$T/badidx"
"$CONVERT" -q -o "$T/badidx.db" "$T/badidx.out" 2>"$T/badidx.err" ||
	{ cat "$T/badidx.err" >&2; fail "a trace with a corrupt index does not convert"; }
"$CONVERT" -q -o "$T/clean.db" "$FIX/scenario.trace.out" || fail "the fixture does not convert"
expect_eq "rows with a corrupt index" "$(q "$T/badidx.db" "SELECT COUNT(*) FROM thread_state")" \
	"$(q "$T/clean.db" "SELECT COUNT(*) FROM thread_state")"
# any crash (here a SIGSEGV injected at the database's third write): a
# message, exit 1, neither the database nor the temporary directory left
command -v strace >/dev/null || fail "strace is not installed (scripts/deps.txt)"
cp "$FIX/xz.trace.out" "$T/crash.out"
mkdir -p "$T/crash-tmp"
TMPDIR="$T/crash-tmp" strace -f -qq -o /dev/null -e trace=pwrite64 \
	-e inject=pwrite64:signal=SIGSEGV:when=3 "$CONVERT" -o "$T/db-crash.db" "$T/crash.out" 2>"$T/crash.err"
rc=$?
[ $rc = 1 ] && grep -q "the conversion crashed (SIGSEGV)" "$T/crash.err" ||
	{ cat "$T/crash.err" >&2; fail "crash: exit status $rc"; }
[ -z "$(ls -A "$T/crash-tmp")" ] || fail "crash: left $(ls -A "$T/crash-tmp") in TMPDIR"
[ -z "$(ls "$T" | grep '^db-crash')" ] || fail "crash: left $(ls "$T" | grep '^db-crash')"
note "crash: $(cat "$T/crash.err")"
CPROF_CONVERT_MEMORY_MB=lots "$CONVERT" -o "$T/x.db" "$T/scenario.out" 2>"$T/mem.err"
[ $? = 2 ] && grep -q "CPROF_CONVERT_MEMORY_MB=lots" "$T/mem.err" || fail "a bad CPROF_CONVERT_MEMORY_MB is not refused"
craft abs.out "file:cprof/FORMAT:cprof-trace 1" "file:/tmp/evil:x"
expect_fail abs.out "leaves the archive"
craft symlink.out "file:cprof/FORMAT:cprof-trace 1" "symlink:ctf/ust:/etc"
expect_fail symlink.out "is a link"
craft hardlink.out "file:cprof/FORMAT:cprof-trace 1" "hardlink:ctf/x:cprof/FORMAT"
expect_fail hardlink.out "is a link"
[ ! -e "$T/evil" ] && [ ! -e /tmp/evil ] || fail "a member escaped the extraction directory"
craft noctf.out "file:cprof/FORMAT:cprof-trace 1" "file:cprof/info.txt:pid=1"
expect_fail noctf.out "no CTF trace"
craft nocprof.out "file:ctf/ust/x:y"
expect_fail nocprof.out "not a cprof trace"
craft future.out "file:cprof/FORMAT:cprof-trace 99" "file:ctf/x:y"
expect_fail future.out "newer than this converter"
craft garbage_format.out "file:cprof/FORMAT:hello" "file:ctf/x:y"
expect_fail garbage_format.out "unrecognized format"

cp -a "$W" "$T/missing" && rm "$T/missing/$sub"chan_0 && pack missing_stream.out "$T/missing"
expect_fail missing_stream.out "no readable CTF trace"
grep -q "stream file chan_0 is missing" "$T/missing_stream.out.err" || fail "missing stream not named"

cp -a "$W" "$T/corrupt" && head -c 100 "$W/${sub}metadata" >"$T/corrupt/${sub}metadata" && pack corrupt_meta.out "$T/corrupt"
expect_fail corrupt_meta.out "no readable CTF trace"

# the disk refuses the extracted files (a 64 KiB file size limit, SIGXFSZ
# ignored so that write fails with EFBIG; the fixture has a 188 KiB file):
# the write error is reported, nothing is left behind
mkdir -p "$T/db-fsize"
(ulimit -f 64; trap '' XFSZ; exec "$CONVERT" -o "$T/db-fsize/trace.db" "$FIX/scenario.trace.out") \
	>/dev/null 2>"$T/fsize.err"
rc=$?
[ $rc = 1 ] || { cat "$T/fsize.err" >&2; fail "file size limit: exit status $rc, want 1"; }
grep -q "cprof-convert: error: cannot extract .*File too large" "$T/fsize.err" ||
	{ cat "$T/fsize.err" >&2; fail "file size limit: the write error is not reported"; }
[ -z "$(ls -A "$T/db-fsize")" ] || fail "file size limit: left $(ls -A "$T/db-fsize") behind"
note "fsize: $(grep error: "$T/fsize.err")"

# a broken sub-trace beside a good one: skipped, counted, the rest converts
cp -a "$W" "$T/mixed" && mkdir -p "$T/mixed/ctf/ust/pid/broken-1-x" &&
	head -c 100 "$W/${sub}metadata" >"$T/mixed/ctf/ust/pid/broken-1-x/metadata" &&
	cp "$W/${sub}chan_0" "$T/mixed/ctf/ust/pid/broken-1-x/" && pack mixed.out "$T/mixed"
"$CONVERT" -o "$T/mixed.db" "$T/mixed.out" 2>"$T/mixed.err" || { cat "$T/mixed.err" >&2; fail "mixed: failed"; }
grep -q "warning: skipping sub-trace .*broken-1-x" "$T/mixed.err" || fail "mixed: no warning"
expect_eq "mixed: stats" "$(q "$T/mixed.db" "SELECT COUNT(*) FROM stats WHERE name = 'subtrace_skipped'
	AND severity = 'error' AND description GLOB '*broken-1-x'")" 1
expect_eq "mixed: events" "$(q "$T/mixed.db" "SELECT int_value FROM metadata WHERE name = 'event_count'")" 53

# usage errors
"$CONVERT" >/dev/null 2>&1; [ $? = 2 ] || fail "no argument: want exit 2"
"$CONVERT" --help | grep -q "usage: cprof-convert" || fail "--help"
"$CONVERT" -o "$T/x.db" "$T/does-not-exist" 2>"$T/nx.err"; [ $? = 1 ] || fail "missing input"
grep -q "No such file" "$T/nx.err" || fail "missing input message"
pass
