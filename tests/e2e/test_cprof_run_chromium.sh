#!/usr/bin/env bash
# Debian's Chromium, headless, traced for its whole run by cprof-run: the
# same DOM as untraced, exit 0, and the browser process's threads and waits
# in the database.  /usr/bin/chromium is a sh script that execs the browser
# (the trace follows the exec); the browser's helpers (zygote, renderer,
# GPU) are forked and exec'd or cloned: they must run without cprof's
# preload - with lttng-ust's threads in the zygote the browser aborted
# ("GPU process isn't usable").
source "$(dirname "$0")/../lib/harness.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "no Chromium at $CHROMIUM: install Debian's chromium package (scripts/deps.txt)"
cat >"$T/out/page.html" <<'HTML'
<html><body><p id="x">static</p><script>document.getElementById("x").textContent = "from js " + (6 * 7)</script></body></html>
HTML
chmod 644 "$T/out/page.html"
mkdir -p "$T/home" && chmod 777 "$T/home"
args=(--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$T/home/profile"
	--dump-dom "file://$T/out/page.html")
want=$(run_app env HOME="$T/home" timeout 120 "$CHROMIUM" "${args[@]}" 2>"$T/plain.err") ||
	{ tail -5 "$T/plain.err" >&2; skip "Chromium does not run here untraced"; }
[[ $want == *"from js 42"* ]] || fail "untraced Chromium did not run the page's script: $want"
rm -rf "$T/home/profile"
got=$(run_app env HOME="$T/home" timeout 120 "$B/tracer/cprof-run" -o "$T/out/c.out" -- \
	"$CHROMIUM" "${args[@]}" 2>"$T/traced.err"); st=$?
[ $st = 0 ] || { grep -v dbus "$T/traced.err" | tail -8 >&2; fail "traced Chromium exited with $st"; }
[ "$got" = "$want" ] || fail "the DOM differs under cprof-run: $got"
"$B/converter/cprof-convert" -q -o "$T/out/c.db" "$T/out/c.out" || fail "the trace does not convert"
q() { sqlite3 -batch -noheader "$T/out/c.db" "$1"; }
exe=$(q "SELECT str_value FROM metadata WHERE name = 'exe'")
[[ $exe == */chromium ]] || fail "the trace is of $exe, not of the browser"
threads=$(q "SELECT COUNT(*) FROM thread")
waits=$(q "SELECT COUNT(*) FROM thread_state WHERE state = 'blocked'")
note "browser: $threads threads, $waits blocked intervals"
[ "$threads" -ge 5 ] || fail "only $threads threads in the browser's trace"
[ "$waits" -ge 10 ] || fail "only $waits blocked intervals in the browser's trace"
pass
