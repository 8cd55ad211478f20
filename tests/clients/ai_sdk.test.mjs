// Vercel's AI SDK against `semble serve`, set up as the AI SDK's docs set up an OpenAI-compatible
// provider, with default settings: `ai`'s embed / embedMany through `@ai-sdk/openai-compatible`'s
// createOpenAICompatible({baseURL: <semble>/v1}). embedMany of the 2,910 STS-B sentences (the
// provider's default of 2,048 inputs per call, calls in parallel), vectors equal to the server's,
// and cosineSimilarity ranking a query's paraphrases first.
// Run: SEMBLE_BINARY=build/semble node --test tests/clients/ai_sdk.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { embed, embedMany, cosineSimilarity } from 'ai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { startServer, cosine } from '../server/harness.mjs';
import {
  TOKEN, TOKENS_FILE, MODEL, loadCorpus, serverEmbeddings, assertSameVector, assertSameVectors,
  recordingFetch, assertNeighboursMakeSense, assertServerMatchesCli,
  serverWithCorpus,
} from './common.mjs';

const ctx = serverWithCorpus();

// The AI SDK's documented form for an OpenAI-compatible server: name, baseURL, apiKey. The fetch
// only records request sizes and passes everything through.
function provider(fetchFn, apiKey = TOKEN) {
  return createOpenAICompatible({ name: 'semble', baseURL: `${ctx.server.url}/v1`, apiKey, fetch: fetchFn });
}

test('embedMany of 2,910 texts with the default 2,048 per call, and embed', async (t) => {
  const rec = recordingFetch();
  const model = provider(rec.fetch).embeddingModel(MODEL);
  assert.equal(await model.maxEmbeddingsPerCall, 2048, 'the provider\'s default');

  const { embeddings, values, usage } = await embedMany({ model, values: ctx.corpus.sentences });
  assert.deepEqual(values, ctx.corpus.sentences);
  assertSameVectors(embeddings, ctx.reference, 'embedMany');
  // Two calls (2,048 + 862 inputs), in parallel by default, both 200, float vectors.
  assert.deepEqual(rec.calls.map((c) => c.inputs).sort((a, b) => b - a), [2048, 862], JSON.stringify(rec.calls));
  for (const c of rec.calls) {
    assert.equal(c.status, 200);
    assert.equal(c.model, MODEL);
    assert.equal(c.encoding, 'float');
  }
  // The server's usage reaches the SDK: a token count per text, at least one each.
  assert.ok(Number.isInteger(usage.tokens) && usage.tokens >= ctx.corpus.sentences.length, JSON.stringify(usage));
  t.diagnostic(`embedMany: ${rec.calls.length} calls, usage ${usage.tokens} tokens`);

  for (const i of [0, 2047, 2048, ctx.corpus.sentences.length - 1]) {
    const { embedding, value } = await embed({ model, value: ctx.corpus.sentences[i] });
    assert.equal(value, ctx.corpus.sentences[i]);
    assertSameVector(embedding, ctx.reference[i], `embed(sentence ${i})`);
  }
  assertServerMatchesCli(ctx.corpus.sentences, ctx.reference, 'ai sdk corpus', 8);
});

test('cosineSimilarity over embedMany\'s vectors ranks paraphrases first', async (t) => {
  const model = provider().embeddingModel(MODEL);
  const { embeddings } = await embedMany({ model, values: ctx.corpus.sentences });
  // cosineSimilarity is the AI SDK's; it agrees with the harness's.
  assert.ok(Math.abs(cosineSimilarity(embeddings[0], embeddings[1]) - cosine(ctx.reference[0], ctx.reference[1])) <= 1e-5);

  // The in-memory retrieval the AI SDK's RAG guide does: embed the query, rank every document by
  // cosineSimilarity.
  const neighbours = async (text) => {
    const { embedding } = await embed({ model, value: text });
    const scored = embeddings.map((e, i) => ({ i, s: cosineSimilarity(embedding, e) }));
    scored.sort((a, b) => b.s - a.s);
    return scored.slice(0, 6).map((x) => ctx.corpus.sentences[x.i]);
  };
  await assertNeighboursMakeSense(t, ctx.corpus.pairs, neighbours, 'AI SDK embed + cosineSimilarity');
});

test('a wrong API key is an APICallError with the ctx.server\'s message, not vectors', async () => {
  const model = provider(undefined, 'not-a-valid-token-000000').embeddingModel(MODEL);
  await assert.rejects(() => embed({ model, value: 'hello', maxRetries: 0 }), (e) => {
    assert.equal(e.statusCode, 401, String(e));
    assert.match(e.message, /token/i);
    return true;
  });
});
