// Copyright 2026 The semble Authors.
//
// onnxruntime-node's embedding throughput, the peer of embed_bench.cc: same sentences, same model
// files (the shipped acc4 graph), transformers.js tokenizer, 1 intra-op thread, mean pooling + L2.
//   node embed_bench_ort.mjs MODEL_DIR SENTENCES_FILE BATCH RUNS
// Run from anywhere: packages resolve from tests/embed/node_modules.
import fs from 'node:fs';

import { ort, openOrtEmbedder } from './ort_embedder.mjs';

const [modelDir, sentencesFile, batchArg, runsArg] = process.argv.slice(2);
const batch = Number(batchArg), runs = Number(runsArg);
const embed = await openOrtEmbedder(modelDir, 1);
const sentences = fs.readFileSync(sentencesFile, 'utf8').split('\n');
if (sentences[sentences.length - 1] === '') sentences.pop();

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
