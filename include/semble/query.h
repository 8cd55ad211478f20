// Copyright 2026 The semble Authors.
//
// Query and list requests and their results.

#ifndef SEMBLE_INCLUDE_SEMBLE_QUERY_H_
#define SEMBLE_INCLUDE_SEMBLE_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace semble {

enum class ReturnMetadata {
  kNone,     // no metadata in matches
  kIndexed,  // only properties that have a metadata index (strings cut to their indexed prefix)
  kAll,      // the whole metadata object
};

struct QueryRequest {
  // Exactly one of `vector` (non-empty), `vector_id` and `text` is given. With vector_id the stored
  // vector of that id is the query, and it is itself a candidate match. A text (extension) is
  // embedded with the index's model; an index without one fails with reason kNoModel.
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
};

struct QueryMatch {
  std::string id;
  // Cosine: similarity (higher is closer). Euclidean: L2 distance. Dot-product: -(q . v).
  float score = 0;
  std::vector<float> values;  // filled when return_values
  std::string ns;             // "" when the vector has no namespace
  std::string metadata_json;  // filled per return_metadata; "" when none
};

struct QueryResult {
  // Closest first; ties broken by id.
  std::vector<QueryMatch> matches;
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
