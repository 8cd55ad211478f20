// Copyright 2026 The semble Authors.
//
// Reopening a large index through the public API (issue 16: "open in < 1 s at 1M vectors"). A
// database is built the way users build one — a fresh directory, one index, random unit vectors
// (cosine) upserted in natural order in batches through the background builder, the builder left
// to finish, then closed with its checkpoint — and kept under --work for later runs (a 1M-vector
// graph takes minutes on two cores). Then --reopens rounds, each: Database::Open, GetIndex, the
// first query answered (a top-10 query for a stored vector), timed apart; then the database is
// closed. With --phases 1, one more open counts where the time goes inside Open
// (db::TakeOpenPhasesForBench). For an hnsw index, hnswlib (Debian's libhnswlib-dev) builds the
// same vectors with the same M and efConstruction once, saves its index beside the database, and
// every round also times its loadIndex and first query, interleaved with semble's open.
// With --cold 1 every open is preceded by dropping the page cache (needs root; skipped with a
// note otherwise). Warm-cache opens are what is reported by default.
//
//   open_bench [--n 1000000] [--dims 100] [--type flat | hnsw,m=8,efc=64] [--work DIR]
//              [--reopens 5] [--batch 1000] [--phases 1] [--cold 0] [--hnswlib 1] [--tag NAME]
//              [--checkpoint-ratio R] [--close-checkpoint 1] [--rewrite 0] [--map 1]
//              [--qps-seconds 0] [--qps-rounds 2]
//
// --rewrite 1 upserts one more vector into an existing database and checkpoints it before the
// rounds, so that its segment is in this build's format (a copy of a database built by an older
// build, under another --tag, compares the two formats with one binary).
// --close-checkpoint 0 closes every database without a checkpoint, the build included: each open
// then replays the log written since the build's last automatic checkpoint, which is what a
// crash at the end of the load would leave (how much: the "log" line).
// --checkpoint-ratio sets DatabaseOptions::checkpoint_wal_ratio for the build (0: checkpoints
// every 64 MiB of log, as before it existed); the build's line also says how many bytes the
// process wrote to disk while building (/proc/self/io: log, segments, the final checkpoint).
// --map 0 makes every open copy a graph's arrays rather than map them from the segment (format 6;
// db::SetIndexBlobMappingForBench), as builds before it did.
// --qps-seconds S > 0: after the rounds, --qps-rounds times each, the database is opened mapped
// three ways (in this process) and one thread queries it for S seconds;
// queries/s are printed for the first second, seconds 1-5 and the rest. A mapped graph is 4 KiB
// pages of the file where a copied one is 2 MiB huge pages, and a walk is TLB-bound; a mapped
// graph is measured both kept mapped and moved into huge pages by the builder after open (the
// default; index::SetKeepGraphMappedForBench).

#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ann_data.h"
#include "api_load.h"
#include "bench_util.h"
#include "db/collection.h"
#include "db/index_files.h"
#include "hnswlib/hnswlib.h"
#include "index/hnsw_vector_index.h"
#include "semble/database.h"

namespace {

using semble::bench::AnnDataset;
using semble::bench::DieIf;
using semble::bench::Unwrap;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kSeed = 42;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

uint64_t WrittenBytes() {
  std::ifstream in("/proc/self/io");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("write_bytes:", 0) == 0) return std::stoull(line.substr(12));
  }
  return 0;
}

// A field of /proc/self/smaps_rollup in MB ("AnonHugePages", "Private_Dirty"), 0 if absent.
double SmapsMb(const std::string& field) {
  std::ifstream in("/proc/self/smaps_rollup");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1e3;
  }
  return 0;
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

