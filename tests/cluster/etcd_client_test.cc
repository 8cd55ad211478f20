// Copyright 2026 The semble Authors.
//
// EtcdClient against a real etcd (3 members on loopback).

#include "cluster/etcd_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "cluster/etcd_fixture.h"

namespace semble::cluster {
namespace {

using namespace std::chrono_literals;
using testing::PrivateEtcd;
using testing::SharedEndpoints;
using testing::UniquePrefix;

EtcdOptions Options(std::vector<std::string> endpoints, int timeout_ms = 5000) {
  EtcdOptions o;
  o.endpoints = std::move(endpoints);
  o.request_timeout_ms = timeout_ms;
  return o;
}

// Collects watch events for a test to wait on.
class Events {
 public:
  void Add(const WatchEvent& e) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(e);
    cv_.notify_all();
  }
  bool WaitFor(size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
  }
  std::vector<WatchEvent> Get() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<WatchEvent> events_;
};

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

TEST(EtcdUrlTest, ParsesMemberListsAndRefusesTheRest) {
  auto a = ParseEtcdUrl("etcd://127.0.0.1:2379,h2:22379/");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(*a, (std::vector<std::string>{"http://127.0.0.1:2379", "http://h2:22379"}));
  auto b = ParseEtcdUrl("http://a:1,http://b:2");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (std::vector<std::string>{"http://a:1", "http://b:2"}));
  for (const char* bad : {"", "etcd://", "etcd://host", "etcd://host:0", "etcd://host:70000",
                          "etcd://host:12x", "https://a:1", "a:1", "etcd://h:1/path"}) {
    EXPECT_TRUE(ParseEtcdUrl(bad).status().IsInvalidArgument()) << bad;
  }
}

// Every byte string reads back as it was put: keys and values go through base64 in JSON.
TEST(EtcdClientTest, ArbitraryBytesRoundTrip) {
  EtcdClient etcd(Options(SharedEndpoints()));
  const std::string prefix = UniquePrefix("bytes");
  std::mt19937 rng(7);
  std::map<std::string, std::string> want;
  for (int i = 0; i < 60; ++i) {
    std::string key = prefix;
    std::string value;
    const int klen = 1 + rng() % 40;
    const int vlen = i == 0 ? 0 : rng() % (i < 50 ? 300 : 200000);
    for (int k = 0; k < klen; ++k) key.push_back(static_cast<char>(rng() % 256));
    for (int k = 0; k < vlen; ++k) value.push_back(static_cast<char>(rng() % 256));
    ASSERT_TRUE(etcd.Put(key, value).ok());
    want[key] = value;
  }
  for (const auto& [key, value] : want) {
    auto got = etcd.Get(key);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ((*got)->value, value);
  }
  auto range = etcd.GetPrefix(prefix);
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->kvs.size(), want.size());
  size_t i = 0;
  for (const auto& [key, value] : want) {  // std::map orders bytes as etcd does (unsigned)
    EXPECT_EQ(range->kvs[i].key, key);
    EXPECT_EQ(range->kvs[i].value, value);
    ++i;
  }
}

TEST(EtcdClientTest, PrefixRangeEndsExactlyAtThePrefix) {
  EtcdClient etcd(Options(SharedEndpoints()));
  const std::string p = UniquePrefix("range");
  for (const std::string& k : {p + "a", p + "a/x", p + "a/\xff\xff", p + "a0", p + "b"}) {
    ASSERT_TRUE(etcd.Put(k, "v").ok());
  }
  auto range = etcd.GetPrefix(p + "a/");
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->kvs.size(), 2u);
  EXPECT_EQ(range->kvs[0].key, p + "a/x");
  EXPECT_EQ(range->kvs[1].key, p + "a/\xff\xff");
  EXPECT_GT(range->revision, 0);
  auto missing = etcd.Get(p + "nothing");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto deleted = etcd.Delete(p + "a0");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1);
  EXPECT_FALSE(etcd.Get(p + "a0")->has_value());
}

