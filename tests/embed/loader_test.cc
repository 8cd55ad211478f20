// Copyright 2026 The semble Authors.
//
// Model loading: safetensors written here from known tensors (the real model's, renamed to a
// Hugging Face checkpoint's names) must give the same vectors as the ONNX file; damaged files
// must fail with a message naming the file, never crash.

#include <gtest/gtest.h>

#include <cstring>

#include "core/json_writer.h"
#include "embed/embed_test_util.h"
#include "embed/onnx_loader.h"
#include "embed/safetensors_loader.h"
#include "embed/sha256.h"
#include "semble/embedder.h"
#include "semble/model_store.h"
#include "util/test_util.h"

namespace semble {
namespace {

std::string HfName(std::string onnx) {
  while (!onnx.empty() && onnx.front() == '.') onnx.erase(0, 1);
  auto rep = [&](const std::string& from, const std::string& to) {
    if (size_t p = onnx.find(from); p != std::string::npos) onnx.replace(p, from.size(), to);
  };
  rep("model.embeddings.", "embeddings.");
  rep("model.layers.-1.embeddings_norm_layernorm.", "embeddings.LayerNorm.");
  rep("model.layers.", "encoder.layer.");
  rep(".attn.q_proj.MatMul.", ".attention.self.query.");
  rep(".attn.k_proj.MatMul.", ".attention.self.key.");
  rep(".attn.v_proj.MatMul.", ".attention.self.value.");
  rep(".attn.q_proj.Add.", ".attention.self.query.");
  rep(".attn.k_proj.Add.", ".attention.self.key.");
  rep(".attn.v_proj.Add.", ".attention.self.value.");
  rep(".attn.o_proj.MatMul.", ".attention.output.dense.");
  rep(".attn.o_proj.Add.", ".attention.output.dense.");
  rep(".attention_output_norm_layernorm.", ".attention.output.LayerNorm.");
  rep(".mlp.fc1.MatMul.", ".intermediate.dense.");
  rep(".mlp.fc1.Add.", ".intermediate.dense.");
  rep(".mlp.fc2.MatMul.", ".output.dense.");
  rep(".mlp.fc2.Add.", ".output.dense.");
  rep(".mlp_output_norm_layernorm.", ".output.LayerNorm.");
  return onnx;
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000;
  const int exp = static_cast<int>((x >> 23) & 0xFF) - 127 + 15;
  uint32_t mant = x & 0x7FFFFF;
  if (exp <= 0) return static_cast<uint16_t>(sign);  // flush tiny values (test data only)
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7C00);
  uint32_t h = sign | (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  if ((mant & 0x1FFF) > 0x1000 || ((mant & 0x1FFF) == 0x1000 && (h & 1))) ++h;
  return static_cast<uint16_t>(h);
}

std::string WriteSafetensors(const embed::TensorMap& tensors, bool fp16) {
  std::string header = "{", data;
  bool first = true;
  for (const auto& [name, t] : tensors) {
    const size_t begin = data.size();
    if (fp16) {
      for (float v : t.data) {
        const uint16_t h = FloatToHalf(v);
        data.append(reinterpret_cast<const char*>(&h), 2);
      }
    } else {
      data.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * 4);
    }
    if (!first) header += ",";
    first = false;
    core::AppendJsonString(&header, HfName(name));
    header += ":{\"dtype\":\"" + std::string(fp16 ? "F16" : "F32") + "\",\"shape\":[";
    for (size_t i = 0; i < t.dims.size(); ++i) header += (i ? "," : "") + std::to_string(t.dims[i]);
    header +=
        "],\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(data.size()) + "]}";
  }
  header += "}";
  const uint64_t len = header.size();
  return std::string(reinterpret_cast<const char*>(&len), 8) + header + data;
}

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = test::DefaultModelDirOrFail();
    ASSERT_FALSE(model_.empty());
  }
  // A model directory in tmp_ with model_'s config and tokenizer and the given weights file.
  std::string MakeModel(const std::string& name, const std::string& weights_name,
                        const std::string& weights) {
    const std::string dir = tmp_.path() + "/" + name;
    Env* env = Env::Default();
    EXPECT_TRUE(env->CreateDir(dir).ok());
    for (const char* f : {"config.json", "tokenizer.json"}) {
      auto data = ReadFileToString(env, model_ + "/" + f);
      EXPECT_TRUE(data.ok());
      EXPECT_TRUE(test::WriteString(dir + "/" + f, *data).ok());
    }
    EXPECT_TRUE(test::WriteString(dir + "/" + weights_name, weights).ok());
    return dir;
  }
  std::string model_;
  test::TempDir tmp_;
};

