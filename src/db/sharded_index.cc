// Copyright 2026 The semble Authors.

#include "db/sharded_index.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <future>

#include "db/record_sources.h"
#include "db/validation.h"

namespace semble {

uint32_t ShardOf(std::string_view id, uint32_t shards) {
  if (shards <= 1) return 0;
  // FNV-1a over the id's bytes, then the splitmix64 finaliser so that ids differing in their last
  // byte spread over every shard. Part of the stored format: never change it.
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : id) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return static_cast<uint32_t>(((h >> 32) * shards) >> 32);
}

std::string ShardName(const std::string& index, uint32_t shard) {
  // '~' is not allowed in index names, so a shard's name never clashes with an index's.
  return index + "~" + std::to_string(shard);
}

namespace db {
namespace {

Status NotHeld(const std::string& name, uint32_t shard) {
  return Status::FailedPrecondition("shard " + std::to_string(shard) + " of index \"" + name +
                                    "\" is not held by this handle");
}

Status Unsupported(const std::string& name, uint32_t total, std::string_view what) {
  return Status::InvalidArgument(std::string(what) + " are not supported on index \"" + name +
                                 "\", which has " + std::to_string(total) +
                                 " shards (each shard ranks and groups only its own records)");
}

// Runs fn(i) for i in [0, n), all but the first on threads of their own, and waits for all.
template <typename T, typename Fn>
std::vector<T> RunAll(size_t n, Fn fn) {
  std::vector<std::future<T>> rest;
  for (size_t i = 1; i < n; ++i) rest.push_back(std::async(std::launch::async, fn, i));
  std::vector<T> out;
  out.reserve(n);
  if (n > 0) out.push_back(fn(0));
  for (auto& f : rest) out.push_back(f.get());
  return out;
}

}  // namespace

std::string JoinShardMutationIds(const ShardMutationIds& ids) {
  std::string out;
  for (const auto& [shard, id] : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(shard);
    out += ':';
    out += id;
  }
  return out;
}

bool SplitShardMutationIds(std::string_view joined, uint32_t shards, ShardMutationIds* out) {
  out->clear();
  if (joined.empty()) return false;
  while (!joined.empty()) {
    const size_t comma = joined.find(',');
    std::string_view part = joined.substr(0, comma);
    joined = comma == std::string_view::npos ? std::string_view() : joined.substr(comma + 1);
    if (comma != std::string_view::npos && joined.empty()) return false;  // a trailing ','
    const size_t colon = part.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon + 1 == part.size()) return false;
    uint32_t shard = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + colon, shard);
    if (ec != std::errc() || end != part.data() + colon || shard >= shards) return false;
    if (!out->emplace(shard, std::string(part.substr(colon + 1))).second) return false;
  }
  return true;
}

ShardedIndex::ShardedIndex(std::string name, uint32_t total,
                           std::map<uint32_t, std::shared_ptr<Index>> shards,
                           ModelRegistry* models, const Limits& limits)
    : name_(std::move(name)),
      total_(total),
      shards_(std::move(shards)),
      models_(models),
      limits_(limits) {}

Index* ShardedIndex::Holding(uint32_t shard) const {
  auto it = shards_.find(shard);
  return it == shards_.end() ? nullptr : it->second.get();
}

IndexDescription ShardedIndex::Describe() const {
  IndexDescription d = shards_.begin()->second->Describe();
  d.name = name_;
  d.config.shards = total_;
  return d;
}

Result<IndexInfo> ShardedIndex::Info() const {
  auto infos = RunAll<Result<IndexInfo>>(shards_.size(), [&](size_t i) {
    return std::next(shards_.begin(), static_cast<long>(i))->second->Info();
  });
  IndexInfo out;
  ShardMutationIds processed;
  double memory = 0;
  size_t i = 0;
  for (const auto& [shard, index] : shards_) {
    SEMBLE_ASSIGN_OR_RETURN(IndexInfo info, std::move(infos[i++]));
    if (out.index_type.empty()) {
      // The first shard's settings; every shard was created alike.
      out = info;
      out.vector_count = 0;
      out.unindexed_vectors = 0;
      out.processed_up_to_ms.reset();
    }
    out.vector_count += info.vector_count;
    out.unindexed_vectors += info.unindexed_vectors;
    memory += info.memory_bytes_per_vector * static_cast<double>(info.vector_count);
    if (!info.processed_up_to_mutation.empty()) processed[shard] = info.processed_up_to_mutation;
    if (info.processed_up_to_ms.has_value()) {
      out.processed_up_to_ms = std::max(out.processed_up_to_ms.value_or(0), *info.processed_up_to_ms);
    }
  }
  out.processed_up_to_mutation = JoinShardMutationIds(processed);
  out.memory_bytes_per_vector =
      out.vector_count == 0 ? out.memory_bytes_per_vector : memory / out.vector_count;
  return out;
}

