// Copyright 2026 The semble Authors.
//
// The semantic cache on top of the public Database API. An entry is a record of the cache's index:
//   id        = the entry's key, the content hash of (scope, prompt), so storing the same prompt in
//               the same scope again replaces the entry;
//   text      = the prompt, which the index embeds with the cache's model;
//   namespace = the content hash of the scope, so that a lookup searches its scope only and
//               scopes never mix, whatever their sizes;
//   metadata  = {"prompt", "response", "storedMs", "tokens", "scope": {field: value}}.
// Recency for eviction is kept in memory (a hit would otherwise be a write) and rebuilt from the
// entries' store times when the cache is opened.

#include <simdjson.h>

#include <algorithm>
#include <list>
#include <mutex>
#include <unordered_map>

#include "cache/cache_config.h"
#include "cache/prompt_numbers.h"
#include "core/json_parse.h"
#include "core/json_writer.h"
#include "core/utf8.h"
#include "semble/semantic_cache.h"
#include "storage/content_hash.h"

namespace semble {
namespace {

// Candidates a lookup checks against the number guard, best first. A candidate the guard refuses
// is usually a near-copy of the prompt with another number; a few more cover several of those.
constexpr uint32_t kLookupCandidates = 8;
// Ids per GetByIds call while rebuilding recency on Open.
constexpr size_t kOpenBatch = 256;

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Every configured field, in configured order, with "" for the ones not given. Refuses fields that
// are not configured (a typo would otherwise silently widen the scope to "all").
Result<std::vector<std::pair<std::string, std::string>>> FullScope(
    const SemanticCacheConfig& config, const std::map<std::string, std::string>& given) {
  for (const auto& [field, value] : given) {
    if (std::find(config.scope_fields.begin(), config.scope_fields.end(), field) ==
        config.scope_fields.end()) {
      return Status::InvalidArgument("scope field " + Quote(field) +
                                     " is not one of the cache's scope fields");
    }
    if (value.size() > cache::kMaxScopeValueBytes || !core::IsValidUtf8(value)) {
      return Status::InvalidArgument("scope field " + Quote(field) + " must be at most " +
                                     std::to_string(cache::kMaxScopeValueBytes) +
                                     " bytes of UTF-8");
    }
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& field : config.scope_fields) {
    auto it = given.find(field);
    out.emplace_back(field, it == given.end() ? "" : it->second);
  }
  return out;
}

// Length-prefixed, so that no two different scopes (or scope + prompt pairs) hash the same input.
std::string ScopeBytes(const std::vector<std::pair<std::string, std::string>>& scope) {
  std::string out;
  for (const auto& [field, value] : scope) {
    out += std::to_string(field.size()) + ":" + field + std::to_string(value.size()) + ":" + value;
  }
  return out;
}

Status CheckPrompt(std::string_view prompt) {
  if (prompt.empty()) return Status::InvalidArgument("prompt is empty");
  if (prompt.size() > cache::kMaxPromptBytes) {
    return Status::InvalidArgument("prompt is " + std::to_string(prompt.size()) +
                                   " bytes, the limit is " +
                                   std::to_string(cache::kMaxPromptBytes));
  }
  if (!core::IsValidUtf8(prompt)) return Status::InvalidArgument("prompt is not valid UTF-8");
  return Status::OK();
}

struct StoredEntry {
  std::string prompt;
  std::string response;
  int64_t stored_ms = 0;
  uint64_t tokens = 0;
};

Result<StoredEntry> ParseEntry(std::string_view metadata_json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object o;
  std::string_view prompt, response;
  int64_t stored;
  uint64_t tokens;
  if (core::ParseJson(parser, metadata_json, &root) != simdjson::SUCCESS ||
      root.get_object().get(o) || o["prompt"].get_string().get(prompt) ||
      o["response"].get_string().get(response) || o["storedMs"].get_int64().get(stored) ||
      o["tokens"].get_uint64().get(tokens)) {
    return Status::Corruption("a cache entry's metadata is not a cache entry");
  }
  return StoredEntry{std::string(prompt), std::string(response), stored, tokens};
}

class SemanticCacheImpl final : public SemanticCache {
 public:
  SemanticCacheImpl(std::shared_ptr<Index> index, CacheDescription description, Env* env)
      : index_(std::move(index)), description_(std::move(description)), env_(env) {}

