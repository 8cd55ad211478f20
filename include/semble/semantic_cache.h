// Copyright 2026 The semble Authors.
//
// A semantic cache for model calls: a prompt is answered with the stored response of an earlier
// prompt that means the same, so a model is not asked twice.
//
//   semble::SemanticCacheConfig config;
//   config.model = "all-MiniLM-L6-v2-q4";
//   config.scope_fields = {"model"};
//   auto cache = semble::SemanticCache::Create(db, "answers", config);
//   (*cache)->Store({.prompt = "What is the capital of France?", .response = "Paris.",
//                    .scope = {{"model", "gpt-4o"}}});
//   auto found = (*cache)->Lookup({.prompt = "Which city is France's capital?",
//                                  .scope = {{"model", "gpt-4o"}}});
//   if (found.ok() && found->hit) { ... found->response ... }
//
// A cache is an index of the database (same name, bound to the cache's model): its entries are
// durable records like any other and can be inspected with the index API. Its settings are kept
// with the index, so Open finds them after a restart.
//
// What a semantic cache gets wrong is a false hit: a different question answered with a cached
// answer. Embedding similarity cannot tell "Flights from London to New York" from "Flights from New
// York to London" (cosine 0.99 with the default model), and it rates one-number and negation
// changes as near-identical; bench/RESULTS.md measures it. The number guard (on by default) turns
// a lookup whose prompt's numbers differ from the stored prompt's into a miss; scope fields keep
// answers of different models, system prompts or tenants apart exactly.
//
// Thread safety: all methods may be called from many threads at once.

#ifndef SEMBLE_INCLUDE_SEMBLE_SEMANTIC_CACHE_H_
#define SEMBLE_INCLUDE_SEMBLE_SEMANTIC_CACHE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "semble/database.h"
#include "semble/env.h"
#include "semble/model_registry.h"
#include "semble/status.h"

namespace semble {

struct SemanticCacheConfig {
  // The embedding model that embeds prompts: an installed model id or alias (as for an index);
  // "" is the default model (all-MiniLM-L6-v2). Stored as the installed id.
  std::string model = "";
  // A lookup hits when the cosine similarity of its prompt to a stored prompt is at least this
  // (0 < threshold <= 1). The default keeps false hits at <= 1% on STS-B dev with the default
  // model (bench/RESULTS.md, "Semantic cache").
  double threshold = 0.87;
  // Seconds an entry lives after it is stored, unless Store gives its own; 0 = no expiry. At most
  // Limits::max_ttl_seconds. An expired entry is never a hit (the database hides it at once).
  int64_t default_ttl_seconds = 0;
  // Most entries kept (1..10,000,000). A store beyond it evicts the least recently hit entries
  // (an entry's recency starts when it is stored); expired entries go first and are not counted
  // as evictions.
  uint64_t max_entries = 100000;
  // Names of scope fields (1..64 bytes of [A-Za-z0-9_], at most 8). A lookup finds only entries
  // stored with the same value of every scope field; a field not given counts as "".
  std::vector<std::string> scope_fields;
  // Largest response stored, in bytes (1..256 KiB); Store refuses a larger one.
  uint64_t max_response_bytes = 64 * 1024;
  // A lookup whose prompt mentions other numbers than the stored prompt's (as a multiset of digit
  // runs: "5 miles" vs "50 miles", "2018" vs "2022") misses even above the threshold.
  bool match_numbers = true;
};

struct CacheLookupRequest {
  std::string prompt;                          // 1..Limits-of-text bytes of UTF-8
  std::map<std::string, std::string> scope;    // keys must be configured scope fields
  std::optional<double> threshold;             // overrides the cache's for this lookup
};

struct CacheLookupResult {
  bool hit = false;
  // On a hit: the entry's key, its response, the similarity of the prompts, and the entry's age.
  std::string key;
  std::string response;
  double score = 0;
  int64_t age_ms = 0;
  // The best candidate's similarity even on a miss (0 when the scope holds no entry); shows how
  // close the nearest stored prompt was.
  double best_score = 0;
};

struct CacheStoreRequest {
  std::string prompt;
  std::string response;  // opaque text (a JSON document or plain text)
  std::map<std::string, std::string> scope;
  // Seconds this entry lives (1..Limits::max_ttl_seconds); nullopt takes the cache's
  // default_ttl_seconds.
  std::optional<int64_t> ttl_seconds;
  // Tokens the response cost to produce, for the tokens-saved estimate; 0 = estimate from its
  // length (4 bytes a token).
  uint64_t tokens = 0;
};

struct CacheStats {
  uint64_t lookups = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t stores = 0;
  uint64_t evictions = 0;
  uint64_t invalidations = 0;
  uint64_t entries = 0;
  uint64_t tokens_saved = 0;  // sum over hits of the hit entry's tokens
};

struct CacheDescription {
  std::string name;
  SemanticCacheConfig config;
};

struct SemanticCacheOptions {
  // The clock entries are stamped with and aged by (Env::NowMillis); nullptr: Env::Default(). Use
  // the same Env as the database, whose expiry of entries reads it too.
  Env* env = nullptr;
};

class SemanticCache {
 public:
  // Creates a cache named `name` (an index name) in `db`; `db` and `models` must outlive it, and
  // `models` must be the registry the database embeds with (DatabaseOptions::models). The model
  // must be installed (NotFound, reason kModelNotFound). AlreadyExists when an index or cache of
  // that name exists; InvalidArgument for a config outside its ranges.
  static Result<std::unique_ptr<SemanticCache>> Create(Database* db, ModelRegistry* models,
                                                       const std::string& name,
                                                       const SemanticCacheConfig& config,
                                                       const SemanticCacheOptions& options = {});
  // Opens the existing cache `name`. NotFound (reason kIndexNotFound) when no index of that name
  // exists; InvalidArgument when the index is not a cache.
  static Result<std::unique_ptr<SemanticCache>> Open(Database* db, const std::string& name,
                                                     const SemanticCacheOptions& options = {});
  // The caches of `db`, ordered by name.
  static Result<std::vector<CacheDescription>> List(Database* db);

  virtual ~SemanticCache() = default;

  virtual const CacheDescription& description() const = 0;
  // The closest stored prompt in the request's scope: a hit when its similarity reaches the
  // threshold and the number guard allows it. Counts a lookup and a hit or a miss, and makes a
  // hit entry the most recently used.
  virtual Result<CacheLookupResult> Lookup(const CacheLookupRequest& request) = 0;
  // Stores a prompt and its response, replacing the entry of the same prompt and scope; returns
  // the entry's key. Evicts the least recently hit entries beyond max_entries.
  virtual Result<std::string> Store(const CacheStoreRequest& request) = 0;
  // Removes the entries of these keys; returns how many existed.
  virtual Result<uint64_t> Invalidate(const std::vector<std::string>& keys) = 0;
  // Removes, as one mutation, the entries whose metadata matches a filter (the index filter
  // language over {prompt, response, storedMs, tokens, scope}, e.g. {"scope.model": "gpt-4o"});
  // returns how many. An empty filter is refused (reason kBadFilter): use a cache's DELETE to
  // drop everything.
  virtual Result<uint64_t> InvalidateByFilter(const std::string& filter_json) = 0;
  // Counters since this cache was opened, and its entry count now.
  virtual Result<CacheStats> Stats() const = 0;
};

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_SEMANTIC_CACHE_H_
