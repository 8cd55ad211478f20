// Copyright 2026 The semble Authors.
//
// A BERT-family encoder's shape (config.json) and its weights, recognised by name from either an
// ONNX export (model.layers.N.attn.q_proj.MatMul.weight ...) or a Hugging Face checkpoint
// (encoder.layer.N.attention.self.query.weight ...), and repacked for the GEMM kernels.

#ifndef SEMBLE_SRC_EMBED_BERT_MODEL_H_
#define SEMBLE_SRC_EMBED_BERT_MODEL_H_

#include <string_view>
#include <vector>

#include "embed/kernels.h"
#include "embed/tensor.h"
#include "semble/status.h"

namespace semble::embed {

struct BertConfig {
  size_t vocab_size = 0;
  size_t hidden = 0;
  size_t layers = 0;
  size_t heads = 0;
  size_t intermediate = 0;
  size_t max_positions = 512;
  size_t type_vocab_size = 2;
  float layer_norm_eps = 1e-12f;
};

// Reads a Hugging Face config.json; only BERT-style models (gelu activation, absolute positions).
Result<BertConfig> ParseBertConfig(std::string_view json);

struct BertLayer {
  PackedLinear qkv;  // q, k, v stacked: n = 3 * hidden
  PackedLinear out;
  std::vector<float> ln1_gamma, ln1_beta;
  PackedLinear fc1, fc2;
  std::vector<float> ln2_gamma, ln2_beta;
};

struct BertWeights {
  BertConfig config;
  std::vector<float> word, position, token_type;  // [vocab|positions|types, hidden]
  std::vector<float> emb_gamma, emb_beta;
  std::vector<BertLayer> layers;
  // When > 0, the inputs of every linear layer in the encoder blocks are rounded to int8 in blocks
  // of this many elements along K (scale = max|x| / 127, round to nearest even) before the GEMM:
  // what ONNX Runtime's MatMulNBits does at accuracy_level=4, so vectors match the shipped graph.
  size_t int8_activation_block = 0;
};

// Takes the tensors by name and checks every shape against config; the error names the tensor.
Result<BertWeights> BuildBertWeights(const BertConfig& config, TensorMap tensors);

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_BERT_MODEL_H_
