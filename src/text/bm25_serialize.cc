// Copyright 2026 The semble Authors.
//
// Bm25Index's blob, meant to live inside a segment as it is:
//
//   "SMBLBM25"  fixed32 version (1)
//   varint length + the analyzer's AnalyzerOptions::ToString() form
//   fixed32 k1 (float bits)  fixed32 b (float bits)
//   varint term count
//   per term, in increasing byte order:
//     varint length + term bytes
//     varint posting count (>= 1)
//     per posting: varint slot delta (the first: the slot; then > 0), varint tf (>= 1)
//   fixed32 masked CRC32C of every byte before it
//
// Document lengths are not stored: |d| is the sum of d's term frequencies, so they and the
// per-document term lists are rebuilt while loading (doc_table.h keeps that to passes over arrays).
// Removed postings are not written.
//
// The checksum refuses damage; the structural checks below refuse any blob the checksum lets
// through that Serialize could not have written (a fuzzer fixes the CRC), so a loaded index always
// holds its invariants: terms unique and non-empty, slots sorted and <= kMaxSlot, tf >= 1, no
// count larger than the bytes left could encode (nothing is allocated from a count first).

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>

#include "core/coding.h"
#include "core/crc32c.h"
#include "text/bm25_index.h"

namespace semble::text {

namespace {

constexpr char kMagic[8] = {'S', 'M', 'B', 'L', 'B', 'M', '2', '5'};
constexpr uint32_t kVersion = 1;

Status Bad(std::string_view what) { return Status::Corruption("bm25 blob: " + std::string(what)); }

uint32_t FloatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float BitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

}  // namespace

std::string Bm25Index::Serialize() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  std::string out(kMagic, sizeof(kMagic));
  core::PutFixed32(&out, kVersion);
  core::PutLengthPrefixed(&out, options_.analyzer.ToString());
  core::PutFixed32(&out, FloatBits(options_.k1));
  core::PutFixed32(&out, FloatBits(options_.b));
  std::vector<std::pair<std::string_view, uint32_t>> terms(term_ids_.begin(), term_ids_.end());
  std::sort(terms.begin(), terms.end());
  core::PutVarint64(&out, terms.size());
  for (const auto& [term, id] : terms) {
    const PostingList& list = lists_[id];
    core::PutLengthPrefixed(&out, term);
    core::PutVarint64(&out, list.live);
    uint32_t prev = 0;
    bool first = true;
    for (const Posting& p : list.postings) {
      if (p.tf == 0) continue;
      core::PutVarint64(&out, first ? p.slot : p.slot - prev);
      core::PutVarint64(&out, p.tf);
      prev = p.slot;
      first = false;
    }
  }
  core::PutFixed32(&out, core::MaskCrc(core::Crc32c(out.data(), out.size())));
  return out;
}

Result<std::unique_ptr<Bm25Index>> Bm25Index::Deserialize(std::string_view blob) {
  if (blob.size() < sizeof(kMagic) + 8) return Bad("truncated");
  if (std::memcmp(blob.data(), kMagic, sizeof(kMagic)) != 0) return Bad("bad magic");
  const size_t body = blob.size() - 4;
  const uint32_t stored = core::UnmaskCrc(core::DecodeFixed32(blob.data() + body));
  if (core::Crc32c(blob.data(), body) != stored) return Bad("checksum mismatch");
  std::string_view in = blob.substr(sizeof(kMagic), body - sizeof(kMagic));

  uint32_t version = 0, k1_bits = 0, b_bits = 0;
  std::string_view analyzer_form;
  if (!core::GetFixed32(&in, &version)) return Bad("truncated header");
  if (version != kVersion) return Bad("unsupported version " + std::to_string(version));
  if (!core::GetLengthPrefixed(&in, &analyzer_form) || !core::GetFixed32(&in, &k1_bits) ||
      !core::GetFixed32(&in, &b_bits)) {
    return Bad("truncated header");
  }
  Bm25Options options;
  auto analyzer = AnalyzerOptions::Parse(analyzer_form);
  if (!analyzer.ok()) return Bad(analyzer.status().message());
  options.analyzer = *analyzer;
  options.k1 = BitsFloat(k1_bits);
  options.b = BitsFloat(b_bits);
  if (Status s = options.Validate(); !s.ok()) return Bad(s.message());
  auto created = Create(options);
  if (!created.ok()) return Bad(created.status().message());
  std::unique_ptr<Bm25Index> index = std::move(created).value();

  uint64_t n_terms = 0;
  if (!core::GetVarint64(&in, &n_terms)) return Bad("truncated term count");
  // A term takes at least 4 bytes (length, one byte, count, slot, tf: more, in fact).
  if (n_terms > in.size() / 4) return Bad("term count larger than the blob");
  index->lists_.reserve(n_terms);
  index->term_ids_.reserve(n_terms);
  std::string_view prev_term;
  uint64_t n_postings = 0;
  uint32_t max_slot = 0;
  for (uint64_t t = 0; t < n_terms; ++t) {
    std::string_view term;
    uint64_t count = 0;
    if (!core::GetLengthPrefixed(&in, &term) || !core::GetVarint64(&in, &count)) {
      return Bad("truncated term");
    }
    if (term.empty() || term.size() > Analyzer::kMaxTermBytes) return Bad("bad term length");
    if (t > 0 && !(prev_term < term)) return Bad("terms not in increasing order");
    prev_term = term;
    if (count == 0) return Bad("term without postings");
    if (count > in.size() / 2) return Bad("posting count larger than the blob");
    const uint32_t id = static_cast<uint32_t>(index->lists_.size());
    index->lists_.emplace_back();
    auto it = index->term_ids_.emplace(std::string(term), id).first;
    PostingList& list = index->lists_.back();
    list.term = &it->first;
    list.live = static_cast<uint32_t>(count);
    list.postings.resize(count);
    Posting* out = list.postings.data();
    uint64_t slot = 0;
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t delta = 0, tf = 0;
      if (!core::GetVarint64(&in, &delta) || !core::GetVarint64(&in, &tf)) {
        return Bad("truncated postings");
      }
      if (i > 0 && delta == 0) return Bad("slots not in increasing order");
      if (delta > kMaxSlot || slot + delta > kMaxSlot) return Bad("slot out of range");
      slot += delta;
      if (tf == 0 || tf > std::numeric_limits<uint32_t>::max()) return Bad("bad term frequency");
      out[i] = {static_cast<uint32_t>(slot), static_cast<uint32_t>(tf), 0};
    }
    n_postings += count;
    max_slot = std::max(max_slot, static_cast<uint32_t>(slot));
  }
  if (!in.empty()) return Bad("trailing bytes");

  // The documents: lengths and term counts first, then the term ids in one arena, then each
  // posting's copy of its document's length. Three passes over arrays; no allocation per document.
  DocTable& docs = index->docs_;
  docs.ReserveDense(max_slot + 1, n_postings);
  for (const PostingList& list : index->lists_) {
    for (const Posting& p : list.postings) {
      if (!docs.Count(p.slot, p.tf)) return Bad("document too long");
    }
  }
  docs.Layout();
  for (uint32_t id = 0; id < index->lists_.size(); ++id) {
    for (Posting& p : index->lists_[id].postings) {
      p.length = docs.Place(p.slot, id);
      index->total_length_ += p.tf;
    }
  }
  const double avgdl = static_cast<double>(index->total_length_) / std::max<size_t>(1, docs.size());
  for (PostingList& list : index->lists_) index->RebuildBlocks(list, 0, avgdl);
  return index;
}

}  // namespace semble::text
