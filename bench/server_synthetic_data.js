// Copyright 2026 The semble Authors.
//
// Synthetic stand-in for bench/run_server.sh's embedded GloVe words (bench/RESULTS.md, "Boost.Beast
// server vs cpp-httplib"): run in DATA, then `server_bench prepare DATA --docs 20000 --queries 1000`.
// 21,000 unit vectors, 384 dims, drawn around 300 random centres (so neighbourhoods exist, as in
// real embeddings). Deterministic (seeded).
const fs = require("fs");
let s = 12345;
const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
const D = 384, N = 21000, C = 300;
const centres = Array.from({length: C}, () => Array.from({length: D}, gauss));
const words = [];
let chunk = [], ci = 0;
const flush = () => {
  fs.writeFileSync(`embed/chunk_${String(ci).padStart(3, "0")}.json`,
    JSON.stringify({dimensions: D, data: chunk}));
  ci++; chunk = [];
};
for (let i = 0; i < N; i++) {
  const c = centres[Math.floor(rnd() * C)];
  const v = c.map(x => x + 0.6 * gauss());
  const norm = Math.hypot(...v);
  words.push("w" + i);
  chunk.push({text: "w" + i, embedding: v.map(x => +(x / norm).toFixed(6))});
  if (chunk.length === 1000) flush();
}
if (chunk.length) flush();
fs.writeFileSync("words.txt", words.join("\n") + "\n");
