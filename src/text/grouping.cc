// Copyright 2026 The semble Authors.
//
// One pass over the ranking: a hit opens its key's group if fewer than group_count groups exist,
// and joins it while it has room. Once group_count groups are full no later hit can change the
// answer, so the pass stops there.

#include "text/grouping.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace semble::text {

Status GroupOptions::Validate() const {
  if (group_size == 0) return Status::InvalidArgument("group_size must be at least 1");
  if (group_count == 0) return Status::InvalidArgument("group_count must be at least 1");
  return Status::OK();
}

Result<std::vector<Group>> GroupHits(std::span<const Hit> ranked, const GroupKeyFn& keys,
                                     const GroupOptions& options) {
  SEMBLE_RETURN_IF_ERROR(options.Validate());
  std::vector<Group> groups;
  std::unordered_map<std::string, size_t> index;  // key -> position in groups
  std::unordered_set<uint32_t> seen_slots;
  std::vector<std::string> hit_keys;
  size_t full = 0;
  for (const Hit& hit : ranked) {
    if (full == options.group_count) break;
    if (!seen_slots.insert(hit.slot).second) continue;
    hit_keys.clear();
    keys(hit.slot, &hit_keys);
    std::sort(hit_keys.begin(), hit_keys.end());  // one membership per distinct key
    hit_keys.erase(std::unique(hit_keys.begin(), hit_keys.end()), hit_keys.end());
    for (std::string& key : hit_keys) {
      auto it = index.find(key);
      if (it == index.end()) {
        if (groups.size() == options.group_count) continue;
        it = index.emplace(key, groups.size()).first;
        groups.push_back({std::move(key), {}});
      }
      Group& g = groups[it->second];
      if (g.hits.size() < options.group_size) {
        g.hits.push_back(hit);
        if (g.hits.size() == options.group_size) ++full;
      }
    }
  }
  return groups;
}

}  // namespace semble::text
