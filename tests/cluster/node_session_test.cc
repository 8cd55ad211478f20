// Copyright 2026 The semble Authors.
//
// Membership and shard ownership against a real etcd.

#include "cluster/node_session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "cluster/etcd_fixture.h"

namespace semble::cluster {
namespace {

using namespace std::chrono_literals;
using testing::SharedEndpoints;

class NodeSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EtcdOptions o;
    o.endpoints = SharedEndpoints();
    etcd_ = std::make_unique<EtcdClient>(o);
    // A cluster name of its own: tests share one etcd.
    cluster_ = "c" + std::to_string(getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  std::unique_ptr<NodeSession> Join(const std::string& node, int64_t ttl = 5,
                                    std::function<void()> on_lost = nullptr) {
    NodeSessionOptions o;
    o.cluster = cluster_;
    o.node = node;
    o.address = "http://" + node + ":8080";
    o.lease_ttl_seconds = ttl;
    o.on_lease_lost = std::move(on_lost);
    auto s = NodeSession::Start(etcd_.get(), o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  std::unique_ptr<EtcdClient> etcd_;
  std::string cluster_;
};

TEST_F(NodeSessionTest, NodesAreListedWhileAlive) {
  auto a = Join("a");
  auto b = Join("b");
  ASSERT_TRUE(a && b);
  auto nodes = a->Nodes();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].node, "a");
  EXPECT_EQ((*nodes)[0].address, "http://a:8080");
  EXPECT_EQ((*nodes)[1].node, "b");
  EXPECT_GT((*nodes)[1].since_ms, 0);
  b.reset();  // a clean stop leaves at once
  EXPECT_EQ(a->Nodes()->size(), 1u);
}

TEST_F(NodeSessionTest, ANameIsOneNode) {
  auto a = Join("a");
  ASSERT_TRUE(a);
  NodeSessionOptions o;
  o.cluster = cluster_;
  o.node = "a";
  o.address = "http://elsewhere:1";
  EXPECT_TRUE(NodeSession::Start(etcd_.get(), o).status().IsAlreadyExists());
  o.node = "with/slash";
  EXPECT_TRUE(NodeSession::Start(etcd_.get(), o).status().IsInvalidArgument());
  // The same name at the same address is the node restarted: it takes the registration over.
  a->StopKeepAliveForTesting();
  auto again = Join("a");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->Nodes()->size(), 1u);
}

TEST_F(NodeSessionTest, OneOwnerPerShardAndEpochsOnlyGrow) {
  auto a = Join("a");
  auto b = Join("b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a->LastEpoch("docs", 0), 0);
  auto ea = a->ClaimShard("docs", 0);
  ASSERT_TRUE(ea.ok()) << ea.status().ToString();
  EXPECT_EQ(*ea, 1);
  EXPECT_EQ(*a->ClaimShard("docs", 0), 1);  // already its own
  auto eb = b->ClaimShard("docs", 0);
  ASSERT_FALSE(eb.ok());
  EXPECT_NE(eb.status().message().find("owned by node \"a\""), std::string::npos)
      << eb.status().ToString();
  auto owner = b->Owner("docs", 0);
  ASSERT_TRUE(owner.ok() && owner->has_value());
  EXPECT_EQ((*owner)->node, "a");
  EXPECT_EQ((*owner)->address, "http://a:8080");
  EXPECT_EQ((*owner)->epoch, 1);
  // Another shard is another owner.
  EXPECT_EQ(*b->ClaimShard("docs", 1), 1);
  // Released, the shard goes to the next claimant with the next epoch.
  ASSERT_TRUE(b->ReleaseShard("docs", 0, 1).ok());  // not b's: nothing happens
  EXPECT_EQ((*b->Owner("docs", 0))->node, "a");
  ASSERT_TRUE(a->ReleaseShard("docs", 0, 1).ok());
  EXPECT_FALSE(b->Owner("docs", 0)->has_value());
  EXPECT_EQ(*b->ClaimShard("docs", 0), 2);
  EXPECT_EQ(*a->LastEpoch("docs", 0), 2);
}

TEST_F(NodeSessionTest, ConcurrentClaimsHaveOneWinner) {
  std::vector<std::unique_ptr<NodeSession>> nodes;
  for (int i = 0; i < 6; ++i) nodes.push_back(Join("n" + std::to_string(i)));
  std::atomic<int> winners{0};
  std::set<int64_t> epochs;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (auto& n : nodes) {
    threads.emplace_back([&, s = n.get()] {
      auto e = s->ClaimShard("race", 0);
      if (e.ok()) {
        winners++;
        std::lock_guard<std::mutex> lock(mu);
        epochs.insert(*e);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(epochs, std::set<int64_t>{1});
}

// An owner that stops renewing (hung, partitioned, paused) loses the shard when its lease runs
// out, and the next owner's epoch is greater.
TEST_F(NodeSessionTest, AnOwnerThatStopsRenewingLosesTheShardAfterItsLease) {
  auto a = Join("a", 2);
  auto b = Join("b", 2);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(*a->ClaimShard("docs", 0), 1);
  const int64_t lease = a->lease();
  a->StopKeepAliveForTesting();
  // One last renewal, by hand: the lease then lives its full TTL (2 s) from here, however late the
  // stopped loop's last renewal was on a loaded machine.
  ASSERT_TRUE(etcd_->KeepAlive(lease).ok());
  const auto t0 = std::chrono::steady_clock::now();
  Result<int64_t> claimed = Status::Internal("not yet");
  while (std::chrono::steady_clock::now() - t0 < 10s) {
    claimed = b->ClaimShard("docs", 0);
    if (claimed.ok()) break;
    std::this_thread::sleep_for(100ms);
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  EXPECT_EQ(*claimed, 2);
  // Not before the lease could have run out (etcd keeps a lease at least its TTL).
  EXPECT_GE(took, 1s);
  auto nodes = b->Nodes();
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].node, "b");
}

// A lease taken away (here revoked behind the node's back) is noticed by the keep-alive: the node
// is told, joins again under a new lease, and must claim its shards anew with a new epoch.
TEST_F(NodeSessionTest, ALostLeaseIsReportedAndTheNodeJoinsAgain) {
  std::atomic<int> lost{0};
  auto a = Join("a", 3, [&] { lost++; });
  ASSERT_TRUE(a);
  ASSERT_EQ(*a->ClaimShard("docs", 0), 1);
  const int64_t old_lease = a->lease();
  ASSERT_TRUE(etcd_->RevokeLease(old_lease).ok());
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < end && (lost.load() == 0 || a->lease() == old_lease)) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(lost.load(), 1);
  EXPECT_EQ(a->losses(), 1);
  EXPECT_NE(a->lease(), old_lease);
  // Registered again; the shard is free and comes back with the next epoch.
  ASSERT_TRUE(std::chrono::steady_clock::now() < end);
  bool listed = false;
  for (int i = 0; i < 50 && !listed; ++i) {
    listed = a->Nodes()->size() == 1;
    if (!listed) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(listed);
  EXPECT_EQ(*a->ClaimShard("docs", 0), 2);
}

}  // namespace
}  // namespace semble::cluster
