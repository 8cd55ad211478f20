// The official `cloudflare` npm SDK (pinned in package.json) against `semble serve`: every
// client.vectorize.indexes.* method, metadata indexes, filters, namespaces, Workers AI embeddings
// and the SDK's error objects. Run: SEMBLE_BINARY=build/semble node --test tests/server/cloudflare_sdk.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Cloudflare from 'cloudflare';
import {
  startServer, ACCOUNT, ALIAS_MODEL, DEFAULT_MODEL, assertTopK, score, f32, cosine, cliEmbed,
  randomVectors, ndjson, waitFor,
} from './harness.mjs';

const TOKEN = 'sdk-test-token-0123456789abcdef';
const account_id = ACCOUNT;
const DIMS = 8;
const METRICS = ['cosine', 'euclidean', 'dot-product'];
const GENRES = ['comedy', 'drama', 'horror'];

let server;
let client;

// 60 records with metadata; every third in namespace "ns-a", every fifth in "ns-b".
function makeRecords(prefix, n = 60, seed = 7) {
  return randomVectors(n, DIMS, seed, prefix).map((r, i) => {
    const rec = {
      ...r,
      metadata: { genre: GENRES[i % 3], year: 1980 + i, rated: i % 2 === 0, title: `${prefix} title ${i}` },
    };
    if (i % 3 === 0) rec.namespace = 'ns-a';
    else if (i % 5 === 0) rec.namespace = 'ns-b';
    return rec;
  });
}

function idxName(metric) { return `sdk-${metric}`; }

before(async () => {
  server = await startServer();
  client = new Cloudflare({ apiToken: TOKEN, baseURL: `${server.url}/client/v4` });
});

after(async () => {
  if (server) await server.stop();
});

function assertValuesClose(got, want, what) {
  assert.equal(got.length, want.length, `${what}: length`);
  const w = f32(want);
  for (let i = 0; i < w.length; i++) {
    assert.ok(Math.abs(got[i] - w[i]) <= 1e-6 * Math.max(1, Math.abs(w[i])), `${what}[${i}]: ${got[i]} != ${w[i]}`);
  }
}

async function listAllIndexes() {
  const names = [];
  for await (const idx of client.vectorize.indexes.list({ account_id })) names.push(idx);
  return names;
}

async function info(name) {
  return client.vectorize.indexes.info(name, { account_id });
}

test('create with dimensions and metric, get, list', async () => {
  const before = Date.now();
  for (const metric of METRICS) {
    const created = await client.vectorize.indexes.create({
      account_id, name: idxName(metric), description: `sdk ${metric}`, config: { dimensions: DIMS, metric },
    });
    assert.equal(created.name, idxName(metric));
    assert.equal(created.description, `sdk ${metric}`);
    assert.equal(created.config.dimensions, DIMS);
    assert.equal(created.config.metric, metric);
    for (const field of ['created_on', 'modified_on']) {
      const t = Date.parse(created[field]);
      assert.ok(Number.isFinite(t), `${field} is not an ISO 8601 time: ${created[field]}`);
      assert.ok(t >= before - 60000 && t <= Date.now() + 60000, `${field} ${created[field]} is not now`);
    }
    const got = await client.vectorize.indexes.get(idxName(metric), { account_id });
    assert.equal(got.name, idxName(metric));
    assert.equal(got.config.dimensions, DIMS);
    assert.equal(got.config.metric, metric);
    assert.equal(got.description, `sdk ${metric}`);
    assert.equal(got.created_on, created.created_on);
  }
  const listed = await listAllIndexes();
  for (const metric of METRICS) {
    const e = listed.find((i) => i.name === idxName(metric));
    assert.ok(e, `list lacks ${idxName(metric)}: ${JSON.stringify(listed)}`);
    assert.equal(e.config.dimensions, DIMS);
    assert.equal(e.config.metric, metric);
  }
});

test('create with a preset', async () => {
  const created = await client.vectorize.indexes.create({
    account_id, name: 'sdk-preset', config: { preset: '@cf/baai/bge-small-en-v1.5' },
  });
  assert.equal(created.name, 'sdk-preset');
  assert.equal(created.config.dimensions, 384);
  assert.equal(created.config.metric, 'cosine');
  const i = await info('sdk-preset');
  assert.equal(i.dimensions, 384);
  assert.equal(i.vectorCount, 0);
});

