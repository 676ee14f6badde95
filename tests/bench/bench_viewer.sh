#!/usr/bin/env bash
# Viewer benchmark on a generated 10M-state trace database: time to the
# first timeline answer after the server starts (the UI's first paint needs
# /api/threads, /api/timeline and /api/counters for the whole trace), p95
# latency of 200 random zoom/pan window queries, and the server's RSS.
# Targets (DESIGN.md §5): first paint <= 1 s, p95 <= 100 ms, RSS <= 300 MB.
# Prints figures only; no timing assertions.
# Env: CPROF_BENCH_EVENTS (default 10000000), CPROF_BENCH_THREADS (32),
#      CPROF_BENCH_WIDTH (1400 px per query), CPROF_BENCH_DB (an existing
#      database instead of a generated one; its index is kept beside it).
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../viewer/lib.sh"

events=${CPROF_BENCH_EVENTS:-10000000}
threads=${CPROF_BENCH_THREADS:-32}
width=${CPROF_BENCH_WIDTH:-1400}
# The database takes minutes to generate: keep it in the build dir.
dir="$CPROF_BUILD/tests/bench"
mkdir -p "$dir"
db=${CPROF_BENCH_DB:-$dir/viewer-$events-$threads.db}
if [ -z "${CPROF_BENCH_DB:-}" ] && { [ ! -f "$db" ] || [ "$GEN_DB" -nt "$db" ]; }; then
	note "generating $db ($events states, $threads threads)"
	t=$(date +%s)
	make_db "$db.tmp" "$events" "$threads"
	mv "$db.tmp" "$db"
	note "generated in $(( $(date +%s) - t )) s"
fi
cache="$db.view-cache"
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# first_paint: server start to the answers of the UI's first screen.
first_paint() {
	local t=$(date +%s%N)
	start_viewer "$db"
	listen_ms=$(ms "$t")
	get /api/threads >"$T/threads.json"
	utids=$(json 'j.threads.map(t => t.utid).join(",")' "$T/threads.json")
	dur=$(json j.duration_ns "$T/threads.json")
	get "/api/timeline?utids=$utids&t0=0&t1=$dur&width=$width" -H 'Accept-Encoding: gzip' >/dev/null
	[ "$(cat "$T/status")" = 200 ] || fail "first timeline query: HTTP $(cat "$T/status")"
	get "/api/counters?t0=0&t1=$dur&width=$width" -H 'Accept-Encoding: gzip' >/dev/null
	first_ms=$(ms "$t")
}

# Cold: no index yet.  The server answers at once with a sampled timeline
# (index seeks) and builds the index in the background.
cold=""
if [ ! -f "$cache" ]; then
	first_paint
	t=$(date +%s%N)
	wait_indexed
	cold="  no index yet: listening after ${listen_ms} ms, first (sampled) paint after ${first_ms} ms; index built in the background in $(( $(ms "$t") / 1000 )) s"
	kill "$VIEW_PID"; wait "$VIEW_PID" 2>/dev/null
fi

# Warm: the index exists (as on every later open).
first_paint

# 200 random windows: spans log-uniform from 10 us to the whole trace.
awk -v n=200 -v dur="$dur" 'BEGIN { srand(42); lo = log(10000); hi = log(dur);
	for (i = 0; i < n; i++) { span = int(exp(lo + rand() * (hi - lo))); t0 = int(rand() * (dur - span));
		printf "%.0f %.0f\n", t0, t0 + span } }' >"$T/windows"
: >"$T/lat"
segs=0
while read -r a z; do
	curl -s -o "$T/w.json" -w '%{http_code} %{time_total}\n' --compressed \
		"${URL}api/timeline?utids=$utids&t0=$a&t1=$z&width=$width" >>"$T/lat"
done <"$T/windows"
bad=$(awk '$1 != 200' "$T/lat" | wc -l)
[ "$bad" = 0 ] || fail "$bad window queries failed: $(awk '$1 != 200' "$T/lat" | head -3)"
read -r p50 p95 max < <(awk '{print $2 * 1000}' "$T/lat" | sort -n |
	awk '{v[NR] = $1} END {printf "%.1f %.1f %.1f\n", v[int(NR * 0.5)], v[int(NR * 0.95)], v[NR]}')
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$VIEW_PID/status")
hwm_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$VIEW_PID/status")
states=$("$VIEW" -sql "SELECT count(*) FROM thread_state" "$db" | tail -1)

echo "viewer benchmark: $states thread states, $threads threads, $(du -m "$db" | cut -f1) MB database, ${width}px windows"
[ -n "$cold" ] && echo "$cold"
echo "  timeline index: $(du -m "$cache" | cut -f1) MB beside the database"
echo "  server listening after ${listen_ms} ms"
echo "  first paint (start -> threads + whole-trace timeline + counters): ${first_ms} ms (target <= 1000)"
echo "  zoom/pan window query latency over 200 windows: p50 ${p50} ms, p95 ${p95} ms, max ${max} ms (target p95 <= 100)"
echo "  server RSS after the queries: $((rss_kb / 1024)) MB, peak $((hwm_kb / 1024)) MB (target <= 300)"
echo "  load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
pass
