// Copyright 2026 The semble Authors.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "embed/embed_test_util.h"
#include "embed/embedding_cache.h"
#include "semble/embedder.h"
#include "util/test_util.h"

namespace semble {
namespace {

using embed::EmbeddingCache;

TEST(EmbeddingCache, KeysSeparateModelPoolingNormalisationAndText) {
  const auto k = EmbeddingCache::Key("m", Pooling::kMean, true, "text");
  EXPECT_FALSE(k == EmbeddingCache::Key("m", Pooling::kCls, true, "text"));
  EXPECT_FALSE(k == EmbeddingCache::Key("m", Pooling::kMean, false, "text"));
  EXPECT_FALSE(k == EmbeddingCache::Key("m2", Pooling::kMean, true, "text"));
  EXPECT_FALSE(EmbeddingCache::Key("ab", Pooling::kMean, true, "c") ==
               EmbeddingCache::Key("a", Pooling::kMean, true, "bc"));
  EXPECT_TRUE(k == EmbeddingCache::Key("m", Pooling::kMean, true, "text"));
}

TEST(EmbeddingCache, LruEvictsAndPersists) {
  test::TempDir tmp;
  EmbeddingCache cache(2, 3);
  const auto a = EmbeddingCache::Key("m", Pooling::kMean, true, "a");
  const auto b = EmbeddingCache::Key("m", Pooling::kMean, true, "b");
  const auto c = EmbeddingCache::Key("m", Pooling::kMean, true, "c");
  cache.Insert(a, {1, 2, 3});
  cache.Insert(b, {4, 5, 6});
  std::vector<float> v;
  ASSERT_TRUE(cache.Lookup(a, &v));  // a is now the most recent
  cache.Insert(c, {7, 8, 9});        // evicts b
  EXPECT_FALSE(cache.Lookup(b, &v));
  ASSERT_TRUE(cache.Lookup(c, &v));
  EXPECT_EQ(v, (std::vector<float>{7, 8, 9}));
  EXPECT_EQ(cache.stats().hits, 2u);
  EXPECT_EQ(cache.stats().misses, 1u);
  const std::string path = tmp.path() + "/cache.bin";
  ASSERT_TRUE(cache.Save(Env::Default(), path).ok());

  EmbeddingCache loaded(2, 3);
  ASSERT_TRUE(loaded.Load(Env::Default(), path).ok());
  EXPECT_EQ(loaded.stats().entries, 2u);
  ASSERT_TRUE(loaded.Lookup(a, &v));
  EXPECT_EQ(v, (std::vector<float>{1, 2, 3}));

  // Every single-byte corruption is detected: the cache comes back empty, never wrong.
  auto bytes = ReadFileToString(Env::Default(), path);
  ASSERT_TRUE(bytes.ok());
  for (size_t i = 0; i < bytes->size(); ++i) {
    std::string bad = *bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    ASSERT_TRUE(test::WriteString(path, bad).ok());
    EmbeddingCache damaged(2, 3);
    EXPECT_TRUE(damaged.Load(Env::Default(), path).IsCorruption()) << "byte " << i;
    EXPECT_EQ(damaged.stats().entries, 0u);
  }
  ASSERT_TRUE(test::WriteString(path, bytes->substr(0, bytes->size() - 3)).ok());
  EmbeddingCache truncated(2, 3);
  EXPECT_FALSE(truncated.Load(Env::Default(), path).ok());
}

TEST(EmbeddingCache, EmbedderHitsReturnTheComputedVectors) {
  const std::string model = test::DefaultModelDirOrFail();
  ASSERT_FALSE(model.empty());
  test::TempDir tmp;
  EmbedderOptions options;
  options.cache_entries = 100;
  options.cache_file = tmp.path() + "/emb.cache";
  auto e = Embedder::Open(model, options);
  ASSERT_TRUE(e.ok());
  auto first = (*e)->Embed({"hello world", "second text"});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*e)->cache_stats().misses, 2u);
  ASSERT_TRUE((*e)->SaveCache().ok());
  auto again = Embedder::Open(model, options);
  ASSERT_TRUE(again.ok());
  auto second = (*again)->Embed({"second text", "hello world", "new"});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*again)->cache_stats().hits, 2u);
  EXPECT_EQ((*again)->cache_stats().misses, 1u);
  EXPECT_EQ((*second)[0], (*first)[1]);
  EXPECT_EQ((*second)[1], (*first)[0]);
  // A garbage cache file is ignored, not trusted.
  ASSERT_TRUE(test::WriteString(options.cache_file, std::string(200, 'x')).ok());
  auto fresh = Embedder::Open(model, options);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ((*fresh)->cache_stats().entries, 0u);
}

