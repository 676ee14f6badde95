// ui.test.mjs: the viewer in a real headless Chromium (Debian's package,
// driven by playwright-core).  usage: node ui.test.mjs URL OUTDIR
// Prints "ok" lines; exits non-zero with the reason on the first failure.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, outDir] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'cprof-chromium-'));
const errors = [];

function check(cond, msg) {
  if (!cond) throw new Error(msg);
  console.log('ok -', msg);
}

const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 900 },
  bypassCSP: true,  // waitForFunction evaluates strings; the page's CSP forbids eval
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let rc = 0;
try {
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.setDefaultTimeout(90000);
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().includes('/api/sql')) errors.push(`HTTP ${r.status()} ${r.url()}`); });
  const api = async (p) => (await page.request.get(url + 'api/' + p)).json();

  // Start page: lost events and metadata up front.
  await page.goto(url);
  await page.waitForSelector('#lost-events');
  check((await page.textContent('#lost-events')).includes('42 events lost'), 'start page shows the lost events');
  check((await page.textContent('#metadata')).includes('testhost'), 'start page shows the metadata');
  check(await page.isVisible('text=Synchronization blocking profile'), 'start page links the analyses');
  check(await page.isVisible('text=Minimum mutator utilization') && await page.isVisible('header >> text=Allocations'), 'start page and nav link the memory pages');

  // Timeline: one named track per thread, every track drawn.
  const threads = (await api('threads')).threads.map((t) => t.name);
  await page.goto(url + '#/timeline');
  await page.waitForFunction(() => window.cprofTimeline && window.cprofTimeline.ready);
  const names = await page.evaluate(() => window.cprofTimeline.threadNames());
  check(JSON.stringify(names) === JSON.stringify(threads), `timeline tracks are the threads: ${names.join(', ')}`);
  const drawn = await page.evaluate(() => window.cprofTimeline.drawnThreads());
  check(drawn.length === threads.length, `every track has states drawn (${drawn.length})`);

  // The GC row: its own row in the header, pauses and phases of all threads.
  await page.waitForFunction(() => window.cprofTimeline.gcRow());
  const gcRow = await page.evaluate(() => window.cprofTimeline.gcRow());
  check(gcRow && gcRow.total === 6 && gcRow.lanes === 2 && gcRow.drawn === 6, `a GC row with its 6 slices in 2 lanes: ${JSON.stringify(gcRow)}`);
  const sweep = await page.evaluate(() => window.cprofTimeline.findGc('pool.sweep'));
  check(sweep && sweep.y >= gcRow.y && sweep.y < gcRow.y + gcRow.h, 'the pool sweep is drawn on the GC row');
  await page.mouse.click(sweep.x, sweep.y);
  await page.waitForSelector('#gc-details');
  const gcd = await page.textContent('#tl-side');
  check(/pool\.sweep: GC phase/.test(gcd) && /Paused inside\s*1\.000 ms/.test(gcd) && /Duration\s*2\.000 ms/.test(gcd),
    'clicking a GC phase shows its kind, duration and the pause inside');
  await page.screenshot({ path: join(outDir, 'timeline-gc.png') });
  const pause = await page.evaluate(() => window.cprofTimeline.findGc('world'));
  await page.mouse.click(pause.x, pause.y);
  await page.waitForFunction(() => /world: stop-the-world pause/.test(document.querySelector('#tl-side').textContent));
  check(/Pause\s*yes/.test(await page.textContent('#gc-details')), 'clicking a pause says it stopped the program');

  // Zoom in with the keyboard (W) and pan (D): the view follows.
  const v0 = await page.evaluate(() => window.cprofTimeline.view());
  await page.mouse.move(700, 400);
  for (let i = 0; i < 6; i++) await page.keyboard.press('w');
  await page.keyboard.press('d');
  const v1 = await page.evaluate(() => window.cprofTimeline.view());
  check(v1.t1 - v1.t0 < (v0.t1 - v0.t0) / 2 && v1.t0 > v0.t0, 'W zooms in and D pans');
  // Wheel zoom out over the tracks.
  await page.mouse.wheel(0, 300);
  const v2 = await page.evaluate(() => window.cprofTimeline.view());
  check(v2.t1 - v2.t0 > v1.t1 - v1.t0, 'the wheel zooms out');
  await page.waitForFunction((n) => window.cprofTimeline.fetches > n, await page.evaluate(() => window.cprofTimeline.fetches - 1));

  // Click a blocked state: details with the symbolized stack.
  await page.waitForTimeout(300);
  const at = await page.evaluate(() => window.cprofTimeline.findState('blocked', 'mutex') || window.cprofTimeline.findState('blocked'));
  check(at, 'a blocked state is drawn');
  await page.mouse.click(at.x, at.y);
  await page.waitForSelector('#details-stack');
  const title = await page.textContent('#details-title');
  const stack = await page.textContent('#details-stack');
  check(title.includes('blocked'), `details of the clicked state: ${title.trim()}`);
  check(/pthread_(mutex_lock|cond_wait|rwlock_wrlock|join)|sem_wait/.test(stack), 'the details show the blocking call in the stack');
  check(/worker_main|producer_main|net_serve|main/.test(stack), 'the stack is symbolized down to the thread routine');
  await page.screenshot({ path: join(outDir, 'timeline-details.png') });

  // Drag-select a range: per-state totals.
  await page.mouse.move(400, 200);
  await page.mouse.down();
  await page.mouse.move(700, 420, { steps: 5 });
  await page.mouse.up();
  await page.waitForSelector('#selection-states');
  const sel = await page.textContent('#selection-states');
  check(/running/.test(sel) && /blocked/.test(sel), 'drag-select shows per-state totals');
  await page.screenshot({ path: join(outDir, 'timeline-selection.png') });

  // Search by object name, then jump to its longest wait.
  await page.fill('#tl-search', 'queue.lock');
  await page.waitForSelector('#tl-side a[data-state]');
  await page.click('#tl-side a[data-state]');
  await page.waitForFunction(() => document.querySelector('#details-title') &&
    document.querySelector('#tl-side').textContent.includes('queue.lock'));
  check(true, 'search finds an object and shows its longest wait');

  // SQL console.
  await page.goto(url + '#/sql');
  await page.waitForSelector('#sql-tables .tbl');
  await page.fill('#sql-text', 'SELECT utid, name FROM thread ORDER BY utid');
  await page.click('#sql-run');
  await page.waitForSelector('#sql-table');
  const rows = await page.$$eval('#sql-table tbody tr', (r) => r.length);
  check(rows === threads.length, `SQL console runs a query (${rows} rows)`);
  await page.screenshot({ path: join(outDir, 'sql.png') });
  // The schema README's example queries are listed and run.
  await page.click('#sql-examples >> text=Top contended mutexes by total wait');
  await page.waitForFunction(() => document.querySelector('#sql-table th') &&
    document.querySelector('#sql-table th').textContent === 'mutex');
  check((await page.textContent('#sql-table')).includes('queue.lock'), 'an example query from schema/README.md runs');
  await page.fill('#sql-text', 'DELETE FROM thread');
  await page.click('#sql-run');
  await page.waitForSelector('#sql-error');
  check(/read-only|denied/.test(await page.textContent('#sql-error')), 'SQL console refuses writes with a message');

  // Analyses.
  await page.goto(url + '#/threads');
  await page.waitForSelector('#breakdown tbody tr');
  check((await page.$$eval('#breakdown tbody tr', (r) => r.length)) === threads.length, 'breakdown has a row per thread');
  await page.click('#breakdown th:nth-child(2)');
  const tids = await page.$$eval('#breakdown tbody tr td:nth-child(2)', (c) => c.map((x) => Number(x.textContent)));
  check(tids.every((v, i) => !i || tids[i - 1] >= v), 'breakdown sorts by a clicked column');
  await page.goto(url + '#/profile/sync');
  await page.waitForSelector('#top-functions tbody tr');
  check((await page.textContent('#top-functions')).includes('pthread_cond_wait'), 'sync profile top table');
  const flame = await page.$eval('#flame', (c) => c.height);
  check(flame > 40, 'sync profile flame graph drawn');
  await page.screenshot({ path: join(outDir, 'profile.png') });
  await page.goto(url + '#/objects');
  await page.waitForSelector('#objects tbody tr');
  check((await page.textContent('#objects')).includes('queue.not_empty'), 'contended objects page');
  await page.goto(url + '#/regions');
  await page.waitForSelector('#regions tbody tr');
  check((await page.textContent('#regions')).includes('process_item'), 'user regions page');

  // Memory: the allocations page names the top in-use site and its stack.
  await page.goto(url + '#/allocations');
  await page.waitForSelector('#alloc-sites tbody tr');
  check((await page.textContent('#top-inuse')).includes('remember_request'), 'allocations page names the top in-use site');
  check((await page.textContent('#alloc-sites tbody tr:first-child')).includes('remember_request'), 'top site by in-use bytes first');
  check(/remember_request[\s\S]*handle_request[\s\S]*main/.test(await page.textContent('#alloc-stack')), 'the selected site\'s stack is listed');
  check(/grew by/.test(await page.textContent('#heap-growth')), 'the heap growth is shown');
  check((await page.$eval('#flame', (c) => c.height)) > 40, 'allocation flame graph drawn');
  await page.screenshot({ path: join(outDir, 'allocations.png') });
  await page.click('#alloc-sort >> text=Allocated bytes');
  await page.waitForFunction(() => /xstrdup/.test(document.querySelector('#alloc-sites tbody tr:first-child')?.textContent || ''));
  await page.click('#alloc-sites tbody tr:nth-child(2)');
  check(/parse_header/.test(await page.textContent('#alloc-stack')), 'ranking by allocated bytes, then picking another site');
  // Network: sockets closed during the trace, per peer.
  await page.goto(url + '#/connections');
  await page.waitForSelector('#closed tbody tr');
  const closed = await page.textContent('#closed tbody tr:first-child');
  check(/127\.0\.0\.1:40001/.test(closed) && /567,900/.test(closed), 'closed connections per peer, biggest first');
  // MMU: the curve from the pauses, then with GC phases counted.
  await page.goto(url + '#/mmu');
  await page.waitForSelector('#mmu-points tbody tr');
  check(/3 stop-the-world pauses:\s*4\.000 ms/.test(await page.textContent('#mmu-summary')), 'MMU page counts the merged pauses');
  check(await page.evaluate(() => window.cprofMmu.drawn && window.cprofMmu.points.length > 40), 'MMU curve drawn');
  check((await page.$eval('#mmu-chart', (c) => c.height)) > 100, 'MMU chart has a size');
  const chart = await page.$eval('#mmu-chart', (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; });
  await page.mouse.click(chart.x + chart.w * 0.75, chart.y + chart.h / 2);
  await page.waitForSelector('#mmu-worst tbody tr');
  check(await page.$$eval('#mmu-worst tbody tr a', (a) => a.every((x) => /#\/timeline\?t0=\d+&t1=\d+/.test(x.getAttribute('href')))),
    'clicking the curve lists the worst windows with timeline links');
  await page.screenshot({ path: join(outDir, 'mmu.png') });
  await page.click('#mmu-gc');
  await page.waitForFunction(() => /and GC phases:\s*4\.162 ms/.test(document.querySelector('#mmu-summary')?.textContent || ''));
  check(true, 'counting GC phases (1/8 of the program each here) redraws the curve');

  check(errors.length === 0, `no page errors or failed requests ${errors.join('; ')}`);
} catch (e) {
  console.error('FAIL -', e.message);
  rc = 1;
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });   /* one was left per run */
}
process.exit(rc);
