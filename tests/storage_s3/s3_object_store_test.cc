// Copyright 2026 The semble Authors.
//
// The S3 store against a real radosgw (tests/services/radosgw.sh, started by ctest as the
// "radosgw" fixture), directly and through a proxy that injects faults. SEMBLE_S3_ENV names the
// fixture's env file; without it every test here fails: these tests are never skipped.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "storage/object_store_conformance.h"
#include "storage/object_stores.h"
#include "storage_s3/fault_proxy.h"
#include "util/radosgw_env.h"

namespace semble::storage {
namespace {

using test::FaultProxy;
using Fault = FaultProxy::Fault;

using test::RadosgwOptions;

int RadosgwPort() {
  const std::string& e = RadosgwOptions().endpoint;
  return std::atoi(e.c_str() + e.rfind(':') + 1);
}

std::string NewBucket(const ObjectStoreOptions&) { return test::NewRadosgwBucket(); }

std::unique_ptr<ObjectStore> Open(const std::string& bucket, const std::string& prefix,
                                  const ObjectStoreOptions& options) {
  auto store = NewS3ObjectStore(bucket, prefix, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

std::unique_ptr<ObjectStore> FreshBucketStore() {
  return Open(NewBucket(RadosgwOptions()), "", RadosgwOptions());
}

// A store under a prefix of a bucket that holds another prefix's objects too: the prefix must
// hide them.
std::unique_ptr<ObjectStore> PrefixedStore() {
  const std::string bucket = NewBucket(RadosgwOptions());
  auto neighbour = Open(bucket, "other/", RadosgwOptions());
  if (neighbour == nullptr) return nullptr;
  for (const char* key : {"a", "p/a", "many/000000", "rt/x", "race/0", "m", "k"}) {
    EXPECT_TRUE(neighbour->Put(key, "neighbour").ok());
  }
  return Open(bucket, "db/index-1/", RadosgwOptions());
}

INSTANTIATE_TEST_SUITE_P(Radosgw, ObjectStoreConformance, ::testing::Values(&FreshBucketStore),
                         [](const auto&) { return std::string("store"); });
INSTANTIATE_TEST_SUITE_P(RadosgwPrefixed, ObjectStoreConformance, ::testing::Values(&PrefixedStore),
                         [](const auto&) { return std::string("store"); });

TEST(S3ObjectStore, KeysWithDotSegmentsAndOddBytesStayThemselves) {
  auto store = FreshBucketStore();
  ASSERT_NE(store, nullptr);
  const std::vector<std::string> keys = {
      "a/./b", "a/../b",           "../up", "/lead", "a//b", "sp ace", "q?x=1",
      "h#f",   "\x01\x7f\xc3\xa9", "amp&=;"};
  for (const std::string& k : keys) {
    auto put = store->Put(k, "v:" + k);
    ASSERT_TRUE(put.ok()) << k << ": " << put.status().ToString();
  }
  for (const std::string& k : keys) {
    auto got = store->Get(k);
    ASSERT_TRUE(got.ok()) << k << ": " << got.status().ToString();
    EXPECT_EQ(got->data, "v:" + k);
  }
  auto listed = store->List("");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> names;
  for (const ObjectInfo& o : *listed) names.push_back(o.key);
  std::vector<std::string> want = keys;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(names, want);
}

TEST(S3ObjectStore, ListedEtagsAreTheEtagsPutReturned) {
  auto store = FreshBucketStore();
  ASSERT_NE(store, nullptr);
  auto e1 = store->Put("x/1", "one");
  auto e2 = store->Put("x/2", std::string(100000, 'z'));
  ASSERT_TRUE(e1.ok() && e2.ok());
  auto listed = store->List("x/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].etag, *e1);
  EXPECT_EQ((*listed)[1].etag, *e2);
  EXPECT_EQ((*listed)[1].size, 100000u);
  // If-Match with the listed etag swaps (a writer that found the manifest by listing).
  EXPECT_TRUE(store->Put("x/1", "uno", PutCondition::IfMatch((*listed)[0].etag)).ok());
}

TEST(S3ObjectStore, GetRangeAtOrPastTheEndIsEmpty) {
  auto store = FreshBucketStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("r", "0123456789").ok());
  EXPECT_EQ(*store->GetRange("r", 10, 5), "");
  EXPECT_EQ(*store->GetRange("r", 11, 5), "");
  EXPECT_EQ(*store->GetRange("r", 3, 0), "");
  EXPECT_EQ(*store->GetRange("r", 9, 100), "9");
  ASSERT_TRUE(store->Put("empty", "").ok());
  EXPECT_EQ(*store->GetRange("empty", 0, 10), "");
}

TEST(S3ObjectStore, ObjectsOfSeveralMegabytesRoundTrip) {
  // Over libcurl's 1 MiB threshold for "Expect: 100-continue".
  auto store = FreshBucketStore();
  ASSERT_NE(store, nullptr);
  std::string big(5 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 2654435761u >> 13);
  auto put = store->Put("big", big, PutCondition::IfAbsent());
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  auto got = store->Get("big");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->data == big);
  EXPECT_EQ(*store->GetRange("big", 3 << 20, 10), big.substr(3 << 20, 10));
}

TEST(S3ObjectStore, AMissingBucketIsAClearError) {
  auto store = Open("semble-no-such-bucket", "", RadosgwOptions());
  ASSERT_NE(store, nullptr);
  auto put = store->Put("k", "v");
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.status().message().find("NoSuchBucket"), std::string::npos)
      << put.status().ToString();
  // Not NotFound: a reader must not take a missing bucket for a missing object (an empty
  // database).
  auto got = store->Get("k");
  ASSERT_FALSE(got.ok());
  EXPECT_FALSE(got.status().IsNotFound()) << got.status().ToString();
  EXPECT_NE(got.status().message().find("NoSuchBucket"), std::string::npos)
      << got.status().ToString();
  EXPECT_FALSE(store->Delete("k").ok());
  EXPECT_FALSE(store->List("").ok());
}

TEST(S3ObjectStore, SequentialRequestsReuseOneConnection) {
  const std::string bucket = NewBucket(RadosgwOptions());
  FaultProxy proxy(RadosgwPort());
  ObjectStoreOptions o = RadosgwOptions();
  o.endpoint = proxy.endpoint();
  auto store = Open(bucket, "", o);
  ASSERT_NE(store, nullptr);
  const auto start = std::chrono::steady_clock::now();
  constexpr int kRounds = 50;
  for (int i = 0; i < kRounds; ++i) {
    const std::string key = "k" + std::to_string(i);
    ASSERT_TRUE(store->Put(key, std::string(4096, 'v')).ok());
    ASSERT_TRUE(store->Get(key).ok());
  }
  ASSERT_TRUE(store->List("").ok());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(proxy.requests(), 2 * kRounds + 1);
  EXPECT_EQ(proxy.connections(), 1);
  std::printf("%d PUT+GET pairs of 4 KiB through the proxy: %.2f ms per request\n", kRounds,
              ms / (2 * kRounds + 1));
  // The same directly against radosgw, for the record (not asserted: loopback timings vary).
  auto direct = Open(bucket, "", RadosgwOptions());
  ASSERT_NE(direct, nullptr);
  const auto direct_start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    const std::string key = "d" + std::to_string(i);
    ASSERT_TRUE(direct->Put(key, std::string(4096, 'v')).ok());
    ASSERT_TRUE(direct->Get(key).ok());
  }
  std::printf("direct: %.2f ms per request\n", std::chrono::duration<double, std::milli>(
                                                   std::chrono::steady_clock::now() - direct_start)
                                                       .count() /
                                                   (2 * kRounds));
}

TEST(S3ObjectStore, AWrongSecretIsAClearErrorAndIsNotRetried) {
  const std::string bucket = NewBucket(RadosgwOptions());
  FaultProxy proxy(RadosgwPort());
  ObjectStoreOptions o = RadosgwOptions();
  o.endpoint = proxy.endpoint();
  o.secret_access_key = "not-the-secret";
  o.max_retries = 4;
  auto store = Open(bucket, "", o);
  ASSERT_NE(store, nullptr);
  auto put = store->Put("k", "v");
  ASSERT_FALSE(put.ok());
  EXPECT_TRUE(put.status().IsIOError()) << put.status().ToString();
  EXPECT_NE(put.status().message().find("403 SignatureDoesNotMatch"), std::string::npos)
      << put.status().ToString();
  EXPECT_NE(put.status().message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  EXPECT_EQ(proxy.requests(), 1);
  auto list = store->List("");
  EXPECT_FALSE(list.ok());
  EXPECT_EQ(proxy.requests(), 2);
}

TEST(S3ObjectStore, AnUnknownAccessKeyIsAClearError) {
  ObjectStoreOptions o = RadosgwOptions();
  o.access_key_id = "NOSUCHKEY";
  auto store = Open(NewBucket(RadosgwOptions()), "", o);
  ASSERT_NE(store, nullptr);
  auto got = store->Get("k");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("403 InvalidAccessKeyId"), std::string::npos)
      << got.status().ToString();
}

class S3Faults : public ::testing::Test {
 protected:
  void SetUp() override {
    bucket_ = NewBucket(RadosgwOptions());
    options_ = RadosgwOptions();
    options_.endpoint = proxy_.endpoint();
    options_.max_retries = 4;
    store_ = Open(bucket_, "", options_);
    ASSERT_NE(store_, nullptr);
  }
  FaultProxy proxy_{RadosgwPort()};
  std::string bucket_;
  ObjectStoreOptions options_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(S3Faults, PutAndGetSucceedAfterTransientFaultsWithinMaxRetries) {
  proxy_.Inject({Fault::k503, Fault::kReset, Fault::k503, Fault::kReset});
  auto put = store_->Put("k", "value");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(proxy_.requests(), 5);
  proxy_.Inject({Fault::kReset, Fault::k503, Fault::k503, Fault::k503});
  auto got = store_->Get("k");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->data, "value");
  EXPECT_EQ(got->etag, *put);
  EXPECT_EQ(proxy_.requests(), 10);
  proxy_.Inject({Fault::k503, Fault::kReset});
  auto listed = store_->List("");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->size(), 1u);
  proxy_.Inject({Fault::kReset});
  EXPECT_TRUE(store_->Delete("k").ok());
  EXPECT_TRUE(store_->Get("k").status().IsNotFound());
}

