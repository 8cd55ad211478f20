// Copyright 2026 The semble Authors.
//
// Filtered search by selectivity (issue 16, item 4): is the plan the engine picks for a filter the
// fast one at every selectivity, and does it keep recall?
//
// Through the public API, as users load data: a fresh database, one index with a number metadata
// index on "bucket", the base upserted in natural order in batches of 512 through the background
// builder, every record with {"bucket": b} where b spreads the records evenly over 0..999 in a
// shuffled order (--buckets N: over 0..N-1). A selectivity s is the filter {"bucket": {"$lt":
// 1000 s}} (N s). Per selectivity:
// QPS and recall@10 of what the planner picks (truth: exact top-10 over the matching records),
// and of both plans forced in the database (db::ForceFilterPlanForBench: the same code the planner
// chooses between, the filter checked through the record's metadata), interleaved pass by pass.
//
// The two plans forced, for the cost model (src/index/hnsw_planner.cc): the same VectorIndex class
// the database uses, loaded the same way, asked directly: SearchSlots over the matching slots
// (exact) and SearchFiltered (the walk) on an ef ladder, giving the smallest ef whose recall@10
// reaches the target at that selectivity and its speed.
//
//   filtered_bench --dataset fashion|glove [--index-type hnsw|hnsw,sq8] [--queries 500]
//       [--runs 3] [--recall x] [--target x] [--pca dims] [--skip-forced] [--skip-api-forced]
//       [--selectivities 0.001,0.05,...] [--budget seconds] [--min-pass seconds] [--fashion DIR]
//       [--glove FILE] [--work DIR] [--keep-db] [--also-recall x] [--also-ef n ...]
//       [--buckets N] [--string-buckets] [--and-tags N] [--mixed-warmup seconds]
//
// --recall x asks the planned queries for recall x (QueryRequest::recall); without it they use the
// index's default ef. --target is the recall the forced walk must reach (default: --recall, else
// the recall of unfiltered queries at the default ef, measured here). --pca projects the data on
// that many principal components first (the same data at another dimension). QPS: one thread,
// the median of --runs passes. A pass through the API answers the queries in turn, going round
// again until it has lasted --min-pass seconds (default 1: at 0.1% a round takes ~5 ms, too short
// to time on a shared machine), and stops after --budget seconds (default 10) with the queries
// answered so far; recall is over the first round. --skip-forced leaves out the plans forced on a
// separate VectorIndex (the ef ladder), --skip-api-forced the plans forced through the database.
// --also-recall and --also-ef (repeatable) add tables at those settings; --keep-db reuses the
// database an earlier run left in --work. --buckets N spreads the records over N values of
// "bucket" instead of 1,000 (N = the base's size: a value per record, as timestamps have);
// --string-buckets keeps them as zero-padded strings in a string index (as ISO dates are kept).
// --and-tags N gives every record a second field, "tag" (0..N-1, shuffled, in a number index of
// its own), and makes every filter {"$and": [the bucket range, {"tag": 0}]}: a range beside a
// selective condition, the matches 1/N of the range's. --mixed-warmup S first asks planned
// queries over all the selected selectivities in turn for S seconds, as a server's mixed load
// would, before any band is measured (the planner learns its costs from the plans it runs).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ann_data.h"
#include "api_load.h"
#include "db/collection.h"
#include "index/flat_index.h"
#include "index/index_factory.h"
#include "index/vector_index.h"
#include "semble/database.h"

namespace {

using semble::bench::AnnDataset;
using semble::bench::DieIf;
using semble::bench::kTruthK;
using semble::bench::Unwrap;
using Clock = std::chrono::steady_clock;

constexpr double kSelectivities[] = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
                                     0.15,  0.2,   0.25,  0.3,  0.5,  1.0};
constexpr size_t kBatch = 512;
constexpr uint32_t kWalkEfs[] = {10, 16, 22, 31, 44, 64, 88, 125, 177, 251, 356, 505, 715, 1013};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Recall(const std::vector<std::vector<uint32_t>>& got,
              const std::vector<std::vector<uint32_t>>& truth) {
  size_t hit = 0, want = 0;
  for (size_t q = 0; q < got.size(); ++q) {
    const std::set<uint32_t> t(truth[q].begin(), truth[q].end());
    for (uint32_t r : got[q]) hit += t.count(r);
    want += t.size();
  }
  return want == 0 ? 1.0 : static_cast<double>(hit) / want;
}

