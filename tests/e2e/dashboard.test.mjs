// End-to-end tests of the live dashboard and the HTML report in headless Chromium.
//
// The live test starts `opusperf quickstart <example> --serve 127.0.0.1:0` (the port is picked by
// the OS and read from the command's stderr), opens the dashboard, waits for live data, checks that
// every chart has data points and that every figure on the page matches /api/report, and saves
// screenshots (laptop and phone widths). The report test writes `opusperf report run.json --html`,
// opens the file with the network off, and checks the same against run.json.
//
// Environment: OPUSPERF_CLI (the opusperf binary), OPUSPERF_WEB_DIR (web/, with node_modules from
// scripts/install-deps.sh), optionally OPUSPERF_CHROMIUM (default /usr/bin/chromium) and
// OPUSPERF_DASHBOARD_EXAMPLE (default comprehensive: every component). Tests skip with a message when Chromium or
// playwright-core is missing. Screenshots stay in the test's temp dir, whose path is printed.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const CLI = process.env.OPUSPERF_CLI;
const WEB_DIR = process.env.OPUSPERF_WEB_DIR;
const CHROMIUM = process.env.OPUSPERF_CHROMIUM || '/usr/bin/chromium';
const EXAMPLE = process.env.OPUSPERF_DASHBOARD_EXAMPLE || 'comprehensive';
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                        '--disable-background-networking', '--disable-component-update',
                        '--disable-sync'];

async function loadPlaywright() {
  const entry = path.join(WEB_DIR || '', 'node_modules', 'playwright-core', 'index.mjs');
  if (!fs.existsSync(entry)) return null;
  return (await import(pathToFileURL(entry).href)).chromium;
}

// Returns why the browser tests cannot run here, or null.
async function skipReason() {
  if (!CLI || !fs.existsSync(CLI)) return `OPUSPERF_CLI (${CLI}) is not a built opusperf binary`;
  if (!fs.existsSync(CHROMIUM)) {
    return `Chromium not found at ${CHROMIUM} (Debian package chromium; ` +
           'scripts/install-deps.sh installs it)';
  }
  if (!(await loadPlaywright())) {
    return `playwright-core not found under ${WEB_DIR}/node_modules ` +
           '(scripts/install-deps.sh runs npm ci in web/)';
  }
  return null;
}

function tempDir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `opusperf-${name}-${process.pid}-`));
}

async function launch(dir) {
  const chromium = await loadPlaywright();
  // A fresh profile in the test's temp dir: Chromium gets it as --user-data-dir.
  return chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS,
    viewport: {width: 1366, height: 900},
  });
}

// Starts the example with --serve on a free port; resolves to {child, url} once it serves.
function startServing(dir) {
  fs.writeFileSync(path.join(dir, 'opusperf.yaml'),
                   'profile: development\nmonitoring_interval: 200ms\n');
  const args = ['quickstart', EXAMPLE, '--config', path.join(dir, 'opusperf.yaml'),
                '--serve', '127.0.0.1:0', '--linger', '120', '--report', path.join(dir, 'run.json')];
  if (EXAMPLE === 'basic') args.push('--frames', '900', '--width', '640', '--height', '360');
  if (EXAMPLE === 'comprehensive') args.push('--seconds', '8');
  const child = spawn(CLI, args, {stdio: ['ignore', 'pipe', 'pipe']});
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d) => { stdout += d; });
  const served = new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /serving (http:\/\/[^\s/]+)\//.exec(stderr);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`opusperf exited ${code} before serving:\n` +
                                                stderr + stdout)));
  });
  return {child, served, log: () => stderr, done: () => /run done/.test(stderr)};
}

async function waitFor(what, fn, timeoutMs = 90000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function atPointer(doc, pointer) {
  let v = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object' || !(key in v)) return undefined;
    v = v[key];
  }
  return v;
}

// Reads a number back from the page's formatting ("4.56 ms", "45.2 MiB", "12.5%", "1,234").
function displayed(text, unit) {
  const m = /(-?[\d,]*\.?\d+(?:e[-+]?\d+)?)\s*(ns|µs|ms|s|B|KiB|MiB|GiB|TiB|%)?/.exec(text);
  if (!m) return NaN;
  const n = Number(m[1].replace(/,/g, ''));
  const scale = {ns: 1e-6, 'µs': 1e-3, ms: 1, s: 1000, B: 1, KiB: 1024, MiB: 1024 ** 2,
                 GiB: 1024 ** 3, TiB: 1024 ** 4};
  if (unit === 'ms' && m[2]) return n * scale[m[2]];
  if (unit === 'seconds' && m[2]) return n * scale[m[2]] / 1000;
  if (unit === 'bytes' && m[2]) return n * scale[m[2]];
  return n;
}