Result<MutationResult> ShardedIndex::WriteEach(
    const std::function<Result<MutationResult>(uint32_t shard, Index&)>& write) {
  auto results = RunAll<Result<MutationResult>>(shards_.size(), [&](size_t i) {
    auto it = std::next(shards_.begin(), static_cast<long>(i));
    return write(it->first, *it->second);
  });
  MutationResult out;
  ShardMutationIds ids;
  Status first;
  size_t i = 0;
  for (const auto& [shard, index] : shards_) {
    Result<MutationResult>& r = results[i++];
    if (!r.ok()) {
      if (first.ok()) first = r.status().WithContext("shard " + std::to_string(shard));
      continue;
    }
    if (!r->mutation_id.empty()) ids[shard] = r->mutation_id;
    out.count += r->count;
  }
  if (!first.ok()) {
    if (ids.empty()) return first;
    // Shards are written independently: say which ones took the write, so a retry is informed.
    return first.WithContext("index \"" + name_ + "\" (shards " + JoinShardMutationIds(ids) +
                             " applied it)");
  }
  out.mutation_id = JoinShardMutationIds(ids);
  return out;
}

Result<MutationResult> ShardedIndex::WriteRecords(bool upsert,
                                                  std::span<const VectorRecord> records) {
  SEMBLE_RETURN_IF_ERROR(ValidateBatchSize(records.size(), limits_));
  const IndexDescription d = Describe();
  // The whole batch is checked before any shard writes, whichever shards the records fall in,
  // so that a bad record leaves every shard untouched (also the shards other nodes write).
  if (!HasSources(records)) {
    std::vector<VectorRecord> normalized;
    std::vector<meta::Value> metadata;
    SEMBLE_RETURN_IF_ERROR(ValidateRecords(records, d.config, limits_, &normalized, &metadata));
  } else {
    for (size_t i = 0; i < records.size(); ++i) {
      Status s = ValidateId(records[i].id, limits_);
      if (!s.ok()) return s.WithContext("record " + std::to_string(i));
    }
  }
  std::map<uint32_t, std::vector<VectorRecord>> parts;
  for (const VectorRecord& r : records) {
    const uint32_t shard = ShardOf(r.id, total_);
    if (Holding(shard) != nullptr) parts[shard].push_back(r);
  }
  if (HasSources(records)) {
    // Texts and fields become vectors once for every shard held, in one call to the model. A
    // record that fails only then leaves the shards of other handles (other nodes) written.
    std::vector<VectorRecord> mine;
    for (auto& [shard, part] : parts) mine.insert(mine.end(), part.begin(), part.end());
    SEMBLE_RETURN_IF_ERROR(FillFromSources(d, models_, &mine));
    std::vector<VectorRecord> normalized;
    std::vector<meta::Value> metadata;
    SEMBLE_RETURN_IF_ERROR(ValidateRecords(mine, d.config, limits_, &normalized, &metadata));
    size_t next = 0;
    for (auto& [shard, part] : parts) {
      for (VectorRecord& r : part) r = std::move(mine[next++]);
    }
  }
  return WriteEach([&](uint32_t shard, Index& index) -> Result<MutationResult> {
    auto it = parts.find(shard);
    if (it == parts.end()) return MutationResult{};
    return upsert ? index.Upsert(it->second) : index.Insert(it->second);
  });
}

Result<MutationResult> ShardedIndex::Insert(std::span<const VectorRecord> records) {
  return WriteRecords(false, records);
}

Result<MutationResult> ShardedIndex::Upsert(std::span<const VectorRecord> records) {
  return WriteRecords(true, records);
}

