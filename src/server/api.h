// Copyright 2026 The semble Authors.
//
// The HTTP API's routes: Vectorize v2 (vectorize_routes.cc), Workers AI and OpenAI embeddings
// (ai_routes.cc), operations (ops_routes.cc: /healthz, /metrics) and the web console
// (console_routes.cc). Each Add* function registers
// its routes on a Router; the handlers share one ApiContext, which outlives the server.

#ifndef SEMBLE_SRC_SERVER_API_H_
#define SEMBLE_SRC_SERVER_API_H_

#include <string>
#include <vector>

#include "semble/database.h"
#include "semble/model_registry.h"
#include "semble/options.h"
#include "server/metrics.h"
#include "server/router.h"

namespace semble::server {

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
  // The one account this server is (what /accounts and /memberships name, for wrangler).
  std::string account_id = "semble";
};

void AddVectorizeRoutes(ApiContext* ctx, Router* router);
void AddAiRoutes(ApiContext* ctx, Router* router);
void AddOpsRoutes(ApiContext* ctx, Router* router);
void AddAccountRoutes(ApiContext* ctx, Router* router);
void AddConsoleRoutes(Router* router);

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_API_H_
