/**
 * Issue 13: the Incidents page of the dashboard at 100,000 incidents, measured in a real browser
 * (the Debian Chromium through playwright-core) against the compiled `api` role on PostgreSQL.
 *
 * A database of 100,000 generated incidents (bench/lib/incident-generator.ts, built by COPY once and
 * reused as `tw_bench_100k`) gets one alert per incident (a raw payload naming its host and user) and
 * a hostname and an e-mail indicator each, so `q` searches all its arms. A second database of 100
 * incidents, built the same way in the same run, is the baseline: the same page, the same steps.
 *
 * In Chromium, logged in through the login form as an analyst, the scenario measures:
 *   - first rows: from the navigation to /incidents to the first table row in the DOM (a
 *     MutationObserver installed before the page's scripts records the moment);
 *   - scrolling to row 5,000: the scroller is pushed to its end each frame, so every cursor page is
 *     fetched as the end comes into view (as a user dragging the scrollbar down), until 5,001 rows are
 *     loaded; then row 5,000 is scrolled into view and must be the one the API's cursor walk names;
 *   - DOM rows during the scroll (virtualised: bounded, ≪ rows loaded) and the JS heap after it
 *     (after a forced GC, DevTools Runtime.getHeapUsage);
 *   - long tasks (PerformanceObserver 'longtask') during the scroll and the filters, count and max;
 *   - a live incident (a signed webhook) arriving while scrolled at row 5,000: it must join the
 *     table (aria-rowcount + 1) without a reload, and be the first row once scrolled back up;
 *   - filter and search latency as the UI shows it: severity=critical (until every row shown is
 *     critical), then cleared, then `q` = a host name (until the count the API gives is shown).
 * The raw API answers the same list calls (node fetch, admin key) as a second baseline.
 *
 * No figure is asserted; the checks are about correctness (the right rows, bounded DOM, no reload).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { alertBody, postAlert } from '../lib/alerts.ts';
import { adminHeaders } from '../lib/auth.ts';
import { hasChromium, launchChromium, CHROMIUM } from '../lib/chromium.ts';
import { ensureIncidentDatabase } from '../lib/incident-generator.ts';
import type { NodeProcess } from '../lib/proc.ts';
import { REPO_ROOT } from '../lib/proc.ts';
import { summariseProfile } from '../lib/profile.ts';
import { row, type Check, type Row } from '../lib/result.ts';
import type { RunContext, Scenario, ScenarioOutput } from '../lib/scenario.ts';
import {
  adminQuery,
  BENCH_SECRET,
  BENCH_SOURCE,
  deleteRedisKeys,
  dropDatabase,
  suffix,
} from '../lib/services.ts';
import { startRole } from '../lib/setup.ts';
import { median, round } from '../lib/stats.ts';

const FULL_ROWS = 100_000;
const FULL_TARGET = 5_000;
const TINY_ROWS = 1_000;
const TINY_TARGET = 500;
const BASELINE_ROWS = 100;
export const DASHBOARD_DB = 'tw_bench_100k';
/** The dashboard's page size (web/src/api/incidents.ts PAGE_SIZE). */
const PAGE = 100;
const USER = 'bench-analyst';
const PASSWORD = 'bench-analyst-password-0123';

