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
  // Most texts in one embedding request (Workers AI allows 100).
  size_t max_texts_per_request = 100;
  // Threads that parse one large NDJSON body (one per 4 MiB, at most this many).
  int parse_threads = 2;
};

void AddVectorizeRoutes(ApiContext* ctx, Router* router);
void AddAiRoutes(ApiContext* ctx, Router* router);
void AddOpsRoutes(ApiContext* ctx, Router* router);
void AddConsoleRoutes(Router* router);

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_API_H_