  const CacheDescription& description() const override { return description_; }

  // Fills recency from the stored entries, oldest first (replacing what it held).
  Status Load() {
    struct Loaded {
      int64_t stored_ms;
      std::string key;
      int64_t expires_at_ms;
      bool operator<(const Loaded& o) const {
        return stored_ms != o.stored_ms ? stored_ms < o.stored_ms : key < o.key;
      }
    };
    std::vector<Loaded> entries;
    ListRequest list;
    list.count = 1000;
    while (true) {
      SEMBLE_ASSIGN_OR_RETURN(ListResult page, index_->List(list));
      for (size_t i = 0; i < page.ids.size(); i += kOpenBatch) {
        const size_t n = std::min(kOpenBatch, page.ids.size() - i);
        SEMBLE_ASSIGN_OR_RETURN(auto records,
                                index_->GetByIds(std::span(page.ids).subspan(i, n)));
        for (const VectorRecord& r : records) {
          auto e = ParseEntry(r.metadata_json);
          // Not a cache entry (written through the index API): it is never a hit, but it counts
          // towards the size bound like any entry, oldest of all.
          entries.push_back({e.ok() ? e->stored_ms : 0, r.id, r.expires_at_ms});
        }
      }
      if (page.next_cursor.empty()) break;
      list.cursor = page.next_cursor;
    }
    std::sort(entries.begin(), entries.end());
    std::lock_guard lock(mu_);
    order_.clear();
    recency_.clear();
    for (const Loaded& e : entries) Touch(e.key, e.expires_at_ms);
    return Status::OK();
  }

  Result<CacheLookupResult> Lookup(const CacheLookupRequest& request) override {
    const SemanticCacheConfig& config = description_.config;
    SEMBLE_RETURN_IF_ERROR(CheckPrompt(request.prompt));
    const double threshold = request.threshold.value_or(config.threshold);
    if (!(threshold > 0 && threshold <= 1)) {
      return Status::InvalidArgument("threshold must be in (0, 1]");
    }
    SEMBLE_ASSIGN_OR_RETURN(auto scope, FullScope(config, request.scope));
    QueryRequest query;
    query.text = request.prompt;
    query.top_k = kLookupCandidates;
    query.ns = storage::ContentHash(ScopeBytes(scope));
    query.return_metadata = ReturnMetadata::kAll;
    SEMBLE_ASSIGN_OR_RETURN(QueryResult found, index_->Query(query));
    CacheLookupResult out;
    if (!found.matches.empty()) out.best_score = found.matches[0].score;
    for (const QueryMatch& m : found.matches) {
      if (m.score < threshold) break;
      auto entry = ParseEntry(m.metadata_json);
      if (!entry.ok()) continue;
      if (config.match_numbers && !cache::SameNumbers(request.prompt, entry->prompt)) continue;
      out.hit = true;
      out.key = m.id;
      out.response = std::move(entry->response);
      out.score = m.score;
      out.age_ms = std::max<int64_t>(0, env_->NowMillis() - entry->stored_ms);
      std::lock_guard lock(mu_);
      ++stats_.lookups;
      ++stats_.hits;
      stats_.tokens_saved += entry->tokens;
      if (auto it = recency_.find(m.id); it != recency_.end()) Touch(m.id, it->second->expires_at_ms);
      return out;
    }
    std::lock_guard lock(mu_);
    ++stats_.lookups;
    ++stats_.misses;
    return out;
  }

