// Copyright 2026 The semble Authors.
//
// Loading a graph from its blob handed over in pieces (HnswIndex::Deserialize(bytes, next),
// VectorIndex::LoadPieces), the way a checkpoint segment's reader hands it over: every split of
// the blob must load the very index the whole blob loads, and a failing source must stop the load
// with the source's own error.

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "index/hnsw_index.h"
#include "index/hnsw_test_util.h"
#include "index/vector_index.h"

namespace semble::index {
namespace {

using testing::MakeIndex;

// A source that hands out `blob` in pieces of the given sizes (the last one takes the rest), then
// fails.
struct Pieces {
  std::string_view blob;
  std::vector<size_t> sizes;
  size_t at = 0, next_size = 0;
  int calls = 0;
  Result<std::string_view> operator()() {
    ++calls;
    if (at == blob.size()) return Status::Corruption("asked past the end");
    size_t n = next_size < sizes.size() ? sizes[next_size++] : blob.size() - at;
    n = std::min(n, blob.size() - at);
    const std::string_view piece = blob.substr(at, n);
    at += n;
    return piece;
  }
};

std::string GraphBlob(QuantizerKind q, uint32_t dims, size_t n) {
  auto index = MakeIndex(dims, Metric::kCosine, q, 8, 32);
  std::mt19937 rng(11);
  std::normal_distribution<float> d;
  std::vector<float> v(n * dims);
  for (float& x : v) x = d(rng);
  std::vector<uint32_t> slots(n);
  for (size_t i = 0; i < n; ++i) slots[i] = static_cast<uint32_t>(i * 3);  // slots with gaps
  EXPECT_TRUE(index->AddBatch(slots, v.data(), 1).ok());
  for (size_t i = 0; i < n; i += 17) index->Remove(slots[i], /*consolidate=*/false);  // tombstones
  return index->Serialize();
}

TEST(HnswPiecesTest, EverySplitLoadsTheSameIndex) {
  for (QuantizerKind q : {QuantizerKind::kNone, QuantizerKind::kSq8, QuantizerKind::kBinary}) {
    const std::string blob = GraphBlob(q, 12, 300);
    std::mt19937 rng(5);
    std::vector<std::vector<size_t>> splits = {
        {},                                 // one piece
        std::vector<size_t>(blob.size(), 1),  // a byte at a time
        {1, 2, 3, 5, 8, 13, 21, 34, 55, 89},  // across every field of the header
        {blob.size() / 2},
    };
    for (int r = 0; r < 20; ++r) {
      std::vector<size_t> sizes;
      for (size_t left = blob.size(); left > 0;) {
        const size_t n = std::min<size_t>(left, 1 + rng() % 700);
        sizes.push_back(n);
        left -= n;
      }
      splits.push_back(sizes);
    }
    for (const auto& sizes : splits) {
      Pieces pieces{blob, sizes};
      auto loaded = HnswIndex::Deserialize(blob.size(), std::ref(pieces), /*reconnect=*/false);
      ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
      EXPECT_EQ((*loaded)->Serialize(), blob) << sizes.size() << " pieces";
      EXPECT_EQ(pieces.at, blob.size());
    }
  }
}

TEST(HnswPiecesTest, ASourceErrorIsTheLoadsError) {
  const std::string blob = GraphBlob(QuantizerKind::kNone, 12, 200);
  for (size_t fail_at : {size_t{0}, size_t{1}, size_t{5}, blob.size() / 2, blob.size() - 1}) {
    size_t handed = 0;
    auto source = [&]() -> Result<std::string_view> {
      if (handed == fail_at) return Status::Corruption("seg-x.seg at byte offset 7: checksum");
      const std::string_view piece = std::string_view(blob).substr(handed, fail_at - handed);
      handed = fail_at;
      return piece;
    };
    auto loaded = HnswIndex::Deserialize(blob.size(), source);
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.status().message(), "seg-x.seg at byte offset 7: checksum") << fail_at;
  }
  // Pieces that end before the declared size, or a size larger than the blob: Corruption.
  Pieces short_pieces{std::string_view(blob).substr(0, blob.size() - 3), {}};
  auto loaded = HnswIndex::Deserialize(blob.size(), std::ref(short_pieces));
  EXPECT_TRUE(loaded.status().IsCorruption());
  // A size smaller than the blob leaves trailing bytes unread: the blob is refused.
  Pieces all{blob, {}};
  loaded = HnswIndex::Deserialize(blob.size() - 4, std::ref(all));
  EXPECT_TRUE(loaded.status().IsCorruption());
}

// The database's index type: LoadPieces loads what Load loads; a flat index has no blob.
TEST(HnswPiecesTest, VectorIndexLoadPieces) {
  const std::string blob = GraphBlob(QuantizerKind::kNone, 12, 300);
  auto spec = ParseIndexSpec("hnsw,m=8,efc=32", 12, Metric::kCosine);
  ASSERT_TRUE(spec.ok());
  auto whole = NewVectorIndex(*spec, 0);
  auto pieced = NewVectorIndex(*spec, 0);
  ASSERT_TRUE(whole.ok() && pieced.ok());
  ASSERT_TRUE((*whole)->Load(blob).ok());
  Pieces pieces{blob, std::vector<size_t>(64, 97)};
  ASSERT_TRUE((*pieced)->LoadPieces(blob.size(), std::ref(pieces)).ok());
  EXPECT_EQ((*pieced)->size(), (*whole)->size());
  std::vector<float> a(12), b(12);
  for (uint32_t slot = 0; slot < 900; ++slot) {
    const bool in_a = (*whole)->Read(slot, a.data());
    ASSERT_EQ(in_a, (*pieced)->Read(slot, b.data())) << slot;
    if (in_a) {
      EXPECT_EQ(a, b) << slot;
    }
  }
  auto flat_spec = ParseIndexSpec("flat", 12, Metric::kCosine);
  auto flat = NewVectorIndex(*flat_spec, 0);
  Pieces none{"", {}};
  EXPECT_TRUE((*flat)->LoadPieces(0, std::ref(none)).ok());
  Pieces some{blob, {}};
  EXPECT_TRUE((*flat)->LoadPieces(blob.size(), std::ref(some)).IsCorruption());
}

}  // namespace
}  // namespace semble::index
