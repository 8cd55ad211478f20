// Copyright 2026 The semble Authors.

#include "text/doc_table.h"

#include <algorithm>
#include <limits>

namespace semble::text {

namespace {

// The array may cover this many slots beyond twice the documents held: small tables stay arrays
// whatever their slots, and the first documents of a load do not all land in the hash map.
constexpr uint64_t kDenseMargin = 1024;
// The arena is compacted once erased documents' entries are most of it (and at least this many).
constexpr size_t kMinCompaction = 4096;

}  // namespace

const DocTable::Doc* DocTable::Find(uint32_t slot) const {
  if (slot < dense_.size()) {
    const Doc& d = dense_[slot];
    return d.length == 0 ? nullptr : &d;
  }
  if (sparse_.empty()) return nullptr;
  auto it = sparse_.find(slot);
  return it == sparse_.end() ? nullptr : &it->second;
}

DocTable::Doc& DocTable::FindOrAdd(uint32_t slot) {
  if (slot >= dense_.size()) {
    const uint64_t limit = 2 * (static_cast<uint64_t>(size_) + 1) + kDenseMargin;
    if (slot < limit) {
      // Grow geometrically (appends of increasing slots stay amortized O(1)), never past limit.
      const uint64_t grown = std::max<uint64_t>(slot + 1, 2 * dense_.size());
      dense_.resize(std::min(limit, grown));
      for (auto it = sparse_.begin(); it != sparse_.end();) {
        if (it->first < dense_.size()) {
          dense_[it->first] = it->second;
          it = sparse_.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  Doc& d = slot < dense_.size() ? dense_[slot] : sparse_[slot];
  if (d.length == 0) {
    d = Doc();
    ++size_;
  }
  return d;
}

std::span<const uint32_t> DocTable::Terms(uint32_t slot) const {
  const Doc* d = Find(slot);
  if (d == nullptr) return {};
  return {arena_.data() + d->terms_at, d->n_terms};
}

void DocTable::Insert(uint32_t slot, uint32_t length, std::span<const uint32_t> term_ids) {
  Doc& d = FindOrAdd(slot);
  d.length = length;
  d.n_terms = static_cast<uint32_t>(term_ids.size());
  d.terms_at = arena_.size();
  arena_.insert(arena_.end(), term_ids.begin(), term_ids.end());
}

bool DocTable::Erase(uint32_t slot) {
  Doc* d = Find(slot);
  if (d == nullptr) return false;
  garbage_ += d->n_terms;
  if (slot < dense_.size()) {
    *d = Doc();
  } else {
    sparse_.erase(slot);
  }
  --size_;
  MaybeCompact();
  return true;
}

void DocTable::MaybeCompact() {
  if (garbage_ < kMinCompaction || garbage_ <= arena_.size() / 2) return;
  std::vector<uint32_t> fresh;
  fresh.reserve(arena_.size() - garbage_);
  auto move = [&](Doc& d) {
    if (d.length == 0) return;
    const uint64_t at = fresh.size();
    fresh.insert(fresh.end(), arena_.begin() + d.terms_at, arena_.begin() + d.terms_at + d.n_terms);
    d.terms_at = at;
  };
  for (Doc& d : dense_) move(d);
  for (auto& [slot, d] : sparse_) move(d);
  arena_.swap(fresh);
  garbage_ = 0;
}

void DocTable::ReserveDense(uint32_t n, uint64_t postings) {
  const uint64_t cap = std::min<uint64_t>(n, 2 * postings + kDenseMargin);
  if (cap > dense_.size() && sparse_.empty()) dense_.resize(cap);
}

bool DocTable::Count(uint32_t slot, uint32_t tf) {
  // Loading counts every posting here; a slot already seen in the array is the common case.
  Doc& d = slot < dense_.size() && dense_[slot].length != 0 ? dense_[slot] : FindOrAdd(slot);
  if (d.length > std::numeric_limits<uint32_t>::max() - tf) return false;
  d.length += tf;
  ++d.n_terms;
  return true;
}

void DocTable::Layout() {
  uint64_t total = 0;
  auto place = [&](Doc& d) {
    if (d.length == 0) return;
    d.terms_at = total;
    total += d.n_terms;
    d.n_terms = 0;
  };
  for (Doc& d : dense_) place(d);
  for (auto& [slot, d] : sparse_) place(d);
  arena_.assign(total, 0);
}

uint32_t DocTable::Place(uint32_t slot, uint32_t term_id) {
  Doc* d = Find(slot);
  arena_[d->terms_at + d->n_terms++] = term_id;
  return d->length;
}

size_t DocTable::MemoryBytes() const {
  // A node of the hash map: its Doc, key, next pointer and allocator overhead, roughly.
  constexpr size_t kNodeBytes = sizeof(Doc) + 32;
  return dense_.capacity() * sizeof(Doc) + sparse_.size() * kNodeBytes +
         sparse_.bucket_count() * sizeof(void*) + arena_.capacity() * sizeof(uint32_t);
}

}  // namespace semble::text
