// Copyright 2026 The semble Authors.

#include "cluster/node_session.h"

#include <simdjson.h>

#include <chrono>
#include <map>

#include "core/json_parse.h"
#include "core/json_writer.h"

namespace semble::cluster {
namespace {

using Clock = std::chrono::steady_clock;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string OwnerValue(const std::string& node, int64_t epoch, const std::string& address) {
  core::JsonWriter w;
  w.BeginObject().Key("node").String(node).Key("epoch").Int(epoch).Key("address").String(address);
  w.EndObject();
  return w.Take();
}

// A value this module wrote; a value it cannot read counts as "some other node" with epoch 0.
ShardOwner ParseOwner(const std::string& value) {
  ShardOwner out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (core::ParseJson(parser, value, &root) != simdjson::SUCCESS) return out;
  std::string_view s;
  if (root["node"].get_string().get(s) == simdjson::SUCCESS) out.node = s;
  if (root["address"].get_string().get(s) == simdjson::SUCCESS) out.address = s;
  int64_t e = 0;
  if (root["epoch"].get_int64().get(e) == simdjson::SUCCESS) out.epoch = e;
  return out;
}

NodeInfo ParseNode(const std::string& node, const std::string& value) {
  NodeInfo out;
  out.node = node;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (core::ParseJson(parser, value, &root) != simdjson::SUCCESS) return out;
  std::string_view s;
  if (root["address"].get_string().get(s) == simdjson::SUCCESS) out.address = s;
  int64_t ms = 0;
  if (root["since_ms"].get_int64().get(ms) == simdjson::SUCCESS) out.since_ms = ms;
  return out;
}

int64_t ParseEpoch(const std::string& value) {
  int64_t e = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return 0;
    e = e * 10 + (c - '0');
  }
  return e;
}

std::string Describe(const std::string& index, int shard) {
  return "shard " + std::to_string(shard) + " of index \"" + index + "\"";
}

}  // namespace

std::string ClusterPrefix(const std::string& cluster) { return "/semble/" + cluster + "/"; }

Result<ClusterState> ReadClusterState(EtcdClient* etcd, const std::string& cluster) {
  const std::string prefix = ClusterPrefix(cluster);
  ClusterState out;
  SEMBLE_ASSIGN_OR_RETURN(RangeResult nodes, etcd->GetPrefix(prefix + "nodes/"));
  for (const KeyValue& kv : nodes.kvs) {
    out.nodes.push_back(ParseNode(kv.key.substr(prefix.size() + 6), kv.value));
  }
  SEMBLE_ASSIGN_OR_RETURN(RangeResult shards, etcd->GetPrefix(prefix + "shards/"));
  out.revision = shards.revision;
  // Keys "shards/<index>/<shard>/<leaf>": index names have no '/'.
  std::map<std::pair<std::string, int>, ShardState> by_shard;
  for (const KeyValue& kv : shards.kvs) {
    const std::string rest = kv.key.substr(prefix.size() + 7);
    const size_t a = rest.find('/');
    const size_t b = a == std::string::npos ? a : rest.find('/', a + 1);
    if (b == std::string::npos) continue;
    const std::string index = rest.substr(0, a);
    const int shard = static_cast<int>(ParseEpoch(rest.substr(a + 1, b - a - 1)));
    const std::string leaf = rest.substr(b + 1);
    ShardState& st = by_shard[{index, shard}];
    st.index = index;
    st.shard = shard;
    if (leaf == "epoch") st.last_epoch = ParseEpoch(kv.value);
    if (leaf == "owner") st.owner = ParseOwner(kv.value);
  }
  for (auto& [key, st] : by_shard) out.shards.push_back(std::move(st));
  return out;
}

NodeSession::NodeSession(EtcdClient* etcd, NodeSessionOptions options)
    : etcd_(etcd),
      options_(std::move(options)),
      prefix_(ClusterPrefix(options_.cluster)),
      since_ms_(WallMs()) {}