test('duplicate create is APIError 409 code 3002; unknown index is 404 code 3000', async () => {
  await assert.rejects(
    client.vectorize.indexes.create({ account_id, name: idxName('cosine'), config: { dimensions: 3, metric: 'cosine' } },
      { maxRetries: 0 }),
    (err) => {
      assert.ok(err instanceof Cloudflare.APIError, `not an APIError: ${err}`);
      assert.equal(err.status, 409, String(err));
      assert.equal(err.errors[0].code, 3002, JSON.stringify(err.errors));
      return true;
    });
  // The failed create left the index as it was.
  const got = await client.vectorize.indexes.get(idxName('cosine'), { account_id });
  assert.equal(got.config.dimensions, DIMS);

  for (const call of [
    () => client.vectorize.indexes.get('no-such-index', { account_id }),
    () => client.vectorize.indexes.info('no-such-index', { account_id }),
    () => client.vectorize.indexes.query('no-such-index', { account_id, vector: [1, 2, 3] }),
    () => client.vectorize.indexes.delete('no-such-index', { account_id }),
    () => client.vectorize.indexes.insert('no-such-index', { account_id, body: '{"id":"a","values":[1]}\n' }),
  ]) {
    await assert.rejects(call(), (err) => {
      assert.ok(err instanceof Cloudflare.NotFoundError, `not a NotFoundError: ${err}`);
      assert.equal(err.status, 404);
      assert.equal(err.errors[0].code, 3000, JSON.stringify(err.errors));
      assert.match(err.errors[0].message, /no-such-index/);
      return true;
    });
  }
});

test('insert (NDJSON string body), info, getByIDs', async () => {
  for (const metric of METRICS) {
    const name = idxName(metric);
    const records = makeRecords('r');
    const res = await client.vectorize.indexes.insert(name, { account_id, body: ndjson(records) });
    assert.equal(typeof res.mutationId, 'string');
    assert.equal(res.mutationId.length, 36, `mutationId ${res.mutationId}`);
    const i = await waitFor(() => info(name), (x) => x.processedUpToMutation === res.mutationId, `${name} mutation`);
    assert.equal(i.vectorCount, records.length);
    assert.equal(i.dimensions, DIMS);
    assert.ok(Number.isFinite(Date.parse(i.processedUpToDatetime)), `processedUpToDatetime ${i.processedUpToDatetime}`);

    const ids = ['r0000', 'r0003', 'r0010', 'r0059', 'missing-id'];
    const got = await client.vectorize.indexes.getByIDs(name, { account_id, ids });
    assert.ok(Array.isArray(got), JSON.stringify(got));
    assert.deepEqual(got.map((v) => v.id).sort(), ['r0000', 'r0003', 'r0010', 'r0059']);
    for (const v of got) {
      const rec = records.find((r) => r.id === v.id);
      assertValuesClose(v.values, rec.values, `${name} ${v.id} values`);
      assert.deepEqual(v.metadata, rec.metadata);
      if (rec.namespace) assert.equal(v.namespace, rec.namespace);
      else assert.ok(v.namespace === undefined || v.namespace === null || v.namespace === '', `namespace ${v.namespace}`);
    }
  }
});

