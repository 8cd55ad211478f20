// Copyright 2026 The semble Authors.
//
// Search groups (Qdrant's semantics): from hits ranked best first and a key per hit (a metadata
// value, e.g. the source document of a chunk), the best `group_size` hits of each distinct key,
// for at most `group_count` keys. Groups come in the order of their best hit; within a group hits
// keep their rank order. A hit whose record has no key is left out; a hit with several keys (an
// array value) joins the group of each. A slot repeated in the input counts at its first place.
//
// Used for every query mode (vector, keyword, hybrid): the caller ranks, then groups. It is the
// caller's business to rank enough hits (group_count · group_size at least, more when keys
// repeat) for the groups to fill.

#ifndef SEMBLE_SRC_TEXT_GROUPING_H_
#define SEMBLE_SRC_TEXT_GROUPING_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "semble/status.h"
#include "text/hit.h"

namespace semble::text {

struct GroupOptions {
  size_t group_size = 3;    // hits per group, >= 1
  size_t group_count = 10;  // groups, >= 1

  Status Validate() const;  // InvalidArgument for a zero
};

struct Group {
  std::string key;
  std::vector<Hit> hits;  // best first, at most group_size

  bool operator==(const Group&) const = default;
};

// Fills *keys (cleared by the caller) with the group keys of `slot`: none, one, or several.
// Keys are compared as bytes, so the caller gives each value one canonical spelling (a number
// and the string of its digits must not collide, for instance).
using GroupKeyFn = std::function<void(uint32_t slot, std::vector<std::string>* keys)>;

Result<std::vector<Group>> GroupHits(std::span<const Hit> ranked, const GroupKeyFn& keys,
                                     const GroupOptions& options);

}  // namespace semble::text

#endif  // SEMBLE_SRC_TEXT_GROUPING_H_
