// Copyright 2026 The semble Authors.
//
// Issue 12: a database whose durable home is an S3-compatible object store (radosgw on loopback),
// measured through the public API as users drive it (bench/run_store.sh runs every part).
//
//   store_bench writes --env FILE --bucket B --work DIR [--runs 3] [--seconds 2] [--warmup 0.5]
//                      [--threads 1,4,16] [--windows-ms 0,2,10] [--shapes 100,1]
//                      [--delay-ms 0] [--local 1] [--query 0|1]
//       Acknowledged write throughput and per-call latency: T writer threads call Index::Upsert
//       with batches of `shape` new records (384-dim random unit vectors, index type "hnsw",
//       cosine) for `seconds` after `warmup`. Each (threads, window, shape) gets a fresh database
//       in a fresh cache directory and key prefix; its index is deleted afterwards (which deletes
//       its objects, so radosgw's memstore does not fill up). With --local 1 the same database on
//       a local directory (store_url "", default group-commit fsync) runs beside it as the peer.
//       --delay-ms D wraps the S3 store (DatabaseOptions::store) so that every Put takes D ms
//       more, as a Put to AWS S3 or R2 does. Rounds alternate configurations (round-robin over
//       runs) so that drift in the machine's load hits all of them; medians are printed. After
//       each run it times how long the index then takes to link every acknowledged vector into
//       its graph (Info().unindexed_vectors reaches 0: "graph s") and notes the largest backlog
//       it saw (sampled every 50 ms). --query 1 adds one thread that queries (top 10) in a
//       closed loop during the measured window and reports p50/p99; it takes CPU from the
//       writers, so its rows are not comparable with rows without it.
//   store_bench load --env FILE --bucket B --prefix P --cache DIR [--vectors 100000]
//       Loads N vectors with Upsert in batches of 500 (one client thread, default options: the
//       background graph builder, checkpoints every 64 MB of log), waits until the graph holds
//       every vector, answers 100 queries (kept in DIR/../answers.txt), closes (the checkpoint
//       uploads the segment), and reports the bytes and Puts per object kind.
//   store_bench open --env FILE --bucket B --prefix P --cache DIR [--runs 3] [--warm 0|1]
//       Times Database::Open + GetIndex + the first query, on an emptied cache directory (cold)
//       or on the cache the previous open left (warm), and checks that the 100 queries answer as
//       they did before the close.
//
// Only the public API (include/semble) plus storage::NewS3ObjectStore / CreateS3Bucket to build
// the wrapping store and the bucket.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "semble/database.h"
#include "semble/object_store.h"
#include "storage/object_stores.h"
#include "util/aws_env_file.h"

namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

constexpr uint32_t kDims = 384;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "store_bench: %s\n", what.c_str());
  std::exit(1);
}

void Check(const semble::Status& s, const std::string& what) {
  if (!s.ok()) Die(what + ": " + s.ToString());
}

// --- arguments ------------------------------------------------------------------------------

std::map<std::string, std::string> ParseArgs(int argc, char** argv, int first) {
  std::map<std::string, std::string> args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || i + 1 >= argc) Die("bad argument " + a);
    args[a.substr(2)] = argv[++i];
  }
  return args;
}

std::string Arg(const std::map<std::string, std::string>& args, const std::string& name,
                const std::string& def = "") {
  auto it = args.find(name);
  if (it != args.end()) return it->second;
  if (def.empty()) Die("--" + name + " is required");
  return def;
}

std::vector<double> NumList(const std::string& s) {
  std::vector<double> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stod(item));
  return out;
}

// The radosgw.sh env file (AWS_ENDPOINT_URL=..., one a line).
semble::ObjectStoreOptions StoreOptions(const std::string& path) {
  auto o = semble::test::ReadAwsEnvFile(path);
  if (!o.ok()) Die(o.status().ToString());
  return *o;
}

// --- data -----------------------------------------------------------------------------------

// Random unit vectors (Gaussian, normalised): the same pool, from the same seed, in every run.
std::vector<float> UnitVectors(size_t n, uint64_t seed) {
  std::vector<float> pool(n * kDims);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d;
  for (size_t i = 0; i < n; ++i) {
    float* v = &pool[i * kDims];
    double norm = 0;
    for (uint32_t j = 0; j < kDims; ++j) {
      v[j] = d(rng);
      norm += double(v[j]) * v[j];
    }
    const float inv = static_cast<float>(1 / std::sqrt(norm));
    for (uint32_t j = 0; j < kDims; ++j) v[j] *= inv;
  }
  return pool;
}

