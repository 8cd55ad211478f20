// Copyright 2026 The semble Authors.
//
// Text embeddings over three wire formats:
//   POST /client/v4/accounts/{id}/ai/run/{model}    Workers AI: {text, pooling?} -> {shape, data}
//   POST /client/v4/accounts/{id}/ai/v1/embeddings  OpenAI's shape on Cloudflare's path
//   POST /v1/embeddings                             OpenAI: {model, input, encoding_format?}
// The model is an installed model id or an alias (semble/model_registry.h).

#include <cstring>

#include "server/api.h"
#include "server/envelope.h"
#include "wire/embeddings_json.h"
#include "wire/request_json.h"

namespace semble::server {
namespace {

HttpResponse EmbedError(const Status& s) { return FromStatus(s); }

// Embeds `texts` with `model` (an id or alias) and `pooling` ("" = mean); errors name the model.
Result<std::vector<std::vector<float>>> EmbedTexts(ApiContext* ctx, const std::string& model,
                                                   const std::string& pooling,
                                                   const std::vector<std::string>& texts) {
  SEMBLE_ASSIGN_OR_RETURN(std::string id, ctx->models->Canonical(model));
  SEMBLE_ASSIGN_OR_RETURN(Pooling p, ParsePooling(pooling.empty() ? "mean" : pooling));
  return ctx->models->Embed(id, p, texts);
}

// The texts of one request: what every front end accepts (semble::CheckTexts), at most `limit`.
Status CheckRequestTexts(const std::vector<std::string>& texts, size_t limit) {
  SEMBLE_RETURN_IF_ERROR(CheckTexts(texts));
  if (texts.size() > limit) {
    return Status::InvalidArgument("at most " + std::to_string(limit) + " texts per request, got " +
                                   std::to_string(texts.size()));
  }
  return Status::OK();
}

HttpResponse AiRun(ApiContext* ctx, const HttpRequest& req) {
  auto body = wire::ParseAiRun(req.body);
  if (!body.ok()) return Error(400, kErrMalformedJson, body.status().message());
  if (Status s = CheckRequestTexts(body->texts, ctx->max_workers_ai_texts); !s.ok()) {
    return FromStatus(s);
  }
  const std::string pooling = body->pooling.value_or("mean");
  auto vectors = EmbedTexts(ctx, req.captures[1], pooling, body->texts);
  if (!vectors.ok()) return EmbedError(vectors.status());
  return Ok([&](core::JsonWriter* w) {
    w->BeginObject();
    w->Key("shape").BeginArray().Uint(vectors->size()).Uint(vectors->empty() ? 0 : (*vectors)[0].size()).EndArray();
    w->Key("data").BeginArray();
    for (const auto& v : *vectors) w->FloatArray(v.data(), v.size());
    w->EndArray();
    w->Key("pooling").String(pooling);
    w->EndObject();
  });
}

// The OpenAI shape, bare (no v4 envelope) on both paths: Cloudflare's /ai/v1 path exists for
// OpenAI clients, which read OpenAI's shape.
HttpResponse OpenAiEmbeddings(ApiContext* ctx, const HttpRequest& req) {
  auto fail = [&](int http, int code, const std::string& message) {
    return OpenAiError(http, http == 404 ? "model_not_found" : std::to_string(code), message);
  };
  auto body = wire::ParseOpenAiEmbeddings(req.body);
  if (!body.ok()) return fail(400, kErrMalformedJson, body.status().message());
  if (Status s = CheckRequestTexts(body->inputs, ctx->max_openai_inputs); !s.ok()) {
    return fail(400, kErrInvalid, s.message());
  }
  auto model = ctx->models->Canonical(body->model);
  if (!model.ok()) return fail(404, kErrModelNotFound, model.status().message());
  auto embedder = ctx->models->Get(*model, Pooling::kMean);
  if (!embedder.ok()) {
    const HttpResponse r = EmbedError(embedder.status());
    return fail(r.status, kErrModelNotFound, embedder.status().message());
  }
  const int dims = (*embedder)->info().dimensions;
  if (body->dimensions && static_cast<int>(*body->dimensions) != dims) {
    return fail(400, kErrInvalid,
                "model \"" + body->model + "\" makes " + std::to_string(dims) +
                    "-dimensional vectors and cannot shorten them; omit \"dimensions\"");
  }
  uint64_t tokens = 0;
  auto vectors = (*embedder)->Embed(body->inputs, &tokens);
  if (!vectors.ok()) return fail(400, kErrInvalid, vectors.status().message());
  auto write = [&](core::JsonWriter* w) {
    wire::WriteOpenAiEmbeddingList(*vectors, body->model, tokens, body->base64, w);
  };
  core::JsonWriter w;
  write(&w);
  HttpResponse r;
  r.body = w.Take();
  return r;
}

// GET /v1/models: what OpenAI clients call to list models; installed ids and aliases.
HttpResponse ListModels(ApiContext* ctx) {
  core::JsonWriter w;
  w.BeginObject().Key("object").String("list").Key("data").BeginArray();
  auto model = [&](const std::string& id) {
    w.BeginObject().Key("id").String(id).Key("object").String("model");
    w.Key("created").Int(0).Key("owned_by").String("semble").EndObject();
  };
  for (const std::string& id : ctx->models->Installed()) model(id);
  for (const auto& [alias, target] : ctx->models->aliases()) model(alias);
  w.EndArray().EndObject();
  HttpResponse r;
  r.body = w.Take();
  return r;
}

}  // namespace

void AddAiRoutes(ApiContext* ctx, Router* router) {
  router->Add({"GET", "/v1/models", "openai.models", Scope::kRead,
               [ctx](const HttpRequest&) { return ListModels(ctx); }, /*openai_errors=*/true});
  router->Add({"POST", "/client/v4/accounts/{}/ai/v1/embeddings", "ai.openai_embeddings",
               Scope::kRead, [ctx](const HttpRequest& req) { return OpenAiEmbeddings(ctx, req); },
               /*openai_errors=*/true});
  router->Add({"POST", "/client/v4/accounts/{}/ai/run/{*}", "ai.run", Scope::kRead,
               [ctx](const HttpRequest& req) { return AiRun(ctx, req); }});
  router->Add({"POST", "/v1/embeddings", "openai.embeddings", Scope::kRead,
               [ctx](const HttpRequest& req) { return OpenAiEmbeddings(ctx, req); },
               /*openai_errors=*/true});
}

}  // namespace semble::server
