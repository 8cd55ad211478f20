// Development server for the console (not used by the test): serves web/ as `semble serve` does
// (GET / -> web/index.html, GET /console/<file> -> web/<file>) and proxies every other request to a
// running `semble serve`. When the upstream has no POST …/indexes/{name}/map route (404, code 7000),
// it answers with a mock computed from the upstream's own list/get_by_ids/query/ai.run routes.
//
//   node tests/web/dev-server.mjs --upstream http://127.0.0.1:8080 [--port 8090] [--mock-map]
// --mock-map always answers /map with the mock.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '../../web');
const arg = (name, def) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; };
const upstream = arg('--upstream', 'http://127.0.0.1:8080');
const port = Number(arg('--port', '8090'));
const alwaysMock = process.argv.includes('--mock-map');

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png' };

function serveStatic(res, file) {
  const full = path.join(webDir, file);
  if (!full.startsWith(webDir + path.sep) || !fs.existsSync(full) || !fs.statSync(full).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found'); return;
  }
  res.writeHead(200, { 'content-type': TYPES[path.extname(full)] || 'application/octet-stream', 'cache-control': 'no-store' });
  fs.createReadStream(full).pipe(res);
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

function envelope(res, status, result, errors = []) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ result, success: errors.length === 0, errors, messages: [] }));
}

// ---- the mock map -----------------------------------------------------------------------------

async function up(method, p, body, auth) {
  const headers = { 'content-type': 'application/json' };
  if (auth) headers.authorization = auth;
  const r = await fetch(upstream + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const j = await r.json();
  if (!j.success && !j.shape) { const e = new Error('upstream'); e.status = r.status; e.json = j; throw e; }
  return j.result ?? j;
}

function pca2(rows) {
  const n = rows.length; const d = rows[0].length;
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / n;
  const X = rows.map((r) => Float64Array.from(r, (v, j) => v - mean[j]));
  let total = 0;
  for (const r of X) for (let j = 0; j < d; j++) total += r[j] * r[j];
  const comps = []; const vars = [];
  for (let c = 0; c < 2; c++) {
    let v = Float64Array.from({ length: d }, (_, j) => Math.sin(j * 12.9898 + c * 78.233));
    for (let it = 0; it < 60; it++) {
      const w = new Float64Array(d);
      for (const r of X) {
        let s = 0; for (let j = 0; j < d; j++) s += r[j] * v[j];
        for (let j = 0; j < d; j++) w[j] += s * r[j];
      }
      for (const u of comps) { let s = 0; for (let j = 0; j < d; j++) s += w[j] * u[j]; for (let j = 0; j < d; j++) w[j] -= s * u[j]; }
      const norm = Math.hypot(...w) || 1;
      v = w.map((x) => x / norm);
    }
    let lambda = 0;
    for (const r of X) { let s = 0; for (let j = 0; j < d; j++) s += r[j] * v[j]; lambda += s * s; }
    comps.push(v); vars.push(total ? lambda / total : 0);
  }
  const project = (vec) => comps.map((u) => { let s = 0; for (let j = 0; j < d; j++) s += (vec[j] - mean[j]) * u[j]; return s; });
  return { project, vars };
}

async function mockMap(name, body, auth) {
  const base = `/client/v4/accounts/local/vectorize/v2/indexes/${encodeURIComponent(name)}`;
  const sample = Math.min(body.sample ?? 1000, 5000);
  const ix = await up('GET', base, undefined, auth);
  const ids = []; let cursor; let totalCount = 0;
  while (ids.length < sample) {
    const page = await up('GET', `${base}/list?count=${Math.min(1000, sample - ids.length)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, auth);
    totalCount = page.totalCount;
    ids.push(...page.vectors.map((v) => v.id));
    if (!page.isTruncated) break;
    cursor = page.nextCursor;
  }
  let records = ids.length ? await up('POST', `${base}/get_by_ids`, { ids }, auth) : [];
  if (body.namespace) records = records.filter((r) => r.namespace === body.namespace);
  const result = { method: 'pca', explainedVariance: [0, 0], count: records.length, totalCount, points: [], query: null, matches: [] };
  if (!records.length) return result;
  const { project, vars } = pca2(records.map((r) => r.values));
  result.explainedVariance = vars;
  result.points = records.map((r) => {
    const [x, y] = project(r.values);
    const p = { id: r.id, x, y };
    if (r.namespace) p.namespace = r.namespace;
    if (r.metadata && Object.keys(r.metadata).length) p.metadata = r.metadata;
    return p;
  });
  let qvec = null;
  if (body.text !== undefined) {
    const e = await up('POST', `/client/v4/accounts/local/ai/run/${ix.config.model}`, { text: [body.text] }, auth);
    qvec = e.data[0];
  } else if (body.vectorId !== undefined) {
    const [r] = await up('POST', `${base}/get_by_ids`, { ids: [body.vectorId] }, auth);
    if (!r) { const err = new Error('not found'); err.status = 404; err.json = { success: false, errors: [{ code: 40000, message: `vector "${body.vectorId}" not found` }] }; throw err; }
    qvec = r.values;
  } else if (body.vector !== undefined) qvec = body.vector;
  if (qvec) {
    const [x, y] = project(qvec);
    result.query = { x, y };
    const q = { vector: qvec, topK: Math.min(body.topK ?? 10, 20), returnValues: true };
    if (body.filter) q.filter = body.filter;
    if (body.namespace) q.namespace = body.namespace;
    const r = await up('POST', `${base}/query`, q, auth);
    result.matches = r.matches.map((m) => { const [mx, my] = project(m.values); return { id: m.id, score: m.score, x: mx, y: my }; });
  }
  return result;
}

// ---- server -----------------------------------------------------------------------------------

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'GET' && url.pathname === '/') return serveStatic(res, 'index.html');
    if (req.method === 'GET' && url.pathname.startsWith('/console/')) return serveStatic(res, url.pathname.slice('/console/'.length));
    const body = await readBody(req);
    const m = /^\/client\/v4\/accounts\/[^/]+\/vectorize\/v2\/indexes\/([^/]+)\/map$/.exec(url.pathname);
    const headers = {};
    for (const h of ['authorization', 'content-type', 'accept']) if (req.headers[h]) headers[h] = req.headers[h];
    if (!(m && alwaysMock)) {
      const r = await fetch(upstream + req.url, { method: req.method, headers, body: ['GET', 'HEAD'].includes(req.method) ? undefined : body });
      const text = Buffer.from(await r.arrayBuffer());
      const noRoute = m && r.status === 404 && /"code":7000/.test(text.toString());
      if (!noRoute) {
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') || 'application/json' });
        res.end(text);
        return;
      }
    }
    try {
      await new Promise((r) => setTimeout(r, 150));   // a little latency, as a real server has
      envelope(res, 200, await mockMap(decodeURIComponent(m[1]), JSON.parse(body.toString() || '{}'), req.headers.authorization));
    } catch (e) {
      if (e.json) { res.writeHead(e.status || 400, { 'content-type': 'application/json' }); res.end(JSON.stringify(e.json)); }
      else envelope(res, 500, null, [{ code: 1000, message: `mock map: ${e.message}` }]);
    }
  } catch (e) {
    envelope(res, 502, null, [{ code: 1000, message: `dev server: ${e.message}` }]);
  }
});
server.listen(port, '127.0.0.1', () => console.error(`console dev server on http://127.0.0.1:${server.address().port} -> ${upstream}`));
