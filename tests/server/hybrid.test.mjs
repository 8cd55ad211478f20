// Hybrid search over HTTP (issue 17): indexes with a full-text index (config.textIndex and the
// text_index route), records with values and text, keyword and hybrid queries (both fusions),
// filters and namespaces on both sides, groups, and the errors.
// Run: SEMBLE_BINARY=build/semble node --test tests/server/hybrid.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request, vz, okResult, assertError, DEFAULT_MODEL } from './harness.mjs';

let server;

after(async () => { if (server) await server.stop(); });

const call = (method, p, body, opts) => request(server.url, method, p, body, opts);
const ndjson = (lines) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
const upsert = async (index, lines) =>
  okResult(await call('POST', vz(index) + '/upsert', ndjson(lines), { contentType: 'application/x-ndjson' }), `upsert ${index}`);
const query = async (index, body) => okResult(await call('POST', vz(index) + '/query', body), `query ${JSON.stringify(body)}`);
const ids = (result) => result.matches.map((m) => m.id);

// Caller vectors with text: the text is stored and indexed, not embedded. In namespace "main"
// "zymurgy" is in one record only (c), and a's vector is the closest to [1, 0, 0, 0] (a has no rare
// word); f, in another namespace, has the word too. (semble's namespace "" is every namespace,
// like none.)
const RECORDS = [
  { id: 'a', values: [1, 0, 0, 0], text: 'The quick brown fox jumps over the lazy dog', namespace: 'main', metadata: { doc: 'd1', lang: 'en', page: 1, title: 'Foxes' } },
  { id: 'b', values: [0.8, 0.6, 0, 0], text: 'A lazy dog sleeps in the sun all day', namespace: 'main', metadata: { doc: 'd1', lang: 'en', page: 2 } },
  { id: 'c', values: [0, 0, 1, 0], text: 'Zymurgy is the branch of chemistry that deals with brewing', namespace: 'main', metadata: { doc: 'd2', lang: 'en', page: 1 } },
  { id: 'd', values: [0, 0, 0.6, 0.8], text: 'Brewing beer at home with the dog: malt, hops and yeast', namespace: 'main', metadata: { doc: 'd2', lang: 'en', page: 2 } },
  { id: 'e', values: [0, 1, 0, 0], text: 'Der schnelle braune Fuchs', namespace: 'main', metadata: { doc: 'd3', lang: 'de', page: 1 } },
  { id: 'f', values: [0.9, 0, 0.1, 0], text: 'zymurgy in another namespace', namespace: 'other', metadata: { doc: 'd4', lang: 'en', page: 1 } },
];

// The index every test reads; a failure to create or fill it fails the tests that read it (not the
// shape tests, which need no records).
let created;
let seeded;
before(async () => {
  server = await startServer();
  seeded = (async () => {
    created = okResult(await call('POST', vz(), {
      name: 'kw', config: { dimensions: 4, metric: 'cosine', textIndex: { fields: ['title'], language: 'english' } },
    }), 'create kw');
    await upsert('kw', RECORDS);
    created.true = okResult(await call('POST', vz(), { name: 'kw-true', config: { dimensions: 4, metric: 'cosine', textIndex: true } }), 'create kw-true');
    created.none = okResult(await call('POST', vz(), { name: 'kw-none', config: { dimensions: 4, metric: 'cosine' } }), 'create kw-none');
  })();
  seeded.catch(() => {});  // reported by the tests that await it
});

test('the description, the list and the text_index route show the text index', async () => {
  await seeded;
  const want = { fields: ['title'], language: 'english', k1: 1.2, b: 0.75 };
  assert.deepEqual(created.config.textIndex, want);
  assert.deepEqual(okResult(await call('GET', vz('kw')), 'get').config.textIndex, want);
  const listed = okResult(await call('GET', vz()), 'list').find((d) => d.name === 'kw');
  assert.deepEqual(listed.config.textIndex, want);
  assert.deepEqual(okResult(await call('GET', vz('kw') + '/text_index'), 'get text index'), { enabled: true, ...want });
  // true is the defaults; an index without one shows no textIndex at all.
  assert.deepEqual(created.true.config.textIndex, { fields: [], language: 'english', k1: 1.2, b: 0.75 });
  assert.equal('textIndex' in created.none.config, false);
  assert.deepEqual(okResult(await call('GET', vz('kw-none') + '/text_index'), 'get'), { enabled: false });
  // Values out of range are the engine's to refuse, as 400s.
  for (const textIndex of [{ language: 'klingon' }, { k1: -1 }, { b: 2 }, { fields: Array.from({ length: 9 }, (_, i) => `f${i}`) }]) {
    assertError(await call('POST', vz(), { name: 'kw-bad', config: { dimensions: 4, metric: 'cosine', textIndex } }), 400, 40000, JSON.stringify(textIndex));
  }
  assertError(await call('POST', vz(), { name: 'kw-bad', config: { dimensions: 4, metric: 'cosine', textIndex: 'yes' } }), 400, 40001, 'textIndex "yes"');
});

