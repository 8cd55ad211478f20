// Copyright 2026 The semble Authors.
//
// Query and list requests and their results.

#ifndef SEMBLE_INCLUDE_SEMBLE_QUERY_H_
#define SEMBLE_INCLUDE_SEMBLE_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "semble/status.h"

namespace semble {

enum class ReturnMetadata {
  kNone,     // no metadata in matches
  kIndexed,  // only properties that have a metadata index (strings cut to their indexed prefix)
  kAll,      // the whole metadata object
};

// Extension: how a query ranks records.
enum class QueryMode {
  kVector,   // by vector similarity (Vectorize's only mode)
  kKeyword,  // by BM25 over the full-text index (IndexConfig::text_index)
  kHybrid,   // both, fused into one ranking
};
// "vector", "keyword", "hybrid".
std::string_view QueryModeName(QueryMode mode);
Result<QueryMode> ParseQueryMode(std::string_view name);

// Extension: how a hybrid query fuses its two rankings.
enum class FusionMethod {
  // Reciprocal rank fusion (the default): a record scores the sum of 1 / (60 + rank) over the
  // rankings it appears in. Only the order of each side counts.
  kReciprocalRank,
  // Each side's scores min-max normalised to [0, 1] (1 = the side's best), fused as
  // alpha * vector + (1 - alpha) * keyword; a record missing from a side gets 0 there.
  kWeighted,
};
// "rrf", "weighted".
std::string_view FusionMethodName(FusionMethod method);
Result<FusionMethod> ParseFusionMethod(std::string_view name);

struct QueryRequest {
  // Vector mode: exactly one of `vector` (non-empty), `vector_id` and `text` is given. With
  // vector_id the stored vector of that id is the query, and it is itself a candidate match. A
  // text (extension) is embedded with the index's model; an index without one fails with reason
  // kNoModel.
  //
  // Keyword mode: `text` is the keyword query (not embedded); no vector or vector_id. Hybrid
  // mode: `text` is the keyword query, and the vector side's query is `vector` or `vector_id`
  // when one is given, else the embedded `text`. Both modes need the index's full-text index
  // (FailedPrecondition, reason kNoTextIndex, without one). The keyword side sees exactly the
  // records the vector side may return: namespace, filter, exclude_ids and expiry apply to both
  // before fusion. Keyword scores are BM25 scores; hybrid scores are the fused scores; both are
  // higher-is-better whatever the metric. A keyword query without any indexable term (blank,
  // only stop words) matches nothing.
  QueryMode mode = QueryMode::kVector;
  FusionMethod fusion = FusionMethod::kReciprocalRank;
  // kWeighted only: the vector side's weight, in [0, 1]; nullopt = 0.5. Given with another
  // fusion, InvalidArgument.
  std::optional<float> alpha;
  std::vector<float> vector;
  std::optional<std::string> vector_id;
  std::string text;
  uint32_t top_k = 5;  // 1..100; 1..20 with return_values or ReturnMetadata::kAll
  bool return_values = false;
  ReturnMetadata return_metadata = ReturnMetadata::kNone;
  // Only vectors in this namespace are candidates; nullopt searches every vector.
  std::optional<std::string> ns;
  // Approximate indexes only (extensions): the size of the candidate list walked in the graph, or a
  // recall@topK target (0 < recall <= 1) from which the index picks that size using a calibration
  // it keeps. Neither: the index's default. Exact indexes ignore both.
  std::optional<uint32_t> ef;
  std::optional<float> recall;
  // A filter in Vectorize's JSON language (plus $and/$or/$not/$exists); "" = no filter. Applied
  // before top-K: the results are the top K of the vectors that match.
  std::string filter_json;
  // Extension: ids that are never returned, applied with the filter (so the result still holds
  // top_k matches when enough others exist), e.g. the examples of a recommendation. At most 1000;
  // ids that are not stored are ignored.
  std::vector<std::string> exclude_ids;
  // Extension, search groups (Qdrant's): with a metadata property in group_by (top-level or
  // "parent.child"), the result holds, for the group_count distinct values of that property
  // seen best first, the group_size best matches with that value. A record without the property
  // joins no group; one whose value is an array joins the group of each element. group_size
  // 1..100, group_count 1..100 (nullopt: top_k), and group_size * group_count at most top_k's
  // limit (100, or 20 with values or all metadata); top_k itself is then unused. Groups are
  // filled from the best 10,000 matches (a group whose members rank lower stays short).
  // InvalidArgument when some records matched but none has the property.
  std::string group_by;
  uint32_t group_size = 3;
  std::optional<uint32_t> group_count;
};

struct QueryMatch {
  std::string id;
  // Cosine: similarity (higher is closer). Euclidean: L2 distance. Dot-product: -(q . v).
  float score = 0;
  std::vector<float> values;  // filled when return_values
  std::string ns;             // "" when the vector has no namespace
  std::string metadata_json;  // filled per return_metadata; "" when none
};

struct QueryGroup {
  // The group's value of the group_by property, as compact JSON ("\"doc-1\"", "3", "true").
  std::string key_json;
  std::vector<QueryMatch> matches;  // best first
};

struct QueryResult {
  // Closest first; ties broken by id. With group_by: the matches of every group, group after
  // group (a record in several groups appears in each).
  std::vector<QueryMatch> matches;
  // With group_by only: the groups in the order of their best match.
  std::vector<QueryGroup> groups;
};

struct ListRequest {
  uint32_t count = 100;  // 1..1000
  // "" for the first page, then the previous page's next_cursor.
  std::string cursor;
};

struct ListResult {
  // Ids in ascending byte order.
  std::vector<std::string> ids;
  uint64_t total_count = 0;  // vectors in the index when the page was read
  bool is_truncated = false;
  // Give it back to read the next page; "" when this was the last page. A cursor is the last id of
  // the page, so paging while writes happen never repeats or skips an id that exists throughout;
  // ids inserted behind the cursor are not seen, ids inserted ahead of it are.
  std::string next_cursor;
};

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_QUERY_H_
