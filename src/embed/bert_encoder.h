// Copyright 2026 The semble Authors.
//
// The BERT forward pass over a packed batch: the token rows of all sequences are stacked into one
// matrix without padding, so every linear layer is a single GEMM over exactly the real tokens and
// only attention looks at sequence boundaries. A batch of mixed lengths therefore costs what its
// tokens cost, whatever their order.

#ifndef SEMBLE_SRC_EMBED_BERT_ENCODER_H_
#define SEMBLE_SRC_EMBED_BERT_ENCODER_H_

#include <cstdint>
#include <vector>

#include "embed/bert_model.h"
#include "embed/q4_gemm.h"
#include "embed/thread_pool.h"
#include "semble/embedder.h"

namespace semble::embed {

class BertEncoder {
 public:
  // When the weights ask for int8 activations in blocks of 32 and every linear layer's weights are
  // 4-bit blocks (MatMulNBits), they are repacked for the int4 x int8 kernel and the fp32 copies
  // are dropped; otherwise the fp32 GEMM runs (with int8 rounding emulated if asked for).
  explicit BertEncoder(BertWeights weights);

  const BertConfig& config() const { return w_.config; }

  // Pooled vectors of the sequences (ids with their special tokens), hidden floats each, into
  // out[i * hidden]. Ids must be < vocab_size and sequences no longer than max_positions.
  Status Encode(const std::vector<const std::vector<int32_t>*>& seqs, Pooling pooling,
                bool normalize, ThreadPool* pool, float* out) const;

 private:
  struct Q4Layer {
    Q4Linear qkv, out, fc1, fc2;
  };
  // Int8 activations of one linear layer's input (QuantizeActivations).
  struct Int8Scratch {
    std::vector<int8_t> q;
    std::vector<float> scale;
    std::vector<int32_t> zsum;
  };

  void Linear(const float* x, size_t m, const PackedLinear& w, float* y, ThreadPool* pool,
              std::vector<float>* scratch) const;
  void LinearQ4(const float* x, size_t m, const Q4Linear& w, float* y, ThreadPool* pool,
                Int8Scratch* scratch) const;

  BertWeights w_;
  std::vector<Q4Layer> q4_;  // empty: the fp32 path
};

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_BERT_ENCODER_H_
