// Copyright 2026 The semble Authors.

#include "cluster/cluster_node.h"

#include <chrono>
#include <cstdio>
#include <utility>

namespace semble::cluster {
namespace {

using Clock = std::chrono::steady_clock;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

// The name under which the database writes a shard: an index of one shard is its own.
std::string Written(const std::string& index, uint32_t shard, uint32_t shards) {
  return shards == 1 ? index : ShardName(index, shard);
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
  // Watching first: a head published during the first round is not missed.
  if (node->options_.watch) node->StartWatch();
  // The first round before serving: the node knows the store's indexes when it answers.
  if (Status st = node->SyncOnce(); !st.ok()) Warn(node->name(), st);
  node->thread_ = std::thread([self] { self->Loop(); });
  node->publisher_ = std::thread([self] { self->PublishLoop(); });
  return node;
}

void ClusterNode::StartWatch() {
  watch_ = etcd_->Watch(
      session_->ShardsPrefix(), 0, [this](const WatchEvent& e) { OnShardEvent(e); },
      [this](const Status& s) {
        Warn(name(), s.WithContext("watching the shards (polling meanwhile)"));
        std::lock_guard<std::mutex> lock(mu_);
        rewatch_ = true;
        cv_.notify_all();
      });
}

void ClusterNode::OnShardEvent(const WatchEvent& e) {
  auto parts = session_->ParseShardKey(e.kv.key);
  if (!parts.has_value()) return;
  if (parts->leaf == "head" && e.type == WatchEvent::Type::kPut) {
    const ShardKey key(parts->index, static_cast<uint32_t>(parts->shard));
    {
      std::lock_guard<std::mutex> lock(heads_mu_);
      SeenHead& seen = heads_[key];
      if (seen.mutation_id == e.kv.value) return;
      seen.mutation_id = e.kv.value;
      seen.seen_ms = SteadyMs();
    }
    auto index = db_->GetIndex(parts->index);
    if (!index.ok()) {
      Hurry();  // an index this node does not know yet: a whole round finds it
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      catch_up_.insert(Written(parts->index, key.second, (*index)->Describe().config.shards));
    }
    cv_.notify_all();
  } else if (parts->leaf == "owner" && e.type == WatchEvent::Type::kDelete) {
    Hurry();  // a shard without a writer: claim it now, not at the next poll
  }
}

void ClusterNode::Hurry() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    hurry_ = true;
  }
  cv_.notify_all();
}

ClusterNode::~ClusterNode() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  {
    // The publisher checks stop_ under publish_mu_ before it waits: taking the lock here makes sure
    // it is waiting (and gets the notification) or has not checked yet.
    std::lock_guard<std::mutex> lock(publish_mu_);
  }
  publish_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (publisher_.joinable()) publisher_.join();
  watch_.reset();
  std::lock_guard<std::mutex> lock(sync_mu_);
  for (const auto& [key, owned] : owned_) {
    (void)session_->ReleaseShard(key.first, static_cast<int>(key.second), owned.epoch);
  }
  owned_.clear();
  session_.reset();  // revokes the lease
}

void ClusterNode::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  int64_t last_whole = SteadyMs();
  while (!stop_) {
    const bool timed_out = !cv_.wait_for(
        lock, std::chrono::milliseconds(options_.sync_interval_ms),
        [&] { return stop_ || hurry_ || rewatch_ || !catch_up_.empty() || lease_lost_.load(); });
    if (stop_) break;
    // A whole round at least every interval, however many heads come in between.
    const bool whole = timed_out || std::exchange(hurry_, false) || lease_lost_.load() ||
                       SteadyMs() - last_whole >= options_.sync_interval_ms;
    const bool rewatch = std::exchange(rewatch_, false);
    std::set<std::string> shards;
    shards.swap(catch_up_);
    lock.unlock();
    if (rewatch) {
      watch_.reset();
      StartWatch();
    }
    const int64_t started = SteadyMs();
    if (whole) {
      last_whole = started;
      if (Status st = SyncOnce(); !st.ok()) Warn(name(), st);
    } else {
      // Only shards with a new head: no catalogue read, no claims.
      for (const std::string& shard : shards) {
        Status st = db_->CatchUpWithStore(shard);
        if (!st.ok() && !st.IsNotFound()) Warn(name(), st);
      }
    }
    // Heads arrive with every group commit under load: one round takes in all that came meanwhile.
    const int64_t left = kMinRoundGapMs - (SteadyMs() - started);
    lock.lock();
    if (left > 0) cv_.wait_for(lock, std::chrono::milliseconds(left), [&] { return stop_; });
  }
}

