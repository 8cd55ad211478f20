// Copyright 2026 The semble Authors.
//
// After a load that mapped a graph's large arrays from its segment file, the builder moves them
// into the index's own memory (HnswIndex::MoveMappedArraysToMemory). The copy runs under the
// shared lock, beside searches, and only the swap takes the graph alone; a change made under the
// exclusive lock between the copy and the swap (a consolidation here) must make the move copy
// again rather than swap in arrays from before it. These tests hold the move to "nothing a reader
// can see changes": the same answers during and after it, the same blob after it as an index that
// was never mapped.

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "index/hnsw_index.h"
#include "index/hnsw_test_util.h"
#include "util/test_util.h"

namespace semble::index {
namespace {

using testing::MakeIndex;

constexpr uint32_t kDims = 16;
constexpr size_t kPage = 4096;

void BoundCodes(HnswOptions* o) { o->bound_codes = true; }

struct Kind {
  const char* name;
  QuantizerKind quantizer;
  void (*tweak)(HnswOptions*);
};
void PrintTo(const Kind& kind, std::ostream* os) { *os << kind.name; }

std::unique_ptr<HnswIndex> Build(const Kind& kind, const testing::Data& d) {
  auto index = MakeIndex(kDims, Metric::kEuclidean, kind.quantizer, 8, 64, kind.tweak);
  EXPECT_NE(index, nullptr);
  if (index == nullptr) return nullptr;
  EXPECT_TRUE(index->AddBatch(testing::Iota(d.n), d.base.data(), 2).ok());
  for (uint32_t s = 0; s < d.n; s += 29) index->Remove(s, /*consolidate=*/false);
  return index;
}

bool MappedInThisProcess(const std::string& path) {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    if (line.find(path) != std::string::npos) return true;
  }
  return false;
}

// `blob` loaded with its large arrays (`arrays`: spans of the blob) mapped from a file that holds
// each at a page boundary, as a format-6 segment does; the rest is handed over in pieces.
std::unique_ptr<HnswIndex> LoadMapped(const std::string& blob,
                                      const std::vector<std::pair<uint64_t, uint64_t>>& arrays,
                                      const std::string& path) {
  std::vector<uint64_t> file_at;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    uint64_t end = 0;
    for (const auto& [offset, bytes] : arrays) {
      const uint64_t at = (end + kPage - 1) / kPage * kPage;
      out.seekp(static_cast<std::streamoff>(at));
      out.write(blob.data() + offset, static_cast<std::streamsize>(bytes));
      file_at.push_back(at);
      end = at + bytes;
    }
  }
  const int fd = open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0);
  uint64_t at = 0;
  size_t next_array = 0;
  std::function<Result<std::string_view>()> next = [&]() -> Result<std::string_view> {
    const uint64_t end = next_array < arrays.size() ? arrays[next_array].first : blob.size();
    if (at >= end) return Status::Corruption("asked for an array's bytes as a piece");
    const std::string_view piece = std::string_view(blob).substr(at, end - at);
    at = end;
    return piece;
  };
  core::BlobMapper mapper = [&](uint64_t bytes, const auto& map) -> Result<bool> {
    if (next_array >= arrays.size() || arrays[next_array].first != at ||
        arrays[next_array].second != bytes) {
      return false;
    }
    if (map(fd, file_at[next_array]) == nullptr) return false;
    at += bytes;
    ++next_array;
    return true;
  };
  auto loaded = HnswIndex::Deserialize(blob.size(), next, /*reconnect=*/false, mapper);
  close(fd);
  EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(next_array, arrays.size()) << "not every array was mapped";
  return loaded.ok() ? std::move(loaded).value() : nullptr;
}

std::vector<std::vector<Hit>> Answers(const HnswIndex& index, const testing::Data& d) {
  std::vector<std::vector<Hit>> out;
  for (size_t q = 0; q < d.nq; ++q) out.push_back(index.Search(d.query(q), 10, 32));
  return out;
}

bool Same(const std::vector<std::vector<Hit>>& a, const std::vector<std::vector<Hit>>& b) {
  if (a.size() != b.size()) return false;
  for (size_t q = 0; q < a.size(); ++q) {
    if (a[q].size() != b[q].size()) return false;
    for (size_t i = 0; i < a[q].size(); ++i) {
      if (a[q][i].slot != b[q][i].slot || a[q][i].score != b[q][i].score) return false;
    }
  }
  return true;
}

