// LlamaIndex.TS against `semble serve`, set up as LlamaIndex's docs set up an OpenAI-compatible
// embedding endpoint, with default settings: `llamaindex` with `@llamaindex/openai`'s
// OpenAIEmbedding (baseURL = <semble>/v1, its default batch of 10 inputs per request) as
// Settings.embedModel; VectorStoreIndex.fromDocuments over the 2,910 STS-B sentences; a retriever
// whose nodes for a query are its paraphrases.
// LlamaIndex.TS has no Cloudflare Vectorize store, so the vectors (made by semble) live in
// LlamaIndex's own in-memory SimpleVectorStore; docs/CLIENTS.md says so.
// Run: SEMBLE_BINARY=build/semble node --test tests/clients/llamaindex.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Document, Settings, VectorStoreIndex } from 'llamaindex';
import { OpenAIEmbedding } from '@llamaindex/openai';
import { startServer, cosine } from '../server/harness.mjs';
import {
  TOKEN, TOKENS_FILE, MODEL, loadCorpus, serverEmbeddings, assertSameVector, recordingFetch,
  assertNeighboursMakeSense, assertServerMatchesCli,
  serverWithCorpus,
} from './common.mjs';

const ctx = serverWithCorpus();

test('OpenAIEmbedding as Settings.embedModel: VectorStoreIndex of 2,910 documents, a retriever returns paraphrases', async (t) => {
  const rec = recordingFetch();
  // LlamaIndex's documented form for an OpenAI-compatible server: model, apiKey, baseURL (or the
  // OPENAI_API_KEY / OPENAI_BASE_URL environment). additionalSessionOptions passes the recording
  // fetch to the OpenAI client it makes.
  const embedModel = new OpenAIEmbedding({
    model: MODEL, apiKey: TOKEN, baseURL: `${ctx.server.url}/v1`, additionalSessionOptions: { fetch: rec.fetch },
  });
  assert.equal(embedModel.embedBatchSize, 10, 'LlamaIndex\'s default batch size');
  Settings.embedModel = embedModel;

  const docs = ctx.corpus.sentences.map((text, i) => new Document({ text, id_: `s${i}` }));
  const index = await VectorStoreIndex.fromDocuments(docs);

  // Every document reached semble in requests of at most 10 inputs (291 of them), all 200.
  const total = rec.calls.reduce((n, c) => n + c.inputs, 0);
  assert.equal(total, ctx.corpus.sentences.length, 'each sentence embedded once');
  assert.ok(rec.calls.every((c) => c.inputs <= 10 && c.status === 200 && c.model === MODEL), JSON.stringify(rec.calls.slice(0, 3)));
  assert.equal(rec.calls.length, Math.ceil(ctx.corpus.sentences.length / 10));

  // The store holds one node per sentence, its embedding equal to the server's vector.
  const stores = Object.values(index.vectorStores);
  assert.equal(stores.length, 1, 'one (text) vector store');
  const store = stores[0];
  assert.equal(store.constructor.name, 'SimpleVectorStore');
  const stored = Object.entries(store.data.embeddingDict);
  assert.equal(stored.length, ctx.corpus.sentences.length);
  for (const [nodeId, embedding] of stored) {
    const node = await index.docStore.getNode(nodeId);
    const i = ctx.byText.get(node.getText());
    assert.ok(i !== undefined, `node text is not a ctx.corpus sentence: ${node.getText()}`);
    assertSameVector(embedding, ctx.reference[i], `node ${nodeId} ("${node.getText()}")`);
  }
  const q = await embedModel.getQueryEmbedding({ type: 'text', text: ctx.corpus.sentences[42] });
  assertSameVector(q, ctx.reference[42], 'getQueryEmbedding');
  assertServerMatchesCli(ctx.corpus.sentences, ctx.reference, 'llamaindex corpus', 8);

  // The retriever: scores are cosines, best first, the query's own sentence first.
  const retriever = index.asRetriever({ similarityTopK: 6 });
  const results = await retriever.retrieve({ query: ctx.corpus.sentences[42] });
  assert.equal(results.length, 6);
  assert.equal(results[0].node.getText(), ctx.corpus.sentences[42]);
  for (const r of results) {
    const j = ctx.byText.get(r.node.getText());
    const want = cosine(ctx.reference[42], ctx.reference[j]);
    assert.ok(Math.abs(r.score - want) <= 1e-4, `score ${r.score}, cosine ${want}`);
  }

  await assertNeighboursMakeSense(t, ctx.corpus.pairs,
    async (text) => (await retriever.retrieve({ query: text })).map((r) => r.node.getText()),
    'LlamaIndex retriever (embeddings by semble)');
});
