// Copyright 2026 The semble Authors.
//
// The semantic cache with the default model on a real database: hits above the threshold and
// misses below it (at the exact boundary), scope isolation, the number guard, eviction of the
// least recently hit entry, persistence across a restart, invalidation, concurrent use, and the
// refusals.

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "semble/database.h"
#include "semble/model_registry.h"
#include "semble/model_store.h"
#include "semble/semantic_cache.h"
#include "embed/embed_test_util.h"
#include "util/test_util.h"

namespace semble {
namespace {

using Code = Status::Code;

class SemanticCacheTest : public ::testing::Test {
 protected:
  // One registry for the suite: loading the model (and checking its digests) takes seconds.
  static void SetUpTestSuite() {
    const std::string dir = test::DefaultModelDirOrFail();
    ModelRegistryOptions o;
    o.models_dir = dir.substr(0, dir.rfind('/'));
    shared_models_ = new ModelRegistry(o);
  }
  static void TearDownTestSuite() {
    delete shared_models_;
    shared_models_ = nullptr;
  }

  void SetUp() override {
    models_ = shared_models_;
    Reopen();
  }
  void TearDown() override { db_.reset(); }

  void Reopen() {
    db_.reset();
    DatabaseOptions options;
    options.models = models_;
    options.env = env();
    auto db = Database::Open(options, tmp_.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  virtual Env* env() { return Env::Default(); }

  std::unique_ptr<SemanticCache> Create(SemanticCacheConfig config, const std::string& name = "c") {
    auto cache = SemanticCache::Create(db_.get(), models_, name, config, {env()});
    EXPECT_TRUE(cache.ok()) << cache.status().ToString();
    return cache.ok() ? std::move(cache).value() : nullptr;
  }

  static CacheStoreRequest Entry(std::string prompt, std::string response,
                                 std::map<std::string, std::string> scope = {}) {
    CacheStoreRequest r;
    r.prompt = std::move(prompt);
    r.response = std::move(response);
    r.scope = std::move(scope);
    return r;
  }
  static CacheLookupRequest Ask(std::string prompt, std::map<std::string, std::string> scope = {},
                                std::optional<double> threshold = std::nullopt) {
    CacheLookupRequest r;
    r.prompt = std::move(prompt);
    r.scope = std::move(scope);
    r.threshold = threshold;
    return r;
  }

  test::TempDir tmp_;
  static inline ModelRegistry* shared_models_ = nullptr;
  ModelRegistry* models_ = nullptr;
  std::unique_ptr<Database> db_;
};

TEST_F(SemanticCacheTest, AParaphraseHitsAndAnUnrelatedPromptMisses) {
  auto cache = Create({});
  ASSERT_NE(cache, nullptr);
  auto key = cache->Store(Entry("What is the capital of France?", "Paris."));
  ASSERT_TRUE(key.ok()) << key.status().ToString();

  auto hit = cache->Lookup(Ask("Which city is the capital of France?"));
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  EXPECT_TRUE(hit->hit);
  EXPECT_EQ(hit->key, *key);
  EXPECT_EQ(hit->response, "Paris.");
  EXPECT_GE(hit->score, 0.87);
  EXPECT_GE(hit->age_ms, 0);

  auto miss = cache->Lookup(Ask("How do I bake sourdough bread?"));
  ASSERT_TRUE(miss.ok());
  EXPECT_FALSE(miss->hit);
  EXPECT_TRUE(miss->response.empty());
  EXPECT_LT(miss->best_score, 0.87);
  EXPECT_GT(miss->best_score, -1.0);

  auto stats = cache->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->lookups, 2u);
  EXPECT_EQ(stats->hits, 1u);
  EXPECT_EQ(stats->misses, 1u);
  EXPECT_EQ(stats->stores, 1u);
  EXPECT_EQ(stats->entries, 1u);
  EXPECT_EQ(stats->tokens_saved, 2u);  // "Paris." is 6 bytes: 2 tokens at 4 bytes a token
}

TEST_F(SemanticCacheTest, TheThresholdIsInclusiveAtTheExactScore) {
  auto cache = Create({});
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Store(Entry("A man is playing a guitar.", "music")).ok());
  // Learn the similarity of another prompt, then ask at exactly it and just above it.
  auto probe = cache->Lookup(Ask("A woman is playing the violin.", {}, 1.0));
  ASSERT_TRUE(probe.ok());
  ASSERT_FALSE(probe->hit);
  const double s = probe->best_score;
  ASSERT_GT(s, 0.0);
  ASSERT_LT(s, 1.0);
  auto at = cache->Lookup(Ask("A woman is playing the violin.", {}, s));
  ASSERT_TRUE(at.ok());
  EXPECT_TRUE(at->hit);
  EXPECT_EQ(at->score, s);
  auto above = cache->Lookup(Ask("A woman is playing the violin.", {}, std::nextafter(s, 2.0)));
  ASSERT_TRUE(above.ok());
  EXPECT_FALSE(above->hit);
}

TEST_F(SemanticCacheTest, ScopesNeverMix) {
  SemanticCacheConfig config;
  config.scope_fields = {"model", "tenant"};
  auto cache = Create(config);
  ASSERT_NE(cache, nullptr);
  const std::string q = "What is the capital of France?";
  ASSERT_TRUE(cache->Store(Entry(q, "from a", {{"model", "a"}})).ok());
  ASSERT_TRUE(cache->Store(Entry(q, "from b", {{"model", "b"}, {"tenant", "t"}})).ok());

  auto a = cache->Lookup(Ask(q, {{"model", "a"}}));
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->hit);
  EXPECT_EQ(a->response, "from a");
  auto b = cache->Lookup(Ask(q, {{"model", "b"}, {"tenant", "t"}}));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->response, "from b");
  // A field left out is "", another scope than one that gives it.
  auto b_no_tenant = cache->Lookup(Ask(q, {{"model", "b"}}));
  ASSERT_TRUE(b_no_tenant.ok());
  EXPECT_FALSE(b_no_tenant->hit);
  EXPECT_EQ(b_no_tenant->best_score, 0.0);  // nothing at all in that scope
  auto c = cache->Lookup(Ask(q, {{"model", "c"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->hit);

  auto unknown = cache->Lookup(Ask(q, {{"modle", "a"}}));
  EXPECT_EQ(unknown.status().code(), Code::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("modle"), std::string::npos);
  EXPECT_EQ(cache->Store(Entry(q, "x", {{"user", "u"}})).status().code(), Code::kInvalidArgument);
}

TEST_F(SemanticCacheTest, PromptsWithOtherNumbersMissUnlessTheGuardIsOff) {
  auto guarded = Create({}, "guarded");
  SemanticCacheConfig off;
  off.match_numbers = false;
  auto unguarded = Create(off, "unguarded");
  ASSERT_NE(guarded, nullptr);
  ASSERT_NE(unguarded, nullptr);
  for (auto* cache : {guarded.get(), unguarded.get()}) {
    ASSERT_TRUE(cache->Store(Entry("How do I convert 5 miles to kilometres?", "x 1.609")).ok());
  }
  const auto other = Ask("How do I convert 50 miles to kilometres?", {}, 0.5);
  auto g = guarded->Lookup(other);
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(g->hit);
  EXPECT_GT(g->best_score, 0.5);  // similar enough: only the guard stopped it
  auto u = unguarded->Lookup(other);
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->hit);
  // Same numbers in other words: a hit.
  auto same = guarded->Lookup(Ask("How can I convert 5 miles into kilometres?"));
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->hit);
}

TEST_F(SemanticCacheTest, TheLeastRecentlyHitEntryIsEvictedFirst) {
  SemanticCacheConfig config;
  config.max_entries = 3;
  auto cache = Create(config);
  ASSERT_NE(cache, nullptr);
  const std::vector<std::string> prompts = {
      "How do I bake sourdough bread?", "What is the capital of France?",
      "How tall is Mount Everest?", "Who wrote Pride and Prejudice?"};
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(cache->Store(Entry(prompts[i], "r")).ok());
  // The oldest entry is hit, so the second one is now the least recently used.
  ASSERT_TRUE(cache->Lookup(Ask(prompts[0]))->hit);
  ASSERT_TRUE(cache->Store(Entry(prompts[3], "r")).ok());
  auto stats = cache->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->evictions, 1u);
  EXPECT_EQ(stats->entries, 3u);
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto r = cache->Lookup(Ask(prompts[i], {}, 0.999));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->hit, i != 1) << prompts[i];
  }
}