// The usage an answer reports comes from Embed's own tokenization: it must equal what Tokenize
// says for every text, and a text served from the cache still counts.
TEST(Embedder, EmbedCountsTheTokensOfEveryTextCachedOrNot) {
  const std::string model = test::DefaultModelDirOrFail();
  ASSERT_FALSE(model.empty());
  EmbedderOptions options;
  options.cache_entries = 100;
  auto e = Embedder::Open(model, options);
  ASSERT_TRUE(e.ok());
  std::string long_text;  // past the model's 512 tokens: counted after truncation
  for (int i = 0; i < 600; ++i) long_text += "words ";
  const std::vector<std::string> texts = {"hello world",
                                          "a somewhat longer second text, with commas", "",
                                          "hello world", long_text};
  uint64_t expected = 0;
  for (const std::string& t : texts) expected += (*e)->Tokenize(t)->size();
  uint64_t tokens = 0;
  auto first = (*e)->Embed(texts, &tokens);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(tokens, expected);
  // Mixed: two texts cached now, one new.
  const std::vector<std::string> mixed = {"new words here", "hello world", texts[1]};
  uint64_t mixed_expected = 0;
  for (const std::string& t : mixed) mixed_expected += (*e)->Tokenize(t)->size();
  EXPECT_EQ((*e)->Tokenize(long_text)->size(), 512u);
  tokens = 7;  // added to, not overwritten
  auto second = (*e)->Embed(mixed, &tokens);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*e)->cache_stats().hits, 2u);
  EXPECT_EQ(tokens, 7 + mixed_expected);
  EXPECT_EQ((*second)[1], (*first)[0]);
  auto plain = (*e)->Embed(mixed);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, *second);
}

TEST(Embedder, PoolingNormalisationAndOutputs) {
  const std::string model = test::DefaultModelDirOrFail();
  ASSERT_FALSE(model.empty());
  EmbedderOptions options;
  options.normalize = false;
  options.pooling = Pooling::kCls;
  auto cls = Embedder::Open(model, options);
  options.pooling = Pooling::kMean;
  auto mean = Embedder::Open(model, options);
  ASSERT_TRUE(cls.ok() && mean.ok());
  auto a = (*cls)->Embed({"A man is playing a guitar."});
  auto b = (*mean)->Embed({"A man is playing a guitar."});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE((*a)[0], (*b)[0]);
  double norm = 0;
  for (float x : (*b)[0]) norm += x * x;
  EXPECT_GT(std::abs(norm - 1.0), 1e-3);  // not normalised
  float scale;
  auto q = QuantizeInt8((*b)[0], &scale);
  for (size_t i = 0; i < q.size(); ++i) EXPECT_NEAR(q[i] * scale, (*b)[0][i], scale);
  auto bits = Binarize((*b)[0]);
  ASSERT_EQ(bits.size(), 48u);
  for (size_t i = 0; i < 384; ++i) EXPECT_EQ((bits[i / 8] >> (i % 8)) & 1, (*b)[0][i] > 0 ? 1 : 0);
  // A text past 512 tokens: cut by default, an error when truncation is off.
  std::string long_text;
  for (int i = 0; i < 600; ++i) long_text += "word ";
  EXPECT_TRUE((*mean)->Embed({long_text}).ok());
  options.truncate = false;
  auto strict = Embedder::Open(model, options);
  ASSERT_TRUE(strict.ok());
  EXPECT_TRUE((*strict)->Embed({long_text}).status().IsInvalidArgument());
  // Threads give the same vectors.
  options.truncate = true;
  options.threads = 2;
  auto two = Embedder::Open(model, options);
  ASSERT_TRUE(two.ok());
  auto c = (*two)->Embed({"A man is playing a guitar."});
  ASSERT_TRUE(c.ok());
  for (size_t i = 0; i < 384; ++i) EXPECT_NEAR((*c)[0][i], (*b)[0][i], 1e-6);
}

}  // namespace
}  // namespace semble
