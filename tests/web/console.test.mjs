// Browser test of the web console that `semble serve` serves at `/`: headless Chromium (Debian's
// /usr/bin/chromium, or $CHROMIUM_PATH) driven by playwright-core against the real binary, with a
// token file and an index bound to the default model, seeded over the API with short texts in four
// topics. Checks the auth message, the index list, a text query (results and the map: points,
// query marker, neighbours, tooltip), client-side filter validation, and saves a screenshot to
// $SEMBLE_ARTIFACTS_DIR/console.png (default: build/artifacts/ at the top of the source tree).
//
// Environment: SEMBLE_BINARY (required), SEMBLE_MODELS_DIR (see ../server/harness.mjs),
// CHROMIUM_PATH (default /usr/bin/chromium), SEMBLE_ARTIFACTS_DIR.
// A missing chromium, binary or model is a failure, never a skip.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, request, vz, okResult, DEFAULT_MODEL } from '../server/harness.mjs';
import { SEED_RECORDS, TOPIC_NAMES, seedNdjson } from './seed-data.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TOKEN = 'cOnSoLe-test-token-0123456789abc';   // 32 characters
const INDEX = 'console-demo';
const ACCOUNT = 'local';
const QUERY = 'a dog playing in the park';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.resolve(process.env.SEMBLE_ARTIFACTS_DIR ? process.cwd() : path.join(here, '../..'),
  process.env.SEMBLE_ARTIFACTS_DIR || 'build/artifacts');

const tid = (id, extra = '') => `[data-testid="${id}"]${extra}`;

let server;
let browser;

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM),
    `chromium is not installed at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  assert.equal(TOKEN.length, 32);
  server = await startServer({ tokens: `write ${TOKEN}\n` });

  const created = await request(server.url, 'POST', vz('', ACCOUNT),
    { name: INDEX, description: 'Console test: short texts in four topics', config: { model: DEFAULT_MODEL } }, { token: TOKEN });
  okResult(created, 'create index');
  const upserted = await request(server.url, 'POST', vz(INDEX, ACCOUNT) + '/upsert', seedNdjson(),
    { token: TOKEN, contentType: 'application/x-ndjson' });
  okResult(upserted, 'upsert seed records');
  const info = okResult(await request(server.url, 'GET', vz(INDEX, ACCOUNT) + '/info', undefined, { token: TOKEN }), 'info');
  assert.equal(info.vectorCount, SEED_RECORDS.length);

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1200 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(60000);   // generous: CI may build or test in parallel on 2 cores
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { context, page, pageErrors };
}

// Opens the console on an index, signed in with the test token, once its workspace shows.
async function openIndex(page, index) {
  await page.goto(server.url + `/#index=${index}`);
  await page.evaluate((t) => localStorage.setItem('semble.console.token', t), TOKEN);
  await page.reload();
  await page.locator(tid('workspace')).waitFor({ state: 'visible' });
}

test('the server serves the console page and its assets', async () => {
  const index = await request(server.url, 'GET', '/');
  assert.equal(index.status, 200, `GET / answered ${index.status}: ${index.text.slice(0, 200)}`);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  assert.match(index.text, /<script type="module" src="\/console\/console\.js"><\/script>/);
  for (const [file, type] of [['console.js', /javascript/], ['console.css', /^text\/css/], ['map.js', /javascript/], ['api.js', /javascript/], ['util.js', /javascript/]]) {
    const r = await request(server.url, 'GET', `/console/${file}`);
    assert.equal(r.status, 200, `GET /console/${file} answered ${r.status}`);
    assert.match(r.headers.get('content-type'), type, `content type of ${file}`);
  }
});

