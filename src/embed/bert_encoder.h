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

#include "core/thread_pool.h"
#include "embed/bert_model.h"
#include "embed/q4_gemm.h"
#include "semble/embedder.h"

namespace semble::embed {

class BertEncoder {
 public:
  // When every linear layer's weights are 4-bit blocks (MatMulNBits), they are repacked 4-bit and
  // the fp32 copies dropped: int8 activations in blocks of 32 then run on the int4 x int8 kernel,
  // fp32 activations on the fp32 GEMM over panels dequantized on the fly. Otherwise (fp32/fp16
  // checkpoints, CPUs without the SIMD paths) the fp32 GEMM runs on the unpacked weights, with int8
  // rounding emulated when asked for.
  explicit BertEncoder(BertWeights weights);

  const BertConfig& config() const { return w_.config; }

  // Pooled vectors of the sequences (ids with their special tokens), hidden floats each, into
  // out[i * hidden]. Ids must be < vocab_size and sequences no longer than max_positions.
  Status Encode(const std::vector<const std::vector<int32_t>*>& seqs, Pooling pooling,
                bool normalize, core::ThreadPool* pool, float* out) const;

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

  void Linear(const float* x, size_t m, const PackedLinear& w, float* y, core::ThreadPool* pool,
              std::vector<float>* scratch) const;
  void LinearQ4(const float* x, size_t m, const Q4Linear& w, float* y, core::ThreadPool* pool,
                Int8Scratch* scratch) const;

  BertWeights w_;
  std::vector<Q4Layer> q4_;  // empty: the fp32 panels in w_ are used
  bool q4_int8_ = false;     // q4_ with int8 activations (Q4Gemm), else fp32 ones (Q4GemmF32)
};

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_BERT_ENCODER_H_
