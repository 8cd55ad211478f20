// Copyright 2026 The semble Authors.
//
// The VectorIndex of "hnsw" indexes: an HnswIndex graph plus a write buffer that a background thread
// drains into the graph.
//
// Why: inserting into the graph costs ~0.3 ms per 384-dimensional vector, 50-100x more than making
// a write durable. Set therefore only stores the vector in an exact (flat) buffer, and one thread
// per index links buffered vectors into the graph in small batches. A query searches the graph
// and scans the buffer exactly, and merges the two, so a vector is found from the moment its
// write returns (read-your-writes holds) and recall never drops below the graph's. This is how
// Qdrant's unindexed segments and Milvus's growing segments work.
//
// Serialize pauses the builder and writes the graph only; vectors still buffered are missing from
// the blob, and the database re-adds them on recovery (Get returns nullptr for them).

#ifndef SEMBLE_SRC_INDEX_HNSW_VECTOR_INDEX_H_
#define SEMBLE_SRC_INDEX_HNSW_VECTOR_INDEX_H_

#include <memory>

#include "index/hnsw_index.h"
#include "index/vector_index.h"

namespace semble::index {

std::unique_ptr<VectorIndex> NewHnswVectorIndex(IndexSpec spec, std::unique_ptr<HnswIndex> hnsw,
                                                uint32_t exact_below);

// Bench only: whether a graph mapped from its checkpoint stays mapped (true) instead of being
// moved into the index's own huge pages by the builder after open (the default, false), so that
// one process can measure queries on either.
void SetKeepGraphMappedForBench(bool keep);

}  // namespace semble::index

#endif  // SEMBLE_SRC_INDEX_HNSW_VECTOR_INDEX_H_
