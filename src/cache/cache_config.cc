// Copyright 2026 The semble Authors.

#include "cache/cache_config.h"

#include <simdjson.h>

#include <cmath>
#include <set>

#include "core/json_parse.h"
#include "core/json_writer.h"
#include "semble/options.h"

namespace semble::cache {
namespace {

bool IsFieldName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Status ValidateCacheConfig(const SemanticCacheConfig& c) {
  if (!(c.threshold > 0 && c.threshold <= 1)) {
    return Status::InvalidArgument("cache threshold must be in (0, 1]");
  }
  if (c.default_ttl_seconds < 0 || c.default_ttl_seconds > Limits{}.max_ttl_seconds) {
    return Status::InvalidArgument("cache defaultTtlSeconds must be 0 (no expiry) up to " +
                                   std::to_string(Limits{}.max_ttl_seconds));
  }
  if (c.max_entries < 1 || c.max_entries > kMaxEntries) {
    return Status::InvalidArgument("cache maxEntries must be 1.." + std::to_string(kMaxEntries));
  }
  if (c.max_response_bytes < 1 || c.max_response_bytes > kMaxResponseBytes) {
    return Status::InvalidArgument("cache maxResponseBytes must be 1.." +
                                   std::to_string(kMaxResponseBytes));
  }
  if (c.scope_fields.size() > kMaxScopeFields) {
    return Status::InvalidArgument("a cache has at most " + std::to_string(kMaxScopeFields) +
                                   " scope fields");
  }
  std::set<std::string> seen;
  for (const std::string& f : c.scope_fields) {
    if (!IsFieldName(f)) {
      return Status::InvalidArgument("scope field \"" + f +
                                     "\" must be 1..64 characters of [A-Za-z0-9_]");
    }
    if (!seen.insert(f).second) {
      return Status::InvalidArgument("scope field \"" + f + "\" is given twice");
    }
  }
  return Status::OK();
}

std::string CacheConfigToJson(const SemanticCacheConfig& c) {
  core::JsonWriter w;
  w.BeginObject();
  w.Key("model").String(c.model);
  w.Key("threshold").Double(c.threshold);
  w.Key("defaultTtlSeconds").Int(c.default_ttl_seconds);
  w.Key("maxEntries").Uint(c.max_entries);
  w.Key("scopeFields").BeginArray();
  for (const std::string& f : c.scope_fields) w.String(f);
  w.EndArray();
  w.Key("maxResponseBytes").Uint(c.max_response_bytes);
  w.Key("matchNumbers").Bool(c.match_numbers);
  w.EndObject();
  return w.Take();
}

Result<SemanticCacheConfig> CacheConfigFromJson(std::string_view json) {
  auto bad = [](std::string_view what) {
    return Status::Corruption("stored cache settings: " + std::string(what));
  };
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (core::ParseJson(parser, json, &root) != simdjson::SUCCESS) return bad("not JSON");
  simdjson::dom::object o;
  if (root.get_object().get(o) != simdjson::SUCCESS) return bad("not an object");
  SemanticCacheConfig c;
  std::string_view model;
  int64_t ttl;
  uint64_t entries, bytes;
  bool numbers;
  simdjson::dom::array fields;
  if (o["model"].get_string().get(model) || o["threshold"].get_double().get(c.threshold) ||
      o["defaultTtlSeconds"].get_int64().get(ttl) || o["maxEntries"].get_uint64().get(entries) ||
      o["scopeFields"].get_array().get(fields) ||
      o["maxResponseBytes"].get_uint64().get(bytes) || o["matchNumbers"].get_bool().get(numbers)) {
    return bad("a field is missing or of the wrong type");
  }
  c.model.assign(model);
  c.default_ttl_seconds = ttl;
  c.max_entries = entries;
  c.max_response_bytes = bytes;
  c.match_numbers = numbers;
  for (simdjson::dom::element f : fields) {
    std::string_view name;
    if (f.get_string().get(name)) return bad("a scope field is not a string");
    c.scope_fields.emplace_back(name);
  }
  Status valid = ValidateCacheConfig(c);
  if (!valid.ok()) return bad(valid.message());
  return c;
}

uint64_t CacheMetadataBytes(const SemanticCacheConfig& c) {
  // JSON escaping can grow text up to 6x (\u00XX for control bytes); prompts and responses of
  // ordinary text grow little. The limit counts the escaped form, so leave room for escaping
  // without letting one entry grow unbounded: twice the raw sizes plus the other fields.
  const uint64_t scope = c.scope_fields.size() * (64 + 2 * kMaxScopeValueBytes + 8);
  return 2 * (kMaxPromptBytes + c.max_response_bytes) + scope + 1024;
}

}  // namespace semble::cache
