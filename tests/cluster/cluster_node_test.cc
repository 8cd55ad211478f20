// Copyright 2026 The semble Authors.
//
// ClusterNode against a real etcd, two nodes in one process over one file:// store: the writer
// publishes each shard's head after its writes, and a follower that watches the heads applies
// them at once, long before its next poll (the poll interval is set to a minute here, so only the
// watch can explain a catch-up). Without the watch the follower stays behind until it polls.

#include "cluster/cluster_node.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cluster/etcd_fixture.h"
#include "semble/database.h"
#include "util/test_util.h"

namespace semble::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class ClusterNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EtcdOptions o;
    o.endpoints = testing::SharedEndpoints();
    etcd_ = std::make_unique<EtcdClient>(o);
    cluster_ = "cn" + std::to_string(getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  struct Member {
    std::unique_ptr<Database> db;
    std::unique_ptr<ClusterNode> node;
  };

  Member Join(const std::string& name, bool watch) {
    Member m;
    DatabaseOptions d;
    d.create_if_missing = true;
    d.store_url = "file://" + store_.path();
    d.store_take_over_writes = false;
    d.group_commit_window_us = 0;
    d.expiry_purge_interval_ms = 0;
    auto db = Database::Open(d, caches_.path() + "/" + name);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return m;
    m.db = std::move(*db);
    ClusterNodeOptions o;
    o.session.cluster = cluster_;
    o.session.node = name;
    o.session.address = "http://" + name + ":1";
    o.session.lease_ttl_seconds = 5;
    o.sync_interval_ms = 60000;  // only the watch (or SyncOnce) moves the node
    o.watch = watch;
    auto node = ClusterNode::Start(etcd_.get(), m.db.get(), o);
    EXPECT_TRUE(node.ok()) << node.status().ToString();
    if (node.ok()) m.node = std::move(*node);
    return m;
  }

  // Whether `db` has record `id` within `timeout`.
  static bool Sees(Database* db, const std::string& index, const std::string& id,
                   std::chrono::milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    do {
      auto i = db->GetIndex(index);
      if (i.ok()) {
        std::vector<std::string> ids{id};
        auto got = (*i)->GetByIds(ids);
        if (got.ok() && got->size() == 1) return true;
      }
      std::this_thread::sleep_for(10ms);
    } while (Clock::now() < end);
    return false;
  }

  // Two members, index `name` of `shards` shards created through a and owned as etcd decides;
  // both know it. Returns the writer of shard 0 first.
  std::pair<Member*, Member*> Setup(Member* a, Member* b, uint32_t shards) {
    CreateIndexRequest r;
    r.name = "x";
    r.config.dimensions = 2;
    r.config.index_type = "flat";
    r.config.shards = shards;
    EXPECT_TRUE(a->db->CreateIndex(r).ok());
    EXPECT_TRUE(a->node->SyncOnce().ok());
    EXPECT_TRUE(b->node->SyncOnce().ok());
    EXPECT_TRUE(a->node->SyncOnce().ok());  // takes what b left (past its share, one round later)
    const std::string shard0 = shards == 1 ? "x" : ShardName("x", 0);
    return a->db->WritesIndex(shard0) ? std::make_pair(a, b) : std::make_pair(b, a);
  }

  test::TempDir store_;
  test::TempDir caches_;
  std::unique_ptr<EtcdClient> etcd_;
  std::string cluster_;
};

TEST_F(ClusterNodeTest, AFollowerAppliesAPublishedHeadAtOnce) {
  Member a = Join("a", true);
  Member b = Join("b", true);
  ASSERT_TRUE(a.node && b.node);
  auto [writer, follower] = Setup(&a, &b, 1);
  ASSERT_TRUE(writer->db->WritesIndex("x"));
  ASSERT_FALSE(follower->db->WritesIndex("x"));
  for (int k = 0; k < 5; ++k) {
    const std::string id = "r" + std::to_string(k);
    auto index = writer->db->GetIndex("x");
    ASSERT_TRUE(index.ok());
    ASSERT_TRUE((*index)->Upsert(std::vector<VectorRecord>{{id, {1.0f, float(k)}, "", ""}}).ok());
    writer->node->Wrote("x");
    EXPECT_TRUE(Sees(follower->db.get(), "x", id, 10s)) << id;
  }
  // Caught up: no lag; the writer says it writes the shard.
  for (const ShardLag& l : follower->node->Lags()) {
    EXPECT_EQ(l.index, "x");
    EXPECT_FALSE(l.written_here);
    EXPECT_EQ(l.lag_ms, 0);
  }
  auto lags = writer->node->Lags();
  ASSERT_EQ(lags.size(), 1u);
  EXPECT_TRUE(lags[0].written_here);
}

TEST_F(ClusterNodeTest, EveryShardsHeadIsPublished) {
  Member a = Join("a", true);
  Member b = Join("b", true);
  ASSERT_TRUE(a.node && b.node);
  Setup(&a, &b, 4);
  // Whoever writes each shard: a write through each node's part applies its own shards, and the
  // other node sees the whole write without polling.
  std::vector<VectorRecord> records;
  for (int k = 0; k < 40; ++k) records.push_back({"s" + std::to_string(k), {1.0f, float(k)}, "", ""});
  for (Member* m : {&a, &b}) {
    std::vector<uint32_t> mine;
    for (uint32_t s = 0; s < 4; ++s) {
      if (m->db->WritesIndex(ShardName("x", s))) mine.push_back(s);
    }
    if (mine.empty()) continue;
    auto part = m->db->GetIndexShards("x", mine);
    ASSERT_TRUE(part.ok());
    ASSERT_TRUE((*part)->Upsert(records).ok());
    m->node->Wrote("x");
  }
  for (Member* m : {&a, &b}) {
    for (const VectorRecord& r : records) {
      ASSERT_TRUE(Sees(m->db.get(), "x", r.id, 10s)) << r.id;
    }
  }
  auto lags = a.node->Lags();
  EXPECT_EQ(lags.size(), 4u);
}

TEST_F(ClusterNodeTest, WithoutTheWatchAFollowerWaitsForItsPoll) {
  Member a = Join("a", false);
  Member b = Join("b", false);
  ASSERT_TRUE(a.node && b.node);
  auto [writer, follower] = Setup(&a, &b, 1);
  auto index = writer->db->GetIndex("x");
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE((*index)->Upsert(std::vector<VectorRecord>{{"late", {1.0f, 2.0f}, "", ""}}).ok());
  writer->node->Wrote("x");
  EXPECT_FALSE(Sees(follower->db.get(), "x", "late", 2s));
  ASSERT_TRUE(follower->node->SyncOnce().ok());
  EXPECT_TRUE(Sees(follower->db.get(), "x", "late", 0ms));
}

}  // namespace
}  // namespace semble::cluster
