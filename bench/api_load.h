// Copyright 2026 The semble Authors.
//
// Loading an ANN data set through the public API the way users load data: one index in a
// database, the base upserted in its natural order in batches, linked by the background builder.
// Shared by the benches that measure what users run (hnsw_bench's API engines, memory_bench,
// recall_target_bench, filtered_bench).

#ifndef SEMBLE_BENCH_API_LOAD_H_
#define SEMBLE_BENCH_API_LOAD_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ann_data.h"
#include "semble/database.h"

namespace semble::bench {

template <class T>
T Unwrap(Result<T> r, const std::string& what) {
  DieIf(!r.ok(), what + ": " + (r.ok() ? "" : r.status().ToString()));
  return std::move(*r);
}

// A new index `name` in db for d's dimensions and metric, of the given type ("hnsw", ...).
inline std::shared_ptr<Index> CreateAnnIndex(Database& db, const std::string& name,
                                             const AnnDataset& d, const std::string& index_type) {
  CreateIndexRequest create;
  create.name = name;
  create.config.dimensions = d.dims;
  create.config.metric = d.metric;
  create.config.index_type = index_type;
  return Unwrap(db.CreateIndex(create), "create index " + name);
}

// Upserts the base rows in order, `batch` records per call, ids "0", "1", ...; metadata(row),
// when given, is each record's metadata JSON.
inline void UpsertBase(Index& index, const AnnDataset& d, size_t batch,
                       const std::function<std::string(size_t)>& metadata = nullptr) {
  for (size_t at = 0; at < d.n; at += batch) {
    std::vector<VectorRecord> records(std::min(batch, d.n - at));
    for (size_t i = 0; i < records.size(); ++i) {
      records[i].id = std::to_string(at + i);
      records[i].values.assign(&d.base[(at + i) * d.dims], &d.base[(at + i + 1) * d.dims]);
      if (metadata) records[i].metadata_json = metadata(at + i);
    }
    (void)Unwrap(index.Upsert(records), "upsert");
  }
}

// Returns once the background builder has linked every vector (IndexInfo::unindexed_vectors).
inline IndexInfo WaitUntilIndexed(const Index& index) {
  while (true) {
    IndexInfo info = Unwrap(index.Info(), "info");
    if (info.unindexed_vectors == 0) return info;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace semble::bench

#endif  // SEMBLE_BENCH_API_LOAD_H_
