// memory.js: the allocations analysis (top allocation sites from sampled
// allocations, in use at the end vs allocated, with stacks) and the
// minimum mutator utilization page (go tool trace's /mmu).
import * as api from './api.js';
import { esc, dur, pct, bytes, hex, sortable } from './format.js';
import { buildTree, drawFlame, frameName } from './flame.js';

const metrics = [
  ['inuse_bytes', 'In-use bytes'], ['inuse_objects', 'In-use objects'],
  ['alloc_bytes', 'Allocated bytes'], ['alloc_objects', 'Allocated objects'],
];
const isBytes = (m) => m.endsWith('_bytes');
const fmt = (m, v) => (isBytes(m) ? bytes(v) : Number(v).toLocaleString());

function stackHtml(r, site) {
  if (!site.stack.length) return '<div class="muted">no stack recorded</div>';
  return site.stack.map((i) => {
    const f = r.frames[i];
    return `<div><b>${esc(frameName(f))}</b> <span class="loc">${f.file ? esc(f.file) + ':' + f.line : hex(f.address)} ${esc(String(f.mapping ?? '').split('/').pop())}</span></div>`;
  }).join('');
}

export async function allocationsPage(main, query) {
  const sort = new URLSearchParams(query || '').get('sort') || 'inuse_bytes';
  const r = await api.get('allocations', { sort, limit: 200 });
  const t = r.totals;
  const top = r.top[0];
  const heap = r.heap
    ? `<p id="heap-growth">Heap in use (<code>heap_inuse_bytes</code>): ${bytes(r.heap.first)} at the first sample,
        ${bytes(r.heap.last)} at the end, peak ${bytes(r.heap.max)} at ${dur(r.heap.max_ts)}
        ${r.heap.last > r.heap.first ? `<b>(grew by ${bytes(r.heap.last - r.heap.first)})</b>` : ''}.
        <a href="#/timeline">See it on the timeline</a>.</p>`
    : '<p class="muted" id="heap-growth">No heap counter in this trace.</p>';
  const inuseTop = [...r.top].sort((a, b) => b.inuse_bytes - a.inuse_bytes)[0];
  main.innerHTML = `
    <h1>Allocations</h1>
    <p class="hint">From sampled allocations (about one sample per sampling interval of bytes, at random, like Go's heap profile),
      each scaled to the bytes and objects it stands for. In use = not freed when the trace ended.
      The same figures as <a href="${api.pprofUrl('inuse')}">the in-use pprof</a> and <a href="${api.pprofUrl('alloc')}">the allocation pprof</a>
      (<code>cprof-trace -pprof=inuse|alloc</code>).</p>
    ${heap}
    ${r.sites ? '' : '<p class="muted">No sampled allocation in this trace (allocation tracking off, or the program allocated less than the sampling interval).</p>'}
    ${inuseTop && inuseTop.inuse_bytes > 0 ? `<p id="top-inuse">Top in-use allocation site: <b>${esc(inuseTop.function ?? '(no stack)')}</b>,
      ${bytes(inuseTop.inuse_bytes)} (${pct(inuseTop.inuse_bytes, t.inuse_bytes)} of the in-use estimate).</p>` : ''}
    <table class="data kv" id="alloc-totals"><thead><tr><th></th><th class="num">Bytes</th><th class="num">Objects</th></tr></thead><tbody>
      <tr><td>Allocated during the trace</td><td class="num">${bytes(t.alloc_bytes)}</td><td class="num">${t.alloc_objects.toLocaleString()}</td></tr>
      <tr><td>In use at the end</td><td class="num">${bytes(t.inuse_bytes)}</td><td class="num">${t.inuse_objects.toLocaleString()}</td></tr>
      <tr><td>Samples, sites</td><td class="num">${t.samples.toLocaleString()}</td><td class="num">${r.sites.toLocaleString()}</td></tr>
    </tbody></table>
    <h2>Top allocation sites</h2>
    <p id="alloc-sort">Rank by: ${metrics.map(([m, l]) => m === r.sort ? `<b>${l}</b>` : `<a href="#/allocations?sort=${m}">${l}</a>`).join(' · ')}
      <span class="hint">Click a site for its stack.</span></p>
    <table class="data" id="alloc-sites"><thead><tr><th>Site (allocating function)</th>
      <th class="num">In use</th><th class="num">In-use objects</th><th class="num">Allocated</th><th class="num">Allocated objects</th>
      <th class="num">In use / allocated</th><th class="num">Samples</th></tr></thead><tbody>
      ${r.top.map((s, i) => `<tr data-i="${i}"><td>${esc(s.function ?? '(no stack)')}${s.stack.length > 1
        ? ` <span class="muted">← ${esc(frameName(r.frames[s.stack[1]]))}</span>` : ''}</td>
        <td class="num" data-v="${s.inuse_bytes}">${bytes(s.inuse_bytes)}</td><td class="num" data-v="${s.inuse_objects}">${s.inuse_objects.toLocaleString()}</td>
        <td class="num" data-v="${s.alloc_bytes}">${bytes(s.alloc_bytes)}</td><td class="num" data-v="${s.alloc_objects}">${s.alloc_objects.toLocaleString()}</td>
        <td class="num" data-v="${s.alloc_bytes ? s.inuse_bytes / s.alloc_bytes : 0}">${pct(s.inuse_bytes, s.alloc_bytes)}</td>
        <td class="num" data-v="${s.samples}">${s.samples.toLocaleString()}</td></tr>`).join('')}
    </tbody></table>
    ${r.sites > r.top.length ? `<p class="hint">${r.sites - r.top.length} more sites; the totals count them all.</p>` : ''}
    <h2 id="alloc-stack-title">Stack</h2>
    <div class="stack" id="alloc-stack"><span class="muted">Click a site.</span></div>
    <h2>Flame graph: ${esc(metrics.find(([m]) => m === r.sort)[1].toLowerCase())}</h2>
    <p class="hint">Callers on top, the allocating function at the bottom; width is the ranking figure. Click to zoom.</p>
    <canvas id="flame"></canvas><div id="flame-tip"></div>`;
  sortable(main.querySelector('#alloc-sites'));
  const rowsEl = [...main.querySelectorAll('#alloc-sites tbody tr')];
  const pick = (tr) => {
    rowsEl.forEach((x) => x.classList.toggle('selected', x === tr));
    const s = r.top[Number(tr.dataset.i)];
    main.querySelector('#alloc-stack-title').textContent = `Stack of ${s.function ?? '(no stack)'}`;
    main.querySelector('#alloc-stack').innerHTML = stackHtml(r, s) +
      `<p class="hint">${fmt(r.sort, s[r.sort])} ${metrics.find(([m]) => m === r.sort)[1].toLowerCase()}, ${s.samples} samples.</p>`;
  };
  rowsEl.forEach((tr) => tr.addEventListener('click', () => pick(tr)));
  if (rowsEl.length) pick(rowsEl[0]);
  const tree = buildTree({
    frames: r.frames,
    stacks: r.top.filter((s) => s[r.sort] > 0).map((s) => ({ total: s[r.sort], count: s.samples, frames: s.stack })),
  });
  const redraw = drawFlame(main.querySelector('#flame'), main.querySelector('#flame-tip'), tree,
    (n, root) => `${n.name}: ${fmt(r.sort, n.value)} (${pct(n.value, root.value)}), ${n.count} samples`);
  window.addEventListener('resize', redraw);
  return () => window.removeEventListener('resize', redraw);
}

