// semble's extensions over HTTP: indexes that own a record schema (records with "fields"), the
// recommend and map endpoints, model checks on text, waitForMutation, the metrics endpoint, and the
// web console's files. Run: SEMBLE_BINARY=build/semble node --test tests/server/extensions.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, request, vz, okResult, assertError, DEFAULT_MODEL } from './harness.mjs';

const EXAMPLES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../examples');
let server;

before(async () => { server = await startServer(); });
after(async () => { if (server) await server.stop(); });

const call = (method, p, body, opts) => request(server.url, method, p, body, opts);
const ndjson = (lines) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

test('a schema index takes records with fields and answers like the examples say', async () => {
  const schema = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'cities/schema_location_population.json'), 'utf8'));
  const created = okResult(await call('POST', vz(), { name: 'cities', config: { schema } }), 'create');
  assert.equal(created.config.metric, 'euclidean');
  assert.equal(created.config.dimensions, 4);
  assert.ok(created.config.schema && Array.isArray(created.config.schema.fields), JSON.stringify(created));
  const body = fs.readFileSync(path.join(EXAMPLES, 'cities/cities.jsonl'), 'utf8');
  okResult(await call('POST', vz('cities') + '/upsert', body, { contentType: 'application/x-ndjson' }), 'upsert');
  const q = okResult(await call('POST', vz('cities') + '/query', { vectorId: 'vancouver', topK: 2 }), 'query');
  assert.deepEqual(q.matches.map((m) => m.id), ['vancouver', 'seattle']);
  assert.ok(Math.abs(q.matches[1].score - 209.10) < 0.05, `distance ${q.matches[1].score}`);
  // A record that breaks the schema is refused whole, naming the field.
  const bad = ndjson([
    { id: 'ok', fields: { location: { lat: 0, lon: 0 }, population: 1 } },
    { id: 'bad', fields: { location: { lat: 0, lon: 0 }, popul: 1 } },
  ]);
  const e = assertError(await call('POST', vz('cities') + '/upsert', bad, { contentType: 'application/x-ndjson' }), 400, 40002, 'bad fields');
  assert.match(e.message, /popul/);
  const info = okResult(await call('GET', vz('cities') + '/info'), 'info');
  assert.equal(info.vectorCount, 3);
  // Fields on an index without a schema, and a schema that does not parse.
  okResult(await call('POST', vz(), { name: 'plain', config: { dimensions: 4, metric: 'euclidean' } }), 'plain');
  assertError(await call('POST', vz('plain') + '/insert', ndjson([{ id: 'x', fields: { a: 1 } }]), { contentType: 'application/x-ndjson' }), 400, 40000, 'no schema');
  assertError(await call('POST', vz(), { name: 'broken', config: { schema: { fields: [{ name: 'a', type: 'numeric' }] } } }), 400, 40000, 'schema without scaling');
});

test('recommend moves toward the positives and away from the negatives', async () => {
  const schema = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'shows/schema.json'), 'utf8'));
  okResult(await call('POST', vz(), { name: 'shows', config: { schema } }), 'create');
  const body = fs.readFileSync(path.join(EXAMPLES, 'shows/shows.jsonl'), 'utf8');
  okResult(await call('POST', vz('shows') + '/upsert', body, { contentType: 'application/x-ndjson' }), 'upsert');
  const liked = okResult(await call('POST', vz('shows') + '/recommend', { positive: ['seinfeld'], topK: 2, returnMetadata: 'all' }), 'recommend');
  assert.deepEqual(liked.matches.map((m) => m.id), ['cheers', 'wednesday']);
  assert.ok(liked.matches[0].metadata, 'metadata returned');
  const steered = okResult(await call('POST', vz('shows') + '/recommend', { positive: ['wednesday'], negative: ['cheers'], topK: 1 }), 'recommend 2');
  assert.deepEqual(steered.matches.map((m) => m.id), ['seinfeld']);
  assertError(await call('POST', vz('shows') + '/recommend', { positive: ['friends'] }), 404, 40000, 'unknown example');
  assertError(await call('POST', vz('shows') + '/recommend', { negative: ['cheers'] }), 400, 40001, 'no positive');
});

