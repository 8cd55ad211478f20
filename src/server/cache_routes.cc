// Copyright 2026 The semble Authors.
//
// Semantic caches (semble/semantic_cache.h) under /client/v4/accounts/{account_id}/vectorize/v2/
// caches, beside the Vectorize routes and in the same v4 envelope: create, list, describe, delete,
// lookup, store, invalidate and stats. A cache is also an index of the same name, so the Vectorize
// routes can inspect its entries.

#include "db/validation.h"
#include "server/api.h"
#include "server/cache_set.h"
#include "server/envelope.h"
#include "wire/cache_json.h"

namespace semble::server {
namespace {

constexpr char kPrefix[] = "/client/v4/accounts/{}/vectorize/v2/caches";

class CacheApi {
 public:
  explicit CacheApi(ApiContext* ctx) : ctx_(ctx) {}

  HttpResponse Create(const HttpRequest& req) {
    if (auto bad = CheckAccount(req)) return *bad;
    auto body = wire::ParseCreateCache(req.body);
    if (!body.ok()) return FromStatus(body.status());
    if (Status s = db::ValidateIndexName(body->name, ctx_->limits); !s.ok()) {
      return Error(400, kErrInvalid, s.message());
    }
    auto cache = ctx_->caches->Create(body->name, body->config);
    if (!cache.ok()) return FromStatus(cache.status());
    return Ok([&](core::JsonWriter* w) { wire::WriteCacheDescription((*cache)->description(), w); });
  }

  HttpResponse List(const HttpRequest& req) {
    if (auto bad = CheckAccount(req)) return *bad;
    auto list = ctx_->caches->List();
    if (!list.ok()) return FromStatus(list.status());
    return Ok([&](core::JsonWriter* w) {
      w->BeginArray();
      for (const CacheDescription& d : *list) wire::WriteCacheDescription(d, w);
      w->EndArray();
    });
  }

  HttpResponse Describe(const HttpRequest& req) {
    return WithCache(req, [&](SemanticCache& cache) {
      return Ok([&](core::JsonWriter* w) { wire::WriteCacheDescription(cache.description(), w); });
    });
  }

  HttpResponse Delete(const HttpRequest& req) {
    if (auto bad = CheckName(req)) return *bad;
    Status s = ctx_->caches->Delete(req.captures[1]);
    if (!s.ok()) return FromStatus(s);
    return Ok([](core::JsonWriter* w) { w->Null(); });
  }

  HttpResponse Lookup(const HttpRequest& req) {
    auto lookup = wire::ParseCacheLookup(req.body);
    if (!lookup.ok()) return FromStatus(lookup.status());
    return WithCache(req, [&](SemanticCache& cache) {
      auto r = cache.Lookup(*lookup);
      if (!r.ok()) return FromStatus(r.status());
      return Ok([&](core::JsonWriter* w) { wire::WriteCacheLookup(*r, w); });
    });
  }

  HttpResponse Store(const HttpRequest& req) {
    auto store = wire::ParseCacheStore(req.body);
    if (!store.ok()) return FromStatus(store.status());
    return WithCache(req, [&](SemanticCache& cache) {
      auto key = cache.Store(*store);
      if (!key.ok()) return FromStatus(key.status());
      return Ok([&](core::JsonWriter* w) { w->BeginObject().Key("key").String(*key).EndObject(); });
    });
  }

  HttpResponse Invalidate(const HttpRequest& req) {
    auto body = wire::ParseCacheInvalidate(req.body);
    if (!body.ok()) return FromStatus(body.status());
    return WithCache(req, [&](SemanticCache& cache) {
      auto n = body->filter_json.empty() ? cache.Invalidate(body->keys)
                                         : cache.InvalidateByFilter(body->filter_json);
      if (!n.ok()) return FromStatus(n.status());
      return Ok([&](core::JsonWriter* w) { w->BeginObject().Key("count").Uint(*n).EndObject(); });
    });
  }

  HttpResponse Stats(const HttpRequest& req) {
    return WithCache(req, [&](SemanticCache& cache) {
      auto s = cache.Stats();
      if (!s.ok()) return FromStatus(s.status());
      return Ok([&](core::JsonWriter* w) { wire::WriteCacheStats(*s, w); });
    });
  }

 private:
  static std::optional<HttpResponse> CheckAccount(const HttpRequest& req) {
    if (!ValidAccountId(req.captures[0])) {
      return Error(400, kErrInvalid, "account id must be 1 to 64 letters, digits, '-' or '_'");
    }
    return std::nullopt;
  }
  std::optional<HttpResponse> CheckName(const HttpRequest& req) const {
    if (auto bad = CheckAccount(req)) return bad;
    if (Status s = db::ValidateIndexName(req.captures[1], ctx_->limits); !s.ok()) {
      return Error(400, kErrInvalid, s.message());
    }
    return std::nullopt;
  }

  // Runs fn on the open cache the path names. A handle whose index was deleted (or replaced)
  // through the index routes answers NotFound; it is dropped and the name opened once more.
  template <typename Fn>
  HttpResponse WithCache(const HttpRequest& req, Fn fn) {
    if (auto bad = CheckName(req)) return *bad;
    const std::string& name = req.captures[1];
    for (int attempt = 0;; ++attempt) {
      auto cache = ctx_->caches->Get(name);
      if (!cache.ok()) return FromStatus(cache.status());
      HttpResponse r = fn(**cache);
      if (r.status != 404 || attempt == 1) return r;
      ctx_->caches->Forget(name);
    }
  }

  ApiContext* ctx_;
};

}  // namespace

void AddCacheRoutes(ApiContext* ctx, Router* router) {
  if (ctx->caches == nullptr) return;
  auto api = std::make_shared<CacheApi>(ctx);
  const std::string p = kPrefix;
  auto add = [&](const char* method, const std::string& pattern, const char* name, Scope scope,
                 HttpResponse (CacheApi::*fn)(const HttpRequest&)) {
    AddMemberRoute(router, api, method, p + pattern, name, scope, fn);
  };
  add("POST", "", "cache.create", Scope::kWrite, &CacheApi::Create);
  add("GET", "", "cache.list", Scope::kRead, &CacheApi::List);
  add("GET", "/{}", "cache.get", Scope::kRead, &CacheApi::Describe);
  add("DELETE", "/{}", "cache.delete", Scope::kWrite, &CacheApi::Delete);
  // A lookup changes only counters and recency: a read token may look up.
  add("POST", "/{}/lookup", "cache.lookup", Scope::kRead, &CacheApi::Lookup);
  add("POST", "/{}/store", "cache.store", Scope::kWrite, &CacheApi::Store);
  add("POST", "/{}/invalidate", "cache.invalidate", Scope::kWrite, &CacheApi::Invalidate);
  add("GET", "/{}/stats", "cache.stats", Scope::kRead, &CacheApi::Stats);
}

}  // namespace semble::server
