// Copyright 2026 The semble Authors.
//
// semble cluster status --cluster etcd://h1:2379,...   the nodes of a cluster and who writes what,
// as etcd has it (read only: the command does not join the cluster).

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli.h"
#include "cluster/etcd_client.h"
#include "cluster/node_session.h"
#include "core/json_writer.h"
#include "core/time_format.h"

namespace semble::cli {
namespace {

struct ClusterArgs {
  std::string cluster;
  std::string name = "default";
};

int RunStatus(const Context& ctx, const ClusterArgs& a) {
  auto endpoints = cluster::ParseEtcdUrl(a.cluster);
  if (!endpoints.ok()) return UsageError(endpoints.status().message());
  cluster::EtcdOptions o;
  o.endpoints = *endpoints;
  cluster::EtcdClient etcd(o);
  auto state = cluster::ReadClusterState(&etcd, a.name);
  if (!state.ok()) return Fail(state.status());
  if (ctx.json) {
    core::JsonWriter w;
    w.BeginObject().Key("cluster").String(a.name).Key("revision").Int(state->revision);
    w.Key("nodes").BeginArray();
    for (const cluster::NodeInfo& n : state->nodes) {
      w.BeginObject().Key("node").String(n.node).Key("address").String(n.address);
      w.Key("since").String(core::FormatIso8601Millis(n.since_ms)).EndObject();
    }
    w.EndArray().Key("indexes").BeginArray();
    for (const cluster::ShardState& s : state->shards) {
      w.BeginObject().Key("index").String(s.index).Key("shard").Int(s.shard);
      w.Key("lastEpoch").Int(s.last_epoch).Key("writer");
      if (s.owner) {
        w.BeginObject().Key("node").String(s.owner->node).Key("address").String(s.owner->address);
        w.Key("epoch").Int(s.owner->epoch).EndObject();
      } else {
        w.Null();
      }
      w.EndObject();
    }
    w.EndArray().EndObject();
    PrintJson(w.str());
    return kExitOk;
  }
  std::printf("cluster \"%s\": %zu nodes\n", a.name.c_str(), state->nodes.size());
  for (const cluster::NodeInfo& n : state->nodes) {
    std::printf("  %-20s %-28s since %s\n", n.node.c_str(), n.address.c_str(),
                core::FormatIso8601Millis(n.since_ms).c_str());
  }
  std::printf("%zu shards\n", state->shards.size());
  for (const cluster::ShardState& s : state->shards) {
    const std::string where = s.index + " shard " + std::to_string(s.shard);
    if (s.owner) {
      std::printf("  %-28s written by %s (epoch %lld)\n", where.c_str(), s.owner->node.c_str(),
                  static_cast<long long>(s.owner->epoch));
    } else {
      std::printf("  %-28s no writer now (last epoch %lld)\n", where.c_str(),
                  static_cast<long long>(s.last_epoch));
    }
  }
  return kExitOk;
}

}  // namespace

void AddClusterCommand(CLI::App* app, Context* ctx) {
  CLI::App* cluster = app->add_subcommand("cluster", "Inspect a cluster of servers (etcd)");
  cluster->require_subcommand(1);
  auto a = std::make_shared<ClusterArgs>();
  CLI::App* status = cluster->add_subcommand(
      "status", "The nodes of a cluster and which node writes each index, as etcd has them");
  status->add_option("--cluster", a->cluster, "etcd://host:port,... (as given to serve)")
      ->required();
  status->add_option("--cluster-name", a->name, "Name of the cluster (default \"default\")");
  AddJsonFlag(status, ctx);
  status->callback([a, ctx] { ctx->action = [a, ctx] { return RunStatus(*ctx, *a); }; });
}

}  // namespace semble::cli
