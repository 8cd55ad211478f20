// Hostile and malformed requests against `semble serve`, sent raw (node:http, so that paths reach
// the server exactly as written). Every rejection must carry the v4 error envelope
// {result:null, success:false, errors:[{code,message}], messages:[]}, and after every rejected
// write the database must be unchanged.
// Run: SEMBLE_BINARY=build/semble node --test tests/server/hostile.test.mjs

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, ACCOUNT, ALIAS_MODEL, DEFAULT_MODEL, assertError, okResult, vz } from './harness.mjs';

// Raw HTTP/1.1 request; the path is sent byte for byte. body: object (JSON), string or Buffer.
// opts.chunked: send the body with Transfer-Encoding: chunked (no Content-Length).
// opts.expectContinue: send "Expect: 100-continue" and the body only once the server says so;
// the result's `continued` tells whether it did.
function raw(port, method, rawPath, body, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  let payload;
  if (body !== undefined) {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      payload = Buffer.isBuffer(body) ? body : Buffer.from(body);
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = opts.contentType ?? 'application/json';
    } else {
      payload = Buffer.from(JSON.stringify(body));
      headers['content-type'] = 'application/json';
    }
    if (!opts.chunked) headers['content-length'] = String(payload.length);
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.expectContinue) headers.expect = '100-continue';
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: rawPath, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json, continued: !!req.continued });
        if (opts.expectContinue && !req.continued) req.destroy();  // the body was never sent
      });
      res.on('error', reject);
    });
    req.on('error', (e) => reject(new Error(`${method} ${rawPath}: ${e.message}`)));
    if (opts.expectContinue) {
      // As curl does for large uploads: send the headers, and the body only after "100 Continue".
      req.on('continue', () => { req.continued = true; req.end(payload); });
      req.flushHeaders();
      return;
    }
    if (payload && opts.chunked) {
      for (let i = 0; i < payload.length; i += 65536) req.write(payload.subarray(i, i + 65536));
      req.end();
    } else {
      req.end(payload);
    }
  });
}

const IDX = 'hostile';
const BASE = [
  { id: 'a', values: [1, 0, 0], metadata: { genre: 'comedy', n: 1 } },
  { id: 'b', values: [0, 1, 0], metadata: { genre: 'drama', n: 2 }, namespace: 'ns' },
  { id: 'c', values: [0.5, 0.5, 0.5], metadata: { genre: 'horror', n: 3 } },
];
const ndjson = (recs) => recs.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

// Creates IDX with BASE in it; returns a function that checks the database is unchanged.
async function seed(port, token) {
  okResult(await raw(port, 'POST', vz(), { name: IDX, config: { dimensions: 3, metric: 'cosine' } }, { token }), 'create');
  okResult(await raw(port, 'POST', vz(IDX) + '/insert', ndjson(BASE), { token, contentType: 'application/x-ndjson' }), 'insert');
  let infoBefore = okResult(await raw(port, 'GET', vz(IDX) + '/info', undefined, { token }), 'info');
  assert.equal(infoBefore.vectorCount, BASE.length);
  const listBefore = okResult(await raw(port, 'GET', vz(), undefined, { token }), 'list').map((i) => i.name).sort();
  async function assertUnchanged(what) {
    const info = okResult(await raw(port, 'GET', vz(IDX) + '/info', undefined, { token }), `info after ${what}`);
    assert.equal(info.vectorCount, BASE.length, `vectorCount changed after ${what}`);
    assert.equal(info.dimensions, 3);
    assert.equal(info.processedUpToMutation, infoBefore.processedUpToMutation, `a mutation was applied by ${what}`);
    const got = okResult(await raw(port, 'POST', vz(IDX) + '/get_by_ids', { ids: ['a', 'b', 'c', 'n', 'x', 'good1', 'good2'] }, { token }), `get_by_ids after ${what}`);
    assert.deepEqual(got.map((v) => v.id).sort(), ['a', 'b', 'c'], `records changed after ${what}`);
    for (const v of got) {
      const want = BASE.find((r) => r.id === v.id);
      assert.deepEqual(v.values, want.values, `values of ${v.id} changed after ${what}`);
      assert.deepEqual(v.metadata, want.metadata, `metadata of ${v.id} changed after ${what}`);
    }
    const list = okResult(await raw(port, 'GET', vz(), undefined, { token }), 'list').map((i) => i.name).sort();
    assert.deepEqual(list, listBefore, `index list changed after ${what}`);
  }
  // After a test's own successful writes have been undone: checks the records, then takes the
  // current mutation watermark as the new baseline.
  assertUnchanged.rebase = async (what) => {
    const info = okResult(await raw(port, 'GET', vz(IDX) + '/info', undefined, { token }), `info after ${what}`);
    assert.ok(info.processedUpToMutation > infoBefore.processedUpToMutation,
      `mutation ids must sort in mutation order: ${infoBefore.processedUpToMutation} then ${info.processedUpToMutation}`);
    infoBefore = info;
    await assertUnchanged(what);
  };
  return assertUnchanged;
}