test('the map projects a sample and puts the query among its neighbours', async () => {
  okResult(await call('POST', vz(), { name: 'docs', config: { model: DEFAULT_MODEL } }), 'create');
  const topics = {
    pets: ['A dog chases a ball in the park', 'My cat sleeps on the sofa all day', 'Puppies need patient training', 'The kitten plays with yarn'],
    money: ['The stock market fell sharply today', 'Interest rates rose again', 'Investors bought government bonds', 'Bank shares lost value'],
    space: ['Rovers drive across the dust of Mars', 'Astronauts walked on the Moon', 'The telescope found a distant galaxy', 'A rocket launched a new satellite'],
  };
  const lines = [];
  for (const [topic, texts] of Object.entries(topics)) texts.forEach((t, i) => lines.push({ id: `${topic}-${i}`, text: t, metadata: { topic } }));
  okResult(await call('POST', vz('docs') + '/upsert', ndjson(lines), { contentType: 'application/x-ndjson' }), 'upsert');
  const map = okResult(await call('POST', vz('docs') + '/map', { sample: 100, text: 'a puppy playing fetch', topK: 3 }), 'map');
  assert.equal(map.method, 'pca');
  assert.equal(map.count, 12);
  assert.equal(map.totalCount, 12);
  assert.equal(map.points.length, 12);
  assert.ok(map.explainedVariance[0] >= map.explainedVariance[1] && map.explainedVariance[1] > 0, JSON.stringify(map.explainedVariance));
  assert.ok(map.matches.every((m) => m.metadata.topic === 'pets'), JSON.stringify(map.matches));
  // The projected clusters: each point is closer to its own topic's centroid than to the others'.
  const centroid = {};
  for (const p of map.points) {
    const c = (centroid[p.metadata.topic] ??= { x: 0, y: 0, n: 0 });
    c.x += p.x; c.y += p.y; c.n += 1;
  }
  for (const c of Object.values(centroid)) { c.x /= c.n; c.y /= c.n; }
  const d = (p, c) => Math.hypot(p.x - c.x, p.y - c.y);
  const nearestTopic = (p) => Object.entries(centroid).sort((a, b) => d(p, a[1]) - d(p, b[1]))[0][0];
  const misplaced = map.points.filter((p) => nearestTopic(p) !== p.metadata.topic);
  assert.ok(misplaced.length <= 2, `points nearer another topic's centre: ${JSON.stringify(misplaced)}`);
  assert.equal(nearestTopic(map.query), 'pets', `query at ${JSON.stringify(map.query)}`);
  // The same request draws the same map.
  const again = okResult(await call('POST', vz('docs') + '/map', { sample: 100, text: 'a puppy playing fetch', topK: 3 }), 'map again');
  assert.deepEqual(again.points, map.points);
  // Without a query; and bad requests.
  const plain = okResult(await call('POST', vz('docs') + '/map', { sample: 5 }), 'map sample');
  assert.equal(plain.points.length, 5);
  assert.equal(plain.query, null);
  assertError(await call('POST', vz('docs') + '/map', { sample: 0 }), 400, 40000, 'sample 0');
  // An empty index draws an empty map, with or without a query (once crashed the server).
  okResult(await call('POST', vz(), { name: 'empty', config: { model: DEFAULT_MODEL } }), 'create empty');
  const empty = okResult(await call('POST', vz('empty') + '/map', { text: 'anything', topK: 3 }), 'empty map');
  assert.equal(empty.points.length, 0);
  assert.deepEqual(empty.matches, []);
  assert.ok(empty.query && Number.isFinite(empty.query.x), JSON.stringify(empty));
  assertError(await call('POST', vz('docs') + '/map', { text: 'a', vectorId: 'pets-0' }), 400, 40001, 'two queries');
});

