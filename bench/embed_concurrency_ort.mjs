// Copyright 2026 The semble Authors.
//
// The onnxruntime-node peer of embed_concurrency_bench.cc: C concurrent callers, each embedding B
// texts per call until every sentence is done, served by W worker threads that each hold their own
// ORT session with T intra-op threads. onnxruntime-node runs a session synchronously on the thread
// that calls it, so one session in one Node thread serves one call at a time; a session per worker
// thread is how a Node service uses several cores. Calls go to the worker with the fewest in
// flight. Prints one Markdown row per (callers, batch): texts/s (median, and every run), texts per
// CPU-second of the process (all its threads; median) and the median latency of one call.
//
//   node embed_concurrency_ort.mjs MODEL_DIR SENTENCES_FILE [--workers 2] [--threads 1]
//                                  [--callers 1,4,16] [--batch 1] [--runs 3]
import fs from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

import { openOrtEmbedder } from './ort_embedder.mjs';

if (!isMainThread) {
  const embed = await openOrtEmbedder(workerData.modelDir, workerData.threads);
  parentPort.on('message', async ({ id, texts }) => {
    await embed(texts);
    parentPort.postMessage({ id });
  });
  parentPort.postMessage({ ready: true });
} else {
  const [modelDir, sentencesFile, ...rest] = process.argv.slice(2);
  const opt = { workers: '2', threads: '1', callers: '1,4,16', batch: '1', runs: '3' };
  for (let i = 0; i + 1 < rest.length; i += 2) opt[rest[i].replace(/^--/, '')] = rest[i + 1];
  const list = (s) => s.split(',').map(Number);
  const sentences = fs.readFileSync(sentencesFile, 'utf8').split('\n').filter((s) => s !== '');

  const workers = [];
  for (let w = 0; w < Number(opt.workers); ++w) {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { modelDir, threads: Number(opt.threads) },
    });
    const entry = { worker, inFlight: 0, pending: new Map() };
    await new Promise((resolve) => worker.once('message', resolve));
    worker.on('message', ({ id }) => {
      entry.inFlight--;
      entry.pending.get(id)();
      entry.pending.delete(id);
    });
    workers.push(entry);
  }
  let nextId = 0;
  function call(texts) {
    const entry = workers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    entry.inFlight++;
    const id = nextId++;
    return new Promise((resolve) => {
      entry.pending.set(id, resolve);
      entry.worker.postMessage({ id, texts });
    });
  }

  async function run(callers, batch, limit) {
    let next = 0;
    const latencies = [];
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    await Promise.all(Array.from({ length: callers }, async () => {
      for (let i; (i = next, next += batch, i) < limit;) {
        const c0 = process.hrtime.bigint();
        await call(sentences.slice(i, Math.min(limit, i + batch)));
        latencies.push(Number(process.hrtime.bigint() - c0) / 1e6);
      }
    }));
    const cpu = process.cpuUsage(cpu0);
    return {
      rate: limit / (Number(process.hrtime.bigint() - t0) / 1e9),
      perCpu: limit / ((cpu.user + cpu.system) / 1e6),
      latencies,
    };
  }

  console.log('| engine | workers × threads | callers | batch | texts/s (median) | runs | ' +
              'texts per CPU-s | call p50 ms |');
  console.log('|---|---|---|---|---|---|---|---|');
  await run(Number(opt.workers), 8, Math.min(256, sentences.length));  // warm-up
  for (const callers of list(opt.callers)) {
    for (const batch of list(opt.batch)) {
      const rates = [], latencies = [], perCpu = [];
      for (let r = 0; r < Number(opt.runs); ++r) {
        const out = await run(callers, batch, sentences.length);
        rates.push(out.rate);
        perCpu.push(out.perCpu);
        latencies.push(...out.latencies);
      }
      const sorted = [...rates].sort((a, b) => a - b);
      latencies.sort((a, b) => a - b);
      perCpu.sort((a, b) => a - b);
      console.log(`| onnxruntime-node | ${opt.workers} × ${opt.threads} | ${callers} | ${batch} | ` +
                  `${Math.round(sorted[Math.floor(sorted.length / 2)])} | ` +
                  `${rates.map(Math.round).join(' / ')} | ` +
                  `${Math.round(perCpu[Math.floor(perCpu.length / 2)])} | ` +
                  `${latencies[Math.floor(latencies.length / 2)].toFixed(2)} |`);
    }
  }
  for (const { worker } of workers) await worker.terminate();
}
