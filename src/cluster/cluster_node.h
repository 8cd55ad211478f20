// Copyright 2026 The semble Authors.
//
// ClusterNode: what makes one `semble serve` process a node of a cluster. The database lives in
// an object store that every node opens (DatabaseOptions::store_take_over_writes = false); etcd
// says which node writes each index (NodeSession: one owner per shard, growing epochs). A node
//   - follows the store: every sync interval it brings its database up to date (indexes created
//     or deleted elsewhere, the log objects the writers appended), so any node answers queries,
//     at most about one interval behind the writer; and sooner: after its writes a writer
//     publishes each shard's head (the last mutation id applied) in etcd, and every node watches
//     the heads and the owners: a new head makes the node catch up with that shard at once, a
//     lost owner starts a round at once (at most one per kMinRoundGapMs);
//   - claims indexes that have no owner (a new index, or one whose owner's lease expired) and
//     takes over their writes, which fences the previous writer in the store;
//   - gives up the writes of every index when its lease is lost.
// An index of S shards (IndexConfig::shards) is S such units, each with its own owner and epoch
// (etcd keys shards/<index>/<shard>/…); the database writes shard i under ShardName(index, i).
//
// Balance: a node claims an unowned shard at once only while it owns fewer than its share
// (shards / live nodes, rounded up); past its share it waits two sync intervals, so that a shard
// nobody else takes is still taken.

#ifndef SEMBLE_SRC_CLUSTER_CLUSTER_NODE_H_
#define SEMBLE_SRC_CLUSTER_CLUSTER_NODE_H_

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/etcd_client.h"
#include "cluster/node_session.h"
#include "semble/database.h"
#include "semble/status.h"

namespace semble::cluster {

struct ClusterNodeOptions {
  NodeSessionOptions session;  // cluster, node name, address, lease TTL
  int sync_interval_ms = 250;
  // Watch the shards' heads and owners in etcd (rounds start when they change) rather than only
  // polling every sync interval.
  bool watch = true;
};

// How far one shard of this node's copy is behind its writer, for /metrics.
struct ShardLag {
  std::string index;
  uint32_t shard = 0;
  bool written_here = false;
  // Milliseconds since the writer published a head this node has not applied yet; 0 when it has
  // applied the last head it saw (or writes the shard).
  int64_t lag_ms = 0;
};

// One index's place in the cluster, for status pages.
struct IndexPlacement {
  std::string index;
  int shard = 0;
  std::optional<ShardOwner> owner;  // nullopt: nobody writes it now
  bool written_here = false;
};

class ClusterNode {
 public:
  // Joins the cluster (NodeSession::Start) and starts following and claiming. `db` must be open
  // on the cluster's store with store_take_over_writes = false, and outlive the node.
  static Result<std::unique_ptr<ClusterNode>> Start(EtcdClient* etcd, Database* db,
                                                    ClusterNodeOptions options);
  // Stops, gives up every index this node writes, and leaves the cluster at once (the lease is
  // revoked, so other nodes may claim its indexes without waiting for the TTL).
  ~ClusterNode();
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  const std::string& name() const { return options_.session.node; }

  // Where a write to shard `shard` of `index` must go: nullopt when this node writes it, or when
  // the index does not exist (the local handler answers that). Otherwise its owner. If the shard
  // has no owner (just created, or its owner died), or this node owns it but is still taking it
  // over, waits up to `wait_ms` for that to settle; then FailedPrecondition with reason
  // kNotWriter ("no writer right now; retry").
  Result<std::optional<ShardOwner>> WriterOf(const std::string& index, uint32_t shard,
                                             int wait_ms = 10000);

  // The owner of a shard as etcd has it now (nullopt: none), without waiting.
  Result<std::optional<ShardOwner>> OwnerOf(const std::string& index, uint32_t shard) {
    return session_->Owner(index, static_cast<int>(shard));
  }

  // How many shards `index` has here (0: this node does not know the index, after looking in the
  // store once more).
  uint32_t ShardsOf(const std::string& index);

  // The live nodes, and every index with its owner.
  Result<std::vector<NodeInfo>> Nodes() { return session_->Nodes(); }
  Result<std::vector<IndexPlacement>> Placements();

  // Milliseconds since this node last brought its copy up to date with the store (how stale an
  // index it only reads may be, plus the writer's group commit); -1 before the first time.
  int64_t MillisSinceSync() const;

  // Runs one round of following and claiming now (tests; the background does it every interval).
  Status SyncOnce();

  // Tells the node that a write to `index` was applied here, so that it publishes the heads of
  // the index's shards it writes (in the background, coalescing writes that come together).
  void Wrote(const std::string& index);

  // Every shard's lag on this node.
  std::vector<ShardLag> Lags();

  // At most one round per this many ms when rounds are started by the watch.
  static constexpr int kMinRoundGapMs = 20;

 private:
  ClusterNode(EtcdClient* etcd, Database* db, ClusterNodeOptions options);
  void Loop();
  void Hurry();
  void StartWatch();
  void OnShardEvent(const WatchEvent& event);
  // Publishes the heads of the shards marked by Wrote (the publisher thread).
  void PublishLoop();
  // Gives up every index this node writes (its lease was lost).
  void GiveUpAll();

  EtcdClient* const etcd_;
  Database* const db_;
  ClusterNodeOptions options_;
  std::unique_ptr<NodeSession> session_;
  std::atomic<bool> lease_lost_{false};
  std::atomic<int64_t> synced_at_ms_{-1};  // steady clock

  std::mutex sync_mu_;  // one round at a time
  using ShardKey = std::pair<std::string, uint32_t>;  // (index, shard)
  struct Owned {
    int64_t epoch = 0;
    std::string written;  // the name the database writes the shard under
  };
  std::map<ShardKey, Owned> owned_;         // guarded by sync_mu_
  std::map<ShardKey, int64_t> unowned_since_;  // -> first seen without owner (steady ms); sync_mu_

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;   // guarded by mu_
  bool hurry_ = false;  // guarded by mu_: a writer waits for the next round, or a head moved
  bool rewatch_ = false;  // guarded by mu_: the watch ended (compaction); start another
  // Shards (by the name the database reads them under) whose writer published a new head: caught
  // up alone, without a whole round. Guarded by mu_.
  std::set<std::string> catch_up_;
  std::thread thread_;

  // The heads other nodes published, and when this node first saw each.
  struct SeenHead {
    std::string mutation_id;
    int64_t seen_ms = 0;  // steady clock
  };
  std::mutex heads_mu_;
  std::map<ShardKey, SeenHead> heads_;  // guarded by heads_mu_
  std::unique_ptr<EtcdWatch> watch_;    // touched by the constructor, Loop and the destructor

  std::mutex publish_mu_;
  std::condition_variable publish_cv_;
  std::set<std::string> wrote_;                   // indexes written since; guarded by publish_mu_
  std::map<ShardKey, int64_t> owned_epochs_;      // owned_'s epochs, guarded by publish_mu_
  std::map<ShardKey, std::string> published_;     // publisher thread only
  std::thread publisher_;
};

}  // namespace semble::cluster

#endif  // SEMBLE_SRC_CLUSTER_CLUSTER_NODE_H_
