// Copyright 2026 The semble Authors.
//
// semble cache create NAME [--model ID] [--threshold T] [--ttl SECONDS] [--max-entries N]
//                          [--scope-field F]... [--max-response-bytes N] [--no-number-guard]
// semble cache list
// semble cache show NAME
// semble cache lookup NAME PROMPT [--scope FIELD=VALUE]... [--threshold T]
// semble cache store NAME PROMPT RESPONSE [--scope FIELD=VALUE]... [--ttl SECONDS]
// semble cache invalidate NAME (--key KEY... | --filter JSON)
// semble cache delete NAME
//
// Semantic caches (semble/semantic_cache.h) in the local data directory. A running server holds
// the directory: talk to it through its cache routes instead (docs/API.md).

#include <CLI/CLI.hpp>
#include <cinttypes>
#include <cstdio>
#include <functional>

#include "cli.h"
#include "core/json_writer.h"
#include "embed_cli.h"
#include "semble/semantic_cache.h"
#include "wire/cache_json.h"

namespace semble::cli {
namespace {

struct CacheArgs {
  std::string name;
  std::string prompt;
  std::string response;
  std::string model;
  std::optional<double> threshold;
  std::optional<int64_t> ttl;
  uint64_t max_entries = SemanticCacheConfig{}.max_entries;
  uint64_t max_response_bytes = SemanticCacheConfig{}.max_response_bytes;
  std::vector<std::string> scope_fields;
  std::vector<std::string> scope;  // FIELD=VALUE
  std::vector<std::string> keys;
  std::string filter;
  bool no_number_guard = false;
};

Result<std::unique_ptr<Database>> OpenLocal(const Context& ctx, bool create) {
  if (!ctx.url.empty()) {
    return Status::FailedPrecondition(
        "cache verbs work on a local data directory; a server's caches are under its "
        "/client/v4/accounts/{account}/vectorize/v2/caches routes");
  }
  return OpenDatabase(ctx, create);
}

Result<std::map<std::string, std::string>> ParseScope(const std::vector<std::string>& pairs) {
  std::map<std::string, std::string> out;
  for (const std::string& p : pairs) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--scope takes FIELD=VALUE, got \"" + p + "\"");
    }
    out[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return out;
}

// The verb's result: a JSON document with --json, else text for people.
void Print(const Context& ctx, const std::function<void(core::JsonWriter*)>& json,
           const std::function<void()>& text) {
  if (!ctx.json) return text();
  core::JsonWriter w;
  json(&w);
  PrintJson(w.str());
}

void PrintDescription(const Context& ctx, const CacheDescription& d) {
  if (ctx.json) {
    core::JsonWriter w;
    wire::WriteCacheDescription(d, &w);
    return PrintJson(w.str());
  }
  const SemanticCacheConfig& c = d.config;
  std::string fields;
  for (const std::string& f : c.scope_fields) fields += (fields.empty() ? "" : ",") + f;
  std::printf("%s  model %s  threshold %.3f  ttl %" PRId64 " s  max %" PRIu64
              " entries  scope [%s]  numbers %s\n",
              d.name.c_str(), c.model.c_str(), c.threshold, c.default_ttl_seconds, c.max_entries,
              fields.c_str(), c.match_numbers ? "guarded" : "free");
}

int RunCreate(const Context& ctx, const CacheArgs& a) {
  auto db = OpenLocal(ctx, /*create=*/true);
  if (!db.ok()) return Fail(db.status());
  SemanticCacheConfig config;
  config.model = a.model;
  if (a.threshold) config.threshold = *a.threshold;
  if (a.ttl) config.default_ttl_seconds = *a.ttl;
  config.max_entries = a.max_entries;
  config.max_response_bytes = a.max_response_bytes;
  config.scope_fields = a.scope_fields;
  config.match_numbers = !a.no_number_guard;
  auto cache = SemanticCache::Create(db->get(), LocalModels(ctx), a.name, config);
  if (!cache.ok()) return Fail(cache.status());
  PrintDescription(ctx, (*cache)->description());
  return kExitOk;
}

int RunList(const Context& ctx) {
  auto db = OpenLocal(ctx, /*create=*/false);
  if (!db.ok()) return Fail(db.status());
  auto list = SemanticCache::List(db->get());
  if (!list.ok()) return Fail(list.status());
  Print(
      ctx,
      [&](core::JsonWriter* w) {
        w->BeginArray();
        for (const CacheDescription& d : *list) wire::WriteCacheDescription(d, w);
        w->EndArray();
      },
      [&] {
        for (const CacheDescription& d : *list) PrintDescription(ctx, d);
      });
  return kExitOk;
}

// Opens the database and the cache, then runs fn(cache).
template <typename Fn>
int WithCache(const Context& ctx, const std::string& name, Fn fn) {
  auto db = OpenLocal(ctx, /*create=*/false);
  if (!db.ok()) return Fail(db.status());
  auto cache = SemanticCache::Open(db->get(), name);
  if (!cache.ok()) return Fail(cache.status());
  return fn(**cache);
}

int RunShow(const Context& ctx, const CacheArgs& a) {
  return WithCache(ctx, a.name, [&](SemanticCache& cache) -> int {
    auto stats = cache.Stats();
    if (!stats.ok()) return Fail(stats.status());
    Print(
        ctx,
        [&](core::JsonWriter* w) {
          w->BeginObject().Key("cache");
          wire::WriteCacheDescription(cache.description(), w);
          w->Key("entries").Uint(stats->entries).EndObject();
        },
        [&] {
          PrintDescription(ctx, cache.description());
          std::printf("%" PRIu64 " entries\n", stats->entries);
        });
    return kExitOk;
  });
}

int RunLookup(const Context& ctx, const CacheArgs& a) {
  auto scope = ParseScope(a.scope);
  if (!scope.ok()) return Fail(scope.status());
  return WithCache(ctx, a.name, [&](SemanticCache& cache) -> int {
    CacheLookupRequest lookup;
    lookup.prompt = a.prompt;
    lookup.scope = *scope;
    lookup.threshold = a.threshold;
    auto r = cache.Lookup(lookup);
    if (!r.ok()) return Fail(r.status());
    Print(
        ctx, [&](core::JsonWriter* w) { wire::WriteCacheLookup(*r, w); },
        [&] {
          if (r->hit) {
            std::printf("hit (score %.4f, %" PRId64 " ms old, key %s)\n%s\n", r->score,
                        r->age_ms, r->key.c_str(), r->response.c_str());
          } else {
            std::printf("miss (closest %.4f)\n", r->best_score);
          }
        });
    return kExitOk;
  });
}

int RunStore(const Context& ctx, const CacheArgs& a) {
  auto scope = ParseScope(a.scope);
  if (!scope.ok()) return Fail(scope.status());
  return WithCache(ctx, a.name, [&](SemanticCache& cache) -> int {
    CacheStoreRequest store;
    store.prompt = a.prompt;
    store.response = a.response;
    store.scope = *scope;
    store.ttl_seconds = a.ttl;
    auto key = cache.Store(store);
    if (!key.ok()) return Fail(key.status());
    Print(
        ctx, [&](core::JsonWriter* w) { w->BeginObject().Key("key").String(*key).EndObject(); },
        [&] { std::printf("%s\n", key->c_str()); });
    return kExitOk;
  });
}

int RunInvalidate(const Context& ctx, const CacheArgs& a) {
  if (a.keys.empty() == a.filter.empty()) return UsageError("give either --key or --filter");
  return WithCache(ctx, a.name, [&](SemanticCache& cache) -> int {
    auto n = a.filter.empty() ? cache.Invalidate(a.keys) : cache.InvalidateByFilter(a.filter);
    if (!n.ok()) return Fail(n.status());
    Print(
        ctx, [&](core::JsonWriter* w) { w->BeginObject().Key("count").Uint(*n).EndObject(); },
        [&] { std::printf("%" PRIu64 " entries removed\n", *n); });
    return kExitOk;
  });
}

int RunDelete(const Context& ctx, const CacheArgs& a) {
  auto db = OpenLocal(ctx, /*create=*/false);
  if (!db.ok()) return Fail(db.status());
  // Only a cache: this verb must not delete an ordinary index by mistake.
  if (auto cache = SemanticCache::Open(db->get(), a.name); !cache.ok()) return Fail(cache.status());
  Status s = (*db)->DeleteIndex(a.name);
  if (!s.ok()) return Fail(s);
  if (!ctx.json) std::printf("deleted cache \"%s\"\n", a.name.c_str());
  return kExitOk;
}

}  // namespace