// Times `pass` (which answers every query into *out) `runs` times; the median QPS.
template <class Pass>
double TimeQps(size_t nq, size_t runs, std::vector<std::vector<uint32_t>>* out, const Pass& pass) {
  std::vector<double> qps;
  for (size_t r = 0; r < runs; ++r) {
    out->assign(nq, {});
    const auto start = Clock::now();
    pass(out);
    qps.push_back(nq / std::chrono::duration<double>(Clock::now() - start).count());
  }
  return Median(qps);
}

}  // namespace

int main(int argc, char** argv) {
  semble::bench::DataSetFlags data;
  std::string index_type = "hnsw", work = "/tmp/filtered-bench";
  size_t max_queries = 500, runs = 3;
  uint32_t pca = 0;
  std::optional<float> recall, target, also_recall;
  std::vector<uint32_t> also_efs;
  bool keep_db = false;
  bool forced = true, api_forced = true;
  double budget = 10, min_pass = 1;
  std::string selectivities;  // comma-separated; "" = all of kSelectivities
  double mixed_warmup = 0;    // seconds of planned queries over every selected selectivity
  uint32_t buckets = 1000;    // distinct values of "bucket"
  bool string_buckets = false;  // "bucket" as zero-padded strings in a string index
  uint32_t and_tags = 0;        // 0: no "tag"; N: filters AND {"tag": 0} over N tags
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    auto next = [&] {
      DieIf(i + 1 >= argc, f + " needs a value");
      return std::string(argv[++i]);
    };
    if (semble::bench::DataSetFlags::IsFlag(f))
      data.Take(f, next());
    else if (f == "--index-type")
      index_type = next();
    else if (f == "--work")
      work = next();
    else if (f == "--queries")
      max_queries = std::stoul(next());
    else if (f == "--runs")
      runs = std::stoul(next());
    else if (f == "--recall")
      recall = std::stof(next());
    else if (f == "--target")
      target = std::stof(next());
    else if (f == "--pca")
      pca = std::stoul(next());
    else if (f == "--skip-forced")
      forced = false;
    else if (f == "--skip-api-forced")
      api_forced = false;
    else if (f == "--also-recall")
      also_recall = std::stof(next());
    else if (f == "--also-ef")
      also_efs.push_back(std::stoul(next()));
    else if (f == "--keep-db")
      keep_db = true;
    else if (f == "--budget")
      budget = std::stod(next());
    else if (f == "--min-pass")
      min_pass = std::stod(next());
    else if (f == "--selectivities")
      selectivities = next();
    else if (f == "--buckets")
      buckets = static_cast<uint32_t>(std::stoul(next()));
    else if (f == "--string-buckets")
      string_buckets = true;
    else if (f == "--and-tags")
      and_tags = static_cast<uint32_t>(std::stoul(next()));
    else if (f == "--mixed-warmup")
      mixed_warmup = std::stod(next());
    else
      DieIf(true, "unknown flag " + f);
  }
  auto selected = [&](double s) {
    if (selectivities.empty()) return true;
    size_t at = 0;
    while (at < selectivities.size()) {
      const size_t comma = std::min(selectivities.find(',', at), selectivities.size());
      if (std::abs(std::stod(selectivities.substr(at, comma - at)) - s) < 1e-9) return true;
      at = comma + 1;
    }
    return false;
  };
  AnnDataset d = data.Load();
  if (pca > 0) semble::bench::ProjectPca(&d, pca);
  const size_t nq = std::min(max_queries, d.nq);
  const uint32_t dims = d.dims;
  auto query = [&](size_t q) { return &d.queries[q * dims]; };

  // The buckets: an even spread over 0..buckets-1, shuffled so that matches fall anywhere in the
  // load order (a filter on insertion time would be another workload). --buckets N with N the
  // base's size gives every record a value of its own, as a timestamp or a price would.
  DieIf(buckets == 0, "--buckets must be at least 1");
  const uint32_t kBuckets = buckets;
  std::vector<uint32_t> bucket(d.n);
  for (size_t i = 0; i < d.n; ++i) bucket[i] = static_cast<uint32_t>(i % kBuckets);
  std::shuffle(bucket.begin(), bucket.end(), std::mt19937_64(7));
  std::vector<uint32_t> tag(d.n, 0);
  if (and_tags > 0) {
    for (size_t i = 0; i < d.n; ++i) tag[i] = static_cast<uint32_t>(i % and_tags);
    std::shuffle(tag.begin(), tag.end(), std::mt19937_64(8));
  }

  // Truth per selectivity: exact top-10 over the matching rows, with the engine's flat index.
  semble::index::FlatIndex flat(dims, d.metric);
  for (size_t i = 0; i < d.n; ++i) (void)flat.Set(static_cast<uint32_t>(i), &d.base[i * dims]);
  std::vector<std::vector<uint32_t>> matching(std::size(kSelectivities));
  std::vector<std::vector<std::vector<uint32_t>>> truth(std::size(kSelectivities));
  for (size_t si = 0; si < std::size(kSelectivities); ++si) {
    if (!selected(kSelectivities[si])) continue;
    const auto below = static_cast<uint32_t>(kSelectivities[si] * kBuckets + 0.5);
    for (uint32_t i = 0; i < d.n; ++i) {
      if (bucket[i] < below && tag[i] == 0) matching[si].push_back(i);
    }
    truth[si].resize(nq);
    for (size_t q = 0; q < nq; ++q) {
      for (const semble::index::Hit& h : flat.SearchSlots(query(q), kTruthK, matching[si])) {
        truth[si][q].push_back(h.slot);
      }
    }
  }

  // The forced plans, on the database's own VectorIndex class loaded the same way.
  struct Forced {
    double exact_qps = 0, walk64_qps = 0, walk64_recall = 0, walk_qps = 0, walk_recall = 0;
    bool model_exact = false;  // the planner's pick for this filter at the default ef
    uint32_t walk_ef = 0;      // 0: no ef of the ladder reached the target
  };
  std::vector<Forced> forced_rows(std::size(kSelectivities));
  float walk_target = target.value_or(recall.value_or(0));
  if (forced) {
    auto spec = Unwrap(semble::index::ParseIndexSpec(index_type, dims, d.metric), "index type");
    auto vi = Unwrap(semble::index::NewVectorIndex(spec, 0), "vector index");
    const auto load_start = Clock::now();
    for (size_t at = 0; at < d.n; at += kBatch) {
      std::vector<uint32_t> slots(std::min(kBatch, d.n - at));
      std::iota(slots.begin(), slots.end(), static_cast<uint32_t>(at));
      DieIf(!vi->SetBatch(slots, &d.base[at * dims]).ok(), "set batch");
    }
    while (vi->Unindexed() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::printf("# forced plans: %s built in %.1f s\n", vi->TypeString().c_str(),
                std::chrono::duration<double>(Clock::now() - load_start).count());
    if (!target && !recall) {
      // The index's own default: what an unfiltered query gets at the default ef.
      std::vector<std::vector<uint32_t>> got(nq);
      for (size_t q = 0; q < nq; ++q) {
        for (const auto& h : vi->Search(query(q), kTruthK, {})) got[q].push_back(h.slot);
      }
      std::vector<std::vector<uint32_t>> all(nq);
      std::vector<uint32_t> every(d.n);
      std::iota(every.begin(), every.end(), 0u);
      for (size_t q = 0; q < nq; ++q) {
        for (const auto& h : flat.SearchSlots(query(q), kTruthK, every)) all[q].push_back(h.slot);
      }
      walk_target = static_cast<float>(Recall(got, all));
    }
    std::printf("# walk target recall@10: %.4f\n", walk_target);
    for (size_t si = 0; si < std::size(kSelectivities); ++si) {
      if (!selected(kSelectivities[si])) continue;
      Forced& f = forced_rows[si];
      std::vector<uint8_t> allowed(d.n, 0);
      for (uint32_t i : matching[si]) allowed[i] = 1;
      auto allow = [&](uint32_t slot) { return allowed[slot] != 0; };
      // The pass rate the database gives the walk (its planner's estimate; exact here).
      const double rate = static_cast<double>(matching[si].size()) / static_cast<double>(d.n);
      f.model_exact =
          vi->PreferExactForFilter(matching[si].size(), matching[si].size(), kTruthK, {});
      std::vector<std::vector<uint32_t>> got;
      f.exact_qps = TimeQps(nq, runs, &got, [&](auto* out) {
        for (size_t q = 0; q < nq; ++q) {
          for (const auto& h : vi->SearchSlots(query(q), kTruthK, matching[si])) {
            (*out)[q].push_back(h.slot);
          }
        }
      });
      auto walk = [&](uint32_t ef, size_t times) {
        return TimeQps(nq, times, &got, [&](auto* out) {
          semble::index::SearchParams p;
          p.ef = ef;
          for (size_t q = 0; q < nq; ++q) {
            for (const auto& h : vi->SearchFiltered(query(q), kTruthK, p, allow, rate)) {
              (*out)[q].push_back(h.slot);
            }
          }
        });
      };
      f.walk64_qps = walk(64, runs);
      f.walk64_recall = Recall(got, truth[si]);
      for (uint32_t ef : kWalkEfs) {
        const double qps = walk(ef, runs);
        const double r = Recall(got, truth[si]);
        std::printf("#   s=%.3f ef=%u recall %.4f qps %.0f\n", kSelectivities[si], ef, r, qps);
        if (r >= walk_target) {
          f.walk_ef = ef;
          f.walk_recall = r;
          f.walk_qps = qps;
          break;
        }
        // Past this the walk is slower than the exact scan at any ef that is left.
        if (qps < 0.5 * f.exact_qps) break;
      }
      std::fflush(stdout);
    }
  }

  // The planned path, through the public API.
  // --keep-db: the database of an earlier run with the same data set and index type is opened
  // as it was left (the graph as built then), so that runs, and binaries, can be compared on the
  // one index.
  const std::string dir = work + "/db-" + d.name + "-" + index_type +
                          (buckets == 1000 ? "" : "-b" + std::to_string(buckets)) +
                          (string_buckets ? "-s" : "") +
                          (and_tags > 0 ? "-t" + std::to_string(and_tags) : "");
  // A bucket as the filter and the records carry it: a number, or with --string-buckets a string
  // of 10 digits (zero-padded, so that strings order as the numbers do), as ISO dates are kept.
  auto bucket_json = [&](uint32_t b) {
    if (!string_buckets) return std::to_string(b);
    char digits[16];
    std::snprintf(digits, sizeof(digits), "\"%010u\"", b);
    return std::string(digits);
  };
  if (!keep_db) std::filesystem::remove_all(dir);
  std::filesystem::create_directories(work);
  semble::DatabaseOptions options;
  auto db = Unwrap(semble::Database::Open(options, dir), "open");
  std::shared_ptr<semble::Index> index;
  if (auto found = db->GetIndex("filtered");
      found.ok() && Unwrap((*found)->Info(), "info").vector_count == d.n) {
    index = *found;
  } else {
    if (found.ok()) DieIf(!db->DeleteIndex("filtered").ok(), "delete index");
    index = semble::bench::CreateAnnIndex(*db, "filtered", d, index_type);
    (void)Unwrap(
        index->CreateMetadataIndex({"bucket", string_buckets ? semble::MetadataIndexType::kString
                                                             : semble::MetadataIndexType::kNumber}),
        "metadata index");
    if (and_tags > 0) {
      (void)Unwrap(index->CreateMetadataIndex({"tag", semble::MetadataIndexType::kNumber}),
                   "metadata index");
    }
    const auto load_start = Clock::now();
    semble::bench::UpsertBase(*index, d, kBatch, [&](size_t row) {
      return "{\"bucket\":" + bucket_json(bucket[row]) +
             (and_tags > 0 ? ",\"tag\":" + std::to_string(tag[row]) : "") + "}";
    });
    std::printf("# loaded through the API in %.1f s\n",
                std::chrono::duration<double>(Clock::now() - load_start).count());
  }
  semble::bench::WaitUntilIndexed(*index);
  if (keep_db) DieIf(!db->Checkpoint().ok(), "checkpoint");
  std::printf("# %s, %zu vectors x %u dims, %s; %zu queries, median of %zu runs\n", d.name.c_str(),
              d.n, dims, index_type.c_str(), nq, runs);

  // Per selectivity, through the API: the planner's pick and both plans forced in the database
  // (ForceFilterPlanForBench), interleaved pass by pass so that the machine's load falls on all
  // three alike. Passes as described at the top (--min-pass, --budget: the walk at 0.1% takes
  // ~0.1 s a query).
  struct Pass {
    double qps = 0, recall = 0;
  };
  auto filter_for = [&](size_t si) {
    const auto below = static_cast<uint32_t>(kSelectivities[si] * kBuckets + 0.5);
    std::string filter = "{\"bucket\":{\"$lt\":" + bucket_json(below) + "}}";
    if (and_tags > 0) filter = "{\"$and\":[" + filter + ",{\"tag\":0}]}";
    return filter;
  };
  auto api_pass = [&](size_t si, semble::db::FilterPlanForBench plan, std::optional<float> recall,
                      std::optional<uint32_t> ef, bool no_filter = false) {
    const std::string filter = no_filter ? "" : filter_for(si);
    semble::db::ForceFilterPlanForBench(plan);
    std::vector<std::vector<uint32_t>> got;
    const auto start = Clock::now();
    double elapsed = 0;
    size_t answered = 0;
    for (size_t at = 0; at == 0 || (elapsed < budget && (at % nq != 0 || elapsed < min_pass));
         ++at) {
      const size_t q = at % nq;
      semble::QueryRequest r;
      r.vector.assign(query(q), query(q) + dims);
      r.top_k = kTruthK;
      r.recall = recall;
      r.ef = ef;
      r.filter_json = filter;
      const semble::QueryResult result = Unwrap(index->Query(r), "query");
      if (at < nq) {
        got.emplace_back();
        for (const semble::QueryMatch& m : result.matches) {
          got.back().push_back(static_cast<uint32_t>(std::stoul(m.id)));
        }
      }
      ++answered;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    }
    semble::db::ForceFilterPlanForBench(semble::db::FilterPlanForBench::kPlanner);
    const std::vector<std::vector<uint32_t>> want(truth[si].begin(),
                                                  truth[si].begin() + got.size());
    return Pass{answered / elapsed, Recall(got, want)};
  };
  // One table per setting: --recall's (or the default ef), then --also-recall's.
  auto table = [&](std::optional<float> recall, std::optional<uint32_t> ef) {
    if (recall) {
      // Settle the calibration first: it is measured on the first query asking for a recall, and
      // again in the background as real queries are sampled (64, 128, ... of them).
      for (int round = 0; round < 4; ++round) {
        for (size_t q = 0; q < nq; ++q) {
          semble::QueryRequest r;
          r.vector.assign(query(q), query(q) + dims);
          r.top_k = kTruthK;
          r.recall = recall;
          (void)Unwrap(index->Query(r), "query");
        }
        std::this_thread::sleep_for(std::chrono::seconds(2));
      }
      std::printf("\n## recall %.2f; calibration (%u real queries): ", *recall,
                  Unwrap(index->Info(), "info").recall_calibration_queries);
      for (const auto& step : Unwrap(index->Info(), "info").recall_calibration) {
        std::printf("ef %u: %.4f  ", step.ef, step.recall);
      }
      std::printf("\n");
    } else if (ef) {
      std::printf("\n## ef %u\n", *ef);
    } else {
      std::printf("\n## default ef\n");
    }
    std::printf(
        "\n| selectivity | matching | planned QPS | planned recall@10 | planner's pick | "
        "API exact QPS | API exact recall | API walk QPS | API walk recall | planned / best | "
        "exact QPS | walk ef 64 QPS | walk ef 64 recall | walk ef for target | its QPS | its "
        "recall "
        "| model's pick |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t si = 0; si < std::size(kSelectivities); ++si) {
      if (!selected(kSelectivities[si])) continue;
      std::vector<double> planned_qps, exact_qps, walk_qps;
      Pass planned, exact, walk;
      semble::db::FilterPlansTaken picks;
      for (size_t r = 0; r < runs; ++r) {
        // The three passes in a rotating order: none always runs right after the same other.
        const size_t plans = api_forced ? 3 : 1;
        for (size_t i = 0; i < plans; ++i) {
          switch ((r + i) % plans) {
            case 0: {
              (void)semble::db::TakeFilterPlanCountsForBench();
              planned = api_pass(si, semble::db::FilterPlanForBench::kPlanner, recall, ef);
              const semble::db::FilterPlansTaken taken = semble::db::TakeFilterPlanCountsForBench();
              picks.exact += taken.exact;
              picks.walk += taken.walk;
              planned_qps.push_back(planned.qps);
              break;
            }
            case 1:
              exact = api_pass(si, semble::db::FilterPlanForBench::kExact, recall, ef);
              exact_qps.push_back(exact.qps);
              break;
            default:
              walk = api_pass(si, semble::db::FilterPlanForBench::kWalk, recall, ef);
              walk_qps.push_back(walk.qps);
          }
        }
      }
      const std::string pick =
          picks.walk == 0 ? "exact"
          : picks.exact == 0
              ? "walk"
              : "mixed (walk " + std::to_string(100 * picks.walk / (picks.walk + picks.exact)) +
                    "%)";
      std::printf("| %.3f | %zu | %.0f | %.4f | %s |", kSelectivities[si], matching[si].size(),
                  Median(planned_qps), planned.recall, pick.c_str());
      if (api_forced) {
        const double best = std::max(Median(exact_qps), Median(walk_qps));
        std::printf(" %.0f | %.4f | %.0f | %.4f | %.2f |", Median(exact_qps), exact.recall,
                    Median(walk_qps), walk.recall, Median(planned_qps) / best);
      } else {
        std::printf(" | | | | |");
      }
      const Forced& f = forced_rows[si];
      if (forced) {
        std::printf(" %.0f | %.0f | %.4f | %s | %.0f | %.4f | %s |\n", f.exact_qps, f.walk64_qps,
                    f.walk64_recall, f.walk_ef ? std::to_string(f.walk_ef).c_str() : "unreached",
                    f.walk_qps, f.walk_recall, f.model_exact ? "exact" : "walk");
      } else {
        std::printf(" | | | | | | |\n");
      }
      std::fflush(stdout);
    }
    // The same queries with no filter at all (the truth of the 100% row: every record matches),
    // the reference of issue 16's goal: no selectivity slower than the unfiltered query.
    for (size_t si = 0; si < std::size(kSelectivities); ++si) {
      if (kSelectivities[si] != 1.0 || !selected(1.0)) continue;
      std::vector<double> qps;
      Pass pass;
      for (size_t r = 0; r < runs; ++r) {
        pass = api_pass(si, semble::db::FilterPlanForBench::kPlanner, recall, ef, true);
        qps.push_back(pass.qps);
      }
      std::printf("| no filter | %zu | %.0f | %.4f | | | | | | | | | | | | | |\n", d.n, Median(qps),
                  pass.recall);
    }
  };
  if (mixed_warmup > 0) {
    // A server's planner has seen a mix of filters before any one band is measured: the
    // selected selectivities in turn, a query each, planned, for --mixed-warmup seconds. The
    // planner learns this machine's costs from the plans it runs (src/index/plan_feedback.h).
    std::vector<size_t> mix;
    for (size_t si = 0; si < std::size(kSelectivities); ++si) {
      if (selected(kSelectivities[si]) && kSelectivities[si] < 1.0) mix.push_back(si);
    }
    // Per selectivity of the mix: queries, walks taken, seconds.
    std::vector<size_t> asked_at(mix.size()), walked_at(mix.size());
    std::vector<double> seconds_at(mix.size());
    (void)semble::db::TakeFilterPlanCountsForBench();
    const auto start = Clock::now();
    size_t asked = 0;
    for (;
         !mix.empty() && std::chrono::duration<double>(Clock::now() - start).count() < mixed_warmup;
         ++asked) {
      const size_t at = asked % mix.size(), si = mix[at], q = (asked / mix.size()) % nq;
      semble::QueryRequest r;
      r.vector.assign(query(q), query(q) + dims);
      r.top_k = kTruthK;
      r.recall = recall;
      r.filter_json = filter_for(si);
      const auto t0 = Clock::now();
      (void)Unwrap(index->Query(r), "query");
      seconds_at[at] += std::chrono::duration<double>(Clock::now() - t0).count();
      ++asked_at[at];
      walked_at[at] += semble::db::TakeFilterPlanCountsForBench().walk;
    }
    std::printf("# mixed warm-up: %zu planned queries over %zu selectivities (%.0f a second)\n",
                asked, mix.size(), asked / mixed_warmup);
    for (size_t at = 0; at < mix.size(); ++at) {
      std::printf("#   %.3f: %zu queries, %.1f%% walked, %.1f us a query\n",
                  kSelectivities[mix[at]], asked_at[at],
                  100.0 * walked_at[at] / std::max<size_t>(asked_at[at], 1),
                  1e6 * seconds_at[at] / std::max<size_t>(asked_at[at], 1));
    }
  }
  table(recall, std::nullopt);
  if (also_recall) table(also_recall, std::nullopt);
  for (uint32_t ef : also_efs) table(std::nullopt, ef);
  return 0;
}
