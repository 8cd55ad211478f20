// Copyright 2026 The semble Authors.
//
// Inputs the fuzz targets (tests/fuzz) found to break the model file readers, pinned as unit tests
// that need no installed model. The crashing inputs themselves are in tests/fuzz/corpus/, which
// ctest replays; these tests say what the right behaviour is.

#include <gtest/gtest.h>

#include <string>

#include "embed/safetensors_loader.h"

namespace semble::embed {
namespace {

std::string Safetensors(const std::string& header, const std::string& data) {
  std::string file(8, '\0');
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) file[i] = static_cast<char>(n >> (8 * i));
  return file + header + data;
}

// A tensor with a zero in its shape has no bytes; copying them used to memcpy from a null
// vector (undefined behaviour, reported by UBSan).
TEST(FuzzRegressionTest, SafetensorsTensorWithNoElementsLoads) {
  auto st = ParseSafetensors(
      Safetensors(R"({"e":{"dtype":"F32","shape":[3,0],"data_offsets":[0,0]},)"
                  R"("h":{"dtype":"F16","shape":[0],"data_offsets":[0,0]}})",
                  ""),
      "empty.safetensors");
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->at("e").dims, (std::vector<int64_t>{3, 0}));
  EXPECT_TRUE(st->at("e").data.empty());
  EXPECT_TRUE(st->at("h").data.empty());
}

}  // namespace
}  // namespace semble::embed
