// Copyright 2026 The semble Authors.
//
// How long an index takes to serve again after a crash with a full write-ahead log (issue 10: a
// restart replayed upsert churn into the HNSW graph at ~1.6 s per MB of log).
//
//   recovery_bench write DIR [--vectors N] [--dims D] [--wal-mb M] [--metadata]
//       creates index "r" (cosine, the default type), loads N vectors in batches of 500, checkpoints,
//       then upserts one record per call (what HTTP clients do) until the log holds M MB, and exits
//       without a checkpoint (as a crash at the checkpoint threshold would leave it: every write
//       was fsynced).
//   recovery_bench open DIR
//       times Database::Open, the first query, and the background graph build that follows, and
//       checks that every id is present with its last written values.
//
// Uses the public API only (include/semble), as the server does.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "semble/database.h"

namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::vector<float> Vec(std::mt19937& rng, uint32_t dims) {
  std::normal_distribution<float> d;
  std::vector<float> v(dims);
  for (float& x : v) x = d(rng);
  return v;
}

uint64_t WalBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/indexes/r")) {
    if (e.path().filename().string().rfind("wal-", 0) == 0) total += e.file_size();
  }
  return total;
}

int Write(const std::string& dir, uint32_t n, uint32_t dims, double wal_mb, bool metadata) {
  semble::DatabaseOptions options;
  options.checkpoint_wal_bytes = ~0ull;
  options.checkpoint_on_close = false;
  auto db = semble::Database::Open(options, dir);
  if (!db.ok()) return std::fprintf(stderr, "%s\n", db.status().ToString().c_str()), 1;
  auto index = (*db)->CreateIndex({"r", "", {dims, semble::Metric::kCosine}});
  if (!index.ok()) return std::fprintf(stderr, "%s\n", index.status().ToString().c_str()), 1;
  std::mt19937 rng(1);
  // The expected final state, for the open phase's check: id -> seed of its last vector.
  std::vector<uint32_t> last_seed(n);
  std::vector<semble::VectorRecord> batch;
  for (uint32_t i = 0; i < n; ++i) {
    std::mt19937 r(i);
    batch.push_back({"v" + std::to_string(i), Vec(r, dims), "", metadata ? R"({"k":1})" : ""});
    last_seed[i] = i;
    if (batch.size() == 500 || i + 1 == n) {
      if (!(*index)->Upsert(batch).ok()) return 1;
      batch.clear();
    }
  }
  if (!(*db)->Checkpoint().ok()) return 1;
  const auto start = Clock::now();
  uint64_t writes = 0;
  while (WalBytes(dir) < wal_mb * (1 << 20)) {
    for (int j = 0; j < 100; ++j, ++writes) {
      const uint32_t id = rng() % n;
      const uint32_t seed = n + static_cast<uint32_t>(writes);
      std::mt19937 r(seed);
      std::vector<semble::VectorRecord> one{
          {"v" + std::to_string(id), Vec(r, dims), "", metadata ? R"({"k":2})" : ""}};
      if (!(*index)->Upsert(one).ok()) return 1;
      last_seed[id] = seed;
    }
  }
  std::ofstream(dir + "/expected.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(last_seed.data()), n * sizeof(uint32_t));
  std::printf("wrote %u vectors + %llu single upserts, WAL %.1f MB, in %.1f s\n", n,
              static_cast<unsigned long long>(writes), WalBytes(dir) / 1048576.0, Since(start));
  std::fflush(stdout);
  std::_Exit(0);  // no destructor: no checkpoint, no builder drain (the state a crash leaves)
}

int Open(const std::string& dir) {
  const double wal_mb = WalBytes(dir) / 1048576.0;
  semble::DatabaseOptions options;
  options.checkpoint_on_close = false;  // keep the directory reusable for the next run
  const auto t0 = Clock::now();
  auto db = semble::Database::Open(options, dir);
  if (!db.ok()) return std::fprintf(stderr, "%s\n", db.status().ToString().c_str()), 1;
  const double open_s = Since(t0);
  if (std::getenv("RECOVERY_BENCH_OPEN_ONLY") != nullptr) {  // for profiling the replay alone
    std::printf("open %.3f s\n", open_s);
    std::_Exit(0);
  }
  auto index = *(*db)->GetIndex("r");
  const auto info0 = *index->Info();
  semble::QueryRequest q;
  std::mt19937 rng(7);
  q.vector = Vec(rng, info0.dimensions);
  q.top_k = 10;
  if (!index->Query(q).ok()) return 1;
  const double first_query_s = Since(t0);
  // Correctness: every id is there with its last vector.
  std::vector<uint32_t> last_seed(info0.vector_count);
  std::ifstream(dir + "/expected.bin", std::ios::binary)
      .read(reinterpret_cast<char*>(last_seed.data()), last_seed.size() * sizeof(uint32_t));
  std::vector<std::string> ids;
  for (size_t i = 0; i < last_seed.size(); ++i) ids.push_back("v" + std::to_string(i));
  auto got = index->GetByIds(ids);
  size_t wrong = got.ok() ? 0 : ids.size();
  if (got.ok()) {
    if (got->size() != ids.size()) wrong = ids.size() - got->size();
    for (size_t i = 0; i < got->size(); ++i) {
      std::mt19937 r(last_seed[i]);
      if ((*got)[i].values != Vec(r, info0.dimensions)) ++wrong;
    }
  }
  while (index->Info()->unindexed_vectors > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const double built_s = Since(t0);
  std::printf("WAL %.1f MB: open %.3f s, first query answered at %.3f s, %llu vectors unindexed at "
              "open, graph caught up at %.3f s, %zu of %zu records wrong\n",
              wal_mb, open_s, first_query_s, static_cast<unsigned long long>(info0.unindexed_vectors),
              built_s, wrong, ids.size());
  std::fflush(stdout);
  std::_Exit(wrong == 0 ? 0 : 2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: recovery_bench write|open DIR [--vectors N] [--dims D] [--wal-mb M] [--metadata]\n");
    return 2;
  }
  const std::string verb = argv[1], dir = argv[2];
  uint32_t n = 1450, dims = 384;
  double wal_mb = 64;
  bool metadata = false;
  for (int i = 3; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--vectors") && i + 1 < argc) n = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--dims") && i + 1 < argc) dims = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--wal-mb") && i + 1 < argc) wal_mb = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--metadata")) metadata = true;
  }
  if (verb == "write") return Write(dir, n, dims, wal_mb, metadata);
  if (verb == "open") return Open(dir);
  return 2;
}
