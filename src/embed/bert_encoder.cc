// Copyright 2026 The semble Authors.

#include "embed/bert_encoder.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <string>

#ifdef __GLIBC__
#include <malloc.h>  // malloc_trim
#endif

namespace semble::embed {
namespace {

constexpr size_t kRowsPerTask = 64;

// Splits rows into tasks for a pool: whole blocks when there are enough rows to go around.
size_t RowTasks(size_t m, const core::ThreadPool* pool) {
  if (pool->size() == 1) return 1;
  return (m + kRowsPerTask - 1) / kRowsPerTask;
}

}  // namespace

BertEncoder::BertEncoder(BertWeights weights) : w_(std::move(weights)) {
  // Without SIMD integer dot products the emulation (fp32 GEMM on rounded inputs) is faster, and
  // without SIMD dequantization so are the unpacked fp32 weights.
  const bool int8 = w_.int8_activation_block == kQ4Block && Q4ChosenPath() != Q4Path::kScalar;
  const bool fp32 = w_.int8_activation_block == 0 && Q4F32IsFast();
  if (!int8 && !fp32) return;
  std::vector<Q4Layer> q4(w_.layers.size());
  for (size_t i = 0; i < w_.layers.size(); ++i) {
    const BertLayer& l = w_.layers[i];
    if (!PackQ4(l.qkv, &q4[i].qkv) || !PackQ4(l.out, &q4[i].out) || !PackQ4(l.fc1, &q4[i].fc1) ||
        !PackQ4(l.fc2, &q4[i].fc2)) {
      return;
    }
  }
  if (int8 && Q4ChosenPath() == Q4Path::kAmx) {
    for (Q4Layer& l : q4) {
      for (Q4Linear* w : {&l.qkv, &l.out, &l.fc1, &l.fc2}) ExpandQ4ForAmx(w);
    }
  }
  q4_ = std::move(q4);
  q4_int8_ = int8;
  for (BertLayer& l : w_.layers) {
    for (PackedLinear* p : {&l.qkv, &l.out, &l.fc1, &l.fc2}) {
      p->panels = std::vector<float>();
      p->bias = std::vector<float>();
    }
  }
#ifdef __GLIBC__
  // The fp32 copies (and the loader's, freed before) sit in the heap in pieces glibc keeps;
  // hand them back so the resident size reflects the 4-bit weights.
  malloc_trim(0);
#endif
}

void BertEncoder::LinearQ4(const float* x, size_t m, const Q4Linear& w, float* y,
                           core::ThreadPool* pool, Int8Scratch* scratch) const {
  const size_t tiles = w.num_tiles();
  const size_t threads = static_cast<size_t>(pool->size());
  const size_t pairs = (tiles + 1) / 2;
  const size_t row_blocks = (m + kRowsPerTask - 1) / kRowsPerTask;
  // Split the columns in whole tile pairs (the kernels' width) when rows are few.
  const size_t col_chunks =
      threads == 1 || row_blocks >= 2 * threads ? 1 : std::min(pairs, 2 * threads);
  auto for_tasks = [&](const std::function<void(size_t, size_t, size_t, size_t)>& gemm) {
    if (threads == 1) return gemm(0, m, 0, tiles);
    pool->ParallelFor(row_blocks * col_chunks, [&](size_t task) {
      const size_t rb = task / col_chunks, cc = task % col_chunks;
      const size_t r0 = rb * kRowsPerTask, r1 = std::min(m, r0 + kRowsPerTask);
      const size_t t0 = std::min(tiles, 2 * (pairs * cc / col_chunks));
      const size_t t1 = std::min(tiles, 2 * (pairs * (cc + 1) / col_chunks));
      gemm(r0, r1, t0, t1);
    });
  };
  if (!q4_int8_) {
    for_tasks([&](size_t r0, size_t r1, size_t t0, size_t t1) {
      Q4GemmF32(x + r0 * w.k, r1 - r0, w, y + r0 * w.n, w.n, t0, t1);
    });
    return;
  }
  const size_t blocks = w.blocks();
  if (scratch->q.size() < m * w.k) scratch->q.resize(m * w.k);
  if (scratch->scale.size() < m * blocks) {
    scratch->scale.resize(m * blocks);
    scratch->zsum.resize(m * blocks);
  }
  int8_t* q = scratch->q.data();
  float* scale = scratch->scale.data();
  int32_t* zsum = scratch->zsum.data();
  if (threads == 1) {
    QuantizeActivations(x, m, w.k, q, scale, zsum);
  } else {
    const size_t row_tasks = RowTasks(m, pool);
    pool->ParallelFor(row_tasks, [&](size_t t) {
      const size_t r0 = m * t / row_tasks, r1 = m * (t + 1) / row_tasks;
      QuantizeActivations(x + r0 * w.k, r1 - r0, w.k, q + r0 * w.k, scale + r0 * blocks,
                          zsum + r0 * blocks);
    });
  }
  for_tasks([&](size_t r0, size_t r1, size_t t0, size_t t1) {
    Q4Gemm(q + r0 * w.k, scale + r0 * blocks, zsum + r0 * blocks, r1 - r0, w, y + r0 * w.n, w.n, t0,
           t1);
  });
}

void BertEncoder::Linear(const float* x, size_t m, const PackedLinear& w, float* y,
                         core::ThreadPool* pool, std::vector<float>* scratch) const {
  const size_t block = w_.int8_activation_block;
  if (block > 0 && w.k % block == 0) {
    if (scratch->size() < m * w.k) scratch->resize(m * w.k);
    const size_t tasks = RowTasks(m, pool);
    pool->ParallelFor(tasks, [&](size_t t) {
      const size_t r0 = m * t / tasks, r1 = m * (t + 1) / tasks;
      FakeQuantizeInt8Blocks(x + r0 * w.k, r1 - r0, w.k, block, scratch->data() + r0 * w.k);
    });
    x = scratch->data();
  }
  const size_t panels = w.num_panels();
  const size_t threads = static_cast<size_t>(pool->size());
  if (threads == 1) {
    LinearPanels(x, m, w, y, w.n, 0, panels);
    return;
  }
  const size_t row_blocks = (m + kRowsPerTask - 1) / kRowsPerTask;
  // Few rows (short batches): split the columns too, so every thread gets work.
  const size_t col_chunks = row_blocks >= 2 * threads ? 1 : std::min(panels, 2 * threads);
  pool->ParallelFor(row_blocks * col_chunks, [&](size_t task) {
    const size_t rb = task / col_chunks, cc = task % col_chunks;
    const size_t r0 = rb * kRowsPerTask, r1 = std::min(m, r0 + kRowsPerTask);
    const size_t p0 = panels * cc / col_chunks, p1 = panels * (cc + 1) / col_chunks;
    LinearPanels(x + r0 * w.k, r1 - r0, w, y + r0 * w.n, w.n, p0, p1);
  });
}

Status BertEncoder::Encode(const std::vector<const std::vector<int32_t>*>& seqs, Pooling pooling,
                           bool normalize, core::ThreadPool* pool, float* out) const {
  const BertConfig& c = w_.config;
  const size_t h = c.hidden, f = c.intermediate, heads = c.heads, dh = h / heads;
  std::vector<size_t> offsets(seqs.size() + 1, 0);
  for (size_t s = 0; s < seqs.size(); ++s) {
    const size_t len = seqs[s]->size();
    if (len == 0 || len > c.max_positions) {
      return Status::InvalidArgument("sequence of " + std::to_string(len) +
                                     " tokens (the model reads 1.." +
                                     std::to_string(c.max_positions) + ")");
    }
    offsets[s + 1] = offsets[s] + len;
  }
  const size_t m = offsets.back();
  if (m == 0) return Status::OK();

  // The activations live in per-thread buffers that only grow: allocating them per call cost ~5%
  // of a batch of 32 short texts in zero-filling and page faults. A call that needed more than
  // kKeepBytes (~1,200 tokens of MiniLM) hands its buffers back at the end, so a server's many
  // threads do not each pin the memory of the largest batch they ever saw.
  struct Buffers {
    std::vector<float> x, tmp, qkv, inter, qscratch;
    Int8Scratch iscratch;
  };
  thread_local Buffers buffers;
  auto grow = [](std::vector<float>* v, size_t n) {
    if (v->size() < n) v->resize(n);
    return v;
  };
  std::vector<float>& x = *grow(&buffers.x, m * h);
  std::vector<float>& tmp = *grow(&buffers.tmp, m * h);
  std::vector<float>& qkv = *grow(&buffers.qkv, m * 3 * h);
  std::vector<float>& inter = *grow(&buffers.inter, m * f);
  std::vector<float>& qscratch = buffers.qscratch;
  Int8Scratch& iscratch = buffers.iscratch;
  struct Release {
    Buffers* b;
    ~Release() {
      constexpr size_t kKeepBytes = size_t{16} << 20;
      const size_t floats = b->x.capacity() + b->tmp.capacity() + b->qkv.capacity() +
                            b->inter.capacity() + b->qscratch.capacity() +
                            b->iscratch.scale.capacity() + b->iscratch.zsum.capacity();
      if (floats * sizeof(float) + b->iscratch.q.capacity() > kKeepBytes) *b = Buffers();
    }
  } release{&buffers};
  // Embeddings: word + position + token type 0, then LayerNorm.
  for (size_t s = 0; s < seqs.size(); ++s) {
    const std::vector<int32_t>& ids = *seqs[s];
    for (size_t t = 0; t < ids.size(); ++t) {
      if (ids[t] < 0 || static_cast<size_t>(ids[t]) >= c.vocab_size) {
        return Status::InvalidArgument("token id " + std::to_string(ids[t]) + " out of range");
      }
      float* row = x.data() + (offsets[s] + t) * h;
      const float* wv = w_.word.data() + static_cast<size_t>(ids[t]) * h;
      const float* pv = w_.position.data() + t * h;
      const float* tv = w_.token_type.data();
      for (size_t i = 0; i < h; ++i) row[i] = wv[i] + pv[i] + tv[i];
    }
  }
  const size_t row_tasks = RowTasks(m, pool);
  auto rows_of = [&](size_t task, size_t* r0, size_t* r1) {
    *r0 = m * task / row_tasks;
    *r1 = m * (task + 1) / row_tasks;
  };
  pool->ParallelFor(row_tasks, [&](size_t task) {
    size_t r0, r1;
    rows_of(task, &r0, &r1);
    AddLayerNorm(x.data() + r0 * h, nullptr, r1 - r0, h, w_.emb_gamma.data(), w_.emb_beta.data(),
                 c.layer_norm_eps);
  });

  size_t max_len = 0;
  for (const auto* s : seqs) max_len = std::max(max_len, s->size());
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));

  for (size_t li = 0; li < w_.layers.size(); ++li) {
    const BertLayer& layer = w_.layers[li];
    const Q4Layer* q4 = q4_.empty() ? nullptr : &q4_[li];
    auto linear = [&](const float* in, const PackedLinear& fw, const Q4Linear* qw, float* y) {
      if (qw != nullptr) {
        LinearQ4(in, m, *qw, y, pool, &iscratch);
      } else {
        Linear(in, m, fw, y, pool, &qscratch);
      }
    };
    linear(x.data(), layer.qkv, q4 ? &q4->qkv : nullptr, qkv.data());
    // Attention per (sequence, head); tmp receives the heads' outputs side by side.
    pool->ParallelFor(seqs.size() * heads, [&](size_t task) {
      thread_local std::vector<float> local;
      if (local.size() < AttentionScratchFloats(max_len, dh)) {
        local.resize(AttentionScratchFloats(max_len, dh));
      }
      const size_t s = task / heads, hd = task % heads;
      const size_t len = seqs[s]->size();
      const float* base = qkv.data() + offsets[s] * 3 * h + hd * dh;
      AttentionHead(base, base + h, base + 2 * h, 3 * h, len, dh, scale,
                    tmp.data() + offsets[s] * h + hd * dh, h, local.data());
    });
    // qkv is free again: reuse it as the output.
    linear(tmp.data(), layer.out, q4 ? &q4->out : nullptr, qkv.data());
    pool->ParallelFor(row_tasks, [&](size_t task) {
      size_t r0, r1;
      rows_of(task, &r0, &r1);
      AddLayerNorm(x.data() + r0 * h, qkv.data() + r0 * h, r1 - r0, h, layer.ln1_gamma.data(),
                   layer.ln1_beta.data(), c.layer_norm_eps);
    });
    linear(x.data(), layer.fc1, q4 ? &q4->fc1 : nullptr, inter.data());
    pool->ParallelFor(row_tasks, [&](size_t task) {
      size_t r0, r1;
      rows_of(task, &r0, &r1);
      Gelu(inter.data() + r0 * f, (r1 - r0) * f);
    });
    linear(inter.data(), layer.fc2, q4 ? &q4->fc2 : nullptr, tmp.data());
    pool->ParallelFor(row_tasks, [&](size_t task) {
      size_t r0, r1;
      rows_of(task, &r0, &r1);
      AddLayerNorm(x.data() + r0 * h, tmp.data() + r0 * h, r1 - r0, h, layer.ln2_gamma.data(),
                   layer.ln2_beta.data(), c.layer_norm_eps);
    });
  }

  for (size_t s = 0; s < seqs.size(); ++s) {
    float* o = out + s * h;
    const size_t len = seqs[s]->size();
    if (pooling == Pooling::kCls) {
      std::memcpy(o, x.data() + offsets[s] * h, h * sizeof(float));
    } else {
      std::vector<double> sum(h, 0.0);
      for (size_t t = 0; t < len; ++t) {
        const float* row = x.data() + (offsets[s] + t) * h;
        for (size_t i = 0; i < h; ++i) sum[i] += row[i];
      }
      for (size_t i = 0; i < h; ++i) o[i] = static_cast<float>(sum[i] / static_cast<double>(len));
    }
    if (normalize) {
      double norm = 0;
      for (size_t i = 0; i < h; ++i) norm += static_cast<double>(o[i]) * o[i];
      const double inv = 1.0 / std::max(std::sqrt(norm), 1e-12);
      for (size_t i = 0; i < h; ++i) o[i] = static_cast<float>(o[i] * inv);
    }
  }
  return Status::OK();
}

}  // namespace semble::embed