size_t RssBytes() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// Row i of the data set: a random unit vector of `dims` (normal components by Box-Muller over
// splitmix64, normalised) that depends only on (seed, i), so that a query row is made without
// making the whole set.
void RandomUnitVector(uint64_t seed, size_t i, uint32_t dims, float* v) {
  uint64_t state = seed * 0x9e3779b97f4a7c15ull + i;
  auto next = [&state] {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  double sq = 0;
  for (uint32_t j = 0; j < dims; j += 2) {
    const double u1 = (static_cast<double>(next() >> 11) + 1.0) * 0x1.0p-53;
    const double u2 = static_cast<double>(next() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    v[j] = static_cast<float>(r * std::cos(2 * M_PI * u2));
    if (j + 1 < dims) v[j + 1] = static_cast<float>(r * std::sin(2 * M_PI * u2));
    sq += double(v[j]) * v[j] + (j + 1 < dims ? double(v[j + 1]) * v[j + 1] : 0.0);
  }
  const float inv = static_cast<float>(1.0 / std::sqrt(sq));
  for (uint32_t j = 0; j < dims; ++j) v[j] *= inv;
}

AnnDataset RandomUnitVectors(size_t n, uint32_t dims, uint64_t seed) {
  AnnDataset d;
  d.name = "random unit vectors";
  d.metric = semble::Metric::kCosine;
  d.dims = dims;
  d.n = n;
  d.base.resize(n * dims);
  for (size_t i = 0; i < n; ++i) RandomUnitVector(seed, i, dims, &d.base[i * dims]);
  return d;
}

bool DropPageCache() {
  ::sync();
  std::ofstream f("/proc/sys/vm/drop_caches");
  if (!f) return false;
  f << "3\n";
  return static_cast<bool>(f.flush());
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// "hnsw,m=8,efc=64" -> the value of `key` ("m"), or `fallback`.
size_t TypeParam(const std::string& type, const std::string& key, size_t fallback) {
  for (const std::string& part : semble::bench::SplitCommas(type)) {
    if (part.rfind(key + "=", 0) == 0) return std::stoul(part.substr(key.size() + 1));
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 1000000, reopens = 5, batch = 1000;
  uint32_t dims = 100;
  std::string type = "flat", work = "/tmp/semble-open-bench", tag;
  bool phases = true, cold = false, with_hnswlib = true;
  double checkpoint_ratio = semble::DatabaseOptions().checkpoint_wal_ratio;
  bool close_checkpoint = true, rewrite = false, map = true;
  double qps_seconds = 0;
  size_t qps_rounds = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string f = argv[i], v = argv[i + 1];
    if (f == "--n") {
      n = std::stoul(v);
    } else if (f == "--dims") {
      dims = static_cast<uint32_t>(std::stoul(v));
    } else if (f == "--type") {
      type = v;
    } else if (f == "--work") {
      work = v;
    } else if (f == "--reopens") {
      reopens = std::stoul(v);
    } else if (f == "--batch") {
      batch = std::stoul(v);
    } else if (f == "--phases") {
      phases = v != "0";
    } else if (f == "--cold") {
      cold = v != "0";
    } else if (f == "--hnswlib") {
      with_hnswlib = v != "0";
    } else if (f == "--tag") {
      tag = v;
    } else if (f == "--rewrite") {
      rewrite = v != "0";
    } else if (f == "--close-checkpoint") {
      close_checkpoint = v != "0";
    } else if (f == "--map") {
      map = v != "0";
    } else if (f == "--qps-seconds") {
      qps_seconds = std::stod(v);
    } else if (f == "--qps-rounds") {
      qps_rounds = std::stoul(v);
    } else if (f == "--checkpoint-ratio") {
      checkpoint_ratio = std::stod(v);
    } else {
      DieIf(true, "unknown flag " + f);
    }
  }
  const bool hnsw = type.rfind("hnsw", 0) == 0;
  std::string safe_type = type;
  std::replace(safe_type.begin(), safe_type.end(), ',', '_');
  std::replace(safe_type.begin(), safe_type.end(), '=', '-');
  const std::string base = work + "/" + safe_type + "-d" + std::to_string(dims) + "-n" +
                           std::to_string(n) + (tag.empty() ? "" : "-" + tag);
  const std::string dir = base + "/db";
  const std::string built_marker = base + "/BUILT";
  std::printf("open_bench: %zu x %u random unit vectors (cosine), index type %s, %s\n", n, dims,
              type.c_str(), dir.c_str());
  std::printf("load average before: %s\n", semble::bench::LoadAvg().c_str());
  semble::db::SetIndexBlobMappingForBench(map);
  std::printf("graph arrays: %s\n", map ? "mapped where the segment allows" : "copied");

  semble::DatabaseOptions options;
  options.checkpoint_on_close = close_checkpoint;
  // The whole set only when something is built from it.
  AnnDataset d;
  const std::string hnswlib_file = work + "/hnswlib-m" + std::to_string(TypeParam(type, "m", 16)) +
                                   "-efc" + std::to_string(TypeParam(type, "efc", 200)) + "-d" +
                                   std::to_string(dims) + "-n" + std::to_string(n) + ".bin";
  if (!std::filesystem::exists(built_marker) ||
      (hnsw && with_hnswlib && !std::filesystem::exists(hnswlib_file))) {
    d = RandomUnitVectors(n, dims, kSeed);
  }
  if (!std::filesystem::exists(built_marker)) {
    std::filesystem::remove_all(base);
    std::filesystem::create_directories(base);
    const auto t0 = Clock::now();
    const uint64_t written0 = WrittenBytes();
    semble::DatabaseOptions build_options = options;
    build_options.checkpoint_wal_ratio = checkpoint_ratio;
    auto db = Unwrap(semble::Database::Open(build_options, dir), "open");
    auto index = semble::bench::CreateAnnIndex(*db, "bench", d, type);
    semble::bench::UpsertBase(*index, d, batch);
    const auto t1 = Clock::now();
    semble::bench::WaitUntilIndexed(*index);
    const auto t2 = Clock::now();
    index.reset();
    db.reset();  // closes with a checkpoint
    const auto t3 = Clock::now();
    std::printf("built (checkpoint ratio %g): upserts acknowledged %.1f s, indexed +%.1f s, "
                "closed +%.1f s; written to disk %.2f GB\n",
                checkpoint_ratio, Seconds(t0, t1), Seconds(t1, t2), Seconds(t2, t3),
                (WrittenBytes() - written0) / 1e9);
    std::ofstream(built_marker) << "built\n";
  }
  if (rewrite) {
    const auto t0 = Clock::now();
    auto db = Unwrap(semble::Database::Open(options, dir), "open");
    auto index = Unwrap(db->GetIndex("bench"), "get index");
    semble::VectorRecord r;
    r.id = "rewrite-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    r.values.resize(dims);
    RandomUnitVector(kSeed + 1, 0, dims, r.values.data());
    DieIf(!index->Upsert(std::vector{r}).ok(), "upsert");
    semble::bench::WaitUntilIndexed(*index);
    DieIf(!db->Checkpoint().ok(), "checkpoint");
    std::printf("rewritten in this build's segment format in %.1f s\n", Seconds(t0, Clock::now()));
  }
  std::printf("database on disk: %.1f MB\n", DirBytes(dir) / 1e6);
  {
    uint64_t log_bytes = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (e.path().filename().string().rfind("wal-", 0) == 0) log_bytes += e.file_size();
    }
    std::printf("log to replay on open: %.1f MB\n", log_bytes / 1e6);
  }

  // hnswlib, same vectors (unit length: inner product ranks as cosine), same M and efC.
  std::unique_ptr<hnswlib::InnerProductSpace> space;
  std::string hnswlib_path;
  if (hnsw && with_hnswlib) {
    const size_t m = TypeParam(type, "m", 16), efc = TypeParam(type, "efc", 200);
    space = std::make_unique<hnswlib::InnerProductSpace>(dims);
    hnswlib_path = hnswlib_file;
    if (!std::filesystem::exists(hnswlib_path)) {
      const auto t0 = Clock::now();
      hnswlib::HierarchicalNSW<float> h(space.get(), n, m, efc, 100);
      std::atomic<size_t> next{0};
      auto work_fn = [&] {
        for (size_t i; (i = next.fetch_add(1)) < n;) h.addPoint(&d.base[i * dims], i);
      };
      std::vector<std::thread> pool;
      const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
      for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work_fn);
      work_fn();
      for (auto& t : pool) t.join();
      h.saveIndex(hnswlib_path + ".tmp");
      std::filesystem::rename(hnswlib_path + ".tmp", hnswlib_path);
      std::printf("hnswlib built in %.1f s (%u threads)\n", Seconds(t0, Clock::now()), threads);
    }
    std::printf("hnswlib index file: %.1f MB\n",
                std::filesystem::file_size(hnswlib_path) / 1e6);
  }

  bool can_drop = cold;
  if (cold && !DropPageCache()) {
    std::printf("cannot drop the page cache (not root?): cold opens skipped\n");
    can_drop = false;
  }
  std::vector<double> open_s, get_s, query_s, total_s, rss;
  std::vector<double> peer_load_s, peer_query_s, peer_total_s;
  std::vector<float> q(dims);
  RandomUnitVector(kSeed, n / 2, dims, q.data());
  std::printf("\n| round | Open s | GetIndex s | first query s | total s | RSS MB |%s\n",
              space ? " hnswlib load s | hnswlib first query s | hnswlib total s |" : "");
  std::printf("|---|---|---|---|---|---|%s\n", space ? "---|---|---|" : "");
  for (size_t r = 0; r < reopens; ++r) {
    if (can_drop) DropPageCache();
    malloc_trim(0);
    const auto t0 = Clock::now();
    auto db = Unwrap(semble::Database::Open(options, dir), "reopen");
    const auto t1 = Clock::now();
    auto index = Unwrap(db->GetIndex("bench"), "get index");
    const auto t2 = Clock::now();
    semble::QueryRequest request;
    request.vector = q;
    request.top_k = 10;
    auto result = Unwrap(index->Query(request), "query");
    const auto t3 = Clock::now();
    // An exact index must find the stored vector first; a graph may miss it (recall < 1), which
    // is printed, not fatal.
    const bool found = !result.matches.empty() && result.matches[0].id == std::to_string(n / 2);
    DieIf(!hnsw && !found, "the first query did not find its own vector");
    if (!found) std::printf("(round %zu: the query's own vector was not the first hit) ", r + 1);
    const double mb = RssBytes() / 1e6;
    index.reset();
    db.reset();
    open_s.push_back(Seconds(t0, t1));
    get_s.push_back(Seconds(t1, t2));
    query_s.push_back(Seconds(t2, t3));
    total_s.push_back(Seconds(t0, t3));
    rss.push_back(mb);
    std::printf("| %zu | %.3f | %.4f | %.4f | %.3f | %.0f |", r + 1, open_s.back(), get_s.back(),
                query_s.back(), total_s.back(), mb);
    if (space) {
      if (can_drop) DropPageCache();
      const auto p0 = Clock::now();
      hnswlib::HierarchicalNSW<float> h(space.get(), hnswlib_path);
      const auto p1 = Clock::now();
      auto top = h.searchKnn(q.data(), 10);
      const auto p2 = Clock::now();
      DieIf(top.empty(), "hnswlib found nothing");
      peer_load_s.push_back(Seconds(p0, p1));
      peer_query_s.push_back(Seconds(p1, p2));
      peer_total_s.push_back(Seconds(p0, p2));
      std::printf(" %.3f | %.4f | %.3f |", peer_load_s.back(), peer_query_s.back(),
                  peer_total_s.back());
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  std::printf("| median | %.3f | %.4f | %.4f | **%.3f** | %.0f |", Median(open_s), Median(get_s),
              Median(query_s), Median(total_s), Median(rss));
  if (space) {
    std::printf(" %.3f | %.4f | **%.3f** |", Median(peer_load_s), Median(peer_query_s),
                Median(peer_total_s));
  }
  std::printf("\n");

  if (phases) {
    (void)semble::db::TakeOpenPhasesForBench();  // starts counting
    if (can_drop) DropPageCache();
    const auto t0 = Clock::now();
    auto db = Unwrap(semble::Database::Open(options, dir), "reopen");
    const double total = Seconds(t0, Clock::now());
    const semble::db::OpenPhasesForBench p = semble::db::TakeOpenPhasesForBench();
    const double other_segment =
        p.segment - p.graph - p.vectors - p.records - p.metadata_indexes;
    std::printf("\nOne more Database::Open with its phases counted (%.3f s; the clock reads add "
                "to the per-record phase):\n",
                total);
    std::printf("| phase | s |\n|---|---|\n");
    std::printf("| segment: read (a vectors section mapped), checksums, decoding records | %.3f |\n",
                other_segment);
    std::printf("| segment: vector index blob loaded (graph) | %.3f |\n", p.graph);
    std::printf("| segment: vectors section adopted by the index (cosine norms) | %.3f |\n",
                p.vectors);
    std::printf("| segment: records placed (vector checked or stored, id map, slots) | %.3f |\n",
                p.records);
    std::printf("| segment: metadata indexes rebuilt | %.3f |\n", p.metadata_indexes);
    std::printf("| log replay | %.3f |\n", p.wal);
    std::printf("| rest of Database::Open (catalog, manifest, directory, threads) | %.3f |\n",
                total - p.segment - p.wal);
  }
  if (qps_seconds > 0) {
    // Queries that are not stored vectors, the same sequence for every open.
    constexpr size_t kQueries = 4096;
    std::vector<float> queries(kQueries * dims);
    for (size_t i = 0; i < kQueries; ++i) RandomUnitVector(kSeed + 7, i, dims, &queries[i * dims]);
    std::printf("\nQueries/s on one thread after an open (top 10, default ef), wall clock "
                "(per CPU second of the querying thread):\n");
    std::printf("| round | graph | 0-1 s | 1-5 s | 5-%.0f s | AnonHugePages MB after |\n",
                qps_seconds);
    std::printf("|---|---|---|---|---|---|\n");
    for (size_t round = 0; round < qps_rounds; ++round) {
      // mapped and kept; mapped, then moved into huge pages by the builder; copied on open.
      for (const int mode : {0, 1, 2}) {
        const bool mapped = mode < 2;
        semble::db::SetIndexBlobMappingForBench(mapped);
        semble::index::SetKeepGraphMappedForBench(mode == 0);
        malloc_trim(0);
        auto db = Unwrap(semble::Database::Open(options, dir), "reopen");
        auto index = Unwrap(db->GetIndex("bench"), "get index");
        const auto t0 = Clock::now();
        // Per window: queries, and this thread's CPU seconds (the machine is shared: queries per
        // CPU second are what the memory layout changes; wall-clock q/s also count waiting).
        size_t counts[3] = {0, 0, 0};
        double cpu[3] = {0, 0, 0};
        semble::QueryRequest request;
        request.top_k = 10;
        for (size_t i = 0;; ++i) {
          const double at = Seconds(t0, Clock::now());
          if (at >= qps_seconds) break;
          request.vector.assign(&queries[(i % kQueries) * dims],
                                &queries[(i % kQueries) * dims] + dims);
          const double c0 = ThreadCpuSeconds();
          Unwrap(index->Query(request), "query");
          const int w = at < 1 ? 0 : at < 5 ? 1 : 2;
          cpu[w] += ThreadCpuSeconds() - c0;
          ++counts[w];
        }
        const double huge = SmapsMb("AnonHugePages");
        index.reset();
        db.reset();
        auto per_cpu = [&](int w) { return cpu[w] > 0 ? counts[w] / cpu[w] : 0.0; };
        std::printf("| %zu | %s | %.0f (%.0f) | %.0f (%.0f) | %.0f (%.0f) | %.0f |\n", round + 1,
                    mode == 0   ? "mapped, kept"
                    : mode == 1 ? "mapped, moved to memory after open"
                                : "copied on open",
                    counts[0] / std::min(1.0, qps_seconds),
                    per_cpu(0), counts[1] / std::max(1e-9, std::min(5.0, qps_seconds) - 1),
                    per_cpu(1), counts[2] / std::max(1e-9, qps_seconds - 5), per_cpu(2), huge);
        std::fflush(stdout);
      }
    }
    semble::db::SetIndexBlobMappingForBench(map);
    semble::index::SetKeepGraphMappedForBench(false);
  }
  std::printf("\nload average after: %s\n", semble::bench::LoadAvg().c_str());
  return 0;
}
