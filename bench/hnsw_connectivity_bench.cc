// Copyright 2026 The semble Authors.
//
// What keeping HNSW's layer 0 strongly connected costs (bench/RESULTS.md, issue 10 item 9).
// Builds a cosine index the way the background builder does (batches of 512, every core) on
// clustered 384-dimensional data, then times one connectivity check (the two walks that
// HnswIndex::Reconnect runs when nothing needs repair) and reports the share of the build that
// the checks AddBatch ran took (one per batch below 8192 nodes, then once per n/16 adds).
//
//   hnsw_connectivity_bench [n ...]    default: 20000 100000

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <span>
#include <thread>
#include <vector>

#include "index/hnsw_index.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// 50 anisotropic Gaussian clusters, like sentence embeddings (topics with their own spread).
std::vector<float> Clustered(size_t n, uint32_t dims, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t clusters = 50;
  std::vector<float> centers(clusters * dims), spread(clusters * dims);
  for (float& c : centers) c = normal(rng);
  for (float& s : spread) s = 0.1f + 0.3f * std::abs(normal(rng));
  std::vector<float> v(n * dims);
  for (size_t i = 0; i < n; ++i) {
    const size_t c = rng() % clusters;
    for (uint32_t j = 0; j < dims; ++j) {
      v[i * dims + j] = centers[c * dims + j] + spread[c * dims + j] * normal(rng);
    }
  }
  return v;
}

void Run(size_t n) {
  const uint32_t dims = 384;
  const std::vector<float> v = Clustered(n, dims, n);
  semble::index::HnswOptions o;
  o.dimensions = dims;
  auto index = std::move(semble::index::HnswIndex::Create(o)).value();
  std::vector<uint32_t> slots(n);
  std::iota(slots.begin(), slots.end(), 0);
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Which batches ran a check: AddBatch's rule (hnsw_connectivity.cc), replayed here.
  size_t checks = 0, since = 0;
  double check_share_nodes = 0;  // sum of graph sizes at each check (a check costs ~ its size)
  const auto t0 = Clock::now();
  for (size_t i = 0; i < n; i += 512) {
    const size_t len = std::min<size_t>(512, n - i);
    if (!index->AddBatch(std::span(slots).subspan(i, len), &v[i * dims], threads).ok()) {
      std::fprintf(stderr, "AddBatch failed\n");
      std::exit(1);
    }
    since += len;
    const size_t size = i + len;
    if (size < 8192 || since * 16 >= size) {
      ++checks;
      check_share_nodes += static_cast<double>(size);
      since = 0;
    }
  }
  const double build = Seconds(t0, Clock::now());
  // One check at full size, median of 5.
  std::vector<double> times;
  size_t lost = 0;
  for (int r = 0; r < 5; ++r) {
    const auto a = Clock::now();
    lost = index->CheckConnectivity().size();
    times.push_back(Seconds(a, Clock::now()));
  }
  std::sort(times.begin(), times.end());
  const double check = times[2];
  // The checks during the build: each cost about check * size / n (linear in the graph's size).
  const double during = check * check_share_nodes / static_cast<double>(n);
  // Recall@10 at the default ef of 200 queries near the data (a stored vector plus noise), against
  // exact search: the connectivity rules must not cost search quality.
  std::mt19937_64 rng(7);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  double recall = 0;
  const int queries = 200;
  for (int t = 0; t < queries; ++t) {
    const float* base = &v[(rng() % n) * dims];
    std::vector<float> q(base, base + dims);
    for (float& x : q) x += noise(rng);
    const auto truth = index->SearchExact(q.data(), 10);
    const auto got = index->Search(q.data(), 10);
    size_t hit = 0;
    for (const auto& h : got) {
      for (const auto& t2 : truth) hit += h.slot == t2.slot;
    }
    recall += static_cast<double>(hit) / 10.0;
  }
  recall /= queries;
  std::printf(
      "n=%zu dims=%u threads=%d: recall@10 (ef 64) %.4f; build %.2f s (%.1f us/vector); one check "
      "at n: %.2f ms "
      "(%.1f ns/node); %zu checks during the build ~ %.3f s = %.2f%% of the build; "
      "re-linked by the repair during the build: %zu; unreachable after: %zu\n",
      n, dims, threads, recall, build, 1e6 * build / n, 1e3 * check, 1e9 * check / n, checks,
      during, 100.0 * during / build, index->relinked_nodes(), lost);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::strtoull(argv[i], nullptr, 10));
  if (sizes.empty()) sizes = {20000, 100000};
  for (size_t n : sizes) Run(n);
  return 0;
}
