// Copyright 2026 The semble Authors.
//
// onnxruntime-node's embedding throughput, the peer of embed_bench.cc: same sentences, same model
// files (the shipped acc4 graph), transformers.js tokenizer, 1 intra-op thread, mean pooling + L2.
//   node embed_bench_ort.mjs MODEL_DIR SENTENCES_FILE BATCH RUNS
// Run from anywhere: packages resolve from tests/embed/node_modules.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'tests', 'embed', 'package.json'));
const ort = require('onnxruntime-node');
const { AutoTokenizer, env } = await import(
  require.resolve('@huggingface/transformers'));

const [modelDir, sentencesFile, batchArg, runsArg] = process.argv.slice(2);
const batch = Number(batchArg), runs = Number(runsArg);
env.allowRemoteModels = false;
env.localModelPath = path.dirname(path.resolve(modelDir)) + '/';
const tokenizer = await AutoTokenizer.from_pretrained(path.basename(path.resolve(modelDir)));
const session = await ort.InferenceSession.create(path.join(modelDir, 'onnx', 'model_q4.onnx'), {
  intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
});
const sentences = fs.readFileSync(sentencesFile, 'utf8').split('\n');
if (sentences[sentences.length - 1] === '') sentences.pop();
const dim = 384;

async function embed(texts) {
  const ids = texts.map((t) => tokenizer.encode(t));
  const len = Math.max(...ids.map((v) => v.length));
  const n = texts.length;
  const inputIds = new BigInt64Array(n * len), mask = new BigInt64Array(n * len);
  ids.forEach((v, r) => v.forEach((id, c) => { inputIds[r * len + c] = BigInt(id); mask[r * len + c] = 1n; }));
  const shape = [n, len];
  const out = await session.run({
    input_ids: new ort.Tensor('int64', inputIds, shape),
    attention_mask: new ort.Tensor('int64', mask, shape),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(n * len), shape),
  });
  const h = out.last_hidden_state.data;
  const result = [];
  for (let r = 0; r < n; ++r) {
    const v = new Float32Array(dim);
    for (let t = 0; t < ids[r].length; ++t) for (let d = 0; d < dim; ++d) v[d] += h[(r * len + t) * dim + d];
    let norm = 0;
    for (let d = 0; d < dim; ++d) norm += v[d] * v[d];
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dim; ++d) v[d] /= norm;
    result.push(v);
  }
  return result;
}

async function runAll(limit) {
  for (let i = 0; i < limit; i += batch) await embed(sentences.slice(i, Math.min(limit, i + batch)));
}

await runAll(Math.min(64, sentences.length));  // warm-up
const rates = [];
for (let r = 0; r < runs; ++r) {
  const t0 = process.hrtime.bigint();
  await runAll(sentences.length);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  rates.push(sentences.length / s);
}
const sorted = [...rates].sort((a, b) => a - b);
console.log(JSON.stringify({
  engine: `onnxruntime-node-${ort.env.versions?.common ?? '1.30.0'}`, threads: 1, batch,
  sentences: sentences.length, median: +sorted[Math.floor(sorted.length / 2)].toFixed(1),
  runs: rates.map((x) => +x.toFixed(1)), peak_rss_mb: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
}));