// The MMU curve on a log-x canvas chart.
function drawMmu(canvas, tip, pts, onPick) {
  const padL = 48, padR = 16, padT = 12, padB = 34;
  const lx = (w) => Math.log10(w);
  const x0 = lx(pts[0][0]), x1 = lx(pts[pts.length - 1][0]);
  let sx, sy;
  function draw() {
    const dpr = window.devicePixelRatio || 1;
    const W = canvas.clientWidth, H = 320;
    canvas.width = W * dpr;
    canvas.height = H * dpr;
    canvas.style.height = H + 'px';
    const g = canvas.getContext('2d');
    g.scale(dpr, dpr);
    sx = (w) => padL + ((lx(w) - x0) / Math.max(x1 - x0, 1e-9)) * (W - padL - padR);
    sy = (u) => padT + (1 - u) * (H - padT - padB);
    g.font = '11px system-ui, sans-serif';
    g.strokeStyle = '#eef0f2';
    g.fillStyle = '#666';
    g.textBaseline = 'middle';
    for (let u = 0; u <= 1.0001; u += 0.2) {
      g.beginPath();
      g.moveTo(padL, sy(u) + 0.5);
      g.lineTo(W - padR, sy(u) + 0.5);
      g.stroke();
      g.fillText(u.toFixed(1), 14, sy(u));
    }
    g.textBaseline = 'top';
    for (let e = Math.ceil(x0); e <= Math.floor(x1); e++) {
      const x = Math.round(sx(10 ** e)) + 0.5;
      g.beginPath();
      g.moveTo(x, padT);
      g.lineTo(x, H - padB);
      g.stroke();
      g.fillText(dur(10 ** e), x - 14, H - padB + 6);
    }
    g.fillText('window length (log scale)', W / 2 - 60, H - 14);
    g.strokeStyle = '#1f6feb';
    g.lineWidth = 2;
    g.beginPath();
    pts.forEach(([w, u], i) => (i ? g.lineTo(sx(w), sy(u)) : g.moveTo(sx(w), sy(u))));
    g.stroke();
    g.lineWidth = 1;
  }
  const near = (e) => {
    const rc = canvas.getBoundingClientRect();
    const x = e.clientX - rc.left;
    let best = null;
    for (const p of pts) if (!best || Math.abs(sx(p[0]) - x) < Math.abs(sx(best[0]) - x)) best = p;
    return best;
  };
  canvas.onmousemove = (e) => {
    const p = near(e);
    tip.style.display = 'block';
    tip.style.left = e.clientX + 12 + 'px';
    tip.style.top = e.clientY + 12 + 'px';
    tip.textContent = `window ${dur(p[0])}: MMU ${(100 * p[1]).toFixed(1)}% (worst window at ${dur(p[2])}; click for the worst windows)`;
  };
  canvas.onmouseleave = () => (tip.style.display = 'none');
  canvas.onclick = (e) => onPick(near(e));
  draw();
  return draw;
}

