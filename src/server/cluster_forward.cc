// Copyright 2026 The semble Authors.

#include "server/cluster_forward.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <future>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "cluster/cluster_node.h"
#include "core/json_parse.h"
#include "core/url.h"
#include "db/sharded_index.h"
#include "server/envelope.h"
#include "server/upstream_client.h"

namespace semble::server {
namespace {

constexpr char kForwardedBy[] = "x-semble-forwarded-by";
constexpr char kWriterHeader[] = "x-semble-writer";
constexpr int kWaitMs = 10000;
// Bounds a forward to a writer that accepted the connection but does not answer (paused, or
// dying slowly); the client gets a 503 saying the outcome is unknown.
constexpr auto kForwardTimeout = std::chrono::seconds(30);


// The request's target again: its path segments and query were percent-decoded.
std::string Target(const HttpRequest& req) {
  std::string out;
  for (std::string_view segment : SplitPath(req.path)) {
    out += '/';
    out += core::PercentEncode(segment);
  }
  char sep = '?';
  for (const auto& [k, v] : req.query) {
    out += sep;
    out += core::PercentEncode(k) + "=" + core::PercentEncode(v);
    sep = '&';
  }
  return out;
}

// A multipart body was taken apart on arrival; the owner gets the same parts in a new body.
std::string EncodeMultipart(const std::map<std::string, std::string>& parts,
                            std::string* boundary) {
  std::random_device rd;
  *boundary = "semble-forward-" + std::to_string(rd()) + std::to_string(rd());
  std::string body;
  for (const auto& [name, content] : parts) {
    body += "--" + *boundary + "\r\n";
    body += "Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + name + "\"\r\n";
    body += "Content-Type: application/octet-stream\r\n\r\n";
    body += content;
    body += "\r\n";
  }
  body += "--" + *boundary + "--\r\n";
  return body;
}

// Nothing was applied and the same request may be sent again: a 503 with Retry-After, as
// FromStatus answers kNotWriter and kFenced.
HttpResponse NoWriter(const std::string& message) {
  HttpResponse r = Error(503, kErrNoWriter, message);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

bool SafeToRetry(const HttpResponse& r) {
  if (r.status != 503) return false;
  for (const auto& [name, value] : r.headers) {
    if (name == "Retry-After") return true;
  }
  return false;
}

// "1,2" for shards {1, 2}.
std::string ShardList(const std::vector<uint32_t>& shards) {
  std::string out;
  for (uint32_t s : shards) {
    if (!out.empty()) out += ',';
    out += std::to_string(s);
  }
  return out;
}

// Sends the request to the writer of `shards` (all owned by `owner`). With `name_shards` (an
// index of several shards) the owner is told which shards to apply.
HttpResponse Forward(ApiContext* ctx, const HttpRequest& req, const cluster::ShardOwner& owner,
                     const std::vector<uint32_t>& shards, bool name_shards) {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body = req.body;
  if (req.multipart) {
    std::string boundary;
    body = EncodeMultipart(req.parts, &boundary);
    headers.emplace_back("Content-Type", "multipart/form-data; boundary=" + boundary);
  } else if (!req.content_type.empty()) {
    headers.emplace_back("Content-Type", req.content_type);
  }
  if (std::string_view auth = req.Header("authorization"); !auth.empty()) {
    headers.emplace_back("Authorization", std::string(auth));
  }
  headers.emplace_back(kForwardedBy, ctx->cluster->name());
  if (name_shards) headers.emplace_back(kShardsHeader, ShardList(shards));
  // A writer that stops answering (paused, partitioned) may lose the shard meanwhile: then stop
  // waiting for it. Looked up at most once a second.
  const std::string& index = req.captures[1];
  auto last_check = std::chrono::steady_clock::now();
  auto still_owner = [&]() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check < std::chrono::seconds(1)) return true;
    last_check = now;
    auto current = ctx->cluster->OwnerOf(index, shards.front());
    if (!current.ok()) return true;  // etcd cannot say: keep waiting, within the timeout
    return current->has_value() && (*current)->node == owner.node &&
           (*current)->epoch == owner.epoch;
  };
  UpstreamResponse up =
      PostUpstream(owner.address + Target(req), headers, body, kForwardTimeout, still_owner);
  const std::string who = "the writer of " +
                          (name_shards ? "shards " + ShardList(shards) + " of this index"
                                       : std::string("this index")) +
                          " (node \"" + owner.node + "\" at " + owner.address + ")";
  if (up.status == 0 && up.not_sent) return NoWriter(who + " cannot be reached: " + up.error);
  if (up.status == 0) {
    return Error(503, kErrNoWriter,
                 who + " did not answer (" + up.error +
                     "); the write may or may not have been applied");
  }
  HttpResponse r;
  r.status = up.status;
  r.content_type = up.content_type.empty() ? "application/json" : up.content_type;
  r.body = std::move(up.body);
  if (r.status == 503 && !up.retry_after.empty()) r.headers.emplace_back("Retry-After", up.retry_after);
  r.headers.emplace_back(kWriterHeader, owner.node);
  return r;
}

// One answer from the answers of the shards' writers (all 2xx): their mutation ids joined, counts
// added, every other field as the first answer has it.
HttpResponse MergeAnswers(const std::vector<HttpResponse>& parts, uint32_t shards) {
  if (parts.size() == 1) return parts.front();
  db::ShardMutationIds ids;
  uint64_t count = 0;
  bool has_count = false;
  std::vector<std::pair<std::string, std::string>> others;  // key -> JSON, first answer's
  std::string writers;
  for (size_t i = 0; i < parts.size(); ++i) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::object result;
    if (core::ParseJson(parser, parts[i].body, &root) != simdjson::SUCCESS ||
        root["result"].get(result) != simdjson::SUCCESS) {
      return Error(502, kErrInternal, "a shard's writer answered with something other than a "
                                      "Vectorize result; the write may have been applied in part");
    }
    bool applied = false;  // a writer whose shards got nothing of the write is not named
    for (auto [key, value] : result) {
      if (key == "mutationId") {
        std::string_view id;
        db::ShardMutationIds part;
        if (value.get(id) == simdjson::SUCCESS && db::SplitShardMutationIds(id, shards, &part)) {
          ids.insert(part.begin(), part.end());
          applied = true;
        }
      } else if (key == "count") {
        uint64_t n = 0;
        if (value.get(n) == simdjson::SUCCESS) count += n;
        has_count = true;
      } else if (i == 0) {
        others.emplace_back(std::string(key), simdjson::minify(value));
      }
    }
    for (const auto& [name, value] : parts[i].headers) {
      if (name != kWriterHeader || !applied) continue;
      if (!writers.empty()) writers += ',';
      writers += value;
    }
  }
  HttpResponse r = Ok([&](core::JsonWriter* w) {
    w->BeginObject();
    w->Key("mutationId").String(db::JoinShardMutationIds(ids));
    if (has_count) w->Key("count").Uint(count);
    for (const auto& [key, json] : others) w->Key(key).Raw(json);
    w->EndObject();
  }, parts.front().status);
  r.headers.emplace_back(kWriterHeader, writers);
  return r;
}