Result<std::unique_ptr<NodeSession>> NodeSession::Start(EtcdClient* etcd,
                                                        NodeSessionOptions options) {
  if (options.node.empty() || options.node.find('/') != std::string::npos) {
    return Status::InvalidArgument("cluster node name \"" + options.node +
                                   "\": must be non-empty and without '/'");
  }
  if (options.cluster.empty() || options.cluster.find('/') != std::string::npos) {
    return Status::InvalidArgument("cluster name \"" + options.cluster +
                                   "\": must be non-empty and without '/'");
  }
  if (options.lease_ttl_seconds < 2) {
    return Status::InvalidArgument("cluster lease ttl must be at least 2 seconds");
  }
  std::unique_ptr<NodeSession> s(new NodeSession(etcd, std::move(options)));
  auto lease = etcd->GrantLease(s->options_.lease_ttl_seconds);
  if (!lease.ok()) return lease.status().WithContext("cluster: joining");
  s->lease_.store(*lease);
  Status st = s->Register();
  if (!st.ok()) {
    etcd->RevokeLease(*lease);
    return st;
  }
  s->keepalive_ = std::thread([p = s.get()] { p->KeepAliveLoop(); });
  return s;
}

NodeSession::~NodeSession() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (keepalive_.joinable()) keepalive_.join();
  if (lease_.load() != 0) etcd_->RevokeLease(lease_.load());
}

void NodeSession::StopKeepAliveForTesting() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (keepalive_.joinable()) keepalive_.join();
  lease_.store(0);  // left to expire, not revoked
}

Status NodeSession::Register() {
  const std::string key = prefix_ + "nodes/" + options_.node;
  core::JsonWriter w;
  w.BeginObject().Key("address").String(options_.address).Key("since_ms").Int(since_ms_);
  w.EndObject();
  const std::string value = w.Take();
  // A live registration of the same name and address is this node's previous process (killed
  // before its lease ran out): taking it over is a restart. Another address is another node.
  auto txn = etcd_->Txn({Compare::Absent(key)}, {TxnOp::Put(key, value, lease_.load())},
                        {TxnOp::Get(key)});
  if (!txn.ok()) return txn.status().WithContext("cluster: registering node");
  if (txn->succeeded) return Status::OK();
  if (!txn->gets.empty() && !txn->gets[0].empty()) {
    const KeyValue& kv = txn->gets[0][0];
    NodeInfo other = ParseNode(options_.node, kv.value);
    if (other.address != options_.address) {
      return Status::AlreadyExists("cluster: a node named \"" + options_.node +
                                   "\" is already registered at " + other.address);
    }
    auto put = etcd_->Txn({Compare::ModRevisionIs(key, kv.mod_revision)},
                          {TxnOp::Put(key, value, lease_.load())});
    if (!put.ok()) return put.status().WithContext("cluster: registering node");
    if (put->succeeded) return Status::OK();
  }
  return Status::FailedPrecondition("cluster: node \"" + options_.node +
                                    "\" changed while registering; try again");
}

void NodeSession::KeepAliveLoop() {
  const auto period = std::chrono::milliseconds(options_.lease_ttl_seconds * 1000 / 3);
  const auto ttl = std::chrono::seconds(options_.lease_ttl_seconds);
  auto last_renewed = Clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, period, [&] { return stop_; });
    if (stop_) break;
    lock.unlock();
    const auto sent = Clock::now();
    auto left = etcd_->KeepAlive(lease_.load());
    bool lost = false;
    if (left.ok()) {
      last_renewed = sent;
    } else if (left.status().IsNotFound() || Clock::now() - last_renewed >= ttl) {
      // Expired, or etcd unreachable for a whole TTL: whatever etcd thinks, this node must
      // assume its shards are someone else's now.
      lost = true;
    }
    if (lost) {
      losses_.fetch_add(1);
      if (options_.on_lease_lost) options_.on_lease_lost();
      // Join again under a new lease, until it works or the session ends.
      for (;;) {
        lock.lock();
        if (stop_) return;
        lock.unlock();
        auto lease = etcd_->GrantLease(options_.lease_ttl_seconds);
        if (lease.ok()) {
          lease_.store(*lease);
          if (Register().ok()) {
            last_renewed = Clock::now();
            break;
          }
        }
        lock.lock();
        cv_.wait_for(lock, period, [&] { return stop_; });
        lock.unlock();
      }
    }
    lock.lock();
  }
}

Result<std::vector<NodeInfo>> NodeSession::Nodes() {
  const std::string prefix = prefix_ + "nodes/";
  auto range = etcd_->GetPrefix(prefix);
  if (!range.ok()) return range.status();
  std::vector<NodeInfo> out;
  for (const KeyValue& kv : range->kvs) out.push_back(ParseNode(kv.key.substr(prefix.size()), kv.value));
  return out;
}

std::string NodeSession::ShardKey(const std::string& index, int shard, const char* leaf) const {
  return prefix_ + "shards/" + index + "/" + std::to_string(shard) + "/" + leaf;
}