test('insert keeps the first write; upsert replaces whole records', async () => {
  const name = idxName('cosine');
  const records = makeRecords('r');
  const before = (await info(name)).vectorCount;
  // Insert an existing id with other values, and a new id.
  const res = await client.vectorize.indexes.insert(name, {
    account_id,
    body: ndjson([{ id: 'r0001', values: [1, 1, 1, 1, 1, 1, 1, 1], metadata: { genre: 'x' } },
      { id: 'new-1', values: [1, 0, 0, 0, 0, 0, 0, 1] }]),
  });
  await waitFor(() => info(name), (x) => x.processedUpToMutation === res.mutationId, 'insert');
  assert.equal((await info(name)).vectorCount, before + 1);
  let [v] = await client.vectorize.indexes.getByIDs(name, { account_id, ids: ['r0001'] });
  assertValuesClose(v.values, records[1].values, 'r0001 after insert');
  assert.deepEqual(v.metadata, records[1].metadata);

  // Upsert replaces values and metadata and namespace; no metadata given = none kept.
  const up = await client.vectorize.indexes.upsert(name, {
    account_id,
    body: ndjson([{ id: 'r0001', values: [0.5, -0.5, 0.25, 0, 0, 0, 0, 1], namespace: 'ns-c' },
      { id: 'new-1', values: [0, 1, 0, 0, 0, 0, 0, 1], metadata: { genre: 'upserted' } }]),
  });
  assert.equal(up.mutationId.length, 36);
  await waitFor(() => info(name), (x) => x.processedUpToMutation === up.mutationId, 'upsert');
  assert.equal((await info(name)).vectorCount, before + 1);
  const got = await client.vectorize.indexes.getByIDs(name, { account_id, ids: ['r0001', 'new-1'] });
  v = got.find((x) => x.id === 'r0001');
  assertValuesClose(v.values, [0.5, -0.5, 0.25, 0, 0, 0, 0, 1], 'r0001 after upsert');
  assert.ok(v.metadata === undefined || v.metadata === null || Object.keys(v.metadata).length === 0,
    `upsert must not merge metadata: ${JSON.stringify(v.metadata)}`);
  assert.equal(v.namespace, 'ns-c');
  const n = got.find((x) => x.id === 'new-1');
  assertValuesClose(n.values, [0, 1, 0, 0, 0, 0, 0, 1], 'new-1 after upsert');
  assert.deepEqual(n.metadata, { genre: 'upserted' });

  // Restore the original r0001 and drop new-1 so later tests see the 60 records.
  const restore = await client.vectorize.indexes.upsert(name, { account_id, body: ndjson([records[1]]) });
  const del = await client.vectorize.indexes.deleteByIDs(name, { account_id, ids: ['new-1'] });
  assert.equal(del.mutationId.length, 36);
  assert.notEqual(del.mutationId, restore.mutationId);
  await waitFor(() => info(name), (x) => x.processedUpToMutation === del.mutationId, 'restore');
  assert.equal((await info(name)).vectorCount, before);
});

