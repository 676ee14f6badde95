// pages.js: the start page (like go tool trace's index), the per-thread
// breakdown table and the contended-objects page.
import * as api from './api.js';
import { esc, dur, pct, hex, color, label, sortable, h } from './format.js';

export async function overview(main) {
  const s = await api.summary();
  const c = s.counts[0] || {};
  const meta = Object.fromEntries(s.metadata.map((m) => [m.name, m.value]));
  const loss = s.stats.filter((x) => x.severity === 'data_loss' && x.value > 0);
  const lost = loss.length
    ? `<div class="warn" id="lost-events">⚠ ${s.lost_events.toLocaleString()} events lost while tracing:
         ${loss.map((x) => `${esc(x.name)} = ${x.value.toLocaleString()}${x.description ? ' (' + esc(x.description) + ')' : ''}`).join('; ')}.
         Thread states around the losses may be incomplete.</div>`
    : `<div class="ok" id="lost-events">No events were lost.</div>`;
  const procs = s.processes.map((p) => `${esc(p.name)} (pid ${p.pid})${p.cmdline ? ': <code>' + esc(p.cmdline) + '</code>' : ''}`).join('<br>');
  main.innerHTML = `
    <h1>Trace ${esc(s.path)}</h1>
    ${lost}
    <table class="data kv"><tbody>
      <tr><td>Duration</td><td>${dur(s.duration_ns)}</td></tr>
      <tr><td>Started</td><td>${esc(new Date(Number(BigInt(s.start_ns) / 1000000n)).toISOString())}</td></tr>
      <tr><td>Process</td><td>${procs || '<span class="muted">unknown</span>'}</td></tr>
      <tr><td>Host</td><td>${esc(meta.host ?? '')}</td></tr>
      <tr><td>Threads</td><td>${c.threads ?? ''}</td></tr>
      <tr><td>Thread states</td><td>${(s.states || 0).toLocaleString()}</td></tr>
      <tr><td>Sync objects</td><td>${c.objects ?? ''}</td></tr>
      <tr><td>Wakeups (flows)</td><td>${(c.flows ?? 0).toLocaleString()}</td></tr>
      <tr><td>User regions</td><td>${(c.slices ?? 0).toLocaleString()}</td></tr>
    </tbody></table>
    <h2>Analyses</h2>
    <div class="cards">
      <div class="card"><b>Event timelines</b>
        <a href="#/timeline">View trace by thread</a>
        <span class="hint">The whole trace, no splitting: zoom to any range.</span></div>
      <div class="card"><b>Thread analysis</b>
        <a href="#/threads">Per-thread breakdown</a>
        <a href="#/objects">Lock contention by object</a>
        <a href="#/tasks">User-defined tasks</a>
        <a href="#/regions">User-defined regions</a></div>
      <div class="card"><b>Profiles</b>
        <a href="#/profile/net">Network blocking profile</a>
        <a href="#/connections">Network connections</a>
        <a href="#/profile/sync">Synchronization blocking profile</a>
        <a href="#/profile/syscall">Syscall profile</a>
        <a href="#/profile/sleep">Sleep profile</a>
        <span class="hint">Each also as pprof: <code>cprof-trace -pprof=sync</code></span></div>
      <div class="card"><b>Memory</b>
        <a href="#/allocations">Allocation sites (in use and allocated)</a>
        <a href="#/mmu">Minimum mutator utilization</a>
        <span class="hint">Heap profiles as pprof: <code>cprof-trace -pprof=inuse</code>, <code>-pprof=alloc</code></span></div>
      <div class="card"><b>Query</b>
        <a href="#/sql">SQL console</a></div>
    </div>
    <h2>Trace metadata</h2>
    <table class="data" id="metadata"><thead><tr><th>name</th><th>value</th></tr></thead><tbody>
      ${s.metadata.map((m) => `<tr><td>${esc(m.name)}</td><td>${esc(m.value)}</td></tr>`).join('')}
    </tbody></table>
    <h2>Statistics</h2>
    <table class="data"><thead><tr><th>name</th><th>severity</th><th>source</th><th class="num">value</th><th>description</th></tr></thead><tbody>
      ${s.stats.map((x) => `<tr><td>${esc(x.name)}${x.idx ? '[' + x.idx + ']' : ''}</td><td>${esc(x.severity)}</td><td>${esc(x.source)}</td><td class="num">${x.value.toLocaleString()}</td><td>${esc(x.description)}</td></tr>`).join('')}
    </tbody></table>`;
}