describe('without tokens', () => {
  let server;
  let port;
  let unchanged;
  before(async () => {
    server = await startServer();
    port = server.port;
    unchanged = await seed(port);
  });
  after(async () => { if (server) await server.stop(); });

  test('health and metrics', async () => {
    const h = await raw(port, 'GET', '/healthz');
    assert.equal(h.status, 200, h.text);
    const m = await raw(port, 'GET', '/metrics');
    assert.equal(m.status, 200, m.text);
    assert.match(m.headers['content-type'] || '', /^text\/plain/);
    assert.match(m.text, /^# (HELP|TYPE) /m, m.text.slice(0, 500));
  });

  test('malformed JSON bodies: 400 code 40001', async () => {
    const bad = ['{"name":', 'not json', '{"ids":["a"]', '[1,2', '', '{"vector":[1,0,0],}'];
    for (const [route, method] of [['', 'POST'], ['/query', 'POST'], ['/get_by_ids', 'POST'], ['/delete_by_ids', 'POST'],
      ['/metadata_index/create', 'POST']]) {
      for (const body of bad) {
        const p = route === '' ? vz() : vz(IDX) + route;
        const r = await raw(port, method, p, body);
        // An empty body is "missing" rather than malformed; either 40001 or 40000 is fine there.
        if (body === '') assertError(r, 400, undefined, `${p} empty body`);
        else assertError(r, 400, 40001, `${p} ${body}`);
      }
    }
    await unchanged('malformed JSON');
  });

  test('malformed NDJSON: 400 code 40002, nothing written; discard inserts the good lines', async () => {
    const body = ndjson([{ id: 'good1', values: [0, 0, 1] }, '{"id":"bad","values":[1,2', { id: 'good2', values: [1, 1, 0] }]);
    for (const op of ['insert', 'upsert']) {
      for (const q of ['', '?unparsable-behavior=error']) {
        const r = await raw(port, 'POST', vz(IDX) + `/${op}${q}`, body, { contentType: 'application/x-ndjson' });
        assertError(r, 400, 40002, `${op}${q}`);
        assert.match(r.json.errors[0].message, /line 2|record 2|2/, `the message should name the bad line: ${r.json.errors[0].message}`);
        await unchanged(`${op}${q} with a bad line`);
      }
    }
    const r = await raw(port, 'POST', vz(IDX) + '/insert?unparsable-behavior=discard', body, { contentType: 'application/x-ndjson' });
    const res = okResult(r, 'insert discard');
    assert.equal(res.mutationId.length, 36);
    const got = okResult(await raw(port, 'POST', vz(IDX) + '/get_by_ids', { ids: ['good1', 'good2', 'bad'] }), 'get');
    assert.deepEqual(got.map((v) => v.id).sort(), ['good1', 'good2']);
    assert.equal(okResult(await raw(port, 'GET', vz(IDX) + '/info'), 'info').vectorCount, BASE.length + 2);
    // A bad line in multipart too.
    const boundary = '----semble-test-boundary';
    const mp = `--${boundary}\r\nContent-Disposition: form-data; name="vectors"; filename="vectors.ndjson"\r\n` +
      `Content-Type: application/x-ndjson\r\n\r\n{"id":"x","values":[1,0,0]}\n{oops}\r\n--${boundary}--\r\n`;
    const m = await raw(port, 'POST', vz(IDX) + '/upsert', mp, { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    assertError(m, 400, 40002, 'multipart bad line');
    // Restore.
    okResult(await raw(port, 'POST', vz(IDX) + '/delete_by_ids', { ids: ['good1', 'good2'] }), 'delete');
    await unchanged.rebase('discard insert and its deletion');
  });

  test('wrong dimensions: insert 400 (40005), query 400 (40006)', async () => {
    for (const op of ['insert', 'upsert']) {
      let r = await raw(port, 'POST', vz(IDX) + `/${op}`, ndjson([{ id: 'x', values: [1, 0, 0] }, { id: 'n', values: [1, 0] }]),
        { contentType: 'application/x-ndjson' });
      assertError(r, 400, 40005, `${op} 2 dims`);
      r = await raw(port, 'POST', vz(IDX) + `/${op}`, { vectors: [{ id: 'n', values: [1, 0, 0, 0] }] });
      assertError(r, 400, 40005, `${op} JSON 4 dims`);
      r = await raw(port, 'POST', vz(IDX) + `/${op}`, ndjson([{ id: 'n', values: [] }]), { contentType: 'application/x-ndjson' });
      assertError(r, 400, undefined, `${op} 0 dims`);
    }
    await unchanged('wrong dimensions');
    for (const vector of [[1, 0], [1, 0, 0, 0], []]) {
      const r = await raw(port, 'POST', vz(IDX) + '/query', { vector, topK: 1 });
      assertError(r, 400, vector.length ? 40006 : undefined, `query ${vector.length} dims`);
    }
  });

  test('NaN, Infinity and non-numbers in vectors are rejected', async () => {
    const lines = [
      '{"id":"n","values":[1e999,0,0]}',
      '{"id":"n","values":[-1e999,0,0]}',
      '{"id":"n","values":[NaN,0,0]}',
      '{"id":"n","values":[Infinity,0,0]}',
      '{"id":"n","values":["1",0,0]}',
      '{"id":"n","values":[null,0,0]}',
      '{"id":"n","values":[3.5e38,0,0]}',  // beyond float32
      '{"id":"n","values":[[1],0,0]}',
    ];
    for (const line of lines) {
      for (const op of ['insert', 'upsert']) {
        const r = await raw(port, 'POST', vz(IDX) + `/${op}`, line + '\n', { contentType: 'application/x-ndjson' });
        assertError(r, 400, undefined, `${op} ${line}`);
      }
    }
    await unchanged('non-finite values');
    for (const body of ['{"vector":[1e999,0,0]}', '{"vector":[NaN,0,0]}', '{"vector":["a",0,0]}', '{"vector":[0,0,0]}']) {
      const r = await raw(port, 'POST', vz(IDX) + '/query', body);
      assertError(r, 400, undefined, `query ${body}`);
    }
  });

  test('record rules: metadata over 10 KiB (40016), bad ids and keys', async () => {
    const big = { id: 'n', values: [1, 0, 0], metadata: { blob: 'x'.repeat(10 * 1024 + 1) } };
    for (const op of ['insert', 'upsert']) {
      const r = await raw(port, 'POST', vz(IDX) + `/${op}`, ndjson([{ id: 'x', values: [0, 1, 1] }, big]), { contentType: 'application/x-ndjson' });
      assertError(r, 400, 40016, `${op} 10 KiB metadata`);
    }
    for (const rec of [
      { id: 'i'.repeat(65), values: [1, 0, 0] },
      { id: '', values: [1, 0, 0] },
      { values: [1, 0, 0] },
      { id: 7, values: [1, 0, 0] },
      { id: 'n', values: [1, 0, 0], namespace: 'n'.repeat(65) },
      { id: 'n', values: [1, 0, 0], metadata: { $bad: 1 } },
      { id: 'n', values: [1, 0, 0], metadata: { 'a.b': 1 } },
      { id: 'n', values: [1, 0, 0], metadata: { '': 1 } },
      { id: 'n', values: [1, 0, 0], metadata: [1, 2] },
      { id: 'n', values: [1, 0, 0], metadata: 'text' },
    ]) {
      const r = await raw(port, 'POST', vz(IDX) + '/upsert', ndjson([rec]), { contentType: 'application/x-ndjson' });
      assertError(r, 400, undefined, `upsert ${JSON.stringify(rec).slice(0, 100)}`);
    }
    await unchanged('bad records');
  });

  test('bad filters: 400 code 40003', async () => {
    const filters = [
      { $foo: 1 },
      { genre: { $foo: 1 } },
      { genre: { $in: 'comedy' } },
      { genre: ['comedy'] },
      { genre: { $eq: { nested: 1 } } },
      { $and: [] },
      { 'a.b.c': 1 },
      { genre: { $in: Array.from({ length: 300 }, (_, i) => `value-${i}`) } },  // > 2048 bytes
    ];
    assert.ok(JSON.stringify(filters[filters.length - 1]).length > 2048);
    for (const filter of filters) {
      const r = await raw(port, 'POST', vz(IDX) + '/query', { vector: [1, 0, 0], topK: 3, filter });
      assertError(r, 400, 40003, `filter ${JSON.stringify(filter).slice(0, 80)}`);
    }
    const r = await raw(port, 'POST', vz(IDX) + '/query', '{"vector":[1,0,0],"filter":"genre = comedy"}');
    assertError(r, 400, undefined, 'filter as a string');
  });

  test('an empty filter {} is no filter (what framework clients send)', async () => {
    const q = { vector: [1, 0, 0], topK: 3 };
    const plain = okResult(await raw(port, 'POST', vz(IDX) + '/query', q), 'no filter');
    const empty = okResult(await raw(port, 'POST', vz(IDX) + '/query', { ...q, filter: {} }), 'filter {}');
    assert.deepEqual(empty, plain);
  });

  test('query limits: topK 0 / 101 / 21 with values, no vector, both vector and vectorId', async () => {
    for (const body of [
      { vector: [1, 0, 0], topK: 0 },
      { vector: [1, 0, 0], topK: 101 },
      { vector: [1, 0, 0], topK: -1 },
      { vector: [1, 0, 0], topK: 1.5 },
      { vector: [1, 0, 0], topK: 21, returnValues: true },
      { vector: [1, 0, 0], topK: 21, returnMetadata: 'all' },
      { vector: [1, 0, 0], returnMetadata: 'some' },
      { topK: 3 },
      { vector: [1, 0, 0], vectorId: 'a' },
    ]) {
      const r = await raw(port, 'POST', vz(IDX) + '/query', body);
      assertError(r, 400, undefined, `query ${JSON.stringify(body)}`);
    }
    // Positive control: the limits themselves are fine.
    const r = await raw(port, 'POST', vz(IDX) + '/query', { vector: [1, 0, 0], topK: 20, returnValues: true, returnMetadata: 'all' });
    const res = okResult(r, 'topK 20');
    assert.equal(res.matches[0].id, 'a');
    assert.equal(res.count, BASE.length);
  });

  test('unknown index: 404 code 3000 on every route', async () => {
    const n = vz('no-such-index');
    for (const [method, p, body, ct] of [
      ['GET', n, undefined],
      ['DELETE', n, undefined],
      ['GET', n + '/info', undefined],
      ['POST', n + '/query', { vector: [1, 0, 0] }],
      ['POST', n + '/insert', ndjson([BASE[0]]), 'application/x-ndjson'],
      ['POST', n + '/upsert', ndjson([BASE[0]]), 'application/x-ndjson'],
      ['POST', n + '/get_by_ids', { ids: ['a'] }],
      ['POST', n + '/delete_by_ids', { ids: ['a'] }],
      ['GET', n + '/list', undefined],
      ['GET', n + '/metadata_index/list', undefined],
      ['POST', n + '/metadata_index/create', { propertyName: 'genre', indexType: 'string' }],
      ['POST', n + '/metadata_index/delete', { propertyName: 'genre' }],
    ]) {
      const r = await raw(port, method, p, body, { contentType: ct });
      const e = assertError(r, 404, 3000, `${method} ${p}`);
      assert.match(e.message, /no-such-index/);
    }
    await unchanged('unknown index');
  });

  test('unknown routes: 404 code 7000; wrong method: 404/405 envelope', async () => {
    for (const p of ['/nope', '/client/v4/nope', `/client/v4/accounts/${ACCOUNT}/vectorize/v2/nope`,
      `/client/v4/accounts/${ACCOUNT}/vectorize/v2/indexes/${IDX}/nope`, `/client/v4/accounts/${ACCOUNT}/d1/database`]) {
      assertError(await raw(port, 'GET', p), 404, 7000, p);
    }
    for (const [method, p] of [['PUT', vz()], ['PATCH', vz(IDX)], ['GET', vz(IDX) + '/query'], ['DELETE', vz(IDX) + '/info']]) {
      const r = await raw(port, method, p);
      assert.ok(r.status === 404 || r.status === 405, `${method} ${p}: ${r.status} ${r.text}`);
      assertError(r, r.status, undefined, `${method} ${p}`);
    }
    // Account ids outside [A-Za-z0-9_-]{1,64}.
    for (const acct of ['a'.repeat(65), 'a%20b', 'a.b']) {
      const r = await raw(port, 'GET', `/client/v4/accounts/${acct}/vectorize/v2/indexes`);
      assert.ok(r.status === 400 || r.status === 404, `account ${acct}: ${r.status}`);
      assertError(r, r.status, undefined, `account ${acct}`);
    }
    await unchanged('wrong methods');
  });

  test('path traversal and bad names: 400 or 404, never 200 or 500', async () => {
    const a = `/client/v4/accounts/${ACCOUNT}/vectorize/v2/indexes`;
    const paths = [
      `${a}/..%2F..%2Fetc/info`,
      `${a}/%2e%2e/info`,
      `${a}/%2E%2E%2F%2E%2E%2F/info`,
      `${a}/..%2f${IDX}/info`,
      `${a}/${IDX}%2F..%2F${IDX}/info`,
      `${a}/.%2e/info`,
      `${a}/..\\..\\etc/info`,
      `${a}/${IDX}%00/info`,
      `${a}/%252e%252e/info`,
      `${a}/../${IDX}/info`,
      `/client/v4/accounts/..%2F..%2F/vectorize/v2/indexes`,
      `/client/v4/accounts/${ACCOUNT}/vectorize/v2/indexes/${'x'.repeat(5000)}/info`,
      `/client/v4/accounts/${ACCOUNT}/vectorize/v2/indexes/%ZZ/info`,
    ];
    for (const p of paths) {
      for (const method of ['GET', 'DELETE']) {
        const r = await raw(port, method, p);
        assert.ok(r.status === 400 || r.status === 404 || r.status === 405, `${method} ${p.slice(0, 120)}: ${r.status} ${r.text.slice(0, 200)}`);
        assertError(r, r.status, undefined, `${method} ${p.slice(0, 120)}`);
      }
    }
    for (const name of ['../evil', 'a/b', '..', '.', 'UPPER', 'has space', '', 'x'.repeat(65), 'a\u0000b', '-lead', 'é']) {
      const r = await raw(port, 'POST', vz(), { name, config: { dimensions: 3, metric: 'cosine' } });
      assertError(r, 400, undefined, `create ${JSON.stringify(name)}`);
    }
    assert.ok(!fs.existsSync(path.join(server.dataDir, '..', 'evil')), 'an index escaped the data directory');
    await unchanged('path traversal');
  });

  test('bad index configs are 400', async () => {
    for (const config of [
      { dimensions: 0, metric: 'cosine' },
      { dimensions: 1537, metric: 'cosine' },
      { dimensions: 3.5, metric: 'cosine' },
      { dimensions: '3', metric: 'cosine' },
      { dimensions: 3, metric: 'manhattan' },
      { metric: 'cosine' },
      { preset: '@cf/unknown/model' },
      {},
    ]) {
      const r = await raw(port, 'POST', vz(), { name: 'cfg-test', config });
      assertError(r, 400, undefined, `config ${JSON.stringify(config)}`);
    }
    await unchanged('bad configs');
  });

  test('Workers AI run: model path raw or percent-encoded; bad inputs', async () => {
    const acct = `/client/v4/accounts/${ACCOUNT}/ai/run`;
    for (const p of [`${acct}/${ALIAS_MODEL}`, `${acct}/${encodeURIComponent(ALIAS_MODEL)}`,
      `${acct}/@cf%2Fbaai%2Fbge-small-en-v1.5`, `${acct}/${DEFAULT_MODEL}`]) {
      const res = okResult(await raw(port, 'POST', p, { text: ['hello', 'world'] }), p);
      assert.deepEqual(res.shape, [2, 384], p);
      assert.equal(res.data[1].length, 384);
    }
    for (const body of [{ text: [] }, { text: 5 }, {}, { text: [''] }, { text: ['a', 7] }, { text: 'x', pooling: 'max' }]) {
      assertError(await raw(port, 'POST', `${acct}/${ALIAS_MODEL}`, body), 400, undefined, `ai.run ${JSON.stringify(body)}`);
    }
    assertError(await raw(port, 'POST', `${acct}/${ALIAS_MODEL}`, '{"text":'), 400, 40001, 'ai.run malformed');
    const e = assertError(await raw(port, 'POST', `${acct}/@cf/meta/llama-3-8b-instruct`, { text: 'x' }), 404, 5007, 'unknown model');
    assert.match(e.message, new RegExp(DEFAULT_MODEL));
    const o = await raw(port, 'POST', '/v1/embeddings', { model: 'nope', input: 'x' });
    assert.equal(o.status, 404, o.text);
    assert.match(o.text, new RegExp(DEFAULT_MODEL));
  });

  test('slow and odd clients: chunked bodies, pipelined keep-alive, concurrent requests', async () => {
    // Chunked NDJSON insert (the cloudflare SDK sends file streams this way).
    const recs = Array.from({ length: 50 }, (_, i) => ({ id: `ch${i}`, values: [i + 1, 1, 0] }));
    const res = okResult(await raw(port, 'POST', vz(IDX) + '/insert', ndjson(recs), { contentType: 'application/x-ndjson', chunked: true }), 'chunked insert');
    assert.equal(res.mutationId.length, 36);
    assert.equal(okResult(await raw(port, 'GET', vz(IDX) + '/info'), 'info').vectorCount, BASE.length + 50);
    okResult(await raw(port, 'POST', vz(IDX) + '/delete_by_ids', { ids: recs.map((r) => r.id) }, { chunked: true }), 'chunked delete');
    // 40 concurrent queries all answer correctly.
    const answers = await Promise.all(Array.from({ length: 40 }, () => raw(port, 'POST', vz(IDX) + '/query', { vector: [0, 1, 0], topK: 1 })));
    for (const a of answers) assert.equal(okResult(a, 'concurrent query').matches[0].id, 'b');
    await unchanged.rebase('chunked and concurrent requests');
  });
});

test('Expect: 100-continue (curl sends it for large uploads)', async () => {
  const server = await startServer({ maxBodyBytes: 1048576 });
  try {
    const unchanged = await seed(server.port);
    const recs = Array.from({ length: 2000 }, (_, i) => ({ id: `e${i}`, values: [1, i, 2] }));
    const body = ndjson(recs);
    assert.ok(body.length > 50000 && body.length < 1048576);
    const t0 = Date.now();
    const r = await raw(server.port, 'POST', vz(IDX) + '/insert', body, { contentType: 'application/x-ndjson', expectContinue: true });
    okResult(r, 'insert with Expect: 100-continue');
    assert.ok(r.continued, 'the server did not answer 100 Continue');
    assert.ok(Date.now() - t0 < 900, `took ${Date.now() - t0} ms (curl waits 1 s for 100 Continue)`);
    assert.equal(okResult(await raw(server.port, 'GET', vz(IDX) + '/info'), 'info').vectorCount, BASE.length + recs.length);
    okResult(await raw(server.port, 'POST', vz(IDX) + '/delete_by_ids', { ids: recs.map((x) => x.id) }), 'delete');
    await unchanged.rebase('100-continue insert and delete');
  } finally {
    await server.stop();
  }
});

// RFC 9110 15.2.1: a server that will refuse the body should answer the final status instead of
// 100 Continue.
test('Expect: 100-continue with a body over the limit: 413 instead of 100', async () => {
  const server = await startServer({ maxBodyBytes: 1048576 });
  try {
    const unchanged = await seed(server.port);
    const big = Buffer.alloc(2 << 20, 0x20);
    const t = await raw(server.port, 'POST', vz(IDX) + '/insert', big, { contentType: 'application/x-ndjson', expectContinue: true });
    assertError(t, 413, 40013, 'oversize with Expect: 100-continue');
    assert.equal(t.continued, false, 'the server asked for a body it refuses');
    await unchanged('oversize 100-continue');
  } finally {
    await server.stop();
  }
});

describe('with --max-body-bytes 1048576', () => {
  let server;
  let port;
  let unchanged;
  before(async () => {
    server = await startServer({ maxBodyBytes: 1048576 });
    port = server.port;
    unchanged = await seed(port);
  });
  after(async () => { if (server) await server.stop(); });

  test('a 2 MiB body is 413 code 40013, with Content-Length and chunked', async () => {
    const line = JSON.stringify({ id: 'x', values: [1, 0, 0], metadata: { pad: 'p'.repeat(900) } }) + '\n';
    const body = line.repeat(Math.ceil((2 << 20) / line.length));
    assert.ok(body.length >= 2 << 20);
    // Repeated: a server that closes the connection with the rest of the body unread makes the
    // client's kernel see a reset, and the client an EPIPE/ECONNRESET instead of the 413, on some
    // runs only. The 413 must reach the client every time (read and discard, or lingering close).
    for (let round = 0; round < 5; round++) {
      for (const chunked of [false, true]) {
        for (const op of ['insert', 'upsert']) {
          const what = `${op} 2 MiB chunked=${chunked} round ${round}`;
          const r = await raw(port, 'POST', vz(IDX) + `/${op}`, body, { contentType: 'application/x-ndjson', chunked })
            .catch((e) => assert.fail(`${what}: the client got ${e.message} instead of the 413`));
          assertError(r, 413, 40013, what);
        }
      }
    }
    const q = await raw(port, 'POST', vz(IDX) + '/query', JSON.stringify({ vector: [1, 0, 0], pad: 'p'.repeat(2 << 20) }));
    assertError(q, 413, 40013, 'query 2 MiB');
    await unchanged('oversize bodies');
    // Just under the limit is accepted.
    const small = [];
    let size = 0;
    for (let i = 0; size < 900000; i++) {
      const l = JSON.stringify({ id: `s${i}`, values: [1, i, 0], metadata: { pad: 'p'.repeat(900) } }) + '\n';
      small.push(l);
      size += l.length;
    }
    okResult(await raw(port, 'POST', vz(IDX) + '/insert', small.join(''), { contentType: 'application/x-ndjson' }), '900 KB insert');
    assert.equal(okResult(await raw(port, 'GET', vz(IDX) + '/info'), 'info').vectorCount, BASE.length + small.length);
  });
});

describe('with --tokens-file', () => {
  const WRITE = 'write-token-0123456789abcdef';
  const READ = 'read-token-0123456789abcdef0';
  let server;
  let port;
  let unchanged;
  before(async () => {
    server = await startServer({ tokens: `# semble tokens\nwrite ${WRITE}\n\n  # read-only\nread ${READ}\n` });
    port = server.port;
    unchanged = await seed(port, WRITE);
  });
  after(async () => { if (server) await server.stop(); });

  const writes = () => [
    ['POST', vz(), { name: 'new-index', config: { dimensions: 3, metric: 'cosine' } }],
    ['DELETE', vz(IDX)],
    ['POST', vz(IDX) + '/insert', ndjson([{ id: 'x', values: [1, 1, 1] }]), 'application/x-ndjson'],
    ['POST', vz(IDX) + '/upsert', ndjson([{ id: 'a', values: [1, 1, 1] }]), 'application/x-ndjson'],
    ['POST', vz(IDX) + '/delete_by_ids', { ids: ['a'] }],
    ['POST', vz(IDX) + '/metadata_index/create', { propertyName: 'genre', indexType: 'string' }],
  ];
  const reads = () => [
    ['GET', vz()],
    ['GET', vz(IDX)],
    ['GET', vz(IDX) + '/info'],
    ['POST', vz(IDX) + '/query', { vector: [1, 0, 0], topK: 2 }],
    ['POST', vz(IDX) + '/get_by_ids', { ids: ['a'] }],
    ['GET', vz(IDX) + '/list'],
    ['GET', vz(IDX) + '/metadata_index/list'],
    ['POST', `/client/v4/accounts/${ACCOUNT}/ai/run/${DEFAULT_MODEL}`, { text: 'hi' }],
    ['POST', '/v1/embeddings', { model: DEFAULT_MODEL, input: 'hi' }],
    ['POST', `/client/v4/accounts/${ACCOUNT}/ai/v1/embeddings`, { model: DEFAULT_MODEL, input: 'hi' }],
  ];

  test('missing or wrong token: 401 code 10000', async () => {
    for (const [method, p, body, ct] of [...writes(), ...reads()]) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abcdef' }, { authorization: `Basic ${Buffer.from('u:' + WRITE).toString('base64')}` },
        { authorization: `Bearer ${WRITE}x` }, { authorization: `Bearer ${WRITE.slice(0, -1)}` }, { authorization: 'Bearer' }, { authorization: WRITE }]) {
        const r = await raw(port, method, p, body, { contentType: ct, headers });
        if (p.startsWith('/v1/') || p.includes('/ai/v1/')) {
          // OpenAI's routes answer in OpenAI's error shape, which its clients read.
          assert.equal(r.status, 401, `${method} ${p} ${JSON.stringify(headers)}: ${r.status} ${r.text}`);
          assert.equal(r.json?.error?.type, 'authentication_error', `${method} ${p}: ${r.text}`);
          assert.equal(typeof r.json?.error?.message, 'string', `${method} ${p}: ${r.text}`);
        } else {
          assertError(r, 401, 10000, `${method} ${p} ${JSON.stringify(headers)}`);
        }
      }
    }
    await unchanged('unauthenticated requests');
  });

  test('read token on a write route: 403 code 10000; on reads: 200', async () => {
    for (const [method, p, body, ct] of writes()) {
      assertError(await raw(port, method, p, body, { contentType: ct, token: READ }), 403, 10000, `read token ${method} ${p}`);
    }
    await unchanged('read token writes');
    for (const [method, p, body, ct] of reads()) {
      const r = await raw(port, method, p, body, { contentType: ct, token: READ });
      assert.equal(r.status, 200, `read token ${method} ${p}: ${r.status} ${r.text.slice(0, 300)}`);
    }
    const q = okResult(await raw(port, 'POST', vz(IDX) + '/query', { vector: [0, 1, 0], topK: 1 }, { token: READ }), 'query');
    assert.equal(q.matches[0].id, 'b');
  });

  test('write token can do everything', async () => {
    for (const [method, p, body, ct] of reads()) {
      const r = await raw(port, method, p, body, { contentType: ct, token: WRITE });
      assert.equal(r.status, 200, `write token ${method} ${p}: ${r.status} ${r.text.slice(0, 300)}`);
    }
    okResult(await raw(port, 'POST', vz(), { name: 'tok-new', config: { dimensions: 2, metric: 'euclidean' } }, { token: WRITE }), 'create');
    okResult(await raw(port, 'POST', vz('tok-new') + '/insert', '{"id":"p","values":[1,2]}\n', { token: WRITE, contentType: 'application/x-ndjson' }), 'insert');
    const info = okResult(await raw(port, 'GET', vz('tok-new') + '/info', undefined, { token: READ }), 'info');
    assert.equal(info.vectorCount, 1);
    okResult(await raw(port, 'DELETE', vz('tok-new'), undefined, { token: WRITE }), 'delete');
    assertError(await raw(port, 'GET', vz('tok-new'), undefined, { token: READ }), 404, 3000, 'deleted');
    await unchanged('write token round trip (create, insert, delete of another index)');
  });
});
