// Copyright 2026 The semble Authors.
//
// The onnxruntime-node peer's embedding function, shared by embed_bench_ort.mjs (throughput at a
// batch size) and embed_concurrency_ort.mjs (concurrent one-text callers): the shipped acc4 graph,
// the transformers.js tokenizer, mean pooling and L2 normalisation, as semble computes them.
// Packages resolve from tests/embed/node_modules (scripts/test's npm step).
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'tests', 'embed', 'package.json'));
export const ort = require('onnxruntime-node');
const { AutoTokenizer, env } = await import(require.resolve('@huggingface/transformers'));

// Returns async embed(texts) -> Float32Array[] over one ORT session with `threads` intra-op threads.
export async function openOrtEmbedder(modelDir, threads) {
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(path.resolve(modelDir)) + '/';
  const tokenizer = await AutoTokenizer.from_pretrained(path.basename(path.resolve(modelDir)));
  const session = await ort.InferenceSession.create(path.join(modelDir, 'onnx', 'model_q4.onnx'), {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
  });
  const dim = 384;
  return async function embed(texts) {
    const ids = texts.map((t) => tokenizer.encode(t));
    const len = Math.max(...ids.map((v) => v.length));
    const n = texts.length;
    const inputIds = new BigInt64Array(n * len), mask = new BigInt64Array(n * len);
    ids.forEach((v, r) => v.forEach((id, c) => {
      inputIds[r * len + c] = BigInt(id);
      mask[r * len + c] = 1n;
    }));
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
      for (let t = 0; t < ids[r].length; ++t) {
        for (let d = 0; d < dim; ++d) v[d] += h[(r * len + t) * dim + d];
      }
      let norm = 0;
      for (let d = 0; d < dim; ++d) norm += v[d] * v[d];
      norm = Math.sqrt(norm) || 1;
      for (let d = 0; d < dim; ++d) v[d] /= norm;
      result.push(v);
    }
    return result;
  };
}
