// app.js: hash router.  Each page module renders into <main id="page">.
import * as api from './api.js';
import { overview, threadsPage, objectsPage, regionsPage, tasksPage, connectionsPage } from './pages.js';
import { profilePage } from './flame.js';
import { sqlPage } from './sql.js';
import { allocationsPage, mmuPage } from './memory.js';
import { timelinePage } from './timeline.js';
import { esc } from './format.js';

const routes = [
  [/^#?\/?$/, overview],
  [/^#\/timeline(?:\?(.*))?$/, timelinePage],
  [/^#\/threads$/, threadsPage],
  [/^#\/profile\/(\w+)$/, profilePage],
  [/^#\/objects$/, objectsPage],
  [/^#\/regions$/, regionsPage],
  [/^#\/tasks$/, tasksPage],
  [/^#\/connections$/, connectionsPage],
  [/^#\/allocations(?:\?(.*))?$/, allocationsPage],
  [/^#\/mmu(?:\?(.*))?$/, mmuPage],
  [/^#\/sql$/, sqlPage],
];

let cleanup = null;

async function route() {
  const main = document.getElementById('page');
  const hash = location.hash || '#/';
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  document.querySelectorAll('header nav a').forEach((a) => {
    a.classList.toggle('active', a.getAttribute('href') === hash.split('?')[0]);
  });
  for (const [re, page] of routes) {
    const m = hash.match(re);
    if (!m) continue;
    main.innerHTML = '<p class="muted">Loading…</p>';
    try {
      cleanup = (await page(main, ...m.slice(1))) || null;
    } catch (e) {
      main.innerHTML = `<p class="${e.status === 503 ? 'warn' : 'error'}">${esc(e.message)}</p>`;
      // Analyses come from the index built in the background: retry.
      if (e.status === 503) setTimeout(() => { if (location.hash === hash) route(); }, 2000);
    }
    return;
  }
  main.innerHTML = '<p class="error">No such page.</p>';
}

window.addEventListener('hashchange', route);
api.summary().then((s) => {
  document.getElementById('trace-name').textContent = s.path;
}).catch(() => {});
route();