// Columns of the breakdown, in go tool trace's order: execution, then one
// per (state, reason) seen, then unknown.
function columnsOf(rows) {
  const order = { running: 0, runnable: 1, blocked: 2, net: 3, syscall: 4, sleep: 5, unknown: 9 };
  const seen = new Map();
  for (const r of rows) seen.set(`${r.state}|${r.reason ?? ''}`, r);
  return [...seen.values()]
    .map((r) => ({ key: `${r.state}|${r.reason ?? ''}`, state: r.state, reason: r.reason }))
    .sort((a, b) => (order[a.state] ?? 8) - (order[b.state] ?? 8) || String(a.reason).localeCompare(String(b.reason)));
}

function colTitle(c) {
  if (c.state === 'running') return 'Execution';
  if (c.state === 'runnable') return 'Sched wait';
  if (c.state === 'unknown') return 'Unknown';
  const kind = { blocked: 'Sync block', net: 'Network wait', syscall: 'Syscall', sleep: 'Sleep' }[c.state] || c.state;
  return c.reason && c.reason !== c.state ? `${kind} (${c.reason})` : kind;
}

export async function threadsPage(main) {
  const b = await api.get('breakdown');
  const cols = columnsOf(b.rows);
  const threads = new Map();
  for (const r of b.rows) {
    let t = threads.get(r.utid);
    if (!t) threads.set(r.utid, (t = { utid: r.utid, tid: r.tid, name: r.name, total: 0, v: {}, n: {} }));
    t.total += r.total;
    t.v[`${r.state}|${r.reason ?? ''}`] = r.total;
    t.n[`${r.state}|${r.reason ?? ''}`] = r.count;
  }
  const list = [...threads.values()].sort((a, b) => b.total - a.total);
  main.innerHTML = `
    <h1>Per-thread breakdown</h1>
    <p class="hint">Non-overlapping time per thread, by state and reason (like go tool trace's goroutine analysis).
      Click a header to sort; click a thread to see it on the timeline.</p>
    <table class="data" id="breakdown"><thead><tr>
      <th>Thread</th><th class="num">tid</th><th class="num">Total</th><th>Breakdown</th>
      ${cols.map((c) => `<th class="num" title="${esc(label(c.state, c.reason))}"><span class="swatch" style="background:${color(c.state, c.reason)}"></span>${esc(colTitle(c))}</th>`).join('')}
    </tr></thead><tbody>
      ${list.map((t) => `<tr>
        <td><a href="#/timeline?utid=${t.utid}">${esc(t.name ?? '(unnamed)')}</a></td>
        <td class="num" data-v="${t.tid}">${t.tid}</td>
        <td class="num" data-v="${t.total}">${dur(t.total)}</td>
        <td data-v="${t.v['running|'] ?? 0}"><div class="bar">${cols.map((c) => {
          const v = t.v[c.key] || 0;
          return v ? `<span title="${esc(colTitle(c))}: ${dur(v)}" style="width:${(100 * v) / t.total}%;background:${color(c.state, c.reason)}"></span>` : '';
        }).join('')}</div></td>
        ${cols.map((c) => `<td class="num" data-v="${t.v[c.key] || 0}" title="${t.n[c.key] || 0} times">${t.v[c.key] ? dur(t.v[c.key]) + ' <span class="muted">' + pct(t.v[c.key], t.total) + '</span>' : ''}</td>`).join('')}
      </tr>`).join('')}
    </tbody></table>`;
  sortable(main.querySelector('#breakdown'));
  // Go's goroutine-leak question: who was still waiting at the end, and since when?
  const s = await api.get('blocked_at_end');
  const leak = h(`<div><h2 id="blocked-at-end">Blocked when the trace ended</h2>
    <p class="hint">Threads still waiting at the end of the trace, longest first. A wait that began right after the thread started (small "after start") on an object nobody touches again is a leaked thread.</p>
    ${s.threads.length ? '' : '<p class="muted">No thread was waiting at the end of the trace.</p>'}
    <table class="data" id="blocked"><thead><tr><th>Thread</th><th class="num">tid</th><th>Waiting on</th>
      <th class="num">Since</th><th class="num">For</th><th class="num">After start</th></tr></thead><tbody>
    ${s.threads.map((t) => `<tr><td><a href="#/timeline?utid=${t.utid}">${esc(t.name ?? '(unnamed)')}</a></td>
      <td class="num">${t.tid}</td><td><span class="swatch" style="background:${color(t.state, t.reason)}"></span>${esc(label(t.state, t.reason))}${t.object ? ' ' + esc(t.object) : ''}</td>
      <td class="num" data-v="${t.since}">${dur(t.since)}</td><td class="num" data-v="${t.dur}">${dur(t.dur)}</td>
      <td class="num" data-v="${t.since_start_ns}">${dur(t.since_start_ns)}</td></tr>`).join('')}
    </tbody></table></div>`);
  main.appendChild(leak);
  sortable(main.querySelector('#blocked'));
}

