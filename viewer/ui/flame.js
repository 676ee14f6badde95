// flame.js: blocking profiles (sync / net / syscall / sleep / sched) as
// top tables and a flame graph (icicle: callers on top), drawn on canvas.
import * as api from './api.js';
import { esc, dur, pct, sortable } from './format.js';

const titles = {
  sync: 'Synchronization blocking profile', net: 'Network blocking profile',
  syscall: 'Syscall blocking profile', sleep: 'Sleep profile', sched: 'Scheduler latency profile',
};

export function frameName(f) {
  return f ? f.name || '0x' + Number(f.address).toString(16) : '(no stack)';
}

export function buildTree(p) {
  const root = { name: 'all', value: 0, count: 0, children: new Map() };
  for (const s of p.stacks) {
    root.value += s.total;
    root.count += s.count;
    let n = root;
    const fr = s.frames.length ? [...s.frames].reverse() : [-1];
    for (const i of fr) {
      const name = i < 0 ? '(no stack)' : frameName(p.frames[i]);
      let c = n.children.get(name);
      if (!c) n.children.set(name, (c = { name, value: 0, count: 0, children: new Map(), parent: n }));
      c.value += s.total;
      c.count += s.count;
      n = c;
    }
  }
  return root;
}

function hue(name) {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return `hsl(${10 + (h % 40)}, ${70 + (h % 20)}%, ${55 + (h % 15)}%)`;
}

// tipText(node, root): the hover text; blocking time and waits by default.
export function drawFlame(canvas, tip, root, tipText) {
  const rowH = 18;
  let focus = root;
  const depthOf = (n) => {
    let d = 0;
    for (const c of n.children.values()) d = Math.max(d, depthOf(c));
    return d + 1;
  };
  const rects = [];
  function draw() {
    const w = canvas.clientWidth;
    const rows = depthOf(focus) + 1;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = w * dpr;
    canvas.height = rows * rowH * dpr;
    canvas.style.height = rows * rowH + 'px';
    const g = canvas.getContext('2d');
    g.scale(dpr, dpr);
    g.font = '12px system-ui, sans-serif';
    g.textBaseline = 'middle';
    rects.length = 0;
    // Ancestors of the focus keep full width on top.
    const chain = [];
    for (let n = focus; n; n = n.parent) chain.unshift(n);
    const total = focus.value || 1;
    const put = (n, x, y, width) => {
      rects.push({ n, x, y, w: width });
      g.fillStyle = n === root ? '#ddd' : hue(n.name);
      g.fillRect(x, y, Math.max(width - 1, 0.5), rowH - 1);
      if (width > 30) {
        g.fillStyle = '#000';
        g.save();
        g.beginPath();
        g.rect(x, y, width - 2, rowH);
        g.clip();
        g.fillText(`${n.name} ${pct(n.value, root.value)}`, x + 3, y + rowH / 2);
        g.restore();
      }
    };
    chain.forEach((n, i) => put(n, 0, i * rowH, w));
    const rec = (n, x, y) => {
      let cx = x;
      const kids = [...n.children.values()].sort((a, b) => b.value - a.value);
      for (const c of kids) {
        const cw = (c.value / total) * w;
        if (cw >= 0.5) {
          put(c, cx, y, cw);
          rec(c, cx, y + rowH);
        }
        cx += cw;
      }
    };
    rec(focus, 0, chain.length * rowH);
  }
  const hit = (e) => {
    const r = canvas.getBoundingClientRect();
    const x = e.clientX - r.left, y = e.clientY - r.top;
    return rects.find((q) => x >= q.x && x < q.x + q.w && y >= q.y && y < q.y + rowH);
  };
  canvas.onclick = (e) => {
    const q = hit(e);
    if (q) {
      focus = q.n;
      draw();
    }
  };
  canvas.onmousemove = (e) => {
    const q = hit(e);
    if (!q) {
      tip.style.display = 'none';
      return;
    }
    tip.style.display = 'block';
    tip.style.left = e.clientX + 12 + 'px';
    tip.style.top = e.clientY + 12 + 'px';
    tip.textContent = tipText ? tipText(q.n, root) : `${q.n.name}: ${dur(q.n.value)} (${pct(q.n.value, root.value)}), ${q.n.count} waits`;
  };
  canvas.onmouseleave = () => (tip.style.display = 'none');
  draw();
  return draw;
}

