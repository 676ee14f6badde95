// details.js: the side panel of the timeline: one state with its stack,
// waker and wakees, or the per-state totals of a selected range.
import { esc, dur, pct, hex, color, label } from './format.js';

function base(p) {
  return p ? String(p).split('/').pop() : '';
}

export function stateHtml(s, merged) {
  const frames = s.stack.length
    ? s.stack.map((f) => `<div><b>${esc(f.name || hex(f.address))}</b>
        <span class="loc">${f.file ? esc(f.file) + ':' + f.line : hex(f.address)} ${esc(base(f.mapping))}</span></div>`).join('')
    : '<div class="muted">no stack recorded</div>';
  const obj = s.object
    ? `${esc(s.object.name ?? hex(s.object.address))} <span class="muted">${esc(s.object.kind)} ${hex(s.object.address)}</span>` : '';
  const waker = s.waker
    ? `<a class="link" data-utid="${s.waker.utid}" data-ts="${s.waker.ts}">${esc(s.waker.name ?? 'tid ' + s.waker.tid)}</a> at ${dur(s.waker.ts)}` : '';
  const wakes = s.wakes.length
    ? s.wakes.slice(0, 12).map((w) => `<a class="link" data-state="${w.state_id ?? ''}" data-utid="${w.utid}" data-ts="${w.ts_in}">${esc(w.name ?? 'utid ' + w.utid)}</a>`).join(', ') + (s.wakes.length > 12 ? ` and ${s.wakes.length - 12} more` : '') : '';
  return `<h3 id="details-title"><span class="swatch" style="background:${color(s.state, s.reason)}"></span>${esc(label(s.state, s.reason))}</h3>
    ${merged > 1 ? `<p class="hint">${merged} states share these pixels: this is the longest one. Zoom in to see each.</p>` : ''}
    <table class="kv"><tbody>
      <tr><td>Thread</td><td>${esc(s.thread ?? '')} <span class="muted">tid ${s.tid}</span></td></tr>
      <tr><td>Start</td><td>${dur(s.ts)}</td></tr>
      <tr><td>Duration</td><td><b>${dur(s.dur)}</b></td></tr>
      ${obj ? `<tr><td>Object</td><td>${obj}</td></tr>` : ''}
      ${waker ? `<tr><td>Woken by</td><td>${waker}</td></tr>` : ''}
      ${wakes ? `<tr><td>Wakes</td><td>${wakes}</td></tr>` : ''}
      ${s.result !== null && s.result !== undefined ? `<tr><td>Result</td><td>${s.result}</td></tr>` : ''}
      <tr><td>State id</td><td>${s.id}</td></tr>
    </tbody></table>
    <h3>Stack</h3><div class="stack" id="details-stack">${frames}</div>`;
}

export function selectionHtml(r) {
  const total = r.states.reduce((a, x) => a + x.dur, 0);
  const reasons = [...r.reasons].sort((a, b) => b.dur - a.dur);
  return `<h3>Selection: ${dur(r.t1 - r.t0)}</h3>
    <p class="hint">${r.threads} threads, from ${dur(r.t0)} to ${dur(r.t1)}.</p>
    <table class="data" id="selection-states"><thead><tr><th>State</th><th class="num">Time</th><th class="num">%</th></tr></thead><tbody>
    ${r.states.sort((a, b) => b.dur - a.dur).map((x) => `<tr><td><span class="swatch" style="background:${color(x.state)}"></span>${esc(x.state)}</td>
      <td class="num">${dur(x.dur)}</td><td class="num">${pct(x.dur, total)}</td></tr>`).join('')}
    </tbody></table>
    <h3>By reason</h3>
    <table class="data"><thead><tr><th>State (reason)</th><th class="num">Count</th><th class="num">Time</th></tr></thead><tbody>
    ${reasons.map((x) => `<tr><td><span class="swatch" style="background:${color(x.state, x.reason)}"></span>${esc(label(x.state, x.reason))}</td>
      <td class="num">${x.count}</td><td class="num">${dur(x.dur)}</td></tr>`).join('')}
    </tbody></table>
    <p class="hint">Reasons count whole states visible at this zoom; states merged into one pixel count in the totals above.</p>`;
}

export function searchHtml(r) {
  const sec = (title, items) => (items.length ? `<h3>${title}</h3>${items.join('<br>')}` : '');
  return sec('Threads', r.threads.map((t) => `<a class="link" data-utid="${t.utid}">${esc(t.name ?? '')} <span class="muted">tid ${t.tid}</span></a>`)) +
    sec('Objects', r.objects.map((o) => `<a class="link" data-state="${o.state_id ?? ''}">${esc(o.name ?? hex(o.address))} <span class="muted">${esc(o.kind)} — longest wait</span></a>`)) +
    sec('Regions', r.regions.map((s) => `<a class="link" data-utid="${s.utid}" data-ts="${s.ts}" data-dur="${s.dur}">${esc(s.name)} <span class="muted">${dur(s.dur)} at ${dur(s.ts)}</span></a>`)) ||
    '<p class="muted">Nothing found.</p>';
}