export async function objectsPage(main) {
  const r = await api.get('objects', { limit: 200 });
  const who = (l) => l.map((w) => `${esc(w.name ?? 'utid ' + w.utid)} <span class="muted">${w.count}× ${dur(w.total)}</span>`).join('<br>');
  main.innerHTML = `
    <h1>Contended objects</h1>
    <p class="hint">Locks, condition variables, semaphores… ranked by the total time threads waited on them.</p>
    <table class="data" id="objects"><thead><tr>
      <th>Object</th><th>Kind</th><th class="num">Waits</th><th class="num">Total wait</th><th class="num">Max wait</th>
      <th class="num">Threads</th><th>Top waiters</th><th>Top wakers</th><th></th></tr></thead><tbody>
      ${r.objects.map((o) => `<tr>
        <td>${esc(o.name ?? hex(o.address))}${o.name ? ' <span class="muted">' + hex(o.address) + '</span>' : ''}</td>
        <td>${esc(o.kind)}</td>
        <td class="num" data-v="${o.count}">${o.count.toLocaleString()}</td>
        <td class="num" data-v="${o.total}">${dur(o.total)}</td>
        <td class="num" data-v="${o.max}">${dur(o.max)}</td>
        <td class="num" data-v="${o.threads}">${o.threads}</td>
        <td>${who(o.waiters)}</td><td>${who(o.wakers)}</td>
        <td>${o.longest ? `<a href="#/timeline?state=${o.longest.id}">longest wait</a>` : ''}</td>
      </tr>`).join('')}
    </tbody></table>`;
  if (!r.objects.length) main.appendChild(h('<p class="muted">No thread waited on a sync object.</p>'));
  sortable(main.querySelector('#objects'));
}

// Latency distributions by name (go tool trace's "User-defined regions" and
// "User-defined tasks"): one table, one log2 histogram per row.
async function latencyPage(main, endpoint, title, hint, column, empty) {
  const r = await api.get(endpoint);
  const rows = r[endpoint];
  const hist = (h) => {
    let lo = h.findIndex((x) => x > 0), hi = h.length - 1 - [...h].reverse().findIndex((x) => x > 0);
    if (lo < 0) return '';
    const max = Math.max(...h);
    const bars = [];
    for (let b = lo; b <= hi; b++) {
      bars.push(`<span title="${dur(2 ** b)} – ${dur(2 ** (b + 1))}: ${h[b]}" style="display:inline-block;width:6px;margin-right:1px;vertical-align:bottom;background:#1f6feb;height:${Math.max(1, Math.round((18 * h[b]) / max))}px"></span>`);
    }
    return `<span class="muted">${dur(2 ** lo)}</span> ${bars.join('')} <span class="muted">${dur(2 ** (hi + 1))}</span>`;
  };
  main.innerHTML = `
    <h1>${title}</h1>
    <p class="hint">${hint}</p>
    ${rows.length ? '' : `<p class="muted">${empty}</p>`}
    <table class="data" id="${endpoint}"><thead><tr><th>${column}</th><th class="num">Count</th><th class="num">Total</th>
      <th class="num">Min</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">Max</th><th>Distribution</th><th class="num">Unfinished</th></tr></thead><tbody>
      ${rows.map((x) => `<tr><td>${esc(x.name)}</td><td class="num" data-v="${x.count}">${x.count.toLocaleString()}</td>
        <td class="num" data-v="${x.total}">${dur(x.total)}</td><td class="num" data-v="${x.min ?? 0}">${dur(x.min)}</td>
        <td class="num" data-v="${x.p50 ?? 0}">${dur(x.p50)}</td><td class="num" data-v="${x.p90 ?? 0}">${dur(x.p90)}</td>
        <td class="num" data-v="${x.p99 ?? 0}">${dur(x.p99)}</td><td class="num" data-v="${x.max ?? 0}">${dur(x.max)}</td>
        <td>${hist(x.hist)}</td><td class="num" data-v="${x.unfinished}">${x.unfinished || ''}</td></tr>`).join('')}
    </tbody></table>`;
  sortable(main.querySelector(`#${endpoint}`));
}

export const regionsPage = (main) => latencyPage(main, 'regions', 'User regions',
  'Regions annotated by the program (like Go\'s trace.WithRegion), by name: count and latency distribution (log2 buckets).',
  'Region', 'This trace has no user regions.');

