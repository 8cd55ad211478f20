// Copyright 2026 The semble Authors.
//
// The safetensors reader (embed/safetensors_loader.h): the header length, the JSON header and every
// tensor's range come from the file, so each must be checked before it is used.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "embed/safetensors_loader.h"
#include "fuzz_check.h"

using namespace semble;  // NOLINT: a test's brevity

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view file(reinterpret_cast<const char*>(data), size);
  auto tensors = embed::ParseSafetensors(file, "fuzz.safetensors");
  if (tensors.ok()) {
    for (const auto& [name, t] : *tensors) {
      FUZZ_CHECK(static_cast<size_t>(t.NumElements()) == t.data.size(),
                 "tensor %s: dims say %lld elements, data holds %zu", name.c_str(),
                 static_cast<long long>(t.NumElements()), t.data.size());
      // The data is a slice of the file: a tensor larger than the file was made up.
      FUZZ_CHECK(t.data.size() * 2 <= size, "tensor %s is larger than the file", name.c_str());
    }
  }
  return 0;
}