export async function mmuPage(main, query) {
  const withGc = new URLSearchParams(query || '').get('gc') === '1';
  const r = await api.get('mmu', withGc ? { gc: 1 } : {});
  main.innerHTML = `
    <h1>Minimum mutator utilization</h1>
    <p class="hint">For each window length, the smallest share of any window of that length left to the program's own work
      (like go tool trace's MMU). A stop-the-world pause (<code>cprof_stw_begin/end</code>, Boehm GC's stopped world) takes all
      of it. With the box ticked, GC phases (<code>cprof_gc_begin/end</code>, malloc_trim, Boehm collections) take the share
      of the live threads that run them, as Go counts its procs. Low values at short windows: long pauses; at long windows: much time lost overall.</p>
    <p><label><input type="checkbox" id="mmu-gc" ${withGc ? 'checked' : ''}> Count GC phases (for the threads running them)</label></p>
    <p id="mmu-summary">${r.pauses.toLocaleString()} stop-the-world pauses${withGc ? ' and GC phases' : ''}:
      ${dur(r.paused_ns)} of the program's time lost
      (${pct(r.paused_ns, r.duration_ns)} of ${dur(r.duration_ns)}).</p>
    ${r.paused_ns ? '' : '<p class="muted">No pause in this trace: utilization is 100% at every window length.</p>'}
    <p class="hint">Click the curve for the worst windows of a length.</p>
    <canvas id="mmu-chart"></canvas><div id="flame-tip"></div>
    <div id="mmu-pick"></div>
    <h2>Points</h2>
    <table class="data" id="mmu-points"><thead><tr><th class="num">Window</th><th class="num">MMU</th><th class="num">Worst window starts at</th></tr></thead><tbody>
      ${r.points.map(([w, u, t]) => `<tr><td class="num" data-v="${w}">${dur(w)}</td><td class="num" data-v="${u}">${(100 * u).toFixed(2)}%</td>
        <td class="num" data-v="${t}"><a href="#/timeline?t0=${t}&t1=${t + w}">${dur(t)}</a></td></tr>`).join('')}
    </tbody></table>`;
  main.querySelector('#mmu-gc').onchange = (e) => { location.hash = e.target.checked ? '#/mmu?gc=1' : '#/mmu'; };
  const pick = main.querySelector('#mmu-pick');
  let redraw = () => {};
  if (r.points.length) {
    redraw = drawMmu(main.querySelector('#mmu-chart'), main.querySelector('#flame-tip'), r.points, async ([w, u]) => {
      // Like go tool trace: the worst disjoint windows of that length.
      const x = await api.get('mmu_worst', { w, n: 10, gc: withGc ? 1 : undefined });
      pick.innerHTML = `<h2>Lowest mutator utilization in ${dur(x.w)} windows</h2>
        <p class="hint">MMU ${(100 * u).toFixed(1)}%. Disjoint windows, worst first; click one to see it on the timeline.</p>
        ${x.windows.length ? '' : '<p class="muted">No pause in any window of this length.</p>'}
        <table class="data" id="mmu-worst"><thead><tr><th class="num">Utilization</th><th class="num">From</th><th class="num">To</th></tr></thead><tbody>
        ${x.windows.map(([t, v]) => `<tr><td class="num">${(100 * v).toFixed(2)}%</td>
          <td class="num"><a href="#/timeline?t0=${t}&t1=${t + x.w}">${dur(t)}</a></td><td class="num">${dur(t + x.w)}</td></tr>`).join('')}
        </tbody></table>`;
    });
  }
  window.cprofMmu = { points: r.points, drawn: r.points.length > 0 };
  window.addEventListener('resize', redraw);
  return () => window.removeEventListener('resize', redraw);
}
