// wrangler (pinned in package.json) against `semble serve`: `wrangler vectorize ...` with
// CLOUDFLARE_API_BASE_URL pointing at the server.
//
// wrangler 4 reads CLOUDFLARE_API_BASE_URL (deprecated alias CF_API_BASE_URL) in
// node_modules/wrangler/wrangler-dist/cli.js (getCloudflareApiBaseUrl) and sends every API call
// there. With CLOUDFLARE_ACCOUNT_ID set it does not call /memberships; with CLOUDFLARE_API_TOKEN
// set it needs no login; WRANGLER_SEND_METRICS=false stops telemetry, WRANGLER_HIDE_BANNER=true
// skips the banner and with it the npm update check. HOME points at a temp dir so that nothing
// is read from or written to the user's wrangler config.
// wrangler 4.87+ refuses Node.js < 22 (bin/wrangler.js); 4.86.0 is the last that runs on Node 20.
//
// Run: SEMBLE_BINARY=build/semble node --test tests/server/wrangler.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, ACCOUNT, randomVectors, ndjson, assertTopK, f32, request, vz, okResult } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WRANGLER = path.join(here, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const TOKEN = 'wrangler-test-token-0123456789';
const DIMS = 4;
const N = 2500;  // three multipart batches of 1000

let server;
let tmp;
let records;

function wrangler(...args) {
  return wranglerWith({}, ...args);
}

// `unset` names environment variables to leave out (e.g. CLOUDFLARE_ACCOUNT_ID).
function wranglerWith({ unset = [] }, ...args) {
  const env = {
    PATH: process.env.PATH,
    HOME: path.join(tmp, 'home'),
    XDG_CONFIG_HOME: path.join(tmp, 'home', '.config'),
    CLOUDFLARE_API_BASE_URL: `${server.url}/client/v4`,
    CLOUDFLARE_API_TOKEN: TOKEN,
    CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    CI: 'true',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };
  for (const name of unset) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`wrangler ${args.join(' ')} timed out\n${stdout}\n${stderr}`)); }, 120000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, all: `$ wrangler ${args.join(' ')}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}` });
    });
  });
}

async function ok(...args) {
  const r = await wrangler(...args);
  assert.equal(r.code, 0, r.all);
  return r;
}

// The JSON document a command prints after its log lines.
function jsonAfter(text, opener, what) {
  const i = text.indexOf(opener);
  assert.ok(i >= 0, `${what}: no JSON in\n${text}`);
  try {
    return JSON.parse(text.slice(i));
  } catch (e) {
    assert.fail(`${what}: cannot parse JSON (${e.message}) in\n${text}`);
  }
}

async function infoJson(name) {
  const r = await ok('vectorize', 'info', name, '--json');
  return jsonAfter(r.stdout, '{', 'info');
}

before(async () => {
  assert.ok(fs.existsSync(WRANGLER), `${WRANGLER} missing: run npm ci in tests/server`);
  server = await startServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'semble-wrangler-'));
  fs.mkdirSync(path.join(tmp, 'home', '.config'), { recursive: true });
  records = randomVectors(N, DIMS, 31337, 'w').map((r, i) => ({
    ...r,
    metadata: { genre: ['comedy', 'drama'][i % 2], n: i },
    ...(i % 4 === 0 ? { namespace: 'even4' } : {}),
  }));
  fs.writeFileSync(path.join(tmp, 'vectors.ndjson'), ndjson(records));
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('wrangler --version runs on this Node.js', async () => {
  const r = await ok('--version');
  assert.match(r.stdout, /^\s*4\.\d+\.\d+/);
});

test('create (dimensions + metric, and preset), get, list', async () => {
  let r = await ok('vectorize', 'create', 'wr-euclid', '--dimensions', String(DIMS), '--metric', 'euclidean',
    '--description', 'from wrangler', '--json');
  let idx = jsonAfter(r.stdout, '{', 'create');
  assert.equal(idx.name, 'wr-euclid');
  assert.equal(idx.config.dimensions, DIMS);
  assert.equal(idx.config.metric, 'euclidean');
  assert.equal(idx.description, 'from wrangler');

  r = await ok('vectorize', 'create', 'wr-preset', '--preset', '@cf/baai/bge-small-en-v1.5', '--json');
  idx = jsonAfter(r.stdout, '{', 'create preset');
  assert.equal(idx.config.dimensions, 384);
  assert.equal(idx.config.metric, 'cosine');

  r = await ok('vectorize', 'get', 'wr-euclid', '--json');
  idx = jsonAfter(r.stdout, '{', 'get');
  assert.equal(idx.name, 'wr-euclid');
  assert.equal(idx.config.metric, 'euclidean');

  // The human-readable table too.
  r = await ok('vectorize', 'get', 'wr-euclid');
  assert.match(r.stdout, /wr-euclid/);
  assert.match(r.stdout, /euclidean/);

  r = await ok('vectorize', 'list', '--json');
  const list = jsonAfter(r.stdout, '[', 'list');
  assert.deepEqual(list.map((i) => i.name).sort(), ['wr-euclid', 'wr-preset']);
});