test('text goes through the index model only; waitForMutation; metrics; console files', async () => {
  okResult(await call('POST', vz(), { name: 'm', config: { model: DEFAULT_MODEL } }), 'create');
  assertError(await call('POST', vz('m') + '/query', { text: 'hello', model: 'some-other-model' }), 400, 40007, 'another model');
  okResult(await call('POST', vz('m') + '/query', { text: 'hello', model: '@cf/baai/bge-small-en-v1.5' }), 'alias of the index model');
  okResult(await call('POST', vz(), { name: 'nomodel', config: { dimensions: 3, metric: 'cosine' } }), 'create plain');
  assertError(await call('POST', vz('nomodel') + '/query', { text: 'hello' }), 400, 40000, 'text without a model');
  const w = okResult(await call('POST', vz('m') + '/upsert', ndjson([{ id: 'a', text: 'first' }]), { contentType: 'application/x-ndjson' }), 'write');
  const waited = okResult(await call('GET', vz('m') + `/info?waitForMutation=${w.mutationId}&timeoutMs=100`), 'wait');
  assert.ok(waited.processedUpToMutation >= w.mutationId);
  // An id from the future is not applied: 408 after the timeout.
  const future = w.mutationId.slice(0, 24) + 'ffffffffffff';
  assertError(await call('GET', vz('m') + `/info?waitForMutation=${future}&timeoutMs=50`), 408, 40000, 'future mutation');
  const metrics = await call('GET', '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.text, /semble_http_requests_total\{route="vectorize.query",code="200"\} \d+/);
  assert.match(metrics.text, /semble_index_vectors\{index="m"\} 1/);
  assert.match(metrics.text, /semble_wal_fsync_duration_seconds_count [1-9]/);
  assert.match(metrics.text, /semble_embedding_cache_(hits|misses)_total \d+/);
  const page = await call('GET', '/');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /text\/html/);
  assert.match(page.text, /<html/i);
  const js = await call('GET', '/console/console.js');
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /javascript/);
  assert.equal((await call('GET', '/console/../../etc/passwd')).status, 404);
});

test('records expire (ttlSeconds, expiresAtMs, an index default) and bad ttls are refused', async () => {
  const created = okResult(await call('POST', vz(), { name: 'ttl', config: { dimensions: 2, metric: 'euclidean', defaultTtlSeconds: 3600 } }), 'create');
  assert.equal(created.config.defaultTtlSeconds, 3600);
  const before = Date.now();
  const lines = [
    { id: 'a', values: [1, 0], ttlSeconds: 60 },
    { id: 'b', values: [0, 1] },  // the index default
    { id: 'gone', values: [1, 1], expiresAtMs: before - 1000 },  // expired already: invisible
  ];
  okResult(await call('POST', vz('ttl') + '/upsert', ndjson(lines), { contentType: 'application/x-ndjson' }), 'upsert');
  const got = okResult(await call('POST', vz('ttl') + '/get_by_ids', { ids: ['a', 'b', 'gone'] }), 'get');
  assert.deepEqual(got.map((r) => r.id), ['a', 'b']);
  assert.ok(got[0].expiresAtMs >= before + 60000 && got[0].expiresAtMs <= Date.now() + 60000, JSON.stringify(got[0]));
  assert.ok(got[1].expiresAtMs >= before + 3600000, JSON.stringify(got[1]));
  const info = okResult(await call('GET', vz('ttl') + '/info'), 'info');
  assert.equal(info.vectorCount, 2);
  const q = okResult(await call('POST', vz('ttl') + '/query', { vector: [1, 1], topK: 5 }), 'query');
  assert.deepEqual(q.matches.map((m) => m.id).sort(), ['a', 'b']);
  // An expired vectorId answers as one never stored: no matches, as Vectorize does.
  assert.equal(okResult(await call('POST', vz('ttl') + '/query', { vectorId: 'gone' }), 'expired id').count, 0);
  // Bad ttls: nothing of the batch is written.
  for (const ttl of [0, -5, 1e12]) {
    const e = assertError(await call('POST', vz('ttl') + '/upsert', ndjson([{ id: 'c', values: [1, 2] }, { id: 'd', values: [1, 2], ttlSeconds: ttl }]), { contentType: 'application/x-ndjson' }), 400, 40000, `ttl ${ttl}`);
    assert.match(e.message, /ttl must be between 1 and/);
  }
  assertError(await call('POST', vz('ttl') + '/upsert', ndjson([{ id: 'd', values: [1, 2], ttlSeconds: 'soon' }]), { contentType: 'application/x-ndjson' }), 400, 40002, 'ttl not a number');
  assertError(await call('POST', vz(), { name: 'ttl2', config: { dimensions: 2, metric: 'euclidean', defaultTtlSeconds: -1 } }), 400, 40000, 'negative default');
  assert.equal(okResult(await call('GET', vz('ttl') + '/info'), 'info').vectorCount, 2);
});