export async function tasksPage(main) {
  await latencyPage(main, 'tasks', 'User tasks',
    'Tasks annotated by the program (like Go\'s trace.NewTask; they may span threads), by type: count and latency distribution (log2 buckets). Click a type for its slowest tasks and their regions.',
    'Task', 'This trace has no user tasks.');
  const detail = h('<div id="task-list"></div>');
  main.appendChild(detail);
  for (const tr of main.querySelectorAll('#tasks tbody tr')) {
    tr.style.cursor = 'pointer';
    tr.addEventListener('click', async () => {
      const type = tr.cells[0].textContent;
      const r = await api.get(`task_list?type=${encodeURIComponent(type)}`);
      detail.innerHTML = `<h2>Slowest ${esc(type)} tasks</h2>
        <table class="data" id="task-rows"><thead><tr><th>Task</th><th class="num">Start</th><th class="num">Duration</th>
          <th>Began on</th><th>Ended on</th><th>Regions</th></tr></thead><tbody>
        ${r.tasks.map((t) => `<tr><td>${t.id}</td><td class="num">${dur(t.ts)}</td>
          <td class="num">${t.dur >= 0 ? dur(t.dur) : 'unfinished'}</td>
          <td>${esc(t.begin_thread ?? '')}</td><td>${esc(t.end_thread ?? '')}</td>
          <td>${t.regions.map((g) => `${esc(g.name)} <span class="muted">${dur(g.dur)} on ${esc(g.thread ?? '')}</span>`).join(', ')}</td></tr>`).join('')}
        </tbody></table>`;
    });
  }
}

// Network waits per connection: which peers the threads waited on, how long,
// and the bytes of the calls that waited.
export async function connectionsPage(main) {
  const r = await api.get('connections');
  const bytes = (b) => (b == null ? '' : b.toLocaleString());
  main.innerHTML = `
    <h1>Network connections</h1>
    <p class="hint">Blocking socket calls grouped by peer address: total and longest wait, and the bytes moved by the calls that waited (calls that did not wait are not recorded).</p>
    ${r.connections.length ? '' : '<p class="muted">No thread waited on the network in this trace.</p>'}
    <table class="data" id="connections"><thead><tr><th>Peer</th><th>Local</th><th class="num">Waits</th>
      <th class="num">Total wait</th><th class="num">Longest</th><th class="num">Bytes in</th><th class="num">Bytes out</th>
      <th class="num">Threads</th><th>Calls</th></tr></thead><tbody>
      ${r.connections.map((x) => `<tr><td>${esc(x.peer)}</td><td>${esc(x.local ?? '')}</td>
        <td class="num" data-v="${x.waits}">${x.waits.toLocaleString()}</td>
        <td class="num" data-v="${x.wait_ns}">${dur(x.wait_ns)}</td><td class="num" data-v="${x.max_wait_ns}">${dur(x.max_wait_ns)}</td>
        <td class="num" data-v="${x.bytes_in ?? 0}">${bytes(x.bytes_in)}</td><td class="num" data-v="${x.bytes_out ?? 0}">${bytes(x.bytes_out)}</td>
        <td class="num" data-v="${x.threads}">${x.threads}</td><td>${esc(x.ops ?? '')}</td></tr>`).join('')}
    </tbody></table>
    <h2>Sockets closed during the trace</h2>
    <p class="hint">Everything the process read and wrote on each socket it closed while tracing, blocking or not, by peer: the traffic of event loops, whose ready non-blocking calls are not recorded one by one. Sockets still open at the end are not counted.</p>
    ${r.closed && r.closed.length ? '' : '<p class="muted">No socket was closed during this trace.</p>'}
    <table class="data" id="closed"><thead><tr><th>Peer</th><th>Local</th><th class="num">Sockets</th>
      <th class="num">Bytes in</th><th class="num">Bytes out</th><th class="num">Calls</th></tr></thead><tbody>
      ${(r.closed || []).map((x) => `<tr><td>${esc(x.peer)}</td><td>${esc(x.local ?? '')}</td>
        <td class="num" data-v="${x.sockets}">${x.sockets}</td>
        <td class="num" data-v="${x.bytes_in}">${bytes(x.bytes_in)}</td><td class="num" data-v="${x.bytes_out}">${bytes(x.bytes_out)}</td>
        <td class="num" data-v="${x.ops}">${x.ops.toLocaleString()}</td></tr>`).join('')}
    </tbody></table>`;
  sortable(main.querySelector('#connections'));
  sortable(main.querySelector('#closed'));
}
