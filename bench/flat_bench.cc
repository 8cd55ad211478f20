// Copyright 2026 The semble Authors.
//
// flat_bench: exact (flat) Euclidean top-k on Fashion-MNIST, semble's FlatIndex side by side with
// FAISS IndexFlatL2, single thread. Prints a Markdown report (see bench/RESULTS.md).
//
// Measured, each as the median of --runs timed runs after one untimed warm-up run, semble's and
// FAISS's runs alternating:
//   semble Search       one query per call (the server's situation)
//   semble SearchBatch  all queries in one call
//   FAISS  search(1)    one query per call (FAISS's non-BLAS path)
//   FAISS  search(nq)   all queries in one call (FAISS's BLAS path, nq >= 20)
//   memory bandwidth    a streaming read of a buffer much larger than the LLC
// and checked: recall@10 against exact ground truth (integer arithmetic on the uint8 pixels, so
// exact with no rounding at all), agreement with FAISS, and SearchBatch == Search.

#include <dlfcn.h>
#include <omp.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/distance.h"
#include "faiss/IndexFlat.h"
#include "faiss/utils/distances.h"
#include "index/flat_index.h"

// OpenBLAS reads OPENBLAS_NUM_THREADS when it is loaded; this call (when the library is present)
// makes the single-thread setting hold even if the variable was forgotten.
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  std::string gt_cache = "fashion-mnist-gt.bin";
  int runs = 5;
  size_t k = 10;
  size_t single_queries = 1000;  // queries per timed run, one per call
  size_t batch_queries = 10000;  // queries per timed run, all in one call
  size_t bandwidth_mib = 2048;
  // A second, DRAM-bound measurement: the train set stored this many times over (0 = skip), so
  // that the arena is far larger than the LLC, searched with large_queries single queries.
  size_t large_copies = 8;
  size_t large_queries = 100;
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "flat_bench: %s\n", message.c_str());
  std::exit(1);
}

// An IDX file (http://yann.lecun.com/exdb/mnist/): big-endian magic whose last byte is the number
// of dimensions, the dimensions, then uint8 data. Gzip-compressed as Debian ships it.
struct Idx {
  std::vector<uint32_t> shape;
  std::vector<uint8_t> bytes;
  size_t rows() const { return shape[0]; }
  size_t cols() const { return bytes.size() / shape[0]; }
};

Idx ReadIdx(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) Die("cannot open " + path);
  auto read_exact = [&](void* dst, size_t n) {
    auto* p = static_cast<uint8_t*>(dst);
    while (n > 0) {
      const int chunk = static_cast<int>(std::min<size_t>(n, 1 << 30));
      const int got = gzread(f, p, chunk);
      if (got <= 0) Die("short read in " + path);
      p += got;
      n -= static_cast<size_t>(got);
    }
  };
  auto be32 = [](const uint8_t* b) {
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  };
  uint8_t header[4];
  read_exact(header, 4);
  if (header[0] != 0 || header[1] != 0 || header[2] != 0x08) Die(path + ": not a uint8 IDX file");
  Idx idx;
  size_t total = 1;
  for (int i = 0; i < header[3]; ++i) {
    uint8_t dim[4];
    read_exact(dim, 4);
    idx.shape.push_back(be32(dim));
    total *= idx.shape.back();
  }
  idx.bytes.resize(total);
  read_exact(idx.bytes.data(), total);
  gzclose(f);
  return idx;
}

std::vector<float> ToFloat(const std::vector<uint8_t>& bytes) {
  return std::vector<float>(bytes.begin(), bytes.end());
}