test('delete_by_filter and update_metadata_by_filter: one mutation each, with a count', async () => {
  okResult(await call('POST', vz(), { name: 'bulk', config: { dimensions: 2, metric: 'cosine' } }), 'create');
  okResult(await call('POST', vz('bulk') + '/metadata_index/create', { propertyName: 'genre', indexType: 'string' }), 'mi');
  const lines = [];
  for (let i = 0; i < 12; i++) lines.push({ id: `v${i}`, values: [1, i + 1], metadata: { genre: i % 3 === 0 ? 'drama' : 'comedy', n: i } });
  okResult(await call('POST', vz('bulk') + '/upsert', ndjson(lines), { contentType: 'application/x-ndjson' }), 'upsert');
  const updated = okResult(await call('POST', vz('bulk') + '/update_metadata_by_filter', { filter: { genre: 'drama' }, metadata: { seen: true } }), 'update');
  assert.equal(updated.count, 4);
  assert.equal(updated.mutationId.length, 36);
  const v3 = okResult(await call('POST', vz('bulk') + '/get_by_ids', { ids: ['v3'] }), 'get')[0];
  assert.deepEqual(v3.metadata, { genre: 'drama', n: 3, seen: true });
  const replaced = okResult(await call('POST', vz('bulk') + '/update_metadata_by_filter', { filter: { n: { $gte: 10 } }, metadata: { genre: 'drama' }, merge: false }), 'replace');
  assert.equal(replaced.count, 2);
  const deleted = okResult(await call('POST', vz('bulk') + '/delete_by_filter', { filter: { genre: 'drama' } }), 'delete');
  assert.equal(deleted.count, 6);
  assert.equal(okResult(await call('GET', vz('bulk') + '/info'), 'info').vectorCount, 6);
  // Refusals: the empty filter without allowAll, bad filters and bodies, oversize metadata, an
  // unknown index. None changes anything.
  assertError(await call('POST', vz('bulk') + '/delete_by_filter', { filter: {} }), 400, 40003, 'empty filter');
  assertError(await call('POST', vz('bulk') + '/delete_by_filter', {}), 400, 40001, 'no filter');
  assertError(await call('POST', vz('bulk') + '/delete_by_filter', { filter: { n: { $foo: 1 } } }), 400, 40003, 'bad operator');
  assertError(await call('POST', vz('bulk') + '/delete_by_filter', '{"filter": {', {}), 400, 40001, 'bad JSON');
  assertError(await call('POST', vz('bulk') + '/update_metadata_by_filter', { filter: { n: 1 } }), 400, 40001, 'no metadata');
  const big = assertError(await call('POST', vz('bulk') + '/update_metadata_by_filter', { filter: { n: { $gte: 0 } }, metadata: { pad: 'x'.repeat(11000) } }), 400, 40016, 'too big');
  assert.match(big.message, /10240/);
  assertError(await call('POST', vz('nosuch') + '/delete_by_filter', { filter: { n: 1 } }), 404, 3000, 'unknown index');
  assert.equal(okResult(await call('GET', vz('bulk') + '/info'), 'info').vectorCount, 6);
  const all = okResult(await call('POST', vz('bulk') + '/delete_by_filter', { filter: {}, allowAll: true }), 'all');
  assert.equal(all.count, 6);
  assert.equal(okResult(await call('GET', vz('bulk') + '/info'), 'info').vectorCount, 0);
});

