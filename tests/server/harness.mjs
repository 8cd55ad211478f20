// Shared harness for the real-client tests of `semble serve`: starts the real binary on a free
// port with a fresh data directory, and offers a few helpers for raw HTTP and the v4 envelope.
//
// Environment:
//   SEMBLE_BINARY      path to the semble binary (required; ctest sets it)
//   SEMBLE_MODELS_DIR  installed models (default: <data dir>/models, the data dir being
//                      $SEMBLE_DATA_DIR, else $XDG_DATA_HOME/semble, else $HOME/.local/share/semble)
// A missing binary or a missing default model is a failure, never a skip.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

export const DEFAULT_MODEL = 'all-MiniLM-L6-v2-q4';
export const ALIAS_MODEL = '@cf/baai/bge-small-en-v1.5';
export const ACCOUNT = 'test-account_01';

export function binaryPath() {
  const bin = process.env.SEMBLE_BINARY;
  assert.ok(bin, 'SEMBLE_BINARY must name the semble binary (ctest sets it)');
  assert.ok(fs.existsSync(bin), `SEMBLE_BINARY=${bin} does not exist`);
  return bin;
}

function defaultDataDir() {
  if (process.env.SEMBLE_DATA_DIR) return process.env.SEMBLE_DATA_DIR;
  if (process.env.XDG_DATA_HOME) return path.join(process.env.XDG_DATA_HOME, 'semble');
  assert.ok(process.env.HOME, 'neither SEMBLE_MODELS_DIR, SEMBLE_DATA_DIR, XDG_DATA_HOME nor HOME is set');
  return path.join(process.env.HOME, '.local', 'share', 'semble');
}

// The installed models directory; fails when the default model is not installed there.
export function modelsDir() {
  const dir = process.env.SEMBLE_MODELS_DIR || path.join(defaultDataDir(), 'models');
  const model = path.join(dir, DEFAULT_MODEL);
  assert.ok(fs.existsSync(path.join(model, 'config.json')),
    `the default model is not installed: ${model} is missing (run \`semble model pull\`)`);
  return dir;
}

// How long `semble serve` may take to exit after SIGTERM, idle keep-alive connections open.
const STOP_LIMIT_MS = 5000;

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

// Starts `semble serve` and resolves once it prints its listening line.
//   options.tokens        text of a tokens file (written to a temp file, passed as --tokens-file)
//   options.maxBodyBytes  --max-body-bytes
//   options.args          further arguments
// Returns {url, port, dataDir, modelsDir, stderr(), stop()}; stop() sends SIGTERM, waits for the
// exit, checks the exit code is 0 and removes the temp directory.
export async function startServer(options = {}) {
  const bin = binaryPath();
  const models = modelsDir();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'semble-server-test-'));
  const dataDir = path.join(tmp, 'data');
  fs.mkdirSync(dataDir);
  const args = ['serve', '--data', dataDir, '--models', models, '--port', '0'];
  if (options.tokens !== undefined) {
    const file = path.join(tmp, 'tokens');
    fs.writeFileSync(file, options.tokens, { mode: 0o600 });
    args.push('--tokens-file', file);
  }
  if (options.maxBodyBytes !== undefined) args.push('--max-body-bytes', String(options.maxBodyBytes));
  if (options.args) args.push(...options.args);

  const env = { ...process.env };
  delete env.SEMBLE_DATA_DIR;  // the server must use --data only
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stderr = '';
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.setEncoding('utf8');
  let spawnError = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => { live.delete(child); resolve({ code, signal }); });
    child.on('error', (e) => { spawnError = e; live.delete(child); resolve({ code: null, signal: null }); });
  });
  const describe = () => `command: ${bin} ${args.join(' ')}\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`;

  const url = await new Promise((resolve, reject) => {
    reject = ((r) => (e) => { fs.rmSync(tmp, { recursive: true, force: true }); r(e); })(reject);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`semble serve did not print its listening line within 60 s\n${describe()}`));
    }, 60000);
    const onData = (d) => {
      stderr += d;
      const m = /semble: listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stderr.on('data', onData);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      const why = spawnError ? `could not start: ${spawnError.message}` : `exited early (code ${code}, signal ${signal})`;
      reject(new Error(`semble serve ${why}\n${describe()}`));
    });
  });
  const port = Number(new URL(url).port);
  assert.ok(port > 0 && port < 65536, `bad port in ${url}`);

  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    const t0 = Date.now();
    child.kill('SIGTERM');
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 60000).unref());
    const result = await Promise.race([exited, timeout]);
    const took = Date.now() - t0;
    if (result === null) {
      child.kill('SIGKILL');
      await exited;
      fs.rmSync(tmp, { recursive: true, force: true });
      assert.fail(`semble serve did not exit within 60 s of SIGTERM\n${describe()}`);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
    // Idle keep-alive connections (every SDK keeps some) must not hold the shutdown up.
    assert.ok(took < STOP_LIMIT_MS, `semble serve took ${took} ms to exit after SIGTERM (limit ${STOP_LIMIT_MS} ms)\n${describe()}`);
    assert.equal(result.signal, null, `semble serve died of ${result.signal}\n${describe()}`);
    assert.equal(result.code, 0, `semble serve exited with ${result.code} after SIGTERM\n${describe()}`);
  }
  return { url, port, dataDir, modelsDir: models, stderr: () => stderr, describe, stop };
}

