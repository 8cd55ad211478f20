// Copyright 2026 The semble Authors.
//
// Bm25Index's mutations and accessors. Search is in bm25_search.cc, the blob in
// bm25_serialize.cc.
//
// Posting lists stay sorted by slot. New slots usually arrive in increasing order (the vector
// index hands out slots upward), which is a push_back; a reused slot is an insertion. Remove does
// not shift lists: it finds the slot by binary search and zeroes its tf, and a list is compacted
// only when removed entries outnumber live ones, so bulk deletes cost O(log n) per posting
// amortized instead of a memmove each.

#include "text/bm25_index.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

namespace semble::text {

namespace {

// A list is compacted once it has more removed entries than live ones (and enough of them to be
// worth the pass).
constexpr size_t kMinCompaction = 16;

}  // namespace

Status Bm25Options::Validate() const {
  if (!std::isfinite(k1) || k1 < 0)
    return Status::InvalidArgument("bm25: k1 must be finite and >= 0");
  if (!(b >= 0 && b <= 1)) return Status::InvalidArgument("bm25: b must be in [0, 1]");
  return Status::OK();
}

Result<std::unique_ptr<Bm25Index>> Bm25Index::Create(const Bm25Options& options) {
  SEMBLE_RETURN_IF_ERROR(options.Validate());
  SEMBLE_ASSIGN_OR_RETURN(Analyzer analyzer, Analyzer::Create(options.analyzer));
  return std::unique_ptr<Bm25Index>(new Bm25Index(options, std::move(analyzer)));
}

Bm25Index::Bm25Index(const Bm25Options& options, Analyzer analyzer)
    : options_(options), analyzer_(std::move(analyzer)) {}

Bm25Index::~Bm25Index() = default;

Status Bm25Index::Add(uint32_t slot, std::string_view text) {
  std::vector<std::string> terms;
  analyzer_.Analyze(text, &terms);  // outside the lock: analysis is the expensive part
  return AddTerms(slot, terms);
}

Status Bm25Index::AddTerms(uint32_t slot, std::span<const std::string> terms) {
  if (slot > kMaxSlot) return Status::InvalidArgument("bm25: slot out of range");
  if (terms.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("bm25: document has too many terms");
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  RemoveLocked(slot);
  AddLocked(slot, terms);
  return Status::OK();
}

bool Bm25Index::Remove(uint32_t slot) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  return RemoveLocked(slot);
}

Bm25Index::Posting* Bm25Index::FindPosting(std::vector<Posting>& p, uint32_t slot) {
  // Interpolating from the list's first and last slot was tried here (slots are spread fairly
  // evenly): no faster than this on 1M documents, so the plain binary search stays.
  return std::lower_bound(p.data(), p.data() + p.size(), slot,
                          [](const Posting& a, uint32_t s) { return a.slot < s; });
}

void Bm25Index::RebuildBlocks(PostingList& list, size_t from) {
  const std::vector<Posting>& p = list.postings;
  const size_t first = from / kBlockSize;
  list.blocks.resize((p.size() + kBlockSize - 1) / kBlockSize);
  for (size_t b = first; b < list.blocks.size(); ++b) {
    BlockBound bound;
    const size_t end = std::min(p.size(), (b + 1) * kBlockSize);
    for (size_t i = b * kBlockSize; i < end; ++i) {
      if (p[i].tf == 0) continue;
      bound.max_tf = std::max(bound.max_tf, p[i].tf);
      bound.min_length = std::min(bound.min_length, p[i].length);
    }
    list.blocks[b] = bound;
  }
}

void Bm25Index::CoverPosting(PostingList& list, size_t at) {
  const size_t b = at / kBlockSize;
  if (b >= list.blocks.size()) list.blocks.resize(b + 1);
  const Posting& p = list.postings[at];
  list.blocks[b].max_tf = std::max(list.blocks[b].max_tf, p.tf);
  list.blocks[b].min_length = std::min(list.blocks[b].min_length, p.length);
}

uint32_t Bm25Index::TermIdFor(std::string_view term) {
  auto it = term_ids_.find(term);
  if (it != term_ids_.end()) return it->second;
  uint32_t id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    id = static_cast<uint32_t>(lists_.size());
    lists_.emplace_back();
  }
  it = term_ids_.emplace(std::string(term), id).first;
  lists_[id].term = &it->first;
  return id;
}

void Bm25Index::AddLocked(uint32_t slot, std::span<const std::string> terms) {
  if (terms.empty()) return;
  std::vector<std::string_view> sorted(terms.begin(), terms.end());
  std::sort(sorted.begin(), sorted.end());
  const uint32_t length = static_cast<uint32_t>(terms.size());
  std::vector<uint32_t> ids;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    const uint32_t tf = static_cast<uint32_t>(j - i);
    const uint32_t id = TermIdFor(sorted[i]);
    ids.push_back(id);
    PostingList& list = lists_[id];
    std::vector<Posting>& p = list.postings;
    const Posting posting{slot, tf, length};
    if (p.empty() || p.back().slot < slot) {
      p.push_back(posting);
      CoverPosting(list, p.size() - 1);
    } else {
      Posting* at = FindPosting(p, slot);
      const size_t pos = at - p.data();
      if (at != p.data() + p.size() && at->slot == slot) {
        *at = posting;  // a removed entry of this slot, revived
        CoverPosting(list, pos);
      } else {
        // Every later posting moves one place, and so across block boundaries.
        p.insert(p.begin() + pos, posting);
        RebuildBlocks(list, pos);
      }
    }
    ++list.live;
    i = j;
  }
  total_length_ += length;
  docs_.Insert(slot, length, ids);
}

bool Bm25Index::RemoveLocked(uint32_t slot) {
  const uint32_t length = docs_.Length(slot);
  if (length == 0) return false;
  for (uint32_t id : docs_.Terms(slot)) {
    PostingList& list = lists_[id];
    std::vector<Posting>& p = list.postings;
    Posting* at = FindPosting(p, slot);
    // The document's term list and the postings are kept in step; a miss would be a bug.
    if (at == p.data() + p.size() || at->slot != slot || at->tf == 0) continue;
    at->tf = 0;
    --list.live;
    if (list.live == 0) {
      term_ids_.erase(term_ids_.find(std::string_view(*list.term)));
      list = PostingList();
      free_ids_.push_back(id);
    } else if (p.size() - list.live > list.live && p.size() - list.live >= kMinCompaction) {
      std::erase_if(p, [](const Posting& q) { return q.tf == 0; });
      RebuildBlocks(list, 0);
    }
  }
  total_length_ -= length;
  docs_.Erase(slot);
  return true;
}

uint32_t Bm25Index::num_docs() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return static_cast<uint32_t>(docs_.size());
}

uint64_t Bm25Index::total_length() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return total_length_;
}

size_t Bm25Index::num_terms() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return term_ids_.size();
}

uint32_t Bm25Index::DocumentFrequency(std::string_view term) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = term_ids_.find(term);
  return it == term_ids_.end() ? 0 : lists_[it->second].live;
}

uint32_t Bm25Index::DocumentLength(uint32_t slot) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return docs_.Length(slot);
}

}  // namespace semble::text
