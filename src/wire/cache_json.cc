// Copyright 2026 The semble Authors.

#include "wire/cache_json.h"

#include "wire/json_fields.h"

namespace semble::wire {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

Status Missing(std::string_view field) {
  return Status::InvalidArgument("missing field \"" + std::string(field) + "\"")
      .WithReason(Status::Reason::kMissingField);
}

Status GetUint64(std::string_view key, const element& v, uint64_t* out) {
  int64_t i;
  SEMBLE_RETURN_IF_ERROR(fields::GetInt64(key, v, &i));
  if (i < 0) return fields::Bad(key, "a non-negative integer");
  *out = static_cast<uint64_t>(i);
  return Status::OK();
}

}  // namespace

Result<CreateCacheBody> ParseCreateCache(std::string_view body) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, fields::ParseObject(body));
  CreateCacheBody out;
  bool has_name = false;
  SEMBLE_RETURN_IF_ERROR(fields::ForEach(
      obj, {"name", "config"}, [&](std::string_view key, const element& v) -> Status {
        if (key == "name") {
          has_name = true;
          return fields::GetString(key, v, &out.name);
        }
        object config;
        if (v.get(config) != simdjson::SUCCESS) return fields::Bad("config", "an object");
        SemanticCacheConfig& c = out.config;
        return fields::ForEach(
            config,
            {"model", "threshold", "defaultTtlSeconds", "maxEntries", "scopeFields",
             "maxResponseBytes", "matchNumbers"},
            [&](std::string_view k, const element& cv) -> Status {
              if (k == "model") return fields::GetString(k, cv, &c.model);
              if (k == "threshold") return fields::GetDouble(k, cv, &c.threshold);
              if (k == "defaultTtlSeconds") return fields::GetInt64(k, cv, &c.default_ttl_seconds);
              if (k == "maxEntries") return GetUint64(k, cv, &c.max_entries);
              if (k == "scopeFields") return fields::GetStringArray(k, cv, &c.scope_fields);
              if (k == "maxResponseBytes") return GetUint64(k, cv, &c.max_response_bytes);
              return fields::GetBool(k, cv, &c.match_numbers);
            });
      }));
  if (!has_name) return Missing("name");
  return out;
}

Result<CacheLookupRequest> ParseCacheLookup(std::string_view body) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, fields::ParseObject(body));
  CacheLookupRequest out;
  bool has_prompt = false;
  SEMBLE_RETURN_IF_ERROR(fields::ForEach(
      obj, {"prompt", "scope", "threshold"}, [&](std::string_view key, const element& v) -> Status {
        if (key == "prompt") {
          has_prompt = true;
          return fields::GetString(key, v, &out.prompt);
        }
        if (key == "scope") return fields::GetStringMap(key, v, &out.scope);
        double t;
        SEMBLE_RETURN_IF_ERROR(fields::GetDouble(key, v, &t));
        out.threshold = t;
        return Status::OK();
      }));
  if (!has_prompt) return Missing("prompt");
  return out;
}

Result<CacheStoreRequest> ParseCacheStore(std::string_view body) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, fields::ParseObject(body));
  CacheStoreRequest out;
  bool has_prompt = false, has_response = false;
  SEMBLE_RETURN_IF_ERROR(fields::ForEach(
      obj, {"prompt", "response", "scope", "ttl", "tokens"},
      [&](std::string_view key, const element& v) -> Status {
        if (key == "prompt") {
          has_prompt = true;
          return fields::GetString(key, v, &out.prompt);
        }
        if (key == "response") {
          has_response = true;
          return fields::GetString(key, v, &out.response);
        }
        if (key == "scope") return fields::GetStringMap(key, v, &out.scope);
        if (key == "tokens") return GetUint64(key, v, &out.tokens);
        int64_t ttl;
        SEMBLE_RETURN_IF_ERROR(fields::GetInt64(key, v, &ttl));
        out.ttl_seconds = ttl;
        return Status::OK();
      }));
  if (!has_prompt) return Missing("prompt");
  if (!has_response) return Missing("response");
  return out;
}

Result<InvalidateCacheBody> ParseCacheInvalidate(std::string_view body) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, fields::ParseObject(body));
  InvalidateCacheBody out;
  bool has_keys = false, has_filter = false;
  SEMBLE_RETURN_IF_ERROR(fields::ForEach(
      obj, {"keys", "filter"}, [&](std::string_view key, const element& v) -> Status {
        if (key == "keys") {
          has_keys = true;
          return fields::GetStringArray(key, v, &out.keys);
        }
        has_filter = true;
        if (!v.is_object()) return fields::Bad(key, "an object");
        out.filter_json = simdjson::minify(v);
        return Status::OK();
      }));
  if (has_keys == has_filter) {
    return Status::InvalidArgument("give either \"keys\" or \"filter\"")
        .WithReason(Status::Reason::kMissingField);
  }
  return out;
}

void WriteCacheDescription(const CacheDescription& d, core::JsonWriter* w) {
  const SemanticCacheConfig& c = d.config;
  w->BeginObject();
  w->Key("name").String(d.name);
  w->Key("config").BeginObject();
  w->Key("model").String(c.model);
  w->Key("threshold").Double(c.threshold);
  w->Key("defaultTtlSeconds").Int(c.default_ttl_seconds);
  w->Key("maxEntries").Uint(c.max_entries);
  w->Key("scopeFields").BeginArray();
  for (const std::string& f : c.scope_fields) w->String(f);
  w->EndArray();
  w->Key("maxResponseBytes").Uint(c.max_response_bytes);
  w->Key("matchNumbers").Bool(c.match_numbers);
  w->EndObject();
  w->EndObject();
}

void WriteCacheLookup(const CacheLookupResult& r, core::JsonWriter* w) {
  w->BeginObject();
  w->Key("hit").Bool(r.hit);
  if (r.hit) {
    w->Key("key").String(r.key);
    w->Key("response").String(r.response);
    w->Key("score").Double(r.score);
    w->Key("ageMs").Int(r.age_ms);
  }
  w->Key("bestScore").Double(r.best_score);
  w->EndObject();
}

void WriteCacheStats(const CacheStats& s, core::JsonWriter* w) {
  w->BeginObject();
  w->Key("lookups").Uint(s.lookups);
  w->Key("hits").Uint(s.hits);
  w->Key("misses").Uint(s.misses);
  w->Key("stores").Uint(s.stores);
  w->Key("evictions").Uint(s.evictions);
  w->Key("invalidations").Uint(s.invalidations);
  w->Key("entries").Uint(s.entries);
  w->Key("tokensSaved").Uint(s.tokens_saved);
  w->EndObject();
}

}  // namespace semble::wire