// A request to the owner of shards that are all this node's, by the node that received it.
HttpResponse ApplyForwarded(ApiContext* ctx, const Handler& local, const HttpRequest& req,
                            std::chrono::steady_clock::time_point deadline) {
  const std::string& index = req.captures[1];
  // An index of one shard has shard 0, and a forward without the field is for it.
  std::vector<uint32_t> shards{0};
  if (std::string_view list = req.Header(kShardsHeader);
      !list.empty() && !ParseShardList(list, &shards)) {
    return Error(400, kErrInvalid, std::string(kShardsHeader) + " is not a list of shards");
  }
  for (uint32_t shard : shards) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto writer = ctx->cluster->WriterOf(index, shard, std::max<int>(0, static_cast<int>(left.count())));
    if (!writer.ok()) return NoWriter(writer.status().message());
    if (writer->has_value()) {
      // Ownership moved while the request travelled: the sender retries, not this node.
      return NoWriter("shard " + std::to_string(shard) + " of index \"" + index +
                      "\" is now written by node \"" + (*writer)->node + "\"; retry");
    }
  }
  HttpResponse r = local(req);
  if (r.status >= 200 && r.status < 300) ctx->cluster->Wrote(index);
  r.headers.emplace_back(kWriterHeader, ctx->cluster->name());
  return r;
}

}  // namespace

bool ParseShardList(std::string_view text, std::vector<uint32_t>* out) {
  out->clear();
  if (text.empty()) return false;
  for (;;) {
    const size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    uint32_t shard = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), shard);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size()) return false;
    out->push_back(shard);
    if (comma == std::string_view::npos) return true;
    text = text.substr(comma + 1);
  }
}

