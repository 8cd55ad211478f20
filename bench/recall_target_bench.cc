// Copyright 2026 The semble Authors.
//
// Does `recall: x` deliver x on queries the index has never seen, and at what ef (issue 16)?
// Through the public API, as users load data: a database in a fresh directory, one index, the base
// upserted in its natural order in batches through the background builder; then the queries
// (never stored) asked at every ef of a ladder (the oracle: the smallest ef whose recall@10 on
// these very queries reaches x) and with `recall = x` for a few targets. The ef the index picked
// is recognised by its answers: at a given ef the search is deterministic, so the recall run's
// answers equal those of exactly one ladder ef (the calibration uses the same ladder).
//
//   recall_target_bench --dataset fashion|glove|glove32 [--index-type hnsw|hnsw,sq8]
//       [--fashion DIR] [--glove FILE] [--work DIR] [--batch 512] [--queries 10000]
//       [--targets 0.8,0.9,0.95,0.97,0.99]
//
// Reports per target: the first query's latency (it waits for the first calibration), the time
// until the calibration in use was measured on 512 real queries, delivered recall@10, the ef
// chosen, the oracle's ef, their ratio, and QPS of both (one thread). Goal (issue 16): delivered >= x at <= 1.2x the oracle's ef.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ann_data.h"
#include "api_load.h"
#include "semble/database.h"

namespace {

using semble::bench::AnnDataset;
using semble::bench::DieIf;
using semble::bench::Unwrap;
using Clock = std::chrono::steady_clock;

// The calibration's ladder (src/index/hnsw_planner.cc), so the chosen ef is one of these.
constexpr uint32_t kLadder[] = {10,  12,  14,  16,  19,  22,  26,  31,   37,   44,
                                52,  62,  74,  88,  105, 125, 149, 177,  211,  251,
                                299, 356, 424, 505, 601, 715, 851, 1013, 1205, 1434};
constexpr float kTargets[] = {0.80f, 0.90f, 0.95f, 0.97f, 0.99f};

struct Pass {
  std::vector<std::vector<uint32_t>> ids;  // per query, the returned base rows
  double recall = 0, qps = 0;
};

Pass Ask(semble::Index& index, const AnnDataset& d, size_t nq, std::optional<uint32_t> ef,
         std::optional<float> recall) {
  Pass p;
  p.ids.resize(nq);
  size_t hits = 0;
  const auto start = Clock::now();
  for (size_t q = 0; q < nq; ++q) {
    semble::QueryRequest r;
    r.vector.assign(&d.queries[q * d.dims], &d.queries[(q + 1) * d.dims]);
    r.top_k = semble::bench::kTruthK;
    r.ef = ef;
    r.recall = recall;
    semble::QueryResult res = Unwrap(index.Query(r), "query");
    for (const semble::QueryMatch& m : res.matches) {
      p.ids[q].push_back(static_cast<uint32_t>(std::stoul(m.id)));
    }
  }
  p.qps = nq / std::chrono::duration<double>(Clock::now() - start).count();
  for (size_t q = 0; q < nq; ++q) {
    const std::set<uint32_t> truth(d.truth[q].begin(), d.truth[q].end());
    for (uint32_t id : p.ids[q]) hits += truth.count(id);
  }
  p.recall = static_cast<double>(hits) / (nq * semble::bench::kTruthK);
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  semble::bench::DataSetFlags data;
  std::string index_type = "hnsw", work = "/tmp/recall-target-bench";
  size_t batch = 512, max_queries = 10000;
  double history_seconds = 300;
  std::vector<float> targets(std::begin(kTargets), std::end(kTargets));
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string f = argv[i], v = argv[i + 1];
    if (data.Take(f, v))
      continue;
    else if (f == "--index-type")
      index_type = v;
    else if (f == "--work")
      work = v;
    else if (f == "--batch")
      batch = std::stoul(v);
    else if (f == "--queries")
      max_queries = std::stoul(v);
    else if (f == "--history-seconds")
      history_seconds = std::stod(v);
    else if (f == "--targets") {  // comma-separated, e.g. 0.95,0.99
      targets.clear();
      for (size_t at = 0; at < v.size();) {
        const size_t comma = std::min(v.find(',', at), v.size());
        targets.push_back(std::stof(v.substr(at, comma - at)));
        at = comma + 1;
      }
    }
    else
      DieIf(true, "unknown flag " + f);
  }
  AnnDataset d = data.Load();
  const std::string& dataset = data.name;
  // The first max_queries queries only (the truth is the costly part).
  d.nq = std::min(max_queries, d.nq);
  d.queries.resize(d.nq * d.dims);
  const size_t nq = d.nq;
  std::filesystem::create_directories(work);
  // The truth file is named after the data's bits: another subset or projection is new data.
  const uint64_t fingerprint = semble::bench::DataFingerprint(d);
  semble::bench::ComputeTruth(&d, work + "/" + dataset + "-" + std::to_string(nq) + "-" +
                                      std::to_string(fingerprint % 1000000007) + ".truth");

  const std::string dir = work + "/db";
  std::filesystem::remove_all(dir);
  semble::DatabaseOptions options;
  auto db = Unwrap(semble::Database::Open(options, dir), "open");
  auto index = semble::bench::CreateAnnIndex(*db, "ann", d, index_type);
  const auto load_start = Clock::now();
  semble::bench::UpsertBase(*index, d, batch);
  semble::bench::WaitUntilIndexed(*index);
  std::printf("%s, %zu vectors x %u dims, %s, loaded in batches of %zu in %.1f s; %zu queries\n",
              d.name.c_str(), d.n, d.dims, index_type.c_str(), batch,
              std::chrono::duration<double>(Clock::now() - load_start).count(), nq);