// Raw HTTP. `body`: an object (sent as JSON), a string/Buffer (sent as is) or undefined.
// Returns {status, headers, text, json} (json null when the body is not JSON).
export async function request(url, method, pathname, body, { token, headers = {}, contentType } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    if (typeof body === 'string' || Buffer.isBuffer(body) || body instanceof Uint8Array) {
      payload = body;
      if (contentType) h['content-type'] = contentType;
    } else {
      payload = JSON.stringify(body);
      h['content-type'] = contentType ?? 'application/json';
    }
  }
  const res = await fetch(url + pathname, { method, headers: h, body: payload });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

export function vz(name = '', acct = ACCOUNT) {
  return `/client/v4/accounts/${acct}/vectorize/v2/indexes${name ? '/' + name : ''}`;
}

// Checks a success envelope and returns its result.
export function okResult(res, what = '') {
  assert.ok(res.status >= 200 && res.status < 300, `${what}: expected 2xx, got ${res.status}: ${res.text}`);
  assert.ok(res.json, `${what}: body is not JSON: ${res.text}`);
  assert.equal(res.json.success, true, `${what}: ${res.text}`);
  assert.deepEqual(res.json.errors, [], `${what}: ${res.text}`);
  assert.ok(Array.isArray(res.json.messages), `${what}: messages not an array: ${res.text}`);
  return res.json.result;
}

// Checks an error envelope: HTTP status, success:false, result:null, errors[0].code (when given).
export function assertError(res, status, code, what = '') {
  const ctx = `${what}: ${res.status} ${res.text.slice(0, 500)}`;
  assert.equal(res.status, status, `expected HTTP ${status}; ${ctx}`);
  assert.ok(res.json && typeof res.json === 'object', `error body is not JSON; ${ctx}`);
  assert.equal(res.json.success, false, ctx);
  assert.equal(res.json.result, null, ctx);
  assert.ok(Array.isArray(res.json.errors) && res.json.errors.length >= 1, `errors empty; ${ctx}`);
  assert.equal(typeof res.json.errors[0].code, 'number', ctx);
  assert.equal(typeof res.json.errors[0].message, 'string', ctx);
  assert.ok(res.json.errors[0].message.length > 0, ctx);
  assert.ok(Array.isArray(res.json.messages), ctx);
  if (code !== undefined) assert.equal(res.json.errors[0].code, code, `expected code ${code}; ${ctx}`);
  return res.json.errors[0];
}

