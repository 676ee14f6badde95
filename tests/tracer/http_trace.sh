# http_trace.sh: a successful /debug/pprof/trace fetch.  The sessiond is
# spawned by the library itself; trace.out must unpack with tar, carry the
# cprof/ metadata and read back with babeltrace2.
source "$CPROF_SRC/tests/lib/harness.sh"
source "$(dirname "$0")/http_lib.sh"
command -v lttng-sessiond >/dev/null || skip "lttng-sessiond is not installed"
command -v babeltrace2 >/dev/null || skip "babeltrace2 is not installed"
start_app
t0=$(date +%s.%N)
get "/debug/pprof/trace?seconds=0.5"
t1=$(date +%s.%N)
expect_code 200
note "seconds=0.5 request took $(echo "$t1 - $t0" | bc) s, $(stat -c %s "$T/body") bytes"
grep -qi '^content-type: application/octet-stream' "$T/headers" || fail "content-type"
grep -qi '^content-disposition: attachment; filename="trace.out"' "$T/headers" ||
	fail "content-disposition"
grep -Eqi '^x-cprof-discarded-events: [0-9]+' "$T/headers" || fail "discarded header"
# the request's time, split: start + traced span + stop, none longer than it
hdr() { tr -d '\r' <"$T/headers" | sed -n "s/^$1: \([0-9]*\.[0-9]\{3\}\)$/\1/Ip"; }
start=$(hdr x-cprof-start-seconds); traced=$(hdr x-cprof-traced-seconds); stop=$(hdr x-cprof-stop-seconds)
[ -n "$start" ] && [ -n "$traced" ] && [ -n "$stop" ] ||
	fail "timing headers: $(grep -i '^x-cprof' "$T/headers" | tr -d '\r' | tr '\n' ' ')"
note "start ${start} s, traced ${traced} s, stop ${stop} s"
wall=$(echo "$t1 - $t0" | bc)
awk -v a="$start" -v b="$traced" -v c="$stop" -v w="$wall" \
	'BEGIN { exit !(b >= 0.5 && a + b <= w + 0.01 && a + c <= w + 0.01) }' ||
	fail "timing headers do not add up: start $start traced $traced stop $stop, request $wall s"

mkdir "$T/x" && tar xzf "$T/body" -C "$T/x" || fail "tar cannot unpack trace.out"
[ "$(cat "$T/x/cprof/FORMAT")" = "cprof-trace 1" ] || fail "FORMAT: $(cat "$T/x/cprof/FORMAT")"
for k in pid exe hostname cprof_version seconds start_ns end_ns discarded_events \
		lost_packets subbuf_size num_subbuf internal_errors; do
	grep -q "^$k=" "$T/x/cprof/info.txt" || fail "info.txt lacks $k"
done
grep -q "^seconds=0.5$" "$T/x/cprof/info.txt" || fail "seconds in info.txt"
awk -F'\t' 'NF != 6 { exit 1 }' "$T/x/cprof/modules.tsv" || fail "modules.tsv is not 6 columns"
grep -q "http_app$" "$T/x/cprof/modules.tsv" || fail "main program not in modules.tsv"
grep -q "libc.so.6$" "$T/x/cprof/modules.tsv" || fail "libc not in modules.tsv"
# the main program's symbols include its own static functions
idx=$(awk -F'\t' '$6 ~ /http_app$/ { print $1 }' "$T/x/cprof/modules.tsv")
grep -qP '\tworker$' "$T/x/cprof/symbols/$idx.tsv" || fail "worker not in http_app symbols"
libc=$(awk -F'\t' '$6 ~ /libc.so.6$/ { print $1 }' "$T/x/cprof/modules.tsv")
grep -qP '\tpthread_mutex_lock$' "$T/x/cprof/symbols/$libc.tsv" || fail "libc symbols"
prev=-1
while IFS=$'\t' read -r v _; do
	(( v > prev )) || fail "symbols not sorted by value at $v"
	prev=$((v))
done <"$T/x/cprof/symbols/$libc.tsv"
ls "$T"/x/ctf/ust/pid/*/metadata >/dev/null 2>&1 || fail "no CTF metadata under ctf/ust/pid"

babeltrace2 "$T/x/ctf" >"$T/events.txt" 2>"$T/bt.err" || { cat "$T/bt.err" >&2; fail "babeltrace2"; }
n=$(wc -l <"$T/events.txt")
[ "$n" -gt 0 ] || fail "no events"
grep -q "cprof:module" "$T/events.txt" || fail "no cprof:module event"
grep -q "vtid = " "$T/events.txt" || fail "no vtid context"
note "$n events"
# the session is gone
has_session && fail "a session was left behind"
# the daemon the library started runs in the program's session (not one of
# its own: sched_autogroup starved such a daemon next to a busy program,
# tracer/sessiond.c) but is not its child, and not in its process group
sd=$(cat "$T/home/.lttng/lttng-sessiond.pid" 2>/dev/null)
app=${BG_PIDS[-1]}
[ -n "$sd" ] || fail "no session daemon pid file"
read -r sd_ppid sd_pgid sd_sid < <(ps -o ppid=,pgid=,sid= -p "$sd")
read -r app_pgid app_sid < <(ps -o pgid=,sid= -p "$app")
note "sessiond $sd: ppid $sd_ppid pgid $sd_pgid sid $sd_sid; app $app: pgid $app_pgid sid $app_sid"
[ "$sd_sid" = "$app_sid" ] || fail "the session daemon is not in the program's session ($sd_sid, $app_sid)"
[ "$sd_ppid" != "$app" ] || fail "the session daemon is the program's child"
[ "$sd_pgid" != "$app_pgid" ] || fail "the session daemon is in the program's process group"
pass "$n events"