Handler ForwardWrites(ApiContext* ctx, Handler local) {
  return [ctx, local = std::move(local)](const HttpRequest& req) -> HttpResponse {
    if (ctx->cluster == nullptr || req.captures.size() < 2) return local(req);
    const std::string& index = req.captures[1];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
    if (!req.Header(kForwardedBy).empty()) return ApplyForwarded(ctx, local, req, deadline);
    const uint32_t shards = ctx->cluster->ShardsOf(index);
    if (shards == 0) return local(req);  // no such index: the local handler says so
    const bool name_shards = shards > 1;
    // Each round sends every shard still to be written to its writer (this node's own shards to
    // the local handler), all at once; shards whose writer was not there are tried again.
    std::vector<uint32_t> pending;
    for (uint32_t i = 0; i < shards; ++i) pending.push_back(i);
    std::vector<HttpResponse> done;
    for (;;) {
      std::vector<uint32_t> mine;
      std::map<std::string, std::pair<cluster::ShardOwner, std::vector<uint32_t>>> theirs;
      for (uint32_t shard : pending) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto writer =
            ctx->cluster->WriterOf(index, shard, std::max<int>(0, static_cast<int>(left.count())));
        if (!writer.ok()) {
          if (writer.status().reason() == Status::Reason::kNotWriter) {
            return NoWriter(writer.status().message());
          }
          // etcd cannot say who writes the shard (no quorum, unreachable): nobody may write it.
          return NoWriter("the cluster cannot tell who writes index \"" + index +
                          "\" (etcd: " + writer.status().message() + "); retry");
        }
        if (!writer->has_value()) {
          mine.push_back(shard);
        } else {
          auto& group = theirs[(*writer)->node];
          group.first = **writer;
          group.second.push_back(shard);
        }
      }
      std::vector<std::pair<std::vector<uint32_t>, std::future<HttpResponse>>> sent;
      for (auto& [node, group] : theirs) {
        sent.emplace_back(group.second,
                          std::async(std::launch::async, [&, owner = group.first,
                                                          list = group.second] {
                            return Forward(ctx, req, owner, list, name_shards);
                          }));
      }
      if (!mine.empty()) {
        HttpRequest own = req;
        if (name_shards) own.headers.emplace_back(kShardsHeader, ShardList(mine));
        sent.emplace_back(mine, std::async(std::launch::deferred, [&, own = std::move(own)] {
                            HttpResponse r = local(own);
                            if (r.status >= 200 && r.status < 300) ctx->cluster->Wrote(index);
                            r.headers.emplace_back(kWriterHeader, ctx->cluster->name());
                            return r;
                          }));
      }
      std::vector<uint32_t> again;
      std::optional<HttpResponse> failed;
      std::optional<HttpResponse> retryable;
      for (auto& [list, future] : sent) {
        HttpResponse r = future.get();
        if (r.status >= 200 && r.status < 300) {
          done.push_back(std::move(r));
        } else if (SafeToRetry(r)) {
          again.insert(again.end(), list.begin(), list.end());
          retryable = std::move(r);
        } else if (!failed.has_value()) {
          failed = std::move(r);
        }
      }
      // An error that a retry would not fix: the client gets it (what other shards applied
      // stays; every write is idempotent, so the client's retry of the whole write is safe).
      if (failed.has_value()) return std::move(*failed);
      if (again.empty()) return MergeAnswers(done, shards);
      if (std::chrono::steady_clock::now() >= deadline) return std::move(*retryable);
      pending = std::move(again);
      std::sort(pending.begin(), pending.end());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  };
}

Handler TellStaleness(ApiContext* ctx, Handler local) {
  return [ctx, local = std::move(local)](const HttpRequest& req) -> HttpResponse {
    HttpResponse r = local(req);
    if (ctx->cluster == nullptr || req.captures.size() < 2 || ctx->db == nullptr) return r;
    const std::string index = req.captures[1];
    auto tell = [ctx, index](HttpResponse* answer) {
      if (ctx->db->WritesIndex(index)) return;
      const int64_t ms = ctx->cluster->MillisSinceSync();
      if (ms >= 0) answer->headers.emplace_back("x-semble-synced-ms-ago", std::to_string(ms));
    };
    if (r.deferred != nullptr) {
      // Answered later (waitForMutation): say it then.
      r.deferred->answer = [inner = std::move(r.deferred->answer), tell] {
        HttpResponse a = inner();
        tell(&a);
        return a;
      };
      return r;
    }
    tell(&r);
    return r;
  };
}

}  // namespace semble::server
