// Copyright 2026 The semble Authors.
//
// Lower-bound codes (HnswOptions::bound_codes, "hnsw,lb8"): the walk rules a candidate out on a
// bound computed from its 8-bit code, so the bound must never be above the distance the float32
// walk computes — not in real arithmetic, but for the very floats the kernels return. Checked
// directly (BoundForTest) on pairs built to make the bound as tight as it can be (queries along a
// vector's quantization residual, values far outside the trained ranges, integer data whose codes
// are exact), and end to end: every search of an index with bound codes returns what the same
// graph without them returns, bit for bit, through inserts, deletes, repair and a reload.

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "index/hnsw_index.h"
#include "index/hnsw_test_util.h"
#include "index/index_factory.h"
#include "index/vector_index.h"

namespace semble::index {
namespace {

using testing::Clustered;
using testing::Iota;

constexpr Metric kMetrics[] = {Metric::kEuclidean, Metric::kCosine, Metric::kDotProduct};

std::unique_ptr<HnswIndex> MakeIndex(uint32_t dims, Metric metric, bool bound_codes, uint32_t m = 8,
                                     uint32_t efc = 64) {
  auto index = testing::MakeIndex(dims, metric, QuantizerKind::kNone, m, efc,
                                  bound_codes ? +[](HnswOptions* o) { o->bound_codes = true; }
                                              : nullptr);
  EXPECT_NE(index, nullptr);
  return index;
}

// Training rows whose every dimension takes exactly the values 0 and 255: the trained code is
// then lo = 0, step = 1, so the test knows each code's reconstruction x^ = clamp(round(x)).
std::vector<float> GridTraining(uint32_t dims) {
  std::vector<float> t(2 * dims);
  for (uint32_t j = 0; j < dims; ++j) t[dims + j] = 255.0f;
  return t;
}

float GridCode(float x) { return std::clamp(std::nearbyint(x), 0.0f, 255.0f); }

// Checks the bound against the distance for every query and slot; returns how many pairs had a
// bound within 1% of the distance (a bound that tight shows the pair tested what it should).
size_t ExpectBoundsHold(const HnswIndex& index, const std::vector<float>& queries, uint32_t slots,
                        const std::string& what) {
  const uint32_t dims = index.dimensions();
  size_t tight = 0;
  for (size_t qi = 0; qi < queries.size() / dims; ++qi) {
    for (uint32_t s = 0; s < slots; ++s) {
      double bound = 0;
      float dist = 0;
      if (!index.BoundForTest(&queries[qi * dims], s, &bound, &dist)) continue;
      EXPECT_LE(bound, static_cast<double>(dist))
          << what << ": query " << qi << ", slot " << s << " (bound above the distance by "
          << bound - dist << ")";
      if (std::isfinite(dist) && bound >= dist - 0.01 * std::fabs(dist)) ++tight;
    }
  }
  return tight;
}

// Euclidean and dot product on the integer grid: vectors with fractional parts and values far
// outside [0, 255] (clipped codes), and queries along each vector's residual x - x^, where the
// triangle inequality (L2) and Cauchy-Schwarz (dot) are equalities: any optimism in the bound,
// a slack a hair too small or a rounding margin left out, puts it above the distance.
TEST(HnswBoundTest, BoundNeverAboveTheDistanceOnTightPairs) {
  constexpr uint32_t kDims = 24;
  for (Metric metric : {Metric::kEuclidean, Metric::kDotProduct}) {
    auto index = MakeIndex(kDims, metric, true);
    ASSERT_TRUE(index->Train(GridTraining(kDims).data(), 2).ok());
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<float> pixel(0.0f, 255.0f);
    std::uniform_real_distribution<float> frac(-0.5f, 0.5f);
    std::vector<float> rows;
    const uint32_t n = 60;
    for (uint32_t i = 0; i < n; ++i) {
      for (uint32_t j = 0; j < kDims; ++j) {
        float x = std::nearbyint(pixel(rng));
        switch (i % 4) {
          case 0:
            break;  // on the grid: r = 0
          case 1:
            x += frac(rng);  // within half a step
            break;
          case 2:
            x += 0.4999f;  // every dimension at the edge of its step
            break;
          case 3:
            if (j % 5 == 0) x = (j % 2 ? 1000.25f : -300.75f) * (1 + i % 3);  // far outside
            break;
        }
        rows.push_back(x);
      }
    }
    ASSERT_TRUE(index->AddBatch(Iota(n), rows.data(), 1).ok());
    std::vector<float> queries;
    for (uint32_t i = 0; i < n; ++i) {
      const float* x = &rows[i * kDims];
      for (float alpha : {0.001f, 0.25f, 1.0f, 3.0f}) {
        for (uint32_t j = 0; j < kDims; ++j) {
          const float residual = x[j] - GridCode(x[j]);
          // L2: q = x + alpha (x - x^); dot: q = alpha (x - x^).
          queries.push_back(metric == Metric::kEuclidean ? x[j] + alpha * residual
                                                         : alpha * residual);
        }
      }
      for (uint32_t j = 0; j < kDims; ++j) queries.push_back(pixel(rng));  // an ordinary query
    }
    const size_t tight =
        ExpectBoundsHold(*index, queries, n, metric == Metric::kEuclidean ? "l2" : "dot");
    EXPECT_GT(tight, n * 2u) << "the pairs were meant to make the bound tight";
  }
}

// Cosine, and all three metrics on ordinary data with outliers inserted after the codes were
// trained (automatically on the first 256 vectors, again as the index doubles), tiny and huge
// magnitudes included.
TEST(HnswBoundTest, BoundNeverAboveTheDistanceWithOutliersAndRetraining) {
  constexpr uint32_t kDims = 40;
  for (Metric metric : kMetrics) {
    auto index = MakeIndex(kDims, metric, true);
    testing::Data d = Clustered(700, 30, kDims, 21, 6);
    for (size_t i = 300; i < d.n; i += 7) {  // after the first training: outside its ranges
      float* x = &d.base[i * kDims];
      const float scale = i % 3 == 0 ? 1e-17f : (i % 3 == 1 ? 1e15f : 40.0f);
      for (uint32_t j = 0; j < kDims; ++j) x[j] = j % 4 == 0 ? x[j] * scale : x[j];
    }
    for (size_t i = 0; i < d.n; i += 200) {
      ASSERT_TRUE(index->AddBatch(Iota(std::min<size_t>(200, d.n - i), i), d.row(i), 1).ok());
    }
    std::vector<float> queries = d.queries;
    // Stored vectors as queries (a bound of 0 distance), and their sign-flipped and scaled copies.
    for (size_t i = 0; i < d.n; i += 37) {
      for (float f : {1.0f, -1.0f, 1e-10f, 3e9f}) {
        for (uint32_t j = 0; j < kDims; ++j) queries.push_back(d.row(i)[j] * f);
      }
    }
    const size_t tight =
        ExpectBoundsHold(*index, queries, static_cast<uint32_t>(d.n),
                         std::string("metric ") + std::to_string(static_cast<int>(metric)));
    EXPECT_GT(tight, 0u);
  }
}

// Hits equal bit for bit: slots and scores.
void ExpectSameHits(const std::vector<Hit>& want, const std::vector<Hit>& got,
                    const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(want[i].slot, got[i].slot) << what << " #" << i;
    EXPECT_EQ(std::memcmp(&want[i].score, &got[i].score, sizeof(float)), 0)
        << what << " #" << i << ": " << want[i].score << " vs " << got[i].score;
  }
}

void ExpectSameSearches(const HnswIndex& plain, const HnswIndex& bounded, const testing::Data& d,
                        const std::string& what) {
  for (size_t qi = 0; qi < d.nq; ++qi) {
    const float* q = d.query(qi);
    for (uint32_t ef : {10u, 24u, 80u}) {
      const std::string at = what + ", query " + std::to_string(qi) + ", ef " + std::to_string(ef);
      ExpectSameHits(plain.Search(q, 10, ef), bounded.Search(q, 10, ef), at);
      auto odd = [](uint32_t slot) { return slot % 2 == 1; };
      ExpectSameHits(plain.SearchFiltered(q, 10, ef, odd), bounded.SearchFiltered(q, 10, ef, odd),
                     at + " filtered");
    }
  }
  // The exact scans (a filter's exact plan, small indexes), where the codes rule nodes out unread.
  std::vector<uint32_t> every_third;
  for (uint32_t s = 0; s < d.n; s += 3) every_third.push_back(s);
  for (size_t qi = 0; qi < d.nq; ++qi) {
    const float* q = d.query(qi);
    for (size_t k : {1u, 10u, 100u}) {
      const std::string at = what + ", query " + std::to_string(qi) + ", k " + std::to_string(k);
      ExpectSameHits(plain.SearchSlots(q, k, every_third), bounded.SearchSlots(q, k, every_third),
                     at + " slots");
      ExpectSameHits(plain.SearchExact(q, k), bounded.SearchExact(q, k), at + " exact");
    }
  }
  for (uint32_t s = 0; s < d.n; s += 97) {  // the recall calibration's held-out searches
    if (!plain.Contains(s)) continue;
    ExpectSameHits(plain.SearchHeldOut(d.row(s), 10, 32, s),
                   bounded.SearchHeldOut(d.row(s), 10, 32, s), what + " held out");
  }
}

// The same single-threaded inserts give the same graph with and without bound codes only if
// every decision of the inserts' walks is the same, and the same searches give the same hits only
// if every decision of theirs is: the walks with bound codes must be the float32 walks.
TEST(HnswBoundTest, WalksAreTheFloat32Walks) {
  constexpr uint32_t kDims = 48;
  for (Metric metric : kMetrics) {
    const std::string what = "metric " + std::to_string(static_cast<int>(metric));
    auto plain = MakeIndex(kDims, metric, false);
    auto bounded = MakeIndex(kDims, metric, true);
    testing::Data d = Clustered(2400, 40, kDims, 5 + static_cast<int>(metric), 12);
    // Outliers after the first training, and a duplicate: ties in distance.
    for (size_t i = 400; i < d.n; i += 11) d.base[i * kDims + i % kDims] *= 25.0f;
    std::copy(d.row(10), d.row(11), &d.base[1500 * kDims]);
    for (size_t i = 0; i < 1800; i += 300) {
      ASSERT_TRUE(plain->AddBatch(Iota(300, i), d.row(i), 1).ok());
      ASSERT_TRUE(bounded->AddBatch(Iota(300, i), d.row(i), 1).ok());
    }
    ExpectSameSearches(*plain, *bounded, d, what);
    // The bound must have ruled candidates out, or the comparison above tested nothing.
    size_t ruled_out = 0, pairs = 0;
    for (size_t qi = 0; qi < d.nq; ++qi) {
      const std::vector<Hit> hits = plain->Search(d.query(qi), 10, 10);
      double tenth_bound = 0;
      float tenth = 0;
      ASSERT_TRUE(bounded->BoundForTest(d.query(qi), hits.back().slot, &tenth_bound, &tenth));
      for (uint32_t s = 0; s < 1800; s += 3, ++pairs) {
        double b = 0;
        float dist = 0;
        if (bounded->BoundForTest(d.query(qi), s, &b, &dist) && b > tenth) ++ruled_out;
      }
    }
    EXPECT_GT(ruled_out, pairs / 2) << what;
    // Deletes, repair, re-added slots (freed nodes reused), then more inserts.
    for (uint32_t s = 0; s < 1800; s += 5) {
      plain->Remove(s, false);
      bounded->Remove(s, false);
    }
    ExpectSameSearches(*plain, *bounded, d, what + " with tombstones");
    plain->Consolidate();
    bounded->Consolidate();
    ASSERT_TRUE(plain->AddBatch(Iota(600, 1800), d.row(1800), 1).ok());
    ASSERT_TRUE(bounded->AddBatch(Iota(600, 1800), d.row(1800), 1).ok());
    ExpectSameSearches(*plain, *bounded, d, what + " after repair");
    // A reload keeps the codes (and so the walks).
    auto loaded = HnswIndex::Deserialize(bounded->Serialize());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_TRUE((*loaded)->options().bound_codes);
    double b = 0;
    float dist = 0;
    EXPECT_TRUE((*loaded)->BoundForTest(d.query(0), 1801, &b, &dist));
    ExpectSameSearches(*plain, **loaded, d, what + " reloaded");
    for (uint32_t s = 0; s < d.n; s += 101) {
      const float* a = plain->Get(s);
      const float* c = (*loaded)->Get(s);
      ASSERT_EQ(a == nullptr, c == nullptr);
      if (a) EXPECT_EQ(std::memcmp(a, c, kDims * sizeof(float)), 0);
    }
  }
}

// A graph written without bound codes (format version 2, as every build before them wrote it)
// still loads, as it was, also into an index whose type asks for bound codes; and the blob of an
// index without them has not changed.
TEST(HnswBoundTest, GraphsWithoutCodesStillLoad) {
  constexpr uint32_t kDims = 16;
  auto plain = MakeIndex(kDims, Metric::kCosine, false);
  testing::Data d = Clustered(600, 5, kDims, 3, 4);
  ASSERT_TRUE(plain->AddBatch(Iota(d.n), d.base.data(), 1).ok());
  const std::string blob = plain->Serialize();
  uint32_t version = 0;
  std::memcpy(&version, blob.data() + 8, sizeof(version));
  EXPECT_EQ(version, 2u);
  auto loaded = HnswIndex::Deserialize(blob);
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE((*loaded)->options().bound_codes);
  EXPECT_EQ((*loaded)->Serialize(), blob);

  auto spec = ParseIndexSpec("hnsw,m=8,efc=64,lb8", kDims, Metric::kCosine);
  ASSERT_TRUE(spec.ok());
  auto vi = NewVectorIndex(*spec, 0);
  ASSERT_TRUE(vi.ok());
  ASSERT_TRUE((*vi)->Load(blob).ok());
  SearchParams params;
  params.ef = 32;
  ExpectSameHits(plain->Search(d.query(0), 10, 32), (*vi)->Search(d.query(0), 10, params),
                 "v2 blob in an lb8 index");

  // And the other way: an index with codes writes version 3, which loads with them.
  auto bounded = MakeIndex(kDims, Metric::kCosine, true);
  ASSERT_TRUE(bounded->AddBatch(Iota(d.n), d.base.data(), 1).ok());
  const std::string blob3 = bounded->Serialize();
  std::memcpy(&version, blob3.data() + 8, sizeof(version));
  EXPECT_EQ(version, 3u);
  std::string bad = blob3;
  bad[8 + 4 + 4 + 4] = 2;  // the bound-codes byte: only 1 is valid
  EXPECT_FALSE(HnswIndex::Deserialize(bad).ok());
}

// Graphs written before bound codes existed: tests/data/hnsw/hnsw_v2_{cosine,l2}.bin were written
// by main at ddce659 (format version 2) with a short program linked against that build: 200
// vectors of 8 dimensions, x_ij = sin(0.37 (i + 1) (j + 1)) + 0.01 j as slot i, m 4, efc 16, one
// thread, then every 9th slot removed (tombstones kept); the .hits files next to them are what
// that build's Search(stored vector of slot s, k 3, ef 20) returned for each live slot (slot and
// score, the score in C99 hex). They load as they were, answer as they did, write the same bytes
// back, and load into an index whose type asks for bound codes.
TEST(HnswBoundTest, GraphsWrittenBeforeBoundCodesLoad) {
  for (const std::string name : {"hnsw_v2_cosine", "hnsw_v2_l2"}) {
    const std::string base = std::string(SEMBLE_SOURCE_DIR) + "/tests/data/hnsw/" + name;
    std::ifstream in(base + ".bin", std::ios::binary);
    ASSERT_TRUE(in) << base;
    const std::string blob((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto loaded = HnswIndex::Deserialize(blob);
    ASSERT_TRUE(loaded.ok()) << name << ": " << loaded.status().ToString();
    const HnswIndex& index = **loaded;
    EXPECT_FALSE(index.options().bound_codes);
    EXPECT_EQ(index.size(), 200u - 23u) << name;
    std::ifstream hits_file(base + ".hits");
    ASSERT_TRUE(hits_file) << base;
    std::vector<float> x(8);
    for (uint32_t s = 0; s < 200; ++s) {
      for (uint32_t j = 0; j < 8; ++j) x[j] = std::sin(0.37f * (s + 1) * (j + 1)) + 0.01f * j;
      if (s % 9 == 0) {
        EXPECT_FALSE(index.Contains(s)) << name << " slot " << s;
        continue;
      }
      const float* got = index.Get(s);
      ASSERT_NE(got, nullptr) << name << " slot " << s;
      for (uint32_t j = 0; j < 8; ++j) EXPECT_FLOAT_EQ(got[j], x[j]) << name << " slot " << s;
      std::vector<Hit> want(3);
      for (Hit& h : want) {
        std::string score;
        ASSERT_TRUE(hits_file >> h.slot >> score) << name;
        h.score = std::strtof(score.c_str(), nullptr);
      }
      const std::vector<float> q(got, got + 8);
      ExpectSameHits(want, index.Search(q.data(), 3, 20), name + " slot " + std::to_string(s));
    }
    EXPECT_EQ(index.Serialize(), blob) << name << ": the format without codes changed";

    auto spec = ParseIndexSpec("hnsw,m=4,efc=16,lb8", 8, index.metric());
    ASSERT_TRUE(spec.ok());
    auto vi = NewVectorIndex(*spec, 0);
    ASSERT_TRUE(vi.ok());
    ASSERT_TRUE((*vi)->Load(blob).ok()) << name;
    SearchParams params;
    params.ef = 20;
    ExpectSameHits(index.Search(x.data(), 10, 20), (*vi)->Search(x.data(), 10, params), name);
  }
}

TEST(HnswBoundTest, IndexType) {
  auto spec = ParseIndexSpec("hnsw,lb8", 8, Metric::kEuclidean);
  ASSERT_TRUE(spec.ok());
  EXPECT_TRUE(spec->hnsw.bound_codes);
  EXPECT_EQ(IndexSpecString(*spec), "hnsw,m=16,efc=200,ef=64,lb8");
  EXPECT_TRUE(ParseIndexSpec(IndexSpecString(*spec), 8, Metric::kEuclidean)->hnsw.bound_codes);
  EXPECT_FALSE(ParseIndexSpec("hnsw", 8, Metric::kEuclidean)->hnsw.bound_codes);
  EXPECT_FALSE(ParseIndexSpec("hnsw,sq8,lb8", 8, Metric::kEuclidean).ok());
}

}  // namespace
}  // namespace semble::index
