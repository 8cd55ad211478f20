// Copyright 2026 The semble Authors.
//
// Collection: the read side (info, get, list, query). Reads hold state_mu_ shared, so they run
// concurrently with each other and wait only for the short apply step of a write.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <unordered_set>

#include "db/collection.h"
#include "db/record_sources.h"
#include "db/validation.h"
#include "meta/filter.h"
#include "text/fusion.h"
#include "text/grouping.h"

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
  std::vector<std::pair<uint32_t, float>> steps;
  size_t real_queries = 0;
  vectors_->RecallCalibration(&steps, &real_queries);
  for (const auto& [ef, recall] : steps) info.recall_calibration.push_back({ef, recall});
  info.recall_calibration_queries = static_cast<uint32_t>(real_queries);
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
    std::vector<float> values(dims);
    (void)vectors_->Read(it->second, values.data());
    VectorRecord& r =
        out.emplace_back(VectorRecord{s.id, std::move(values), s.ns, s.metadata_json});
    r.expires_at_ms = s.expires_at_ms;
    r.text = s.text;
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

namespace {

// A hybrid query ranks this many candidates on each side before fusing them (at least top_k):
// rank fusion needs each side's ranking well past the few results asked for, or a record that
// both sides place tenth never meets itself.
constexpr size_t kFusionDepth = 100;
// A grouped query first ranks this many hits per result it may return, and ranks twice as deep
// while the groups are not full and more hits exist, up to kGroupMaxDepth hits (QueryRequest).
constexpr size_t kGroupOverfetch = 4;
constexpr size_t kGroupMaxDepth = 10000;
constexpr uint32_t kMaxGroupSize = 100;
constexpr uint32_t kMaxGroupCount = 100;
// How far past topK a query ranks to settle a tie at the cut (equal scores go by id).
constexpr size_t kMaxTieDepth = 1000;

// Checks what a query asks for that does not depend on the index's state.
Status ValidateQueryShape(const QueryRequest& r, const Limits& limits) {
  const bool with_data = r.return_values || r.return_metadata == ReturnMetadata::kAll;
  const uint32_t max_k = with_data ? limits.max_top_k_with_data : limits.max_top_k;
  const std::string data_note =
      with_data ? " when returnValues is true or returnMetadata is \"all\"" : "";
  if (r.mode != QueryMode::kVector && r.text.empty()) {
    return Status::InvalidArgument("a " + std::string(QueryModeName(r.mode)) +
                                   " query needs a text")
        .WithReason(Status::Reason::kMissingField);
  }
  if (r.mode == QueryMode::kKeyword && (!r.vector.empty() || r.vector_id)) {
    return Status::InvalidArgument("a keyword query takes a text, not a vector or a vector id");
  }
  if (r.mode == QueryMode::kHybrid && !r.vector.empty() && r.vector_id) {
    return Status::InvalidArgument("give a query vector or a vector id, not both");
  }
  if (r.alpha) {
    if (r.mode != QueryMode::kHybrid || r.fusion != FusionMethod::kWeighted) {
      return Status::InvalidArgument("alpha is for hybrid queries with weighted fusion");
    }
    if (!(*r.alpha >= 0.0f && *r.alpha <= 1.0f)) {
      return Status::InvalidArgument("alpha must be between 0 and 1, got " +
                                     std::to_string(*r.alpha));
    }
  }
  if (r.fusion != FusionMethod::kReciprocalRank && r.mode != QueryMode::kHybrid) {
    return Status::InvalidArgument("fusion is for hybrid queries");
  }
  if (r.text.size() > limits.max_text_bytes) {
    return Status::InvalidArgument("the query text is " + std::to_string(r.text.size()) +
                                   " bytes, the limit is " +
                                   std::to_string(limits.max_text_bytes));
  }
  if (!r.group_by.empty()) {
    SEMBLE_RETURN_IF_ERROR(ValidatePropertyName(r.group_by).WithContext("groupBy"));
    const uint32_t count = r.group_count.value_or(r.top_k);
    if (r.group_size < 1 || r.group_size > kMaxGroupSize) {
      return Status::InvalidArgument("groupSize must be between 1 and " +
                                     std::to_string(kMaxGroupSize) + ", got " +
                                     std::to_string(r.group_size));
    }
    if (count < 1 || count > kMaxGroupCount) {
      return Status::InvalidArgument("groupCount must be between 1 and " +
                                     std::to_string(kMaxGroupCount) + ", got " +
                                     std::to_string(count));
    }
    if (uint64_t{count} * r.group_size > max_k) {
      return Status::InvalidArgument("groupSize * groupCount must be at most " +
                                     std::to_string(max_k) + data_note + ", got " +
                                     std::to_string(uint64_t{count} * r.group_size));
    }
  } else if (r.group_count) {
    return Status::InvalidArgument("groupCount is for grouped queries (groupBy)");
  } else if (r.top_k < 1 || r.top_k > max_k) {
    return Status::InvalidArgument("topK must be between 1 and " + std::to_string(max_k) +
                                   data_note + ", got " + std::to_string(r.top_k));
  }
  return Status::OK();
}

// The group keys of a record: the canonical JSON of each value of the property (strings, numbers
// and booleans; every element of an array of strings). Objects and null group nothing.
void GroupKeys(const meta::Value& metadata, const std::string& property,
               std::vector<std::string>* keys) {
  const meta::Value* v = metadata.FindPath(property);
  if (v == nullptr) return;
  switch (v->kind()) {
    case meta::Value::Kind::kBool:
    case meta::Value::Kind::kNumber:
    case meta::Value::Kind::kString:
      keys->push_back(meta::ToJson(*v));
      break;
    case meta::Value::Kind::kStringArray:
      for (const std::string& item : v->strings()) {
        keys->push_back(meta::ToJson(meta::Value::String(item)));
      }
      break;
    case meta::Value::Kind::kNull:
    case meta::Value::Kind::kObject:
      break;
  }
}

// ForceFilterPlanForBench / TakeFilterPlanCountsForBench: off (one relaxed load per filtered
// query) unless a benchmark turns them on.
std::atomic<int> forced_filter_plan{static_cast<int>(FilterPlanForBench::kPlanner)};
std::atomic<bool> count_filter_plans{false};
std::atomic<uint64_t> exact_plans_taken{0}, walk_plans_taken{0}, filter_plans_observed{0};

}  // namespace