// Extension: binary records (docs/API.md, "Binary records"), built the way a JavaScript client
// with a Float32Array would build them.
function binaryRecords(records, dims) {
  const enc = new TextEncoder();
  const withNs = records.some((r) => r.namespace), withMeta = records.some((r) => r.metadata);
  const strings = (pick) => records.map((r) => enc.encode(pick(r) ?? ''));
  const sections = [strings((r) => r.id)];
  if (withNs) sections.push(strings((r) => r.namespace));
  if (withMeta) sections.push(strings((r) => (r.metadata ? JSON.stringify(r.metadata) : '')));
  const header = Buffer.alloc(24);
  header.write('SMBR', 0, 'latin1');
  header.writeUInt32LE(1, 4);
  header.writeUInt32LE(dims, 8);
  header.writeUInt32LE(records.length, 12);
  header.writeUInt32LE((withNs ? 1 : 0) | (withMeta ? 2 : 0), 16);
  const values = new Float32Array(records.length * dims);
  records.forEach((r, i) => values.set(r.values, i * dims));
  const parts = [header, Buffer.from(values.buffer)];
  for (const section of sections) {
    for (const bytes of section) {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(bytes.length, 0);
      parts.push(len, Buffer.from(bytes));
    }
  }
  return Buffer.concat(parts);
}

test('binary records insert and upsert like NDJSON, and a malformed body writes nothing', async () => {
  const BIN = 'application/vnd.semble.records';
  okResult(await call('POST', vz(), { name: 'bin', config: { dimensions: 3, metric: 'cosine' } }), 'create bin');
  okResult(await call('POST', vz(), { name: 'nd', config: { dimensions: 3, metric: 'cosine' } }), 'create nd');
  const records = [
    { id: 'a', values: [0.1, 0.2, 0.3], metadata: { genre: 'jazz', year: 1959 } },
    { id: 'b', values: [-1.5, 2.25, 1e-3], namespace: 'east' },
    { id: 'ü-3', values: [3, 2, 1], namespace: 'west', metadata: { tags: ['x', 'y'] } },
  ];
  const insert = okResult(await call('POST', vz('bin') + '/insert', binaryRecords(records, 3), { contentType: BIN }), 'binary insert');
  assert.ok(insert.mutationId, JSON.stringify(insert));
  okResult(await call('POST', vz('nd') + '/insert', ndjson(records), { contentType: 'application/x-ndjson' }), 'ndjson insert');
  const ids = { ids: records.map((r) => r.id) };
  const fromBinary = okResult(await call('POST', vz('bin') + '/get_by_ids', ids), 'get bin');
  const fromNdjson = okResult(await call('POST', vz('nd') + '/get_by_ids', ids), 'get nd');
  assert.equal(fromBinary.length, 3);
  assert.deepEqual(fromBinary, fromNdjson);
  // The floats arrive as the client's float32 values (printed as the shortest text that reads
  // back as that float).
  const b = fromBinary.find((r) => r.id === 'b');
  assert.deepEqual(b.values.map(Math.fround), [-1.5, 2.25, 1e-3].map(Math.fround));
  // Upsert replaces; a query finds the new vector.
  okResult(await call('POST', vz('bin') + '/upsert', binaryRecords([{ id: 'a', values: [3, 2, 1.01] }], 3), { contentType: BIN }), 'binary upsert');
  okResult(await call('POST', vz('nd') + '/upsert', ndjson([{ id: 'a', values: [3, 2, 1.01] }]), { contentType: 'application/x-ndjson' }), 'ndjson upsert');
  const q = okResult(await call('POST', vz('bin') + '/query', { vector: [3, 2, 1], topK: 1, returnValues: true, namespace: 'west' }), 'query');
  assert.equal(q.matches[0].id, 'ü-3');
  const a = okResult(await call('POST', vz('bin') + '/get_by_ids', { ids: ['a'] }), 'get a')[0];
  assert.deepEqual(a.values.map(Math.fround), [3, 2, 1.01].map(Math.fround));
  assert.deepEqual(a, okResult(await call('POST', vz('nd') + '/get_by_ids', { ids: ['a'] }), 'get nd a')[0]);
  // Malformed bodies are refused whole, with the reason, and the index keeps its 3 vectors.
  const good = binaryRecords([{ id: 'n1', values: [1, 1, 1] }, { id: 'n2', values: [2, 2, 2] }], 3);
  const cases = [
    [good.subarray(0, good.length - 1), /runs past the end/],
    [Buffer.concat([good, Buffer.from([0])]), /after the last section/],
    [Buffer.concat([Buffer.from('XXXX'), good.subarray(4)]), /SMBR/],
    [binaryRecords([{ id: 'n1', values: [1, 1] }], 2), /dimension/i],   // the index has 3
    [binaryRecords([{ id: 'n1', values: [1, NaN, 1] }], 3), /finite/],
    // More records than one write takes (5,000 by default): refused before they are decoded.
    [binaryRecords(Array.from({ length: 5001 }, (_, i) => ({ id: `x${i}`, values: [1, 1, 1] })), 3), /5001 records, more than the 5000/],
  ];
  for (const [body, why] of cases) {
    const e = assertError(await call('POST', vz('bin') + '/insert', body, { contentType: BIN }), 400, undefined, `bad binary ${why}`);
    assert.match(e.message, why);
  }
  const meta = Buffer.from(binaryRecords([{ id: 'm', values: [1, 1, 1], metadata: { k: 1 } }], 3));
  meta.write('[', meta.length - 7, 'latin1');  // the metadata text becomes ["k":1} : not an object
  assertError(await call('POST', vz('bin') + '/insert', meta, { contentType: BIN }), 400, undefined, 'metadata not an object');
  const info = okResult(await call('GET', vz('bin') + '/info'), 'info');
  assert.equal(info.vectorCount, 3);
});

