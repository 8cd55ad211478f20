// Copyright 2026 The semble Authors.
//
// The behaviour every ObjectStore must have, as a parameterised suite: each implementation's test
// file instantiates it with a factory for a fresh, empty store.

#ifndef SEMBLE_TESTS_STORAGE_OBJECT_STORE_CONFORMANCE_H_
#define SEMBLE_TESTS_STORAGE_OBJECT_STORE_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "semble/object_store.h"

namespace semble::storage {

using StoreFactory = std::function<std::unique_ptr<ObjectStore>()>;

class ObjectStoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam()();
    ASSERT_NE(store_, nullptr);
  }
  std::unique_ptr<ObjectStore> store_;
};

inline bool IsConditionFailed(const Status& s) {
  return s.code() == Status::Code::kFailedPrecondition &&
         s.reason() == Status::Reason::kConditionFailed;
}

TEST_P(ObjectStoreConformance, PutThenGetReturnsTheBytesAndAStableEtag) {
  std::string data("binary\0data\xff\x01", 14);
  auto etag = store_->Put("a/b/c", data);
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  auto got = store_->Get("a/b/c");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->data, data);
  EXPECT_EQ(got->etag, *etag);
  auto empty = store_->Put("empty", "");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  auto got_empty = store_->Get("empty");
  ASSERT_TRUE(got_empty.ok());
  EXPECT_EQ(got_empty->data, "");
  EXPECT_NE(got_empty->etag, *etag);
}

TEST_P(ObjectStoreConformance, GetOfAMissingKeyIsNotFound) {
  EXPECT_TRUE(store_->Get("nothing/here").status().IsNotFound());
  EXPECT_TRUE(store_->GetRange("nothing/here", 0, 10).status().IsNotFound());
}

TEST_P(ObjectStoreConformance, PutIfAbsentRefusesAnExistingKeyAndKeepsItsBytes) {
  ASSERT_TRUE(store_->Put("k", "first", PutCondition::IfAbsent()).ok());
  auto second = store_->Put("k", "second", PutCondition::IfAbsent());
  EXPECT_TRUE(IsConditionFailed(second.status())) << second.status().ToString();
  EXPECT_EQ(store_->Get("k")->data, "first");
}

TEST_P(ObjectStoreConformance, PutIfMatchSwapsOnlyTheVersionItSaw) {
  auto v1 = store_->Put("m", "v1");
  ASSERT_TRUE(v1.ok());
  auto v2 = store_->Put("m", "v2", PutCondition::IfMatch(*v1));
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  auto stale = store_->Put("m", "v3", PutCondition::IfMatch(*v1));
  EXPECT_TRUE(IsConditionFailed(stale.status())) << stale.status().ToString();
  EXPECT_EQ(store_->Get("m")->data, "v2");
  auto missing = store_->Put("no-such", "x", PutCondition::IfMatch(*v1));
  EXPECT_FALSE(missing.ok());
  EXPECT_TRUE(store_->Get("no-such").status().IsNotFound());
}

TEST_P(ObjectStoreConformance, ListReturnsThePrefixInKeyOrderWithSizes) {
  const std::vector<std::string> keys = {"p/b", "p/a", "p/c/d", "q/a", "p%25/x", "pa"};
  for (const std::string& k : keys) ASSERT_TRUE(store_->Put(k, k + k).ok()) << k;
  auto listed = store_->List("p/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> names;
  for (const ObjectInfo& o : *listed) {
    names.push_back(o.key);
    EXPECT_EQ(o.size, 2 * o.key.size()) << o.key;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"p/a", "p/b", "p/c/d"}));
  auto all = store_->List("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), keys.size());
  EXPECT_TRUE(store_->List("zzz")->empty());
}

