// Copyright 2026 The semble Authors.
//
// Query speed of HNSW indexes loaded the way production loads them: through the public API, in
// batches of 1,000 records in the data set's natural order, linked by each index's background
// builder (batches of 512), checkpointed as the write-ahead log grows. Written to decide whether a
// breadth-first renumbering of the graph's nodes after bulk loads paid for itself (issue 11; it
// did not and was removed: bench/RESULTS.md, "HNSW node renumbering after a bulk load"). As built
// from this tree it is an A/A test of two identically loaded graphs, which shows the noise of a
// comparison on this machine; bench/reorder_experiment.patch (against commit 6fad662, the parent
// of the commit that removed the renumbering) makes one of the two renumber at every checkpoint.
//
//   hnsw_reorder_bench DIR [--queries N] [--runs R] [--ef 10,16,...]
//
// DIR is created afresh (anything in it is removed). Data: Fashion-MNIST from Debian's
// dataset-fashion-mnist (60,000 × 784 base, the first N test images as queries, L2). Two graph
// indexes "a" and "b" get the same records; the exact top-10 comes from a "flat" index of the same
// database, so the whole measurement goes through include/semble. Per ef: one warm-up pass per
// graph, then R timed passes of each on one thread, alternating a/b and b/a; medians. QPS both by
// wall clock and by the querying thread's CPU time (the machine is shared).

#include <time.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ann_data.h"
#include "semble/database.h"

