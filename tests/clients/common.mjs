// Shared pieces of the framework compatibility tests: the STS-B corpus, the server's own vectors
// for it, a fetch that records what a framework sends, and the paraphrase hit rate that decides
// whether a framework's nearest neighbours make sense. The server itself is started by
// tests/server/harness.mjs.
//
// The corpus is the STS Benchmark dev split (tests/data/stsb/sts-dev.csv; licences in that folder):
// 1,500 sentence pairs from captions, forums and news, each scored 0..5 by people for how much the
// two sentences mean the same. Every distinct sentence (2,910) is one document; the pairs give the
// queries: a query is one sentence of a pair, and its paraphrase is the other.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL, cliEmbed, cosine, startServer } from '../server/harness.mjs';

export const TOKEN = 'clients-test-token-0123456789abcdef';
export const TOKENS_FILE = `write ${TOKEN}\n`;
// The name a user of these frameworks types for the model (an alias of the default model).
export const MODEL = 'all-MiniLM-L6-v2';

const here = path.dirname(fileURLToPath(import.meta.url));
const STSB = path.join(here, '..', 'data', 'stsb', 'sts-dev.csv');

// {sentences: string[] (distinct, in file order), pairs: [{genre, score, a, b}]}; genre is
// main-captions, main-forums or main-news.
export function loadCorpus() {
  const pairs = [];
  const sentences = [];
  const seen = new Set();
  for (const line of fs.readFileSync(STSB, 'utf8').split('\n')) {
    if (!line) continue;
    // TAB separated, no quoting; the first seven fields (SOURCE.txt).
    const f = line.split('\t');
    assert.ok(f.length >= 7, `bad STS-B line: ${line}`);
    const score = Number(f[4]);
    assert.ok(score >= 0 && score <= 5, `bad STS-B score: ${line}`);
    const a = f[5];
    const b = f[6];
    pairs.push({ genre: f[0], score, a, b });
    for (const s of [a, b]) {
      if (!seen.has(s)) { seen.add(s); sentences.push(s); }
    }
  }
  assert.equal(pairs.length, 1500);
  assert.ok(sentences.length >= 2900, `${sentences.length} distinct sentences`);
  return { sentences, pairs };
}

// The query sets of the hit-rate check. Paraphrases: pairs people scored 4.0 or more ("mostly
// equivalent") — 264 pairs. Unrelated: pairs scored 1.0 or less — 389 pairs, the control: their
// second sentence is rarely among the first's neighbours, so a high rate there would mean the
// ranking does not depend on meaning (e.g. every query answered with the same documents).
export function querySets(pairs) {
  const distinct = pairs.filter((p) => p.a !== p.b);
  return {
    paraphrases: distinct.filter((p) => p.score >= 4.0),
    unrelated: distinct.filter((p) => p.score <= 1.0),
  };
}

// Thresholds of the hit rate at 5, the share of queries whose partner sentence is among the five
// nearest other documents of the 2,910. Measured with all-MiniLM-L6-v2 by exact search (each
// query against every sentence): paraphrases 0.992 (262 of 264), unrelated 0.147 (57 of 389);
// chance is 5 / 2,909 = 0.002. A framework must reach 0.95 on the paraphrases (at most 13 misses:
// room for approximate search, none for a broken ranking or shuffled vectors, which land near
// chance) and stay at or under 0.25 on the unrelated pairs.
export const HIT_K = 5;
export const MIN_PARAPHRASE_HIT_RATE = 0.95;
export const MAX_UNRELATED_HIT_RATE = 0.25;