test('records keep their text: get_by_ids returns it, and values with text are not embedded', async () => {
  await seeded;
  const got = okResult(await call('POST', vz('kw') + '/get_by_ids', { ids: ['c', 'f'] }), 'get_by_ids');
  const byId = Object.fromEntries(got.map((r) => [r.id, r]));
  assert.equal(byId.c.text, RECORDS[2].text);
  assert.deepEqual(byId.c.values, [0, 0, 1, 0]);
  assert.equal(byId.f.namespace, 'other');
  // The JSON form of an insert takes values with text too; a record without text has no "text".
  okResult(await call('POST', vz('kw-true') + '/insert', JSON.stringify({ vectors: [
    { id: 'x', values: [1, 2, 3, 4], text: 'unicode: 한국어 텍스트 and émigré' },
    { id: 'y', values: [4, 3, 2, 1] },
  ] }), { contentType: 'application/json' }), 'insert vectors object');
  const xy = okResult(await call('POST', vz('kw-true') + '/get_by_ids', { ids: ['x', 'y'] }), 'get x y');
  const m = Object.fromEntries(xy.map((r) => [r.id, r]));
  assert.equal(m.x.text, 'unicode: 한국어 텍스트 and émigré');
  assert.equal('text' in m.y, false);
  // Values with fields say twice what the vector is.
  assertError(await call('POST', vz('kw-true') + '/upsert', ndjson([{ id: 'z', values: [1, 2, 3, 4], fields: { a: 1 } }]),
    { contentType: 'application/x-ndjson' }), 400, 40002, 'values with fields');
});

test('a keyword query ranks the record with the rare word first', async () => {
  await seeded;
  const r = await query('kw', { mode: 'keyword', text: 'zymurgy', topK: 5, namespace: 'main' });
  assert.deepEqual(ids(r), ['c']);
  // Namespaces: with none given, every namespace is searched, as for vectors.
  const all = await query('kw', { mode: 'keyword', text: 'zymurgy', topK: 5 });
  assert.deepEqual(new Set(ids(all)), new Set(['c', 'f']));
  // BM25 ranks the rare word first: the record with "zymurgy" (in 2 records) beats those with
  // "dog" only (in 3), at the same length.
  assert.equal((await query('kw', { mode: 'keyword', text: 'zymurgy dog', namespace: 'main' })).matches[0].id, 'c');
  for (let i = 1; i < all.matches.length; i++) assert.ok(all.matches[i - 1].score >= all.matches[i].score, JSON.stringify(all));
  assert.ok(r.matches[0].score > 0);
  // English stemming: "brewed" finds "brewing"; the title field is searched too.
  assert.deepEqual(new Set(ids(await query('kw', { mode: 'keyword', text: 'brewed' }))), new Set(['c', 'd']));
  assert.deepEqual(ids(await query('kw', { mode: 'keyword', text: 'foxes', filter: { lang: 'en' } })), ['a']);
  // Metadata comes back as asked, like a vector query's.
  const withMeta = await query('kw', { mode: 'keyword', text: 'zymurgy', returnMetadata: 'all', namespace: 'main' });
  assert.deepEqual(withMeta.matches[0].metadata, RECORDS[2].metadata);
  // Only stop words: nothing to look for, no matches.
  assert.deepEqual(ids(await query('kw', { mode: 'keyword', text: 'the of and' })), []);
});

test('a hybrid query returns both sides\' hits, by either fusion', async () => {
  await seeded;
  for (const extra of [{}, { fusion: 'rrf' }, { fusion: 'weighted' }, { fusion: 'weighted', alpha: 0.5 }]) {
    const r = await query('kw', { mode: 'hybrid', text: 'zymurgy', vector: [1, 0, 0, 0], topK: 10, namespace: 'main', ...extra });
    const got = ids(r);
    assert.ok(got.includes('c') && got.includes('a'), `${JSON.stringify(extra)}: ${JSON.stringify(got)}`);
    for (let i = 1; i < r.matches.length; i++) assert.ok(r.matches[i - 1].score >= r.matches[i].score, JSON.stringify(r));
  }
  // Weighted: alpha 1 is the vector side's order, alpha 0 the keyword side's.
  assert.equal((await query('kw', { mode: 'hybrid', text: 'zymurgy', vector: [1, 0, 0, 0], fusion: 'weighted', alpha: 1, namespace: 'main' })).matches[0].id, 'a');
  assert.equal((await query('kw', { mode: 'hybrid', text: 'zymurgy', vector: [1, 0, 0, 0], fusion: 'weighted', alpha: 0, namespace: 'main' })).matches[0].id, 'c');
  // The vector side may be a stored vector.
  assert.ok(ids(await query('kw', { mode: 'hybrid', text: 'zymurgy', vectorId: 'a', topK: 10 })).includes('c'));
  // RRF: a record on both sides beats one on a single side at the same ranks.
  const both = await query('kw', { mode: 'hybrid', text: 'fox', vector: [1, 0, 0, 0], topK: 10, namespace: 'main' });
  assert.equal(both.matches[0].id, 'a');
});

