// Copyright 2026 The semble Authors.
//
// The peer side of semble's embedding parity tests: Hugging Face's tokenizer (transformers.js) and
// ONNX Runtime on the same model files semble reads. Run by tests/embed/*_test.cc, never by hand
// for golden files: every test run asks the real peer.
//
//   node reference.mjs tokens  MODEL_DIR IN.json OUT.json
//       IN: a JSON array of texts; OUT: a JSON array of id arrays (special tokens, no truncation).
//   node reference.mjs vectors MODEL_DIR acc4|acc0 IN.json OUT.f32
//       OUT: float32 little-endian, one mean-pooled L2-normalised row per text. acc0 rewrites the
//       MatMulNBits accuracy_level attribute to 0 (fp32 activations) in a temporary copy of the
//       .onnx that points at the same .onnx_data. Texts past 512 tokens keep [CLS] + 510 + [SEP].
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [mode, modelDir, ...rest] = process.argv.slice(2);
if (!mode || !modelDir) {
  console.error('usage: reference.mjs tokens|vectors MODEL_DIR ...');
  process.exit(2);
}

const { AutoTokenizer, env } = await import('@huggingface/transformers');
env.allowRemoteModels = false;
env.localModelPath = path.dirname(path.resolve(modelDir)) + '/';
const tokenizer = await AutoTokenizer.from_pretrained(path.basename(path.resolve(modelDir)));
const encode = (text) => tokenizer.encode(text);

if (mode === 'tokens') {
  const [inPath, outPath] = rest;
  const texts = JSON.parse(fs.readFileSync(inPath, 'utf8'));
  fs.writeFileSync(outPath, JSON.stringify(texts.map(encode)));
  process.exit(0);
}

if (mode !== 'vectors') {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
const [level, inPath, outPath] = rest;
const ort = await import('onnxruntime-node');
let onnxPath = path.join(modelDir, 'onnx', 'model_q4.onnx');
let tmp = null;
if (level === 'acc0') {
  // AttributeProto{name: "accuracy_level", i: 4} -> i: 0; same length, so nothing else moves.
  const bytes = Buffer.from(fs.readFileSync(onnxPath));
  const pattern = Buffer.concat([Buffer.from([0x0a, 0x0e]), Buffer.from('accuracy_level'),
                                 Buffer.from([0x18, 0x04])]);
  let count = 0;
  for (let i = bytes.indexOf(pattern); i >= 0; i = bytes.indexOf(pattern, i + 1)) {
    bytes[i + pattern.length - 1] = 0x00;
    ++count;
  }
  if (count === 0) throw new Error('no accuracy_level=4 attribute found');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'semble-acc0-'));
  fs.writeFileSync(path.join(tmp, 'model_q4.onnx'), bytes);
  // A copy, not a symlink: ORT refuses external data that resolves outside the model's directory.
  fs.copyFileSync(path.resolve(modelDir, 'onnx', 'model_q4.onnx_data'),
                  path.join(tmp, 'model_q4.onnx_data'));
  onnxPath = path.join(tmp, 'model_q4.onnx');
} else if (level !== 'acc4') {
  throw new Error(`level must be acc4 or acc0, not ${level}`);
}
const session = await ort.InferenceSession.create(onnxPath, {
  intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
});
const texts = JSON.parse(fs.readFileSync(inPath, 'utf8'));
const ids = texts.map((t) => {
  const v = encode(t);
  return v.length > 512 ? [...v.slice(0, 511), v[v.length - 1]] : v;
});
const dim = 384;
const out = new Float32Array(texts.length * dim);
// Batches of similar length (padding is masked out, so batching does not change the vectors).
const order = [...ids.keys()].sort((a, b) => ids[a].length - ids[b].length);
for (let b = 0; b < order.length; b += 16) {
  const batch = order.slice(b, b + 16);
  const len = Math.max(...batch.map((i) => ids[i].length));
  const inputIds = new BigInt64Array(batch.length * len);
  const mask = new BigInt64Array(batch.length * len);
  batch.forEach((i, r) => ids[i].forEach((id, c) => {
    inputIds[r * len + c] = BigInt(id);
    mask[r * len + c] = 1n;
  }));
  const shape = [batch.length, len];
  const result = await session.run({
    input_ids: new ort.Tensor('int64', inputIds, shape),
    attention_mask: new ort.Tensor('int64', mask, shape),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(batch.length * len), shape),
  });
  const h = result.last_hidden_state.data;
  batch.forEach((i, r) => {
    const n = ids[i].length;
    const v = new Float64Array(dim);
    for (let t = 0; t < n; ++t) {
      for (let d = 0; d < dim; ++d) v[d] += h[(r * len + t) * dim + d];
    }
    let norm = 0;
    for (let d = 0; d < dim; ++d) { v[d] /= n; norm += v[d] * v[d]; }
    norm = Math.max(Math.sqrt(norm), 1e-12);
    for (let d = 0; d < dim; ++d) out[i * dim + d] = v[d] / norm;
  });
}
fs.writeFileSync(outPath, Buffer.from(out.buffer));
if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