// Polls fn() until pred(value) holds (Vectorize writes are asynchronous; semble's are synchronous,
// so this returns at once there). Fails after timeoutMs with the last value.
export async function waitFor(fn, pred, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (pred(last)) return last;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Runs `semble embed --json --no-cache` and returns one Float32-rounded vector per text.
export function cliEmbed(texts, { model = DEFAULT_MODEL } = {}) {
  const bin = binaryPath();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'semble-embed-'));
  try {
    const out = execFileSync(bin, ['--data', tmp, 'embed', '--json', '--no-cache', '--model', model, ...texts], {
      env: { ...process.env, SEMBLE_MODELS_DIR: modelsDir() },
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const doc = JSON.parse(out);
    assert.equal(doc.data.length, texts.length);
    return doc.data.map((d) => d.embedding);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// Brute-force scoring as Vectorize defines it: cosine similarity (higher closer), euclidean L2
// distance (lower closer), dot-product -(q.v) (lower closer). Inputs are rounded to float32 first,
// as the server stores them.
export function f32(v) { return Array.from(Float32Array.from(v)); }
export function score(metric, q, v) {
  q = f32(q); v = f32(v);
  let dot = 0; let nq = 0; let nv = 0; let d2 = 0;
  for (let i = 0; i < q.length; i++) {
    dot += q[i] * v[i]; nq += q[i] * q[i]; nv += v[i] * v[i];
    d2 += (q[i] - v[i]) ** 2;
  }
  if (metric === 'cosine') return dot / Math.sqrt(nq * nv);
  if (metric === 'euclidean') return Math.sqrt(d2);
  if (metric === 'dot-product') return -dot;
  throw new Error(`unknown metric ${metric}`);
}
// Expected [{id, score}] best first (ties by id), top k.
export function bruteForce(metric, q, records, k) {
  const higherBetter = metric === 'cosine';
  const scored = records.map((r) => ({ id: r.id, score: score(metric, q, r.values) }));
  scored.sort((a, b) => {
    if (a.score !== b.score) return higherBetter ? b.score - a.score : a.score - b.score;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return scored.slice(0, k);
}

// Every match's score equals the brute-force score of that id; the matches are the brute-force
// top-k, best first (ids may swap only where two scores tie within the tolerance).
export function assertTopK(metric, q, records, matches, k, what) {
  const tol = 1e-4;
  const expected = bruteForce(metric, q, records, records.length);
  const byId = new Map(expected.map((e) => [e.id, e.score]));
  assert.equal(matches.length, Math.min(k, records.length), `${what}: match count`);
  const higherBetter = metric === 'cosine';
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i];
    assert.ok(byId.has(m.id), `${what}: unexpected id ${m.id}`);
    const want = byId.get(m.id);
    assert.ok(Math.abs(m.score - want) <= tol * Math.max(1, Math.abs(want)),
      `${what}: score of ${m.id} is ${m.score}, brute force ${want}`);
    // Same rank as brute force, up to ties.
    const e = expected[i];
    assert.ok(Math.abs(e.score - m.score) <= tol * Math.max(1, Math.abs(e.score)),
      `${what}: rank ${i} is ${m.id} (${m.score}), brute force has ${e.id} (${e.score})`);
    if (i > 0) {
      const prev = matches[i - 1].score;
      assert.ok(higherBetter ? prev >= m.score - 1e-7 : prev <= m.score + 1e-7,
        `${what}: scores not ordered best first at ${i}: ${prev} then ${m.score}`);
    }
  }
  // Nothing better was left out.
  const kth = expected[Math.min(k, expected.length) - 1].score;
  for (const e of expected.slice(0, k)) {
    if (Math.abs(e.score - kth) > tol * Math.max(1, Math.abs(kth))) {
      assert.ok(matches.some((m) => m.id === e.id), `${what}: ${e.id} (${e.score}) missing from the results`);
    }
  }
}

export function cosine(a, b) { return score('cosine', a, b); }

// Deterministic pseudo-random numbers (mulberry32).
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export function randomVectors(n, dims, seed, prefix = 'v') {
  const r = rng(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const values = [];
    for (let j = 0; j < dims; j++) values.push(Math.round((r() * 2 - 1) * 1e4) / 1e4);
    out.push({ id: `${prefix}${String(i).padStart(4, '0')}`, values });
  }
  return out;
}
export function ndjson(records) {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