// --- a store that counts (and optionally slows) Puts ----------------------------------------

class BenchStore final : public semble::ObjectStore {
 public:
  BenchStore(std::unique_ptr<semble::ObjectStore> inner, int put_delay_ms)
      : inner_(std::move(inner)), delay_ms_(put_delay_ms) {}

  semble::Result<std::string> Put(const std::string& key, std::string_view data,
                                  const semble::PutCondition& condition) override {
    if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    auto r = inner_->Put(key, data, condition);
    if (r.ok()) {
      std::lock_guard lock(mu_);
      Count& c = counts_[Kind(key)];
      c.puts++;
      c.bytes += data.size();
    }
    return r;
  }
  semble::Result<semble::Object> Get(const std::string& key) override {
    auto r = inner_->Get(key);
    if (r.ok()) {
      std::lock_guard lock(mu_);
      get_bytes_ += r->data.size();
      gets_++;
    }
    return r;
  }
  semble::Result<std::string> GetRange(const std::string& key, uint64_t offset,
                                       uint64_t length) override {
    auto r = inner_->GetRange(key, offset, length);
    if (r.ok()) {
      std::lock_guard lock(mu_);
      get_bytes_ += r->size();
      gets_++;
    }
    return r;
  }
  semble::Status GetTo(const std::string& key, uint64_t offset, uint64_t length,
                       const Sink& sink) override {
    uint64_t bytes = 0;
    semble::Status s = inner_->GetTo(key, offset, length, [&](std::string_view piece) {
      bytes += piece.size();
      return sink(piece);
    });
    std::lock_guard lock(mu_);
    get_bytes_ += bytes;
    gets_++;
    return s;
  }
  semble::Result<std::vector<semble::ObjectInfo>> List(const std::string& prefix) override {
    return inner_->List(prefix);
  }
  semble::Status Delete(const std::string& key) override { return inner_->Delete(key); }
  std::string Url() const override { return inner_->Url(); }

  struct Count {
    uint64_t puts = 0, bytes = 0;
  };
  std::map<std::string, Count> counts() const {
    std::lock_guard lock(mu_);
    return counts_;
  }
  uint64_t get_bytes() const {
    std::lock_guard lock(mu_);
    return get_bytes_;
  }

 private:
  // "indexes/<name>/<inc>/log/000..." -> "log"; anything outside an index -> "catalog".
  static std::string Kind(const std::string& key) {
    for (const char* k : {"/log/", "/seg/", "/manifest/"}) {
      if (key.find(k) != std::string::npos) return std::string(k + 1, std::strlen(k) - 2);
    }
    return "other";
  }

  std::unique_ptr<semble::ObjectStore> inner_;
  const int delay_ms_;
  mutable std::mutex mu_;
  std::map<std::string, Count> counts_;
  uint64_t get_bytes_ = 0, gets_ = 0;
};

std::unique_ptr<BenchStore> MakeBenchStore(const semble::ObjectStoreOptions& so,
                                           const std::string& bucket, const std::string& prefix,
                                           int delay_ms) {
  auto s3 = semble::storage::NewS3ObjectStore(bucket, prefix, so);
  Check(s3.status(), "NewS3ObjectStore");
  return std::make_unique<BenchStore>(std::move(s3).value(), delay_ms);
}

// --- writes ---------------------------------------------------------------------------------

struct WriteConfig {
  bool store = true;
  int threads = 1;
  double window_ms = 0;
  int shape = 100;  // records per call
};

struct WriteRun {
  double seconds = 0;
  uint64_t calls = 0;
  uint64_t vectors = 0;
  double p50_ms = 0, p99_ms = 0;
  double graph_s = 0;        // from the end of the window until the graph held every vector
  uint64_t max_backlog = 0;  // the largest unindexed_vectors seen (sampled every 50 ms)
  double query_p50_ms = 0, query_p99_ms = 0;
  uint64_t queries = 0;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  return v[i];
}