  // Each target gets a freshly opened database (no calibration, no query history), a history of
  // queries asked with that target (the same history for every target), then its own slice of
  // queries never asked before: the calibration that answers them was built from the history's
  // sampled queries, never from the queries it is judged on.
  // Every fifth query is the history every run starts from; the others are dealt in turn to one
  // slice per target, never asked before that target's evaluation. Dealt, not cut in blocks:
  // GloVe's queries follow word frequency, and a block of the rarest words is harder than the rest.
  std::vector<size_t> history_rows;
  std::vector<std::vector<size_t>> slice_rows(targets.size());
  for (size_t q = 0, dealt = 0; q < nq; ++q) {
    if (q % 5 == 4) {
      history_rows.push_back(q);
    } else {
      slice_rows[dealt++ % targets.size()].push_back(q);
    }
  }
  auto subset = [&](const std::vector<size_t>& rows) {
    AnnDataset s = d;
    s.queries.clear();
    s.truth.clear();
    for (size_t q : rows) {
      s.queries.insert(s.queries.end(), &d.queries[q * d.dims], &d.queries[(q + 1) * d.dims]);
      s.truth.push_back(d.truth[q]);
    }
    s.nq = rows.size();
    return s;
  };
  const AnnDataset past = subset(history_rows);
  const size_t history = past.nq;
  std::printf(
      "\n| target | first query ms | s to 512-query calibration | history asked | history "
      "recall@10 | calibrated on | queries | delivered recall@10 | ef used (share of queries) | "
      "oracle ef on the slice | used / oracle | QPS | QPS at oracle ef | met |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (size_t t = 0; t < targets.size(); ++t) {
    const float target = targets[t];
    index.reset();
    db.reset();
    db = Unwrap(semble::Database::Open(options, dir), "reopen");
    index = Unwrap(db->GetIndex("ann"), "get index");
    // The history: what the index has been asked before (with the same target) while its
    // calibration moves from held-out stored vectors to the sampled real queries, in the
    // background. Asked until the calibration in use was measured on the full sample (512 real
    // queries; IndexInfo says), or for history_seconds at most.
    const auto history_start = Clock::now();
    // The first query with a target waits for the index's first calibration (on held-out stored
    // vectors): what a user's first `recall` query after an open costs.
    double first_ms;
    {
      semble::QueryRequest r;
      r.vector.assign(past.queries.begin(), past.queries.begin() + d.dims);
      r.top_k = semble::bench::kTruthK;
      r.recall = target;
      (void)Unwrap(index->Query(r), "first query");
      first_ms = 1e3 * std::chrono::duration<double>(Clock::now() - history_start).count();
    }
    double calibrated_s = 0;
    size_t asked = 0;
    double history_recall = 0;
    uint32_t calibrated_on = 0;
    while (std::chrono::duration<double>(Clock::now() - history_start).count() < history_seconds) {
      const Pass h = Ask(*index, past, history, std::nullopt, target);
      history_recall += h.recall;
      ++asked;
      calibrated_on = Unwrap(index->Info(), "info").recall_calibration_queries;
      if (calibrated_on >= 512) {
        calibrated_s = std::chrono::duration<double>(Clock::now() - history_start).count();
        break;
      }
    }
    const AnnDataset part = subset(slice_rows[t]);
    const size_t slice = part.nq;
    const Pass p = Ask(*index, part, slice, std::nullopt, target);
    // The ladder on the same slice (explicit ef: no calibration involved).
    std::map<uint32_t, Pass> ladder;
    for (uint32_t ef : kLadder) {
      ladder[ef] = Ask(*index, part, slice, ef, std::nullopt);
      if (ladder[ef].recall >= 0.999) break;
    }
    // The slice's recall along the ladder, on stderr: a curve that levels off below 1 would mean
    // the bench's truth and the index disagree, not that the calibration misjudged.
    for (const auto& [ef, pass] : ladder) std::fprintf(stderr, "ef %u recall %.4f\n", ef, pass.recall);
    // Which ladder ef answered each query as the recall run did (several may, for one query).
    std::map<uint32_t, size_t> used;
    for (size_t q = 0; q < slice; ++q) {
      for (const auto& [ef, pass] : ladder) {
        if (pass.ids[q] == p.ids[q]) ++used[ef];
      }
    }
    uint32_t mode = 0;
    for (const auto& [ef, count] : used) {
      if (mode == 0 || count > used[mode]) mode = ef;
    }
    uint32_t oracle = 0;
    for (const auto& [ef, pass] : ladder) {
      if (pass.recall >= target) {
        oracle = ef;
        break;
      }
    }
    const bool met = p.recall >= target && oracle != 0 && mode != 0 && mode <= 1.2 * oracle;
    char used_s[64], ratio_s[32], oqps_s[32];
    std::snprintf(used_s, sizeof(used_s), "%u (%.0f%%)", mode,
                  mode ? 100.0 * used[mode] / slice : 0);
    std::snprintf(ratio_s, sizeof(ratio_s), "%.2f", oracle && mode ? double(mode) / oracle : 0);
    std::snprintf(oqps_s, sizeof(oqps_s), "%.0f", oracle ? ladder[oracle].qps : 0);
    std::printf("| %.2f | %.0f | %.1f | %zu x %zu | %.4f | %u | %zu | %.4f | %s | %s | %s | %.0f | %s "
                "| %s |\n",
                target, first_ms, calibrated_s, asked, history, history_recall / asked, calibrated_on, slice, p.recall,
                used_s, oracle ? std::to_string(oracle).c_str() : "unreached", ratio_s, p.qps,
                oqps_s, met ? "yes" : "no");
    std::fflush(stdout);
  }
  return 0;
}
