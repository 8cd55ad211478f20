// Copyright 2026 The semble Authors.
//
// The ONNX weight loader (embed/onnx_loader.h) and its protobuf reader: a model file comes from a
// download, so a truncated or hostile file must give a Status, and no length, dimension or
// attribute in it may make the loader read out of bounds or allocate more than the file could
// describe. The input is the .onnx file; it is also present as the external data file
// "model.onnx_data", so that external data references resolve to real bytes.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "embed/onnx_loader.h"
#include "embed/protobuf_reader.h"
#include "fuzz_check.h"
#include "mem_env.h"

using namespace semble;  // NOLINT: a test's brevity

namespace {

// Walks every length-delimited field as a nested message, as far as it parses: the reader on its
// own, beyond the few messages the loader visits.
void Walk(std::string_view msg, int depth) {
  embed::ProtoReader r(msg);
  embed::ProtoField f;
  while (!r.done()) {
    if (!r.Next(&f).ok()) return;
    if (f.type == embed::WireType::kLengthDelimited) {
      if (depth < 8) Walk(f.bytes, depth + 1);
      size_t pos = 0;
      uint64_t v;
      while (pos < f.bytes.size() && embed::ProtoReader::ReadVarint(f.bytes, &pos, &v).ok()) {
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view file(reinterpret_cast<const char*>(data), size);
  Walk(file, 0);
  fuzz::MemEnv env;
  env.Put("/m/model.onnx", file);
  env.Put("/m/model.onnx_data", file);
  auto weights = embed::LoadOnnxWeights(&env, "/m/model.onnx");
  if (weights.ok()) {
    for (const auto& [name, t] : weights->tensors) {
      FUZZ_CHECK(static_cast<size_t>(t.NumElements()) == t.data.size(),
                 "tensor %s: dims say %lld elements, data holds %zu", name.c_str(),
                 static_cast<long long>(t.NumElements()), t.data.size());
    }
  }
  return 0;
}