WriteRun RunWrites(const WriteConfig& cfg, const std::vector<float>& pool, size_t pool_n,
                   const semble::ObjectStoreOptions& so, const std::string& bucket,
                   const std::string& work, int delay_ms, double warmup_s, double measure_s,
                   int serial, const std::string& index_type, bool query) {
  const std::string tag = std::string(cfg.store ? "s" : "l") + std::to_string(serial);
  const std::string dir = work + "/w-" + tag;
  std::filesystem::remove_all(dir);

  semble::DatabaseOptions options;
  // Checkpoints are left out of this table (they are in the load figures): one would upload a
  // ≥ 64 MB segment in the middle of a 2 s run, and radosgw keeps the tail objects of deleted
  // large objects for hours, which would fill its 2 GiB memstore over the matrix.
  options.checkpoint_wal_bytes = 1ull << 40;
  options.checkpoint_on_close = false;
  std::unique_ptr<BenchStore> wrapper;
  if (cfg.store) {
    options.group_commit_window_us = static_cast<uint32_t>(cfg.window_ms * 1000);
    if (delay_ms > 0) {
      wrapper = MakeBenchStore(so, bucket, "w-" + tag + "/", delay_ms);
      options.store = wrapper.get();
    } else {
      options.store_url = "s3://" + bucket + "/w-" + tag;
      options.store_options = so;
    }
  }
  auto db = semble::Database::Open(options, dir);
  Check(db.status(), "Open " + dir);
  semble::IndexConfig config{kDims, semble::Metric::kCosine};
  config.index_type = index_type;
  auto index = (*db)->CreateIndex({"w", "", config});
  Check(index.status(), "CreateIndex");

  std::atomic<bool> stop{false}, measuring{false};
  std::atomic<uint64_t> next_vec{0};
  std::vector<std::vector<double>> lat(cfg.threads);
  std::vector<uint64_t> calls(cfg.threads, 0), vectors(cfg.threads, 0);
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < cfg.threads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<semble::VectorRecord> batch(cfg.shape);
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (auto& r : batch) {
          const size_t v = next_vec.fetch_add(1, std::memory_order_relaxed) % pool_n;
          char id[32];
          std::snprintf(id, sizeof(id), "t%d-%llu", t, static_cast<unsigned long long>(n++));
          r.id = id;
          r.values.assign(&pool[v * kDims], &pool[v * kDims] + kDims);
        }
        const bool counted = measuring.load(std::memory_order_relaxed);
        const auto start = Clock::now();
        auto res = (*index)->Upsert(batch);
        const double ms = Since(start) * 1e3;
        if (!res.ok()) {
          std::fprintf(stderr, "Upsert: %s\n", res.status().ToString().c_str());
          failed++;
          return;
        }
        // A call counts when it started inside the window and ended before it closed.
        if (counted && !stop.load(std::memory_order_relaxed)) {
          lat[t].push_back(ms);
          calls[t]++;
          vectors[t] += batch.size();
        }
      }
    });
  }
  std::vector<double> query_lat;
  std::thread querier;
  if (query) {
    querier = std::thread([&] {
      const std::vector<float> q = UnitVectors(64, 99);
      for (size_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        semble::QueryRequest r;
        r.vector.assign(&q[(i % 64) * kDims], &q[(i % 64 + 1) * kDims]);
        r.top_k = 10;
        const bool counted = measuring.load(std::memory_order_relaxed);
        const auto t0 = Clock::now();
        Check((*index)->Query(r).status(), "Query");
        if (counted && !stop.load(std::memory_order_relaxed)) {
          query_lat.push_back(Since(t0) * 1e3);
        }
      }
    });
  }
  uint64_t max_backlog = 0;
  auto sample_backlog = [&] {
    auto info = (*index)->Info();
    Check(info.status(), "Info");
    max_backlog = std::max(max_backlog, info->unindexed_vectors);
    return info->unindexed_vectors;
  };
  auto sleep_sampling = [&](double s) {
    const auto until = Clock::now() + std::chrono::duration<double>(s);
    while (Clock::now() < until) {
      sample_backlog();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  sleep_sampling(warmup_s);
  measuring = true;
  const auto start = Clock::now();
  sleep_sampling(measure_s);
  stop = true;
  const double seconds = Since(start);
  const auto stopped = Clock::now();
  for (auto& th : threads) th.join();
  if (querier.joinable()) querier.join();
  if (failed > 0) Die("writes failed");
  while (sample_backlog() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double graph_s = Since(stopped);

  WriteRun run;
  run.seconds = seconds;
  std::vector<double> all;
  for (int t = 0; t < cfg.threads; ++t) {
    run.calls += calls[t];
    run.vectors += vectors[t];
    all.insert(all.end(), lat[t].begin(), lat[t].end());
  }
  run.p50_ms = Percentile(all, 0.50);
  run.p99_ms = Percentile(all, 0.99);
  run.graph_s = graph_s;
  run.max_backlog = max_backlog;
  run.queries = query_lat.size();
  run.query_p50_ms = Percentile(query_lat, 0.50);
  run.query_p99_ms = Percentile(query_lat, 0.99);
  // Every acknowledged record is in the index.
  auto info = (*index)->Info();
  Check(info.status(), "Info");
  if (info->vector_count < run.vectors) Die("index holds fewer vectors than acknowledged");
  index->reset();
  Check((*db)->DeleteIndex("w"), "DeleteIndex");  // deletes its objects from the store
  db->reset();
  std::filesystem::remove_all(dir);
  return run;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int Writes(const std::map<std::string, std::string>& args) {
  const auto so = StoreOptions(Arg(args, "env"));
  const std::string bucket = Arg(args, "bucket");
  const std::string work = Arg(args, "work");
  const int runs = std::stoi(Arg(args, "runs", "3"));
  const double seconds = std::stod(Arg(args, "seconds", "2"));
  const double warmup = std::stod(Arg(args, "warmup", "0.5"));
  const int delay_ms = std::stoi(Arg(args, "delay-ms", "0"));
  const bool local = Arg(args, "local", "1") == "1";
  const std::string index_type = Arg(args, "index-type", "hnsw");
  const bool query = Arg(args, "query", "0") == "1";
  Check(semble::storage::CreateS3Bucket(bucket, so), "CreateS3Bucket " + bucket);
  std::filesystem::create_directories(work);

  std::vector<WriteConfig> configs;
  for (double shape : NumList(Arg(args, "shapes", "100,1"))) {
    for (double threads : NumList(Arg(args, "threads", "1,4,16"))) {
      if (local) configs.push_back({false, int(threads), 0, int(shape)});
      for (double w : NumList(Arg(args, "windows-ms", "0,2,10"))) {
        configs.push_back({true, int(threads), w, int(shape)});
      }
    }
  }
  const size_t pool_n = 20000;
  const std::vector<float> pool = UnitVectors(pool_n, 42);

  std::vector<std::vector<WriteRun>> results(configs.size());
  int serial = 0;
  for (int r = 0; r < runs; ++r) {
    for (size_t i = 0; i < configs.size(); ++i) {
      const WriteConfig& c = configs[i];
      WriteRun w = RunWrites(c, pool, pool_n, so, bucket, work, delay_ms, warmup, seconds, serial++,
                             index_type, query);
      std::fprintf(stderr,
                   "  run %d %-5s shape %3d threads %2d window %4.1f ms: %9.0f vec/s %8.1f "
                   "calls/s p50 %7.2f p99 %7.2f ms; graph %.2f s, max backlog %llu",
                   r + 1, c.store ? "s3" : "local", c.shape, c.threads, c.window_ms,
                   w.vectors / w.seconds, w.calls / w.seconds, w.p50_ms, w.p99_ms, w.graph_s,
                   static_cast<unsigned long long>(w.max_backlog));
      if (query) {
        std::fprintf(stderr, "; %llu queries p50 %.2f p99 %.2f ms",
                     static_cast<unsigned long long>(w.queries), w.query_p50_ms, w.query_p99_ms);
      }
      std::fprintf(stderr, "\n");
      results[i].push_back(w);
    }
  }

  // Medians over runs; the local peer of the same (shape, threads) is the denominator.
  std::printf(
      "\nIndex type %s. Put delay added: %d ms. %d runs of %.1f s (after %.1f s warm-up) per row; "
      "medians (min..max of vectors/s).\n",
      index_type.c_str(), delay_ms, runs, seconds, warmup);
  std::printf(
      "| records/call | writers | store | window | vectors/s | calls/s | p50 ms | p99 ms "
      "| store/local | graph s | max backlog "
      "|%s\n|---|---|---|---|---|---|---|---|---|---|---|%s\n",
      query ? " query p50 ms | query p99 ms |" : "", query ? "---|---|" : "");
  std::map<std::pair<int, int>, double> local_vps;
  for (size_t i = 0; i < configs.size(); ++i) {
    std::vector<double> vps, cps, p50, p99, graph, backlog, qp50, qp99;
    for (const WriteRun& w : results[i]) {
      vps.push_back(w.vectors / w.seconds);
      cps.push_back(w.calls / w.seconds);
      p50.push_back(w.p50_ms);
      p99.push_back(w.p99_ms);
      graph.push_back(w.graph_s);
      backlog.push_back(static_cast<double>(w.max_backlog));
      qp50.push_back(w.query_p50_ms);
      qp99.push_back(w.query_p99_ms);
    }
    const WriteConfig& c = configs[i];
    const double m = Median(vps);
    std::string ratio = "";
    if (!c.store) {
      local_vps[{c.shape, c.threads}] = m;
    } else if (auto it = local_vps.find({c.shape, c.threads}); it != local_vps.end()) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.2f", m / it->second);
      ratio = buf;
    }
    std::printf("| %d | %d | %s | %s | %.0f (%.0f..%.0f) | %.1f | %.2f | %.2f | %s | %.2f | %.0f |",
                c.shape, c.threads, c.store ? "s3" : "local dir",
                c.store ? (std::to_string(int(c.window_ms)) + " ms").c_str() : "fsync", m,
                *std::min_element(vps.begin(), vps.end()),
                *std::max_element(vps.begin(), vps.end()), Median(cps), Median(p50), Median(p99),
                ratio.c_str(), Median(graph), Median(backlog));
    if (query) std::printf(" %.2f | %.2f |", Median(qp50), Median(qp99));
    std::printf("\n");
  }
  return 0;
}

// --- load and open (cold start) --------------------------------------------------------------

std::vector<std::vector<float>> Queries() {
  // Queries near stored vectors (a stored vector plus noise), so results are meaningful.
  const std::vector<float> q = UnitVectors(100, 7);
  std::vector<std::vector<float>> out;
  for (int i = 0; i < 100; ++i) out.emplace_back(&q[i * kDims], &q[i * kDims] + kDims);
  return out;
}

std::string Answers(semble::Index& index) {
  std::string out;
  for (const auto& q : Queries()) {
    semble::QueryRequest r;
    r.vector = q;
    r.top_k = 10;
    auto res = index.Query(r);
    Check(res.status(), "Query");
    for (const auto& m : res->matches) out += m.id + " ";
    out += "\n";
  }
  return out;
}

int Load(const std::map<std::string, std::string>& args) {
  const auto so = StoreOptions(Arg(args, "env"));
  const std::string bucket = Arg(args, "bucket"), prefix = Arg(args, "prefix");
  const std::string cache = Arg(args, "cache");
  const size_t n = std::stoul(Arg(args, "vectors", "100000"));
  Check(semble::storage::CreateS3Bucket(bucket, so), "CreateS3Bucket " + bucket);
  std::filesystem::remove_all(cache);

  const auto gen = Clock::now();
  const std::vector<float> pool = UnitVectors(n, 1);
  std::fprintf(stderr, "generated %zu vectors in %.1f s\n", n, Since(gen));

  auto store = MakeBenchStore(so, bucket, prefix + "/", 0);
  semble::DatabaseOptions options;  // defaults: window 2 ms, checkpoint every 64 MB of log
  options.store = store.get();
  auto db = semble::Database::Open(options, cache);
  Check(db.status(), "Open");
  auto index = (*db)->CreateIndex({"c", "", {kDims, semble::Metric::kCosine}});
  Check(index.status(), "CreateIndex");

  const auto t0 = Clock::now();
  std::vector<semble::VectorRecord> batch;
  for (size_t i = 0; i < n; ++i) {
    batch.push_back({"v" + std::to_string(i),
                     std::vector<float>(&pool[i * kDims], &pool[(i + 1) * kDims]), "", ""});
    if (batch.size() == 500 || i + 1 == n) {
      Check((*index)->Upsert(batch).status(), "Upsert");
      batch.clear();
    }
  }
  const double load_s = Since(t0);
  auto info = (*index)->Info();
  Check(info.status(), "Info");
  const uint64_t unindexed_at_ack = info->unindexed_vectors;
  std::printf(
      "load: %zu vectors acknowledged in %.1f s (%.0f vectors/s, batches of 500, one "
      "client thread, checkpoints included); %llu not yet in the graph\n",
      n, load_s, n / load_s, static_cast<unsigned long long>(unindexed_at_ack));
  const auto b0 = Clock::now();
  while (true) {
    info = (*index)->Info();
    Check(info.status(), "Info");
    if (info->unindexed_vectors == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::printf(
      "graph: built %.1f s after the last acknowledgement (%.1f s after the first "
      "write)\n",
      Since(b0), Since(t0));
  const std::string answers = Answers(**index);
  std::ofstream(cache + ".answers") << answers;
  index->reset();
  const auto c0 = Clock::now();
  db->reset();  // Close: the checkpoint uploads the segment and commits a manifest
  std::printf("close (checkpoint + upload): %.1f s\n", Since(c0));

  uint64_t total = 0;
  std::printf("| object kind | Puts | MB uploaded | bytes per vector |\n|---|---|---|---|\n");
  for (const auto& [kind, c] : store->counts()) {
    total += c.bytes;
    std::printf("| %s | %llu | %.1f | %.0f |\n", kind.c_str(),
                static_cast<unsigned long long>(c.puts), c.bytes / 1e6, double(c.bytes) / n);
  }
  std::printf("| total | | %.1f | %.0f |\n", total / 1e6, double(total) / n);
  std::printf("(raw vector bytes: %.1f MB, %u per vector)\n", n * kDims * 4 / 1e6, kDims * 4);
  return 0;
}

int Open(const std::map<std::string, std::string>& args) {
  const auto so = StoreOptions(Arg(args, "env"));
  const std::string bucket = Arg(args, "bucket"), prefix = Arg(args, "prefix");
  const std::string cache = Arg(args, "cache");
  const int runs = std::stoi(Arg(args, "runs", "3"));
  const bool warm = Arg(args, "warm", "0") == "1";
  std::string expected;
  {
    std::ifstream in(Arg(args, "answers"));
    expected.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto q = Queries();
  std::vector<double> open_s, first_s, total_s;
  for (int r = 0; r < runs; ++r) {
    if (!warm) std::filesystem::remove_all(cache);
    semble::DatabaseOptions options;
    options.store_url = "s3://" + bucket + "/" + prefix;
    options.store_options = so;
    const auto t0 = Clock::now();
    auto db = semble::Database::Open(options, cache);
    Check(db.status(), "Open");
    auto index = (*db)->GetIndex("c");
    Check(index.status(), "GetIndex");
    const double opened = Since(t0);
    semble::QueryRequest req;
    req.vector = q[0];
    req.top_k = 10;
    const auto t1 = Clock::now();
    Check((*index)->Query(req).status(), "first Query");
    const double first = Since(t1), total = Since(t0);
    open_s.push_back(opened);
    first_s.push_back(first);
    total_s.push_back(total);
    auto info = (*index)->Info();
    Check(info.status(), "Info");
    const bool same = Answers(**index) == expected;
    std::fprintf(stderr,
                 "  %s open %d: Open %.3f s, first query %.1f ms, total %.3f s; %llu vectors, "
                 "%llu unindexed; answers %s\n",
                 warm ? "warm" : "cold", r + 1, opened, first * 1e3, total,
                 static_cast<unsigned long long>(info->vector_count),
                 static_cast<unsigned long long>(info->unindexed_vectors),
                 same ? "identical" : "DIFFERENT");
    if (!same) Die("answers after the open differ from those before the close");
  }
  std::printf(
      "| %s cache | Open + GetIndex s | first query ms | total s | runs |\n"
      "|---|---|---|---|---|\n| %s | %.3f (%.3f..%.3f) | %.1f | %.3f | %d |\n",
      warm ? "warm" : "cold", warm ? "kept" : "empty", Median(open_s),
      *std::min_element(open_s.begin(), open_s.end()),
      *std::max_element(open_s.begin(), open_s.end()), Median(first_s) * 1e3, Median(total_s),
      runs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: store_bench writes|load|open --option value ...");
  const std::string mode = argv[1];
  const auto args = ParseArgs(argc, argv, 2);
  if (mode == "writes") return Writes(args);
  if (mode == "load") return Load(args);
  if (mode == "open") return Open(args);
  Die("unknown mode " + mode);
}