// hits: async (queryText) => the texts of the nearest documents, best first (at least HIT_K + 1
// of them). The query's own sentence is in the corpus, so it is dropped from its neighbours
// before the first HIT_K are taken. Returns {rate, hits, total, misses}.
export async function hitRate(pairs, neighbours, { concurrency = 8 } = {}) {
  let hits = 0;
  const misses = [];
  let next = 0;
  async function worker() {
    while (next < pairs.length) {
      const p = pairs[next++];
      const texts = await neighbours(p.a);
      assert.ok(Array.isArray(texts), 'neighbours must return an array of texts');
      const others = texts.filter((t) => t !== p.a).slice(0, HIT_K);
      assert.equal(others.length, HIT_K, `fewer than ${HIT_K} neighbours for "${p.a}"`);
      if (others.includes(p.b)) hits++;
      else misses.push({ query: p.a, partner: p.b, score: p.score, got: others });
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { rate: hits / pairs.length, hits, total: pairs.length, misses };
}

// Asserts both hit rates and logs them (node --test shows the diagnostics).
export async function assertNeighboursMakeSense(t, pairs, neighbours, what) {
  const { paraphrases, unrelated } = querySets(pairs);
  const good = await hitRate(paraphrases, neighbours);
  const bad = await hitRate(unrelated, neighbours);
  t.diagnostic(`${what}: hit rate at ${HIT_K}: paraphrases (gold >= 4) ${good.hits}/${good.total} = ` +
               `${good.rate.toFixed(3)}, unrelated (gold <= 1) ${bad.hits}/${bad.total} = ${bad.rate.toFixed(3)}`);
  assert.ok(good.rate >= MIN_PARAPHRASE_HIT_RATE,
    `${what}: paraphrase hit rate ${good.rate.toFixed(3)} < ${MIN_PARAPHRASE_HIT_RATE}; first misses: ` +
    JSON.stringify(good.misses.slice(0, 3), null, 1));
  assert.ok(bad.rate <= MAX_UNRELATED_HIT_RATE,
    `${what}: unrelated pairs hit rate ${bad.rate.toFixed(3)} > ${MAX_UNRELATED_HIT_RATE}`);
  return { paraphrases: good, unrelated: bad };
}

// The server's own vectors for texts: POST /v1/embeddings with encoding_format "float", by plain
// fetch (no SDK), 1,000 inputs per request.
export async function serverEmbeddings(url, texts) {
  const out = [];
  for (let i = 0; i < texts.length; i += 1000) {
    const input = texts.slice(i, i + 1000);
    const res = await fetch(`${url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ model: DEFAULT_MODEL, input, encoding_format: 'float' }),
    });
    const text = await res.text();
    assert.equal(res.status, 200, `/v1/embeddings: ${text.slice(0, 300)}`);
    const doc = JSON.parse(text);
    assert.equal(doc.data.length, input.length);
    doc.data.forEach((d, j) => { assert.equal(d.index, j); out.push(d.embedding); });
  }
  return out;
}

// Vectors from a framework equal the reference: the same length, elementwise within 1e-6 (the
// server's JSON floats are float32 printed shortest; base64 is the same float32 bits), so also
// cosine >= 0.9999.
export function assertSameVector(got, want, what) {
  assert.equal(got.length, want.length, `${what}: ${got.length} dims, want ${want.length}`);
  for (let j = 0; j < want.length; j++) {
    assert.ok(Math.abs(got[j] - want[j]) <= 1e-6, `${what} dim ${j}: ${got[j]} vs the server's ${want[j]}`);
  }
  assert.ok(cosine(got, want) >= 0.9999, `${what}: cosine ${cosine(got, want)}`);
}

export function assertSameVectors(got, want, what) {
  assert.equal(got.length, want.length, `${what}: ${got.length} vectors, want ${want.length}`);
  got.forEach((v, i) => assertSameVector(v, want[i], `${what} [${i}]`));
}

// A sample of texts checked against `semble embed --no-cache` (a separate process, no server, no
// embedding cache): the server's vectors are the model's.
export function assertServerMatchesCli(texts, vectors, what, sample = 24) {
  const step = Math.max(1, Math.floor(texts.length / sample));
  const idx = [];
  for (let i = 0; i < texts.length && idx.length < sample; i += step) idx.push(i);
  const cli = cliEmbed(idx.map((i) => texts[i]));
  idx.forEach((i, j) => assertSameVector(vectors[i], cli[j], `${what}: text ${i} vs semble embed`));
}

// A fetch that passes every call through unchanged and remembers, per request to an embeddings
// route, how many inputs it carried — to show a framework's default batching reached the server.
export function recordingFetch() {
  const calls = [];
  const fn = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = init?.body;
    let call = null;
    if (/\/embeddings$/.test(new URL(url).pathname) && typeof body === 'string') {
      const doc = JSON.parse(body);
      call = { url, inputs: Array.isArray(doc.input) ? doc.input.length : 1, model: doc.model,
               encoding: doc.encoding_format, status: null };
      calls.push(call);
    }
    const res = await fetch(input, init);
    if (call) call.status = res.status;
    return res;
  };
  return { fetch: fn, calls };
}

// What every file of this suite starts from: its own server (with the clients' token), the corpus,
// each sentence's position, and the server's own vectors of the corpus (the reference the
// frameworks' vectors are compared with). Registers the file's before/after hooks; the returned
// object's fields are set once `before` has run.
export function serverWithCorpus() {
  const ctx = {};
  before(async () => {
    ctx.server = await startServer({ tokens: TOKENS_FILE });
    ctx.corpus = loadCorpus();
    ctx.byText = new Map(ctx.corpus.sentences.map((s, i) => [s, i]));
    ctx.reference = await serverEmbeddings(ctx.server.url, ctx.corpus.sentences);
  });
  after(async () => {
    if (ctx.server) await ctx.server.stop();
  });
  return ctx;
}