// Every figure the page took from the report: pointer, raw value, visible text, unit.
function pageFigures(page) {
  return page.$$eval('[data-pointer][data-raw]', (els) => els.map((e) => ({
    pointer: e.getAttribute('data-pointer'), raw: e.getAttribute('data-raw'),
    text: e.textContent, unit: e.getAttribute('data-unit') || 'plain'})));
}

// Checks each figure whose value in `doc` is `stable` against the page: the raw value exactly, the
// visible text to its three significant digits. Returns how many were checked.
function checkFigures(figures, doc, stable) {
  let checked = 0;
  for (const f of figures) {
    const want = atPointer(doc, f.pointer);
    if (want === undefined || !stable(f.pointer, want)) continue;
    if (typeof want === 'number') {
      assert.equal(Number(f.raw), want, `${f.pointer}: page has ${f.raw}, report ${want}`);
      const shown = displayed(f.text, f.unit);
      if (Number.isFinite(shown)) {
        const tolerance = Math.max(Math.abs(want) * 0.006, 1e-9);
        assert.ok(Math.abs(shown - want) <= tolerance,
                  `${f.pointer}: page shows "${f.text}" for ${want}`);
      }
    } else {
      assert.equal(f.raw, String(want), `${f.pointer}`);
    }
    checked++;
  }
  return checked;
}

async function checkCharts(page) {
  const charts = await page.$$eval('figure.chart', (els) => els.map((e) => ({
    id: e.getAttribute('data-chart'), points: Number(e.getAttribute('data-points')),
    canvas: !!e.querySelector('canvas')})));
  assert.ok(charts.length >= 3, `only ${charts.length} charts: ${JSON.stringify(charts)}`);
  for (const c of charts) {
    assert.ok(c.canvas, `chart ${c.id} has no canvas`);
    assert.ok(c.points > 0, `chart ${c.id} shows no data points`);
  }
  return charts;
}

