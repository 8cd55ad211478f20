// Copyright 2026 The semble Authors.
//
// MapIndex (semble/map.h) and Index::QueryVector's base implementation: engine functions over the
// public Index interface, so they work the same on a local index and a remote one.

#include <cmath>
#include <map>
#include <random>

#include "core/pca.h"
#include "semble/map.h"

namespace semble {

Result<std::vector<float>> Index::QueryVector(const QueryRequest& request) const {
  if (!request.text.empty()) {
    return Status::FailedPrecondition("this index cannot embed query text here");
  }
  if (!request.vector_id) return request.vector;
  SEMBLE_ASSIGN_OR_RETURN(std::vector<VectorRecord> stored,
                          GetByIds(std::vector<std::string>{*request.vector_id}));
  if (stored.empty()) {
    return Status::NotFound("no vector with id \"" + *request.vector_id + "\"")
        .WithReason(Status::Reason::kVectorNotFound);
  }
  return std::move(stored[0].values);
}

Result<IndexMap> MapIndex(const Index& index, const MapRequest& request) {
  if (request.sample < 1 || request.sample > kMaxMapSample) {
    return Status::InvalidArgument("sample must be from 1 to " + std::to_string(kMaxMapSample));
  }
  const IndexDescription d = index.Describe();
  IndexMap out;
  std::vector<std::string> chosen;
  std::mt19937_64 rng(0x5eb1e);
  ListRequest list;
  list.count = 1000;  // Vectorize's page limit, which every index accepts
  while (true) {
    SEMBLE_ASSIGN_OR_RETURN(ListResult page, index.List(list));
    for (std::string& id : page.ids) {
      ++out.total_count;
      if (chosen.size() < request.sample) {
        chosen.push_back(std::move(id));
      } else if (const uint64_t j = rng() % out.total_count; j < request.sample) {
        chosen[j] = std::move(id);
      }
    }
    if (!page.is_truncated) break;
    list.cursor = page.next_cursor;
  }
  SEMBLE_ASSIGN_OR_RETURN(std::vector<VectorRecord> records, index.GetByIds(chosen));
  const uint32_t dims = d.config.dimensions;
  const bool cosine = d.config.metric == Metric::kCosine;
  auto as_point = [&](const std::vector<float>& v) {
    std::vector<float> p = v;
    if (cosine) {
      double norm = 0;
      for (float x : p) norm += double(x) * x;
      if (norm > 0) {
        for (float& x : p) x = static_cast<float>(x / std::sqrt(norm));
      }
    }
    return p;
  };
  std::vector<float> data;
  data.reserve(records.size() * dims);
  for (const VectorRecord& r : records) {
    const std::vector<float> p = as_point(r.values);
    data.insert(data.end(), p.begin(), p.end());
  }
  const core::Pca pca = core::FitPca(data.data(), records.size(), dims, 2);
  out.explained_variance = pca.explained;
  auto place = [&](const float* p, MapPoint* point) {
    const std::vector<float> xy = pca.Project(p);
    point->x = xy[0];
    point->y = xy[1];
  };
  out.points.resize(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    MapPoint& point = out.points[i];
    point.id = std::move(records[i].id);
    point.ns = std::move(records[i].ns);
    point.metadata_json = std::move(records[i].metadata_json);
    place(&data[i * dims], &point);
  }
  if (request.query) {
    // The matches' vectors are read with GetByIds rather than asked of the query (returnValues),
    // so the map takes the same topK as any query without metadata.
    QueryRequest q = *request.query;
    q.return_values = false;
    q.return_metadata = ReturnMetadata::kNone;
    SEMBLE_ASSIGN_OR_RETURN(std::vector<float> qv, index.QueryVector(q));
    // The embedded text is the query from here on: it is not embedded twice.
    q.text.clear();
    q.vector_id.reset();
    q.vector = qv;
    SEMBLE_ASSIGN_OR_RETURN(QueryResult result, index.Query(q));
    out.query.emplace();
    place(as_point(qv).data(), &*out.query);
    std::vector<std::string> ids;
    for (const QueryMatch& m : result.matches) ids.push_back(m.id);
    SEMBLE_ASSIGN_OR_RETURN(std::vector<VectorRecord> found, index.GetByIds(ids));
    std::map<std::string, VectorRecord*> by_id;
    for (VectorRecord& r : found) by_id[r.id] = &r;
    for (const QueryMatch& m : result.matches) {  // closest first, as the query answered
      auto it = by_id.find(m.id);
      if (it == by_id.end()) continue;  // deleted since the query ran
      MapPoint point;
      point.id = m.id;
      point.score = m.score;
      point.ns = it->second->ns;
      point.metadata_json = std::move(it->second->metadata_json);
      place(as_point(it->second->values).data(), &point);
      out.matches.push_back(std::move(point));
    }
  }
  return out;
}

}  // namespace semble