test('insert and upsert with a file stream body (chunked) and a File body', async () => {
  const name = 'sdk-stream';
  await client.vectorize.indexes.create({ account_id, name, config: { dimensions: DIMS, metric: 'euclidean' } });
  const records = randomVectors(300, DIMS, 99, 's');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'semble-sdk-'));
  try {
    const file = path.join(tmp, 'vectors.ndjson');
    fs.writeFileSync(file, ndjson(records.slice(0, 200)));
    const a = await client.vectorize.indexes.insert(name, { account_id, body: fs.createReadStream(file) });
    await waitFor(() => info(name), (x) => x.processedUpToMutation === a.mutationId, 'stream insert');
    assert.equal((await info(name)).vectorCount, 200);
    const b = await client.vectorize.indexes.upsert(name, {
      account_id,
      body: new File([ndjson(records.slice(150))], 'vectors.ndjson', { type: 'application/x-ndjson' }),
    });
    await waitFor(() => info(name), (x) => x.processedUpToMutation === b.mutationId, 'File upsert');
    assert.equal((await info(name)).vectorCount, 300);
    const got = await client.vectorize.indexes.getByIDs(name, { account_id, ids: ['s0000', 's0199', 's0299'] });
    assert.equal(got.length, 3);
    for (const v of got) assertValuesClose(v.values, records.find((r) => r.id === v.id).values, v.id);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('query by vector: scores and order equal brute force for every metric', async () => {
  const records = makeRecords('r');
  const queries = randomVectors(4, DIMS, 12345, 'q');
  for (const metric of METRICS) {
    const name = idxName(metric);
    for (const q of queries) {
      const res = await client.vectorize.indexes.query(name, { account_id, vector: q.values, topK: 10 });
      assert.equal(res.count, res.matches.length);
      assertTopK(metric, q.values, records, res.matches, 10, `${metric} topK 10`);
      for (const m of res.matches) {
        assert.equal(m.values, undefined, 'values returned without returnValues');
        assert.equal(m.metadata, undefined, 'metadata returned with returnMetadata none');
      }
    }
    // Default topK is 5.
    const d = await client.vectorize.indexes.query(name, { account_id, vector: queries[0].values });
    assertTopK(metric, queries[0].values, records, d.matches, 5, `${metric} default topK`);
    // returnValues and returnMetadata all.
    const full = await client.vectorize.indexes.query(name, {
      account_id, vector: queries[1].values, topK: 20, returnValues: true, returnMetadata: 'all',
    });
    assertTopK(metric, queries[1].values, records, full.matches, 20, `${metric} topK 20 + values`);
    for (const m of full.matches) {
      const rec = records.find((r) => r.id === m.id);
      assertValuesClose(m.values, rec.values, `${metric} ${m.id} values`);
      assert.deepEqual(m.metadata, rec.metadata);
      if (rec.namespace) assert.equal(m.namespace, rec.namespace);
    }
    // A stored vector is its own best match.
    const self = await client.vectorize.indexes.query(name, { account_id, vector: records[17].values, topK: 3 });
    if (metric !== 'dot-product') assert.equal(self.matches[0].id, 'r0017');
    assertTopK(metric, records[17].values, records, self.matches, 3, `${metric} self`);
  }
});

test('query by vectorId (wrangler and the binding send it)', async () => {
  const records = makeRecords('r');
  const name = idxName('euclidean');
  const res = await client.vectorize.indexes.query(name, { account_id, vectorId: 'r0042', topK: 4 });
  assertTopK('euclidean', records[42].values, records, res.matches, 4, 'by id');
  assert.equal(res.matches[0].id, 'r0042');
  assert.ok(Math.abs(res.matches[0].score) < 1e-6);
});

test('topK above the limits is rejected', async () => {
  const name = idxName('cosine');
  await assert.rejects(
    client.vectorize.indexes.query(name, { account_id, vector: new Array(DIMS).fill(0.5), topK: 101 }),
    (err) => err.status === 400);
  await assert.rejects(
    client.vectorize.indexes.query(name, { account_id, vector: new Array(DIMS).fill(0.5), topK: 21, returnValues: true }),
    (err) => err.status === 400);
});

test('listVectors pages through every id with a cursor', async () => {
  const name = idxName('dot-product');
  const all = makeRecords('r').map((r) => r.id).sort();
  const seen = [];
  let cursor;
  let pages = 0;
  for (;;) {
    const page = await client.vectorize.indexes.listVectors(name, { account_id, count: 7, ...(cursor ? { cursor } : {}) });
    pages++;
    assert.ok(pages <= 20, 'too many pages');
    assert.equal(page.totalCount, all.length);
    assert.equal(page.count, page.vectors.length);
    assert.ok(page.count <= 7);
    seen.push(...page.vectors.map((v) => v.id));
    if (!page.isTruncated) {
      assert.ok(page.nextCursor === null || page.nextCursor === undefined, `nextCursor ${page.nextCursor} on the last page`);
      break;
    }
    assert.equal(page.count, 7);
    assert.equal(typeof page.nextCursor, 'string');
    cursor = page.nextCursor;
  }
  assert.equal(pages, Math.ceil(all.length / 7));
  assert.deepEqual(seen.slice().sort(), all);
  assert.equal(new Set(seen).size, seen.length, 'an id was listed twice');
  // Default page.
  const first = await client.vectorize.indexes.listVectors(name, { account_id });
  assert.equal(first.totalCount, all.length);
  assert.ok(first.count >= 1);
});

test('metadataIndex create, list, delete', async () => {
  const name = idxName('cosine');
  const empty = await client.vectorize.indexes.metadataIndex.list(name, { account_id });
  assert.deepEqual(empty.metadataIndexes, []);
  for (const [propertyName, indexType] of [['genre', 'string'], ['year', 'number'], ['rated', 'boolean']]) {
    const r = await client.vectorize.indexes.metadataIndex.create(name, { account_id, propertyName, indexType });
    assert.equal(r.mutationId.length, 36);
  }
  const listed = await client.vectorize.indexes.metadataIndex.list(name, { account_id });
  const sorted = listed.metadataIndexes.map((m) => `${m.propertyName}:${m.indexType}`).sort();
  assert.deepEqual(sorted, ['genre:string', 'rated:boolean', 'year:number']);
  // A duplicate property is refused.
  await assert.rejects(
    client.vectorize.indexes.metadataIndex.create(name, { account_id, propertyName: 'genre', indexType: 'string' }, { maxRetries: 0 }),
    (err) => err.status >= 400 && err.status < 500);
  const d = await client.vectorize.indexes.metadataIndex.delete(name, { account_id, propertyName: 'rated' });
  assert.equal(d.mutationId.length, 36);
  const after = await client.vectorize.indexes.metadataIndex.list(name, { account_id });
  assert.deepEqual(after.metadataIndexes.map((m) => m.propertyName).sort(), ['genre', 'year']);
  // returnMetadata "indexed" returns only the indexed properties.
  const res = await client.vectorize.indexes.query(name, {
    account_id, vector: makeRecords('r')[5].values, topK: 3, returnMetadata: 'indexed',
  });
  for (const m of res.matches) {
    assert.ok(m.metadata, `no metadata in ${JSON.stringify(m)}`);
    assert.deepEqual(Object.keys(m.metadata).sort(), ['genre', 'year'], JSON.stringify(m.metadata));
  }
});

test('filtered queries equal brute force over the matching records', async () => {
  const records = makeRecords('r');
  const q = randomVectors(1, DIMS, 777, 'q')[0].values;
  const cases = [
    [{ genre: 'comedy' }, (m) => m.genre === 'comedy'],
    [{ genre: { $ne: 'comedy' } }, (m) => m.genre !== 'comedy'],
    [{ year: { $gte: 2000 } }, (m) => m.year >= 2000],
    [{ year: { $gt: 1990, $lte: 2010 } }, (m) => m.year > 1990 && m.year <= 2010],
    [{ genre: { $in: ['drama', 'horror'] } }, (m) => ['drama', 'horror'].includes(m.genre)],
    [{ genre: { $nin: ['drama'] }, rated: true }, (m) => m.genre !== 'drama' && m.rated === true],
    [{ title: { $gte: 'r title 1', $lt: 'r title 2' } }, (m) => m.title >= 'r title 1' && m.title < 'r title 2'],
  ];
  for (const metric of METRICS) {
    for (const [filter, pred] of cases) {
      const subset = records.filter((r) => pred(r.metadata));
      assert.ok(subset.length > 0);
      const res = await client.vectorize.indexes.query(idxName(metric), {
        account_id, vector: q, topK: 8, filter, returnMetadata: 'all',
      });
      assertTopK(metric, q, subset, res.matches, 8, `${metric} ${JSON.stringify(filter)}`);
      for (const m of res.matches) assert.ok(pred(m.metadata), `${JSON.stringify(m.metadata)} fails ${JSON.stringify(filter)}`);
    }
  }
});

test('namespaces: query restricted to one namespace', async () => {
  const records = makeRecords('r');
  const q = randomVectors(1, DIMS, 4242, 'q')[0].values;
  for (const ns of ['ns-a', 'ns-b']) {
    const subset = records.filter((r) => r.namespace === ns);
    const res = await client.vectorize.indexes.query(idxName('euclidean'), {
      account_id, vector: q, topK: 50, namespace: ns, returnMetadata: 'none',
    });
    assertTopK('euclidean', q, subset, res.matches, 50, `namespace ${ns}`);
    for (const m of res.matches) assert.equal(m.namespace, ns);
  }
  // namespace combined with a filter.
  const subset = records.filter((r) => r.namespace === 'ns-a' && r.metadata.genre === 'comedy');
  const res = await client.vectorize.indexes.query(idxName('euclidean'), {
    account_id, vector: q, topK: 50, namespace: 'ns-a', filter: { genre: 'comedy' },
  });
  assertTopK('euclidean', q, subset, res.matches, 50, 'namespace + filter');
});

test('deleteByIDs removes vectors from info, getByIDs and queries', async () => {
  const name = idxName('cosine');
  const records = makeRecords('r');
  const gone = ['r0002', 'r0004', 'not-there'];
  const res = await client.vectorize.indexes.deleteByIDs(name, { account_id, ids: gone });
  await waitFor(() => info(name), (x) => x.processedUpToMutation === res.mutationId, 'delete');
  assert.equal((await info(name)).vectorCount, records.length - 2);
  assert.deepEqual(await client.vectorize.indexes.getByIDs(name, { account_id, ids: gone }), []);
  const q = records[2].values;
  const rest = records.filter((r) => !gone.includes(r.id));
  const qr = await client.vectorize.indexes.query(name, { account_id, vector: q, topK: 10 });
  assertTopK('cosine', q, rest, qr.matches, 10, 'after delete');
  const listed = await client.vectorize.indexes.listVectors(name, { account_id, count: 1000 });
  assert.equal(listed.totalCount, rest.length);
  assert.ok(!listed.vectors.some((v) => gone.includes(v.id)));
});

test('ai.run text embeddings: shape, equality with `semble embed`, semantics', async () => {
  const texts = [
    'A man is playing a guitar.',
    'Someone strums an acoustic guitar.',
    'The stock market fell sharply today.',
  ];
  const r = await client.ai.run(ALIAS_MODEL, { account_id, text: texts });
  assert.deepEqual(r.shape, [3, 384]);
  assert.equal(r.data.length, 3);
  const cli = cliEmbed(texts);
  for (let i = 0; i < 3; i++) {
    assert.equal(r.data[i].length, 384);
    let norm = 0;
    for (let j = 0; j < 384; j++) {
      assert.ok(Math.abs(r.data[i][j] - cli[i][j]) <= 1e-6, `text ${i} dim ${j}: ${r.data[i][j]} vs semble embed ${cli[i][j]}`);
      norm += r.data[i][j] ** 2;
    }
    assert.ok(Math.abs(norm - 1) < 1e-3, `not L2-normalised: ${norm}`);
  }
  const para = cosine(r.data[0], r.data[1]);
  const unrelated = cosine(r.data[0], r.data[2]);
  assert.ok(para > unrelated + 0.2, `paraphrase ${para} not clearly closer than unrelated ${unrelated}`);
  // A single string, and the installed model by its own id.
  const one = await client.ai.run(DEFAULT_MODEL, { account_id, text: texts[0] });
  assert.deepEqual(one.shape, [1, 384]);
  for (let j = 0; j < 384; j++) assert.ok(Math.abs(one.data[0][j] - cli[0][j]) <= 1e-6);
  // Unknown model: 404 code 5007 naming the installed models.
  await assert.rejects(client.ai.run('@cf/no/such-model', { account_id, text: 'x' }), (err) => {
    assert.equal(err.status, 404, String(err));
    assert.equal(err.errors[0].code, 5007);
    assert.match(err.errors[0].message, new RegExp(DEFAULT_MODEL));
    return true;
  });
});

test('index with a model: records and queries by text (semble extension)', async () => {
  // The SDK passes fields it does not know through in the JSON body.
  const created = await client.vectorize.indexes.create({
    account_id, name: 'sdk-text', config: { preset: '@cf/baai/bge-small-en-v1.5' },
  });
  assert.equal(created.config.dimensions, 384);
  const docs = [
    { id: 'guitar', text: 'A man is playing a guitar.' },
    { id: 'stocks', text: 'The stock market fell sharply today.' },
    { id: 'pasta', text: 'Boil the pasta for ten minutes, then drain it.' },
  ];
  const ins = await client.vectorize.indexes.insert('sdk-text', { account_id, body: ndjson(docs) });
  await waitFor(() => info('sdk-text'), (x) => x.processedUpToMutation === ins.mutationId, 'text insert');
  assert.equal((await info('sdk-text')).vectorCount, 3);
  // Stored values are the model's embeddings.
  const [g] = await client.vectorize.indexes.getByIDs('sdk-text', { account_id, ids: ['guitar'] });
  const cli = cliEmbed([docs[0].text, 'How do I cook spaghetti?']);
  for (let j = 0; j < 384; j++) assert.ok(Math.abs(g.values[j] - cli[0][j]) <= 1e-6, `dim ${j}`);
  const res = await client.vectorize.indexes.query('sdk-text', { account_id, text: 'How do I cook spaghetti?', topK: 3 });
  assert.equal(res.count, 3);
  assert.equal(res.matches[0].id, 'pasta', JSON.stringify(res));
  const guitar = res.matches.find((m) => m.id === 'guitar');
  assert.ok(Math.abs(guitar.score - score('cosine', cli[1], cli[0])) < 1e-4, `guitar score ${guitar.score}`);
});

test('delete an index; the name is reusable', async () => {
  const name = idxName('dot-product');
  await client.vectorize.indexes.delete(name, { account_id });
  await assert.rejects(client.vectorize.indexes.get(name, { account_id }), (err) => err.status === 404 && err.errors[0].code === 3000);
  const listed = await listAllIndexes();
  assert.ok(!listed.some((i) => i.name === name));
  const again = await client.vectorize.indexes.create({ account_id, name, config: { dimensions: 4, metric: 'euclidean' } });
  assert.equal(again.config.dimensions, 4);
  assert.equal((await info(name)).vectorCount, 0);
});