async function checkPhoneLayout(page, file) {
  await page.setViewportSize({width: 390, height: 844});
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than a phone screen`);
  await page.screenshot({path: file, fullPage: true});
}

test('live dashboard follows a running quickstart and matches /api/report', async (t) => {
  const reason = await skipReason();
  if (reason) { t.skip(reason); return; }
  const dir = tempDir('dashboard');
  const run = startServing(dir);
  let context;
  try {
    const url = await run.served;
    context = await launch(dir);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url + '/');

    // Live data: snapshots arrive and the system charts grow.
    await waitFor('live snapshots', () => page.evaluate(() =>
      Number(document.body.dataset.snapshots || 0) >= 4 &&
      Number(document.querySelector('[data-chart="system-cpu"]')?.dataset.points || 0) >= 3));
    assert.equal(await page.getAttribute('#status', 'data-state'), 'live');

    // Once the work is done the figures settle; compare those that did not change between two
    // reports fetched around a snapshot the page received.
    await waitFor('the run to finish', () => run.done(), 120000);
    const first = await (await fetch(url + '/api/report')).json();
    await waitFor('a snapshot newer than /api/report', () => page.evaluate((u) =>
      Number(document.body.dataset.uptimeMs || 0) > u, first.system.uptime_ms));
    await waitFor('the latency-over-time chart', () => page.$('[data-chart="operations-latency-live"]'));
    const figures = await pageFigures(page);
    const second = await (await fetch(url + '/api/report')).json();
    // CPU shares are rates over the interval since the previous sample, and each /api/report call
    // and each stream snapshot samples anew: the page's figure can differ from two equal reports.
    const family = (pointer) => {
      const m = /^\/metrics\/(\d+)\//.exec(pointer);
      return m ? String(atPointer(second, `/metrics/${m[1]}/name`)) : '';
    };
    // The tuner's "recent" figures are the same kind: its last closed sample period, and periods
    // keep closing (empty ones too) while the run lingers.
    const rate = (pointer) => /^\/system\/latest\/.*cpu/.test(pointer) ||
        /^\/tune\/recent\//.test(pointer) || /cpu/.test(family(pointer));
    const stable = (pointer, v) => !rate(pointer) &&
        JSON.stringify(atPointer(second, pointer)) === JSON.stringify(v);
    const checked = checkFigures(figures, first, stable);
    const ops = Object.keys(first.operations.by_name);
    assert.ok(ops.length > 0, 'the run recorded no operation');
    for (const op of ops) {
      for (const f of ['calls', 'wall_ms/p50', 'wall_ms/p99']) {
        const p = `/operations/by_name/${op}/${f}`;
        assert.ok(figures.some((x) => x.pointer === p), `the page does not show ${p}`);
      }
    }
    t.diagnostic(`${checked} figures on the page match /api/report`);
    assert.ok(checked >= ops.length * 3, `only ${checked} figures compared`);

    const charts = await checkCharts(page);
    t.diagnostic(`charts: ${charts.map((c) => `${c.id}=${c.points}`).join(', ')}`);
    for (const name of Object.keys(first)) {
      const s = first[name];
      if (s && typeof s === 'object' && s.enabled === true && !['system', 'operations'].includes(name)) {
        assert.ok(await page.$(`[data-section="${name}"]`), `enabled section ${name} is not shown`);
      }
    }
    const shot = path.join(dir, 'dashboard.png');
    await page.screenshot({path: shot, fullPage: true});
    const phone = path.join(dir, 'dashboard-phone.png');
    await checkPhoneLayout(page, phone);
    assert.deepEqual(errors, []);
    t.diagnostic(`screenshots: ${shot} ${phone}`);
  } finally {
    if (context) await context.close();
    run.child.kill('SIGTERM');
    fs.rmSync(path.join(dir, 'profile'), {recursive: true, force: true});
  }
});

test('HTML report opens offline with the same charts and figures as run.json', async (t) => {
  const reason = await skipReason();
  if (reason) { t.skip(reason); return; }
  const dir = tempDir('html-report');
  const json = path.join(dir, 'run.json');
  const html = path.join(dir, 'report.html');
  fs.writeFileSync(path.join(dir, 'opusperf.yaml'),
                   'profile: development\nmonitoring_interval: 50ms\n');
  const args = ['quickstart', EXAMPLE, '--config', path.join(dir, 'opusperf.yaml'), '--report', json];
  if (EXAMPLE === 'basic') args.push('--frames', '600', '--width', '640', '--height', '360');
  if (EXAMPLE === 'comprehensive') args.push('--seconds', '4');
  let r = spawnSync(CLI, args, {encoding: 'utf8'});
  assert.equal(r.status, 0, r.stderr + r.stdout);
  r = spawnSync(CLI, ['report', json, '--html', html], {encoding: 'utf8'});
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const doc = JSON.parse(fs.readFileSync(json, 'utf8'));

  const context = await launch(dir);
  try {
    await context.setOffline(true);
    const requests = [];
    context.on('request', (req) => { if (!req.url().startsWith('file:')) requests.push(req.url()); });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(html).href);
    await waitFor('the report to render', () => page.$('[data-chart="system-cpu"]'));
    assert.equal(await page.getAttribute('#status', 'data-state'), 'report');
    const charts = await checkCharts(page);
    const figures = await pageFigures(page);
    const checked = checkFigures(figures, doc, () => true);
    assert.ok(checked >= Object.keys(doc.operations.by_name).length * 3,
              `only ${checked} figures compared`);
    assert.equal(checked, figures.length, 'some figures on the page are not in run.json');
    assert.deepEqual(requests, [], 'the report fetched something from the network');
    const shot = path.join(dir, 'report.png');
    await page.screenshot({path: shot, fullPage: true});
    const phone = path.join(dir, 'report-phone.png');
    await checkPhoneLayout(page, phone);
    assert.deepEqual(errors, []);
    t.diagnostic(`${checked} figures match run.json; charts: ` +
                 charts.map((c) => `${c.id}=${c.points}`).join(', '));
    t.diagnostic(`screenshots: ${shot} ${phone}`);
  } finally {
    await context.close();
    fs.rmSync(path.join(dir, 'profile'), {recursive: true, force: true});
  }
});
