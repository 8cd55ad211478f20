// Copyright 2026 The semble Authors.
//
// Collection: the read side (info, get, list, query). Reads hold state_mu_ shared, so they run
// concurrently with each other and wait only for the short apply step of a write.

#include <algorithm>
#include <unordered_set>

#include "db/collection.h"
#include "db/record_sources.h"
#include "db/validation.h"
#include "meta/filter.h"

namespace semble::db {

Status Collection::ReadableLocked() const { return state_closed_; }

std::string Collection::MutationIdLocked(uint64_t seq) const {
  return FormatMutationId(incarnation_, seq);
}

Result<IndexInfo> Collection::Info() const {
  std::shared_lock state(state_mu_);
  SEMBLE_RETURN_IF_ERROR(ReadableLocked());
  IndexInfo info;
  info.dimensions = manifest_description_.config.dimensions;
  // Expired records are not counted: they are gone for readers, whether or not purged yet.
  info.vector_count = ids_.size() - ExpiredSlotsLocked(NowLocked()).size();
  info.index_type = vectors_->TypeString();
  info.memory_bytes_per_vector = vectors_->MemoryBytesPerVector();
  info.unindexed_vectors = vectors_->Unindexed();
  if (applied_seq_ > 0) {
    info.processed_up_to_mutation = MutationIdLocked(applied_seq_);
    info.processed_up_to_ms = applied_ms_;
  }
  return info;
}

Result<std::vector<VectorRecord>> Collection::GetByIds(std::span<const std::string> ids) const {
  if (ids.size() > options_.limits.max_batch_vectors) {
    return Status::InvalidArgument(std::to_string(ids.size()) + " ids in one call, the limit is " +
                                   std::to_string(options_.limits.max_batch_vectors));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    Status s = ValidateId(ids[i], options_.limits);
    if (!s.ok()) return s.WithContext("ids[" + std::to_string(i) + "]");
  }
  std::shared_lock state(state_mu_);
  SEMBLE_RETURN_IF_ERROR(ReadableLocked());
  const uint32_t dims = manifest_description_.config.dimensions;
  const int64_t now = NowLocked();
  std::vector<VectorRecord> out;
  for (const std::string& id : ids) {
    auto it = ids_.find(id);
    if (it == ids_.end() || ExpiredAt(it->second, now)) continue;
    const Slot& s = slots_[it->second];
    const float* v = vectors_->Get(it->second);
    VectorRecord& r =
        out.emplace_back(VectorRecord{s.id, std::vector<float>(v, v + dims), s.ns, s.metadata_json});
    r.expires_at_ms = s.expires_at_ms;
  }
  return out;
}

Result<ListResult> Collection::List(const ListRequest& request) const {
  if (request.count < 1 || request.count > options_.limits.max_list_count) {
    return Status::InvalidArgument("count must be between 1 and " +
                                   std::to_string(options_.limits.max_list_count) + ", got " +
                                   std::to_string(request.count));
  }
  std::shared_lock state(state_mu_);
  SEMBLE_RETURN_IF_ERROR(ReadableLocked());
  const int64_t now = NowLocked();
  ListResult out;
  out.total_count = ids_.size() - ExpiredSlotsLocked(now).size();
  auto it = request.cursor.empty() ? ids_.begin() : ids_.upper_bound(request.cursor);
  auto skip_expired = [&] {
    while (it != ids_.end() && ExpiredAt(it->second, now)) ++it;
  };
  skip_expired();
  for (; it != ids_.end() && out.ids.size() < request.count; skip_expired()) {
    out.ids.push_back(it->first);
    ++it;
  }
  out.is_truncated = it != ids_.end();
  if (out.is_truncated) out.next_cursor = out.ids.back();
  return out;
}

Result<std::vector<MetadataIndexDescription>> Collection::ListMetadataIndexes() const {
  std::shared_lock state(state_mu_);
  SEMBLE_RETURN_IF_ERROR(ReadableLocked());
  return metadata_indexes_.List();
}

Result<std::vector<float>> Collection::QueryVector(const QueryRequest& request) const {
  if (request.text.empty()) return Index::QueryVector(request);
  return EmbedQueryText(manifest_description_, options_.models, request.text);
}

Result<QueryResult> Collection::Query(const QueryRequest& given) const {
  // A text query is embedded first, outside every lock (embedding is the slow part), and then is
  // a vector query like any other.
  std::optional<QueryRequest> embedded;
  if (!given.text.empty()) {
    if (!given.vector.empty() || given.vector_id) {
      return Status::InvalidArgument("give exactly one of a query vector, a vector id and a text");
    }
    embedded = given;
    SEMBLE_ASSIGN_OR_RETURN(embedded->vector,
                            EmbedQueryText(manifest_description_, options_.models, given.text));
    embedded->text.clear();
  }
  const QueryRequest& request = embedded ? *embedded : given;
  const Limits& limits = options_.limits;
  const uint32_t dims = manifest_description_.config.dimensions;
  const bool with_data = request.return_values || request.return_metadata == ReturnMetadata::kAll;
  const uint32_t max_k = with_data ? limits.max_top_k_with_data : limits.max_top_k;
  if (request.top_k < 1 || request.top_k > max_k) {
    return Status::InvalidArgument(
        "topK must be between 1 and " + std::to_string(max_k) +
        (with_data ? " when returnValues is true or returnMetadata is \"all\"" : "") + ", got " +
        std::to_string(request.top_k));
  }
  const bool by_id = request.vector_id.has_value();
  if (by_id == !request.vector.empty()) {
    return Status::InvalidArgument("give exactly one of a query vector and a vector id");
  }
  if (!by_id) {
    if (request.vector.size() != dims) {  // Vectorize's wording, which clients may match on
      return Status::InvalidArgument("invalid query vector, expected " + std::to_string(dims) +
                                     " dimensions, and got " +
                                     std::to_string(request.vector.size()) + " dimensions")
          .WithReason(Status::Reason::kQueryDimensions);
    }
    Status s = ValidateValues(request.vector, dims, manifest_description_.config.metric);
    if (!s.ok()) return Status::InvalidArgument("invalid query vector: " + s.message());
  } else {
    SEMBLE_RETURN_IF_ERROR(ValidateId(*request.vector_id, limits).WithContext("vectorId"));
  }
  if (request.ef && (*request.ef < 1 || *request.ef > 10000)) {
    return Status::InvalidArgument("ef must be between 1 and 10000, got " + std::to_string(*request.ef));
  }
  if (request.recall && !(*request.recall > 0.0f && *request.recall <= 1.0f)) {
    return Status::InvalidArgument("recall must be in (0, 1]");
  }
  if (request.ef && request.recall) return Status::InvalidArgument("give ef or recall, not both");
  const bool by_ns = request.ns.has_value() && !request.ns->empty();
  if (by_ns) SEMBLE_RETURN_IF_ERROR(ValidateNamespace(*request.ns, limits));
  constexpr size_t kMaxExcludeIds = 1000;
  if (request.exclude_ids.size() > kMaxExcludeIds) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxExcludeIds) +
                                   " ids to exclude, got " +
                                   std::to_string(request.exclude_ids.size()));
  }
  for (const std::string& id : request.exclude_ids) {
    SEMBLE_RETURN_IF_ERROR(ValidateId(id, limits).WithContext("excludeIds"));
  }
  std::optional<meta::Filter> filter;
  if (!request.filter_json.empty()) {
    auto parsed = meta::Filter::Parse(request.filter_json, limits.max_filter_bytes);
    if (!parsed.ok()) return parsed.status().WithReason(Status::Reason::kBadFilter);
    if (!parsed->MatchesEverything()) filter = std::move(parsed).value();
  }

  std::shared_lock state(state_mu_);
  SEMBLE_RETURN_IF_ERROR(ReadableLocked());
  // Expired records not purged yet are excluded like excludeIds; purging keeps them few.
  const int64_t now = NowLocked();
  const std::vector<uint32_t> expired = ExpiredSlotsLocked(now);
  std::vector<float> by_id_vector;
  const float* q = request.vector.data();
  if (by_id) {
    auto it = ids_.find(*request.vector_id);
    if (it == ids_.end() || ExpiredAt(it->second, now)) {
      return Status::NotFound("vector id \"" + *request.vector_id + "\" is not in index \"" +
                              manifest_description_.name + "\"")
          .WithReason(Status::Reason::kVectorNotFound);
    }
    const float* stored = vectors_->Get(it->second);
    by_id_vector.assign(stored, stored + dims);
    q = by_id_vector.data();
  }
  if (manifest_description_.config.metric == Metric::kCosine &&
      std::all_of(q, q + dims, [](float x) { return x == 0.0f; })) {
    return Status::InvalidArgument("the query vector is all zeros; cosine similarity is undefined");
  }

  index::SearchParams params;
  params.ef = request.ef.value_or(0);
  params.recall = request.recall;
  const size_t k = request.top_k;
  std::vector<index::Hit> hits;
  // Excluded ids are one more condition on a match, like the filter, so the top k are of the
  // others rather than cut from a top k that held them.
  std::unordered_set<uint32_t> excluded;
  for (const std::string& id : request.exclude_ids) {
    if (auto it = ids_.find(id); it != ids_.end()) excluded.insert(it->second);
  }
  excluded.insert(expired.begin(), expired.end());
  if (!by_ns && !filter && excluded.empty()) {
    hits = vectors_->Search(q, k, params);
  } else {
    // Namespace first (exact), then the metadata indexes narrow the candidates (a superset), and
    // the filter is checked on every vector that can be returned: indexes make filters faster,
    // never different. Then the planner: when few vectors match, score all of them exactly; when
    // many do, walk the graph and let only matching vectors into the results.
    static const roaring::Roaring kEmpty;
    const roaring::Roaring* ns_slots = nullptr;
    if (by_ns) {
      auto it = namespaces_.find(*request.ns);
      ns_slots = it == namespaces_.end() ? &kEmpty : &it->second;
    }
    std::optional<roaring::Roaring> indexed;
    if (filter) indexed = metadata_indexes_.Candidates(*filter);
    if (ns_slots != nullptr && indexed) *indexed &= *ns_slots;
    const roaring::Roaring* candidates = indexed ? &*indexed : ns_slots;
    auto matches = [&](uint32_t slot) {
      return (!filter || filter->Matches(slots_[slot].metadata)) && !excluded.contains(slot);
    };

    // How many vectors pass: the candidate count, refined by the filter on a sample.
    const auto slot_count = static_cast<uint32_t>(slots_.size());
    size_t estimate = candidates != nullptr ? candidates->cardinality() : ids_.size();
    estimate -= std::min(estimate, excluded.size());
    if (filter && estimate > 0) {
      constexpr uint32_t kSample = 256;
      size_t sampled = 0, passed = 0;
      if (candidates != nullptr) {
        const uint64_t step = std::max<uint64_t>(1, candidates->cardinality() / kSample);
        for (uint64_t r = 0; r < candidates->cardinality() && sampled < kSample; r += step) {
          uint32_t slot;
          if (!candidates->select(static_cast<uint32_t>(r), &slot)) break;
          ++sampled;
          passed += matches(slot) ? 1 : 0;
        }
      } else {
        const uint32_t step = std::max<uint32_t>(1, slot_count / kSample);
        for (uint32_t slot = 0; slot < slot_count; slot += step) {
          if (slots_[slot].id.empty()) continue;
          ++sampled;
          passed += matches(slot) ? 1 : 0;
        }
      }
      if (sampled > 0) estimate = (estimate * passed + sampled - 1) / sampled;
    }

    if (vectors_->PreferExactForFilter(estimate, k)) {
      std::vector<uint32_t> matching;
      if (candidates != nullptr) {
        matching.reserve(candidates->cardinality());
        for (uint32_t slot : *candidates) {
          if (matches(slot)) matching.push_back(slot);
        }
      } else {
        for (uint32_t slot = 0; slot < slot_count; ++slot) {
          if (!slots_[slot].id.empty() && matches(slot)) matching.push_back(slot);
        }
      }
      hits = vectors_->SearchSlots(q, k, matching);
    } else {
      hits = vectors_->SearchFiltered(q, k, params, [&](uint32_t slot) {
        return (candidates == nullptr || candidates->contains(slot)) && matches(slot);
      });
    }
  }

  QueryResult result;
  result.matches.reserve(hits.size());
  for (const index::Hit& h : hits) {
    const Slot& s = slots_[h.slot];
    QueryMatch m;
    m.id = s.id;
    m.score = h.score;
    m.ns = s.ns;
    if (request.return_values) {
      const float* v = vectors_->Get(h.slot);
      m.values.assign(v, v + dims);
    }
    if (request.return_metadata == ReturnMetadata::kAll) {
      m.metadata_json = s.metadata_json;
    } else if (request.return_metadata == ReturnMetadata::kIndexed) {
      meta::Value projected = metadata_indexes_.Project(s.metadata);
      if (!projected.is_null()) m.metadata_json = meta::ToJson(projected);
    }
    result.matches.push_back(std::move(m));
  }
  // Equal scores come back ordered by id, so a result does not depend on slot layout.
  const bool higher_first = HigherIsCloser(manifest_description_.config.metric);
  std::stable_sort(result.matches.begin(), result.matches.end(),
                   [higher_first](const QueryMatch& a, const QueryMatch& b) {
                     if (a.score != b.score) return higher_first ? a.score > b.score : a.score < b.score;
                     return a.id < b.id;
                   });
  return result;
}

}  // namespace semble::db