namespace {

FilterPlanForBench ForcedPlan() {
  return static_cast<FilterPlanForBench>(forced_filter_plan.load(std::memory_order_relaxed));
}

// The filtered query's plan: the benchmark's forced one, else the planner's.
bool ExactPlanFor(const index::VectorIndex& vectors, size_t matching, size_t to_check, size_t k,
                  const index::SearchParams& params) {
  const FilterPlanForBench forced = ForcedPlan();
  return forced == FilterPlanForBench::kPlanner
             ? vectors.PreferExactForFilter(matching, to_check, k, params)
             : forced == FilterPlanForBench::kExact;
}

}  // namespace

void ForceFilterPlanForBench(FilterPlanForBench plan) {
  forced_filter_plan.store(static_cast<int>(plan), std::memory_order_relaxed);
}

FilterPlansTaken TakeFilterPlanCountsForBench() {
  count_filter_plans.store(true, std::memory_order_relaxed);
  return {exact_plans_taken.exchange(0), walk_plans_taken.exchange(0),
          filter_plans_observed.exchange(0)};
}

bool Collection::AllowedLocked(const QueryScope& scope, uint32_t slot) const {
  return (scope.column == nullptr || scope.column->Matches(slot)) &&
         (scope.candidates == nullptr || scope.candidates->contains(slot)) &&
         (scope.filter == nullptr || scope.filter->Matches(slots_[slot].metadata)) &&
         !scope.excluded.contains(slot);
}