// Exact ground truth: squared distances of uint8 pixels are integers computed without rounding;
// ties go to the smaller index, the convention of both engines.
std::vector<uint32_t> ExactTopK(const Idx& train, const Idx& test, size_t k) {
  const size_t n = train.rows(), d = train.cols(), nq = test.rows();
  std::vector<uint32_t> out(nq * k);
  std::vector<std::pair<int64_t, uint32_t>> best;
  for (size_t qi = 0; qi < nq; ++qi) {
    const uint8_t* q = &test.bytes[qi * d];
    best.clear();
    for (size_t r = 0; r < n; ++r) {
      const uint8_t* x = &train.bytes[r * d];
      int32_t sum = 0;
      for (size_t i = 0; i < d; ++i) {
        const int32_t diff = int32_t{x[i]} - int32_t{q[i]};
        sum += diff * diff;
      }
      if (best.size() < k || sum < best.back().first) {
        auto pos =
            std::upper_bound(best.begin(), best.end(),
                             std::make_pair<int64_t, uint32_t>(sum, static_cast<uint32_t>(r)));
        best.insert(pos, {sum, static_cast<uint32_t>(r)});
        if (best.size() > k) best.pop_back();
      }
    }
    for (size_t j = 0; j < k; ++j) out[qi * k + j] = best[j].second;
  }
  return out;
}

std::vector<uint32_t> LoadOrComputeGroundTruth(const Options& opt, const Idx& train,
                                               const Idx& test) {
  const size_t want = test.rows() * opt.k;
  std::vector<uint32_t> gt(want);
  std::ifstream in(opt.gt_cache, std::ios::binary);
  if (in && in.read(reinterpret_cast<char*>(gt.data()), want * sizeof(uint32_t)) &&
      in.peek() == EOF) {
    std::fprintf(stderr, "ground truth: read %s\n", opt.gt_cache.c_str());
    return gt;
  }
  std::fprintf(stderr, "ground truth: computing exact top-%zu for %zu queries...\n", opt.k,
               test.rows());
  const auto start = Clock::now();
  gt = ExactTopK(train, test, opt.k);
  std::fprintf(stderr, "ground truth: %.1f s, cached in %s\n",
               std::chrono::duration<double>(Clock::now() - start).count(), opt.gt_cache.c_str());
  std::ofstream(opt.gt_cache, std::ios::binary)
      .write(reinterpret_cast<const char*>(gt.data()), want * sizeof(uint32_t));
  return gt;
}

struct Timing {
  double median = 0, min = 0, max = 0;  // seconds per run, wall clock
  // The process's CPU time per run (median): on a shared machine a time-sliced run waits
  // without using CPU, so this moves far less with the load than the wall clock (one thread here,
  // OpenBLAS and OpenMP held to one; their idle threads use none).
  double cpu_median = 0;
};

struct Sample {
  double wall = 0, cpu = 0;
};

Timing Summarize(std::vector<Sample> samples) {
  std::vector<double> wall, cpu;
  for (const Sample& s : samples) {
    wall.push_back(s.wall);
    cpu.push_back(s.cpu);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], wall.front(), wall.back(), cpu[cpu.size() / 2]};
}

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

Sample Time(const std::function<void()>& body) {
  const auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  body();
  const double cpu = CpuSeconds() - cpu_start;
  return {std::chrono::duration<double>(Clock::now() - start).count(), cpu};
}

// One untimed warm-up, then `runs` timed runs.
Timing Measure(int runs, const std::function<void()>& body) {
  body();
  std::vector<Sample> samples;
  for (int r = 0; r < runs; ++r) samples.push_back(Time(body));
  return Summarize(samples);
}

// Like Measure for two contenders, their timed runs alternating (a, b, a, b...): the machine is
// shared, and alternation spreads any drift in background load over both instead of one.
std::pair<Timing, Timing> MeasurePair(int runs, const std::function<void()>& a,
                                      const std::function<void()>& b) {
  a();
  b();
  std::vector<Sample> sa, sb;
  for (int r = 0; r < runs; ++r) {
    sa.push_back(Time(a));
    sb.push_back(Time(b));
  }
  return {Summarize(sa), Summarize(sb)};
}

