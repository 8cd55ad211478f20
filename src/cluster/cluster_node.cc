// Copyright 2026 The semble Authors.

#include "cluster/cluster_node.h"

#include <chrono>
#include <cstdio>

namespace semble::cluster {
namespace {

using Clock = std::chrono::steady_clock;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

void Warn(const std::string& node, const Status& s) {
  std::fprintf(stderr, "cluster node %s: %s\n", node.c_str(), s.ToString().c_str());
}

}  // namespace

ClusterNode::ClusterNode(EtcdClient* etcd, Database* db, ClusterNodeOptions options)
    : etcd_(etcd), db_(db), options_(std::move(options)) {}

Result<std::unique_ptr<ClusterNode>> ClusterNode::Start(EtcdClient* etcd, Database* db,
                                                        ClusterNodeOptions options) {
  if (options.sync_interval_ms <= 0) {
    return Status::InvalidArgument("cluster sync interval must be positive");
  }
  std::unique_ptr<ClusterNode> node(new ClusterNode(etcd, db, std::move(options)));
  NodeSessionOptions s = node->options_.session;
  ClusterNode* self = node.get();
  auto outer = s.on_lease_lost;
  s.on_lease_lost = [self, outer] {
    self->lease_lost_.store(true);
    self->cv_.notify_all();
    if (outer) outer();
  };
  SEMBLE_ASSIGN_OR_RETURN(node->session_, NodeSession::Start(etcd, std::move(s)));
  // The first round before serving: the node knows the store's indexes when it answers.
  if (Status st = node->SyncOnce(); !st.ok()) Warn(node->name(), st);
  node->thread_ = std::thread([self] { self->Loop(); });
  return node;
}

ClusterNode::~ClusterNode() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(sync_mu_);
  for (const auto& [key, owned] : owned_) {
    (void)session_->ReleaseShard(key.first, static_cast<int>(key.second), owned.epoch);
  }
  owned_.clear();
  session_.reset();  // revokes the lease
}

void ClusterNode::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::milliseconds(options_.sync_interval_ms),
                 [&] { return stop_ || hurry_ || lease_lost_.load(); });
    if (stop_) break;
    hurry_ = false;
    lock.unlock();
    if (Status st = SyncOnce(); !st.ok()) Warn(name(), st);
    lock.lock();
  }
}

void ClusterNode::GiveUpAll() {
  for (const auto& [key, owned] : owned_) {
    Status s = db_->GiveUpWrites(owned.written);
    if (!s.ok() && !s.IsNotFound()) Warn(name(), s);
  }
  owned_.clear();
}

namespace {

// The name under which the database writes a shard: an index of one shard is its own.
std::string Written(const std::string& index, uint32_t shard, uint32_t shards) {
  return shards == 1 ? index : ShardName(index, shard);
}

}  // namespace

