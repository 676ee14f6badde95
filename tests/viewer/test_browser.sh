#!/usr/bin/env bash
# The UI in a real headless Chromium: timeline tracks, click → stack,
# drag-select totals, search, SQL console, analyses, the GC row, the
# allocations and MMU pages; screenshots are kept
# in $CPROF_BUILD/tests/viewer/screenshots.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/lib.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "no Chromium at $CHROMIUM: install Debian's chromium package (scripts/deps.txt)"
command -v node >/dev/null || fail "node is missing: install nodejs"
dir="$SRC/tests/viewer/browser"
if [ ! -d "$dir/node_modules/playwright-core" ]; then
	(cd "$dir" && npm ci --no-audit --no-fund >"$T/npm.log" 2>&1) ||
		fail "playwright-core is not installed and 'npm ci' failed in $dir: $(tail -3 "$T/npm.log")"
fi

db="$T/out/ui.db"
make_db "$db" 20000 8 -m   # with GC slices and sampled allocations
start_viewer "$db"
wait_indexed
shots="$CPROF_BUILD/tests/viewer/screenshots"
mkdir -p "$shots"
HOME="$T/home" CHROMIUM="$CHROMIUM" timeout 600 node "$dir/ui.test.mjs" "$URL" "$shots" >"$T/ui.log" 2>&1
rc=$?
cat "$T/ui.log"
[ "$rc" = 0 ] || fail "browser test failed (exit $rc)"
pass "screenshots in $shots"
