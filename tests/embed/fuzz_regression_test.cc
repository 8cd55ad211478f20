// Copyright 2026 The semble Authors.
//
// Inputs the fuzz targets (tests/fuzz) found to break the model file readers, pinned as unit tests
// that need no installed model. The crashing inputs themselves are in tests/fuzz/corpus/, which
// ctest replays; these tests say what the right behaviour is.

#include <gtest/gtest.h>

#include <string>

#include "util/test_util.h"

#include "embed/onnx_loader.h"
#include "embed/safetensors_loader.h"
#include "embed/wordpiece_tokenizer.h"

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

// Found by tests/fuzz/tokenizer_fuzz.cc (corpus/tokenizer/crash-0508f3b7...): ids are line numbers
// of vocab.txt, so a repeated line leaves fewer pieces than ids, and vocab_size() counted pieces:
// the model check (embedder.cc) could pass a tokenizer whose ids run past the embedding table.
TEST(FuzzRegressionTest, VocabSizeCoversEveryIdWithRepeatedLines) {
  auto t = WordPieceTokenizer::FromVocabTxt("[PAD]\nx\nx\nx\n[UNK]\n[CLS]\n[SEP]\nhello\n",
                                            WordPieceConfig{});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ((*t)->vocab_size(), 8u);
  auto ids = (*t)->Encode("hello", {});
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{5, 7, 6}));
}

// The same for tokenizer.json: ids with gaps, and added tokens whose ids must be checked like the
// vocabulary's (a negative one used to reach Encode's output).
TEST(FuzzRegressionTest, TokenizerJsonIdsAreCheckedAndCovered) {
  const std::string base =
      R"({"model":{"type":"WordPiece","unk_token":"[UNK]",)"
      R"("vocab":{"[UNK]":0,"[CLS]":1,"[SEP]":2,"far":900}},"added_tokens":[)";
  auto t = WordPieceTokenizer::FromTokenizerJson(base + R"({"id":1,"content":"[CLS]"}]})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ((*t)->vocab_size(), 901u);
  EXPECT_FALSE(
      WordPieceTokenizer::FromTokenizerJson(base + R"({"id":-3,"content":"[X]"}]})").ok());
}

// A continuation prefix of multi-byte characters: the longest piece was measured by subtracting
// the prefix's bytes from the piece's characters, which wrapped around, and every continuation
// became [UNK].
TEST(FuzzRegressionTest, MultiByteContinuationPrefix) {
  WordPieceConfig config;
  config.continuing_prefix = "\u2581";
  auto t = WordPieceTokenizer::FromVocabTxt(
      "[UNK]\n[CLS]\n[SEP]\na\n\u2581b\n\u2581\n", config);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto ids = (*t)->Encode("ab", {});
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{1, 3, 4, 2}));
}

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string Field(uint32_t number, const std::string& bytes) {  // length-delimited
  return Varint(number << 3 | 2) + Varint(bytes.size()) + bytes;
}

// Found by tests/fuzz/onnx_fuzz.cc (corpus/onnx/crash-883c5d75...): an initializer whose packed
// float_data is empty (a tensor with a zero in its shape) made the loader memcpy zero bytes to a
// null pointer, which UBSan reports as undefined.
TEST(FuzzRegressionTest, OnnxInitializerWithEmptyFloatData) {
  // TensorProto: dims = [0] (field 1, varint), data_type = FLOAT (2), float_data = "" (4), name (8).
  const std::string tensor = Varint(1 << 3) + Varint(0) + Varint(2 << 3) + Varint(1) +
                             Field(4, "") + Field(8, "empty");
  const std::string model = Field(7, Field(5, tensor));  // ModelProto.graph.initializer
  test::TempDir dir;
  const std::string path = dir.path() + "/model.onnx";
  {
    auto f = Env::Default()->NewWritableFile(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(model).ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  auto w = LoadOnnxWeights(Env::Default(), path);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_EQ(w->tensors.count("empty"), 1u);
  EXPECT_TRUE(w->tensors.at("empty").data.empty());
}

// A MatMulNBits block_size near 2^63 overflowed K + block_size - 1 (signed: undefined). Found by
// reading the loader while writing tests/fuzz/onnx_fuzz.cc, confirmed with it; the input is
// corpus/onnx/matmulnbits-huge-block.
TEST(FuzzRegressionTest, OnnxMatMulNBitsHugeBlockSizeIsCorruption) {
  auto attr = [](const std::string& name, uint64_t v) {
    return Field(5, Field(1, name) + Varint(3 << 3) + Varint(v));  // NodeProto.attribute
  };
  const std::string node = Field(1, "x") + Field(1, "W_Q4") + Field(1, "W_scales") +
                           Field(4, "MatMulNBits") + attr("K", 4) + attr("N", 1) +
                           attr("bits", 4) + attr("block_size", (uint64_t{1} << 63) - 2);
  auto tensor = [](const std::string& name, int type, const std::string& raw) {
    return Varint(1 << 3) + Varint(1) + Varint(2 << 3) + Varint(type) + Field(8, name) +
           Field(9, raw);
  };
  const std::string graph = Field(1, node) + Field(5, tensor("W_Q4", 2, "\x11")) +
                            Field(5, tensor("W_scales", 1, std::string("\0\0\x80\x3f", 4)));
  test::TempDir dir;
  const std::string path = dir.path() + "/model.onnx";
  {
    auto f = Env::Default()->NewWritableFile(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(Field(7, graph)).ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  auto w = LoadOnnxWeights(Env::Default(), path);
  ASSERT_FALSE(w.ok());
  EXPECT_TRUE(w.status().IsCorruption()) << w.status().ToString();
}

}  // namespace
}  // namespace semble::embed
