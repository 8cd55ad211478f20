// Copyright 2026 The semble Authors.
//
// Token ids must equal Hugging Face's tokenizer (transformers.js, run by node in this test) on
// every STS-B dev sentence and on hostile texts.

#include <gtest/gtest.h>

#include "embed/embed_test_util.h"
#include "embed/wordpiece_tokenizer.h"
#include "semble/env.h"
#include "util/test_util.h"

namespace semble {
namespace {

using embed::EncodeOptions;
using embed::WordPieceTokenizer;

std::unique_ptr<WordPieceTokenizer> LoadTokenizer(const std::string& model_dir) {
  auto json = ReadFileToString(Env::Default(), model_dir + "/tokenizer.json");
  EXPECT_TRUE(json.ok()) << json.status().ToString();
  if (!json.ok()) return nullptr;
  auto t = WordPieceTokenizer::FromTokenizerJson(*json);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(*t) : nullptr;
}

TEST(TokenizerParity, StsbDevAndHostileTextsMatchTransformersJs) {
  const std::string model = test::DefaultModelDirOrFail();
  ASSERT_FALSE(model.empty());
  const std::vector<test::StsPair> pairs = test::ReadStsDev();
  ASSERT_EQ(pairs.size(), 1500u) << "STS-B dev not found";
  std::vector<std::string> texts;
  for (const test::StsPair& p : pairs) {
    texts.push_back(p.s1);
    texts.push_back(p.s2);
  }
  const size_t sts_count = texts.size();
  for (const std::string& h : test::HostileTexts()) texts.push_back(h);

  test::TempDir tmp;
  ASSERT_TRUE(test::WriteString(tmp.path() + "/in.json", test::ToJsonArray(texts)).ok());
  Status run =
      test::RunReference({"tokens", model, tmp.path() + "/in.json", tmp.path() + "/out.json"});
  ASSERT_TRUE(run.ok()) << run.ToString();
  auto ref = test::ParseIdArrays(tmp.path() + "/out.json");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ASSERT_EQ(ref->size(), texts.size());

  auto tokenizer = LoadTokenizer(model);
  ASSERT_NE(tokenizer, nullptr);
  size_t same_sts = 0, same_hostile = 0, same_truncated = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    auto ids = tokenizer->Encode(texts[i], EncodeOptions{.max_length = 0});
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    const std::vector<int32_t>& want = (*ref)[i];
    const bool same = *ids == want;
    (i < sts_count ? same_sts : same_hostile) += same;
    EXPECT_TRUE(same) << "text " << i << ": \"" << texts[i].substr(0, 200) << "\"";
    // Truncation to 512 keeps [CLS] + the first 510 pieces + [SEP] (HF tokenizers' rule).
    std::vector<int32_t> want_cut = want;
    if (want_cut.size() > 512) {
      want_cut.resize(511);
      want_cut.push_back(want.back());
    }
    auto cut = tokenizer->Encode(texts[i], EncodeOptions{.max_length = 512});
    ASSERT_TRUE(cut.ok());
    same_truncated += *cut == want_cut;
  }
  std::printf("token parity: STS-B dev %zu/%zu, hostile %zu/%zu, truncated %zu/%zu\n", same_sts,
              sts_count, same_hostile, texts.size() - sts_count, same_truncated, texts.size());
  EXPECT_EQ(same_truncated, texts.size());
}

TEST(Tokenizer, VocabTxtMatchesTokenizerJson) {
  const std::string model = test::DefaultModelDirOrFail();
  ASSERT_FALSE(model.empty());
  auto json_tok = LoadTokenizer(model);
  auto vocab = ReadFileToString(Env::Default(), model + "/vocab.txt");
  ASSERT_TRUE(vocab.ok());
  auto txt_tok = WordPieceTokenizer::FromVocabTxt(*vocab, embed::WordPieceConfig{});
  ASSERT_TRUE(txt_tok.ok()) << txt_tok.status().ToString();
  for (const std::string& text : test::HostileTexts()) {
    EXPECT_EQ(*(*txt_tok)->Encode(text, {}), *json_tok->Encode(text, {})) << text;
  }
}

TEST(Tokenizer, KnownIdsAndLimits) {
  auto t = WordPieceTokenizer::FromVocabTxt(
      "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n##s\n!\ncafe\n", embed::WordPieceConfig{});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*(*t)->Encode("Hello worlds! CAFÉ xyz", {}),
            (std::vector<int32_t>{2, 5, 6, 7, 8, 9, 1, 3}));
  EXPECT_EQ(*(*t)->Encode("", {}), (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(*(*t)->Encode("hello [SEP]world", {}), (std::vector<int32_t>{2, 5, 3, 6, 3}));
  // 101 characters: [UNK] although "hello" pieces would match.
  std::string long_word;
  while (long_word.size() < 101) long_word += "hello";
  long_word.resize(101);
  EXPECT_EQ(*(*t)->Encode(long_word, {}), (std::vector<int32_t>{2, 1, 3}));
  auto cut = (*t)->Encode("hello hello hello hello", EncodeOptions{.max_length = 4});
  EXPECT_EQ(*cut, (std::vector<int32_t>{2, 5, 5, 3}));
  auto err =
      (*t)->Encode("hello hello hello hello", EncodeOptions{.max_length = 4, .truncate = false});
  EXPECT_TRUE(err.status().IsInvalidArgument());
  // Invalid UTF-8 becomes U+FFFD, which the normalizer drops.
  EXPECT_EQ(*(*t)->Encode("hel\xff"
                          "lo",
                          {}),
            (std::vector<int32_t>{2, 5, 3}));
}

TEST(Tokenizer, RejectsDamagedFiles) {
  EXPECT_FALSE(WordPieceTokenizer::FromTokenizerJson("{\"model\": ").ok());
  EXPECT_FALSE(WordPieceTokenizer::FromTokenizerJson("{\"model\": {\"type\": \"BPE\"}}").ok());
  EXPECT_FALSE(WordPieceTokenizer::FromVocabTxt("a\nb\n", embed::WordPieceConfig{}).ok());
}

}  // namespace
}  // namespace semble
