// Copyright 2026 The semble Authors.
//
// A BM25 keyword index over documents keyed by slot (the vector index's slot space): an inverted
// index from each term to its postings (slot, term frequency, document length), plus the
// document count N and the total length behind avgdl.
//
// Scoring (Robertson's BM25 with Lucene's idf; exact document lengths, where Lucene keeps a lossy
// byte):
//   score(q, d) = Σ_{t in q} qtf(t) · idf(t) · tf(t,d)·(k1 + 1) / (tf(t,d) + k1·(1 − b +
//   b·|d|/avgdl)) idf(t)      = ln(1 + (N − n(t) + 0.5) / (n(t) + 0.5))
// qtf(t) counts repeats of t in the analyzed query (as Lucene's boolean query of repeated clauses
// does). The (k1 + 1) factor, which Lucene 8 dropped, does not change rankings; it keeps scores
// comparable with the textbook and with rank_bm25-style references.
//
// A document is what Add indexed under a slot; text with no terms (blank, symbols, only stop
// words) indexes nothing, so the slot is absent and does not count in N or avgdl (Lucene's
// docCount counts documents that have the field).
//
// Search walks the posting lists of the query's terms in slot order with MaxScore pruning (Turtle
// & Flood): terms whose upper bounds together cannot lift a document into the current top k are
// only probed for documents the other terms found, so a query mixing rare and common terms does
// not score every document holding the common one.
//
// Thread safety: every method may be called concurrently; Search, Serialize and the accessors
// share a reader lock, Add and Remove take it exclusively (and analyze their text before taking
// it).

#ifndef SEMBLE_SRC_TEXT_BM25_INDEX_H_
#define SEMBLE_SRC_TEXT_BM25_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "semble/status.h"
#include "text/analyzer.h"
#include "text/doc_table.h"
#include "text/hit.h"

namespace semble::text {

struct Bm25Options {
  AnalyzerOptions analyzer;
  float k1 = 1.2f;  // term-frequency saturation; finite, >= 0
  float b = 0.75f;  // length normalisation; in [0, 1]

  Status Validate() const;
};

class Bm25Index {
 public:
  // The largest slot Add accepts (and a blob may hold): slots are the vector index's, far below.
  static constexpr uint32_t kMaxSlot = 0x7fffffffu;

  // InvalidArgument when the options are out of range or name an analyzer that cannot be made.
  static Result<std::unique_ptr<Bm25Index>> Create(const Bm25Options& options);

  ~Bm25Index();
  Bm25Index(const Bm25Index&) = delete;
  Bm25Index& operator=(const Bm25Index&) = delete;

  const Bm25Options& options() const { return options_; }
  const Analyzer& analyzer() const { return analyzer_; }

  // Indexes `text` under `slot`, replacing what the slot held (so an upsert is one call). Text
  // without terms leaves the slot absent. InvalidArgument for a slot above kMaxSlot.
  Status Add(uint32_t slot, std::string_view text);
  // The same for terms analyzed already (by analyzer(), e.g. outside the caller's own lock).
  Status AddTerms(uint32_t slot, std::span<const std::string> terms);
  // Removes the slot's document; false when the slot holds none.
  bool Remove(uint32_t slot);

  // The k best documents for the analyzed `query`, best first; ties go to the smaller slot. Only
  // slots `allow` accepts are returned (an empty filter accepts all). A query without terms, or
  // k == 0, returns nothing.
  std::vector<Hit> Search(std::string_view query, size_t k, const SlotFilter& allow = {}) const;
  std::vector<Hit> SearchTerms(std::span<const std::string> terms, size_t k,
                               const SlotFilter& allow = {}) const;

  uint32_t num_docs() const;      // N
  uint64_t total_length() const;  // Σ |d|, so avgdl = total_length / N
  size_t num_terms() const;       // distinct terms with at least one document
  uint32_t DocumentFrequency(std::string_view term) const;  // n(t)
  uint32_t DocumentLength(uint32_t slot) const;             // |d|; 0 when the slot is absent
  bool Contains(uint32_t slot) const { return DocumentLength(slot) > 0; }

  // A self-contained blob: "SMBLBM25", version, the options (the analyzer's ToString form, k1, b),
  // every term's postings (terms in byte order, slots delta-coded as varints), and a masked
  // CRC32C of everything before it. The same index state always gives the same bytes.
  std::string Serialize() const;
  // Corruption for any blob Serialize did not write: a bad checksum, truncation, an unknown
  // version or analyzer, a structure that does not hold (unsorted terms or slots, zero counts).
  static Result<std::unique_ptr<Bm25Index>> Deserialize(std::string_view blob);

 private:
  struct Posting {
    uint32_t slot;
    uint32_t tf;      // 0: removed, waiting for its list to be compacted
    uint32_t length;  // |d| of the slot's document, so scoring never looks a slot up
  };
  // What bounds the scores of one block of kBlockSize postings (by position in the list): the
  // largest saturation tf/(tf + k1·(1 − b + b·|d|/avgdl)) of its postings, computed at the avgdl
  // of the time (avgdl_ref). For another avgdl the saturation of any posting is at most
  // max_saturation · max(1, avgdl/avgdl_ref) (the length term scales by avgdl_ref/avgdl), so the
  // bound holds as documents come and go, and a removal only loosens it.
  struct BlockBound {
    float max_saturation = 0;  // rounded up to float
    float avgdl_ref = 1;
  };
  static constexpr size_t kBlockSize = 128;
  struct PostingList {
    std::vector<Posting> postings;  // sorted by slot; removed entries keep their place
    // Block i covers postings [i·kBlockSize, (i+1)·kBlockSize); empty for a list of one block.
    std::vector<BlockBound> blocks;
    uint32_t live = 0;                  // n(t)
    const std::string* term = nullptr;  // the key in term_ids_ (node keys do not move)
  };
  struct TermHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  Bm25Index(const Bm25Options& options, Analyzer analyzer);

  // Requires mu_ held exclusively.
  void AddLocked(uint32_t slot, std::span<const std::string> terms);
  bool RemoveLocked(uint32_t slot);
  uint32_t TermIdFor(std::string_view term);
  // Recomputes the bounds of the blocks from the one holding postings[from] to the end.
  void RebuildBlocks(PostingList& list, size_t from, double avgdl) const;
  // Widens the bound of the block holding postings[at] to cover it.
  void CoverPosting(PostingList& list, size_t at, double avgdl) const;
  // tf / (tf + k1·(1 − b + b·length/avgdl)).
  double Saturation(uint32_t tf, uint32_t length, double avgdl) const;
  // The first posting of `p` whose slot is >= `slot` (p.data() + p.size() when none is).
  static Posting* FindPosting(std::vector<Posting>& p, uint32_t slot);

  const Bm25Options options_;
  const Analyzer analyzer_;

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, uint32_t, TermHash, std::equal_to<>> term_ids_;
  std::vector<PostingList> lists_;  // by term id
  std::vector<uint32_t> free_ids_;  // term ids whose list emptied, for reuse
  DocTable docs_;                   // |d| and the distinct term ids of every document, by slot
  uint64_t total_length_ = 0;
};

}  // namespace semble::text

#endif  // SEMBLE_SRC_TEXT_BM25_INDEX_H_
