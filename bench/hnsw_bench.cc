// Copyright 2026 The semble Authors.
//
// HNSW side by side: semble HnswIndex (float32, sq8, bq; quantized ones rescored exactly) against
// hnswlib 0.6.2 (header-only, compiled in this file with the same flags) and FAISS IndexHNSWFlat,
// same data, same M and efConstruction, builds on 2 threads, queries on 1 thread.
// "semble API f32", "semble API sq8" and "semble API lb8" (float32 results, a walk on lower-bound
// codes) are what users run: a database through include/semble, the
// base upserted in its natural order in batches of 512 and linked by the background builder, each
// query a QueryRequest (topK 10, the ef asked) answered with string ids. The other semble rows are
// the index class built in one batch: diagnostics.
//
//   hnsw_bench --dataset fashion|glove|glove32|minilm [--data DIR] [--m 16] [--efc 100]
//              [--queries 2000] [--runs 3] [--efs 10,16,24,32,48,64,96,128,256] [--skip-peers]
//              [--filters] [--only PREFIX,...] [--work DIR] [--build-only]
//
// Recall@10 against exact top-10 (brute force once, cached next to the data). QPS: each ef is run
// `runs` times after a warm-up pass; the median is reported. Memory: resident set size after the
// build minus before, divided by the vectors; for semble also MemoryStats' split into
// what queries traverse vs the float32 copy only rescoring reads. --build-only stops after the
// builds (build-rate comparisons; "build s cpu" is the process's CPU seconds over the build, every
// thread's, which on a shared machine is steadier than wall time).

#include <malloc.h>
#include <omp.h>
#include <time.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ann_data.h"
#include "api_load.h"
#include "faiss/IndexHNSW.h"
#include "faiss/index_io.h"
#include "hnswlib/hnswlib.h"
#include "index/flat_index.h"
#include "index/hnsw_index.h"
#include "semble/database.h"
#include "simdjson.h"

