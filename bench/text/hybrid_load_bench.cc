// Copyright 2026 The semble Authors.
//
// Build rate and query latency of keyword and hybrid search next to vector-only, through the
// public API (issue 17), on synthetic short documents: N records of `dims` random normal values
// and 6..20 words drawn from a Zipf(1) vocabulary of 100,000 words ("w<rank>"), upserted in
// batches in natural order by one writer. Two indexes get the same records: one without a
// full-text index (vector-only; the text is still stored) and one with it. Then, per index:
// acknowledged ingest rate, time until the background builder has linked every vector, and the
// time to reopen the database (which re-indexes the text). Then single-threaded queries, topK
// 10: vector on both indexes, keyword and hybrid (RRF) on the text index; keyword queries are 1..3
// words drawn from the same distribution (so common words come up, as in real queries).
//
//   hybrid_load_bench --docs N [--dims 64] [--batch 1000] [--queries 2000] [--type hnsw]
//                     [--text-first 1]
//
// Each index lives in a database of its own; they are loaded one after the other (the
// vector-only one first unless --text-first 1), each waited for until its graph is built.
//
// Prints one JSON object per measurement.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "quality_eval.h"
#include "semble/database.h"

namespace {

using Clock = std::chrono::steady_clock;
using semble::bench::Arg;
using semble::bench::Seconds;
using semble::bench::Zipf;

std::string Words(std::mt19937_64& rng, const Zipf& zipf, int lo, int hi) {
  const int n = lo + static_cast<int>(rng() % (hi - lo + 1));
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? " w" : "w") + std::to_string(zipf(rng) + 1);
  return s;
}

long MaxRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

int Fail(const char* what, const semble::Status& s) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  return 1;
}

struct Latency {
  double p50_us, p99_us, qps;
};

Latency Measure(const std::vector<double>& us) {
  std::vector<double> v = us;
  std::sort(v.begin(), v.end());
  double total = 0;
  for (double x : v) total += x;
  return {v[v.size() / 2], v[v.size() * 99 / 100], v.size() / (total / 1e6)};
}

}  // namespace

