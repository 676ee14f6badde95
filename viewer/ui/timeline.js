// timeline.js: the canvas timeline.  One track per thread (grouped by
// process) with states coloured by reason and user regions below, counter
// tracks on top, waker → wakee arrows for the selected state.  The server
// buckets per pixel, so we fetch 3× the visible window at the current
// resolution and refetch only when the view leaves it or the zoom changes
// (Perfetto's BufferedBounds); drawing costs what the pixels cost.  GC
// phases and pauses of all threads have one row of their own (gctrack.js).
import * as api from './api.js';
import { esc, dur, color, label } from './format.js';
import { stateHtml, selectionHtml, searchHtml } from './details.js';
import { gcRowHeight, drawGcRow, hitGc, findGc, gcSliceHtml } from './gctrack.js';

const LABEL_W = 180, RULER_H = 24, COUNTER_H = 34, PROC_H = 18, STATE_H = 16, SLICE_H = 13, GAP = 4;

export async function timelinePage(main, query) {
  const params = new URLSearchParams(query || '');
  const [sum, th] = await Promise.all([api.summary(), api.threads()]);
  main.innerHTML = `
    <div id="tl-wrap">
      <div id="tl-toolbar">
        <input id="tl-search" placeholder="Search threads, objects, regions" autocomplete="off">
        <button id="tl-fit">Fit</button>
        <span class="hint">wheel / W S: zoom · Shift+wheel, Shift+drag, A D: pan · drag: select a range · click: details</span>
        <span id="tl-status" class="hint"></span>
      </div>
      <div class="legend" id="tl-legend"></div>
      <div id="tl-body">
        <div id="tl-scroll"><canvas id="tl-canvas"></canvas></div>
        <div id="tl-side"><p class="muted">Click a state to see its stack; drag to total a range.</p></div>
      </div>
    </div>`;
  const scroll = main.querySelector('#tl-scroll');
  const canvas = main.querySelector('#tl-canvas');
  const side = main.querySelector('#tl-side');
  const status = main.querySelector('#tl-status');
  let codes = th.codes;
  let codeColor = [];
  const total = Math.max(th.duration_ns, 1);
  function setCodes(list) {
    codes = list;
    codeColor = codes.map((c) => color(c.state, c.reason));
    main.querySelector('#tl-legend').innerHTML = codes.map((c, i) =>
      `<span><span class="swatch" style="background:${codeColor[i]}"></span>${esc(label(c.state, c.reason))}</span>`).join('');
  }
  setCodes(codes);
  let refetch = 0;

  // View and layout.
  const view = { t0: 0, t1: total };
  if (params.has('t0') && params.has('t1') && Number(params.get('t1')) > Number(params.get('t0'))) {
    view.t0 = Number(params.get('t0'));
    view.t1 = Number(params.get('t1'));
  }
  let rows = [];        // {kind, y, h, ...}
  let headerH = RULER_H;
  let counters = [];    // from the server, per loaded window
  let gc = null;        // the GC row of the loaded window (/api/gc)
  const sliceDepth = new Map();
  const utids = th.threads.map((t) => t.utid);
  let highlight = params.has('utid') ? Number(params.get('utid')) : null;

  function layout() {
    rows = [];
    let y = RULER_H;
    let gcDone = !(gc && gc.total);
    const gcRow = () => {
      rows.push({ kind: 'gc', y, h: gcRowHeight(gc) });
      y += gcRowHeight(gc);
      gcDone = true;
    };
    for (const c of counters) {
      rows.push({ kind: 'counter', c, y, h: COUNTER_H });
      y += COUNTER_H;
      if (c.name === 'heap_inuse_bytes' && !gcDone) gcRow();  // GC right under the heap
    }
    if (!gcDone) gcRow();
    headerH = y;
    let proc = null;
    for (const t of th.threads) {
      if (t.pid !== proc) {
        proc = t.pid;
        rows.push({ kind: 'proc', y, h: PROC_H, name: `${t.process ?? 'process'} (pid ${t.pid ?? '?'})` });
        y += PROC_H;
      }
      const d = sliceDepth.get(t.utid) || 0;
      const h = STATE_H + GAP + d * SLICE_H;
      rows.push({ kind: 'thread', t, y, h });
      y += h;
    }
    const height = y + 8;
    if (canvas.clientHeight !== height) canvas.style.height = height + 'px';
  }

  // Data, fetched for a padded window.
  let tl = null, sl = null, ct = null;
  let inflight = false, again = false, seq = 0;
  const plotW = () => Math.max(50, canvas.clientWidth - LABEL_W);

  function covered(d) {
    if (!d) return false;
    const span = view.t1 - view.t0;
    const res = span / plotW();
    return d.t0 <= Math.max(0, view.t0) && d.t1 >= Math.min(total, view.t1) && d.res <= res * 1.01 && d.res * 4 >= res;
  }

  async function fetchData() {
    if (inflight) {
      again = true;
      return;
    }
    if (covered(tl)) return;
    inflight = true;
    const my = ++seq;
    const span = view.t1 - view.t0;
    // Half a screen of margin each side: panning that far needs no fetch.
    const t0 = Math.max(0, Math.floor(view.t0 - span / 2));
    const t1 = Math.min(total, Math.ceil(view.t1 + span / 2));
    const width = Math.min(16384, Math.max(1, Math.round((plotW() * (t1 - t0)) / span)));
    const res = span / plotW();
    const t = performance.now();
    try {
      const p = { utids, t0, t1: Math.max(t1, t0 + 1), width };
      // The GC row comes on its own: its first answer reads every GC
      // slice of the trace, which must not hold up the first paint.
      api.get('gc', { t0: p.t0, t1: p.t1, width }).then((d) => {
        if (my !== seq) return;
        gc = d;
        draw();
      }).catch((e) => { status.textContent = e.message; });
      const [a, b, c] = await Promise.all([api.get('timeline', p), api.get('slices', p), api.get('counters', p)]);
      if (my === seq) {
        tl = { t0, t1, res, tracks: new Map(a.tracks.map((x) => [x.utid, x.segs])) };
        if (a.codes.length !== codes.length) setCodes(a.codes.map(([state, reason]) => ({ state, reason })));
        // Sampled while the index is built: refine once it is there.
        clearTimeout(refetch);
        if (!a.exact && !a.index_error) refetch = setTimeout(() => { tl = null; fetchData(); }, 2000);
        sl = { t0, t1, tracks: new Map(b.tracks.map((x) => [x.utid, x.slices])) };
        ct = c;
        counters = c.counters;
        for (const [u, list] of sl.tracks) {
          let d = 0;
          for (const s of list) d = Math.max(d, s[3] + 1);
          if (d > (sliceDepth.get(u) || 0)) sliceDepth.set(u, Math.min(d, 6));
        }
        status.textContent = `${dur(res)}/px · fetched in ${Math.round(performance.now() - t)} ms${a.exact ? '' : a.index_error ? ' · sampled view: the index failed (' + a.index_error + ')' : ' · indexing the trace: sampled view'}`;
        window.cprofTimeline.ready = true;
        window.cprofTimeline.fetches++;
      }
    } catch (e) {
      status.textContent = e.message;
    } finally {
      inflight = false;
    }
    draw();
    if (again) {
      again = false;
      fetchData();
    }
  }

  // Coordinates.
  const X = (t) => LABEL_W + ((t - view.t0) / (view.t1 - view.t0)) * plotW();
  const T = (x) => view.t0 + ((x - LABEL_W) / plotW()) * (view.t1 - view.t0);

  // Selection state.
  let selected = null;      // {utid, ts, dur, id, cnt, data}
  let selectedGc = null;    // id of the selected GC slice
  let range = null;         // {t0, t1, y0, y1}

  function niceStep(span, px) {
    const raw = (span / px) * 100;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5, 10]) if (p * m >= raw) return p * m;
    return p * 10;
  }

  function draw() {
    layout();
    const dpr = window.devicePixelRatio || 1;
    const W = canvas.clientWidth, H = canvas.clientHeight;
    if (canvas.width !== Math.round(W * dpr) || canvas.height !== Math.round(H * dpr)) {
      canvas.width = Math.round(W * dpr);
      canvas.height = Math.round(H * dpr);
    }
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, W, H);
    g.font = '11px system-ui, sans-serif';
    g.textBaseline = 'middle';
    const top = scroll.scrollTop, bottom = top + scroll.clientHeight;
    const step = niceStep(view.t1 - view.t0, plotW());
    // Grid lines.
    g.strokeStyle = '#eef0f2';
    g.beginPath();
    for (let t = Math.ceil(view.t0 / step) * step; t < view.t1; t += step) {
      const x = Math.round(X(t)) + 0.5;
      g.moveTo(x, top);
      g.lineTo(x, bottom);
    }
    g.stroke();
    // Threads.
    for (const r of rows) {
      if (r.kind === 'counter' || r.kind === 'gc' || r.y + r.h < top + headerH || r.y > bottom) continue;
      if (r.kind === 'proc') {
        g.fillStyle = '#f6f8fa';
        g.fillRect(0, r.y, W, r.h);
        g.fillStyle = '#333';
        g.font = 'bold 11px system-ui, sans-serif';
        g.fillText(r.name, 6, r.y + r.h / 2);
        g.font = '11px system-ui, sans-serif';
        continue;
      }
      drawThread(g, r, W);
    }
    drawArrows(g);
    if (range) {
      const x0 = X(range.t0), x1 = X(range.t1);
      g.fillStyle = 'rgba(31,111,235,0.12)';
      g.fillRect(x0, Math.max(range.y0, top + headerH), x1 - x0, range.y1 - Math.max(range.y0, top + headerH));
      g.strokeStyle = '#1f6feb';
      g.strokeRect(x0 + 0.5, top, x1 - x0, scroll.clientHeight - 1);
    }
    // Sticky header: ruler and counters at the scroll position.
    g.fillStyle = '#fff';
    g.fillRect(0, top, W, headerH);
    g.fillStyle = '#333';
    g.strokeStyle = '#999';
    g.beginPath();
    for (let t = Math.ceil(view.t0 / step) * step; t < view.t1; t += step) {
      const x = Math.round(X(t)) + 0.5;
      if (x < LABEL_W) continue;
      g.moveTo(x, top + RULER_H - 8);
      g.lineTo(x, top + RULER_H);
      g.fillText(dur(t), x + 3, top + 9);
    }
    g.stroke();
    for (const r of rows) {
      if (r.kind === 'counter') drawCounter(g, r, top, W);
      else if (r.kind === 'gc') drawGcRow(g, r, top + r.y, W, X, LABEL_W, gc, selectedGc);
    }
    g.strokeStyle = '#ccc';
    g.beginPath();
    g.moveTo(0, top + headerH - 0.5);
    g.lineTo(W, top + headerH - 0.5);
    g.moveTo(LABEL_W - 0.5, top);
    g.lineTo(LABEL_W - 0.5, bottom);
    g.stroke();
    g.fillStyle = '#666';
    g.fillText(`${dur(view.t1 - view.t0)} visible`, 6, top + 9);
  }

  function drawThread(g, r, W) {
    const t = r.t;
    const segs = tl && tl.tracks.get(t.utid);
    if (highlight === t.utid) {
      g.fillStyle = '#fff8c5';
      g.fillRect(0, r.y, W, r.h);
    }
    if (segs) {
      const y = r.y + 2;
      for (let i = 0; i < segs.length; i += 5) {
        const ts = segs[i], d = segs[i + 1];
        let x0 = X(ts), x1 = X(ts + d);
        if (x1 < LABEL_W || x0 > W) continue;
        x0 = Math.max(x0, LABEL_W);
        if (x1 - x0 < 1) x1 = x0 + 1;
        const code = segs[i + 2];
        g.fillStyle = code >= 0 ? codeColor[code] : '#ccc';
        g.fillRect(x0, y, x1 - x0, STATE_H - 2);
        if (segs[i + 3] > 1 && x1 - x0 >= 3) {
          // Merged states: a lighter band tells them from one long state.
          g.fillStyle = 'rgba(255,255,255,0.45)';
          g.fillRect(x0, y, x1 - x0, 3);
        }
      }
    }
    const slices = sl && sl.tracks.get(t.utid);
    if (slices) {
      for (const s of slices) {
        if (s[3] >= 6) continue;
        let x0 = X(s[1]), x1 = X(s[1] + s[2]);
        if (x1 < LABEL_W || x0 > W) continue;
        x0 = Math.max(x0, LABEL_W);
        x1 = Math.min(x1, W);
        const y = r.y + STATE_H + GAP + s[3] * SLICE_H;
        g.fillStyle = '#9ecbff';
        g.fillRect(x0, y, Math.max(1, x1 - x0 - 1), SLICE_H - 2);
        if (x1 - x0 > 40) {
          g.save();
          g.beginPath();
          g.rect(x0, y, x1 - x0 - 2, SLICE_H);
          g.clip();
          g.fillStyle = '#0a3069';
          g.fillText(s[4], x0 + 3, y + SLICE_H / 2 - 1);
          g.restore();
        }
      }
    }
    if (selected && selected.utid === t.utid) {
      const x0 = Math.max(LABEL_W, X(selected.ts)), x1 = Math.max(x0 + 2, X(selected.ts + selected.dur));
      g.strokeStyle = '#000';
      g.lineWidth = 2;
      g.strokeRect(x0, r.y + 1, x1 - x0, STATE_H);
      g.lineWidth = 1;
    }
    g.fillStyle = '#fff';
    g.fillRect(0, r.y, LABEL_W - 1, r.h);
    g.fillStyle = '#1d232a';
    g.fillText(`${t.name ?? '(unnamed)'}`, 8, r.y + STATE_H / 2 + 1);
    g.fillStyle = '#888';
    g.fillText(`${t.tid}`, LABEL_W - 44, r.y + STATE_H / 2 + 1);
  }

  function drawCounter(g, r, top, W) {
    const y = top + r.y, pts = r.c.pts;
    let max = 0;
    for (let i = 0; i < pts.length; i += 3) max = Math.max(max, pts[i + 2]);
    max = max || 1;
    const Y = (v) => y + COUNTER_H - 3 - (v / max) * (COUNTER_H - 8);
    g.fillStyle = 'rgba(110,64,201,0.35)';
    g.strokeStyle = '#6e40c9';
    g.beginPath();
    let started = false, last = LABEL_W;
    for (let i = 0; i < pts.length; i += 3) {
      const x0 = Math.max(LABEL_W, X(pts[i]));
      const x1 = i + 3 < pts.length ? X(pts[i + 3]) : W;
      if (x1 < LABEL_W || x0 > W) continue;
      if (!started) {
        g.moveTo(x0, y + COUNTER_H - 3);  // nothing is known before the first sample
        started = true;
      }
      g.lineTo(x0, Y(pts[i + 2]));
      last = Math.min(W, Math.max(x0 + 1, x1));
      g.lineTo(last, Y(pts[i + 2]));
    }
    if (started) {
      g.lineTo(last, y + COUNTER_H - 3);
      g.fill();
    }
    g.fillStyle = '#fff';
    g.fillRect(0, y, LABEL_W - 1, COUNTER_H);
    g.fillStyle = '#1d232a';
    g.fillText(`${r.c.name} (max ${max})`, 8, y + COUNTER_H / 2);
  }

  function rowOf(utid) {
    return rows.find((r) => r.kind === 'thread' && r.t.utid === utid);
  }

  function arrow(g, x0, y0, x1, y1, col) {
    g.strokeStyle = col;
    g.fillStyle = col;
    g.lineWidth = 1.5;
    g.beginPath();
    g.moveTo(x0, y0);
    g.bezierCurveTo(x0 + 20, y0, x1 - 20, y1, x1, y1);
    g.stroke();
    const a = Math.atan2(y1 - y0, 20);
    g.beginPath();
    g.moveTo(x1, y1);
    g.lineTo(x1 - 7 * Math.cos(a - 0.4), y1 - 7 * Math.sin(a - 0.4));
    g.lineTo(x1 - 7 * Math.cos(a + 0.4), y1 - 7 * Math.sin(a + 0.4));
    g.fill();
    g.lineWidth = 1;
  }

  function drawArrows(g) {
    const s = selected && selected.data;
    if (!s) return;
    const me = rowOf(s.utid);
    if (s.waker && me) {
      const w = rowOf(s.waker.utid);
      if (w) arrow(g, X(s.waker.ts), w.y + STATE_H / 2, X(s.ts + s.dur), me.y + STATE_H / 2, '#cf222e');
    }
    for (const k of s.wakes || []) {
      const r = rowOf(k.utid);
      if (r && me) arrow(g, X(k.ts_out), me.y + STATE_H / 2, X(k.ts_in), r.y + STATE_H / 2, '#1a7f37');
    }
  }

  // Hit test: the segment under (x, y), at least 1 px wide.
  function hit(x, y) {
    const r = rows.find((q) => q.kind === 'thread' && y >= q.y && y < q.y + STATE_H + 2);
    if (!r || !tl) return null;
    const segs = tl.tracks.get(r.t.utid);
    if (!segs) return null;
    let best = null;
    for (let i = 0; i < segs.length; i += 5) {
      const x0 = X(segs[i]), x1 = Math.max(X(segs[i] + segs[i + 1]), x0 + 1);
      if (x >= x0 - 1 && x <= x1 + 1) {
        best = { utid: r.t.utid, ts: segs[i], dur: segs[i + 1], code: segs[i + 2], cnt: segs[i + 3], id: segs[i + 4] };
        if (x >= x0 && x <= x1) break;
      }
    }
    return best;
  }

  const gcRowAt = (y) => rows.find((q) => q.kind === 'gc' && y >= scroll.scrollTop + q.y && y < scroll.scrollTop + q.y + q.h);

  async function selectGc(item) {
    selected = null;
    range = null;
    selectedGc = item[0];
    draw();
    try {
      const d = await api.get('gc_slice', { id: item[0] });
      if (selectedGc !== item[0]) return;
      side.innerHTML = gcSliceHtml(d, item[4]);
      wireLinks();
    } catch (e) {
      side.innerHTML = `<p class="error">${esc(e.message)}</p>`;
    }
  }

  async function select(seg) {
    selected = seg;
    selectedGc = null;
    range = null;
    draw();
    try {
      const d = await api.get('state', { id: seg.id });
      if (selected !== seg) return;
      seg.data = d;
      // A merged bucket shows its longest member.
      seg.ts = d.ts;
      seg.dur = d.dur;
      side.innerHTML = stateHtml(d, seg.cnt);
      wireLinks();
      draw();
    } catch (e) {
      side.innerHTML = `<p class="error">${esc(e.message)}</p>`;
    }
  }

  async function selectRange(t0, t1, y0, y1) {
    range = { t0, t1, y0, y1 };
    selected = null;
    const us = rows.filter((r) => r.kind === 'thread' && r.y + r.h > y0 && r.y < y1).map((r) => r.t.utid);
    draw();
    try {
      const r = await api.get('select', { t0: Math.max(0, Math.round(t0)), t1: Math.round(t1), utids: us.length ? us : undefined });
      side.innerHTML = selectionHtml(r);
    } catch (e) {
      side.innerHTML = `<p class="${e.status === 503 ? 'warn' : 'error'}">${esc(e.message)}</p>`;
    }
  }

  function zoomTo(t0, t1) {
    const pad = (t1 - t0) * 0.25 + 1000;
    view.t0 = Math.max(-total * 0.05, t0 - pad);
    view.t1 = Math.min(total * 1.05, t1 + pad);
    changed();
  }

  async function showState(id) {
    const d = await api.get('state', { id });
    zoomTo(d.ts, d.ts + d.dur);
    await select({ utid: d.utid, ts: d.ts, dur: d.dur, id: d.id, cnt: 1 });
    scrollToThread(d.utid);
  }

  function scrollToThread(utid) {
    layout();
    const r = rowOf(utid);
    if (r) scroll.scrollTop = Math.max(0, r.y - headerH - 40);
  }

  function wireLinks() {
    side.querySelectorAll('a[data-state], a[data-utid]').forEach((a) => {
      a.onclick = () => {
        if (a.dataset.state) return showState(Number(a.dataset.state));
        highlight = Number(a.dataset.utid);
        if (a.dataset.ts) {
          const ts = Number(a.dataset.ts), d = Number(a.dataset.dur || 0);
          zoomTo(ts, ts + Math.max(d, (view.t1 - view.t0) / 20));
        }
        scrollToThread(highlight);
        draw();
      };
    });
  }

  let pending = 0;
  function changed() {
    draw();
    clearTimeout(pending);
    pending = setTimeout(fetchData, 30);
  }

  function zoom(factor, atX) {
    const t = T(atX ?? LABEL_W + plotW() / 2);
    const span = Math.min(total * 1.1, Math.max(1000, (view.t1 - view.t0) * factor));
    const f = (t - view.t0) / (view.t1 - view.t0);
    view.t0 = t - f * span;
    view.t1 = view.t0 + span;
    changed();
  }

  function pan(dt) {
    view.t0 += dt;
    view.t1 += dt;
    changed();
  }

  // Input.
  canvas.addEventListener('wheel', (e) => {
    const x = e.offsetX;
    if (x < LABEL_W) return;  // the label column scrolls the tracks
    e.preventDefault();
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      pan(((e.deltaX || e.deltaY) / plotW()) * (view.t1 - view.t0));
    } else {
      zoom(Math.exp(e.deltaY * 0.002), x);
    }
  }, { passive: false });

  let drag = null;
  canvas.addEventListener('mousedown', (e) => {
    if (e.offsetX < LABEL_W) return;
    drag = { x: e.offsetX, y: e.offsetY, pan: e.shiftKey || e.button === 1, t0: view.t0, t1: view.t1, moved: false };
    e.preventDefault();
  });
  window.addEventListener('mousemove', onMove);
  window.addEventListener('mouseup', onUp);
  function onMove(e) {
    if (!drag) return;
    const r = canvas.getBoundingClientRect();
    const x = e.clientX - r.left, y = e.clientY - r.top;
    if (Math.abs(x - drag.x) + Math.abs(y - drag.y) > 3) drag.moved = true;
    if (!drag.moved) return;
    if (drag.pan) {
      const dt = ((x - drag.x) / plotW()) * (drag.t1 - drag.t0);
      view.t0 = drag.t0 - dt;
      view.t1 = drag.t1 - dt;
      changed();
    } else {
      range = { t0: T(Math.min(x, drag.x)), t1: T(Math.max(x, drag.x)), y0: Math.min(y, drag.y), y1: Math.max(y, drag.y) };
      draw();
    }
  }
  function onUp(e) {
    if (!drag) return;
    const d = drag;
    drag = null;
    if (!d.moved) {
      const gr = gcRowAt(d.y);
      if (gr) {
        const item = gc && hitGc(gc, d.x, d.y - scroll.scrollTop - gr.y, X);
        if (item) selectGc(item);
        return;
      }
      const s = hit(d.x, d.y);
      if (s) select(s);
      return;
    }
    if (!d.pan && range && range.t1 > range.t0) selectRange(range.t0, range.t1, range.y0, range.y1);
  }
  function onKey(e) {
    if (e.target.tagName === 'INPUT' || e.target.tagName === 'TEXTAREA') return;
    const span = view.t1 - view.t0;
    const k = e.key.toLowerCase();
    if (k === 'w') zoom(0.8);
    else if (k === 's') zoom(1.25);
    else if (k === 'a') pan(-span * 0.15);
    else if (k === 'd') pan(span * 0.15);
    else if (k === 'f' && selected) zoomTo(selected.ts, selected.ts + selected.dur);
    else if (k === 'escape') {
      selected = null;
      selectedGc = null;
      range = null;
      draw();
    } else return;
    e.preventDefault();
  }
  window.addEventListener('keydown', onKey);
  scroll.addEventListener('scroll', () => draw());
  const onResize = () => {
    tl = null;
    changed();
  };
  window.addEventListener('resize', onResize);
  main.querySelector('#tl-fit').onclick = () => {
    view.t0 = 0;
    view.t1 = total;
    changed();
  };
  const search = main.querySelector('#tl-search');
  let st = 0;
  search.addEventListener('input', () => {
    clearTimeout(st);
    st = setTimeout(async () => {
      if (!search.value.trim()) return;
      try {
        side.innerHTML = searchHtml(await api.get('search', { q: search.value.trim() }));
        wireLinks();
      } catch (e) {
        side.innerHTML = `<p class="error">${esc(e.message)}</p>`;
      }
    }, 200);
  });

  // Hooks for tests and the console: where things are drawn.
  window.cprofTimeline = {
    ready: false,
    fetches: 0,
    threadNames: () => rows.filter((r) => r.kind === 'thread').map((r) => r.t.name),
    drawnThreads: () => rows.filter((r) => r.kind === 'thread' && tl && (tl.tracks.get(r.t.utid) || []).length).map((r) => r.t.name),
    // Page coordinates of the widest visible state matching state[, reason].
    findState(state, reason) {
      let best = null;
      const rc = canvas.getBoundingClientRect();
      for (const r of rows) {
        if (r.kind !== 'thread' || !tl) continue;
        const segs = tl.tracks.get(r.t.utid) || [];
        for (let i = 0; i < segs.length; i += 5) {
          const c = codes[segs[i + 2]];
          if (!c || c.state !== state || (reason && c.reason !== reason) || segs[i + 3] > 1) continue;
          const x0 = Math.max(LABEL_W, X(segs[i])), x1 = Math.min(canvas.clientWidth, X(segs[i] + segs[i + 1]));
          if (x1 - x0 > (best ? best.w : 2)) best = { w: x1 - x0, x: rc.left + (x0 + x1) / 2, y: rc.top + r.y + STATE_H / 2 - scroll.scrollTop + scroll.scrollTop };
        }
      }
      return best;
    },
    view: () => ({ ...view }),
    // The GC row: its page position, lanes and drawn items; findGc(name):
    // page coordinates of the widest visible GC slice named name.
    gcRow() {
      const r = rows.find((q) => q.kind === 'gc');
      const rc = canvas.getBoundingClientRect();
      return r ? { y: rc.top + scroll.scrollTop + r.y, h: r.h, lanes: gc.lanes, total: gc.total, drawn: gc.slices.length } : null;
    },
    findGc(name) {
      const r = rows.find((q) => q.kind === 'gc');
      const rc = canvas.getBoundingClientRect();
      const b = r && findGc(gc, name, X, LABEL_W, canvas.clientWidth);
      return b ? { x: rc.left + b.x, y: rc.top + scroll.scrollTop + r.y + b.dy, id: b.id } : null;
    },
  };

  layout();
  draw();
  if (params.has('state')) await showState(Number(params.get('state')));
  else fetchData();
  if (highlight !== null) scrollToThread(highlight);
  return () => {
    clearTimeout(refetch);
    window.removeEventListener('mousemove', onMove);
    window.removeEventListener('mouseup', onUp);
    window.removeEventListener('keydown', onKey);
    window.removeEventListener('resize', onResize);
  };
}