TEST(EtcdClientTest, CreateIfAbsentHasExactlyOneWinner) {
  EtcdClient etcd(Options(SharedEndpoints()));
  const std::string key = UniquePrefix("race") + "owner";
  std::atomic<int> winners{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto r = etcd.Txn({Compare::Absent(key)}, {TxnOp::Put(key, std::to_string(t))},
                        {TxnOp::Get(key)});
      if (!r.ok()) {
        errors++;
      } else if (r->succeeded) {
        winners++;
      } else {
        // The loser is told who won.
        EXPECT_EQ(r->gets.size(), 1u);
        EXPECT_EQ(r->gets[0].size(), 1u);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(winners.load(), 1);
}

TEST(EtcdClientTest, ModRevisionCompareRefusesAStaleWriter) {
  EtcdClient etcd(Options(SharedEndpoints()));
  const std::string key = UniquePrefix("cas") + "k";
  const int64_t rev = *etcd.Put(key, "1");
  auto kv = etcd.Get(key);
  ASSERT_TRUE(kv.ok() && kv->has_value());
  EXPECT_EQ((*kv)->mod_revision, rev);
  auto first = etcd.Txn({Compare::ModRevisionIs(key, rev)}, {TxnOp::Put(key, "2")});
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->succeeded);
  auto stale = etcd.Txn({Compare::ModRevisionIs(key, rev)}, {TxnOp::Put(key, "3")});
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(stale->succeeded);
  EXPECT_EQ((*etcd.Get(key))->value, "2");
  EXPECT_TRUE(etcd.Txn({Compare::ValueIs(key, "2")}, {TxnOp::Delete(key)})->succeeded);
  EXPECT_FALSE(etcd.Get(key)->has_value());
}

TEST(EtcdClientTest, AKeyOnALeaseLivesWhileKeptAliveAndGoesWhenNot) {
  EtcdClient etcd(Options(SharedEndpoints()));
  const std::string key = UniquePrefix("lease") + "k";
  auto lease = etcd.GrantLease(2);
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  ASSERT_TRUE(etcd.Put(key, "v", *lease).ok());
  EXPECT_EQ((*etcd.Get(key))->lease, *lease);
  // Kept alive for twice the TTL: still there.
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(500ms);
    auto left = etcd.KeepAlive(*lease);
    ASSERT_TRUE(left.ok()) << left.status().ToString();
    EXPECT_GE(*left, 1);
  }
  EXPECT_TRUE(etcd.Get(key)->has_value());
  // Left alone: etcd deletes the key once the TTL has passed.
  EXPECT_TRUE(WaitUntil([&] { return !etcd.Get(key)->has_value(); }, 6s));
  EXPECT_TRUE(etcd.KeepAlive(*lease).status().IsNotFound());
  EXPECT_TRUE(etcd.Put(key, "v", *lease).status().IsNotFound());
  EXPECT_TRUE(etcd.RevokeLease(*lease).ok());  // already gone: nothing to do
}

TEST(EtcdClientTest, RevokingALeaseDeletesItsKeysAtOnce) {
  EtcdClient etcd(Options(SharedEndpoints()));
  const std::string p = UniquePrefix("revoke");
  auto lease = etcd.GrantLease(60);
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(etcd.Put(p + "a", "1", *lease).ok());
  ASSERT_TRUE(etcd.Put(p + "b", "2", *lease).ok());
  ASSERT_TRUE(etcd.Put(p + "c", "3").ok());
  ASSERT_TRUE(etcd.RevokeLease(*lease).ok());
  auto left = etcd.GetPrefix(p);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->kvs.size(), 1u);
  EXPECT_EQ(left->kvs[0].key, p + "c");
}