int main(int argc, char** argv) {
  const size_t docs = std::strtoull(Arg(argc, argv, "--docs", "100000"), nullptr, 10);
  const uint32_t dims = std::atoi(Arg(argc, argv, "--dims", "64"));
  const size_t batch = std::strtoull(Arg(argc, argv, "--batch", "1000"), nullptr, 10);
  const size_t queries = std::strtoull(Arg(argc, argv, "--queries", "2000"), nullptr, 10);
  const std::string type = Arg(argc, argv, "--type", "hnsw");
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("hybrid-load-" + std::to_string(std::random_device{}())))
                              .string();
  const bool text_first = std::strcmp(Arg(argc, argv, "--text-first", "0"), "1") == 0;
  const Zipf zipf(100000);
  semble::DatabaseOptions options;
  // One database per index, so that reopening measures each alone.
  std::unique_ptr<semble::Database> dbs[2];
  for (int which = 0; which < 2; ++which) {
    const bool text_index = (which == 1) != text_first;
    const std::string name = text_index ? "text" : "vector";
    auto db = semble::Database::Open(options, dir + "/" + name);
    if (!db.ok()) return Fail("open", db.status());
    semble::CreateIndexRequest create;
    create.name = name;
    create.config.dimensions = dims;
    create.config.metric = semble::Metric::kCosine;
    create.config.index_type = type;
    create.config.text_index.enabled = text_index;
    auto index = (*db)->CreateIndex(create);
    if (!index.ok()) return Fail("create", index.status());
    std::mt19937_64 rng(42);  // the same records for both indexes
    std::normal_distribution<float> normal;
    const auto start = Clock::now();
    for (size_t i = 0; i < docs; i += batch) {
      std::vector<semble::VectorRecord> records(std::min(batch, docs - i));
      for (size_t j = 0; j < records.size(); ++j) {
        semble::VectorRecord& r = records[j];
        r.id = std::to_string(i + j);
        r.values.resize(dims);
        for (float& x : r.values) x = normal(rng);
        r.text = Words(rng, zipf, 6, 20);
      }
      auto w = (*index)->Upsert(records);
      if (!w.ok()) return Fail("upsert", w.status());
    }
    const double ack_s = Seconds(start);
    while (true) {
      auto info = (*index)->Info();
      if (!info.ok()) return Fail("info", info.status());
      if (info->unindexed_vectors == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const double built_s = Seconds(start);
    index->reset();
    auto t = Clock::now();
    db->reset();
    const double close_s = Seconds(t);
    t = Clock::now();
    db = semble::Database::Open(options, dir + "/" + name);
    if (!db.ok()) return Fail("reopen", db.status());
    const double open_s = Seconds(t);
    std::printf("{\"index\":\"%s\",\"docs\":%zu,\"dims\":%u,\"type\":\"%s\",\"ack_s\":%.2f,"
                "\"acked_per_s\":%.0f,\"built_s\":%.2f,\"built_per_s\":%.0f,"
                "\"close_with_checkpoint_s\":%.2f,\"open_s\":%.2f,\"max_rss_mb\":%ld}\n",
                name.c_str(), docs, dims, type.c_str(), ack_s, docs / ack_s, built_s,
                docs / built_s, close_s, open_s, MaxRssMb());
    std::fflush(stdout);
    dbs[text_index ? 1 : 0] = std::move(db).value();
  }

  auto vector_index = dbs[0]->GetIndex("vector");
  auto text_index = dbs[1]->GetIndex("text");
  if (!vector_index.ok() || !text_index.ok()) return Fail("get", vector_index.status());
  std::mt19937_64 rng(7);
  std::normal_distribution<float> normal;
  std::vector<std::vector<float>> qv(queries);
  std::vector<std::string> qt(queries);
  for (size_t i = 0; i < queries; ++i) {
    qv[i].resize(dims);
    for (float& x : qv[i]) x = normal(rng);
    qt[i] = Words(rng, zipf, 1, 3);
  }
  struct Case {
    const char* name;
    semble::Index* index;
    semble::QueryMode mode;
  };
  for (const Case& c : {Case{"vector on the vector-only index", vector_index->get(),
                             semble::QueryMode::kVector},
                        Case{"vector on the text index", text_index->get(), semble::QueryMode::kVector},
                        Case{"keyword", text_index->get(), semble::QueryMode::kKeyword},
                        Case{"hybrid rrf", text_index->get(), semble::QueryMode::kHybrid}}) {
    std::vector<double> us;
    size_t hits = 0;
    for (int pass = 0; pass < 2; ++pass) {  // the first pass warms up
      us.clear();
      for (size_t i = 0; i < queries; ++i) {
        semble::QueryRequest q;
        q.mode = c.mode;
        q.top_k = 10;
        if (c.mode != semble::QueryMode::kKeyword) q.vector = qv[i];
        if (c.mode != semble::QueryMode::kVector) q.text = qt[i];
        const auto t = Clock::now();
        auto r = c.index->Query(q);
        us.push_back(Seconds(t) * 1e6);
        if (!r.ok()) return Fail(c.name, r.status());
        hits += r->matches.size();
      }
    }
    const Latency l = Measure(us);
    std::printf("{\"query\":\"%s\",\"p50_us\":%.0f,\"p99_us\":%.0f,\"qps\":%.0f,"
                "\"mean_hits\":%.1f}\n",
                c.name, l.p50_us, l.p99_us, l.qps, hits / (2.0 * queries));
    std::fflush(stdout);
  }
  vector_index->reset();
  text_index->reset();
  dbs[0].reset();
  dbs[1].reset();
  std::filesystem::remove_all(dir);
  return 0;
}