TEST_F(SemanticCacheTest, EntriesAndSettingsSurviveARestart) {
  SemanticCacheConfig config;
  config.threshold = 0.9;
  config.scope_fields = {"model"};
  config.max_entries = 2;
  config.max_response_bytes = 1000;
  config.default_ttl_seconds = 3600;
  auto cache = Create(config);
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Store(Entry("How tall is Mount Everest?", "8,849 m", {{"model", "m"}})).ok());
  ASSERT_TRUE(cache->Store(Entry("Who wrote Pride and Prejudice?", "Austen", {{"model", "m"}})).ok());
  cache.reset();
  Reopen();
  auto opened = SemanticCache::Open(db_.get(), "c", {env()});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const SemanticCacheConfig& got = (*opened)->description().config;
  EXPECT_EQ(got.threshold, 0.9);
  EXPECT_EQ(got.scope_fields, std::vector<std::string>{"model"});
  EXPECT_EQ(got.max_entries, 2u);
  EXPECT_EQ(got.max_response_bytes, 1000u);
  EXPECT_EQ(got.default_ttl_seconds, 3600);
  EXPECT_EQ(got.model, std::string(kDefaultModelId));  // the alias "" resolved and stored
  auto hit = (*opened)->Lookup(Ask("What is the height of Mount Everest?", {{"model", "m"}}));
  ASSERT_TRUE(hit.ok());
  EXPECT_TRUE(hit->hit);
  EXPECT_EQ(hit->response, "8,849 m");
  // Recency was rebuilt: the bound still holds after the restart.
  ASSERT_TRUE((*opened)->Store(Entry("What is the capital of France?", "Paris", {{"model", "m"}})).ok());
  EXPECT_EQ((*opened)->Stats()->entries, 2u);
  EXPECT_EQ((*opened)->Stats()->evictions, 1u);

  auto list = SemanticCache::List(db_.get());
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "c");
}