/** One alert per incident and a hostname + e-mail indicator each, unless the database has them. */
async function addSearchData(db: string, log: (m: string) => void): Promise<void> {
  const [has] = await adminQuery<{ n: string }>(`select count(*) as n from alerts`, [], db);
  if (Number(has?.n) > 0) return;
  const t0 = performance.now();
  await adminQuery(
    `INSERT INTO alerts (id, incident_id, source, vendor_id, title, severity, occurred_at, received_at, raw)
     SELECT gen_random_uuid(), i.id, i.source, i.fingerprint, i.title, i.severity, i.first_seen, i.created_at,
            jsonb_build_object('title', i.title, 'description', i.description, 'severity', i.severity,
                               'host', i.assets->0->>'name', 'user', i.assets->1->>'name')
       FROM incidents i`,
    [],
    db,
  );
  await adminQuery(
    `INSERT INTO indicators (id, incident_id, type, value, context, created_at)
     SELECT gen_random_uuid(), i.id, 'hostname', i.assets->0->>'name', 'bench', i.created_at FROM incidents i
     UNION ALL
     SELECT gen_random_uuid(), i.id, 'email', i.assets->1->>'name', 'bench', i.created_at FROM incidents i`,
    [],
    db,
  );
  await adminQuery('vacuum (analyze) alerts', [], db);
  await adminQuery('vacuum (analyze) indicators', [], db);
  log(`added alerts and indicators to ${db} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** The analyst the browser logs in as (kept across runs in the reused database). */
async function ensureUser(api: NodeProcess): Promise<void> {
  const res = await fetch(`${api.url}/api/v1/users`, {
    method: 'POST',
    headers: { ...adminHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify({ username: USER, password: PASSWORD, role: 'analyst', approval_level: 'analyst' }),
  });
  if (res.status !== 201 && res.status !== 409)
    throw new Error(`creating ${USER}: HTTP ${res.status} ${await res.text()}`);
}

interface ListPage {
  data: { id: string }[];
  pagination: { total_items: number; total_exact: boolean; next_cursor: string | null };
}

async function list(
  api: NodeProcess,
  params: Record<string, string>,
): Promise<{ ms: number; page: ListPage }> {
  const t0 = performance.now();
  const res = await fetch(
    `${api.url}/api/v1/incidents?${new URLSearchParams({ per_page: String(PAGE), ...params })}`,
    { headers: adminHeaders() },
  );
  const page = (await res.json()) as ListPage;
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`list ${JSON.stringify(params)}: HTTP ${res.status}`);
  return { ms, page };
}

/** Median of `n` calls (after one warm-up) and the last answer. */
async function listMedian(api: NodeProcess, params: Record<string, string>, n = 5) {
  let last = await list(api, params);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    last = await list(api, params);
    times.push(last.ms);
  }
  return { ms: median(times), page: last.page };
}

/** The API's cursor walk to row `target` (newest first): its time, per-page median, and that row's id. */
async function cursorWalk(api: NodeProcess, target: number) {
  const times: number[] = [];
  let cursor: string | null = null;
  const ids: string[] = [];
  while (ids.length <= target) {
    const { ms, page } = await list(api, cursor ? { cursor } : {});
    times.push(ms);
    ids.push(...page.data.map((r) => r.id));
    cursor = page.pagination.next_cursor;
    if (!cursor) break;
  }
  return {
    total_ms: times.reduce((s, t) => s + t, 0),
    page_p50_ms: median(times),
    pages: times.length,
    id: ids[Math.min(target, ids.length - 1)],
    reached: Math.min(target, ids.length - 1),
  };
}

/**
 * Installed before any script of each document: long tasks, the moment the first table row exists,
 * and a marker that a reload would replace.
 */
const INIT = `
window.__tw = { longtasks: [], firstRow: null, marker: Math.random() };
try {
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__tw.longtasks.push({ start: e.startTime, duration: e.duration }); })
    .observe({ type: 'longtask', buffered: true });
} catch {}
const mo = new MutationObserver(() => {
  if (window.__tw.firstRow === null && document.querySelector('tr.data-row')) {
    window.__tw.firstRow = performance.now();
    mo.disconnect();
  }
});
mo.observe(document, { childList: true, subtree: true });
`;

/** Pushes the scroller to its end each frame until `want` rows are loaded; then shows row `target`. */
const SCROLL = `(async ({ want, target, timeoutMs, rowHeight }) => {
  const sc = document.querySelector('.scroller');
  const table = sc.querySelector('table');
  const loaded = () => Number(table.getAttribute('aria-rowcount'));
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const t0 = performance.now();
  let last = t0, maxGap = 0, maxDom = 0, frames = 0;
  const startRows = loaded();
  while (loaded() < want) {
    if (performance.now() - t0 > timeoutMs) break;
    sc.scrollTop = sc.scrollHeight;
    await frame();
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    frames++;
    maxDom = Math.max(maxDom, document.querySelectorAll('tr.data-row').length);
  }
  const loadedMs = performance.now() - t0;
  sc.scrollTop = target * rowHeight;
  for (let i = 0; i < 3; i++) await frame();
  maxDom = Math.max(maxDom, document.querySelectorAll('tr.data-row').length);
  return { loadedMs, totalMs: performance.now() - t0, startRows, rows: loaded(), frames, maxGap, maxDom,
           domAfter: document.querySelectorAll('tr.data-row').length, scrollTop: sc.scrollTop };
})`;

const LOADING = `!!Array.from(document.querySelectorAll('.state[role=status]')).find((e) => e.textContent.startsWith('Loading'))`;
const COUNT_TEXT = `(document.querySelector('p.muted[role=status]')?.textContent ?? '')`;

interface Measured {
  first_rows_ms: number;
  scroll: {
    loadedMs: number;
    totalMs: number;
    startRows: number;
    rows: number;
    frames: number;
    maxGap: number;
    maxDom: number;
    domAfter: number;
    scrollTop: number;
  };
  pages_loaded: number;
  target_row_shown: boolean;
  select_all: boolean;
  heap_first_mb: number;
  heap_after_scroll_mb: number;
  scroll_longtasks: { count: number; max_ms: number; total_ms: number };
  all_longtasks: { count: number; max_ms: number; total_ms: number };
  live_ms: number;
  live_no_reload: boolean;
  live_on_top: boolean;
  severity_ms: number;
  severity_all_critical: boolean;
  severity_count_text: string;
  clear_ms: number;
  q_ms: number;
  q_count_text: string;
  page_errors: string[];
  csp_errors: string[];
}

async function heapMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    return usedSize / 1024 ** 2;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

function longtasks(all: { start: number; duration: number }[], from = 0, to = Infinity) {
  const in_ = all.filter((t) => t.start >= from && t.start <= to).map((t) => t.duration);
  return {
    count: in_.length,
    max_ms: in_.length ? Math.max(...in_) : 0,
    total_ms: in_.reduce((s, d) => s + d, 0),
  };
}

/**
 * Waits, checking every animation frame in the page, until `predicate` (an expression) holds; answers
 * the ms since the page's mark. A loop of the page's own (Runtime.evaluate), not waitForFunction, whose
 * string predicates the dashboard's CSP (no 'unsafe-eval') refuses.
 */
async function untilShown(page: Page, predicate: string, timeoutMs = 60_000): Promise<number> {
  return (await page.evaluate(`(async () => {
    const end = performance.now() + ${timeoutMs};
    for (;;) {
      if (${predicate}) return performance.now() - (window.__tw.mark ?? 0);
      if (performance.now() > end) throw new Error('timed out waiting for: ' + ${JSON.stringify(predicate.slice(0, 120))});
      await new Promise((r) => requestAnimationFrame(r));
    }
  })()`)) as number;
}

async function measure(
  ctx: RunContext,
  browser: Browser,
  api: NodeProcess,
  o: {
    label: string;
    target: number;
    host: string;
    live: string;
    qTotal: number;
    qExact: boolean;
    expectedId?: string;
  },
): Promise<Measured> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
  try {
    await context.addInitScript(INIT);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    const cspErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message.slice(0, 200)));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text()))
        cspErrors.push(m.text().slice(0, 200));
    });
    await page.goto(`${api.url}/login`);
    await page.getByLabel('Username').fill(USER);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor({ timeout: 30_000 });
    ctx.checkpoint();

    // First rows: a full navigation to /incidents (the bundle is in the HTTP cache, as on a revisit).
    await page.goto(`${api.url}/incidents`);
    await page.locator('tr.data-row').first().waitFor({ timeout: 60_000 });
    const firstRows = (await page.evaluate('window.__tw.firstRow')) as number;
    await page.getByRole('status', { name: 'Live updates: live' }).waitFor({ timeout: 30_000 });
    const heapFirst = await heapMb(page);
    const marker = (await page.evaluate('window.__tw.marker')) as number;

    // Scroll down to row `target` through the cursor pages (CPU-profiled in the page with --profile).
    const profiler = ctx.profile ? await page.context().newCDPSession(page) : undefined;
    if (profiler) {
      await profiler.send('Profiler.enable');
      await profiler.send('Profiler.setSamplingInterval', { interval: 500 });
      await profiler.send('Profiler.start');
    }
    const scrollFrom = (await page.evaluate('performance.now()')) as number;
    const scroll = (await page.evaluate(
      `${SCROLL}(${JSON.stringify({
        want: o.target + 1,
        target: o.target,
        timeoutMs: 600_000,
        rowHeight: 40,
      })})`,
    )) as Measured['scroll'];
    const scrollTo = (await page.evaluate('performance.now()')) as number;
    if (profiler) {
      const { profile } = (await profiler.send('Profiler.stop')) as { profile: unknown };
      const dir = join(ctx.logDir, 'profiles');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `chromium-scroll-${o.label}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      ctx.profiles.push(summariseProfile(file, `chromium (${o.label}): scroll`));
      await profiler.detach().catch(() => {});
    }
    const targetShown = o.expectedId
      ? (await page.locator(`tr[data-id="${o.expectedId}"]`).count()) === 1
      : false;
    const heapAfter = await heapMb(page);
    ctx.checkpoint();

    // Select all means every loaded row, not only those on screen; once more clears the selection.
    const selectAll = page.getByRole('checkbox', { name: 'Select all loaded incidents' });
    await selectAll.check();
    const selectedAll = await page
      .getByText(`${scroll.rows} selected`, { exact: true })
      .waitFor({ timeout: 10_000 })
      .then(() => true)
      .catch(() => false);
    await selectAll.uncheck();
    const cleared = await page
      .getByText(/^\d+ selected$/)
      .waitFor({ state: 'detached', timeout: 10_000 })
      .then(() => true)
      .catch(() => false);

    // A live incident while scrolled down: joins the table without a reload, first once scrolled up.
    const before = Number(await page.locator('table.grid').getAttribute('aria-rowcount'));
    const t0 = performance.now();
    const id = await postAlert(api.url, BENCH_SOURCE, BENCH_SECRET, o.live);
    await untilShown(
      page,
      `Number(document.querySelector('table.grid').getAttribute('aria-rowcount')) > ${before}`,
      30_000,
    );
    const liveMs = performance.now() - t0;
    const sameDoc = ((await page.evaluate('window.__tw.marker')) as number) === marker;
    await page.evaluate(`document.querySelector('.scroller').scrollTop = 0`);
    // The virtualiser renders the top rows a frame or more after the scroll: wait for them (10 s at most).
    const onTop = await untilShown(
      page,
      `document.querySelector('tr.data-row')?.getAttribute('data-id') === ${JSON.stringify(id)}`,
      10_000,
    )
      .then(() => true)
      .catch(() => false);

    // Severity filter: until every row shown is critical.
    await page.evaluate('window.__tw.mark = performance.now()');
    await page.getByLabel('Severity', { exact: true }).selectOption('critical');
    const severityMs = await untilShown(
      page,
      `!${LOADING} && document.querySelectorAll('tr.data-row').length > 0 && Array.from(document.querySelectorAll('tr.data-row td.c-severity')).every((td) => td.textContent === 'critical')`,
    );
    const allCritical = (await page.evaluate(
      `Array.from(document.querySelectorAll('tr.data-row td.c-severity')).every((td) => td.textContent === 'critical')`,
    )) as boolean;
    await untilShown(page, `${COUNT_TEXT}.endsWith('matching')`, 30_000);
    const severityCount = (await page.evaluate(COUNT_TEXT)) as string;

    // Cleared: back to every incident.
    await page.evaluate('window.__tw.mark = performance.now()');
    await page.getByLabel('Severity', { exact: true }).selectOption('');
    const clearMs = await untilShown(
      page,
      `!${LOADING} && Array.from(document.querySelectorAll('tr.data-row td.c-severity')).some((td) => td.textContent !== 'critical')`,
    );

    // Search for a host: until the count the API gives is shown.
    const want = `${o.qTotal}${o.qExact ? '' : '+'} matching`;
    await page.getByRole('searchbox').fill(o.host);
    await page.evaluate('window.__tw.mark = performance.now()');
    await page.getByRole('searchbox').press('Enter');
    const qMs = await untilShown(
      page,
      `!${LOADING} && ${COUNT_TEXT} === ${JSON.stringify(want)} && (document.querySelectorAll('tr.data-row').length > 0 || !!document.querySelector('.state.empty'))`,
    );
    const qCount = (await page.evaluate(COUNT_TEXT)) as string;

    const tasks = (await page.evaluate('window.__tw.longtasks')) as { start: number; duration: number }[];
    return {
      first_rows_ms: firstRows,
      scroll,
      pages_loaded: Math.ceil((scroll.rows - scroll.startRows) / PAGE),
      target_row_shown: targetShown,
      select_all: selectedAll && cleared,
      heap_first_mb: heapFirst,
      heap_after_scroll_mb: heapAfter,
      scroll_longtasks: longtasks(tasks, scrollFrom, scrollTo),
      all_longtasks: longtasks(tasks),
      live_ms: liveMs,
      live_no_reload: sameDoc,
      live_on_top: onTop,
      severity_ms: severityMs,
      severity_all_critical: allCritical,
      severity_count_text: severityCount,
      clear_ms: clearMs,
      q_ms: qMs,
      q_count_text: qCount,
      page_errors: pageErrors,
      csp_errors: cspErrors,
    };
  } finally {
    await context.close().catch(() => {});
  }
}

