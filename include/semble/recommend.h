// Copyright 2026 The semble Authors.
//
// Recommendations from examples: "more like these, less like those" over a stored index, e.g.
// shows a viewer would like from the shows they liked and disliked.

#ifndef SEMBLE_INCLUDE_SEMBLE_RECOMMEND_H_
#define SEMBLE_INCLUDE_SEMBLE_RECOMMEND_H_

#include <optional>
#include <string>
#include <vector>

#include "semble/database.h"

namespace semble {

struct RecommendRequest {
  std::vector<std::string> positive;  // ids of liked records (at least one)
  std::vector<std::string> negative;  // ids of disliked records (may be empty)
  uint32_t top_k = 5;
  bool return_values = false;
  ReturnMetadata return_metadata = ReturnMetadata::kNone;
  std::optional<std::string> ns;
  std::string filter_json;
};

// The records closest to the target 2·mean(positive) − mean(negative) (mean(positive) when there
// are no negatives; with cosine, each example is normalised first), leaving out the examples
// themselves: the target moves from the liked records away from the disliked ones, as Qdrant's
// "average vector" strategy does. The examples are excluded in the search itself
// (QueryRequest::exclude_ids), so top_k obeys the same caps as a query and is always filled when
// enough other records match. NotFound names an example id that is not stored;
// InvalidArgument when there is no positive id or when the target is a zero vector under cosine.
Result<QueryResult> Recommend(const Index& index, const RecommendRequest& request);

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_RECOMMEND_H_