CLI::App* AddCacheCommands(CLI::App* app, Context* ctx) {
  CLI::App* group = app->add_subcommand("cache", "Semantic caches for model calls");
  group->require_subcommand(1);
  auto verb = [&](const char* name, const char* help, auto run, bool named = true) {
    auto a = std::make_shared<CacheArgs>();
    CLI::App* v = group->add_subcommand(name, help);
    if (named) v->add_option("name", a->name, "Name of the cache")->required();
    AddJsonFlag(v, ctx);
    v->callback([a, ctx, run] { ctx->action = [a, ctx, run] { return run(*ctx, *a); }; });
    return std::make_pair(v, a);
  };
  {
    auto [v, a] = verb("create", "Create a semantic cache", RunCreate);
    v->add_option("--model", a->model, "Embedding model (default: all-MiniLM-L6-v2)");
    v->add_option("--threshold", a->threshold, "Similarity for a hit, in (0, 1] (default 0.87)");
    v->add_option("--ttl", a->ttl, "Seconds an entry lives (default: no expiry)");
    v->add_option("--max-entries", a->max_entries, "Most entries kept (default 100000)");
    v->add_option("--scope-field", a->scope_fields, "A field whose value must match (repeatable)");
    v->add_option("--max-response-bytes", a->max_response_bytes,
                  "Largest response stored (default 65536)");
    v->add_flag("--no-number-guard", a->no_number_guard,
                "Let prompts with other numbers hit (\"5 miles\" / \"50 miles\")");
  }
  verb("list", "List the semantic caches", [](const Context& c, const CacheArgs&) { return RunList(c); },
       /*named=*/false);
  verb("show", "Show a cache's settings and entry count", RunShow);
  {
    auto [v, a] = verb("lookup", "Look a prompt up", RunLookup);
    v->add_option("prompt", a->prompt, "The prompt")->required();
    v->add_option("--scope", a->scope, "FIELD=VALUE (repeatable)");
    v->add_option("--threshold", a->threshold, "This lookup's threshold");
  }
  {
    auto [v, a] = verb("store", "Store a prompt and its response", RunStore);
    v->add_option("prompt", a->prompt, "The prompt")->required();
    v->add_option("response", a->response, "The response")->required();
    v->add_option("--scope", a->scope, "FIELD=VALUE (repeatable)");
    v->add_option("--ttl", a->ttl, "Seconds this entry lives");
  }
  {
    auto [v, a] = verb("invalidate", "Remove entries by key or by a metadata filter", RunInvalidate);
    v->add_option("--key", a->keys, "An entry's key (repeatable)");
    v->add_option("--filter", a->filter, "A filter over the entries' metadata, as JSON");
  }
  verb("delete", "Delete a cache and its entries", RunDelete);
  return group;
}

}  // namespace semble::cli