test('without a token the console asks for one', async () => {
  const { context, page, pageErrors } = await newPage();
  try {
    await page.goto(server.url + '/');
    const auth = page.locator(tid('auth-message'));
    await auth.waitFor({ state: 'visible' });
    assert.match(await auth.innerText(), /token/i);
    assert.equal(await page.locator(tid('index-item')).count(), 0);
    assert.equal(await page.locator(tid('server-status')).getAttribute('data-state'), 'auth');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('token, index list, text query, results and the map', async () => {
  const { context, page, pageErrors } = await newPage();
  try {
    await page.goto(server.url + '/');
    await page.locator(tid('auth-message')).waitFor({ state: 'visible' });

    // Enter the token; the form submits with Enter.
    await page.fill(tid('token-input'), TOKEN);
    await page.press(tid('token-input'), 'Enter');
    await page.locator(tid('auth-message')).waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => localStorage.getItem('semble.console.token')), TOKEN);

    // The index list shows the seeded index with its vector count and model.
    const item = page.locator(tid('index-item', `[data-index-name="${INDEX}"]`));
    await item.waitFor();
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '40',
      `[data-index-name="${INDEX}"] [data-testid="index-count"]`);
    assert.match(await item.innerText(), new RegExp(DEFAULT_MODEL));
    await item.click();

    // Header statistics from …/info and the index config.
    await page.locator(tid('workspace')).waitFor({ state: 'visible' });
    assert.equal(await page.locator(tid('index-title')).innerText(), INDEX);
    await page.waitForFunction(() => document.querySelector('[data-testid="stat-vectors"]')?.textContent === '40');
    assert.equal(await page.locator(tid('stat-dimensions')).innerText(), '384');
    assert.equal(await page.locator(tid('stat-metric')).innerText(), 'cosine');
    assert.equal(await page.locator(tid('stat-model')).innerText(), DEFAULT_MODEL);
    assert.equal(await page.locator(tid('query-mode-text')).isChecked(), true, 'text mode is the default with a model');

    // Browse: the first page lists every seeded vector with its metadata.
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="browse-row"]').length === n, SEED_RECORDS.length);
    assert.equal(await page.locator(tid('browse-row', '[data-id="dogs-01"]') + ' ' + tid('meta-topic')).innerText(), 'dogs');

    // The map of the whole index is drawn before any query.
    const map = page.locator(tid('map'));
    await page.waitForFunction(() => document.querySelector('[data-testid="map"]')?.dataset.state === 'ready');
    assert.ok(Number(await map.getAttribute('data-point-count')) >= SEED_RECORDS.length);
    assert.match(await page.locator(tid('map-xlabel')).innerText(), /^PC1 \(\d+(\.\d)?%\)$/);
    assert.match(await page.locator(tid('map-ylabel')).innerText(), /^PC2 \(\d+(\.\d)?%\)$/);
    assert.equal(await page.locator(tid('map-color-by')).inputValue(), 'topic', 'colours by the topic field');
    assert.equal(await page.locator(tid('legend-item')).count(), TOPIC_NAMES.length);

    // An invalid filter is caught before anything is sent.
    await page.fill(tid('query-input'), QUERY);
    await page.fill(tid('query-filter'), '{"topic": ');
    await page.press(tid('query-input'), 'Enter');
    await page.locator(tid('query-error')).waitFor({ state: 'visible' });
    assert.match(await page.locator(tid('filter-error')).innerText(), /Invalid JSON/);
    assert.equal(await page.locator(tid('result-row')).count(), 0);
    await page.fill(tid('query-filter'), '');

    // A text query: results and the map update together.
    await page.press(tid('query-input'), 'Enter');
    await page.locator(tid('result-row')).first().waitFor();
    await page.locator(tid('query-error')).waitFor({ state: 'hidden' });
    const rows = page.locator(tid('result-row'));
    assert.equal(await rows.count(), 10);
    const top = rows.first();
    assert.match(await top.getAttribute('data-id'), /^dogs-/);
    assert.equal(await top.locator(tid('meta-topic')).innerText(), 'dogs');
    const topDogs = await rows.evaluateAll((els) => els.slice(0, 5).filter((e) => e.dataset.id.startsWith('dogs-')).length);
    assert.ok(topDogs >= 4, `only ${topDogs} of the top 5 are about dogs`);

    await page.locator(tid('map-query-marker')).waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelector('[data-testid="map"]')?.dataset.hasQuery === 'true');
    assert.ok(Number(await map.getAttribute('data-point-count')) >= SEED_RECORDS.length);
    const matches = page.locator(tid('map-match'));
    assert.equal(await matches.count(), 10);
    assert.equal(await page.locator(tid('map-match', '[data-rank="1"]')).getAttribute('data-id'), await top.getAttribute('data-id'));

    // Hovering a neighbour shows its tooltip (take the best-ranked one the pointer can reach).
    let hovered = null;
    for (let rank = 1; rank <= 10 && !hovered; rank++) {
      const m = page.locator(tid('map-match', `[data-rank="${rank}"]`));
      try {
        await m.hover({ timeout: 3000 });
        hovered = await m.getAttribute('data-id');
      } catch { /* covered by another marker: try the next */ }
    }
    assert.ok(hovered, 'no neighbour on the map could be hovered');
    const tooltip = page.locator(tid('map-tooltip'));
    await tooltip.waitFor({ state: 'visible' });
    assert.equal(await tooltip.locator(tid('map-tooltip-id')).innerText(), hovered);
    assert.match(await tooltip.innerText(), /topic/);
    // …and highlights its row in the results.
    assert.ok(await page.locator(tid('result-row', `[data-id="${hovered}"]`)).evaluate((e) => e.classList.contains('is-hot')));

    // Moving the pointer to an empty corner hides it.
    await map.scrollIntoViewIfNeeded();   // the whole map in the viewport: the mouse moves in it
    const box = await page.locator(tid('map-canvas')).boundingBox();
    await page.mouse.move(box.x + 2, box.y + 2);
    await tooltip.waitFor({ state: 'hidden' });

    // Hovering a plain point of the sample (drawn on the canvas) shows its tooltip too.
    const plain = await page.evaluate(() => {
      const m = document.querySelector('[data-testid="map"]').vectorMap;
      // A point that no marker covers and no other point sits on.
      const marks = [...m.data.matches, ...(m.data.query ? [m.data.query] : [])].map((p) => m.toScreen(p.x, p.y));
      const clear = (i) => marks.every(([x, y]) => Math.hypot(x - m.sx[i], y - m.sy[i]) > 24) &&
        m.data.points.every((_, j) => j === i || Math.hypot(m.sx[j] - m.sx[i], m.sy[j] - m.sy[i]) > 4);
      const i = m.data.points.findIndex((p, k) => !m.matchIds.has(p.id) && clear(k));
      return i < 0 ? null : { id: m.data.points[i].id, x: m.sx[i], y: m.sy[i] };
    });
    assert.ok(plain, 'no sampled point stands apart from the markers');
    await page.mouse.move(box.x + plain.x, box.y + plain.y);
    await tooltip.waitFor({ state: 'visible' });
    assert.equal(await tooltip.locator(tid('map-tooltip-id')).innerText(), plain.id);

    // Screenshot for people: the whole page from its top (map and results in view), a neighbour's
    // tooltip open.
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'console.png');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator(tid('map-match', `[data-id="${hovered}"]`)).hover();
    await tooltip.waitFor({ state: 'visible' });
    await page.screenshot({ path: shot, fullPage: true });
    const size = fs.statSync(shot).size;
    assert.ok(size > 10 * 1024, `the screenshot ${shot} is only ${size} bytes`);

    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('API errors show inline, filtered queries narrow the results', async () => {
  const { context, page, pageErrors } = await newPage();
  try {
    await openIndex(page, INDEX);
    await page.fill(tid('query-input'), QUERY);

    // A filter the server refuses: its v4 error (code 40003) appears under the form, no alert.
    let dialog = false;
    page.on('dialog', (d) => { dialog = true; d.dismiss(); });
    await page.fill(tid('query-filter'), '{"topic": {"$bogus": 1}}');
    await page.click(tid('query-submit'));
    const err = page.locator(tid('query-error'));
    await err.waitFor({ state: 'visible' });
    assert.match(await err.innerText(), /\$bogus/);
    assert.match(await err.innerText(), /40003/);
    assert.equal(dialog, false);

    // A valid filter: every match is from that topic, and the map's neighbours follow.
    await page.fill(tid('query-filter'), '{"topic": "space"}');
    await page.keyboard.press('Control+Enter');
    await err.waitFor({ state: 'hidden' });
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="result-row"]')];
      return rows.length > 0 && rows.every((r) => r.dataset.id.startsWith('space-'));
    });
    await page.waitForFunction(() => {
      const ms = [...document.querySelectorAll('[data-testid="map-match"]')];
      return ms.length > 0 && ms.every((m) => m.dataset.id.startsWith('space-'));
    });
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// Issue 17: keyword and hybrid ranking and groups in the query panel, on an index with a text
// index (the seed texts, embedded with the default model and indexed for keywords).
test('keyword and hybrid queries, fusion options and groups', async () => {
  const HYBRID = 'console-hybrid';
  okResult(await request(server.url, 'POST', vz('', ACCOUNT),
    { name: HYBRID, config: { model: DEFAULT_MODEL, textIndex: true } }, { token: TOKEN }), 'create hybrid index');
  okResult(await request(server.url, 'POST', vz(HYBRID, ACCOUNT) + '/upsert', seedNdjson(),
    { token: TOKEN, contentType: 'application/x-ndjson' }), 'upsert seed records');
  const { context, page, pageErrors } = await newPage();
  try {
    // The index without a text index offers vector ranking only.
    await openIndex(page, INDEX);
    assert.equal(await page.locator(tid('query-rank-keyword')).isDisabled(), true);
    assert.equal(await page.locator(tid('query-rank-vector')).isChecked(), true);

    await openIndex(page, HYBRID);
    await page.waitForFunction(() => !document.querySelector('[data-testid="query-rank-keyword"]').disabled);

    // Keyword: the one record with the rare word comes first; the fusion options stay hidden.
    await page.locator(tid('query-rank-keyword')).check({ force: true });
    assert.equal(await page.locator(tid('query-input-label')).innerText(), 'Keywords');
    assert.equal(await page.locator(tid('hybrid-options')).isHidden(), true);
    await page.fill(tid('query-input'), 'beagle');
    await page.click(tid('query-submit'));
    await page.waitForFunction(() => {
      const first = document.querySelector('[data-testid="result-row"]');
      return first && first.dataset.id === 'dogs-05';
    });

    // Hybrid, weighted: alpha shows with the weighted fusion; both sides' hits come back.
    await page.locator(tid('query-rank-hybrid')).check({ force: true });
    assert.equal(await page.locator(tid('hybrid-options')).isVisible(), true);
    assert.equal(await page.locator(tid('alpha-field')).isHidden(), true);
    await page.selectOption(tid('query-fusion'), 'weighted');
    await page.locator(tid('alpha-field')).waitFor({ state: 'visible' });
    await page.fill(tid('query-alpha'), '0.3');
    await page.fill(tid('query-input'), 'beagle');
    await page.click(tid('query-submit'));
    await page.waitForFunction(() => {
      const ids = [...document.querySelectorAll('[data-testid="result-row"]')].map((r) => r.dataset.id);
      return ids.includes('dogs-05') && ids.filter((id) => id.startsWith('dogs-')).length >= 2;
    });
    // An alpha out of range is caught before the request.
    await page.fill(tid('query-alpha'), '2');
    await page.click(tid('query-submit'));
    await page.locator(tid('query-error')).waitFor({ state: 'visible' });
    assert.match(await page.locator(tid('query-error')).innerText(), /Alpha/);
    await page.fill(tid('query-alpha'), '0.5');

    // Groups: by topic, at most two matches each, under a heading with the key.
    await page.fill(tid('query-group-by'), 'topic');
    await page.fill(tid('query-group-size'), '2');
    await page.fill(tid('query-input'), 'dog rocket bread');
    await page.click(tid('query-submit'));
    await page.locator(tid('result-group')).first().waitFor({ state: 'visible' });
    const groups = await page.evaluate(() => {
      const out = [];
      for (const li of document.querySelectorAll('[data-testid="results"] > li')) {
        if (li.dataset.testid === 'result-group') out.push({ key: JSON.parse(li.dataset.key), ids: [] });
        else out[out.length - 1].ids.push(li.dataset.id);
      }
      return out;
    });
    assert.ok(groups.length >= 2, JSON.stringify(groups));
    for (const g of groups) {
      assert.ok(g.ids.length >= 1 && g.ids.length <= 2, JSON.stringify(g));
      assert.ok(g.ids.every((id) => id.startsWith(`${g.key}-`)), JSON.stringify(g));
    }
    assert.equal(new Set(groups.map((g) => g.key)).size, groups.length);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});