TEST_F(S3Faults, BeyondMaxRetriesTheErrorNamesUrlAttemptsAndCause) {
  proxy_.Inject({Fault::k503, Fault::k503, Fault::k503, Fault::k503, Fault::k503});
  auto put = store_->Put("k", "value");
  ASSERT_FALSE(put.ok());
  const std::string msg = put.status().message();
  EXPECT_TRUE(put.status().IsIOError()) << msg;
  EXPECT_NE(msg.find(proxy_.endpoint() + "/" + bucket_ + "/k"), std::string::npos) << msg;
  EXPECT_NE(msg.find("5 attempts"), std::string::npos) << msg;
  EXPECT_NE(msg.find("503 SlowDown"), std::string::npos) << msg;
  EXPECT_EQ(proxy_.requests(), 5);
  // Nothing reached radosgw.
  EXPECT_TRUE(store_->Get("k").status().IsNotFound());

  // libcurl itself retries once when a reused connection turns out dead, so resets are the
  // default here rather than counted.
  proxy_.SetDefault(Fault::kReset);
  auto got = store_->Get("k");
  proxy_.SetDefault(Fault::kPass);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.status().IsIOError()) << got.status().ToString();
  EXPECT_NE(got.status().message().find("5 attempts"), std::string::npos)
      << got.status().ToString();
}

