// Copyright 2026 The semble Authors.
//
// A brute-force BM25 scorer for the tests: it keeps every document's terms and scores every
// document against a query from the formula in bm25_index.h, with no index, no pruning and no
// shared code with the index.

#ifndef SEMBLE_TESTS_TEXT_BM25_ORACLE_H_
#define SEMBLE_TESTS_TEXT_BM25_ORACLE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace semble::text::test {

struct OracleHit {
  uint32_t slot;
  double score;
};

class Bm25Oracle {
 public:
  Bm25Oracle(double k1, double b) : k1_(k1), b_(b) {}

  void Set(uint32_t slot, const std::vector<std::string>& terms) {
    docs_.erase(slot);
    if (!terms.empty()) docs_[slot] = terms;
  }
  void Remove(uint32_t slot) { docs_.erase(slot); }

  size_t num_docs() const { return docs_.size(); }
  uint64_t total_length() const {
    uint64_t n = 0;
    for (const auto& [slot, terms] : docs_) n += terms.size();
    return n;
  }
  uint32_t DocumentFrequency(const std::string& term) const {
    uint32_t n = 0;
    for (const auto& [slot, terms] : docs_) {
      n += std::find(terms.begin(), terms.end(), term) != terms.end();
    }
    return n;
  }
  const std::map<uint32_t, std::vector<std::string>>& docs() const { return docs_; }

  // Every document with a positive score that `allow` accepts, best first, ties by slot.
  std::vector<OracleHit> Rank(const std::vector<std::string>& query,
                              const std::function<bool(uint32_t)>& allow = {}) const {
    std::vector<OracleHit> out;
    if (docs_.empty()) return out;
    const double n_docs = static_cast<double>(docs_.size());
    const double avgdl = static_cast<double>(total_length()) / n_docs;
    std::map<std::string, double> df;  // counted once per query, by the same full scan
    for (const std::string& q : query) df[q] = DocumentFrequency(q);
    for (const auto& [slot, terms] : docs_) {
      if (allow && !allow(slot)) continue;
      double score = 0;
      // Every occurrence of a query term counts once (so repeats weigh qtf times).
      for (const std::string& q : query) {
        const double tf = static_cast<double>(std::count(terms.begin(), terms.end(), q));
        if (tf == 0) continue;
        const double n = df.at(q);
        const double idf = std::log(1.0 + (n_docs - n + 0.5) / (n + 0.5));
        const double dl = static_cast<double>(terms.size());
        score += idf * tf * (k1_ + 1) / (tf + k1_ * (1 - b_ + b_ * dl / avgdl));
      }
      if (score > 0) out.push_back({slot, score});
    }
    std::sort(out.begin(), out.end(), [](const OracleHit& x, const OracleHit& y) {
      return x.score > y.score || (x.score == y.score && x.slot < y.slot);
    });
    return out;
  }

 private:
  double k1_, b_;
  std::map<uint32_t, std::vector<std::string>> docs_;
};

}  // namespace semble::text::test

#endif  // SEMBLE_TESTS_TEXT_BM25_ORACLE_H_
