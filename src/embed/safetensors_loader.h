// Copyright 2026 The semble Authors.
//
// Reads a safetensors file (8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the data) into fp32 tensors. F32, F16 and BF16 are accepted;
// every range is checked against the file and the shape before it is read.

#ifndef SEMBLE_SRC_EMBED_SAFETENSORS_LOADER_H_
#define SEMBLE_SRC_EMBED_SAFETENSORS_LOADER_H_

#include <string>
#include <string_view>

#include "embed/tensor.h"
#include "semble/env.h"
#include "semble/status.h"

namespace semble::embed {

// `name` is used in error messages only.
Result<TensorMap> ParseSafetensors(std::string_view file, const std::string& name);
Result<TensorMap> LoadSafetensors(Env* env, const std::string& path);

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_SAFETENSORS_LOADER_H_