/** The built dashboard the compiled build serves (tmp/bench/build/web → web/, see build.ts). */
function ensureWebBuild(ctx: RunContext): void {
  execFileSync(process.execPath, ['scripts/build-web-if-stale.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (!existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html')))
    throw new Error('web/dist is not built (npm run build:web failed)');
  ctx.log('dashboard build: web/dist');
}

interface Target {
  label: string;
  db: string;
  rows: number;
  target: number;
}

async function runOne(ctx: RunContext, browser: Browser, t: Target, runId: string) {
  const { meta } = await ensureIncidentDatabase({
    name: t.db,
    rows: t.rows,
    regenerate: ctx.regenerate && t.rows === FULL_ROWS,
    log: (m) => ctx.log(m),
  });
  await addSearchData(t.db, (m) => ctx.log(m));
  // The live incidents of earlier runs leave the reused database as it was built.
  const cleanLive = () => adminQuery(`delete from incidents where source = $1`, [BENCH_SOURCE], t.db);
  await cleanLive();
  ctx.defer(cleanLive);
  const prefix = `twb${suffix()}`;
  ctx.defer(() => deleteRedisKeys(prefix));
  const { proc: api } = await startRole(ctx, 'api', { dbName: t.db, prefix }, { name: `api-${t.label}` });
  await ensureUser(api);
  ctx.checkpoint();

  // A host of an incident a few hundred rows down, and what the API says about it.
  const [pick] = await adminQuery<{ host: string }>(
    `select assets->0->>'name' as host from incidents order by created_at desc offset $1 limit 1`,
    [Math.min(300, t.rows - 1)],
    t.db,
  );
  const host = pick!.host;
  const apiFirst = await listMedian(api, {});
  const apiSeverity = await listMedian(api, { severity: 'critical' });
  const apiQ = await listMedian(api, { q: host });
  const walk = await cursorWalk(api, t.target);
  ctx.log(
    `${t.label}: API walk to row ${walk.reached} in ${walk.pages} pages, ${Math.round(walk.total_ms)} ms`,
  );

  const m = await measure(ctx, browser, api, {
    label: t.label,
    target: walk.reached,
    host,
    live: alertBody(runId, 0),
    qTotal: apiQ.page.pagination.total_items,
    qExact: apiQ.page.pagination.total_exact,
    expectedId: walk.id,
  });
  await api.stop();
  return {
    meta: { rows: meta.rows, anchor: meta.anchor },
    host,
    api: {
      first_page_ms: round(apiFirst.ms, 2),
      severity_ms: round(apiSeverity.ms, 2),
      q_ms: round(apiQ.ms, 2),
      q_total: apiQ.page.pagination.total_items,
      walk: { ...walk, total_ms: round(walk.total_ms, 1), page_p50_ms: round(walk.page_p50_ms, 2) },
    },
    ui: m,
  };
}

