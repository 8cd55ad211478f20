// Copyright 2026 The semble Authors.
//
// The per-document side of Bm25Index: for each slot that holds a document, its length |d| and the
// ids of its distinct terms (what Remove needs to find the document's postings).
//
// Slots come from the vector index, which hands them out densely from 0, so records live in an
// array indexed by slot; a slot far beyond the documents held (more than twice their number, plus
// a margin) goes to a hash map instead, so a few huge slots cannot make the array huge. Term ids
// of all documents share one arena rather than a vector each: a million short documents would
// otherwise be a million allocations, which is what made loading an index slow.
//
// Not thread-safe; Bm25Index holds its lock around every call.

#ifndef SEMBLE_SRC_TEXT_DOC_TABLE_H_
#define SEMBLE_SRC_TEXT_DOC_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

namespace semble::text {

class DocTable {
 public:
  // |d| of the slot's document; 0 when the slot holds none (a document has at least one term).
  uint32_t Length(uint32_t slot) const {
    const Doc* d = Find(slot);
    return d == nullptr ? 0 : d->length;
  }
  // The document's distinct term ids; empty when the slot holds none.
  std::span<const uint32_t> Terms(uint32_t slot) const;
  size_t size() const { return size_; }

  // Records a document under an empty slot. Requires length >= 1 and !term_ids.empty().
  void Insert(uint32_t slot, uint32_t length, std::span<const uint32_t> term_ids);
  // Forgets the slot's document; false when it holds none.
  bool Erase(uint32_t slot);

  // Bulk loading into an empty table, as Bm25Index::Deserialize does: Count every posting
  // (slot, tf) once, then Layout once, then Place every posting's term id. Counting first lets the
  // arena be laid out in one allocation. Count returns false when a length overflows uint32.
  // ReserveDense(n) makes slots below n array slots from the start (n is capped so that memory
  // stays proportional to `postings`).
  void ReserveDense(uint32_t n, uint64_t postings);
  bool Count(uint32_t slot, uint32_t tf);
  void Layout();
  // Returns the slot's length, which the caller copies into the posting.
  uint32_t Place(uint32_t slot, uint32_t term_id);

  // Memory held, for tests and benchmarks.
  size_t MemoryBytes() const;

 private:
  struct Doc {
    uint32_t length = 0;    // 0: no document
    uint32_t n_terms = 0;   // while bulk loading: the count, then the fill position
    uint64_t terms_at = 0;  // index of the first term id in arena_
  };

  const Doc* Find(uint32_t slot) const;
  Doc* Find(uint32_t slot) { return const_cast<Doc*>(std::as_const(*this).Find(slot)); }
  // The slot's record, created empty when absent (and counted in size_).
  Doc& FindOrAdd(uint32_t slot);
  // Moves the live term ids into a fresh arena once most of it is garbage.
  void MaybeCompact();

  std::vector<Doc> dense_;                    // by slot
  std::unordered_map<uint32_t, Doc> sparse_;  // slots >= dense_.size()
  std::vector<uint32_t> arena_;
  size_t garbage_ = 0;  // arena entries of erased documents
  size_t size_ = 0;
};

}  // namespace semble::text

#endif  // SEMBLE_SRC_TEXT_DOC_TABLE_H_
