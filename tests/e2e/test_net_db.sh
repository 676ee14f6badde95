#!/usr/bin/env bash
# Network waits in the database and the viewer: the TCP example traced for
# its whole run and converted; net_io rows carry op, bytes, duration and the
# peer learnt from fd_info; network states wait on objects named after their
# connection; the viewer's per-connection view lists the peers.
source "$(dirname "$0")/../lib/harness.sh"
out=$(run_app timeout 60 "$B/tracer/cprof-run" -o "$T/out/tcp.out" -- "$B/examples/cprof-example-tcp" \
	--no-http --duration 1.5 --clients 3 2>"$T/run.err") || { cat "$T/run.err" >&2; fail "traced example failed: $out"; }
"$B/converter/cprof-convert" -q "$T/out/tcp.out" -o "$T/tcp.db" || fail "conversion failed"
q() { sqlite3 -batch -noheader "$T/tcp.db" "$1"; }

n=$(q "SELECT count(*) FROM net_io WHERE op='read' AND bytes > 0 AND dur > 0 AND peer LIKE '127.0.0.1:%'")
[ "$n" -gt 10 ] || fail "expected blocking reads with bytes and peers in net_io, got $n"
n=$(q "SELECT count(*) FROM net_io WHERE op='write' AND bytes > 65536 AND peer LIKE '127.0.0.1:%'")
[ "$n" -gt 0 ] || fail "expected blocked big writes in net_io, got $n"
n=$(q "SELECT count(*) FROM net_io WHERE op IN ('accept','connect')")
[ "$n" -gt 0 ] || fail "no accept/connect waits in net_io"
# each net_io call ends inside a network wait of the same thread (it starts
# a little earlier: the non-blocking try that found it would block): the
# thread's last network state begun by the call's end lasts until it (states
# tile, so that is the only candidate; written this way the (utid, ts) index
# answers it - the NOT EXISTS form took 40 s)
n=$(q "SELECT count(*) FROM net_io n WHERE coalesce((SELECT s.ts + s.dur >= n.ts + n.dur
	FROM thread_state s WHERE s.utid = n.utid AND s.state = 'net' AND s.ts <= n.ts + n.dur
	ORDER BY s.ts DESC LIMIT 1), 0) = 0")
[ "$n" = 0 ] || fail "$n net_io rows end outside any network wait of their thread"
n=$(q "SELECT count(*) FROM thread_state s JOIN sync_object o ON o.id = s.object_id
	WHERE s.state = 'net' AND o.name LIKE 'fd % 127.0.0.1:% → 127.0.0.1:%'")
[ "$n" -gt 0 ] || fail "network waits do not name their connection"

source "$SRC/tests/viewer/lib.sh"
start_viewer "$T/tcp.db"
get /api/connections >"$T/conn.json"
[ "$(cat "$T/status")" = 200 ] || fail "/api/connections answered $(cat "$T/status")"
grep -Eq '"peer":"127\.0\.0\.1:[0-9]+","local":"127\.0\.0\.1:[0-9]+[^"]*","waits":[1-9]' "$T/conn.json" \
	|| fail "/api/connections: $(head -c 300 "$T/conn.json")"
# sockets closed during the run, with all their traffic, per peer (the
# example's clients close their connections when the run ends)
n=$(q "SELECT count(*) FROM net_connection WHERE peer LIKE '127.0.0.1:%' AND bytes_in > 0 AND bytes_out > 0")
[ "$n" -gt 0 ] || fail "no closed connection with traffic in net_connection"
grep -Eq '"closed":\[\{"peer":"127\.0\.0\.1:[0-9]+","local":"[^"]*","sockets":[1-9][0-9]*,"bytes_in":[1-9]' "$T/conn.json" \
	|| fail "/api/connections lists no closed connection: $(head -c 300 "$T/conn.json")"
pass