std::vector<index::Hit> Collection::SearchVectorsLocked(const float* q, size_t k,
                                                        const index::SearchParams& params,
                                                        const QueryScope& scope) const {
  if (!scope.restricted) return vectors_->Search(q, k, params);
  // A filter every stored vector passes, known without reading a record (the metadata indexes'
  // exact answer, or a column test's exact count, equal to the number of records): the unfiltered
  // search returns the same hits without testing each node the walk admits (~20% of a GloVe-100
  // query at ef 64), as for a filter on a flag every record has, or the only namespace.
  if (scope.filter == nullptr && scope.excluded.empty()) {
    const bool all = scope.candidates != nullptr
                         ? (scope.column == nullptr || scope.column->count() == ids_.size()) &&
                               scope.candidates->cardinality() == ids_.size()
                         : scope.column != nullptr && scope.column->count() == ids_.size();
    if (all && (scope.column == nullptr || !scope.column->estimated())) {
      return vectors_->Search(q, k, params);
    }
  }
  // Namespace first (exact), then the metadata indexes narrowed the candidates (a superset), and
  // the filter is checked on every vector that can be returned: indexes make filters faster,
  // never different. Then the planner: when few vectors match, score all of them exactly; when
  // many do, walk the graph and let only matching vectors into the results.
  const roaring::Roaring* candidates = scope.candidates;
  auto matches = [&](uint32_t slot) {
    return (scope.column == nullptr || scope.column->Matches(slot)) &&
           (scope.filter == nullptr || scope.filter->Matches(slots_[slot].metadata)) &&
           !scope.excluded.contains(slot);
  };

  // How many vectors pass: the candidate count (a column's count when there are no candidates),
  // refined by the filter on a sample.
  const auto slot_count = static_cast<uint32_t>(slots_.size());
  size_t estimate = candidates != nullptr       ? candidates->cardinality()
                    : scope.column != nullptr ? scope.column->count()
                                              : ids_.size();
  estimate -= std::min(estimate, scope.excluded.size());
  if ((scope.filter != nullptr || (scope.column != nullptr && candidates != nullptr)) &&
      estimate > 0) {
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

  // An exact scan checks the filter on every candidate to list the matches: all stored vectors
  // when no metadata index narrowed them, none when the candidates are the matches (a filter the
  // indexes answered exactly, a namespace; excluded ids are a hash lookup, not a record's read).
  const size_t to_check =
      candidates == nullptr
          ? (scope.column != nullptr && scope.column->ReadsInline() && scope.filter == nullptr
                 ? 0
                 : ids_.size())
      : scope.filter == nullptr ? 0
                                : candidates->cardinality();
  const bool exact = ExactPlanFor(*vectors_, estimate, to_check, k, params);
  if (count_filter_plans.load(std::memory_order_relaxed)) {
    (exact ? exact_plans_taken : walk_plans_taken).fetch_add(1, std::memory_order_relaxed);
  }
  // The plan's time, its listing included, teaches the planner this machine's costs.
  const auto started = std::chrono::steady_clock::now();
  std::vector<index::Hit> hits;
  if (exact) {
    std::vector<uint32_t> matching;
    if (candidates != nullptr) {
      matching.reserve(candidates->cardinality());
      for (uint32_t slot : *candidates) {
        if (matches(slot)) matching.push_back(slot);
      }
    } else {
      for (uint32_t slot = 0; slot < slot_count; ++slot) {
        // A column says no for free slots: no record is read for a slot it turns down.
        if (scope.column != nullptr && !scope.column->Matches(slot)) continue;
        if (!slots_[slot].id.empty() && matches(slot)) matching.push_back(slot);
      }
    }
    hits = vectors_->SearchSlots(q, k, matching);
  } else {
    const double pass_rate =
        static_cast<double>(estimate) / static_cast<double>(std::max<size_t>(ids_.size(), 1));
    hits = vectors_->SearchFiltered(
        q, k, params, [&](uint32_t slot) { return AllowedLocked(scope, slot); }, pass_rate);
  }
  // Wall time (a thread's CPU time costs ~0.7 us a reading in this VM, 5% of a 0.1% filter's
  // query); PlanFeedback bounds what one preempted query can do. A plan the benchmark forced
  // teaches nothing: a server's planner only ever sees the plans it picks.
  if (ForcedPlan() == FilterPlanForBench::kPlanner) {
    const std::chrono::duration<double, std::micro> took =
        std::chrono::steady_clock::now() - started;
    vectors_->ObserveFilterPlan(exact, estimate, to_check, k, params, took.count());
    if (count_filter_plans.load(std::memory_order_relaxed)) {
      filter_plans_observed.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return hits;
}

Result<QueryResult> Collection::Query(const QueryRequest& given) const {
  const Limits& limits = options_.limits;
  SEMBLE_RETURN_IF_ERROR(ValidateQueryShape(given, limits));
  const bool keyword_side = given.mode != QueryMode::kVector;
  const bool vector_side = given.mode != QueryMode::kKeyword;
  // A text that is the vector side's query is embedded first, outside every lock (embedding is
  // the slow part), and then is a vector query like any other. A keyword query's text is not
  // embedded, nor a hybrid query's that brings its own vector.
  std::optional<QueryRequest> embedded;
  if (given.mode == QueryMode::kVector && !given.text.empty() &&
      (!given.vector.empty() || given.vector_id)) {
    return Status::InvalidArgument("give exactly one of a query vector, a vector id and a text");
  }
  if (vector_side && !given.text.empty() && given.vector.empty() && !given.vector_id) {
    embedded = given;
    SEMBLE_ASSIGN_OR_RETURN(embedded->vector,
                            EmbedQueryText(manifest_description_, options_.models, given.text));
  }
  const QueryRequest& request = embedded ? *embedded : given;
  const uint32_t dims = manifest_description_.config.dimensions;
  const bool by_id = request.vector_id.has_value();
  if (vector_side) {
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
  // The keyword query's terms, analyzed outside the lock (with the analyzer of the index at
  // query time, checked again under the lock).
  std::vector<std::string> terms;

  std::shared_lock state(state_mu_);
  SEMBLE_RETURN_IF_ERROR(ReadableLocked());
  if (keyword_side) {
    if (text_index_ == nullptr) {
      return Status::FailedPrecondition("index \"" + manifest_description_.name +
                                        "\" has no full-text index, so it cannot answer " +
                                        std::string(QueryModeName(request.mode)) +
                                        " queries; enable one (textIndex)")
          .WithReason(Status::Reason::kNoTextIndex);
    }
    text_index_->analyzer().Analyze(request.text, &terms);
  }
  // Expired records not purged yet are excluded like excludeIds; purging keeps them few.
  const int64_t now = NowLocked();
  std::vector<float> by_id_vector;
  const float* q = request.vector.data();
  if (vector_side && by_id) {
    auto it = ids_.find(*request.vector_id);
    if (it == ids_.end() || ExpiredAt(it->second, now)) {
      return Status::NotFound("vector id \"" + *request.vector_id + "\" is not in index \"" +
                              manifest_description_.name + "\"")
          .WithReason(Status::Reason::kVectorNotFound);
    }
    by_id_vector.resize(dims);
    (void)vectors_->Read(it->second, by_id_vector.data());
    q = by_id_vector.data();
  }
  if (vector_side && manifest_description_.config.metric == Metric::kCosine &&
      std::all_of(q, q + dims, [](float x) { return x == 0.0f; })) {
    return Status::InvalidArgument("the query vector is all zeros; cosine similarity is undefined");
  }

  // Excluded ids are one more condition on a match, like the filter, so the top k are of the
  // others rather than cut from a top k that held them.
  QueryScope scope;
  for (const std::string& id : request.exclude_ids) {
    if (auto it = ids_.find(id); it != ids_.end()) scope.excluded.insert(it->second);
  }
  for (uint32_t slot : ExpiredSlotsLocked(now)) scope.excluded.insert(slot);
  static const roaring::Roaring kEmpty;
  std::optional<roaring::Roaring> indexed;
  std::optional<meta::SlotTest> column;
  if (filter) {
    // When the metadata indexes answer the filter exactly, the candidates are the matches and no
    // record's metadata needs reading: a walk through a large index checked the filter on every
    // node it let into its list, each a few cache misses (the planned walk ran 2-5x the time of
    // the same walk with a one-byte check).
    // A filter the graph walk will answer is tested on a column of its index when it has one: the
    // walk needs a yes or no for each node it visits, and the bitmap of a filter that many
    // records pass is a union of one small bitmap per distinct value in range, which cost more
    // than the search (10x an unfiltered walk at 100% on GloVe). A filter few records pass keeps
    // its bitmap: the exact scan lists the matches from it.
    column = metadata_indexes_.ColumnTest(*filter);
    index::SearchParams plan_params;
    plan_params.ef = request.ef.value_or(0);
    plan_params.recall = request.recall;
    if (column && !ExactPlanFor(*vectors_, column->count(), 0, request.top_k, plan_params)) {
      scope.column = &*column;
    } else {
      bool exact = false;
      indexed = metadata_indexes_.Candidates(*filter, &exact);
      if (exact) {
        column.reset();
      } else if (column) {
        scope.column = &*column;  // exact too (a string range's keys): no record to read
      } else {
        scope.filter = &*filter;
      }
    }
  }
  if (by_ns) {
    auto it = namespaces_.find(*request.ns);
    const roaring::Roaring* ns_slots = it == namespaces_.end() ? &kEmpty : &it->second;
    if (indexed) {
      *indexed &= *ns_slots;
    } else {
      scope.candidates = ns_slots;
    }
  }
  if (indexed) scope.candidates = &*indexed;
  scope.restricted = by_ns || filter || !scope.excluded.empty();

  index::SearchParams params;
  params.ef = request.ef.value_or(0);
  params.recall = request.recall;
  const bool higher_first =
      request.mode != QueryMode::kVector || HigherIsCloser(manifest_description_.config.metric);
  const bool grouped = !request.group_by.empty();
  const uint32_t group_count = request.group_count.value_or(request.top_k);
  // The best k hits of one side, best first. One more is asked for: when it ties with the k-th,
  // the side chose among equal scores by its own order (slots), and the cut must choose by id as
  // the result's order does (else topK 1 and topK 2 disagree on which of two equal records comes
  // first). Then ranked deeper while the tie runs past the deepest hit, up to kMaxTieDepth more,
  // and cut by (score, id).
  auto settled = [&](const auto& search, size_t k, bool higher) {
    size_t depth = k + 1;
    std::vector<text::Hit> hits = search(depth);
    while (hits.size() == depth && hits[k - 1].score == hits.back().score &&
           depth < k + kMaxTieDepth) {
      depth = std::min(2 * depth, k + kMaxTieDepth);
      hits = search(depth);
    }
    if (hits.size() > k) {
      if (hits[k - 1].score == hits[k].score) {
        std::stable_sort(hits.begin(), hits.end(), [&](const text::Hit& a, const text::Hit& b) {
          if (a.score != b.score) return higher ? a.score > b.score : a.score < b.score;
          return slots_[a.slot].id < slots_[b.slot].id;
        });
      }
      hits.resize(k);
    }
    return hits;
  };
  // Ranks the allowed records, best first, at most `depth` of them.
  auto rank = [&](size_t depth) -> Result<std::vector<text::Hit>> {
    std::vector<text::Hit> vector_hits, keyword_hits;
    const size_t side_depth =
        request.mode == QueryMode::kHybrid ? std::max(depth, kFusionDepth) : depth;
    if (vector_side) {
      auto search = [&](size_t d) {
        std::vector<text::Hit> hits;
        for (const index::Hit& h : SearchVectorsLocked(q, d, params, scope)) {
          hits.push_back({h.slot, h.score});
        }
        return hits;
      };
      vector_hits =
          settled(search, side_depth, HigherIsCloser(manifest_description_.config.metric));
    }
    if (keyword_side) {
      text::SlotFilter allow;
      if (scope.restricted) allow = [&](uint32_t slot) { return AllowedLocked(scope, slot); };
      auto search = [&](size_t d) { return text_index_->SearchTerms(terms, d, allow); };
      keyword_hits = settled(search, side_depth, true);
    }
    if (request.mode == QueryMode::kVector) return vector_hits;
    if (request.mode == QueryMode::kKeyword) return keyword_hits;
    // Each side in result order (equal scores by id, as a query of that mode returns them), so
    // fused ranks do not depend on slot layout.
    auto by_score_then_id = [&](std::vector<text::Hit>* hits, bool higher) {
      std::stable_sort(hits->begin(), hits->end(), [&](const text::Hit& a, const text::Hit& b) {
        if (a.score != b.score) return higher ? a.score > b.score : a.score < b.score;
        return slots_[a.slot].id < slots_[b.slot].id;
      });
    };
    by_score_then_id(&vector_hits, HigherIsCloser(manifest_description_.config.metric));
    by_score_then_id(&keyword_hits, true);
    text::FusionOptions fusion;
    fusion.method = request.fusion == FusionMethod::kWeighted
                        ? text::FusionOptions::Method::kWeighted
                        : text::FusionOptions::Method::kReciprocalRank;
    fusion.alpha = request.alpha.value_or(0.5f);
    fusion.vector_order = HigherIsCloser(manifest_description_.config.metric)
                              ? text::ScoreOrder::kHigherIsBetter
                              : text::ScoreOrder::kLowerIsBetter;
    // Fused scores tie often (with RRF, rank r on one side only scores 1 / (60 + r) on either
    // side), and Fuse cuts ties by slot: fuse both sides whole, then cut by score then id, as the
    // answer is ordered (else topK 1 and topK 2 disagree on which of two equal records comes
    // first, and an answer changes when a checkpoint or a reopen moves records to other slots).
    SEMBLE_ASSIGN_OR_RETURN(
        std::vector<text::Hit> fused,
        text::Fuse(vector_hits, keyword_hits, fusion, vector_hits.size() + keyword_hits.size()));
    std::stable_sort(fused.begin(), fused.end(), [&](const text::Hit& a, const text::Hit& b) {
      if (a.score != b.score) return a.score > b.score;
      return slots_[a.slot].id < slots_[b.slot].id;
    });
    if (fused.size() > depth) fused.resize(depth);
    return fused;
  };

  auto to_match = [&](const text::Hit& h) {
    const Slot& s = slots_[h.slot];
    QueryMatch m;
    m.id = s.id;
    m.score = h.score;
    m.ns = s.ns;
    if (request.return_values) {
      m.values.resize(dims);
      (void)vectors_->Read(h.slot, m.values.data());
    }
    if (request.return_metadata == ReturnMetadata::kAll) {
      m.metadata_json = s.metadata_json;
    } else if (request.return_metadata == ReturnMetadata::kIndexed) {
      meta::Value projected = metadata_indexes_.Project(s.metadata);
      if (!projected.is_null()) m.metadata_json = meta::ToJson(projected);
    }
    return m;
  };
  // Equal scores come back ordered by id, so a result does not depend on slot layout. The index
  // returns its hits in order already (ties by slot), so usually this finds nothing to move; the
  // check first spares stable_sort's temporary buffer, an allocation per query.
  auto sort_matches = [higher_first](std::vector<QueryMatch>* matches) {
    auto before = [higher_first](const QueryMatch& a, const QueryMatch& b) {
      if (a.score != b.score) return higher_first ? a.score > b.score : a.score < b.score;
      return a.id < b.id;
    };
    if (std::is_sorted(matches->begin(), matches->end(), before)) return;
    std::stable_sort(matches->begin(), matches->end(), before);
  };

  QueryResult result;
  if (!grouped) {
    SEMBLE_ASSIGN_OR_RETURN(std::vector<text::Hit> hits, rank(request.top_k));
    // Each hit's record is a cache miss of its own (the records of a large index are far apart):
    // asking for all of them first overlaps the misses instead of taking them one by one.
    for (const text::Hit& h : hits) __builtin_prefetch(&slots_[h.slot]);
    result.matches.reserve(hits.size());
    for (const text::Hit& h : hits) result.matches.push_back(to_match(h));
    sort_matches(&result.matches);
    return result;
  }

  text::GroupOptions group_options;
  group_options.group_size = request.group_size;
  group_options.group_count = group_count;
  auto keys = [&](uint32_t slot, std::vector<std::string>* out) {
    GroupKeys(slots_[slot].metadata, request.group_by, out);
  };
  size_t depth = size_t{group_count} * request.group_size * kGroupOverfetch;
  std::vector<text::Group> groups;
  while (true) {
    SEMBLE_ASSIGN_OR_RETURN(std::vector<text::Hit> hits, rank(depth));
    // Ties in score are ordered by id before grouping, as ungrouped results are.
    std::stable_sort(hits.begin(), hits.end(), [&](const text::Hit& a, const text::Hit& b) {
      if (a.score != b.score) return higher_first ? a.score > b.score : a.score < b.score;
      return slots_[a.slot].id < slots_[b.slot].id;
    });
    SEMBLE_ASSIGN_OR_RETURN(groups, text::GroupHits(hits, keys, group_options));
    const bool full = groups.size() == group_count &&
                      std::all_of(groups.begin(), groups.end(), [&](const text::Group& g) {
                        return g.hits.size() == request.group_size;
                      });
    if (full || hits.size() < depth || depth >= kGroupMaxDepth) {
      // Refused only once every match the groups are filled from was ranked: the best matches
      // may lack the property where later ones have it.
      if (!hits.empty() && groups.empty()) {
        return Status::InvalidArgument("groupBy \"" + request.group_by +
                                       "\": none of the matching records has that metadata "
                                       "property (as a string, number, boolean or string array)");
      }
      break;
    }
    depth = std::min(depth * 2, kGroupMaxDepth);
  }
  for (const text::Group& g : groups) {
    QueryGroup& out = result.groups.emplace_back();
    out.key_json = g.key;
    for (const text::Hit& h : g.hits) out.matches.push_back(to_match(h));
    result.matches.insert(result.matches.end(), out.matches.begin(), out.matches.end());
  }
  return result;
}

}  // namespace semble::db
