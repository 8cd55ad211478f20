// Copyright 2026 The semble Authors.
//
// One search result inside the index layer: a slot and its score. Its own header so that the
// abstract index seam (vector_index.h) does not depend on a concrete index.

#ifndef SEMBLE_SRC_INDEX_HIT_H_
#define SEMBLE_SRC_INDEX_HIT_H_

#include <cstdint>

namespace semble::index {

struct Hit {
  uint32_t slot;
  float score;  // in the metric's convention: cosine similarity, L2 distance, or -dot
};

}  // namespace semble::index

#endif  // SEMBLE_SRC_INDEX_HIT_H_