Status ClusterNode::SyncOnce() {
  std::lock_guard<std::mutex> lock(sync_mu_);
  // A lost lease first: whoever owns these shards now, it is not this node.
  if (lease_lost_.exchange(false)) GiveUpAll();

  const int64_t started = SteadyMs();
  Status first = db_->SyncWithStore();
  if (first.ok()) synced_at_ms_.store(started);
  // Opening an owned index again (below) closes the handle first: not while the store fails,
  // when it would leave the index unavailable rather than refusing writes.
  const bool store_answers = first.ok();
  // Every shard of every index, with the name the database writes it under.
  std::map<ShardKey, std::string> shards;
  for (const IndexDescription& d : db_->ListIndexes()) {
    for (uint32_t i = 0; i < d.config.shards; ++i) {
      shards.emplace(ShardKey(d.name, i), Written(d.name, i, d.config.shards));
    }
  }

  // Deleted indexes (or created again with another shard count): nothing to own.
  for (auto it = owned_.begin(); it != owned_.end();) {
    if (auto now = shards.find(it->first); now != shards.end() && now->second == it->second.written) {
      ++it;
      continue;
    }
    (void)session_->ReleaseShard(it->first.first, static_cast<int>(it->first.second),
                                 it->second.epoch);
    it = owned_.erase(it);
  }

  auto nodes = session_->Nodes();
  const size_t live = nodes.ok() && !nodes->empty() ? nodes->size() : 1;
  const size_t share = (shards.size() + live - 1) / live;
  for (const auto& [key, written] : shards) {
    const auto& [index, shard] = key;
    if (owned_.count(key) != 0) {
      // Taken over earlier but reopened since (e.g. a failed takeover), or refusing writes after
      // the store failed mid-write: open it as the writer again.
      if (!db_->WritesIndex(written) && store_answers) {
        if (Status s = db_->TakeOverWrites(written); !s.ok() && first.ok()) first = s;
      }
      continue;
    }
    auto owner = session_->Owner(index, static_cast<int>(shard));
    if (!owner.ok()) {
      if (first.ok()) first = owner.status();
      continue;
    }
    if (owner->has_value()) {
      unowned_rounds_.erase(key);
      // Owned elsewhere: make sure this node does not still hold writes from an earlier epoch.
      if ((*owner)->node != name() && db_->WritesIndex(written)) (void)db_->GiveUpWrites(written);
      continue;
    }
    const int rounds = ++unowned_rounds_[key];
    if (owned_.size() >= share && rounds < 2) continue;  // leave it to a node with fewer
    auto epoch = session_->ClaimShard(index, static_cast<int>(shard));
    if (!epoch.ok()) continue;  // another node was quicker
    unowned_rounds_.erase(key);
    Status taken = db_->TakeOverWrites(written);
    if (!taken.ok()) {
      // Let another node try rather than hold a shard nobody can write.
      (void)session_->ReleaseShard(index, static_cast<int>(shard), *epoch);
      if (first.ok()) {
        first = taken.WithContext("taking over shard " + std::to_string(shard) + " of index \"" +
                                  index + "\"");
      }
      continue;
    }
    owned_[key] = Owned{*epoch, written};
  }
  for (auto it = unowned_rounds_.begin(); it != unowned_rounds_.end();) {
    it = shards.count(it->first) == 0 ? unowned_rounds_.erase(it) : std::next(it);
  }
  return first;
}

uint32_t ClusterNode::ShardsOf(const std::string& index) {
  // An index this node does not know may have been created elsewhere since the last round: look
  // once more; if it still does not exist, the local handler says so (404) rather than waiting
  // for a writer that will never come.
  auto found = db_->GetIndex(index);
  if (found.status().IsNotFound()) {
    (void)db_->SyncWithStore();
    found = db_->GetIndex(index);
  }
  if (!found.ok()) return 0;
  return (*found)->Describe().config.shards;
}

Result<std::optional<ShardOwner>> ClusterNode::WriterOf(const std::string& index, uint32_t shard,
                                                        int wait_ms) {
  const uint32_t shards = ShardsOf(index);
  if (shards == 0 || shard >= shards) return std::optional<ShardOwner>();
  const std::string written = Written(index, shard, shards);
  const auto deadline = Clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    if (db_->WritesIndex(written)) return std::optional<ShardOwner>();
    auto owner = session_->Owner(index, static_cast<int>(shard));
    if (!owner.ok()) return owner.status();
    if (owner->has_value() && (*owner)->node != name()) return owner;
    // Nobody owns it yet, or this node does and is still taking it over.
    if (Clock::now() >= deadline) {
      return Status::FailedPrecondition(
                 (shards == 1 ? "index \"" + index + "\""
                              : "shard " + std::to_string(shard) + " of index \"" + index + "\"") +
                 " has no writer right now (a node is taking it over); retry")
          .WithReason(Status::Reason::kNotWriter);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      hurry_ = true;  // the next round now, not at the end of the interval
    }
    cv_.notify_all();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int64_t ClusterNode::MillisSinceSync() const {
  const int64_t at = synced_at_ms_.load();
  return at < 0 ? -1 : SteadyMs() - at;
}

Result<std::vector<IndexPlacement>> ClusterNode::Placements() {
  std::vector<IndexPlacement> out;
  for (const IndexDescription& d : db_->ListIndexes()) {
    for (uint32_t i = 0; i < d.config.shards; ++i) {
      IndexPlacement p;
      p.index = d.name;
      p.shard = static_cast<int>(i);
      SEMBLE_ASSIGN_OR_RETURN(p.owner, session_->Owner(d.name, p.shard));
      p.written_here = db_->WritesIndex(Written(d.name, i, d.config.shards));
      out.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace semble::cluster
