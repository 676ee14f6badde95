// format.js: formatting helpers and the state colour scheme shared by pages.
export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

export function dur(ns) {
  if (ns === null || ns === undefined) return '';
  const a = Math.abs(ns);
  if (a >= 1e9) return (ns / 1e9).toFixed(a >= 1e10 ? 1 : 3) + ' s';
  if (a >= 1e6) return (ns / 1e6).toFixed(a >= 1e7 ? 1 : 3) + ' ms';
  if (a >= 1e3) return (ns / 1e3).toFixed(a >= 1e4 ? 1 : 3) + ' µs';
  return Math.round(ns) + ' ns';
}

export function bytes(b) {
  if (b === null || b === undefined) return '';
  const a = Math.abs(b);
  if (a >= 2 ** 30) return (b / 2 ** 30).toFixed(2) + ' GiB';
  if (a >= 2 ** 20) return (b / 2 ** 20).toFixed(a >= 10 * 2 ** 20 ? 1 : 2) + ' MiB';
  if (a >= 2 ** 10) return (b / 2 ** 10).toFixed(a >= 10 * 2 ** 10 ? 1 : 2) + ' KiB';
  return Math.round(b) + ' B';
}

export const pct = (a, b) => (b > 0 ? ((100 * a) / b).toFixed(1) + '%' : '');
export const hex = (v) => (v === null || v === undefined ? '' : '0x' + Number(v).toString(16));

// Colours: running green; sync waits warm (red/orange/purple by kind),
// network blue, syscalls gold, sleep lavender, unknown grey.
const reasonColors = {
  mutex: '#d73a49', spin: '#b31d28', rwlock_read: '#a2559c', rwlock_write: '#8a3f9e',
  cond: '#f08c00', sem: '#a86b32', join: '#6f7f99', barrier: '#c45a00', chan_send: '#e36209',
  chan_recv: '#fb8532', select: '#d9822b', user: '#c0392b',
  net_read: '#1f6feb', net_write: '#4c9aff', net_accept: '#0a4aa8', net_connect: '#2f81f7', net_poll: '#79b8ff',
  syscall: '#d4a72c', sleep: '#b7a6e0',
};
const stateColors = {
  running: '#2da44e', runnable: '#a3e635', blocked: '#d73a49', net: '#1f6feb',
  syscall: '#d4a72c', sleep: '#b7a6e0', unknown: '#c8ccd0',
};

export function color(state, reason) {
  if (state === 'running' || state === 'unknown' || state === 'runnable') return stateColors[state];
  return reasonColors[reason] || stateColors[state] || '#6e40c9';
}

export function label(state, reason) {
  return reason && reason !== state ? `${state} (${reason})` : state;
}

export function h(html) {
  const t = document.createElement('template');
  t.innerHTML = html.trim();
  return t.content.firstElementChild;
}

// Makes a table sortable by clicking its headers (numbers by data-v).
export function sortable(table) {
  const ths = [...table.querySelectorAll('th')];
  ths.forEach((th, i) => {
    th.classList.add('sortable');
    th.addEventListener('click', () => {
      const desc = !th.classList.contains('sorted-desc');
      ths.forEach((o) => o.classList.remove('sorted-desc', 'sorted-asc'));
      th.classList.add(desc ? 'sorted-desc' : 'sorted-asc');
      const body = table.tBodies[0];
      const rows = [...body.rows];
      const key = (r) => {
        const c = r.cells[i];
        return c.dataset.v !== undefined ? Number(c.dataset.v) : c.textContent.toLowerCase();
      };
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        return (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1);
      });
      rows.forEach((r) => body.appendChild(r));
    });
  });
}