TEST_F(SemanticCacheTest, InvalidatedEntriesAreGone) {
  auto cache = Create({});
  ASSERT_NE(cache, nullptr);
  auto k1 = cache->Store(Entry("How tall is Mount Everest?", "8849 m"));
  auto k2 = cache->Store(Entry("Who wrote Pride and Prejudice?", "Austen"));
  ASSERT_TRUE(k1.ok() && k2.ok());
  // Storing the same prompt again replaces the entry under the same key.
  auto again = cache->Store(Entry("Who wrote Pride and Prejudice?", "Jane Austen"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *k2);
  EXPECT_EQ(cache->Lookup(Ask("Who wrote Pride and Prejudice?"))->response, "Jane Austen");
  auto n = cache->Invalidate({*k1, "no-such-key"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_FALSE(cache->Lookup(Ask("How tall is Mount Everest?"))->hit);
  EXPECT_TRUE(cache->Lookup(Ask("Who wrote Pride and Prejudice?"))->hit);
  EXPECT_EQ(cache->Stats()->entries, 1u);
  EXPECT_EQ(cache->Stats()->invalidations, 1u);
}

TEST_F(SemanticCacheTest, InvalidationByFilterRemovesWhatMatchesAndKeepsTheBound) {
  SemanticCacheConfig config;
  config.scope_fields = {"model"};
  config.max_entries = 3;
  auto cache = Create(config);
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Store(Entry("How tall is Mount Everest?", "a", {{"model", "old"}})).ok());
  ASSERT_TRUE(cache->Store(Entry("Who wrote Pride and Prejudice?", "b", {{"model", "old"}})).ok());
  ASSERT_TRUE(cache->Store(Entry("What is the capital of France?", "c", {{"model", "new"}})).ok());
  auto n = cache->InvalidateByFilter(R"({"scope.model": {"$eq": "old"}})");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 2u);
  EXPECT_FALSE(cache->Lookup(Ask("How tall is Mount Everest?", {{"model", "old"}}))->hit);
  EXPECT_TRUE(cache->Lookup(Ask("What is the capital of France?", {{"model", "new"}}))->hit);
  // The two freed places are free: two more stores evict nothing.
  ASSERT_TRUE(cache->Store(Entry("How do I bake sourdough bread?", "d", {{"model", "new"}})).ok());
  ASSERT_TRUE(cache->Store(Entry("Why is the sky blue?", "e", {{"model", "new"}})).ok());
  EXPECT_EQ(cache->Stats()->evictions, 0u);
  EXPECT_EQ(cache->Stats()->entries, 3u);
  EXPECT_EQ(cache->Stats()->invalidations, 2u);
  EXPECT_EQ(cache->InvalidateByFilter("{}").status().reason(), Status::Reason::kBadFilter);
  EXPECT_EQ(cache->InvalidateByFilter("{nope").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(cache->Stats()->entries, 3u);
}

TEST_F(SemanticCacheTest, ConcurrentLookupsAndStoresAreAllCounted) {
  auto cache = Create({});
  ASSERT_NE(cache, nullptr);
  const std::vector<std::string> prompts = {
      "How do I bake sourdough bread?", "What is the capital of France?",
      "How tall is Mount Everest?", "Who wrote Pride and Prejudice?"};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string& p = prompts[(t + i) % prompts.size()];
        if (!cache->Store(Entry(p, "r" + std::to_string(t))).ok()) ++failures;
        auto r = cache->Lookup(Ask(p));
        if (!r.ok() || !r->hit) ++failures;  // stored by this thread just before
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto stats = cache->Stats();
  EXPECT_EQ(stats->lookups, 40u);
  EXPECT_EQ(stats->hits, 40u);
  EXPECT_EQ(stats->stores, 40u);
  EXPECT_EQ(stats->entries, prompts.size());
}

TEST_F(SemanticCacheTest, BadRequestsAreRefusedAndChangeNothing) {
  SemanticCacheConfig config;
  config.max_response_bytes = 100;
  auto cache = Create(config);
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(cache->Store(Entry("", "r")).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(cache->Store(Entry(std::string(16 * 1024 + 1, 'a'), "r")).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(cache->Store(Entry("p", std::string(101, 'r'))).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(cache->Store(Entry("p", "\xff\xfe")).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(cache->Store(Entry("\xc3", "r")).status().code(), Code::kInvalidArgument);
  auto zero_ttl = Entry("p", "r");
  zero_ttl.ttl_seconds = 0;
  EXPECT_EQ(cache->Store(zero_ttl).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(cache->Lookup(Ask("p", {}, 0.0)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(cache->Lookup(Ask("p", {}, 1.5)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(cache->Lookup(Ask("")).status().code(), Code::kInvalidArgument);
  // A response exactly at the limit is taken.
  EXPECT_TRUE(cache->Store(Entry("p", std::string(100, 'r'))).ok());
  EXPECT_EQ(cache->Stats()->entries, 1u);
  EXPECT_EQ(cache->Stats()->stores, 1u);

  SemanticCacheConfig bad;
  bad.threshold = 0;
  EXPECT_EQ(SemanticCache::Create(db_.get(), models_, "b", bad).status().code(),
            Code::kInvalidArgument);
  bad = {};
  bad.scope_fields = {"a.b"};
  EXPECT_EQ(SemanticCache::Create(db_.get(), models_, "b", bad).status().code(),
            Code::kInvalidArgument);
  bad = {};
  bad.model = "no-such-model";
  auto missing_model = SemanticCache::Create(db_.get(), models_, "b", bad);
  EXPECT_EQ(missing_model.status().reason(), Status::Reason::kModelNotFound);
  EXPECT_EQ(SemanticCache::Create(db_.get(), models_, "c", {}).status().code(),
            Code::kAlreadyExists);
  EXPECT_EQ(SemanticCache::Open(db_.get(), "nothing").status().code(), Code::kNotFound);
  ASSERT_TRUE(db_->CreateIndex({"plain", "", {8, Metric::kCosine}}).ok());
  EXPECT_EQ(SemanticCache::Open(db_.get(), "plain").status().code(), Code::kInvalidArgument);
  auto list = SemanticCache::List(db_.get());
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);  // "plain" is not a cache
}

}  // namespace
}  // namespace semble

namespace semble {
namespace {

// The same cache with a clock the test sets: expiry is exact and survives a restart.
class SemanticCacheClockTest : public SemanticCacheTest {
 protected:
  Env* env() override { return &clock_; }
  test::FaultEnv clock_;
};

TEST_F(SemanticCacheClockTest, EntriesExpireExactlyAtTheirTtl) {
  const int64_t t0 = 1'800'000'000'000;
  clock_.fixed_now_ms = t0;
  Reopen();
  SemanticCacheConfig config;
  config.default_ttl_seconds = 100;
  auto cache = Create(config);
  ASSERT_NE(cache, nullptr);
  auto own = Entry("How tall is Mount Everest?", "8849 m");
  own.ttl_seconds = 60;
  ASSERT_TRUE(cache->Store(own).ok());
  ASSERT_TRUE(cache->Store(Entry("Who wrote Pride and Prejudice?", "Austen")).ok());
  auto everest = Ask("How tall is Mount Everest?");
  auto austen = Ask("Who wrote Pride and Prejudice?");

  clock_.fixed_now_ms = t0 + 59'999;
  auto hit = cache->Lookup(everest);
  ASSERT_TRUE(hit.ok());
  EXPECT_TRUE(hit->hit);
  EXPECT_EQ(hit->age_ms, 59'999);
  clock_.fixed_now_ms = t0 + 60'000;
  EXPECT_FALSE(cache->Lookup(everest)->hit);
  EXPECT_TRUE(cache->Lookup(austen)->hit);  // the cache's default: 100 s

  // Across a restart the stored expiry holds, to the millisecond.
  cache.reset();
  Reopen();
  auto opened = SemanticCache::Open(db_.get(), "c", {env()});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  clock_.fixed_now_ms = t0 + 99'999;
  EXPECT_FALSE((*opened)->Lookup(everest)->hit);
  EXPECT_TRUE((*opened)->Lookup(austen)->hit);
  clock_.fixed_now_ms = t0 + 100'000;
  EXPECT_FALSE((*opened)->Lookup(austen)->hit);
  EXPECT_EQ((*opened)->Stats()->entries, 0u);

  // Expired entries leave room without counting as evictions.
  auto bounded = SemanticCache::Create(db_.get(), models_, "bounded", [] {
    SemanticCacheConfig c;
    c.max_entries = 2;
    return c;
  }(), {env()});
  ASSERT_TRUE(bounded.ok());
  auto short_lived = Entry("How tall is Mount Everest?", "8849 m");
  short_lived.ttl_seconds = 1;
  ASSERT_TRUE((*bounded)->Store(short_lived).ok());
  ASSERT_TRUE((*bounded)->Store(Entry("Who wrote Pride and Prejudice?", "Austen")).ok());
  clock_.fixed_now_ms = t0 + 101'000;
  ASSERT_TRUE((*bounded)->Store(Entry("What is the capital of France?", "Paris")).ok());
  EXPECT_EQ((*bounded)->Stats()->evictions, 0u);
  EXPECT_EQ((*bounded)->Stats()->entries, 2u);
  EXPECT_TRUE((*bounded)->Lookup(austen)->hit);

  auto too_long = Entry("p", "r");
  too_long.ttl_seconds = Limits{}.max_ttl_seconds + 1;
  EXPECT_EQ((*opened)->Store(too_long).status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace semble