TEST_F(LoaderTest, SafetensorsGiveTheOnnxVectors) {
  auto onnx = embed::LoadOnnxWeights(Env::Default(), model_ + "/onnx/model_q4.onnx");
  ASSERT_TRUE(onnx.ok()) << onnx.status().ToString();
  EXPECT_EQ(onnx->accuracy_level, 4);
  EXPECT_EQ(onnx->block_size, 32);
  const std::vector<std::string> texts = {"A man is playing a guitar.", "Un café, s'il vous plaît!",
                                          ""};
  EmbedderOptions options;
  options.activations = ActivationPrecision::kFloat32;
  auto from_onnx = Embedder::Open(model_, options);
  ASSERT_TRUE(from_onnx.ok());
  auto want = (*from_onnx)->Embed(texts);
  ASSERT_TRUE(want.ok());
  for (bool fp16 : {false, true}) {
    const std::string dir = MakeModel(fp16 ? "st16" : "st32", "model.safetensors",
                                      WriteSafetensors(onnx->tensors, fp16));
    auto e = Embedder::Open(dir, options);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_EQ((*e)->info().weights_file, "model.safetensors");
    auto got = (*e)->Embed(texts);
    ASSERT_TRUE(got.ok());
    for (size_t i = 0; i < texts.size(); ++i) {
      const double c = test::Cosine((*got)[i].data(), (*want)[i].data(), 384);
      if (fp16) {
        EXPECT_GT(c, 0.999) << texts[i];
      } else {
        EXPECT_EQ((*got)[i], (*want)[i]) << texts[i];
      }
    }
  }
}

TEST_F(LoaderTest, DamagedFilesFailWithTheFileName) {
  auto onnx = ReadFileToString(Env::Default(), model_ + "/onnx/model_q4.onnx");
  auto data = ReadFileToString(Env::Default(), model_ + "/onnx/model_q4.onnx_data");
  ASSERT_TRUE(onnx.ok() && data.ok());
  // Truncated external data, a truncated graph, and garbage: errors, never crashes.
  const std::string dir = MakeModel("cut", "model.onnx", *onnx);
  ASSERT_TRUE(
      test::WriteString(dir + "/model_q4.onnx_data", data->substr(0, data->size() / 2)).ok());
  auto e = Embedder::Open(dir, EmbedderOptions{});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("model_q4.onnx_data"), std::string::npos)
      << e.status().ToString();
  for (size_t cut : {size_t{10}, onnx->size() / 3, onnx->size() - 7}) {
    const std::string d = MakeModel("g" + std::to_string(cut), "model.onnx", onnx->substr(0, cut));
    ASSERT_TRUE(test::WriteString(d + "/model_q4.onnx_data", *data).ok());
    auto r = Embedder::Open(d, EmbedderOptions{});
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("model.onnx"), std::string::npos) << r.status().ToString();
  }
  std::string flipped = *onnx;
  for (size_t i = 100; i < flipped.size(); i += 97)
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5A);
  const std::string d = MakeModel("flip", "model.onnx", flipped);
  ASSERT_TRUE(test::WriteString(d + "/model_q4.onnx_data", *data).ok());
  EXPECT_FALSE(Embedder::Open(d, EmbedderOptions{}).ok());
  // Safetensors: offsets past the end, a header longer than the file.
  auto st =
      embed::ParseSafetensors(std::string("\x20\0\0\0\0\0\0\0", 8) +
                                  R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
                              "x.safetensors");
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(embed::ParseSafetensors(std::string("\xff\xff\0\0\0\0\0\0{}", 10), "y").ok());
  // A missing tokenizer names the file.
  const std::string no_tok = tmp_.path() + "/notok";
  ASSERT_TRUE(Env::Default()->CreateDir(no_tok).ok());
  ASSERT_TRUE(test::WriteString(no_tok + "/config.json", "{}").ok());
  auto r = Embedder::Open(no_tok, EmbedderOptions{});
  EXPECT_FALSE(r.ok());
}

TEST_F(LoaderTest, CorruptInstalledModelIsNamed) {
  // A copy of the installed model under the default id with one byte of vocab.txt changed.
  const std::string dir = tmp_.path() + "/" + std::string(kDefaultModelId);
  Env* env = Env::Default();
  ASSERT_TRUE(env->CreateDir(dir).ok());
  ASSERT_TRUE(env->CreateDir(dir + "/onnx").ok());
  for (const char* f :
       {"config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        "vocab.txt", "onnx/model_q4.onnx", "onnx/model_q4.onnx_data"}) {
    auto data = ReadFileToString(env, model_ + "/" + f);
    ASSERT_TRUE(data.ok());
    if (std::string(f) == "vocab.txt") (*data)[5] ^= 1;
    ASSERT_TRUE(test::WriteString(dir + "/" + f, *data).ok());
  }
  Status s = VerifyModel(env, dir);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("vocab.txt"), std::string::npos) << s.ToString();
  auto list = ListModels(env, tmp_.path());
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_FALSE((*list)[0].problem.empty());
  EXPECT_TRUE(Embedder::Open(dir, EmbedderOptions{}).status().IsCorruption());
}

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(embed::Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(embed::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(embed::Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace semble
