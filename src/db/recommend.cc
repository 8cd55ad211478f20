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
  QueryRequest q;
  q.vector.assign(target.begin(), target.end());
  q.top_k = request.top_k;
  q.return_values = request.return_values;
  q.return_metadata = request.return_metadata;
  q.ns = request.ns;
  q.filter_json = request.filter_json;
  q.exclude_ids = request.positive;
  q.exclude_ids.insert(q.exclude_ids.end(), request.negative.begin(), request.negative.end());
  return index.Query(q);
}

}  // namespace semble