  Result<std::string> Store(const CacheStoreRequest& request) override {
    const SemanticCacheConfig& config = description_.config;
    SEMBLE_RETURN_IF_ERROR(CheckPrompt(request.prompt));
    if (request.response.size() > config.max_response_bytes) {
      return Status::InvalidArgument("response is " + std::to_string(request.response.size()) +
                                     " bytes, the cache's limit is " +
                                     std::to_string(config.max_response_bytes));
    }
    if (!core::IsValidUtf8(request.response)) {
      return Status::InvalidArgument("response is not valid UTF-8");
    }
    if (request.ttl_seconds && (*request.ttl_seconds < 1 ||
                                *request.ttl_seconds > Limits{}.max_ttl_seconds)) {
      return Status::InvalidArgument("ttl must be 1 second up to " +
                                     std::to_string(Limits{}.max_ttl_seconds) + " seconds");
    }
    SEMBLE_ASSIGN_OR_RETURN(auto scope, FullScope(config, request.scope));
    const std::string scope_bytes = ScopeBytes(scope);
    const std::string key = storage::ContentHash(
        std::to_string(scope_bytes.size()) + ":" + scope_bytes + request.prompt);
    const int64_t now = env_->NowMillis();
    const uint64_t tokens =
        request.tokens != 0 ? request.tokens : (request.response.size() + 3) / 4;
    core::JsonWriter w;
    w.BeginObject();
    w.Key("prompt").String(request.prompt);
    w.Key("response").String(request.response);
    w.Key("storedMs").Int(now);
    w.Key("tokens").Uint(tokens);
    if (!scope.empty()) {
      w.Key("scope").BeginObject();
      for (const auto& [field, value] : scope) w.Key(field).String(value);
      w.EndObject();
    }
    w.EndObject();
    VectorRecord record;
    record.id = key;
    record.text = request.prompt;
    record.ns = storage::ContentHash(scope_bytes);
    record.metadata_json = w.Take();
    if (record.metadata_json.size() > cache::CacheMetadataBytes(config)) {
      return Status::InvalidArgument("the entry is " + std::to_string(record.metadata_json.size()) +
                                     " bytes once JSON-escaped, more than the cache stores");
    }
    const int64_t ttl = request.ttl_seconds.value_or(config.default_ttl_seconds);
    // The database expires the entry and hides it from lookups from then on.
    if (ttl > 0) record.ttl_seconds = ttl;
    SEMBLE_RETURN_IF_ERROR(index_->Upsert(std::span(&record, 1)).status());
    std::vector<std::string> evicted;
    {
      std::lock_guard lock(mu_);
      ++stats_.stores;
      // The expiry the database computed from the same clock (close enough for choosing what to
      // drop: an entry a few ms from expiry is as good as gone).
      Touch(key, ttl > 0 ? now + ttl * 1000 : 0);
      const int64_t clock = env_->NowMillis();
      while (recency_.size() > config.max_entries) {
        const Recent& oldest = order_.front();
        // An expired entry is already gone for every reader: dropping it evicts nothing.
        const bool expired = oldest.expires_at_ms != 0 && oldest.expires_at_ms <= clock;
        if (!expired) evicted.push_back(oldest.key);
        recency_.erase(oldest.key);
        order_.pop_front();
      }
      stats_.evictions += evicted.size();
    }
    if (!evicted.empty()) SEMBLE_RETURN_IF_ERROR(index_->DeleteByIds(evicted).status());
    return key;
  }

  Result<uint64_t> Invalidate(const std::vector<std::string>& keys) override {
    if (keys.empty()) return uint64_t{0};
    SEMBLE_ASSIGN_OR_RETURN(auto present, index_->GetByIds(keys));
    std::vector<std::string> ids;
    for (const VectorRecord& r : present) ids.push_back(r.id);
    if (!ids.empty()) SEMBLE_RETURN_IF_ERROR(index_->DeleteByIds(ids).status());
    std::lock_guard lock(mu_);
    for (const std::string& id : ids) Forget(id);
    stats_.invalidations += ids.size();
    return static_cast<uint64_t>(ids.size());
  }

  Result<uint64_t> InvalidateByFilter(const std::string& filter_json) override {
    FilterMutation request;
    request.filter_json = filter_json;
    SEMBLE_ASSIGN_OR_RETURN(MutationResult done, index_->DeleteByFilter(request));
    // Which keys went is not returned; the recency list is read again from what is left.
    SEMBLE_RETURN_IF_ERROR(Load());
    std::lock_guard lock(mu_);
    stats_.invalidations += done.count;
    return done.count;
  }

  Result<CacheStats> Stats() const override {
    SEMBLE_ASSIGN_OR_RETURN(IndexInfo info, index_->Info());
    std::lock_guard lock(mu_);
    CacheStats out = stats_;
    out.entries = info.vector_count;
    return out;
  }