Result<std::map<uint32_t, std::vector<std::string>>> ShardedIndex::SplitIds(
    std::span<const std::string> ids, bool need_all) const {
  if (ids.size() > limits_.max_batch_vectors) {
    return Status::InvalidArgument(std::to_string(ids.size()) + " ids in one call, the limit is " +
                                   std::to_string(limits_.max_batch_vectors));
  }
  std::map<uint32_t, std::vector<std::string>> parts;
  for (size_t i = 0; i < ids.size(); ++i) {
    Status s = ValidateId(ids[i], limits_);
    if (!s.ok()) return s.WithContext("ids[" + std::to_string(i) + "]");
    const uint32_t shard = ShardOf(ids[i], total_);
    if (Holding(shard) != nullptr) {
      parts[shard].push_back(ids[i]);
    } else if (need_all) {
      return NotHeld(name_, shard);
    }
  }
  return parts;
}

Result<MutationResult> ShardedIndex::DeleteByIds(std::span<const std::string> ids) {
  if (ids.empty()) return Status::InvalidArgument("no ids given");
  SEMBLE_ASSIGN_OR_RETURN(auto parts, SplitIds(ids, /*need_all=*/false));
  return WriteEach([&](uint32_t shard, Index& index) -> Result<MutationResult> {
    auto it = parts.find(shard);
    if (it == parts.end()) return MutationResult{};
    return index.DeleteByIds(it->second);
  });
}

Result<MutationResult> ShardedIndex::DeleteByFilter(const FilterMutation& request) {
  return WriteEach([&](uint32_t, Index& index) { return index.DeleteByFilter(request); });
}

Result<MutationResult> ShardedIndex::UpdateMetadataByFilter(const FilterMutation& request) {
  return WriteEach([&](uint32_t, Index& index) { return index.UpdateMetadataByFilter(request); });
}

Result<MutationResult> ShardedIndex::CreateMetadataIndex(const MetadataIndexDescription& desc) {
  return WriteEach([&](uint32_t, Index& index) { return index.CreateMetadataIndex(desc); });
}

Result<MutationResult> ShardedIndex::DeleteMetadataIndex(const std::string& property_name) {
  return WriteEach([&](uint32_t, Index& index) { return index.DeleteMetadataIndex(property_name); });
}

Result<MutationResult> ShardedIndex::ConfigureTextIndex(const TextIndexConfig& config) {
  return WriteEach([&](uint32_t, Index& index) { return index.ConfigureTextIndex(config); });
}

Result<std::vector<MetadataIndexDescription>> ShardedIndex::ListMetadataIndexes() const {
  return shards_.begin()->second->ListMetadataIndexes();
}

Result<std::vector<VectorRecord>> ShardedIndex::GetByIds(std::span<const std::string> ids) const {
  SEMBLE_ASSIGN_OR_RETURN(auto parts, SplitIds(ids, /*need_all=*/true));
  std::map<std::string, VectorRecord> found;
  for (const auto& [shard, part] : parts) {
    SEMBLE_ASSIGN_OR_RETURN(std::vector<VectorRecord> got, Holding(shard)->GetByIds(part));
    for (VectorRecord& r : got) found.emplace(r.id, std::move(r));
  }
  std::vector<VectorRecord> out;
  for (const std::string& id : ids) {
    if (auto it = found.find(id); it != found.end()) out.push_back(it->second);
  }
  return out;
}

Result<ListResult> ShardedIndex::List(const ListRequest& request) const {
  auto pages = RunAll<Result<ListResult>>(shards_.size(), [&](size_t i) {
    return std::next(shards_.begin(), static_cast<long>(i))->second->List(request);
  });
  // Each shard's page holds its first `count` ids after the cursor, so the first `count` of
  // their union are the index's.
  ListResult out;
  bool more = false;
  for (auto& page : pages) {
    SEMBLE_ASSIGN_OR_RETURN(ListResult p, std::move(page));
    out.total_count += p.total_count;
    more = more || p.is_truncated;
    out.ids.insert(out.ids.end(), std::make_move_iterator(p.ids.begin()),
                   std::make_move_iterator(p.ids.end()));
  }
  std::sort(out.ids.begin(), out.ids.end());
  if (out.ids.size() > request.count) {
    out.ids.resize(request.count);
    more = true;
  }
  out.is_truncated = more;
  out.next_cursor = more && !out.ids.empty() ? out.ids.back() : "";
  return out;
}

