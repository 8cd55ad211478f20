// LangChain.js against `semble serve`, set up as LangChain's docs set up an OpenAI-compatible
// endpoint and a Cloudflare Vectorize store, with default settings:
//   - @langchain/openai OpenAIEmbeddings with configuration.baseURL = <semble>/v1: embedDocuments
//     of the 2,910 STS-B sentences (its default batch of 512 inputs per request) and embedQuery,
//     equal to the server's own vectors;
//   - @langchain/cloudflare CloudflareVectorizeStore over a Vectorize binding-shaped object backed
//     by the official `cloudflare` SDK (vectorize_binding.mjs; the store takes a Workers binding):
//     the vectors live in semble's index, and a query's nearest neighbours are its paraphrases.
// Run: SEMBLE_BINARY=build/semble node --test tests/clients/langchain.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';
import { OpenAIEmbeddings } from '@langchain/openai';
import { CloudflareVectorizeStore } from '@langchain/cloudflare';
import { Document } from '@langchain/core/documents';
import { startServer, ACCOUNT, cosine } from '../server/harness.mjs';
import {
  TOKEN, TOKENS_FILE, MODEL, loadCorpus, serverEmbeddings, assertSameVector, assertSameVectors,
  assertServerMatchesCli, recordingFetch, assertNeighboursMakeSense, querySets,
  serverWithCorpus,
} from './common.mjs';

const INDEX = 'langchain-stsb';

const ctx = serverWithCorpus();

// As LangChain's docs point OpenAIEmbeddings at an OpenAI-compatible server: model, apiKey and
// configuration.baseURL. The fetch only records request sizes and passes everything through.
function embeddingsFor(fetchFn) {
  return new OpenAIEmbeddings({
    model: MODEL,
    apiKey: TOKEN,
    configuration: { baseURL: `${ctx.server.url}/v1`, ...(fetchFn ? { fetch: fetchFn } : {}) },
  });
}

test('OpenAIEmbeddings: embedDocuments of 2,910 texts in default batches of 512, and embedQuery', async () => {
  const rec = recordingFetch();
  const embeddings = embeddingsFor(rec.fetch);
  assert.equal(embeddings.batchSize, 512, 'LangChain\'s default batch size');
  const vectors = await embeddings.embedDocuments(ctx.corpus.sentences);
  assertSameVectors(vectors, ctx.reference, 'embedDocuments');

  // Six requests: 5 × 512 + 350, each answered 200, with the model name the user gave.
  const sizes = rec.calls.map((c) => c.inputs).sort((a, b) => b - a);
  assert.deepEqual(sizes, [512, 512, 512, 512, 512, 350], JSON.stringify(rec.calls));
  for (const c of rec.calls) {
    assert.equal(c.status, 200, JSON.stringify(c));
    assert.equal(c.model, MODEL);
  }

  for (const i of [0, 1, 1234, ctx.corpus.sentences.length - 1]) {
    const q = await embeddings.embedQuery(ctx.corpus.sentences[i]);
    assertSameVector(q, ctx.reference[i], `embedQuery(sentence ${i})`);
  }
  // The server's vectors are the model's: a sample against `semble embed --no-cache`.
  assertServerMatchesCli(ctx.corpus.sentences, ctx.reference, 'langchain corpus');
});

test('OpenAIEmbeddings: a wrong API key is an error LangChain reports, not vectors', async () => {
  const embeddings = new OpenAIEmbeddings({
    model: MODEL, apiKey: 'not-a-valid-token-000000', configuration: { baseURL: `${ctx.server.url}/v1` },
  });
  await assert.rejects(() => embeddings.embedQuery('hello'), (e) => {
    assert.match(String(e.message), /token|auth|401/i, String(e));
    return true;
  });
});