TEST(EtcdClientTest, WatchDeliversEveryChangeInOrderOnce) {
  EtcdClient etcd(Options(SharedEndpoints()));
  const std::string p = UniquePrefix("watch");
  ASSERT_TRUE(etcd.Put(p + "before", "x").ok());
  Events events;
  auto watch = etcd.Watch(p, 0, [&](const WatchEvent& e) { events.Add(e); });
  ASSERT_TRUE(WaitUntil([&] { return watch->connected(); }));
  std::vector<int64_t> revisions;
  for (int i = 0; i < 30; ++i) revisions.push_back(*etcd.Put(p + "k" + std::to_string(i % 7), std::to_string(i)));
  revisions.push_back(*etcd.Put(p.substr(0, p.size() - 1) + "X", "outside"));  // not watched
  auto del = etcd.Txn({}, {TxnOp::Delete(p + "k3")});
  ASSERT_TRUE(del.ok());
  ASSERT_TRUE(events.WaitFor(31));
  std::this_thread::sleep_for(200ms);  // nothing more may come
  auto got = events.Get();
  ASSERT_EQ(got.size(), 31u);
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(got[i].type, WatchEvent::Type::kPut);
    EXPECT_EQ(got[i].kv.key, p + "k" + std::to_string(i % 7));
    EXPECT_EQ(got[i].kv.value, std::to_string(i));
    EXPECT_EQ(got[i].kv.mod_revision, revisions[i]);
  }
  EXPECT_EQ(got[30].type, WatchEvent::Type::kDelete);
  EXPECT_EQ(got[30].kv.key, p + "k3");
  EXPECT_EQ(got[30].kv.mod_revision, del->revision);
  EXPECT_EQ(watch->last_revision(), del->revision);
}

TEST(EtcdClientTest, WatchFromAPastRevisionReplaysHistory) {
  EtcdClient etcd(Options(SharedEndpoints()));
  const std::string p = UniquePrefix("history");
  const int64_t first = *etcd.Put(p + "a", "1");
  ASSERT_TRUE(etcd.Put(p + "a", "2").ok());
  Events events;
  auto watch = etcd.Watch(p, first, [&](const WatchEvent& e) { events.Add(e); });
  ASSERT_TRUE(events.WaitFor(2));
  EXPECT_EQ(events.Get()[0].kv.value, "1");
  EXPECT_EQ(events.Get()[1].kv.value, "2");
}

TEST(EtcdClientTest, NoMemberReachableIsAClearError) {
  // A port nothing listens on (reserved by binding and closing it would race; 1 is privileged
  // and closed on loopback).
  EtcdClient etcd(Options({"http://127.0.0.1:1", "http://127.0.0.1:2"}, 1000));
  auto r = etcd.Get("/x");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsIOError()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("127.0.0.1:1"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("127.0.0.1:2"), std::string::npos) << r.status().ToString();
}

// One member of three killed: the client moves on and a watch resumes on another member without
// losing or repeating a change. Two killed (no quorum): writes fail with a clear error within the
// request bound. Revived: everything works again.
TEST(EtcdClientTest, SurvivesAMemberAndReportsALostQuorum) {
  PrivateEtcd cluster("members");
  ASSERT_TRUE(cluster.ok());
  EtcdClient etcd(Options(cluster.endpoints(), 2000));
  const std::string p = "/members/";
  ASSERT_TRUE(etcd.Put(p + "0", "0").ok());  // answered by member 1: the client sticks to it
  Events events;
  auto watch = etcd.Watch(p, 0, [&](const WatchEvent& e) { events.Add(e); });
  ASSERT_TRUE(WaitUntil([&] { return watch->connected(); }));
  ASSERT_TRUE(etcd.Put(p + "1", "1").ok());
  ASSERT_TRUE(cluster.Kill(1));
  for (int i = 2; i < 12; ++i) {
    auto r = etcd.Put(p + std::to_string(i), std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  ASSERT_TRUE(events.WaitFor(11));
  std::this_thread::sleep_for(300ms);
  auto got = events.Get();
  ASSERT_EQ(got.size(), 11u);
  for (int i = 1; i < 12; ++i) EXPECT_EQ(got[i - 1].kv.value, std::to_string(i));

  ASSERT_TRUE(cluster.Kill(2));
  const auto t0 = std::chrono::steady_clock::now();
  auto no_quorum = etcd.Put(p + "lost", "x");
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(no_quorum.ok());
  EXPECT_TRUE(no_quorum.status().IsIOError()) << no_quorum.status().ToString();
  EXPECT_LT(took, 15s);

  ASSERT_TRUE(cluster.Revive(1));
  ASSERT_TRUE(cluster.Revive(2));
  EXPECT_TRUE(WaitUntil([&] { return etcd.Put(p + "back", "y").ok(); }, 20s));
  EXPECT_EQ((*etcd.Get(p + "back"))->value, "y");
  EXPECT_TRUE(WaitUntil([&] {
    auto e = events.Get();
    return !e.empty() && e.back().kv.key == p + "back";
  }));
}

}  // namespace
}  // namespace semble::cluster