Result<std::vector<float>> ShardedIndex::QueryVector(const QueryRequest& request) const {
  if (request.vector_id.has_value()) {
    const uint32_t shard = ShardOf(*request.vector_id, total_);
    Index* index = Holding(shard);
    if (index == nullptr) return NotHeld(name_, shard);
    return index->QueryVector(request);
  }
  return shards_.begin()->second->QueryVector(request);
}

Result<QueryResult> ShardedIndex::Query(const QueryRequest& request) const {
  if (request.mode != QueryMode::kVector) {
    return Unsupported(name_, total_, "keyword and hybrid queries");
  }
  if (!request.group_by.empty()) return Unsupported(name_, total_, "grouped queries");
  // A stored vector or a text becomes one query vector first, so every shard searches with it.
  QueryRequest each = request;
  if (request.vector.empty()) {
    SEMBLE_ASSIGN_OR_RETURN(each.vector, QueryVector(request));
    each.vector_id.reset();
    each.text.clear();
  }
  auto results = RunAll<Result<QueryResult>>(shards_.size(), [&](size_t i) {
    return std::next(shards_.begin(), static_cast<long>(i))->second->Query(each);
  });
  QueryResult out;
  for (auto& r : results) {
    SEMBLE_ASSIGN_OR_RETURN(QueryResult part, std::move(r));
    out.matches.insert(out.matches.end(), std::make_move_iterator(part.matches.begin()),
                       std::make_move_iterator(part.matches.end()));
  }
  // Cosine scores are similarities (higher first); euclidean and dot-product scores are distances
  // (lower first). Ties by id, as one shard orders them.
  const bool higher_first = Describe().config.metric == Metric::kCosine;
  std::sort(out.matches.begin(), out.matches.end(),
            [higher_first](const QueryMatch& a, const QueryMatch& b) {
              if (a.score != b.score) return higher_first ? a.score > b.score : a.score < b.score;
              return a.id < b.id;
            });
  if (out.matches.size() > request.top_k) out.matches.resize(request.top_k);
  return out;
}

Result<uint64_t> ShardedIndex::NotifyWhenApplied(const std::string& mutation_id,
                                                 std::function<void()> applied) {
  ShardMutationIds parts;
  if (!SplitShardMutationIds(mutation_id, total_, &parts)) {
    return Status::InvalidArgument("\"" + mutation_id + "\" is not a mutation id of index \"" +
                                   name_ + "\" (which has " + std::to_string(total_) +
                                   " shards: \"<shard>:<id>,…\")");
  }
  for (const auto& [shard, id] : parts) {
    if (Holding(shard) == nullptr) return NotHeld(name_, shard);
  }
  struct Pending {
    std::atomic<size_t> left;
    std::function<void()> applied;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = parts.size();
  pending->applied = std::move(applied);
  auto one_done = [pending] {
    if (pending->left.fetch_sub(1) == 1) pending->applied();
  };
  std::vector<std::pair<Index*, uint64_t>> registered;
  for (const auto& [shard, id] : parts) {
    Index* index = Holding(shard);
    auto ticket = index->NotifyWhenApplied(id, one_done);
    if (!ticket.ok()) {
      for (auto& [i, t] : registered) i->CancelNotify(t);
      return ticket.status().WithContext("shard " + std::to_string(shard));
    }
    if (*ticket != 0) registered.emplace_back(index, *ticket);
  }
  if (registered.empty()) return uint64_t{0};  // applied everywhere: `applied` has run
  std::lock_guard lock(notify_mu_);
  const uint64_t ticket = next_ticket_++;
  tickets_.emplace(ticket, std::move(registered));
  return ticket;
}

void ShardedIndex::CancelNotify(uint64_t ticket) {
  std::vector<std::pair<Index*, uint64_t>> registered;
  {
    std::lock_guard lock(notify_mu_);
    auto it = tickets_.find(ticket);
    if (it == tickets_.end()) return;
    registered = std::move(it->second);
    tickets_.erase(it);
  }
  for (auto& [index, t] : registered) index->CancelNotify(t);
}

}  // namespace db
}  // namespace semble
