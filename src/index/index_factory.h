// Copyright 2026 The semble Authors.
//
// Index type strings, FAISS-style: "flat", "hnsw", "hnsw,sq8", "hnsw,bq", "hnsw,lb8" (float32
// results, a walk that reads fewer float vectors: HnswOptions::bound_codes), with optional
// parameters after the kind: "hnsw,m=32,efc=400,ef=100,sq8". "auto" (no options) is "hnsw" with
// lb8 from kAutoBoundCodesFromDimensions dimensions on, plain "hnsw" below; it never reaches a
// manifest (IndexSpecString gives what it chose). Case-insensitive, no spaces. The
// database stores the string in its manifest and builds the index from it, instead of branching on
// types in code.

#ifndef SEMBLE_SRC_INDEX_INDEX_FACTORY_H_
#define SEMBLE_SRC_INDEX_INDEX_FACTORY_H_

#include <string>
#include <string_view>

#include "index/hnsw_index.h"
#include "semble/status.h"

namespace semble::index {

struct IndexSpec {
  enum class Kind { kFlat, kHnsw };
  Kind kind = Kind::kFlat;
  HnswOptions hnsw;  // kHnsw only; dimensions and metric copied from the arguments
};

// Where "auto" starts to add lb8: at 128 dimensions the codes were 0.97-1.06x plain hnsw's
// queries/s, at 256 1.17-1.30x, at 384 1.23-1.38x, at 784 1.16x, for +1 byte per dimension.
inline constexpr uint32_t kAutoBoundCodesFromDimensions = 256;

Result<IndexSpec> ParseIndexSpec(std::string_view spec, uint32_t dimensions, Metric metric);
// The canonical string of a spec ("hnsw,m=16,efc=200,ef=64,sq8"); parses back to the same spec.
std::string IndexSpecString(const IndexSpec& spec);

}  // namespace semble::index

#endif  // SEMBLE_SRC_INDEX_INDEX_FACTORY_H_
