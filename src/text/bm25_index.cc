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

double Bm25Index::Saturation(uint32_t tf, uint32_t length, double avgdl) const {
  const double k1 = options_.k1, b = options_.b;
  return tf / (tf + k1 * (1.0 - b + b * static_cast<double>(length) / avgdl));
}

namespace {

// The float at or above x, so that a stored bound never falls below the value it bounds.
float RoundUp(double x) {
  const float f = static_cast<float>(x);
  return static_cast<double>(f) >= x ? f : std::nextafter(f, std::numeric_limits<float>::max());
}

}  // namespace

void Bm25Index::RebuildBlocks(PostingList& list, size_t from, double avgdl) const {
  const std::vector<Posting>& p = list.postings;
  if (p.size() <= kBlockSize) {
    // A list of one block keeps no bound: most terms are rare, and a bound per list would cost
    // an allocation each (loading a million of them) to skip at most a hundred postings.
    list.blocks = std::vector<BlockBound>();
    return;
  }
  if (list.blocks.empty()) from = 0;
  const float ref = static_cast<float>(avgdl);  // the bound is computed at what is stored
  list.blocks.resize((p.size() + kBlockSize - 1) / kBlockSize);
  for (size_t block = from / kBlockSize; block < list.blocks.size(); ++block) {
    double most = 0;
    const size_t end = std::min(p.size(), (block + 1) * kBlockSize);
    for (size_t i = block * kBlockSize; i < end; ++i) {
      if (p[i].tf > 0) most = std::max(most, Saturation(p[i].tf, p[i].length, ref));
    }
    list.blocks[block] = {RoundUp(most), ref};
  }
}

void Bm25Index::CoverPosting(PostingList& list, size_t at, double avgdl) const {
  if (list.blocks.empty()) {
    if (list.postings.size() > kBlockSize) RebuildBlocks(list, 0, avgdl);  // just grew past one
    return;
  }
  const size_t block = at / kBlockSize;
  if (block >= list.blocks.size()) list.blocks.resize(block + 1);
  BlockBound& bound = list.blocks[block];
  if (bound.max_saturation == 0) bound.avgdl_ref = static_cast<float>(avgdl);
  const Posting& p = list.postings[at];
  // At the block's own avgdl_ref, so one conversion at search time covers every posting.
  const double s = Saturation(p.tf, p.length, bound.avgdl_ref);
  bound.max_saturation = std::max(bound.max_saturation, RoundUp(s));
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
  // avgdl with this document counted: what new block bounds are computed at (any value would do).
  const double avgdl = static_cast<double>(total_length_ + length) / (docs_.size() + 1);
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
      CoverPosting(list, p.size() - 1, avgdl);
    } else {
      Posting* at = FindPosting(p, slot);
      const size_t pos = at - p.data();
      if (at != p.data() + p.size() && at->slot == slot) {
        *at = posting;  // a removed entry of this slot, revived
        CoverPosting(list, pos, avgdl);
      } else {
        // Every later posting moves one place, and so across block boundaries.
        p.insert(p.begin() + pos, posting);
        RebuildBlocks(list, pos, avgdl);
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
      RebuildBlocks(list, 0, static_cast<double>(total_length_) / docs_.size());
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
