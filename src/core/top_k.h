// Copyright 2026 The semble Authors.
//
// Keeps the k best (key, slot) pairs seen in a stream. "Best" is the largest key; callers that want
// the smallest distance push its negation. Ties on key keep the smaller slot, so results are
// deterministic for a given slot layout.

#ifndef SEMBLE_SRC_CORE_TOP_K_H_
#define SEMBLE_SRC_CORE_TOP_K_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace semble::core {

struct ScoredSlot {
  float key;
  uint32_t slot;
};

// a is better than b.
inline bool Better(const ScoredSlot& a, const ScoredSlot& b) {
  return a.key > b.key || (a.key == b.key && a.slot < b.slot);
}

class TopK {
 public:
  explicit TopK(size_t k) : k_(k) { heap_.reserve(k + 1); }

  // The key a new element must beat to enter (lowest key kept), -inf while fewer than k are kept,
  // +inf when k is 0 (nothing can enter; reading front() of the empty heap would be undefined).
  float threshold() const {
    if (k_ == 0) return std::numeric_limits<float>::infinity();
    return heap_.size() < k_ ? -std::numeric_limits<float>::infinity() : heap_.front().key;
  }

  void Push(float key, uint32_t slot) {
    if (k_ == 0) return;
    ScoredSlot s{key, slot};
    if (heap_.size() < k_) {
      heap_.push_back(s);
      std::push_heap(heap_.begin(), heap_.end(), Better);  // front = worst kept
    } else if (Better(s, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), Better);
      heap_.back() = s;
      std::push_heap(heap_.begin(), heap_.end(), Better);
    }
  }

  size_t size() const { return heap_.size(); }

  // The kept elements, best first. Leaves the TopK empty.
  std::vector<ScoredSlot> Take() {
    std::sort_heap(heap_.begin(), heap_.end(), Better);
    return std::move(heap_);
  }

 private:
  size_t k_;
  std::vector<ScoredSlot> heap_;
};

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_TOP_K_H_