test('duplicate create and unknown index fail with the API error code', async () => {
  let r = await wrangler('vectorize', 'create', 'wr-euclid', '--dimensions', '3', '--metric', 'cosine', '--json');
  assert.notEqual(r.code, 0, r.all);
  assert.match(r.stdout + r.stderr, /code: 3002/, r.all);
  r = await wrangler('vectorize', 'get', 'wr-nope');
  assert.notEqual(r.code, 0, r.all);
  assert.match(r.stdout + r.stderr, /code: 3000/, r.all);
});

test('insert an NDJSON file (multipart, 3 batches), info', async () => {
  const r = await ok('vectorize', 'insert', 'wr-euclid', '--file', path.join(tmp, 'vectors.ndjson'), '--batch-size', '1000', '--json');
  const res = jsonAfter(r.stdout, '{', 'insert');
  assert.deepEqual(res, { index: 'wr-euclid', count: N });
  const info = await infoJson('wr-euclid');
  assert.equal(info.vectorCount, N);
  assert.equal(info.dimensions, DIMS);
  assert.equal(typeof info.processedUpToMutation, 'string');
  assert.ok(Number.isFinite(Date.parse(info.processedUpToDatetime)));
  // Human-readable insert output names the mutation ids.
  fs.writeFileSync(path.join(tmp, 'dup.ndjson'), ndjson(records.slice(0, 3)));
  const h = await ok('vectorize', 'insert', 'wr-euclid', '--file', path.join(tmp, 'dup.ndjson'));
  assert.match(h.stdout, /Mutation changeset identifier: [0-9a-f-]{36}/, h.all);
  assert.equal((await infoJson('wr-euclid')).vectorCount, N);
});

test('query by vector and by id; results equal brute force', async () => {
  const q = [0.25, -0.5, 0.75, 0.1];
  let r = await ok('vectorize', 'query', 'wr-euclid', '--vector', ...q.map(String), '--top-k', '7',
    '--return-values', '--return-metadata', 'all');
  let res = jsonAfter(r.stdout, '{', 'query');
  assert.equal(res.count, 7);
  assertTopK('euclidean', q, records, res.matches, 7, 'wrangler query');
  res.matches.forEach((m) => {
    const rec = records.find((x) => x.id === m.id);
    assert.deepEqual(m.metadata, rec.metadata);
    f32(rec.values).forEach((v, j) => assert.ok(Math.abs(m.values[j] - v) < 1e-6));
  });

  r = await ok('vectorize', 'query', 'wr-euclid', '--vector-id', 'w0100', '--top-k', '3');
  res = jsonAfter(r.stdout, '{', 'query by id');
  assert.equal(res.matches[0].id, 'w0100');
  assertTopK('euclidean', records[100].values, records, res.matches, 3, 'wrangler query by id');

  // Filter and namespace.
  r = await ok('vectorize', 'query', 'wr-euclid', '--vector', ...q.map(String), '--top-k', '5',
    '--namespace', 'even4', '--filter', '{"genre":"comedy","n":{"$lt":1000}}', '--return-metadata', 'all');
  res = jsonAfter(r.stdout, '{', 'filtered query');
  const subset = records.filter((x) => x.namespace === 'even4' && x.metadata.genre === 'comedy' && x.metadata.n < 1000);
  assertTopK('euclidean', q, subset, res.matches, 5, 'wrangler filtered query');
  for (const m of res.matches) assert.equal(m.namespace, 'even4');
});

test('get-vectors and delete-vectors', async () => {
  let r = await ok('vectorize', 'get-vectors', 'wr-euclid', '--ids', 'w0000', 'w0007', 'w2499', 'nope');
  const got = jsonAfter(r.stdout, '[', 'get-vectors');
  assert.deepEqual(got.map((v) => v.id).sort(), ['w0000', 'w0007', 'w2499']);
  for (const v of got) {
    const rec = records.find((x) => x.id === v.id);
    f32(rec.values).forEach((x, j) => assert.ok(Math.abs(v.values[j] - x) < 1e-6));
    assert.deepEqual(v.metadata, rec.metadata);
  }
  r = await ok('vectorize', 'delete-vectors', 'wr-euclid', '--ids', 'w0000', 'w0007');
  assert.match(r.stdout, /Mutation changeset identifier: [0-9a-f-]{36}/, r.all);
  assert.equal((await infoJson('wr-euclid')).vectorCount, N - 2);
  r = await ok('vectorize', 'get-vectors', 'wr-euclid', '--ids', 'w0000', 'w0007');
  assert.match(r.stdout + r.stderr, /does not contain vectors/, r.all);
});