export async function profilePage(main, kind) {
  const p = await api.get('profile', { kind });
  const total = p.stacks.reduce((a, s) => a + s.total, 0);
  const count = p.stacks.reduce((a, s) => a + s.count, 0);
  // Flat (leaf) and cumulative time per function.
  const fn = new Map();
  for (const s of p.stacks) {
    const seen = new Set();
    s.frames.forEach((i, k) => {
      const name = frameName(p.frames[i]);
      let e = fn.get(name);
      if (!e) fn.set(name, (e = { name, flat: 0, cum: 0, count: 0, file: p.frames[i].file, line: p.frames[i].line }));
      if (k === 0) {
        e.flat += s.total;
        e.count += s.count;
      }
      if (!seen.has(name)) e.cum += s.total;
      seen.add(name);
    });
  }
  const fns = [...fn.values()].sort((a, b) => b.flat - a.flat || b.cum - a.cum).slice(0, 100);
  main.innerHTML = `
    <h1>${esc(titles[kind] || kind)}</h1>
    <p>${count.toLocaleString()} waits, ${dur(total)} in total.
       <a href="${api.pprofUrl(kind)}">Download as pprof</a> (for <code>go tool pprof</code>).</p>
    ${p.stacks.length ? '' : '<p class="muted">Nothing of this kind in the trace.</p>'}
    <h2>Flame graph</h2>
    <p class="hint">Callers on top, the blocking call at the bottom; width is time blocked. Click to zoom, click the top row to zoom out.</p>
    <canvas id="flame"></canvas><div id="flame-tip"></div>
    <h2>Top functions</h2>
    <table class="data" id="top-functions"><thead><tr><th class="num">Flat</th><th class="num">Flat %</th><th class="num">Cum</th><th class="num">Cum %</th><th class="num">Waits</th><th>Function</th><th>Location</th></tr></thead><tbody>
      ${fns.map((f) => `<tr><td class="num" data-v="${f.flat}">${dur(f.flat)}</td><td class="num" data-v="${f.flat}">${pct(f.flat, total)}</td>
        <td class="num" data-v="${f.cum}">${dur(f.cum)}</td><td class="num" data-v="${f.cum}">${pct(f.cum, total)}</td>
        <td class="num" data-v="${f.count}">${f.count.toLocaleString()}</td><td>${esc(f.name)}</td>
        <td class="muted">${f.file ? esc(f.file) + ':' + f.line : ''}</td></tr>`).join('')}
    </tbody></table>
    <h2>Top stacks</h2>
    <table class="data" id="top-stacks"><thead><tr><th class="num">Time</th><th class="num">%</th><th class="num">Waits</th><th class="num">Mean</th><th>Stack (blocking call first)</th></tr></thead><tbody>
      ${p.stacks.slice(0, 30).map((s) => `<tr><td class="num" data-v="${s.total}">${dur(s.total)}</td><td class="num" data-v="${s.total}">${pct(s.total, total)}</td>
        <td class="num" data-v="${s.count}">${s.count.toLocaleString()}</td><td class="num" data-v="${s.total / s.count}">${dur(s.total / s.count)}</td>
        <td class="stack">${s.frames.length ? s.frames.map((i) => esc(frameName(p.frames[i]))).join(' ← ') : '(no stack)'}</td></tr>`).join('')}
    </tbody></table>`;
  sortable(main.querySelector('#top-functions'));
  sortable(main.querySelector('#top-stacks'));
  const redraw = drawFlame(main.querySelector('#flame'), main.querySelector('#flame-tip'), buildTree(p));
  window.addEventListener('resize', redraw);
  return () => window.removeEventListener('resize', redraw);
}
