// Copyright 2026 The semble Authors.
//
// Writes in a cluster: any node accepts a write to any index, and the node that writes the index
// (its owner in etcd, cluster/cluster_node.h) applies it. A node that does not write the index
// sends the request on to the owner and returns the owner's answer unchanged, so clients (the
// Cloudflare SDK, wrangler, the CLI) cannot tell one node from a cluster.
//
// A forwarded request carries `x-semble-forwarded-by: <node>`; a node that receives one never
// forwards it again (no loops while ownership moves). While an index has no writer (its owner
// died and its lease has not yet run out, or a node is taking it over) the write waits, up to
// 10 s, and is then refused with 503, code 1002 and Retry-After. A forward that could not even
// connect (the owner just died) is retried against the next owner; one whose outcome is unknown
// (the owner died while answering) is not, and the client gets 503 too.
//
// An index of several shards (IndexConfig::shards) has one writer per shard. The node that
// receives a write sends it to every shard's writer at once, each told its shards in
// `x-semble-shards: 1,2` (it applies the records of those shards and ignores the others; see
// Database::GetIndexShards), applies its own shards itself, and answers with one result: the
// shards' mutation ids joined, counts added. A shard whose writer is not there is retried alone;
// any other failure is the answer (the shards that applied the write keep it; writes are
// idempotent, so the client's retry is safe).

#ifndef SEMBLE_SRC_SERVER_CLUSTER_FORWARD_H_
#define SEMBLE_SRC_SERVER_CLUSTER_FORWARD_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "server/api.h"
#include "server/router.h"

namespace semble::server {

// Names the shards a forwarded write is for (internal to a cluster).
inline constexpr char kShardsHeader[] = "x-semble-shards";
// "1,2" -> {1, 2}; false for anything else (also "").
bool ParseShardList(std::string_view text, std::vector<uint32_t>* out);

// The handler of an index-scoped write route (captures: account, index, ...) made cluster-aware.
// Without a cluster (ctx->cluster null when the request arrives) it runs `local`. The route must
// want header fields (the Authorization field travels with the forward).
Handler ForwardWrites(ApiContext* ctx, Handler local);

// The handler of an index-scoped read route made to say, on a node that only reads the index, how
// long ago the node last caught up with the store: `x-semble-synced-ms-ago: <ms>` (the answer
// misses at most the writes acknowledged since, plus one group commit). Read-your-writes on any
// node: `GET …/info?waitForMutation=<id>` answers once this node has applied that mutation.
Handler TellStaleness(ApiContext* ctx, Handler local);

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_CLUSTER_FORWARD_H_