 private:
  struct Recent {
    std::string key;
    int64_t expires_at_ms;  // 0 = never
  };

  // Makes key the most recently used. Caller holds mu_.
  void Touch(const std::string& key, int64_t expires_at_ms) {
    auto it = recency_.find(key);
    if (it != recency_.end()) {
      it->second->expires_at_ms = expires_at_ms;
      order_.splice(order_.end(), order_, it->second);
    } else {
      recency_.emplace(key, order_.insert(order_.end(), Recent{key, expires_at_ms}));
    }
  }
  void Forget(const std::string& key) {
    auto it = recency_.find(key);
    if (it == recency_.end()) return;
    order_.erase(it->second);
    recency_.erase(it);
  }

  std::shared_ptr<Index> index_;
  CacheDescription description_;
  Env* env_;
  mutable std::mutex mu_;  // guards everything below
  std::list<Recent> order_;  // least recently used first
  std::unordered_map<std::string, std::list<Recent>::iterator> recency_;
  CacheStats stats_;
};

Result<CacheDescription> DescribeCache(const IndexDescription& index) {
  if (index.config.cache_json.empty()) {
    return Status::InvalidArgument("index " + Quote(index.name) + " is not a semantic cache");
  }
  SEMBLE_ASSIGN_OR_RETURN(SemanticCacheConfig config,
                          cache::CacheConfigFromJson(index.config.cache_json));
  return CacheDescription{index.name, std::move(config)};
}

}  // namespace

Result<std::unique_ptr<SemanticCache>> SemanticCache::Create(Database* db, ModelRegistry* models,
                                                             const std::string& name,
                                                             const SemanticCacheConfig& config,
                                                             const SemanticCacheOptions& options) {
  if (models == nullptr) {
    return Status::FailedPrecondition("a semantic cache needs the database's model registry");
  }
  SEMBLE_RETURN_IF_ERROR(cache::ValidateCacheConfig(config));
  SEMBLE_ASSIGN_OR_RETURN(
      std::string model,
      models->Canonical(config.model.empty() ? kDefaultModelAliases[0] : config.model));
  SEMBLE_ASSIGN_OR_RETURN(Embedder * embedder, models->Get(model, Pooling::kMean));
  SemanticCacheConfig stored = config;
  stored.model = model;
  CreateIndexRequest request;
  request.name = name;
  request.description = "semantic cache";
  request.config.dimensions = static_cast<uint32_t>(embedder->info().dimensions);
  request.config.metric = Metric::kCosine;
  request.config.embedding_model = model;
  request.config.embedding_pooling = "mean";
  request.config.cache_json = cache::CacheConfigToJson(stored);
  request.config.max_metadata_bytes = cache::CacheMetadataBytes(stored);
  SEMBLE_ASSIGN_OR_RETURN(std::shared_ptr<Index> index, db->CreateIndex(request));
  Env* env = options.env != nullptr ? options.env : Env::Default();
  return std::unique_ptr<SemanticCache>(
      new SemanticCacheImpl(std::move(index), CacheDescription{name, std::move(stored)}, env));
}

Result<std::unique_ptr<SemanticCache>> SemanticCache::Open(Database* db, const std::string& name,
                                                           const SemanticCacheOptions& options) {
  SEMBLE_ASSIGN_OR_RETURN(std::shared_ptr<Index> index, db->GetIndex(name));
  SEMBLE_ASSIGN_OR_RETURN(CacheDescription description, DescribeCache(index->Describe()));
  Env* env = options.env != nullptr ? options.env : Env::Default();
  auto cache = std::make_unique<SemanticCacheImpl>(std::move(index), std::move(description), env);
  SEMBLE_RETURN_IF_ERROR(cache->Load());
  return std::unique_ptr<SemanticCache>(std::move(cache));
}

Result<std::vector<CacheDescription>> SemanticCache::List(Database* db) {
  std::vector<CacheDescription> out;
  for (const IndexDescription& d : db->ListIndexes()) {
    if (d.config.cache_json.empty()) continue;
    auto described = DescribeCache(d);
    if (described.ok()) out.push_back(std::move(described).value());
  }
  return out;
}

}  // namespace semble