test('upsert an NDJSON file replaces records', async () => {
  const changed = records.slice(10, 20).map((r) => ({ id: r.id, values: [1, 2, 3, 4], metadata: { genre: 'upserted' } }));
  fs.writeFileSync(path.join(tmp, 'upsert.ndjson'), ndjson(changed));
  const r = await ok('vectorize', 'upsert', 'wr-euclid', '--file', path.join(tmp, 'upsert.ndjson'), '--json');
  assert.deepEqual(jsonAfter(r.stdout, '{', 'upsert'), { index: 'wr-euclid', count: 10 });
  const g = await ok('vectorize', 'get-vectors', 'wr-euclid', '--ids', 'w0010', 'w0019');
  for (const v of jsonAfter(g.stdout, '[', 'get-vectors')) {
    assert.deepEqual(v.values, [1, 2, 3, 4]);
    assert.deepEqual(v.metadata, { genre: 'upserted' });
  }
  assert.equal((await infoJson('wr-euclid')).vectorCount, N - 2);
});

test('list-vectors with paging', async () => {
  const all = [];
  let cursor;
  for (let page = 0; page < 10; page++) {
    const args = ['vectorize', 'list-vectors', 'wr-euclid', '--count', '1000', '--json'];
    if (cursor) args.push('--cursor', cursor);
    const r = await ok(...args);
    const res = jsonAfter(r.stdout, '{', 'list-vectors');
    assert.equal(res.totalCount, N - 2);
    all.push(...res.vectors.map((v) => v.id));
    if (!res.isTruncated) break;
    cursor = res.nextCursor;
  }
  const want = records.map((r) => r.id).filter((id) => id !== 'w0000' && id !== 'w0007').sort();
  assert.deepEqual(all.slice().sort(), want);
  assert.equal(new Set(all).size, all.length);
});

test('metadata indexes: create, list, delete', async () => {
  let r = await ok('vectorize', 'create-metadata-index', 'wr-euclid', '--propertyName', 'genre', '--type', 'string');
  assert.match(r.stdout, /Mutation changeset identifier: [0-9a-f-]{36}/, r.all);
  await ok('vectorize', 'create-metadata-index', 'wr-euclid', '--propertyName', 'n', '--type', 'number');
  r = await ok('vectorize', 'list-metadata-index', 'wr-euclid', '--json');
  const list = jsonAfter(r.stdout, '[', 'list-metadata-index');
  assert.deepEqual(list.map((m) => `${m.propertyName}:${m.indexType}`).sort(), ['genre:string', 'n:number']);
  await ok('vectorize', 'delete-metadata-index', 'wr-euclid', '--propertyName', 'n');
  r = await ok('vectorize', 'list-metadata-index', 'wr-euclid', '--json');
  assert.deepEqual(jsonAfter(r.stdout, '[', 'list-metadata-index').map((m) => m.propertyName), ['genre']);
});

test('delete an index', async () => {
  await ok('vectorize', 'delete', 'wr-preset', '--force');
  const r = await ok('vectorize', 'list', '--json');
  assert.deepEqual(jsonAfter(r.stdout, '[', 'list').map((i) => i.name), ['wr-euclid']);
  // Cross-check with a raw request.
  const raw = await request(server.url, 'GET', vz('wr-euclid') + '/info');
  assert.equal(okResult(raw, 'info').vectorCount, N - 2);
});

// Without CLOUDFLARE_ACCOUNT_ID wrangler asks /memberships which account to use; whoami verifies the
// token and lists the accounts. Both must work, and no auth error may print a second "no route".
test('wrangler whoami and an unset CLOUDFLARE_ACCOUNT_ID work', async () => {
  const who = await wranglerWith({ unset: ['CLOUDFLARE_ACCOUNT_ID'] }, 'whoami');
  assert.equal(who.code, 0, who.all);
  assert.match(who.stdout, /semble/, who.all);
  assert.doesNotMatch(who.all, /no route/, who.all);
  const list = await wranglerWith({ unset: ['CLOUDFLARE_ACCOUNT_ID'] }, 'vectorize', 'list', '--json');
  assert.equal(list.code, 0, list.all);
  assert.deepEqual(jsonAfter(list.stdout, '[', 'list').map((i) => i.name), ['wr-euclid']);
});
