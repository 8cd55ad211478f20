// Copyright 2026 The semble Authors.
//
// NodeSession: one semble node's membership in a cluster and the shards it owns, kept in etcd.
//
// Keys, under "/semble/<cluster>/":
//   nodes/<node>                    {"address": "...", "since_ms": N}, attached to the node's lease
//   shards/<index>/<shard>/owner    {"node": "...", "epoch": E, "address": "..."}, attached to
//                                   the owner's lease
//   shards/<index>/<shard>/epoch    "E": the last epoch ever granted for the shard; never attached
//                                   to a lease, never decreases
//   shards/<index>/<shard>/head     the last mutation id the owner applied, published after its
//                                   writes so that followers watching the prefix catch up at once
//                                   instead of at their next poll; a hint, never a source of truth
//
// Ownership is won by one etcd transaction: "the owner key is absent and the epoch key is still at
// the revision I read" → put the owner key under my lease and the epoch key at E+1. Of two nodes
// claiming at once exactly one succeeds, and every claim gets an epoch greater than every earlier
// one. When the owner's lease expires (the node died, hung, or lost etcd), etcd deletes the owner
// key and another node may claim with the next epoch.
//
// Losing the lease does not stop a process that does not know it yet (a paused owner). The data
// itself is fenced in the object store: the new owner opens the shard's index for writing, which
// puts the fence log object (db/index_bucket.h), after which the old owner's next log object or
// manifest fails with kFenced. etcd decides who should write; the store's conditional writes make
// sure nobody else can.

#ifndef SEMBLE_SRC_CLUSTER_NODE_SESSION_H_
#define SEMBLE_SRC_CLUSTER_NODE_SESSION_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cluster/etcd_client.h"
#include "semble/status.h"

namespace semble::cluster {

struct NodeInfo {
  std::string node;
  std::string address;  // where the node serves HTTP, e.g. "http://127.0.0.1:8080"
  int64_t since_ms = 0;
};

struct ShardOwner {
  std::string node;
  std::string address;
  int64_t epoch = 0;
};

struct NodeSessionOptions {
  std::string cluster = "default";  // several clusters may share one etcd
  std::string node;                 // unique in the cluster
  std::string address;
  int64_t lease_ttl_seconds = 5;
  // Called (on the keep-alive thread) when the lease is lost: every shard this node owned may
  // already be someone else's. The session then registers again under a new lease.
  std::function<void()> on_lease_lost;
};

// The key prefix of a cluster: "/semble/<cluster>/".
std::string ClusterPrefix(const std::string& cluster);

// What etcd says of a cluster, read without joining it (`semble cluster status`).
struct ShardState {
  std::string index;
  int shard = 0;
  int64_t last_epoch = 0;           // the last epoch ever granted
  std::optional<ShardOwner> owner;  // nullopt: nobody writes it now
};
struct ClusterState {
  std::vector<NodeInfo> nodes;    // by name
  std::vector<ShardState> shards; // by index, then shard
  int64_t revision = 0;           // etcd's revision the two reads reflect (the later one)
};
Result<ClusterState> ReadClusterState(EtcdClient* etcd, const std::string& cluster);

class NodeSession {
 public:
  // Grants a lease, registers the node under it, and keeps it alive (every third of the TTL) on
  // a thread of its own. AlreadyExists if a live node of that name is registered.
  static Result<std::unique_ptr<NodeSession>> Start(EtcdClient* etcd, NodeSessionOptions options);
  // Stops the keep-alive and revokes the lease: the node's registration and every shard it owns
  // are released at once (a clean shutdown need not wait for the TTL).
  ~NodeSession();
  NodeSession(const NodeSession&) = delete;
  NodeSession& operator=(const NodeSession&) = delete;

  const NodeSessionOptions& options() const { return options_; }
  // The current lease (a new one after a loss).
  int64_t lease() const { return lease_.load(); }
  // How many times the lease was lost.
  int64_t losses() const { return losses_.load(); }

  // Registered nodes with live leases, by name.
  Result<std::vector<NodeInfo>> Nodes();

  // Takes shard `shard` of `index` if nobody owns it; returns the new epoch. FailedPrecondition
  // naming the owner if another node holds it; OK with the existing epoch if this node already
  // does (under its current lease).
  Result<int64_t> ClaimShard(const std::string& index, int shard);
  // Gives the shard up if this node still owns it at `epoch` (no-op otherwise).
  Status ReleaseShard(const std::string& index, int shard, int64_t epoch);
  // The shard's owner, or nullopt if nobody owns it now.
  Result<std::optional<ShardOwner>> Owner(const std::string& index, int shard);
  // The last epoch granted for the shard (0: never owned).
  Result<int64_t> LastEpoch(const std::string& index, int shard);
  // Publishes the shard's head (the last mutation id its owner applied) if this node still owns
  // it at `epoch`; a node that lost the shard publishes nothing.
  Status PublishHead(const std::string& index, int shard, int64_t epoch,
                     const std::string& mutation_id);
  // Removes what the cluster keeps about a deleted index's shard (its head).
  Status ForgetShard(const std::string& index, int shard);
  // The prefix of every shard key ("/semble/<cluster>/shards/"), for watches; ParseShardKey
  // takes a key under it apart.
  std::string ShardsPrefix() const { return prefix_ + "shards/"; }
  struct ShardKeyParts {
    std::string index;
    int shard = 0;
    std::string leaf;  // "owner", "epoch", "head"
  };
  std::optional<ShardKeyParts> ParseShardKey(std::string_view key) const;

  // Stops keeping the lease alive without revoking it, as a hung process would (tests).
  void StopKeepAliveForTesting();

 private:
  NodeSession(EtcdClient* etcd, NodeSessionOptions options);
  Status Register();
  void KeepAliveLoop();
  std::string ShardKey(const std::string& index, int shard, const char* leaf) const;

  EtcdClient* const etcd_;
  const NodeSessionOptions options_;
  const std::string prefix_;
  const int64_t since_ms_;
  std::atomic<int64_t> lease_{0};
  std::atomic<int64_t> losses_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread keepalive_;
};

}  // namespace semble::cluster

#endif  // SEMBLE_SRC_CLUSTER_NODE_SESSION_H_
