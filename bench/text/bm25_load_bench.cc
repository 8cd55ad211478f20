// Copyright 2026 The semble Authors.
//
// The cost of a BM25 index's life cycle at database scale, on synthetic short documents: build
// (AddTerms), Serialize, Deserialize (what every database open pays per segment), memory per
// document, Remove of half the documents in random order, and single-term query latency.
//
//   bm25_load_bench [docs=1000000] [runs=3] [vocabulary=50000]
//
// Documents are 4..15 terms drawn from a Zipf(1.0) vocabulary (50,000 terms by default), generated
// from a fixed seed, so every run and every build indexes the same collection. Times are the median
// of `runs` runs after one warm-up; RSS deltas are read from /proc/self/status.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "quality_eval.h"
#include "text/bm25_index.h"

namespace {

using semble::text::Bm25Index;
using semble::text::Bm25Options;
using semble::bench::Seconds;
using semble::bench::Zipf;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

long RssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6) * 1024;
  }
  return 0;
}

std::unique_ptr<Bm25Index> Build(uint32_t docs, const std::vector<std::string>& vocab) {
  auto index = Bm25Index::Create(Bm25Options{}).value();
  Zipf zipf(static_cast<int>(vocab.size()));
  std::mt19937_64 rng(42);
  std::vector<std::string> terms;
  for (uint32_t slot = 0; slot < docs; ++slot) {
    terms.clear();
    const int n = 4 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) terms.push_back(vocab[zipf(rng)]);
    if (!index->AddTerms(slot, terms).ok()) std::abort();
  }
  return index;
}

}  // namespace

int main(int argc, char** argv) {
  const uint32_t docs = argc > 1 ? static_cast<uint32_t>(std::atol(argv[1])) : 1000000;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 3;
  const int vocabulary = argc > 3 ? std::atoi(argv[3]) : 50000;
  std::vector<std::string> vocab(vocabulary);
  for (int i = 0; i < vocabulary; ++i) vocab[i] = "t" + std::to_string(i);

  const long rss0 = RssBytes();
  auto start = std::chrono::steady_clock::now();
  auto built = Build(docs, vocab);
  const double build_s = Seconds(start);
  const long built_rss = RssBytes() - rss0;

  std::string blob;
  std::vector<double> ser;
  for (int r = 0; r <= runs; ++r) {
    start = std::chrono::steady_clock::now();
    blob = built->Serialize();
    if (r > 0) ser.push_back(Seconds(start));
  }
  // The memory of a loaded index, measured while the built one still holds its pages, so that the
  // load takes fresh pages rather than reusing freed ones.
  long loaded_rss = 0;
  {
    const long before = RssBytes();
    auto first = Bm25Index::Deserialize(blob);
    loaded_rss = RssBytes() - before;
  }
  built.reset();

  std::vector<double> load;
  for (int r = 0; r <= runs; ++r) {
    start = std::chrono::steady_clock::now();
    auto loaded = Bm25Index::Deserialize(blob);
    const double s = Seconds(start);
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
      return 1;
    }
    if (r > 0) load.push_back(s);
  }

  // Queries for one common term (the slowest kind without block skipping: every posting of the
  // list is scored), queries of three terms (a common, a middling and a rare one), then Remove
  // half the documents in random order.
  auto index = Bm25Index::Deserialize(blob).value();
  const size_t terms = index->num_terms();
  auto latencies = [&](auto make_query) {
    std::vector<double> lat;
    for (int q = 0; q < 220; ++q) {
      const std::vector<std::string> query = make_query(q);
      start = std::chrono::steady_clock::now();
      auto hits = index->SearchTerms(query, 10);
      if (q >= 20) lat.push_back(Seconds(start) * 1e3);  // the first 20: warm-up
    }
    std::sort(lat.begin(), lat.end());
    return lat;
  };
  const std::vector<double> lat =
      latencies([&](int q) { return std::vector<std::string>{vocab[q % 20]}; });
  const std::vector<double> lat3 = latencies([&](int q) {
    return std::vector<std::string>{vocab[q % 5], vocab[50 + q % 200], vocab[5000 + q * 7]};
  });
  std::vector<uint32_t> victims(docs);
  for (uint32_t i = 0; i < docs; ++i) victims[i] = i;
  std::shuffle(victims.begin(), victims.end(), std::mt19937_64(7));
  victims.resize(docs / 2);
  start = std::chrono::steady_clock::now();
  for (uint32_t slot : victims) index->Remove(slot);
  const double remove_s = Seconds(start);

  std::printf(
      "{\"docs\":%u,\"terms\":%zu,\"postings_bytes_blob\":%zu,\"build_s\":%.2f,\"build_rss_bytes_"
      "per_doc\":%.1f,"
      "\"serialize_s\":%.3f,\"deserialize_s\":%.3f,\"deserialize_runs\":[",
      docs, terms, blob.size(), build_s, static_cast<double>(built_rss) / docs, Median(ser),
      Median(load));
  for (size_t i = 0; i < load.size(); ++i) std::printf("%s%.3f", i ? "," : "", load[i]);
  std::printf(
      "],\"loaded_rss_bytes_per_doc\":%.1f,\"common_term_query_ms_p50\":%.2f,"
      "\"common_term_query_ms_p99\":%.2f,\"three_term_query_ms_p50\":%.2f,"
      "\"three_term_query_ms_p99\":%.2f,\"remove_half_s\":%.2f}\n",
      static_cast<double>(loaded_rss) / docs, lat[lat.size() / 2], lat[lat.size() * 99 / 100],
      lat3[lat3.size() / 2], lat3[lat3.size() * 99 / 100], remove_s);
  return 0;
}
