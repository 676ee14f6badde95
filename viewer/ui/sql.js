// sql.js: the SQL console: table list, example queries, paged results.
import * as api from './api.js';
import { esc } from './format.js';

// The schema's README documents example queries: a paragraph, then a
// ```sql block.  Queries with parameters (?1) are left out.
async function schemaExamples() {
  try {
    const r = await fetch('/README.md');
    if (!r.ok) return [];
    const text = await r.text();
    const out = [];
    const re = /([^\n]+)\n+```sql\n([\s\S]*?)```/g;
    for (let m; (m = re.exec(text));) {
      const q = m[2].trim().replace(/;$/, '');
      if (!/\?\d/.test(q)) out.push([m[1].replace(/[:.]$/, ''), q]);
    }
    return out;
  } catch (e) {
    return [];
  }
}

const examples = [
  ['Threads', 'SELECT utid, tid, name, start_routine FROM thread ORDER BY utid'],
  ['Time per state and reason', "SELECT state, reason, count(*) AS n, sum(dur) AS total_ns\nFROM thread_state GROUP BY state, reason ORDER BY total_ns DESC"],
  ['Longest waits', "SELECT s.id, t.name, s.state, s.reason, s.dur\nFROM thread_state s JOIN thread t USING(utid)\nWHERE s.state != 'running' ORDER BY s.dur DESC LIMIT 20"],
  ['Most contended objects', "SELECT o.name, o.kind, count(*) AS waits, sum(s.dur) AS total_ns, max(s.dur) AS max_ns\nFROM thread_state s JOIN sync_object o ON o.id = s.object_id\nGROUP BY o.id ORDER BY total_ns DESC LIMIT 20"],
  ['Who wakes whom', "SELECT w.name AS waker, t.name AS wakee, count(*) AS n\nFROM thread_state s JOIN thread t ON t.utid = s.utid JOIN thread w ON w.utid = s.waker_utid\nGROUP BY 1, 2 ORDER BY n DESC LIMIT 20"],
  ['Blocking stacks (leaf frame)', "SELECT f.name, count(*) AS n, sum(s.dur) AS total_ns\nFROM thread_state s JOIN stack_profile_callsite c ON c.id = s.callsite_id\nJOIN stack_profile_frame f ON f.id = c.frame_id\nWHERE s.state = 'blocked' GROUP BY f.name ORDER BY total_ns DESC"],
  ['User regions', 'SELECT name, count(*) AS n, avg(dur) AS mean_ns, max(dur) AS max_ns FROM slice GROUP BY name ORDER BY n DESC'],
  ['Lost events and stats', 'SELECT * FROM stats ORDER BY severity'],
];

export async function sqlPage(main) {
  main.innerHTML = `
    <div id="sql-wrap">
      <div id="sql-side"><h2>Examples</h2><div id="sql-examples"></div><h2>Tables</h2><div id="sql-tables" class="muted">…</div></div>
      <div id="sql-main">
        <h1>SQL console</h1>
        <textarea id="sql-text" spellcheck="false">${esc(examples[1][1])}</textarea>
        <div><button id="sql-run">Run (Ctrl+Enter)</button>
          <span class="hint">Read-only; results are paged; a query may run 5 s at most.</span></div>
        <div id="sql-status" class="hint"></div>
        <div id="sql-result"></div>
        <div id="sql-pager"></div>
      </div>
    </div>`;
  const text = main.querySelector('#sql-text');
  const status = main.querySelector('#sql-status');
  const result = main.querySelector('#sql-result');
  const pager = main.querySelector('#sql-pager');
  const pageSize = 200;
  const ex = main.querySelector('#sql-examples');
  for (const [title, q] of [...(await schemaExamples()), ...examples]) {
    const a = document.createElement('a');
    a.className = 'link';
    a.textContent = title;
    a.style.display = 'block';
    a.onclick = () => {
      text.value = q;
      run(0);
    };
    ex.appendChild(a);
  }
  api.get('tables').then((ts) => {
    main.querySelector('#sql-tables').innerHTML = ts.map((t) => `<div class="tbl"><b data-t="${esc(t.name)}">${esc(t.name)}</b>
      <span class="muted">${t.type === 'view' ? '(view) ' : ''}${esc(t.columns)}</span></div>`).join('');
    main.querySelectorAll('#sql-tables b').forEach((b) => (b.onclick = () => {
      text.value = `SELECT * FROM ${b.dataset.t} LIMIT 100`;
      run(0);
    }));
  });
  async function run(offset) {
    status.textContent = 'Running…';
    try {
      const r = await api.get('sql', { q: text.value, offset, limit: pageSize });
      status.textContent = `${r.rows.length} rows (from ${offset + 1}) in ${r.elapsed_ms} ms${r.more ? ', more follow' : ''}`;
      result.innerHTML = `<table class="data" id="sql-table"><thead><tr>${r.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>
        ${r.rows.map((row) => `<tr>${row.map((v) => `<td class="${typeof v === 'number' ? 'num' : ''}">${v === null ? '<span class="muted">NULL</span>' : esc(v)}</td>`).join('')}</tr>`).join('')}
      </tbody></table>`;
      pager.innerHTML = '';
      if (offset > 0) pager.appendChild(button('← Previous', () => run(Math.max(0, offset - pageSize))));
      if (r.more) pager.appendChild(button('Next →', () => run(offset + pageSize)));
    } catch (e) {
      status.textContent = '';
      result.innerHTML = `<p class="error" id="sql-error">${esc(e.message)}</p>`;
      pager.innerHTML = '';
    }
  }
  function button(t, fn) {
    const b = document.createElement('button');
    b.textContent = t;
    b.onclick = fn;
    return b;
  }
  main.querySelector('#sql-run').onclick = () => run(0);
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run(0);
    }
  });
}