TEST_F(S3Faults, ALostAnswerIsRetriedAndAConditionalRetryReportsConditionFailed) {
  // The PUT reaches radosgw, the answer is lost; the retry writes the same bytes again.
  proxy_.Inject({Fault::kDropResponse});
  auto put = store_->Put("plain", "v1");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(store_->Get("plain")->data, "v1");
  // A put-if-absent whose answer is lost finds its own object on the retry: kConditionFailed,
  // which the ObjectStore contract tells callers to read as "maybe written".
  proxy_.Inject({Fault::kDropResponse});
  auto cond = store_->Put("commit", "mine", PutCondition::IfAbsent());
  EXPECT_TRUE(IsConditionFailed(cond.status())) << cond.status().ToString();
  EXPECT_EQ(store_->Get("commit")->data, "mine");
}

std::string Bytes(size_t n, uint32_t seed) {
  std::string data(n, '\0');
  for (size_t i = 0; i < n; ++i) data[i] = static_cast<char>((i + seed) * 2654435761u >> 13);
  return data;
}

TEST_F(S3Faults, AStreamedGetThatBreaksOffResumesWhereItStoppedAndSeesNoByteTwice) {
  const std::string data = Bytes(4 << 20, 1);
  ASSERT_TRUE(store_->Put("seg", data).ok());
  const int before = proxy_.requests();
  // The first answer stops after half the body; then a 503; then the rest comes.
  proxy_.Inject({Fault::kCutBody, Fault::k503});
  std::string got;
  const Status s = store_->GetTo("seg", 0, ObjectStore::kToEnd, [&](std::string_view piece) {
    got.append(piece);
    return Status::OK();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(got == data) << got.size() << " bytes of " << data.size();
  ASSERT_EQ(proxy_.requests(), before + 3);
  // The last attempt asked only for what was missing, of the same object.
  const std::string last = proxy_.request_heads().back();
  EXPECT_NE(last.find("Range: bytes=" + std::to_string(data.size() / 2) + "-\r\n"),
            std::string::npos)
      << last;
  EXPECT_NE(last.find("If-Match: "), std::string::npos) << last;

  // A ranged stream resumes inside its range.
  proxy_.Inject({Fault::kCutBody});
  got.clear();
  const uint64_t from = 1000, n = 3 << 20;
  ASSERT_TRUE(store_
                  ->GetTo("seg", from, n,
                          [&](std::string_view piece) {
                            got.append(piece);
                            return Status::OK();
                          })
                  .ok());
  EXPECT_TRUE(got == data.substr(from, n)) << got.size();
}

TEST_F(S3Faults, AStreamedGetPastMaxRetriesFailsAfterHandingOverOnlyAPrefix) {
  const std::string data = Bytes(2 << 20, 2);
  ASSERT_TRUE(store_->Put("seg", data).ok());
  proxy_.Inject({Fault::kCutBody, Fault::kCutBody, Fault::kCutBody, Fault::kCutBody,
                 Fault::kCutBody});
  std::string got;
  const Status s = store_->GetTo("seg", 0, ObjectStore::kToEnd, [&](std::string_view piece) {
    got.append(piece);
    return Status::OK();
  });
  ASSERT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("5 attempts"), std::string::npos) << s.ToString();
  EXPECT_LT(got.size(), data.size());
  EXPECT_GT(got.size(), 0u);
  EXPECT_TRUE(got == data.substr(0, got.size()));
}

TEST_F(S3Faults, AStreamedGetNeverHandsAnErrorDocumentToTheSink) {
  ASSERT_TRUE(store_->Put("k", "value").ok());
  proxy_.Inject({Fault::k503, Fault::k503});
  std::string got;
  auto sink = [&](std::string_view piece) {
    got.append(piece);
    return Status::OK();
  };
  ASSERT_TRUE(store_->GetTo("k", 0, ObjectStore::kToEnd, sink).ok());
  EXPECT_EQ(got, "value");
  got.clear();
  EXPECT_TRUE(store_->GetTo("missing", 0, ObjectStore::kToEnd, sink).IsNotFound());
  EXPECT_EQ(got, "");
}

TEST(S3Timeouts, AStalledServerGivesAnErrorInsteadOfHanging) {
  FaultProxy stalled(0);
  stalled.SetDefault(Fault::kStall);
  ObjectStoreOptions o = RadosgwOptions();
  o.endpoint = stalled.endpoint();
  o.request_timeout_ms = 1000;
  o.max_retries = 1;
  auto store = Open("bucket", "", o);
  ASSERT_NE(store, nullptr);
  const auto start = std::chrono::steady_clock::now();
  auto put = store->Put("k", "v");
  auto got = store->Get("k");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(put.ok());
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(put.status().IsIOError()) << put.status().ToString();
  EXPECT_NE(put.status().message().find("2 attempts"), std::string::npos)
      << put.status().ToString();
  EXPECT_TRUE(got.status().IsIOError()) << got.status().ToString();
  EXPECT_EQ(stalled.requests(), 4);
  // Four attempts of about a second each; the bound only catches a hang.
  EXPECT_LT(elapsed, std::chrono::seconds(60));
}

TEST(S3Timeouts, ARefusedConnectionIsRetriedThenReported) {
  int port;
  {
    FaultProxy gone(0);  // a port that was just free and is closed again
    port = gone.port();
  }
  ObjectStoreOptions o = RadosgwOptions();
  o.endpoint = "http://127.0.0.1:" + std::to_string(port);
  o.max_retries = 2;
  auto store = Open("bucket", "", o);
  ASSERT_NE(store, nullptr);
  auto got = store->Get("k");
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.status().IsIOError()) << got.status().ToString();
  EXPECT_NE(got.status().message().find("3 attempts"), std::string::npos)
      << got.status().ToString();
}

}  // namespace
}  // namespace semble::storage
