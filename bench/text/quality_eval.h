// Copyright 2026 The semble Authors.
//
// What the benchmarks of issue 17 (bench/text) share: a test collection as
// bench/text/fetch_data.py writes it (docs.tsv, queries.tsv, qrels.tsv), its metrics, synthetic
// word frequencies, a timer and the command-line reader.
//
// Metrics: nDCG@10 with the judgements' gains as linear gains (graded for Cranfield, binary for
// KorQuAD), ideal DCG from all of a query's judgements; recall@10 and recall@100 as the share of
// a query's relevant documents found. Queries without a relevant document are left out (counted).

#ifndef SEMBLE_BENCH_TEXT_QUALITY_EVAL_H_
#define SEMBLE_BENCH_TEXT_QUALITY_EVAL_H_

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace semble::bench {

// A ranked document: its position in Collection::doc_ids, and a score.
struct RankedDoc {
  uint32_t slot;
  float score;
};

constexpr size_t kDepth = 100;  // every run's list length: recall@100, and the fusion's inputs

struct Collection {
  std::vector<std::string> doc_ids, doc_texts;      // slot = position
  std::vector<std::string> query_ids, query_texts;  // in file order
  std::vector<std::map<uint32_t, double>> qrels;    // per query: slot -> gain
};

inline bool ReadTsv(const std::string& path, std::vector<std::vector<std::string>>* rows) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      fields.push_back(line.substr(start, tab - start));
    }
    fields.push_back(line.substr(start));
    rows->push_back(std::move(fields));
  }
  return true;
}

inline bool Load(const std::string& dir, Collection* c) {
  std::vector<std::vector<std::string>> docs, queries, qrels;
  if (!ReadTsv(dir + "/docs.tsv", &docs) || !ReadTsv(dir + "/queries.tsv", &queries) ||
      !ReadTsv(dir + "/qrels.tsv", &qrels)) {
    std::fprintf(stderr, "%s: missing docs.tsv, queries.tsv or qrels.tsv\n", dir.c_str());
    return false;
  }
  std::unordered_map<std::string, uint32_t> doc_slot, query_index;
  for (auto& row : docs) {
    if (row.size() != 2) return false;
    doc_slot[row[0]] = static_cast<uint32_t>(c->doc_ids.size());
    c->doc_ids.push_back(row[0]);
    c->doc_texts.push_back(row[1]);
  }
  for (auto& row : queries) {
    if (row.size() != 2) return false;
    query_index[row[0]] = static_cast<uint32_t>(c->query_ids.size());
    c->query_ids.push_back(row[0]);
    c->query_texts.push_back(row[1]);
  }
  c->qrels.resize(c->query_ids.size());
  for (auto& row : qrels) {
    if (row.size() != 3) return false;
    auto q = query_index.find(row[0]);
    auto d = doc_slot.find(row[1]);
    if (q == query_index.end() || d == doc_slot.end()) {
      std::fprintf(stderr, "qrels: unknown query %s or document %s\n", row[0].c_str(),
                   row[1].c_str());
      return false;
    }
    c->qrels[q->second][d->second] = std::atof(row[2].c_str());
  }
  return true;
}

struct Scores {
  double ndcg10 = 0, recall10 = 0, recall100 = 0;
  int queries = 0;  // with at least one relevant document
};

template <typename HitT>
Scores Evaluate(const Collection& c, const std::vector<std::vector<HitT>>& runs) {
  Scores s;
  for (size_t q = 0; q < runs.size(); ++q) {
    const auto& rel = c.qrels[q];
    if (rel.empty()) continue;
    std::vector<double> gains;
    for (const auto& [slot, gain] : rel) gains.push_back(gain);
    std::sort(gains.rbegin(), gains.rend());
    double ideal = 0, dcg = 0;
    for (size_t i = 0; i < std::min<size_t>(10, gains.size()); ++i) {
      ideal += gains[i] / std::log2(i + 2.0);
    }
    int found10 = 0, found100 = 0;
    for (size_t i = 0; i < std::min(kDepth, runs[q].size()); ++i) {
      auto it = rel.find(runs[q][i].slot);
      if (it == rel.end()) continue;
      if (i < 10) {
        dcg += it->second / std::log2(i + 2.0);
        ++found10;
      }
      ++found100;
    }
    s.ndcg10 += dcg / ideal;
    s.recall10 += static_cast<double>(found10) / rel.size();
    s.recall100 += static_cast<double>(found100) / rel.size();
    ++s.queries;
  }
  if (s.queries > 0) {
    s.ndcg10 /= s.queries;
    s.recall10 /= s.queries;
    s.recall100 /= s.queries;
  }
  return s;
}

// Zipf(1) over [0, n) by inverting the cumulative weights: word frequencies of synthetic text.
class Zipf {
 public:
  explicit Zipf(size_t n) : cdf_(n) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) cdf_[i] = (sum += 1.0 / (i + 1));
    for (double& c : cdf_) c /= sum;
  }
  size_t operator()(std::mt19937_64& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin();
  }

 private:
  std::vector<double> cdf_;
};

inline double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

inline const char* Arg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == name) return argv[i + 1];
  }
  return fallback;
}

}  // namespace semble::bench

#endif  // SEMBLE_BENCH_TEXT_QUALITY_EVAL_H_