namespace {

using Clock = std::chrono::steady_clock;

using semble::bench::ReadIdxImages;

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

void Check(const semble::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

std::vector<std::string> TopIds(semble::Index& index, const float* q, uint32_t dims,
                                std::optional<uint32_t> ef) {
  semble::QueryRequest req;
  req.vector.assign(q, q + dims);
  req.top_k = 10;
  req.ef = ef;
  auto res = index.Query(req);
  Check(res.status(), "query");
  std::vector<std::string> ids;
  for (const semble::QueryMatch& m : res->matches) ids.push_back(m.id);
  return ids;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [--queries N] [--runs R] [--ef a,b,c]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  size_t nq = 1000;
  int runs = 5;
  std::vector<uint32_t> efs = {10, 16, 24, 32, 64};
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--queries") nq = std::strtoul(argv[i + 1], nullptr, 10);
    if (flag == "--runs") runs = std::atoi(argv[i + 1]);
    if (flag == "--ef") {
      efs.clear();
      for (const char* p = argv[i + 1]; *p;) {
        char* end;
        efs.push_back(static_cast<uint32_t>(std::strtoul(p, &end, 10)));
        p = *end == ',' ? end + 1 : end;
      }
    }
  }
  const std::string data = "/usr/share/datasets/fashion-mnist";
  size_t n, nq_all;
  uint32_t dims, qdims;
  const std::vector<float> base = ReadIdxImages(data + "/train-images-idx3-ubyte.gz", &n, &dims);
  const std::vector<float> queries =
      ReadIdxImages(data + "/t10k-images-idx3-ubyte.gz", &nq_all, &qdims);
  nq = std::min(nq, nq_all);

  std::filesystem::remove_all(dir);
  semble::DatabaseOptions options;
  options.sync_mode = semble::SyncMode::kNone;  // the load's fsyncs are not what is measured
  options.checkpoint_on_close = false;
  auto db = semble::Database::Open(options, dir);
  Check(db.status(), "open");
  // Two graphs of the same data, built the same way, timed in alternation so that the machine's
  // load hits both alike: "a" is the arm under test (the one an experiment build treats
  // differently), "b" the control. Without such a build the two are an A/A test of the noise.
  semble::IndexConfig graph_config;
  graph_config.dimensions = dims;
  graph_config.metric = semble::Metric::kEuclidean;
  graph_config.index_type = "hnsw";
  semble::IndexConfig flat_config = graph_config;
  flat_config.index_type = "flat";
  std::vector<std::shared_ptr<semble::Index>> graphs;
  for (const char* name : {"a", "b"}) {
    auto graph = (*db)->CreateIndex({name, "", graph_config});
    Check(graph.status(), "create graph");
    graphs.push_back(*graph);
  }
  auto flat = (*db)->CreateIndex({"flat", "", flat_config});
  Check(flat.status(), "create flat");

  // Load in natural order, 1,000 records per call, and wait for the builders to link them all.
  const auto load_start = Clock::now();
  std::vector<semble::VectorRecord> batch;
  for (size_t i = 0; i < n; ++i) {
    batch.push_back(
        {std::to_string(i), std::vector<float>(&base[i * dims], &base[(i + 1) * dims]), "", ""});
    if (batch.size() == 1000 || i + 1 == n) {
      for (auto& graph : graphs) Check(graph->Insert(batch).status(), "insert");
      Check((*flat)->Insert(batch).status(), "insert flat");
      batch.clear();
    }
  }
  const double insert_s = std::chrono::duration<double>(Clock::now() - load_start).count();
  for (auto& graph : graphs) {
    for (;;) {
      auto info = graph->Info();
      Check(info.status(), "info");
      if (info->unindexed_vectors == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  const double linked_s = std::chrono::duration<double>(Clock::now() - load_start).count();
  // A checkpoint writes the graphs under their locks, so whatever a builder does once caught up
  // (the reachability check, a renumbering) is over before the first query is timed.
  Check((*db)->Checkpoint(), "checkpoint");
  const double settled_s = std::chrono::duration<double>(Clock::now() - load_start).count();
  std::printf("# 2 graphs of %zu x %u; inserts %.1f s, all linked %.1f s, checkpointed %.1f s\n", n,
              dims, insert_s, linked_s, settled_s);

  std::vector<std::set<std::string>> truth(nq);
  for (size_t q = 0; q < nq; ++q) {
    const std::vector<std::string> ids = TopIds(**flat, &queries[q * dims], dims, std::nullopt);
    truth[q] = std::set<std::string>(ids.begin(), ids.end());
  }

  std::printf(
      "ef\ta_recall@10\ta_QPS_cpu\ta_QPS_wall\tb_recall@10\tb_QPS_cpu\tb_QPS_wall\ta/b_cpu\n");
  for (uint32_t ef : efs) {
    for (auto& graph : graphs) {
      for (size_t q = 0; q < std::min<size_t>(nq, 200); ++q) {
        (void)TopIds(*graph, &queries[q * dims], dims, ef);
      }
    }
    std::vector<double> wall[2], cpu[2];
    size_t hits[2] = {0, 0};
    for (int r = 0; r < runs; ++r) {
      for (int arm = (r % 2); arm < (r % 2) + 2; ++arm) {  // a b, b a, a b, ...
        const int g = arm % 2;
        const auto t0 = Clock::now();
        const double c0 = ThreadCpuSeconds();
        size_t run_hits = 0;
        for (size_t q = 0; q < nq; ++q) {
          for (const std::string& id : TopIds(*graphs[g], &queries[q * dims], dims, ef)) {
            run_hits += truth[q].count(id);
          }
        }
        cpu[g].push_back(nq / (ThreadCpuSeconds() - c0));
        wall[g].push_back(nq / std::chrono::duration<double>(Clock::now() - t0).count());
        hits[g] = run_hits;
      }
    }
    double med_cpu[2], med_wall[2];
    for (int g = 0; g < 2; ++g) {
      std::sort(wall[g].begin(), wall[g].end());
      std::sort(cpu[g].begin(), cpu[g].end());
      med_cpu[g] = cpu[g][cpu[g].size() / 2];
      med_wall[g] = wall[g][wall[g].size() / 2];
    }
    std::printf("%u\t%.4f\t%.0f\t%.0f\t%.4f\t%.0f\t%.0f\t%.3f\n", ef, hits[0] / (nq * 10.0),
                med_cpu[0], med_wall[0], hits[1] / (nq * 10.0), med_cpu[1], med_wall[1],
                med_cpu[0] / med_cpu[1]);
    std::fflush(stdout);
  }
  return 0;
}
