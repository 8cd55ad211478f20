// Copyright 2026 The semble Authors.
//
// The HTTP API's routes: Vectorize v2 (vectorize_routes.cc), Workers AI and OpenAI embeddings
// (ai_routes.cc), operations (ops_routes.cc: /healthz, /metrics) and the web console
// (console_routes.cc). Each Add* function registers
// its routes on a Router; the handlers share one ApiContext, which outlives the server.

#ifndef SEMBLE_SRC_SERVER_API_H_
#define SEMBLE_SRC_SERVER_API_H_

#include <memory>
#include <string>
#include <vector>

#include "semble/database.h"
#include "semble/model_registry.h"
#include "semble/options.h"
#include "server/metrics.h"
#include "server/router.h"

namespace semble::cluster {
class ClusterNode;
}  // namespace semble::cluster

namespace semble::server {

class CacheSet;

struct LlmProxyOptions {
  // Base URL of an OpenAI-compatible API, e.g. "https://api.openai.com/v1"; "" = no proxy.
  std::string upstream;
  // Sent upstream as "Authorization: Bearer <key>".
  std::string upstream_key;
  // Without upstream_key: pass the client's Authorization on. Only for a server without tokens of
  // its own; with tokens, the client's header carries a semble token, which must not leave.
  bool forward_client_authorization = false;
  std::string cache = "llm";   // the semantic cache the proxy answers from (created if missing)
  int timeout_ms = 120000;     // the longest an upstream call may take
};

struct ApiContext {
  Database* db = nullptr;
  ModelRegistry* models = nullptr;
  Metrics* metrics = nullptr;
  Limits limits;
  // Most texts in one embedding request: Workers AI documents 100 for /ai/run; OpenAI allows 2048
  // on /v1/embeddings, and its clients batch up to that (LangChain 512, the AI SDK 2048).
  size_t max_workers_ai_texts = 100;
  size_t max_openai_inputs = 2048;
  // Threads that parse one large NDJSON body (one per 4 MiB, at most this many).
  int parse_threads = 2;
  // The semantic caches, opened on first use (cache_set.h); nullptr: no cache routes.
  CacheSet* caches = nullptr;
  // The caching proxy's upstream and cache (AddLlmProxyRoutes).
  LlmProxyOptions llm;
  // In a cluster (`semble serve --cluster`): who writes which index; writes to an index another
  // node writes are forwarded there (cluster_forward.h). nullptr: a single server.
  cluster::ClusterNode* cluster = nullptr;
  // The one account this server is (what /accounts and /memberships name, for wrangler).
  std::string account_id = "semble";
};

// Registers `fn` of the shared `api` object (which the route keeps alive) as a route.
template <typename Api>
void AddMemberRoute(Router* router, const std::shared_ptr<Api>& api, const char* method,
                    std::string pattern, const char* name, Scope scope,
                    HttpResponse (Api::*fn)(const HttpRequest&)) {
  router->Add({method, std::move(pattern), name, scope,
               [api, fn](const HttpRequest& req) { return ((*api).*fn)(req); }});
}

// Account ids are accepted whatever they are (one tenant), but they are path segments: keep them
// to the characters Cloudflare's hex ids and test ids use (1..64 of [A-Za-z0-9_-]).
bool ValidAccountId(const std::string& account);

void AddVectorizeRoutes(ApiContext* ctx, Router* router);
// Semantic caches under .../vectorize/v2/caches (cache_routes.cc).
void AddCacheRoutes(ApiContext* ctx, Router* router);
// The caching proxy for an upstream OpenAI-compatible model: POST /v1/chat/completions
// (llm_proxy_routes.cc). Needs ctx->llm_upstream.
void AddLlmProxyRoutes(ApiContext* ctx, Router* router);
void AddAiRoutes(ApiContext* ctx, Router* router);
void AddOpsRoutes(ApiContext* ctx, Router* router);
void AddAccountRoutes(ApiContext* ctx, Router* router);
void AddConsoleRoutes(Router* router);

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_API_H_