Result<int64_t> NodeSession::ClaimShard(const std::string& index, int shard) {
  const std::string owner_key = ShardKey(index, shard, "owner");
  const std::string epoch_key = ShardKey(index, shard, "epoch");
  // A claim loses its transaction only when another claim changed the epoch in between; then the
  // shard has an owner and the next round says who.
  for (int round = 0; round < 5; ++round) {
    auto owner = etcd_->Get(owner_key);
    if (!owner.ok()) return owner.status().WithContext("cluster: claiming " + Describe(index, shard));
    if (owner->has_value()) {
      ShardOwner o = ParseOwner((*owner)->value);
      if ((*owner)->lease == lease_.load() && o.node == options_.node) return o.epoch;
      return Status::FailedPrecondition(Describe(index, shard) + " is owned by node \"" + o.node +
                                        "\" (epoch " + std::to_string(o.epoch) + ")");
    }
    auto epoch = etcd_->Get(epoch_key);
    if (!epoch.ok()) return epoch.status().WithContext("cluster: claiming " + Describe(index, shard));
    const int64_t last = epoch->has_value() ? ParseEpoch((*epoch)->value) : 0;
    const int64_t rev = epoch->has_value() ? (*epoch)->mod_revision : 0;
    const int64_t next = last + 1;
    auto txn = etcd_->Txn(
        {Compare::Absent(owner_key), Compare::ModRevisionIs(epoch_key, rev)},
        {TxnOp::Put(owner_key, OwnerValue(options_.node, next, options_.address), lease_.load()),
         TxnOp::Put(epoch_key, std::to_string(next))});
    if (!txn.ok()) return txn.status().WithContext("cluster: claiming " + Describe(index, shard));
    if (txn->succeeded) return next;
  }
  return Status::FailedPrecondition("cluster: " + Describe(index, shard) +
                                    " is contended; try again");
}

Status NodeSession::ReleaseShard(const std::string& index, int shard, int64_t epoch) {
  const std::string owner_key = ShardKey(index, shard, "owner");
  auto txn = etcd_->Txn(
      {Compare::ValueIs(owner_key, OwnerValue(options_.node, epoch, options_.address))},
      {TxnOp::Delete(owner_key)});
  return txn.ok() ? Status::OK() : txn.status();
}

Status NodeSession::PublishHead(const std::string& index, int shard, int64_t epoch,
                                const std::string& mutation_id) {
  const std::string owner_key = ShardKey(index, shard, "owner");
  auto txn = etcd_->Txn(
      {Compare::ValueIs(owner_key, OwnerValue(options_.node, epoch, options_.address))},
      {TxnOp::Put(ShardKey(index, shard, "head"), mutation_id)});
  return txn.ok() ? Status::OK() : txn.status();
}

Status NodeSession::ForgetShard(const std::string& index, int shard) {
  auto deleted = etcd_->Delete(ShardKey(index, shard, "head"));
  return deleted.ok() ? Status::OK() : deleted.status();
}

std::optional<NodeSession::ShardKeyParts> NodeSession::ParseShardKey(std::string_view key) const {
  const std::string prefix = ShardsPrefix();
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  // "<index>/<shard>/<leaf>": index names have no '/'.
  std::string_view rest = key.substr(prefix.size());
  const size_t a = rest.find('/');
  const size_t b = a == std::string_view::npos ? a : rest.find('/', a + 1);
  if (b == std::string_view::npos || b == a + 1) return std::nullopt;
  ShardKeyParts parts;
  parts.index.assign(rest.substr(0, a));
  const std::string_view number = rest.substr(a + 1, b - a - 1);
  if (number.find_first_not_of("0123456789") != std::string_view::npos || number.size() > 3) {
    return std::nullopt;
  }
  parts.shard = std::stoi(std::string(number));
  parts.leaf.assign(rest.substr(b + 1));
  return parts;
}

Result<std::optional<ShardOwner>> NodeSession::Owner(const std::string& index, int shard) {
  auto owner = etcd_->Get(ShardKey(index, shard, "owner"));
  if (!owner.ok()) return owner.status();
  if (!owner->has_value()) return std::optional<ShardOwner>();
  return std::optional<ShardOwner>(ParseOwner((*owner)->value));
}

Result<int64_t> NodeSession::LastEpoch(const std::string& index, int shard) {
  auto epoch = etcd_->Get(ShardKey(index, shard, "epoch"));
  if (!epoch.ok()) return epoch.status();
  return epoch->has_value() ? ParseEpoch((*epoch)->value) : 0;
}

}  // namespace semble::cluster
