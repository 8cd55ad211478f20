// Copyright 2026 The semble Authors.

#include "semble/recommend.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace semble {
namespace {

Result<std::vector<double>> Mean(const Index& index, const std::vector<std::string>& ids,
                                 uint32_t dims, bool normalize) {
  SEMBLE_ASSIGN_OR_RETURN(std::vector<VectorRecord> records, index.GetByIds(ids));
  std::set<std::string> found;
  for (const VectorRecord& r : records) found.insert(r.id);
  for (const std::string& id : ids) {
    if (found.count(id) == 0) return Status::NotFound("no vector with id \"" + id + "\"");
  }
  std::vector<double> mean(dims, 0.0);
  for (const VectorRecord& r : records) {
    double norm = 1;
    if (normalize) {
      norm = 0;
      for (float x : r.values) norm += double(x) * x;
      norm = std::sqrt(norm);
      if (norm == 0) norm = 1;
    }
    for (uint32_t j = 0; j < dims; ++j) mean[j] += r.values[j] / norm;
  }
  for (double& m : mean) m /= double(records.size());
  return mean;
}

}  // namespace

Result<QueryResult> Recommend(const Index& index, const RecommendRequest& request) {
  if (request.positive.empty()) {
    return Status::InvalidArgument("a recommendation needs at least one positive id");
  }
  const IndexDescription d = index.Describe();
  const uint32_t dims = d.config.dimensions;
  const bool cosine = d.config.metric == Metric::kCosine;
  SEMBLE_ASSIGN_OR_RETURN(std::vector<double> pos, Mean(index, request.positive, dims, cosine));
  std::vector<double> target = pos;
  if (!request.negative.empty()) {
    SEMBLE_ASSIGN_OR_RETURN(std::vector<double> neg, Mean(index, request.negative, dims, cosine));
    for (uint32_t j = 0; j < dims; ++j) target[j] = 2 * pos[j] - neg[j];
  }
  std::set<std::string> examples(request.positive.begin(), request.positive.end());
  examples.insert(request.negative.begin(), request.negative.end());

  QueryRequest q;
  q.vector.assign(target.begin(), target.end());
  q.return_values = request.return_values;
  q.return_metadata = request.return_metadata;
  q.ns = request.ns;
  q.filter_json = request.filter_json;
  // Ask for enough to drop the examples and still have top_k, within the index's topK caps (a
  // top_k over the cap is left for Query to refuse).
  const uint32_t cap = request.return_values || request.return_metadata == ReturnMetadata::kAll
                           ? request.max_top_k_with_data
                           : request.max_top_k;
  q.top_k = std::max(request.top_k,
                     std::min(cap, request.top_k + static_cast<uint32_t>(examples.size())));
  SEMBLE_ASSIGN_OR_RETURN(QueryResult result, index.Query(q));
  QueryResult out;
  for (QueryMatch& m : result.matches) {
    if (examples.count(m.id) != 0) continue;
    if (out.matches.size() == request.top_k) break;
    out.matches.push_back(std::move(m));
  }
  return out;
}

}  // namespace semble
