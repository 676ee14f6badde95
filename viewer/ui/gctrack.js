// gctrack.js: the timeline's GC row.  GC phases and stop-the-world pauses
// of every thread (from /api/gc) in lanes: pauses on top in red, GC phases
// below by nesting (Boehm's mark and reclaim under their collection).
import { esc, dur } from './format.js';

const LANE_H = 11;
const laneColor = ['#cf222e', '#bf8700', '#e3b341', '#f2d48a'];
const laneText = ['#fff', '#fff', '#3b2300', '#3b2300'];

// Items: [id, ts, dur, lane, count, name, utid].
export const gcRowHeight = (gc) => 6 + Math.max(gc.lanes, 1) * LANE_H;

export function drawGcRow(g, r, y, W, X, labelW, gc, selectedId) {
  g.fillStyle = '#fffaf0';
  g.fillRect(labelW, y, W - labelW, r.h);
  for (const s of gc.slices) {
    let x0 = X(s[1]), x1 = X(s[1] + s[2]);
    if (x1 < labelW || x0 > W) continue;
    x0 = Math.max(x0, labelW);
    x1 = Math.min(Math.max(x1, x0 + 1), W);
    const ly = y + 3 + s[3] * LANE_H;
    g.fillStyle = laneColor[s[3]] || '#999';
    g.fillRect(x0, ly, Math.max(1, x1 - x0 - (x1 - x0 > 3 ? 1 : 0)), LANE_H - 1);
    if (x1 - x0 > 36) {
      g.save();
      g.beginPath();
      g.rect(x0, ly, x1 - x0 - 2, LANE_H);
      g.clip();
      g.fillStyle = laneText[s[3]] || '#000';
      g.font = '10px system-ui, sans-serif';
      g.fillText(s[4] > 1 ? `${s[5]} ×${s[4]}` : s[5], x0 + 3, ly + LANE_H / 2);
      g.restore();
    }
    if (s[0] === selectedId) {
      g.strokeStyle = '#000';
      g.lineWidth = 2;
      g.strokeRect(x0, ly, Math.max(2, x1 - x0), LANE_H - 1);
      g.lineWidth = 1;
    }
  }
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = '#fff';
  g.fillRect(0, y, labelW - 1, r.h);
  g.fillStyle = '#1d232a';
  g.fillText(`GC (${gc.total.toLocaleString()} phases, pauses)`, 8, y + r.h / 2);
}

// The item under (x, y) (y relative to the row top), at least 1 px wide.
export function hitGc(gc, x, y, X) {
  const lane = Math.floor((y - 3) / LANE_H);
  let best = null;
  for (const s of gc.slices) {
    if (s[3] !== lane) continue;
    const x0 = X(s[1]), x1 = Math.max(X(s[1] + s[2]), x0 + 1);
    if (x >= x0 - 1 && x <= x1 + 1 && (!best || s[2] > best[2])) best = s;
  }
  return best;
}

// Page position of the widest visible item named name (tests).
export function findGc(gc, name, X, labelW, W) {
  let best = null;
  for (const s of gc.slices) {
    if (name && s[5] !== name) continue;
    const x0 = Math.max(labelW, X(s[1])), x1 = Math.min(W, X(s[1] + s[2]));
    if (x1 - x0 > (best ? best.w : 0.5)) best = { w: x1 - x0, x: (x0 + x1) / 2, dy: 3 + s[3] * LANE_H + LANE_H / 2, id: s[0] };
  }
  return best;
}

export function gcSliceHtml(d, merged) {
  const kind = d.pause ? 'stop-the-world pause' : 'GC phase';
  return `<h3 id="details-title"><span class="swatch" style="background:${d.pause ? laneColor[0] : laneColor[1]}"></span>${esc(d.name)}: ${kind}</h3>
    ${merged > 1 ? `<p class="hint">${merged} GC slices share these pixels: this is the longest one. Zoom in to see each.</p>` : ''}
    <table class="kv" id="gc-details"><tbody>
      <tr><td>Kind</td><td>${esc(d.name)}</td></tr>
      <tr><td>Pause</td><td>${d.pause ? '<b>yes</b>: the program was stopped' : 'no (a GC phase; other threads may run)'}</td></tr>
      <tr><td>Start</td><td>${dur(d.ts)}</td></tr>
      <tr><td>Duration</td><td><b>${dur(d.dur)}</b></td></tr>
      ${!d.pause ? `<tr><td>Paused inside</td><td>${dur(d.pause_ns)}</td></tr>` : ''}
      <tr><td>Thread</td><td><a class="link" data-utid="${d.utid}" data-ts="${d.ts}" data-dur="${d.dur}">${esc(d.thread ?? 'utid ' + d.utid)}</a> <span class="muted">tid ${d.tid ?? ''}</span></td></tr>
      ${d.parent ? `<tr><td>Within</td><td>${esc(d.parent.name)} ${d.parent.pause ? '(pause)' : '(GC phase)'}</td></tr>` : ''}
      <tr><td>Slice id</td><td>${d.id}</td></tr>
    </tbody></table>
    ${d.inside.length ? `<h3>Inside</h3>${d.inside.map((c) => `<div>${esc(c.name)} <span class="muted">${c.pause ? 'pause' : 'phase'} ${dur(c.dur)} at ${dur(c.ts)}</span></div>`).join('')}` : ''}`;
}