test('CloudflareVectorizeStore over the cloudflare SDK: 2,910 documents in semble, nearest neighbours are paraphrases', async (t) => {
  const cf = new Cloudflare({ apiToken: TOKEN, baseURL: `${ctx.server.url}/client/v4` });
  const created = await cf.vectorize.indexes.create({
    account_id: ACCOUNT, name: INDEX, config: { dimensions: 384, metric: 'cosine' },
  });
  assert.equal(created.name, INDEX);
  // A metadata index before the writes, as Vectorize requires for filtering on a property.
  await cf.vectorize.indexes.metadataIndex.create(INDEX, { account_id: ACCOUNT, propertyName: 'genre', indexType: 'string' });

  const { VectorizeRestIndex } = await import('./vectorize_binding.mjs');
  const index = new VectorizeRestIndex(cf, { accountId: ACCOUNT, indexName: INDEX });
  const embeddings = embeddingsFor();
  const store = new CloudflareVectorizeStore(embeddings, { index });

  // Metadata: the STS-B genre of the sentence, and its position in the corpus.
  const docs = ctx.corpus.sentences.map((s, i) => new Document({
    pageContent: s, metadata: { genre: genreOf(i), position: i },
  }));
  const ids = ctx.corpus.sentences.map((_, i) => `s${i}`);
  const returned = await store.addDocuments(docs, { ids });
  assert.deepEqual(returned, ids);

  // The vectors are in semble: the count, and records read back with the cloudflare SDK.
  const info = await index.describe();
  assert.equal(info.vectorCount, ctx.corpus.sentences.length);
  assert.equal(info.dimensions, 384);
  const sample = [0, 7, 500, 1999, ctx.corpus.sentences.length - 1];
  const records = await index.getByIds(sample.map((i) => `s${i}`));
  assert.equal(records.length, sample.length);
  for (const r of records) {
    const i = Number(r.id.slice(1));
    assertSameVector(r.values, ctx.reference[i], `stored ${r.id}`);
    assert.equal(r.metadata.text, ctx.corpus.sentences[i], 'LangChain keeps the text in metadata.text');
    assert.equal(r.metadata.genre, genreOf(i));
  }

  // similaritySearchWithScore: semble's scores are the cosines of the stored vectors.
  const q = ctx.corpus.sentences[3];
  const scored = await store.similaritySearchWithScore(q, 6);
  assert.equal(scored.length, 6);
  assert.equal(scored[0][0].pageContent, q, 'a stored sentence is its own nearest neighbour');
  for (const [doc, score] of scored) {
    const j = ctx.byText.get(doc.pageContent);
    assert.ok(j !== undefined, `unknown text ${doc.pageContent}`);
    assert.equal(doc.metadata.position, j);
    assert.ok(!('text' in doc.metadata), 'the text key is taken out of metadata');
    const want = cosine(ctx.reference[3], ctx.reference[j]);
    assert.ok(Math.abs(score - want) <= 1e-4, `score of "${doc.pageContent}": ${score}, cosine ${want}`);
  }
  for (let i = 1; i < scored.length; i++) assert.ok(scored[i - 1][1] >= scored[i][1] - 1e-7, 'best first');

  // An empty filter is no filter (what a caller passing {} sends); a real one restricts.
  const unfiltered = await store.similaritySearch(q, 6, {});
  assert.deepEqual(unfiltered.map((d) => d.pageContent), scored.map(([d]) => d.pageContent));
  const news = await store.similaritySearch(q, 5, { genre: 'main-news' });
  assert.equal(news.length, 5);
  for (const d of news) assert.equal(d.metadata.genre, 'main-news', JSON.stringify(d.metadata));

  // The RAG path: a retriever over the store, k = 6 (the query itself comes back first).
  const retriever = store.asRetriever({ k: 6 });
  const rates = await assertNeighboursMakeSense(t, ctx.corpus.pairs,
    async (text) => (await retriever.invoke(text)).map((d) => d.pageContent), 'LangChain retriever over semble');
  assert.equal(rates.paraphrases.total, querySets(ctx.corpus.pairs).paraphrases.length);

  // delete() removes from semble.
  await store.delete({ ids: ['s0', 's1'] });
  assert.equal((await index.describe()).vectorCount, ctx.corpus.sentences.length - 2);
  assert.deepEqual(await index.getByIds(['s0', 's1']), []);
});

// The recipe's binding shim beyond what the store calls: insert, queryById, returnMetadata as the
// binding takes it (true / false / a string), namespaces, describe after deletes.
test('VectorizeRestIndex: the binding\'s other methods against semble', async () => {
  const cf = new Cloudflare({ apiToken: TOKEN, baseURL: `${ctx.server.url}/client/v4` });
  await cf.vectorize.indexes.create({ account_id: ACCOUNT, name: 'binding-shim', config: { dimensions: 3, metric: 'cosine' } });
  const { VectorizeRestIndex } = await import('./vectorize_binding.mjs');
  const index = new VectorizeRestIndex(cf, { accountId: ACCOUNT, indexName: 'binding-shim' });
  const ins = await index.insert([
    { id: 'a', values: new Float32Array([1, 0, 0]), metadata: { n: 1 } },
    { id: 'b', values: [0.9, 0.1, 0], metadata: { n: 2 }, namespace: 'ns' },
    { id: 'c', values: [0, 0, 1] },
  ]);
  assert.equal(typeof ins.mutationId, 'string');
  assert.equal((await index.describe()).vectorCount, 3);

  const byId = await index.queryById('a', { topK: 2, returnMetadata: true, returnValues: true });
  assert.deepEqual(byId.matches.map((m) => m.id), ['a', 'b']);
  assert.deepEqual(byId.matches[0].metadata, { n: 1 });
  assert.deepEqual(byId.matches[0].values, [1, 0, 0]);
  const bare = await index.query([1, 0, 0], { topK: 3, returnMetadata: false });
  assert.equal(bare.count, 3);
  assert.ok(bare.matches.every((m) => m.metadata === undefined && m.values === undefined), JSON.stringify(bare));
  const inNs = await index.query([1, 0, 0], { topK: 3, namespace: 'ns', returnMetadata: 'all' });
  assert.deepEqual(inNs.matches.map((m) => [m.id, m.namespace, m.metadata]), [['b', 'ns', { n: 2 }]]);

  await index.upsert([{ id: 'c', values: [1, 1, 0], metadata: { n: 3 } }]);
  const [c] = await index.getByIds(['c']);
  assert.deepEqual(c.metadata, { n: 3 });
  await index.deleteByIds(['a', 'b']);
  assert.equal((await index.describe()).vectorCount, 1);
});

// STS-B's genre (main-captions, main-forums, main-news) of the first pair a sentence comes from.
let genres;
function genreOf(i) {
  if (!genres) {
    genres = new Map();
    for (const p of ctx.corpus.pairs) {
      for (const s of [p.a, p.b]) if (!genres.has(s)) genres.set(s, p.genre);
    }
  }
  const g = genres.get(ctx.corpus.sentences[i]);
  assert.ok(g, `no genre for sentence ${i}`);
  return g;
}
