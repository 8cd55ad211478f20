// Copyright 2026 The semble Authors.
//
// The weights of a model as the loaders hand them to the encoder: named fp32 tensors, row-major.
// Quantized and half-precision formats are expanded to fp32 at load time, so the encoder sees one
// representation whatever the file held (ONNX MatMulNBits 4-bit, safetensors fp16 or fp32).

#ifndef SEMBLE_SRC_EMBED_TENSOR_H_
#define SEMBLE_SRC_EMBED_TENSOR_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace semble::embed {

struct Tensor {
  std::vector<int64_t> dims;
  std::vector<float> data;  // row-major, product(dims) elements

  int64_t NumElements() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
  }
};

// Linear layers are stored as [out, in] (y = x W^T + b), the layout of PyTorch's nn.Linear and of
// MatMulNBits' dequantized B; loaders that read [in, out] matrices transpose them.
using TensorMap = std::map<std::string, Tensor>;

// IEEE half to float.
float HalfToFloat(uint16_t h);
// bfloat16 to float.
inline float BFloat16ToFloat(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  __builtin_memcpy(&f, &bits, sizeof(f));
  return f;
}

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_TENSOR_H_