void ClusterNode::Wrote(const std::string& index) {
  {
    std::lock_guard<std::mutex> lock(publish_mu_);
    wrote_.insert(index);
  }
  publish_cv_.notify_all();
}

void ClusterNode::PublishLoop() {
  for (;;) {
    std::set<std::string> wrote;
    std::map<ShardKey, int64_t> owned;
    {
      std::unique_lock<std::mutex> lock(publish_mu_);
      publish_cv_.wait(lock, [&] {
        std::lock_guard<std::mutex> stop_lock(mu_);
        return stop_ || !wrote_.empty();
      });
      {
        std::lock_guard<std::mutex> stop_lock(mu_);
        if (stop_) return;
      }
      wrote.swap(wrote_);
      owned = owned_epochs_;
    }
    for (const auto& [key, epoch] : owned) {
      if (wrote.count(key.first) == 0) continue;
      auto index = db_->GetIndexShards(key.first, {key.second});
      if (!index.ok()) continue;  // deleted, or given up meanwhile
      auto info = (*index)->Info();
      if (!info.ok() || info->processed_up_to_mutation.empty()) continue;
      // A sharded index's Info names its shard ("<shard>:<id>"); the head is the shard's own id.
      std::string head = info->processed_up_to_mutation;
      if (const size_t colon = head.find(':'); colon != std::string::npos) head.erase(0, colon + 1);
      std::string& last = published_[key];
      if (last == head) continue;
      // A lost shard or an unreachable etcd only delays followers until their next poll.
      if (session_->PublishHead(key.first, static_cast<int>(key.second), epoch, head).ok()) {
        last = head;
      }
    }
  }
}

std::vector<ShardLag> ClusterNode::Lags() {
  std::vector<ShardLag> out;
  std::map<ShardKey, SeenHead> heads;
  {
    std::lock_guard<std::mutex> lock(heads_mu_);
    heads = heads_;
  }
  const int64_t now = SteadyMs();
  for (const IndexDescription& d : db_->ListIndexes()) {
    for (uint32_t i = 0; i < d.config.shards; ++i) {
      ShardLag lag;
      lag.index = d.name;
      lag.shard = i;
      lag.written_here = db_->WritesIndex(Written(d.name, i, d.config.shards));
      auto head = heads.find(ShardKey(d.name, i));
      if (!lag.written_here && head != heads.end()) {
        auto index = db_->GetIndexShards(d.name, {i});
        if (index.ok()) {
          auto info = (*index)->Info();
          std::string applied = info.ok() ? info->processed_up_to_mutation : "";
          if (const size_t colon = applied.find(':'); colon != std::string::npos) {
            applied.erase(0, colon + 1);
          }
          // Ids of one incarnation sort in mutation order; a head of another incarnation (an
          // index deleted and created again) says nothing about this one.
          const std::string& h = head->second.mutation_id;
          const bool comparable = applied.size() == h.size() && applied.compare(0, 19, h, 0, 19) == 0;
          if (comparable && applied < h) lag.lag_ms = now - head->second.seen_ms;
        }
      }
      out.push_back(std::move(lag));
    }
  }
  return out;
}

void ClusterNode::GiveUpAll() {
  for (const auto& [key, owned] : owned_) {
    Status s = db_->GiveUpWrites(owned.written);
    if (!s.ok() && !s.IsNotFound()) Warn(name(), s);
  }
  owned_.clear();
  std::lock_guard<std::mutex> publish_lock(publish_mu_);
  owned_epochs_.clear();
}

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
    (void)session_->ForgetShard(it->first.first, static_cast<int>(it->first.second));
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
      unowned_since_.erase(key);
      // Owned elsewhere: make sure this node does not still hold writes from an earlier epoch.
      if ((*owner)->node != name() && db_->WritesIndex(written)) (void)db_->GiveUpWrites(written);
      continue;
    }
    const int64_t since = unowned_since_.emplace(key, SteadyMs()).first->second;
    // Past its share a node leaves the shard to one with fewer for two intervals (rounds come
    // faster when hurried, and the others see a new index only at their next poll).
    if (owned_.size() >= share && SteadyMs() - since < 2 * options_.sync_interval_ms) continue;
    auto epoch = session_->ClaimShard(index, static_cast<int>(shard));
    if (!epoch.ok()) continue;  // another node was quicker
    unowned_since_.erase(key);
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
  for (auto it = unowned_since_.begin(); it != unowned_since_.end();) {
    it = shards.count(it->first) == 0 ? unowned_since_.erase(it) : std::next(it);
  }
  {
    std::lock_guard<std::mutex> publish_lock(publish_mu_);
    owned_epochs_.clear();
    for (const auto& [key, owned] : owned_) owned_epochs_[key] = owned.epoch;
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