// Two 64-bit lanes: plain SSE2, which every x86-64 has, so no -march is needed; a streaming read
// is bounded by memory, not by the width of the adds.
typedef uint64_t U64x2 __attribute__((vector_size(16)));

// Single-thread streaming read of kStreams equal parts of the buffer at once (the sum is consumed
// so that the loads stay). One stream is the textbook loop. One core gets more bandwidth from
// several streams, and more again with a software prefetch 4 KiB ahead, because both keep more
// cache misses in flight; that is also what semble's eight-row kernel does, so the best of the
// three variants is the fair yardstick for a scan.
template <size_t kStreams, bool kPrefetch>
uint64_t SumBuffer(const uint64_t* p, size_t words) {
  const size_t per = words / kStreams / 8 * 8;
  U64x2 acc[kStreams] = {};  // one register per stream once the stream loop is unrolled
  for (size_t i = 0; i < per; i += 8) {
    for (size_t t = 0; t < kStreams; ++t) {
      if (kPrefetch) __builtin_prefetch(p + t * per + i + 512);
      U64x2 v[4];
      std::memcpy(v, p + t * per + i, sizeof(v));  // one 64-byte line
      acc[t] += (v[0] + v[1]) + (v[2] + v[3]);
    }
  }
  uint64_t total = 0;
  for (const U64x2& a : acc) total += a[0] + a[1];
  return total;
}

struct Bandwidth {
  double one_stream = 0, eight_streams = 0, eight_prefetched = 0;  // GB/s
  double best() const { return std::max({one_stream, eight_streams, eight_prefetched}); }
};

Bandwidth MeasureReadBandwidth(size_t bytes, int runs) {
  std::vector<uint64_t> buffer(bytes / sizeof(uint64_t));
  for (size_t i = 0; i < buffer.size(); ++i) buffer[i] = i;  // fault every page in first
  volatile uint64_t sink = 0;
  auto gbps = [&](uint64_t (*sum)(const uint64_t*, size_t)) {
    const Timing t = Measure(runs, [&] { sink = sink + sum(buffer.data(), buffer.size()); });
    return static_cast<double>(bytes) / t.median / 1e9;
  };
  Bandwidth bw;
  bw.one_stream = gbps(SumBuffer<1, false>);
  bw.eight_streams = gbps(SumBuffer<8, false>);
  bw.eight_prefetched = gbps(SumBuffer<8, true>);
  return bw;
}

double Recall(const std::vector<uint32_t>& got, const std::vector<uint32_t>& gt, size_t nq,
              size_t k) {
  size_t hits = 0;
  for (size_t q = 0; q < nq; ++q) {
    for (size_t j = 0; j < k; ++j) {
      const uint32_t* want = &gt[q * k];
      hits += std::find(want, want + k, got[q * k + j]) != want + k;
    }
  }
  return static_cast<double>(hits) / static_cast<double>(nq * k);
}

std::string ReadFirstLine(const std::string& path, const std::string& prefix = "") {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "?";
}

std::string CpuModel() {
  std::string line = ReadFirstLine("/proc/cpuinfo", "model name");
  const size_t colon = line.find(':');
  return colon == std::string::npos ? line : line.substr(colon + 2);
}

std::string FaissLoadedFrom() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&faiss::fvec_L2sqr), &info) != 0 && info.dli_fname) {
    return info.dli_fname;
  }
  return "?";
}