test('filters and namespaces restrict both sides', async () => {
  await seeded;
  const inMain = await query('kw', { mode: 'hybrid', text: 'zymurgy', vector: [1, 0, 0, 0], topK: 10, namespace: 'main' });
  assert.equal(ids(inMain).includes('f'), false, JSON.stringify(inMain));
  const inOther = await query('kw', { mode: 'keyword', text: 'zymurgy', namespace: 'other' });
  assert.deepEqual(ids(inOther), ['f']);
  const german = await query('kw', { mode: 'hybrid', text: 'zymurgy fuchs', vector: [1, 0, 0, 0], topK: 10, filter: { lang: 'de' } });
  assert.deepEqual(ids(german), ['e']);
  const excluded = await query('kw', { mode: 'keyword', text: 'zymurgy', excludeIds: ['c'] });
  assert.deepEqual(ids(excluded), ['f']);
});

test('groupBy caps the matches per group and answers the groups with their keys', async () => {
  await seeded;
  const r = await query('kw', { vector: [1, 0, 0, 0], topK: 10, groupBy: 'doc', groupSize: 1, namespace: 'main', returnMetadata: 'all' });
  assert.ok(Array.isArray(r.groups), JSON.stringify(r));
  // In the order of their best match: a (d1) is the closest; c, d and e tie at 0.
  assert.equal(r.groups[0].key, 'd1');
  assert.deepEqual(new Set(r.groups.map((g) => g.key)), new Set(['d1', 'd2', 'd3']));
  for (const g of r.groups) {
    assert.equal(g.matches.length, 1);
    assert.equal(g.matches[0].metadata.doc, g.key);
  }
  assert.equal(r.count, r.matches.length);
  assert.deepEqual(ids(r), r.groups.flatMap((g) => g.matches.map((m) => m.id)));
  // groupCount caps the groups; keys keep their JSON type (numbers stay numbers).
  const pages = await query('kw', { mode: 'keyword', text: 'zymurgy brewing dog fox', groupBy: 'page', groupSize: 2, groupCount: 1 });
  assert.equal(pages.groups.length, 1);
  assert.equal(typeof pages.groups[0].key, 'number');
  assert.ok(pages.groups[0].matches.length <= 2);
  // A grouped query that matches nothing still answers "groups".
  const none = await query('kw', { mode: 'keyword', text: 'nothingmatchesthis', groupBy: 'doc' });
  assert.deepEqual(none.groups, []);
});

test('errors in the body: unknown mode or fusion, alpha out of range, wrong types', async () => {
  okResult(await call('POST', vz(), { name: 'shapes', config: { dimensions: 4, metric: 'cosine' } }), 'create shapes');
  const bad = async (body, what) => assertError(await call('POST', vz('shapes') + '/query', body), 400, 40001, what);
  assert.match((await bad({ mode: 'semantic', text: 'x' }, 'mode')).message, /unknown query mode "semantic"/);
  assert.match((await bad({ mode: 'hybrid', text: 'x', fusion: 'max' }, 'fusion')).message, /unknown fusion "max"/);
  assert.match((await bad({ mode: 'hybrid', text: 'x', fusion: 'weighted', alpha: 2 }, 'alpha 2')).message, /"alpha" must be a number from 0 to 1/);
  await bad({ mode: 'hybrid', text: 'x', fusion: 'weighted', alpha: '0.5' }, 'alpha string');
  await bad({ mode: 2, text: 'x' }, 'mode a number');
  await bad({ text: 'x', groupBy: 5 }, 'groupBy a number');
  await bad({ text: 'x', groupBy: 'doc', groupSize: 'two' }, 'groupSize a string');
  await bad({ mode: 'keyword' }, 'keyword without text');
  await bad({ mode: 'keyword', text: 'x', vector: [1, 0, 0, 0] }, 'keyword with vector');
  await bad({ mode: 'hybrid', vector: [1, 0, 0, 0] }, 'hybrid without text');
  assertError(await call('POST', vz('shapes') + '/text_index', '{"fields":"title"}', { contentType: 'application/json' }), 400, 40001, 'fields a string');
  assertError(await call('POST', vz('shapes') + '/text_index', '[1]', { contentType: 'application/json' }), 400, 40001, 'an array');
  assertError(await call('POST', vz('nope') + '/text_index', { fields: [] }), 404, 3000, 'unknown index');
  assertError(await call('GET', vz('nope') + '/text_index'), 404, 3000, 'unknown index');
  okResult(await call('DELETE', vz('shapes')), 'delete shapes');
});