test('info shows the recall calibration once a query has asked for a recall target', async () => {
  okResult(await call('POST', vz(), { name: 'cal', config: { dimensions: 8, metric: 'cosine', indexType: 'hnsw' } }), 'create');
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  // 10,000: below that many vectors (the server's default) an index answers exactly and has no
  // use for a calibration.
  const n = 10000;
  const records = Array.from({ length: n }, (_, i) => ({ id: `r${i}`, values: Array.from({ length: 8 }, next) }));
  for (let i = 0; i < n; i += 5000) {
    okResult(await call('POST', vz('cal') + '/insert', ndjson(records.slice(i, i + 5000)), { contentType: 'application/x-ndjson' }), 'insert');
  }
  let info;
  for (let i = 0; i < 1500; ++i) {
    info = okResult(await call('GET', vz('cal') + '/info'), 'info');
    if (info.vectorCount === n && info.unindexedVectors === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(info.unindexedVectors, 0, JSON.stringify(info));
  assert.equal(info.recallCalibration, undefined, 'no calibration before a recall target is asked');
  const q = okResult(await call('POST', vz('cal') + '/query', { vector: records[3].values.map((x) => x + 0.01), topK: 5, recall: 0.9 }), 'query');
  assert.equal(q.matches.length, 5);
  info = okResult(await call('GET', vz('cal') + '/info'), 'info after');
  const cal = info.recallCalibration;
  assert.ok(cal && Array.isArray(cal.steps) && cal.steps.length > 0, JSON.stringify(info));
  assert.equal(cal.queries, 0, 'the first calibration holds stored vectors out, no real queries yet');
  for (let i = 0; i < cal.steps.length; ++i) {
    assert.ok(cal.steps[i].recall >= 0 && cal.steps[i].recall <= 1, JSON.stringify(cal.steps[i]));
    if (i > 0) assert.ok(cal.steps[i].ef > cal.steps[i - 1].ef, JSON.stringify(cal.steps));
  }
  // The largest ef of the ladder finds nearly every neighbour in 8 dimensions.
  assert.ok(cal.steps[cal.steps.length - 1].recall >= 0.9, JSON.stringify(cal.steps));
});