Options ParseArgs(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      const std::string prefix = std::string(name) + "=";
      return arg.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (const char* v = value("--data")) {
      opt.data_dir = v;
    } else if (const char* v = value("--gt-cache")) {
      opt.gt_cache = v;
    } else if (const char* v = value("--runs")) {
      opt.runs = std::max(1, std::atoi(v));
    } else if (const char* v = value("--single-queries")) {
      opt.single_queries = std::strtoul(v, nullptr, 10);
    } else if (const char* v = value("--batch-queries")) {
      opt.batch_queries = std::strtoul(v, nullptr, 10);
    } else if (const char* v = value("--bandwidth-mib")) {
      opt.bandwidth_mib = std::strtoul(v, nullptr, 10);
    } else if (const char* v = value("--large-copies")) {
      opt.large_copies = std::strtoul(v, nullptr, 10);
    } else if (const char* v = value("--large-queries")) {
      opt.large_queries = std::strtoul(v, nullptr, 10);
    } else {
      Die("unknown argument " + arg +
          " (--data= --gt-cache= --runs= --single-queries= --batch-queries= --bandwidth-mib= "
          "--large-copies= --large-queries=)");
    }
  }
  return opt;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = ParseArgs(argc, argv);
  omp_set_num_threads(1);
  if (openblas_set_num_threads != nullptr) openblas_set_num_threads(1);
  const char* blas_threads = std::getenv("OPENBLAS_NUM_THREADS");
  if (blas_threads == nullptr || std::string(blas_threads) != "1") {
    std::fprintf(stderr, "warning: OPENBLAS_NUM_THREADS is not 1\n");
  }

  const Idx train = ReadIdx(opt.data_dir + "/train-images-idx3-ubyte.gz");
  const Idx test = ReadIdx(opt.data_dir + "/t10k-images-idx3-ubyte.gz");
  const size_t n = train.rows(), d = train.cols(), k = opt.k;
  if (test.cols() != d) Die("train and test dimensions differ");
  const std::vector<float> base = ToFloat(train.bytes);
  const std::vector<float> queries = ToFloat(test.bytes);
  const size_t nq_single = std::min(opt.single_queries, test.rows());
  const size_t nq_batch = std::min(opt.batch_queries, test.rows());
  const std::string load_before = ReadFirstLine("/proc/loadavg");
  const std::vector<uint32_t> gt = LoadOrComputeGroundTruth(opt, train, test);

  semble::index::FlatIndex semble_index(static_cast<uint32_t>(d), semble::Metric::kEuclidean);
  semble_index.Reserve(static_cast<uint32_t>(n));
  for (size_t r = 0; r < n; ++r) semble_index.Set(static_cast<uint32_t>(r), &base[r * d]);
  faiss::IndexFlatL2 faiss_index(static_cast<faiss::Index::idx_t>(d));
  faiss_index.add(static_cast<faiss::Index::idx_t>(n), base.data());

  // Results of the last run of each mode, for the checks.
  std::vector<uint32_t> semble_single(nq_single * k), semble_batch(nq_batch * k);
  std::vector<uint32_t> faiss_single(nq_single * k), faiss_batch(nq_batch * k);
  std::vector<float> faiss_dist(std::max(nq_single, nq_batch) * k);
  std::vector<faiss::Index::idx_t> faiss_labels(faiss_dist.size());
  auto copy_faiss = [&](std::vector<uint32_t>& out, size_t count) {
    for (size_t i = 0; i < count * k; ++i) out[i] = static_cast<uint32_t>(faiss_labels[i]);
  };

  std::fprintf(stderr, "single queries: semble Search vs FAISS search(1)...\n");
  const auto [t_semble_single, t_faiss_single] = MeasurePair(
      opt.runs,
      [&] {
        for (size_t q = 0; q < nq_single; ++q) {
          const auto hits = semble_index.Search(&queries[q * d], k);
          for (size_t j = 0; j < hits.size(); ++j) semble_single[q * k + j] = hits[j].slot;
        }
      },
      [&] {
        for (size_t q = 0; q < nq_single; ++q) {
          faiss_index.search(1, &queries[q * d], static_cast<faiss::Index::idx_t>(k),
                             &faiss_dist[q * k], &faiss_labels[q * k]);
        }
      });
  copy_faiss(faiss_single, nq_single);
  std::fprintf(stderr, "batches: semble SearchBatch vs FAISS search(nq)...\n");
  const auto [t_semble_batch, t_faiss_batch] = MeasurePair(
      opt.runs,
      [&] {
        const auto all = semble_index.SearchBatch(queries.data(), nq_batch, k);
        for (size_t q = 0; q < nq_batch; ++q) {
          for (size_t j = 0; j < all[q].size(); ++j) semble_batch[q * k + j] = all[q][j].slot;
        }
      },
      [&] {
        faiss_index.search(static_cast<faiss::Index::idx_t>(nq_batch), queries.data(),
                           static_cast<faiss::Index::idx_t>(k), faiss_dist.data(),
                           faiss_labels.data());
      });
  copy_faiss(faiss_batch, nq_batch);

  // Smaller batches: BLAS needs large ones to reach its speed, a server gets small ones.
  struct SweepPoint {
    size_t queries;
    Timing semble, faiss;
  };
  std::vector<SweepPoint> sweep;
  for (size_t sweep_nq : {20u, 100u, 1000u}) {
    if (sweep_nq >= nq_batch) break;
    SweepPoint point{sweep_nq, {}, {}};
    std::tie(point.semble, point.faiss) = MeasurePair(
        opt.runs, [&] { semble_index.SearchBatch(queries.data(), sweep_nq, k); },
        [&] {
          faiss_index.search(static_cast<faiss::Index::idx_t>(sweep_nq), queries.data(),
                             static_cast<faiss::Index::idx_t>(k), faiss_dist.data(),
                             faiss_labels.data());
        });
    sweep.push_back(point);
  }

  // The same single-query search over an arena far larger than the LLC. Copies of a row are exact
  // ties, which both engines break by the smaller id; the answers are compared with each other.
  struct Large {
    size_t rows = 0, queries = 0;
    Timing semble, faiss;
    double agreement = 0;
  } large;
  if (opt.large_copies > 0) {
    large.rows = n * opt.large_copies;
    large.queries = std::min(opt.large_queries, test.rows());
    std::fprintf(stderr, "large arena: %zu rows...\n", large.rows);
    semble::index::FlatIndex big(static_cast<uint32_t>(d), semble::Metric::kEuclidean);
    faiss::IndexFlatL2 big_faiss(static_cast<faiss::Index::idx_t>(d));
    big.Reserve(static_cast<uint32_t>(large.rows));
    for (size_t c = 0; c < opt.large_copies; ++c) {
      for (size_t r = 0; r < n; ++r) big.Set(static_cast<uint32_t>(c * n + r), &base[r * d]);
      big_faiss.add(static_cast<faiss::Index::idx_t>(n), base.data());
    }
    std::vector<uint32_t> ids_semble(large.queries * k), ids_faiss(large.queries * k);
    std::tie(large.semble, large.faiss) = MeasurePair(
        opt.runs,
        [&] {
          for (size_t q = 0; q < large.queries; ++q) {
            const auto hits = big.Search(&queries[q * d], k);
            for (size_t j = 0; j < hits.size(); ++j) ids_semble[q * k + j] = hits[j].slot;
          }
        },
        [&] {
          for (size_t q = 0; q < large.queries; ++q) {
            big_faiss.search(1, &queries[q * d], static_cast<faiss::Index::idx_t>(k),
                             &faiss_dist[q * k], &faiss_labels[q * k]);
          }
        });
    for (size_t i = 0; i < large.queries * k; ++i) {
      ids_faiss[i] = static_cast<uint32_t>(faiss_labels[i]);
    }
    large.agreement = Recall(ids_semble, ids_faiss, large.queries, k);
  }
  const std::string load_after = ReadFirstLine("/proc/loadavg");

  std::fprintf(stderr, "memory bandwidth...\n");
  const size_t arena_bytes = n * d * sizeof(float);
  const Bandwidth bw_dram_all = MeasureReadBandwidth(opt.bandwidth_mib << 20, opt.runs);
  const Bandwidth bw_arena_all = MeasureReadBandwidth(arena_bytes, opt.runs);
  const double bw_dram = bw_dram_all.best();
  const double bw_arena = bw_arena_all.best();

  // Checks.
  size_t batch_mismatch = 0;
  for (size_t i = 0; i < std::min(nq_single, nq_batch) * k; ++i) {
    batch_mismatch += semble_single[i] != semble_batch[i];
  }
  const double recall_semble_single = Recall(semble_single, gt, nq_single, k);
  const double recall_semble_batch = Recall(semble_batch, gt, nq_batch, k);
  const double recall_faiss_single = Recall(faiss_single, gt, nq_single, k);
  const double recall_faiss_batch = Recall(faiss_batch, gt, nq_batch, k);
  const double agree_single = Recall(semble_single, faiss_single, nq_single, k);
  const double agree_batch = Recall(semble_batch, faiss_batch, nq_batch, k);

  // Report.
  const std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::printf("## flat_bench: Fashion-MNIST %zu x %zu, %zu test queries, Euclidean top-%zu\n\n", n,
              d, test.rows(), k);
  std::printf("- date: %s\n- cpu: %s\n", date, CpuModel().c_str());
  std::printf("- semble kernels: %s (Highway run-time dispatch)\n",
              semble::core::DistanceTargetName());
  std::printf("- FAISS: linked %s, loaded from %s\n", SEMBLE_FAISS_LIBRARY,
              FaissLoadedFrom().c_str());
  std::printf("- threads: 1 (omp_set_num_threads(1), OPENBLAS_NUM_THREADS=%s)\n",
              blas_threads ? blas_threads : "unset");
  std::printf("- load average before: %s\n- load average after:  %s\n", load_before.c_str(),
              load_after.c_str());
  std::printf("- runs: %d timed after 1 warm-up; medians (min..max)\n\n", opt.runs);

  const double scanned = static_cast<double>(arena_bytes);
  std::printf(
      "| engine | mode | queries/run | QPS median (min..max) | arena scan GB/s | "
      "%% of DRAM read bw | recall@10 |\n|---|---|---|---|---|---|---|\n");
  auto row = [&](const char* engine, const char* mode, size_t nq, const Timing& t, double recall,
                 bool scan_per_query) {
    const double qps = static_cast<double>(nq) / t.median;
    char scan[64] = "n/a (compute-bound)";  // batched modes reuse each row for many queries
    if (scan_per_query) {
      const double gbps = qps * scanned / 1e9;
      std::snprintf(scan, sizeof(scan), "%.2f | %.0f%%", gbps, 100.0 * gbps / bw_dram);
    } else {
      std::snprintf(scan, sizeof(scan), "n/a | n/a");
    }
    std::printf("| %s | %s | %zu | %.1f (%.1f..%.1f) | %s | %.4f |\n", engine, mode, nq, qps,
                static_cast<double>(nq) / t.max, static_cast<double>(nq) / t.min, scan, recall);
  };
  row("semble", "Search, 1 query/call", nq_single, t_semble_single, recall_semble_single, true);
  row("semble", "SearchBatch, all in 1 call", nq_batch, t_semble_batch, recall_semble_batch, false);
  row("FAISS", "search(1), 1 query/call", nq_single, t_faiss_single, recall_faiss_single, true);
  row("FAISS", "search(nq), BLAS", nq_batch, t_faiss_batch, recall_faiss_batch, false);

  const double qps_ss = nq_single / t_semble_single.median;
  const double qps_sb = nq_batch / t_semble_batch.median;
  const double qps_fs = nq_single / t_faiss_single.median;
  const double qps_fb = nq_batch / t_faiss_batch.median;
  std::printf("\n| ratio | value |\n|---|---|\n");
  std::printf("| semble Search / FAISS search(1) | %.2f |\n", qps_ss / qps_fs);
  std::printf("| semble SearchBatch / FAISS search(nq) | %.2f |\n", qps_sb / qps_fb);
  std::printf("| semble Search / FAISS search(nq) | %.3f |\n", qps_ss / qps_fb);
  std::printf(
      "\n- DRAM read bandwidth, 1 thread, %zu MiB buffer, GB/s: %.2f one stream, %.2f "
      "eight streams, %.2f eight streams + prefetch (the %% column uses the best)\n",
      opt.bandwidth_mib, bw_dram_all.one_stream, bw_dram_all.eight_streams,
      bw_dram_all.eight_prefetched);
  std::printf(
      "- same loops over an arena-sized buffer (%.0f MB; the LLC may hold part of it), "
      "GB/s: %.2f / %.2f / %.2f\n",
      scanned / 1e6, bw_arena_all.one_stream, bw_arena_all.eight_streams,
      bw_arena_all.eight_prefetched);
  std::printf(
      "- semble Search scan: %.2f GB/s = %.0f%% of the DRAM figure, %.0f%% of the "
      "arena-sized figure\n",
      qps_ss * scanned / 1e9, 100.0 * qps_ss * scanned / 1e9 / bw_dram,
      100.0 * qps_ss * scanned / 1e9 / bw_arena);
  if (!sweep.empty()) {
    std::printf(
        "\nBatch size sweep (queries per call; QPS medians; the last two columns divide by "
        "the process's CPU time instead of the wall clock)\n\n"
        "| queries/call | semble SearchBatch | FAISS search(nq) | semble/FAISS | semble CPU QPS "
        "| semble/FAISS by CPU time |\n"
        "|---|---|---|---|---|---|\n");
    auto line = [](size_t queries, const Timing& a, const Timing& b) {
      const double qa = queries / a.median, qb = queries / b.median;
      std::printf("| %zu | %.1f | %.1f | %.2f | %.1f | %.2f |\n", queries, qa, qb, qa / qb,
                  queries / a.cpu_median, b.cpu_median / a.cpu_median);
    };
    for (const SweepPoint& point : sweep) line(point.queries, point.semble, point.faiss);
    line(nq_batch, t_semble_batch, t_faiss_batch);
  }
  if (large.rows > 0) {
    const double large_bytes = static_cast<double>(large.rows * d * sizeof(float));
    const double qps_semble = large.queries / large.semble.median;
    const double qps_faiss = large.queries / large.faiss.median;
    std::printf(
        "\nArena far larger than the LLC: train set x %zu = %zu rows, %.2f GB, %zu single "
        "queries per run\n\n",
        opt.large_copies, large.rows, large_bytes / 1e9, large.queries);
    std::printf(
        "| engine | mode | QPS median (min..max) | scan GB/s | %% of DRAM read bw |\n"
        "|---|---|---|---|---|\n");
    auto large_row = [&](const char* engine, const char* mode, const Timing& t) {
      const double qps = large.queries / t.median;
      const double gbps = qps * large_bytes / 1e9;
      std::printf("| %s | %s | %.2f (%.2f..%.2f) | %.2f | %.0f%% |\n", engine, mode, qps,
                  large.queries / t.max, large.queries / t.min, gbps, 100.0 * gbps / bw_dram);
    };
    large_row("semble", "Search, 1 query/call", large.semble);
    large_row("FAISS", "search(1), 1 query/call", large.faiss);
    std::printf("\n- ratio semble / FAISS: %.2f; agreement of top-%zu ids: %.4f\n\n",
                qps_semble / qps_faiss, k, large.agreement);
  }
  std::printf("- agreement semble vs FAISS (top-%zu ids): single %.4f, batch %.4f\n", k,
              agree_single, agree_batch);
  std::printf("- SearchBatch vs Search: %zu differing ids over %zu queries\n", batch_mismatch,
              std::min(nq_single, nq_batch));
  const bool ok = recall_semble_single == 1.0 && recall_semble_batch == 1.0 && batch_mismatch == 0;
  std::printf("- exactness check: %s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 2;
}