class HnswMoveTest : public ::testing::TestWithParam<Kind> {
 protected:
  // Builds the parameter's kind of graph over 3,000 clustered vectors and serializes it, with
  // where its large arrays lie in the blob.
  void SetUpGraph(uint64_t seed) {
    d_ = testing::Clustered(3000, 40, kDims, seed);
    auto built = Build(GetParam(), d_);
    ASSERT_NE(built, nullptr);
    blob_ = built->Serialize(&arrays_);
    ASSERT_FALSE(arrays_.empty());
  }

  testing::Data d_;
  std::string blob_;
  std::vector<std::pair<uint64_t, uint64_t>> arrays_;
};

// Searches running throughout the move (the copy is made beside them) answer as the graph that
// was never mapped does, before, during and after; afterwards nothing is mapped and the index
// serializes to the blob it was loaded from.
TEST_P(HnswMoveTest, SearchesDuringTheMoveSeeTheSameGraph) {
  ASSERT_NO_FATAL_FAILURE(SetUpGraph(3));
  const testing::Data& d = d_;
  const std::string& blob = blob_;
  auto plain = HnswIndex::Deserialize(blob, /*reconnect=*/false);
  ASSERT_TRUE(plain.ok());
  const auto want = Answers(**plain, d);

  test::TempDir dir;
  const std::string path = dir.path() + "/graph";
  auto mapped = LoadMapped(blob, arrays_, path);
  ASSERT_NE(mapped, nullptr);
  ASSERT_TRUE(MappedInThisProcess(path));
  ASSERT_TRUE(Same(Answers(*mapped, d), want));

  std::atomic<bool> done{false};
  std::atomic<int> wrong{0}, rounds{0};
  std::vector<std::thread> searchers;
  for (int t = 0; t < 2; ++t) {
    searchers.emplace_back([&] {
      while (!done.load()) {
        if (!Same(Answers(*mapped, d), want)) wrong.fetch_add(1);
        rounds.fetch_add(1);
      }
    });
  }
  // Let the searchers start before the copy does, then keep them going past the swap.
  while (rounds.load() == 0) std::this_thread::yield();
  EXPECT_TRUE(mapped->MoveMappedArraysToMemory());
  const int after = rounds.load();
  while (rounds.load() < after + 2) std::this_thread::yield();
  done.store(true);
  for (std::thread& t : searchers) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_FALSE(MappedInThisProcess(path));
  EXPECT_FALSE(mapped->MoveMappedArraysToMemory()) << "nothing left to move";
  EXPECT_EQ(mapped->Serialize(), blob);
  EXPECT_TRUE(Same(Answers(*mapped, d), want));
}

// A consolidation between the copy and the swap rewrites lists of layer 0 under the exclusive
// lock; the move must keep them (copy again), not swap in the arrays copied before it.
TEST_P(HnswMoveTest, AConsolidationBetweenCopyAndSwapIsKept) {
  ASSERT_NO_FATAL_FAILURE(SetUpGraph(4));
  const testing::Data& d = d_;
  const std::string& blob = blob_;
  auto consolidate = [](HnswIndex* index) {
    for (uint32_t s = 1; s < 3000; s += 7) index->Remove(s, /*consolidate=*/false);
    index->Consolidate();
  };
  auto plain = HnswIndex::Deserialize(blob, /*reconnect=*/false);
  ASSERT_TRUE(plain.ok());
  consolidate(plain->get());
  const std::string want_blob = (*plain)->Serialize();
  ASSERT_NE(want_blob, blob);

  test::TempDir dir;
  const std::string path = dir.path() + "/graph";
  auto mapped = LoadMapped(blob, arrays_, path);
  ASSERT_NE(mapped, nullptr);
  int calls = 0;
  mapped->SetMoveHookForTest([&] {
    ++calls;
    consolidate(mapped.get());
  });
  EXPECT_TRUE(mapped->MoveMappedArraysToMemory());
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(MappedInThisProcess(path));
  EXPECT_EQ(mapped->Serialize(), want_blob);
  EXPECT_TRUE(Same(Answers(*mapped, d), Answers(**plain, d)));
}

INSTANTIATE_TEST_SUITE_P(Kinds, HnswMoveTest,
                         ::testing::Values(Kind{"hnsw", QuantizerKind::kNone, nullptr},
                                           Kind{"sq8", QuantizerKind::kSq8, nullptr},
                                           Kind{"lb8", QuantizerKind::kNone, BoundCodes}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace semble::index
