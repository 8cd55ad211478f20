// Copyright 2026 The semble Authors.

#include "server/cluster_forward.h"

#include <chrono>
#include <random>
#include <thread>

#include "cluster/cluster_node.h"
#include "core/url.h"
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

HttpResponse Forward(ApiContext* ctx, const HttpRequest& req, const cluster::ShardOwner& owner) {
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
  // A writer that stops answering (paused, partitioned) may lose the index meanwhile: then stop
  // waiting for it. Looked up at most once a second.
  const std::string& index = req.captures[1];
  auto last_check = std::chrono::steady_clock::now();
  auto still_owner = [&]() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check < std::chrono::seconds(1)) return true;
    last_check = now;
    auto current = ctx->cluster->OwnerOf(index);
    if (!current.ok()) return true;  // etcd cannot say: keep waiting, within the timeout
    return current->has_value() && (*current)->node == owner.node &&
           (*current)->epoch == owner.epoch;
  };
  UpstreamResponse up =
      PostUpstream(owner.address + Target(req), headers, body, kForwardTimeout, still_owner);
  const std::string who = "the writer of this index (node \"" + owner.node + "\" at " +
                          owner.address + ")";
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

}  // namespace

Handler ForwardWrites(ApiContext* ctx, Handler local) {
  return [ctx, local = std::move(local)](const HttpRequest& req) -> HttpResponse {
    if (ctx->cluster == nullptr || req.captures.size() < 2) return local(req);
    const std::string& index = req.captures[1];
    const bool forwarded = !req.Header(kForwardedBy).empty();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto writer = ctx->cluster->WriterOf(index, std::max<int>(0, static_cast<int>(left.count())));
      if (!writer.ok()) {
        if (writer.status().reason() == Status::Reason::kNotWriter) {
          return NoWriter(writer.status().message());
        }
        // etcd cannot say who writes the index (no quorum, unreachable): nobody may write it.
        return NoWriter("the cluster cannot tell who writes index \"" + index +
                        "\" (etcd: " + writer.status().message() + "); retry");
      }
      if (!writer->has_value()) {
        HttpResponse r = local(req);
        // Taken over by another node between the look-up and the write: nothing was applied.
        if (!forwarded && SafeToRetry(r) && std::chrono::steady_clock::now() < deadline) continue;
        r.headers.emplace_back(kWriterHeader, ctx->cluster->name());
        return r;
      }
      if (forwarded) {
        // Ownership moved while the request travelled: the sender retries, not this node.
        return NoWriter("index \"" + index + "\" is now written by node \"" + (*writer)->node +
                        "\"; retry");
      }
      HttpResponse r = Forward(ctx, req, **writer);
      if (!SafeToRetry(r) || std::chrono::steady_clock::now() >= deadline) return r;
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
