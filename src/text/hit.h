// Copyright 2026 The semble Authors.
//
// One ranked result in the text layer: a slot (the same slot space as the vector index) and a
// score. The same layout as index::Hit, so the database moves vector hits into the fusion and
// grouping helpers (fusion.h, grouping.h) without translation beyond a copy.

#ifndef SEMBLE_SRC_TEXT_HIT_H_
#define SEMBLE_SRC_TEXT_HIT_H_

#include <cstdint>
#include <functional>

namespace semble::text {

struct Hit {
  uint32_t slot;
  float score;

  bool operator==(const Hit&) const = default;
};

// Which slots a search may return; an empty function allows every slot.
using SlotFilter = std::function<bool(uint32_t slot)>;

}  // namespace semble::text

#endif  // SEMBLE_SRC_TEXT_HIT_H_
