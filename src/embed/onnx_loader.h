// Copyright 2026 The semble Authors.
//
// Reads the weights of an ONNX model by tensor name, without running its graph: the initializers
// (inline or in external data files such as model_q4.onnx_data) and the attributes of the nodes
// that say how to interpret them. Weights of com.microsoft.MatMulNBits nodes (4-bit blocks with
// scales and optional zero points) are dequantized to fp32 [N, K] and stored under the name of
// their B input without its "_Q4" suffix; fp32 weights of plain MatMul nodes ([K, N]) are
// transposed to [N, K] so that every linear layer has one layout.
//
// Why a minimal reader rather than libprotobuf + libonnx: semble needs five messages and a handful
// of fields; a 200-line bounds-checked reader has no schema version to track, no generated code and
// no extra shared library at run time (docs/DEPENDENCIES.md).

#ifndef SEMBLE_SRC_EMBED_ONNX_LOADER_H_
#define SEMBLE_SRC_EMBED_ONNX_LOADER_H_

#include <string>

#include "embed/tensor.h"
#include "semble/env.h"
#include "semble/status.h"

namespace semble::embed {

// External data locations are resolved relative to the directory of `onnx_path` and must not
// leave it. Errors name the file and the tensor.
struct OnnxWeights {
  TensorMap tensors;
  // The largest accuracy_level of the MatMulNBits nodes (-1 when there are none). 4 means ONNX
  // Runtime quantizes those nodes' activations to int8 in blocks along K (see BertWeights).
  int accuracy_level = -1;
  int block_size = 0;  // of the MatMulNBits weights
};
Result<OnnxWeights> LoadOnnxWeights(Env* env, const std::string& onnx_path);

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_ONNX_LOADER_H_
