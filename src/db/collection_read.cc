// Copyright 2026 The semble Authors.
//
// Collection: the read side (info, get, list, query). Reads hold state_mu_ shared, so they run
// concurrently with each other and wait only for the short apply step of a write.

#include <algorithm>

#include "db/collection.h"
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
  info.vector_count = ids_.size();
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
  std::vector<VectorRecord> out;
  for (const std::string& id : ids) {
    auto it = ids_.find(id);
    if (it == ids_.end()) continue;
    const Slot& s = slots_[it->second];
    const float* v = flat_.Get(it->second);
    out.push_back(VectorRecord{s.id, std::vector<float>(v, v + dims), s.ns, s.metadata_json});
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
  ListResult out;
  out.total_count = ids_.size();
  auto it = request.cursor.empty() ? ids_.begin() : ids_.upper_bound(request.cursor);
  for (; it != ids_.end() && out.ids.size() < request.count; ++it) out.ids.push_back(it->first);
  out.is_truncated = it != ids_.end();
  if (out.is_truncated) out.next_cursor = out.ids.back();
  return out;
}

Result<std::vector<MetadataIndexDescription>> Collection::ListMetadataIndexes() const {
  std::shared_lock state(state_mu_);
  SEMBLE_RETURN_IF_ERROR(ReadableLocked());
  return metadata_indexes_.List();
}

Result<QueryResult> Collection::Query(const QueryRequest& request) const {
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
    Status s = ValidateValues(request.vector, dims);
    if (!s.ok()) {
      return Status::InvalidArgument("invalid query vector, expected " + std::to_string(dims) +
                                     " dimensions: " + s.message());
    }
  } else {
    SEMBLE_RETURN_IF_ERROR(ValidateId(*request.vector_id, limits).WithContext("vectorId"));
  }
  const bool by_ns = request.ns.has_value() && !request.ns->empty();
  if (by_ns) SEMBLE_RETURN_IF_ERROR(ValidateNamespace(*request.ns, limits));
  std::optional<meta::Filter> filter;
  if (!request.filter_json.empty()) {
    auto parsed = meta::Filter::Parse(request.filter_json, limits.max_filter_bytes);
    if (!parsed.ok()) return parsed.status();
    filter = std::move(parsed).value();
  }

  std::shared_lock state(state_mu_);
  SEMBLE_RETURN_IF_ERROR(ReadableLocked());
  std::vector<float> by_id_vector;
  const float* q = request.vector.data();
  if (by_id) {
    auto it = ids_.find(*request.vector_id);
    if (it == ids_.end()) {
      return Status::NotFound("vector id \"" + *request.vector_id + "\" is not in index \"" +
                              manifest_description_.name + "\"");
    }
    by_id_vector.assign(flat_.Get(it->second), flat_.Get(it->second) + dims);
    q = by_id_vector.data();
  }
  if (manifest_description_.config.metric == Metric::kCosine &&
      std::all_of(q, q + dims, [](float x) { return x == 0.0f; })) {
    return Status::InvalidArgument("the query vector is all zeros; cosine similarity is undefined");
  }

  std::vector<index::Hit> hits;
  if (!by_ns && !filter) {
    hits = flat_.Search(q, request.top_k);
  } else {
    // Namespace first (exact), then the metadata indexes narrow the candidates, and the filter is
    // checked on every candidate: indexes speed filters up and never change their results.
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

    std::vector<uint32_t> matching;
    auto consider = [&](uint32_t slot) {
      if (!filter || filter->Matches(slots_[slot].metadata)) matching.push_back(slot);
    };
    if (candidates != nullptr) {
      matching.reserve(candidates->cardinality());
      for (uint32_t slot : *candidates) consider(slot);
    } else {
      const auto n = static_cast<uint32_t>(slots_.size());
      for (uint32_t slot = 0; slot < n; ++slot) {
        if (flat_.IsLive(slot)) consider(slot);
      }
    }
    hits = flat_.SearchSlots(q, request.top_k, matching);
  }

  QueryResult result;
  result.matches.reserve(hits.size());
  for (const index::Hit& h : hits) {
    const Slot& s = slots_[h.slot];
    QueryMatch m;
    m.id = s.id;
    m.score = h.score;
    m.ns = s.ns;
    if (request.return_values) m.values.assign(flat_.Get(h.slot), flat_.Get(h.slot) + dims);
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