test('errors from the index: no text index, alpha with rrf, a group property no record has', async () => {
  await seeded;
  const bad = async (body, status, code, what) => assertError(await call('POST', vz('kw') + '/query', body), status, code, what);
  await bad({ mode: 'hybrid', text: 'x', vector: [1, 0, 0, 0], alpha: 0.5 }, 400, 40000, 'alpha with rrf');
  await bad({ vector: [1, 0, 0, 0], groupBy: 'nosuchproperty' }, 400, 40000, 'groupBy on a property no record has');
  await bad({ vector: [1, 0, 0, 0], groupBy: 'doc', groupSize: 0 }, 400, 40000, 'groupSize 0');
  const noText = assertError(await call('POST', vz('kw-none') + '/query', { mode: 'keyword', text: 'x' }), 400, 40008, 'no text index');
  assert.match(noText.message, /text index/);
  assertError(await call('POST', vz('kw-none') + '/query', { mode: 'hybrid', text: 'x', vector: [1, 0, 0, 0] }), 400, 40008, 'hybrid, no text index');
});

test('the text_index route enables the index on the records already stored, and drops it', async () => {
  okResult(await call('POST', vz(), { name: 'later', config: { dimensions: 4, metric: 'cosine' } }), 'create later');
  await upsert('later', RECORDS);
  assertError(await call('POST', vz('later') + '/query', { mode: 'keyword', text: 'zymurgy' }), 400, 40008, 'before');
  const m = okResult(await call('POST', vz('later') + '/text_index', { fields: [], language: 'none' }), 'enable');
  assert.match(m.mutationId, /^[0-9a-f-]{36}$/);
  assert.deepEqual(okResult(await call('GET', vz('later') + '/text_index'), 'get'),
    { enabled: true, fields: [], language: 'none', k1: 1.2, b: 0.75 });
  assert.equal(okResult(await call('GET', vz('later')), 'describe').config.textIndex.language, 'none');
  assert.equal((await query('later', { mode: 'keyword', text: 'zymurgy', namespace: 'main' })).matches[0].id, 'c');
  // Records written after it are indexed as they come.
  await upsert('later', [{ id: 'g', values: [0, 0, 0, 1], text: 'quokka selfies' }]);
  assert.deepEqual(ids(await query('later', { mode: 'keyword', text: 'quokka' })), ['g']);
  okResult(await call('POST', vz('later') + '/text_index', { enabled: false }), 'drop');
  assert.deepEqual(okResult(await call('GET', vz('later') + '/text_index'), 'get'), { enabled: false });
  assertError(await call('POST', vz('later') + '/query', { mode: 'keyword', text: 'zymurgy' }), 400, 40008, 'after');
  assertError(await call('POST', vz('later') + '/text_index', { language: 'klingon' }), 400, 40000, 'language');
});

test('with a model: text records are embedded and indexed, and hybrid embeds the keywords', async () => {
  okResult(await call('POST', vz(), { name: 'docs', config: { model: DEFAULT_MODEL, textIndex: true } }), 'create docs');
  await upsert('docs', [
    { id: 'pets', text: 'A puppy chases a ball in the park', metadata: { topic: 'pets' } },
    { id: 'space', text: 'The rover drove across the red dust of Mars', metadata: { topic: 'space' } },
    { id: 'beer', text: 'Zymurgy: the chemistry of brewing beer', metadata: { topic: 'food' } },
  ]);
  const got = okResult(await call('POST', vz('docs') + '/get_by_ids', { ids: ['pets'] }), 'get');
  assert.equal(got[0].text, 'A puppy chases a ball in the park');
  assert.equal(got[0].values.length, 384);
  assert.deepEqual(ids(await query('docs', { mode: 'keyword', text: 'zymurgy' })), ['beer']);
  const hybrid = await query('docs', { mode: 'hybrid', text: 'a dog playing fetch', topK: 3 });
  assert.equal(hybrid.matches[0].id, 'pets');
  // Vector mode keeps its meaning: the text is embedded.
  assert.equal((await query('docs', { text: 'exploring the red planet', topK: 1 })).matches[0].id, 'space');
});