export const dashboard: Scenario = {
  name: 'dashboard',
  title:
    'The Incidents page in Chromium at 100,000 incidents (first rows, scroll to row 5,000, filters, live)',
  timeoutMs: (tiny) => (tiny ? 240_000 : 1_800_000),
  async run(ctx: RunContext): Promise<ScenarioOutput> {
    if (!hasChromium()) throw new Error(`needs Chromium at ${CHROMIUM}: apt-get install chromium`);
    ensureWebBuild(ctx);
    const tiny = ctx.tiny;
    const id = suffix();
    const big: Target = tiny
      ? { label: 'big', db: `tw_bench_dash_${id}`, rows: TINY_ROWS, target: TINY_TARGET }
      : { label: 'big', db: DASHBOARD_DB, rows: FULL_ROWS, target: FULL_TARGET };
    const small: Target = {
      label: 'small',
      db: `tw_bench_dash_base_${id}`,
      rows: BASELINE_ROWS,
      target: BASELINE_ROWS,
    };
    if (tiny) ctx.defer(() => dropDatabase(big.db));
    ctx.defer(() => dropDatabase(small.db));

    const browser = await launchChromium();
    ctx.defer(() => browser.close());
    const b = await runOne(ctx, browser, big, `dash-${id}-big`);
    ctx.checkpoint();
    const s = await runOne(ctx, browser, small, `dash-${id}-small`);

    const n = (x: number) => x.toLocaleString('en-US');
    const bigLabel = `${n(big.rows)} incidents`;
    const smallLabel = `${n(small.rows)} incidents`;
    const rows: Row[] = [
      row({
        id: 'dash.first_rows',
        label: `navigation to first rows, ${bigLabel}`,
        value: b.ui.first_rows_ms,
        unit: 'ms',
        baseline: { label: smallLabel, value: round(s.ui.first_rows_ms, 1), unit: 'ms' },
      }),
      row({
        id: 'dash.scroll.to_row',
        label: `scroll to row ${n(b.api.walk.reached)} (${b.ui.pages_loaded} cursor pages loaded)`,
        value: b.ui.scroll.loadedMs,
        unit: 'ms',
        baseline: { label: 'the same cursor walk, raw API', value: b.api.walk.total_ms, unit: 'ms' },
      }),
      row({
        id: 'dash.scroll.per_page',
        label: `one cursor page of ${PAGE} while scrolling, in the UI`,
        value: b.ui.scroll.loadedMs / Math.max(1, b.ui.pages_loaded),
        unit: 'ms',
        baseline: { label: 'raw API page p50', value: b.api.walk.page_p50_ms, unit: 'ms' },
      }),
      row({
        id: 'dash.dom_rows.max',
        label: 'table rows in the DOM, most at once while scrolling',
        value: b.ui.scroll.maxDom,
        unit: 'rows',
        baseline: { label: 'rows loaded', value: b.ui.scroll.rows, unit: 'rows' },
      }),
      row({
        id: 'dash.heap.after_scroll',
        label: `JS heap after scrolling (${n(b.ui.scroll.rows)} rows loaded, after GC)`,
        value: b.ui.heap_after_scroll_mb,
        unit: 'MB',
        baseline: { label: 'first rows, same page', value: round(b.ui.heap_first_mb, 2), unit: 'MB' },
      }),
      row({
        id: 'dash.longtasks.scroll.max',
        label: 'longest task while scrolling',
        value: b.ui.scroll_longtasks.max_ms,
        unit: 'ms',
        target: { op: '<=', value: 200 },
      }),
      row({
        id: 'dash.longtasks.scroll.count',
        label: `long tasks (> 50 ms) while scrolling ${b.ui.pages_loaded} pages`,
        value: b.ui.scroll_longtasks.count,
        unit: 'tasks',
      }),
      row({
        id: 'dash.longtasks.all.max',
        label: 'longest task of the whole visit (load, scroll, live, filters)',
        value: b.ui.all_longtasks.max_ms,
        unit: 'ms',
        target: { op: '<=', value: 200 },
        baseline: { label: smallLabel, value: round(s.ui.all_longtasks.max_ms, 1), unit: 'ms' },
      }),
      row({
        id: 'dash.frame_gap.max',
        label: 'longest frame while scrolling',
        value: b.ui.scroll.maxGap,
        unit: 'ms',
      }),
      row({
        id: 'dash.live.appear',
        label: 'live incident: webhook POST to the row in the table (scrolled down)',
        value: b.ui.live_ms,
        unit: 'ms',
        baseline: { label: smallLabel, value: round(s.ui.live_ms, 1), unit: 'ms' },
      }),
      row({
        id: 'dash.filter.severity',
        label: 'severity=critical: select to rows shown',
        value: b.ui.severity_ms,
        unit: 'ms',
        baseline: { label: smallLabel, value: round(s.ui.severity_ms, 1), unit: 'ms' },
      }),
      row({
        id: 'dash.filter.severity.api',
        label: 'severity=critical, raw API (p50 of 5)',
        value: b.api.severity_ms,
        unit: 'ms',
        baseline: { label: smallLabel, value: s.api.severity_ms, unit: 'ms' },
      }),
      row({
        id: 'dash.filter.clear',
        label: 'filter cleared: select to rows shown',
        value: b.ui.clear_ms,
        unit: 'ms',
        baseline: { label: smallLabel, value: round(s.ui.clear_ms, 1), unit: 'ms' },
      }),
      row({
        id: 'dash.search.host',
        label: `q=<host>: Enter to count shown (${b.api.q_total} matches)`,
        value: b.ui.q_ms,
        unit: 'ms',
        baseline: { label: smallLabel, value: round(s.ui.q_ms, 1), unit: 'ms' },
      }),
      row({
        id: 'dash.search.host.api',
        label: 'q=<host>, raw API (p50 of 5)',
        value: b.api.q_ms,
        unit: 'ms',
        baseline: { label: smallLabel, value: s.api.q_ms, unit: 'ms' },
      }),
      row({
        id: 'dash.api.first_page',
        label: `first page of ${PAGE}, raw API (p50 of 5)`,
        value: b.api.first_page_ms,
        unit: 'ms',
        baseline: { label: smallLabel, value: s.api.first_page_ms, unit: 'ms' },
      }),
    ];

    const checks: Check[] = [];
    for (const [label, r, t] of [
      [bigLabel, b, big],
      [smallLabel, s, small],
    ] as const) {
      const u = r.ui;
      checks.push(
        {
          name: `${label}: rows loaded by scrolling reach row ${r.api.walk.reached}`,
          ok: u.scroll.rows >= r.api.walk.reached + 1,
          detail: `${u.scroll.rows} rows loaded in ${u.pages_loaded} pages`,
        },
        {
          name: `${label}: row ${r.api.walk.reached} shown is the API's row ${r.api.walk.reached}`,
          ok: u.target_row_shown,
        },
        {
          name: `${label}: "Select all loaded incidents" selects every loaded row, then none`,
          ok: u.select_all,
        },
        {
          name: `${label}: DOM rows bounded (virtualised)`,
          ok: u.scroll.maxDom > 0 && u.scroll.maxDom <= 80,
          detail: `at most ${u.scroll.maxDom} rows in the DOM, ${u.scroll.rows} loaded`,
        },
        {
          name: `${label}: a live incident joins the table without a reload and is first at the top`,
          ok: u.live_no_reload && u.live_on_top,
          detail: `no reload ${u.live_no_reload}, first row ${u.live_on_top}`,
        },
        {
          name: `${label}: severity=critical shows only critical rows`,
          ok: u.severity_all_critical,
          detail: u.severity_count_text,
        },
        {
          name: `${label}: q=<host> shows the API's count`,
          ok: u.q_count_text.startsWith(`${r.api.q_total}`),
          detail: `${u.q_count_text}, API ${r.api.q_total}`,
        },
        {
          name: `${label}: no page error or CSP violation`,
          ok: u.page_errors.length === 0 && u.csp_errors.length === 0,
          detail: [...u.page_errors, ...u.csp_errors].join('; ').slice(0, 300),
        },
      );
      void t;
    }
    const notes = [
      `Chromium ${browser.version()} headless (${CHROMIUM}), viewport 1360x900; the API is the compiled \`api\` role on PostgreSQL (${n(big.rows)} incidents with one alert and two indicators each), Redis for the event stream.`,
      'Times in the browser are measured in the page (performance.now(), checked every animation frame); API times from node with the admin key. A target missed is reported, not a failure.',
      `Scrolling pushes the scroller to its end every frame until row ${n(b.api.walk.reached)} is loaded: the figure is the sum of ${b.ui.pages_loaded} page fetches and renders one after the other (the table fetches the next page as the last ${20} rows come into view).`,
    ];
    return {
      rows,
      checks,
      details: { big: b, small: s },
      notes,
    };
  },
};