TEST_P(ObjectStoreConformance, ListPagesThroughManyKeys) {
  // More than one S3 page (1000 keys) must come back whole and in order.
  constexpr int kCount = 1100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kCount; i += 4) {
        char key[32];
        std::snprintf(key, sizeof(key), "many/%06d", i);
        if (!store_->Put(key, "x").ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  auto listed = store_->List("many/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "many/%06d", i);
    ASSERT_EQ((*listed)[i].key, key);
  }
}

TEST_P(ObjectStoreConformance, DeleteRemovesAndIsIdempotent) {
  ASSERT_TRUE(store_->Put("d", "x").ok());
  ASSERT_TRUE(store_->Delete("d").ok());
  EXPECT_TRUE(store_->Get("d").status().IsNotFound());
  EXPECT_TRUE(store_->Delete("d").ok());
  EXPECT_TRUE(store_->List("d")->empty());
}

TEST_P(ObjectStoreConformance, GetRangeReadsASliceAndStopsAtTheEnd) {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += static_cast<char>('a' + i % 26);
  ASSERT_TRUE(store_->Put("r", data).ok());
  EXPECT_EQ(*store_->GetRange("r", 0, 10), data.substr(0, 10));
  EXPECT_EQ(*store_->GetRange("r", 1234, 100), data.substr(1234, 100));
  EXPECT_EQ(*store_->GetRange("r", 4990, 100), data.substr(4990));
}

// Collects what GetTo hands over, and how many pieces.
struct Collected {
  std::string bytes;
  int pieces = 0;
  ObjectStore::Sink Sink() {
    return [this](std::string_view piece) {
      EXPECT_FALSE(piece.empty());
      bytes.append(piece);
      ++pieces;
      return Status::OK();
    };
  }
};

TEST_P(ObjectStoreConformance, GetToStreamsTheBytesGetReturns) {
  // Larger than one piece of every implementation (the file store's are 1 MiB).
  std::string data(3 << 20, '\0');
  std::mt19937 rng(5);
  for (char& c : data) c = static_cast<char>(rng());
  ASSERT_TRUE(store_->Put("big", data).ok());
  Collected whole;
  ASSERT_TRUE(store_->GetTo("big", 0, ObjectStore::kToEnd, whole.Sink()).ok());
  EXPECT_TRUE(whole.bytes == data) << whole.bytes.size() << " bytes of " << data.size();
  const uint64_t from = (1 << 20) - 7, n = (1 << 20) + 100;
  Collected range;
  ASSERT_TRUE(store_->GetTo("big", from, n, range.Sink()).ok());
  EXPECT_TRUE(range.bytes == data.substr(from, n));
  Collected tail;
  ASSERT_TRUE(store_->GetTo("big", data.size() - 10, 100, tail.Sink()).ok());
  EXPECT_EQ(tail.bytes, data.substr(data.size() - 10));
  Collected rest;
  ASSERT_TRUE(store_->GetTo("big", 2 << 20, ObjectStore::kToEnd, rest.Sink()).ok());
  EXPECT_TRUE(rest.bytes == data.substr(2 << 20));
  Collected past;
  ASSERT_TRUE(store_->GetTo("big", data.size(), 10, past.Sink()).ok());
  EXPECT_EQ(past.pieces, 0);
  Collected none;
  ASSERT_TRUE(store_->GetTo("big", 5, 0, none.Sink()).ok());
  EXPECT_EQ(none.pieces, 0);
  ASSERT_TRUE(store_->Put("empty", "").ok());
  Collected empty;
  ASSERT_TRUE(store_->GetTo("empty", 0, ObjectStore::kToEnd, empty.Sink()).ok());
  EXPECT_EQ(empty.pieces, 0);
}

TEST_P(ObjectStoreConformance, GetToOfAMissingKeyIsNotFoundAndASinkErrorComesBackAsItIs) {
  Collected missing;
  EXPECT_TRUE(store_->GetTo("nothing", 0, ObjectStore::kToEnd, missing.Sink()).IsNotFound());
  EXPECT_TRUE(store_->GetTo("nothing", 3, 10, missing.Sink()).IsNotFound());
  EXPECT_EQ(missing.pieces, 0);
  ASSERT_TRUE(store_->Put("k", std::string(100000, 'x')).ok());
  int calls = 0;
  const Status s = store_->GetTo("k", 0, ObjectStore::kToEnd, [&](std::string_view) {
    ++calls;
    return Status::IOError("disk full (injected)");
  });
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_EQ(s.message(), "disk full (injected)");
  EXPECT_EQ(calls, 1);
}

TEST_P(ObjectStoreConformance, ConcurrentPutIfAbsentHasExactlyOneWinner) {
  for (int round = 0; round < 5; ++round) {
    const std::string key = "race/" + std::to_string(round);
    std::atomic<int> won{0}, lost{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&, t] {
        auto r = store_->Put(key, "writer " + std::to_string(t), PutCondition::IfAbsent());
        if (r.ok()) {
          ++won;
        } else if (IsConditionFailed(r.status())) {
          ++lost;
        } else {
          ++other;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(won.load(), 1) << key;
    EXPECT_EQ(lost.load(), 5) << key;
    EXPECT_EQ(other.load(), 0) << key;
  }
}

TEST_P(ObjectStoreConformance, RandomKeysAndValuesReadBack) {
  std::mt19937 rng(7);
  std::vector<std::pair<std::string, std::string>> written;
  const std::string alphabet = "abcXYZ019-_.~!%/ +";
  for (int i = 0; i < 60; ++i) {
    std::string key = "rt/" + std::to_string(i) + "/";
    const int len = 1 + static_cast<int>(rng() % 20);
    for (int j = 0; j < len; ++j) key += alphabet[rng() % alphabet.size()];
    std::string value(rng() % 3000, '\0');
    for (char& c : value) c = static_cast<char>(rng());
    ASSERT_TRUE(store_->Put(key, value).ok()) << key;
    written.emplace_back(key, value);
  }
  for (const auto& [key, value] : written) {
    auto got = store_->Get(key);
    ASSERT_TRUE(got.ok()) << key << ": " << got.status().ToString();
    EXPECT_EQ(got->data, value) << key;
  }
  EXPECT_EQ(store_->List("rt/")->size(), written.size());
}

}  // namespace semble::storage

#endif  // SEMBLE_TESTS_STORAGE_OBJECT_STORE_CONFORMANCE_H_
