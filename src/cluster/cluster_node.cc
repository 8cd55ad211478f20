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
  for (const auto& [index, epoch] : owned_) (void)session_->ReleaseShard(index, 0, epoch);
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
  for (const auto& [index, epoch] : owned_) {
    if (Status s = db_->GiveUpWrites(index); !s.ok() && !s.IsNotFound()) Warn(name(), s);
  }
  owned_.clear();
}

Status ClusterNode::SyncOnce() {
  std::lock_guard<std::mutex> lock(sync_mu_);
  // A lost lease first: whoever owns these indexes now, it is not this node.
  if (lease_lost_.exchange(false)) GiveUpAll();

  const int64_t started = SteadyMs();
  Status first = db_->SyncWithStore();
  if (first.ok()) synced_at_ms_.store(started);
  std::vector<IndexDescription> indexes = db_->ListIndexes();
  std::map<std::string, bool> present;
  for (const IndexDescription& d : indexes) present[d.name] = true;

  // Deleted indexes: nothing to own.
  for (auto it = owned_.begin(); it != owned_.end();) {
    if (present.count(it->first) != 0) {
      ++it;
      continue;
    }
    (void)session_->ReleaseShard(it->first, 0, it->second);
    it = owned_.erase(it);
  }

  auto nodes = session_->Nodes();
  const size_t live = nodes.ok() && !nodes->empty() ? nodes->size() : 1;
  const size_t share = (indexes.size() + live - 1) / live;
  for (const IndexDescription& d : indexes) {
    if (owned_.count(d.name) != 0) {
      // Taken over earlier but reopened since (e.g. a failed takeover): try again.
      if (!db_->WritesIndex(d.name)) {
        if (Status s = db_->TakeOverWrites(d.name); !s.ok() && first.ok()) first = s;
      }
      continue;
    }
    auto owner = session_->Owner(d.name, 0);
    if (!owner.ok()) {
      if (first.ok()) first = owner.status();
      continue;
    }
    if (owner->has_value()) {
      unowned_rounds_.erase(d.name);
      // Owned elsewhere: make sure this node does not still hold writes from an earlier epoch.
      if ((*owner)->node != name() && db_->WritesIndex(d.name)) (void)db_->GiveUpWrites(d.name);
      continue;
    }
    const int rounds = ++unowned_rounds_[d.name];
    if (owned_.size() >= share && rounds < 2) continue;  // leave it to a node with fewer
    auto epoch = session_->ClaimShard(d.name, 0);
    if (!epoch.ok()) continue;  // another node was quicker
    unowned_rounds_.erase(d.name);
    Status taken = db_->TakeOverWrites(d.name);
    if (!taken.ok()) {
      // Let another node try rather than hold an index nobody can write.
      (void)session_->ReleaseShard(d.name, 0, *epoch);
      if (first.ok()) first = taken.WithContext("taking over index \"" + d.name + "\"");
      continue;
    }
    owned_[d.name] = *epoch;
  }
  return first;
}

Result<std::optional<ShardOwner>> ClusterNode::WriterOf(const std::string& index, int wait_ms) {
  // An index this node does not know may have been created elsewhere since the last round: look
  // once more; if it still does not exist, the local handler says so (404) rather than waiting
  // for a writer that will never come.
  if (db_->GetIndex(index).status().IsNotFound()) {
    (void)db_->SyncWithStore();
    if (db_->GetIndex(index).status().IsNotFound()) return std::optional<ShardOwner>();
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    if (db_->WritesIndex(index)) return std::optional<ShardOwner>();
    auto owner = session_->Owner(index, 0);
    if (!owner.ok()) return owner.status();
    if (owner->has_value() && (*owner)->node != name()) return owner;
    // Nobody owns it yet, or this node does and is still taking it over.
    if (Clock::now() >= deadline) {
      return Status::FailedPrecondition("index \"" + index +
                                        "\" has no writer right now (a node is taking it over); "
                                        "retry")
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
    IndexPlacement p;
    p.index = d.name;
    SEMBLE_ASSIGN_OR_RETURN(p.owner, session_->Owner(d.name, 0));
    p.written_here = db_->WritesIndex(d.name);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace semble::cluster
