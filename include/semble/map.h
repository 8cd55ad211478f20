// Copyright 2026 The semble Authors.
//
// A 2-D map of an index (what the web console draws): a deterministic sample of the vectors
// projected on their first two principal components (for cosine indexes, of the normalised vectors,
// the space cosine compares in). With a query, the query and its nearest neighbours are projected
// with the same components, so they land among the points they are close to.

#ifndef SEMBLE_INCLUDE_SEMBLE_MAP_H_
#define SEMBLE_INCLUDE_SEMBLE_MAP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "semble/database.h"

namespace semble {

inline constexpr uint32_t kMaxMapSample = 5000;

struct MapRequest {
  uint32_t sample = 500;  // 1..kMaxMapSample vectors drawn (all of them when the index is smaller)
  // A query (vector, vector id or text, with its topK, filter and namespace) whose matches are
  // placed on the map; return_values and return_metadata are set by the map.
  std::optional<QueryRequest> query;
};

struct MapPoint {
  std::string id;
  float x = 0, y = 0;
  std::string ns;
  std::string metadata_json;
  float score = 0;  // matches only
};

struct IndexMap {
  std::vector<double> explained_variance;  // of the two components, each in [0, 1]
  uint64_t total_count = 0;                // vectors in the index while sampling
  std::vector<MapPoint> points;            // the sample
  std::optional<MapPoint> query;           // where the query lands (x, y only)
  std::vector<MapPoint> matches;           // the query's matches, closest first
};

// Reservoir sampling over pages of List, with a fixed seed: memory stays at `sample` ids whatever
// the index size, and the same index gives the same map. InvalidArgument for a sample out of range;
// the query's errors are the query's (Index::Query).
Result<IndexMap> MapIndex(const Index& index, const MapRequest& request);

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_MAP_H_
