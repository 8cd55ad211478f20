// Copyright 2026 The semble Authors.
//
// /healthz (liveness: the process answers and the database is open) and /metrics (Prometheus).

#include "cluster/cluster_node.h"
#include "db/db_stats.h"
#include "server/api.h"
#include "server/envelope.h"

namespace semble::server {
namespace {

HttpResponse Healthz(ApiContext* ctx) {
  const size_t indexes = ctx->db->ListIndexes().size();
  core::JsonWriter w;
  w.BeginObject().Key("status").String("ok").Key("indexes").Uint(indexes).EndObject();
  HttpResponse r;
  r.body = w.Take();
  return r;
}

HttpResponse RenderMetrics(ApiContext* ctx) {
  std::string out;
  ctx->metrics->Render(&out);

  out += "# HELP semble_index_vectors Vectors stored, by index.\n";
  out += "# TYPE semble_index_vectors gauge\n";
  for (const IndexDescription& d : ctx->db->ListIndexes()) {
    auto index = ctx->db->GetIndex(d.name);
    if (!index.ok()) continue;  // deleted since the listing
    auto info = (*index)->Info();
    if (!info.ok()) continue;
    out += "semble_index_vectors{index=\"" + EscapeLabel(d.name) + "\"} " +
           std::to_string(info->vector_count) + "\n";
  }

  if (ctx->cluster != nullptr) {
    const std::vector<cluster::ShardLag> lags = ctx->cluster->Lags();
    out += "# HELP semble_cluster_shard_written_here Whether this node writes the shard (1) or "
           "follows it (0).\n";
    out += "# TYPE semble_cluster_shard_written_here gauge\n";
    for (const cluster::ShardLag& l : lags) {
      out += "semble_cluster_shard_written_here{index=\"" + EscapeLabel(l.index) + "\",shard=\"" +
             std::to_string(l.shard) + "\"} " + (l.written_here ? "1" : "0") + "\n";
    }
    out += "# HELP semble_cluster_shard_lag_seconds How long ago the shard's writer published a "
           "head this node has not applied yet (0: caught up).\n";
    out += "# TYPE semble_cluster_shard_lag_seconds gauge\n";
    for (const cluster::ShardLag& l : lags) {
      out += "semble_cluster_shard_lag_seconds{index=\"" + EscapeLabel(l.index) + "\",shard=\"" +
             std::to_string(l.shard) + "\"} " + std::to_string(l.lag_ms / 1000.0) + "\n";
    }
    out += "# HELP semble_cluster_synced_seconds_ago Time since this node last caught up with "
           "the store.\n";
    out += "# TYPE semble_cluster_synced_seconds_ago gauge\n";
    out += "semble_cluster_synced_seconds_ago " +
           std::to_string(ctx->cluster->MillisSinceSync() / 1000.0) + "\n";
  }

  const EmbeddingCacheStats cache = ctx->models->CacheStats();
  out += "# HELP semble_embedding_cache_hits_total Texts whose vector came from the cache.\n";
  out += "# TYPE semble_embedding_cache_hits_total counter\n";
  out += "semble_embedding_cache_hits_total " + std::to_string(cache.hits) + "\n";
  out += "# HELP semble_embedding_cache_misses_total Texts that ran through the encoder.\n";
  out += "# TYPE semble_embedding_cache_misses_total counter\n";
  out += "semble_embedding_cache_misses_total " + std::to_string(cache.misses) + "\n";
  out += "# HELP semble_embedding_cache_entries Vectors held in the embedding cache.\n";
  out += "# TYPE semble_embedding_cache_entries gauge\n";
  out += "semble_embedding_cache_entries " + std::to_string(cache.entries) + "\n";

  out += "# HELP semble_wal_fsync_duration_seconds Time of each write-ahead log fsync.\n";
  out += "# TYPE semble_wal_fsync_duration_seconds histogram\n";
  AppendHistogram(&out, "semble_wal_fsync_duration_seconds", "", db::WalSyncLatency().Read());
  out +=
      "# HELP semble_write_backlog_wait_seconds Time an insert or upsert waited for an index's "
      "graph builder to catch up (only writes that waited).\n";
  out += "# TYPE semble_write_backlog_wait_seconds histogram\n";
  AppendHistogram(&out, "semble_write_backlog_wait_seconds", "", db::BacklogWaitLatency().Read());

  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = std::move(out);
  return r;
}

}  // namespace

void AddOpsRoutes(ApiContext* ctx, Router* router) {
  Route healthz{"GET", "/healthz", "healthz", Scope::kPublic,
                [ctx](const HttpRequest&) { return Healthz(ctx); }};
  healthz.try_inline = true;  // a listing under a shared lock
  router->Add(std::move(healthz));
  router->Add({"GET", "/metrics", "metrics", Scope::kRead,
               [ctx](const HttpRequest&) { return RenderMetrics(ctx); }});
}

}  // namespace semble::server
