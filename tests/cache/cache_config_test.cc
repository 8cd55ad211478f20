// Copyright 2026 The semble Authors.
//
// A cache's settings read back exactly as written over their whole range, damaged settings are
// refused, and the number guard's reading of prompts.

#include "cache/cache_config.h"

#include <gtest/gtest.h>

#include <random>

#include "cache/prompt_numbers.h"

namespace semble::cache {
namespace {

bool Same(const SemanticCacheConfig& a, const SemanticCacheConfig& b) {
  return a.model == b.model && a.threshold == b.threshold &&
         a.default_ttl_seconds == b.default_ttl_seconds && a.max_entries == b.max_entries &&
         a.scope_fields == b.scope_fields && a.max_response_bytes == b.max_response_bytes &&
         a.match_numbers == b.match_numbers;
}

TEST(CacheConfigTest, EveryValidConfigReadsBack) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 2000; ++trial) {
    SemanticCacheConfig c;
    c.model = std::string(rng() % 40, static_cast<char>('a' + rng() % 26)) + "é\"\\";
    // Thresholds over (0, 1], including the smallest double above 0 and 1 itself.
    switch (trial % 4) {
      case 0: c.threshold = 1.0; break;
      case 1: c.threshold = std::numeric_limits<double>::denorm_min(); break;
      default: c.threshold = std::nextafter(static_cast<double>(rng() % 1000000 + 1) / 1e6, 0.0);
    }
    if (c.threshold <= 0) c.threshold = 1e-300;
    c.default_ttl_seconds = static_cast<int64_t>(rng() % (Limits{}.max_ttl_seconds + 1));
    c.max_entries = 1 + rng() % kMaxEntries;
    c.max_response_bytes = 1 + rng() % kMaxResponseBytes;
    c.match_numbers = rng() % 2;
    const size_t fields = rng() % (kMaxScopeFields + 1);
    for (size_t i = 0; i < fields; ++i) {
      c.scope_fields.push_back("f" + std::to_string(i) + std::string(rng() % 60, 'Z'));
    }
    ASSERT_TRUE(ValidateCacheConfig(c).ok()) << trial;
    auto back = CacheConfigFromJson(CacheConfigToJson(c));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(Same(*back, c)) << CacheConfigToJson(c);
    EXPECT_EQ(CacheConfigToJson(*back), CacheConfigToJson(c));
    EXPECT_GE(CacheMetadataBytes(c), 2 * (kMaxPromptBytes + c.max_response_bytes));
  }
}

TEST(CacheConfigTest, OutOfRangeConfigsAreRefused) {
  auto bad = [](auto change) {
    SemanticCacheConfig c;
    change(c);
    return ValidateCacheConfig(c).code() == Status::Code::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](auto& c) { c.threshold = 0; }));
  EXPECT_TRUE(bad([](auto& c) { c.threshold = 1.0000001; }));
  EXPECT_TRUE(bad([](auto& c) { c.threshold = std::nan(""); }));
  EXPECT_TRUE(bad([](auto& c) { c.default_ttl_seconds = -1; }));
  EXPECT_TRUE(bad([](auto& c) { c.default_ttl_seconds = Limits{}.max_ttl_seconds + 1; }));
  EXPECT_TRUE(bad([](auto& c) { c.max_entries = 0; }));
  EXPECT_TRUE(bad([](auto& c) { c.max_entries = kMaxEntries + 1; }));
  EXPECT_TRUE(bad([](auto& c) { c.max_response_bytes = 0; }));
  EXPECT_TRUE(bad([](auto& c) { c.max_response_bytes = kMaxResponseBytes + 1; }));
  EXPECT_TRUE(bad([](auto& c) { c.scope_fields = {"a", "a"}; }));
  EXPECT_TRUE(bad([](auto& c) { c.scope_fields = {""}; }));
  EXPECT_TRUE(bad([](auto& c) { c.scope_fields = {"a-b"}; }));
  EXPECT_TRUE(bad([](auto& c) { c.scope_fields = {std::string(65, 'a')}; }));
  EXPECT_TRUE(bad([](auto& c) { c.scope_fields = std::vector<std::string>(9, "x"); }));
  EXPECT_FALSE(bad([](auto&) {}));
}

TEST(CacheConfigTest, DamagedSettingsAreCorruption) {
  const std::string good = CacheConfigToJson(SemanticCacheConfig{});
  ASSERT_TRUE(CacheConfigFromJson(good).ok());
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_EQ(CacheConfigFromJson(good.substr(0, cut)).status().code(), Status::Code::kCorruption)
        << cut;
  }
  for (const char* text : {"[]", "{}", R"({"model":"m"})",
                           R"({"model":"m","threshold":2,"defaultTtlSeconds":0,"maxEntries":1,"scopeFields":[],"maxResponseBytes":1,"matchNumbers":true})",
                           R"({"model":"m","threshold":0.5,"defaultTtlSeconds":0,"maxEntries":1,"scopeFields":[1],"maxResponseBytes":1,"matchNumbers":true})"}) {
    EXPECT_EQ(CacheConfigFromJson(text).status().code(), Status::Code::kCorruption) << text;
  }
}

TEST(PromptNumbersTest, NumbersAreReadAsPeopleWriteThem) {
  using V = std::vector<std::string>;
  EXPECT_EQ(PromptNumbers("convert 5 miles"), V{"5"});
  EXPECT_EQ(PromptNumbers("in 2018 and 1914"), (V{"1914", "2018"}));
  EXPECT_EQ(PromptNumbers("1,000 or 1000 or 007"), (V{"1000", "1000", "7"}));
  EXPECT_EQ(PromptNumbers("pi is 3.14, e is 2.7."), (V{"2.7", "3.14"}));
  EXPECT_EQ(PromptNumbers("0.5 and 00.5"), (V{"0.5", "0.5"}));
  EXPECT_EQ(PromptNumbers("no numbers here"), V{});
  EXPECT_EQ(PromptNumbers("GPT-4o vs gpt4"), (V{"4", "4"}));
  EXPECT_EQ(PromptNumbers(""), V{});
  EXPECT_TRUE(SameNumbers("under 12 years", "younger than 12"));
  EXPECT_FALSE(SameNumbers("under 12 years", "under 5 years"));
  EXPECT_FALSE(SameNumbers("5 miles", "5 miles in 2 hours"));
  EXPECT_FALSE(SameNumbers("1 1", "1"));
}

}  // namespace
}  // namespace semble::cache