namespace {

using semble::Metric;
using semble::index::FlatIndex;
using semble::index::Hit;
using semble::index::HnswIndex;
using semble::index::HnswOptions;
using semble::index::QuantizerKind;
using Clock = std::chrono::steady_clock;

constexpr size_t kK = 10;

using Dataset = semble::bench::AnnDataset;
using semble::bench::LoadFashion;
using semble::bench::LoadGlove;


double Seconds(Clock::time_point a) {
  return std::chrono::duration<double>(Clock::now() - a).count();
}
// CPU time of the calling thread: on a machine shared with other jobs, wall time also counts the
// time the scheduler gave to others; this does not (cache interference still shows).
double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
// Resident set size: counts malloc'd and mmapped memory alike (semble maps its big arrays itself).
size_t HeapBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// A peer behind one interface: build, set ef, search one query into ids.
struct Engine {
  std::string name;
  std::function<void(const Dataset&, int threads)> build;
  std::function<void(const float* q, size_t ef, uint32_t* ids)> search;
  std::function<std::string()> memory_note = [] { return std::string(); };
};

struct Row {
  std::string engine;
  size_t ef;
  double recall, qps, cpu_qps;
};

void Normalize(std::vector<float>* v, uint32_t dims) {
  for (size_t i = 0; i + dims <= v->size(); i += dims) {
    double s = 0;
    for (uint32_t j = 0; j < dims; ++j) s += (*v)[i + j] * (*v)[i + j];
    const float inv = s > 0 ? static_cast<float>(1 / std::sqrt(s)) : 0.0f;
    for (uint32_t j = 0; j < dims; ++j) (*v)[i + j] *= inv;
  }
}

// With a cache path: load the serialized index if the file exists (reporting the load time instead
// of a build), else build and write it. For iterating on query speed; official runs build.
Engine Semble(QuantizerKind q, uint32_t m, uint32_t efc, std::unique_ptr<HnswIndex>* holder,
              const std::string& cache, bool bound_codes = false) {
  static const char* kNames[] = {"semble f32", "semble sq8", "semble bq"};
  Engine e;
  e.name = std::string(kNames[static_cast<int>(q)]) + (bound_codes ? " lb8" : "");
  e.build = [=](const Dataset& d, int threads) {
    const std::string path = cache.empty() ? ""
                                           : cache + "_" + std::to_string(static_cast<int>(q)) +
                                                 (bound_codes ? "_lb8" : "") + ".hnsw";
    if (!path.empty()) {
      std::ifstream in(path, std::ios::binary);
      if (in) {
        std::string blob((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto t = Clock::now();
        *holder = std::move(HnswIndex::Deserialize(blob)).value();
        std::printf("(loaded %s: %.2f s for %.0f MB)\n", path.c_str(), Seconds(t),
                    blob.size() / 1e6);
        return;
      }
    }
    HnswOptions o;
    o.dimensions = d.dims;
    o.metric = d.metric;
    o.m = m;
    o.ef_construction = efc;
    o.quantizer = q;
    o.bound_codes = bound_codes;
    *holder = std::move(HnswIndex::Create(o)).value();
    std::vector<uint32_t> slots(d.n);
    std::iota(slots.begin(), slots.end(), 0u);
    if (!(*holder)->AddBatch(slots, d.base.data(), threads).ok()) std::exit(2);
    if (!path.empty()) {
      const std::string blob = (*holder)->Serialize();
      std::ofstream(path, std::ios::binary).write(blob.data(), blob.size());
    }
  };
  e.search = [=](const float* query, size_t ef, uint32_t* ids) {
    const auto hits = (*holder)->Search(query, kK, static_cast<uint32_t>(ef));
    for (size_t i = 0; i < hits.size(); ++i) ids[i] = hits[i].slot;
  };
  e.memory_note = [=] {
    const auto s = (*holder)->MemoryStats();
    char buf[160];
    std::snprintf(buf, sizeof(buf), "traversal %.0f B/vec, rescoring %.0f B/vec",
                  s.traversal_bytes_per_vector, s.rescoring_bytes_per_vector);
    return std::string(buf);
  };
  return e;
}

// Through the public API, as users load and query (see the header).
struct ApiIndex {
  std::unique_ptr<semble::Database> db;
  std::shared_ptr<semble::Index> index;
  uint32_t dims = 0;
};

Engine SembleApi(const std::string& quantizer, uint32_t m, uint32_t efc, ApiIndex* holder,
                 const std::string& work) {
  Engine e;
  e.name = "semble API " + (quantizer.empty() ? std::string("f32") : quantizer);
  e.build = [=](const Dataset& d, int) {
    const std::string dir = work + "/api-" + e.name.substr(11);
    std::filesystem::remove_all(dir);
    holder->db = semble::bench::Unwrap(semble::Database::Open(semble::DatabaseOptions{}, dir),
                                       "open " + dir);
    holder->index = semble::bench::CreateAnnIndex(
        *holder->db, "ann", d,
        "hnsw,m=" + std::to_string(m) + ",efc=" + std::to_string(efc) +
            (quantizer.empty() ? "" : "," + quantizer));
    holder->dims = d.dims;
    semble::bench::UpsertBase(*holder->index, d, 512);
    semble::bench::WaitUntilIndexed(*holder->index);
  };
  e.search = [=](const float* query, size_t ef, uint32_t* ids) {
    semble::QueryRequest q;
    q.vector.assign(query, query + holder->dims);
    q.top_k = kK;
    q.ef = static_cast<uint32_t>(ef);
    auto result = holder->index->Query(q);
    if (!result.ok()) std::exit(3);
    for (size_t i = 0; i < result->matches.size() && i < kK; ++i) {
      ids[i] = static_cast<uint32_t>(std::strtoul(result->matches[i].id.c_str(), nullptr, 10));
    }
  };
  e.memory_note = [=] {
    auto info = holder->index->Info();
    char buf[96];
    std::snprintf(buf, sizeof(buf), "index %.0f B/vec", info.ok() ? info->memory_bytes_per_vector : 0);
    return std::string(buf);
  };
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dataset = "fashion", data_dir = "";
  uint32_t m = 16, efc = 100;
  size_t max_queries = 2000, runs = 3;
  bool peers = true, filters = false;
  std::string only;  // run only the engines whose name starts with this
  std::string work = "/tmp/semble-hnsw-bench";
  bool cache = false;
  bool build_only = false;
  std::vector<size_t> efs = {10, 16, 24, 32, 48, 64, 96, 128, 256};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return std::string(i + 1 < argc ? argv[++i] : ""); };
    if (a == "--dataset")
      dataset = next();
    else if (a == "--data")
      data_dir = next();
    else if (a == "--m")
      m = std::stoul(next());
    else if (a == "--efc")
      efc = std::stoul(next());
    else if (a == "--queries")
      max_queries = std::stoul(next());
    else if (a == "--runs")
      runs = std::stoul(next());
    else if (a == "--skip-peers")
      peers = false;
    else if (a == "--filters")
      filters = true;
    else if (a == "--only")
      only = next();
    else if (a == "--cache")
      cache = true;
    else if (a == "--build-only")
      build_only = true;
    else if (a == "--work")
      work = next();
    else if (a == "--efs") {
      efs.clear();
      std::string s = next();
      for (size_t p = 0; p < s.size();) {
        const size_t c = s.find(',', p);
        efs.push_back(std::stoul(s.substr(p, c - p)));
        p = c == std::string::npos ? s.size() : c + 1;
      }
    }
  }
  // --data names the directory or file of whichever set --dataset picks.
  Dataset d = semble::bench::LoadNamed(
      dataset, data_dir.empty() ? semble::bench::kDefaultFashionDir : data_dir,
      data_dir.empty() ? semble::bench::kDefaultGlovePath : data_dir,
      semble::bench::DefaultMiniLmDir());
  d.nq = std::min(d.nq, max_queries);
  d.queries.resize(d.nq * d.dims);
  semble::bench::ComputeTruth(&d, "bench/data/" + dataset + "_" + std::to_string(d.nq) + ".gt");
  std::printf(
      "# %s: %zu base x %u dims, %zu queries, M=%u efConstruction=%u, build threads 2, "
      "query threads 1\n",
      d.name.c_str(), d.n, d.dims, d.nq, m, efc);

  // Peers get cosine as inner product on normalized copies (hnswlib and FAISS have no cosine).
  std::vector<float> peer_base = d.base, peer_queries = d.queries;
  if (d.metric == Metric::kCosine) {
    Normalize(&peer_base, d.dims);
    Normalize(&peer_queries, d.dims);
  }
  const bool ip = d.metric != Metric::kEuclidean;

  std::unique_ptr<HnswIndex> f32, f32_lb8, sq8, bq;
  const std::string cache_path =
      cache ? "bench/data/" + dataset + "_m" + std::to_string(m) + "_efc" + std::to_string(efc)
            : "";
  ApiIndex api_f32, api_sq8, api_lb8;
  std::vector<Engine> engines = {SembleApi("", m, efc, &api_f32, work),
                                 SembleApi("sq8", m, efc, &api_sq8, work),
                                 SembleApi("lb8", m, efc, &api_lb8, work),
                                 Semble(QuantizerKind::kNone, m, efc, &f32, cache_path),
                                 Semble(QuantizerKind::kNone, m, efc, &f32_lb8, cache_path, true),
                                 Semble(QuantizerKind::kSq8, m, efc, &sq8, cache_path),
                                 Semble(QuantizerKind::kBinary, m, efc, &bq, cache_path)};
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
  std::unique_ptr<faiss::IndexHNSWFlat> faiss_index;
  if (peers) {
    Engine h;
    h.name = "hnswlib 0.6.2";
    h.build = [&](const Dataset& ds, int threads) {
      if (ip)
        space = std::make_unique<hnswlib::InnerProductSpace>(ds.dims);
      else
        space = std::make_unique<hnswlib::L2Space>(ds.dims);
      const std::string path = cache_path.empty() ? "" : cache_path + "_hnswlib.bin";
      if (!path.empty() && std::ifstream(path).good()) {
        hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(space.get(), path);
        return;
      }
      hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(space.get(), ds.n, m, efc, 100);
      std::atomic<size_t> next{0};
      auto work = [&] {
        for (size_t i; (i = next.fetch_add(1)) < ds.n;) hnsw->addPoint(&peer_base[i * ds.dims], i);
      };
      std::vector<std::thread> pool;
      for (int t = 1; t < threads; ++t) pool.emplace_back(work);
      work();
      for (auto& t : pool) t.join();
      if (!path.empty()) hnsw->saveIndex(path);
    };
    h.search = [&](const float* q, size_t ef, uint32_t* ids) {
      hnsw->setEf(ef);
      auto res = hnsw->searchKnn(q, kK);
      for (size_t i = res.size(); i-- > 0;) {
        ids[i] = static_cast<uint32_t>(res.top().second);
        res.pop();
      }
    };
    engines.push_back(h);
    Engine f;
    f.name = "faiss HNSWFlat";
    f.build = [&](const Dataset& ds, int threads) {
      const std::string path = cache_path.empty() ? "" : cache_path + "_faiss.bin";
      if (!path.empty() && std::ifstream(path).good()) {
        faiss_index.reset(dynamic_cast<faiss::IndexHNSWFlat*>(faiss::read_index(path.c_str())));
        return;
      }
      omp_set_num_threads(threads);
      faiss_index = std::make_unique<faiss::IndexHNSWFlat>(
          ds.dims, m, ip ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2);
      faiss_index->hnsw.efConstruction = efc;
      faiss_index->add(ds.n, peer_base.data());
      omp_set_num_threads(1);
      if (!path.empty()) faiss::write_index(faiss_index.get(), path.c_str());
    };
    f.search = [&](const float* q, size_t ef, uint32_t* ids) {
      faiss_index->hnsw.efSearch = ef;
      float dist[kK];
      faiss::Index::idx_t labels[kK];
      faiss_index->search(1, q, kK, dist, labels);
      for (size_t i = 0; i < kK; ++i) ids[i] = static_cast<uint32_t>(labels[i]);
    };
    engines.push_back(f);
  }

  std::vector<Row> rows;
  std::printf(
      "\n| engine | build s wall (2 thr) | build s cpu (all thr) | RSS B/vec | notes |\n"
      "|---|---|---|---|---|\n");
  // Build (or load) every engine first, then time them interleaved: for each ef and run, every
  // engine in turn, so that all see the same machine load (this machine is shared).
  std::vector<Engine*> active;
  for (Engine& e : engines) {
    if (!only.empty()) {  // a comma-separated list of name prefixes
      bool match = false;
      for (size_t p = 0; p < only.size();) {
        const size_t c = std::min(only.find(',', p), only.size());
        match |= e.name.rfind(only.substr(p, c - p), 0) == 0;
        p = c + 1;
      }
      if (!match) continue;
    }
    const size_t before = HeapBytes();
    const auto t0 = Clock::now();
    const double cpu0 = ProcessCpuSeconds();
    e.build(d, 2);
    const double build = Seconds(t0);
    const double build_cpu = ProcessCpuSeconds() - cpu0;
    const double heap = static_cast<double>(HeapBytes() - before) / d.n;
    std::printf("| %s | %.1f | %.1f | %.0f | %s |\n", e.name.c_str(), build, build_cpu, heap,
                e.memory_note().c_str());
    std::fflush(stdout);
    active.push_back(&e);
  }
  if (build_only) return 0;
  std::vector<uint32_t> ids(kK);
  for (size_t ef : efs) {
    std::vector<std::vector<double>> qps(active.size()), cpu_qps(active.size());
    std::vector<double> recall(active.size());
    for (size_t r = 0; r < runs; ++r) {
      for (size_t x = 0; x < active.size(); ++x) {
        Engine& e = *active[x];
        const std::vector<float>& qs = e.name.rfind("semble", 0) == 0 ? d.queries : peer_queries;
        if (r == 0) {  // warm-up
          for (size_t i = 0; i < std::min<size_t>(d.nq, 200); ++i) {
            e.search(&qs[i * d.dims], ef, ids.data());
          }
        }
        size_t hit = 0;
        const auto t = Clock::now();
        const double cpu = ThreadCpuSeconds();
        for (size_t i = 0; i < d.nq; ++i) {
          std::fill(ids.begin(), ids.end(), UINT32_MAX);
          e.search(&qs[i * d.dims], ef, ids.data());
          for (uint32_t id : ids) {
            hit += std::find(d.truth[i].begin(), d.truth[i].end(), id) != d.truth[i].end();
          }
        }
        qps[x].push_back(d.nq / Seconds(t));
        cpu_qps[x].push_back(d.nq / (ThreadCpuSeconds() - cpu));
        recall[x] = static_cast<double>(hit) / (d.nq * kK);
      }
    }
    for (size_t x = 0; x < active.size(); ++x) {
      std::sort(qps[x].begin(), qps[x].end());
      std::sort(cpu_qps[x].begin(), cpu_qps[x].end());
      rows.push_back({active[x]->name, ef, recall[x], qps[x][runs / 2], cpu_qps[x][runs / 2]});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    auto rank = [&](const std::string& n) {
      for (size_t x = 0; x < active.size(); ++x) {
        if (active[x]->name == n) return x;
      }
      return active.size();
    };
    return rank(a.engine) < rank(b.engine);
  });
  std::printf(
      "\n| engine | ef | recall@10 | QPS wall | QPS cpu (medians of %zu) |\n"
      "|---|---|---|---|---|\n",
      runs);
  for (const Row& r : rows) {
    std::printf("| %s | %zu | %.4f | %.0f | %.0f |\n", r.engine.c_str(), r.ef, r.recall, r.qps,
                r.cpu_qps);
  }
  // QPS at recall@10 = target, interpolated (log QPS, linear recall) between the two efs around it.
  std::printf("\n| engine | QPS cpu at recall@10 0.95 | at 0.99 |\n|---|---|---|\n");
  for (size_t i = 0; i < rows.size();) {
    size_t j = i;
    while (j < rows.size() && rows[j].engine == rows[i].engine) ++j;
    auto at = [&](double target) {
      for (size_t a = i; a + 1 < j; ++a) {
        const Row &lo = rows[a], &hi = rows[a + 1];
        if (lo.recall <= target && hi.recall >= target) {
          const double f =
              hi.recall > lo.recall ? (target - lo.recall) / (hi.recall - lo.recall) : 0;
          return std::exp(std::log(lo.cpu_qps) + f * (std::log(hi.cpu_qps) - std::log(lo.cpu_qps)));
        }
      }
      return rows[i].recall >= target ? rows[i].cpu_qps : 0.0;  // 0 = not reached
    };
    std::printf("| %s | %.0f | %.0f |\n", rows[i].engine.c_str(), at(0.95), at(0.99));
    i = j;
  }

  if (filters && f32) {
    // Planner threshold: exact over the matching slots vs the filtered walk, by selectivity.
    std::printf(
        "\n| selectivity | exact ms/query | walk ms/query (ef 64) | walk recall@10 | plan |\n"
        "|---|---|---|---|---|\n");
    FlatIndex flat(d.dims, d.metric);
    for (size_t i = 0; i < d.n; ++i) flat.Set(static_cast<uint32_t>(i), &d.base[i * d.dims]);
    const size_t nq = std::min<size_t>(d.nq, 300);
    for (double s : {0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5}) {
      std::vector<uint8_t> allowed(d.n, 0);
      std::vector<uint32_t> matching;
      std::mt19937_64 rng(1);
      for (uint32_t i = 0; i < d.n; ++i) {
        if (std::uniform_real_distribution<double>(0, 1)(rng) < s) {
          allowed[i] = 1;
          matching.push_back(i);
        }
      }
      auto t = Clock::now();
      std::vector<std::vector<Hit>> exact(nq);
      for (size_t i = 0; i < nq; ++i)
        exact[i] = f32->SearchSlots(&d.queries[i * d.dims], kK, matching);
      const double exact_ms = Seconds(t) * 1000 / nq;
      t = Clock::now();
      size_t hit = 0;
      for (size_t i = 0; i < nq; ++i) {
        auto got = f32->SearchFiltered(&d.queries[i * d.dims], kK, 64,
                                       [&](uint32_t x) { return allowed[x] != 0; });
        std::set<uint32_t> truth;
        for (const Hit& h : exact[i]) truth.insert(h.slot);
        for (const Hit& h : got) hit += truth.count(h.slot);
      }
      const double walk_ms = Seconds(t) * 1000 / nq;
      std::printf("| %.3f | %.3f | %.3f | %.4f | %s |\n", s, exact_ms, walk_ms,
                  static_cast<double>(hit) / (nq * kK),
                  f32->PlanFilter(matching.size(), matching.size(), kK, 64) == semble::index::FilterPlan::kExact
                      ? "exact"
                      : "graph");
    }
  }
  return 0;
}
