// Copyright 2026 The semble Authors.

#include "core/distance.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace semble::core {
namespace {

// Double-precision references, plus the sum of |terms|: the scale that float rounding error is
// proportional to (a dot product can cancel to ~0, so error relative to the result is meaningless).
struct Ref {
  double value;
  double magnitude;
};

Ref DotRef(const float* a, const float* b, size_t n) {
  Ref r{0, 0};
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(a[i]) * b[i];
    r.value += t;
    r.magnitude += std::fabs(t);
  }
  return r;
}

Ref L2Ref(const float* a, const float* b, size_t n) {
  Ref r{0, 0};
  for (size_t i = 0; i < n; ++i) {
    const double diff = static_cast<double>(a[i]) - b[i];
    r.value += diff * diff;
  }
  r.magnitude = r.value;
  return r;
}

// Float sums of n terms split over several accumulators err by at most ~n*eps*magnitude, and in
// practice by ~sqrt(n)*eps; the bound below sits between the two so a wrong lane or a dropped
// tail element (an error of a whole term) cannot hide.
double Tolerance(const Ref& r, size_t n) {
  return 4e-7 * (8.0 + std::sqrt(static_cast<double>(n))) * r.magnitude + 1e-30;
}

std::vector<float> RandomVector(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

TEST(DistanceTest, TargetNameIsReported) {
  const std::string name = DistanceTargetName();
  EXPECT_FALSE(name.empty());
  std::printf("distance kernels dispatched to %s\n", name.c_str());
}

TEST(DistanceTest, SingleKernelsMatchReferenceForEveryLength) {
  std::mt19937 rng(1);
  for (size_t n = 1; n <= 300; ++n) {
    // +1 offsets the vectors from the allocator's alignment, as rows inside an arena are.
    std::vector<float> a = RandomVector(rng, n + 1);
    std::vector<float> b = RandomVector(rng, n + 1);
    const Ref dot = DotRef(a.data() + 1, b.data() + 1, n);
    const Ref l2 = L2Ref(a.data() + 1, b.data() + 1, n);
    EXPECT_NEAR(DotProduct(a.data() + 1, b.data() + 1, n), dot.value, Tolerance(dot, n)) << n;
    EXPECT_NEAR(L2Squared(a.data() + 1, b.data() + 1, n), l2.value, Tolerance(l2, n)) << n;
    // The resolved pointer is the same kernel: bit-identical results.
    EXPECT_EQ(DotProductKernel()(a.data() + 1, b.data() + 1, n),
              DotProduct(a.data() + 1, b.data() + 1, n))
        << n;
  }
}

TEST(DistanceTest, SingleKernelsMatchReferenceForLargeLengths) {
  std::mt19937 rng(2);
  for (size_t n : {384u, 768u, 784u, 1536u, 4099u, 65536u, 1000003u}) {
    std::vector<float> a = RandomVector(rng, n);
    std::vector<float> b = RandomVector(rng, n);
    const Ref dot = DotRef(a.data(), b.data(), n);
    const Ref l2 = L2Ref(a.data(), b.data(), n);
    EXPECT_NEAR(DotProduct(a.data(), b.data(), n), dot.value, Tolerance(dot, n)) << n;
    EXPECT_NEAR(L2Squared(a.data(), b.data(), n), l2.value, Tolerance(l2, n)) << n;
  }
}

TEST(DistanceTest, ExactOnSmallIntegers) {
  // Small integers make every partial sum exact, so any lane or tail mistake shows as an exact
  // mismatch rather than hiding in a tolerance.
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> dist(-4, 4);
  for (size_t n = 1; n <= 300; ++n) {
    std::vector<float> a(n), b(n);
    for (size_t i = 0; i < n; ++i) {
      a[i] = static_cast<float>(dist(rng));
      b[i] = static_cast<float>(dist(rng));
    }
    EXPECT_EQ(DotProduct(a.data(), b.data(), n), DotRef(a.data(), b.data(), n).value) << n;
    EXPECT_EQ(L2Squared(a.data(), b.data(), n), L2Ref(a.data(), b.data(), n).value) << n;
  }
}

TEST(DistanceTest, IdenticalAndZeroVectors) {
  std::mt19937 rng(4);
  for (size_t n : {1u, 7u, 16u, 33u, 784u}) {
    std::vector<float> a = RandomVector(rng, n);
    std::vector<float> zero(n, 0.0f);
    EXPECT_EQ(L2Squared(a.data(), a.data(), n), 0.0f);
    EXPECT_EQ(DotProduct(a.data(), zero.data(), n), 0.0f);
    const Ref self = DotRef(a.data(), a.data(), n);
    EXPECT_NEAR(L2Squared(a.data(), zero.data(), n), self.value, Tolerance(self, n));
  }
}

TEST(DistanceTest, BatchMatchesSingleAndReference) {
  std::mt19937 rng(5);
  for (size_t n = 1; n <= 300; ++n) {
    // Counts around the four-row blocking: full blocks, remainders, and a single row.
    const size_t count = 1 + (n % 11);
    std::vector<float> q = RandomVector(rng, n + 1);
    std::vector<float> base = RandomVector(rng, count * n + 1);
    std::vector<float> dots(count + 1, -1.0f), l2s(count + 1, -1.0f);
    DotProductBatch(q.data() + 1, base.data() + 1, n, count, dots.data());
    L2SquaredBatch(q.data() + 1, base.data() + 1, n, count, l2s.data());
    for (size_t j = 0; j < count; ++j) {
      const float* row = base.data() + 1 + j * n;
      const Ref dot = DotRef(q.data() + 1, row, n);
      const Ref l2 = L2Ref(q.data() + 1, row, n);
      EXPECT_NEAR(dots[j], dot.value, Tolerance(dot, n)) << n << " row " << j;
      EXPECT_NEAR(l2s[j], l2.value, Tolerance(l2, n)) << n << " row " << j;
      EXPECT_NEAR(dots[j], DotProduct(q.data() + 1, row, n), 2 * Tolerance(dot, n));
      EXPECT_NEAR(l2s[j], L2Squared(q.data() + 1, row, n), 2 * Tolerance(l2, n));
    }
    EXPECT_EQ(dots[count], -1.0f) << "wrote past count";
    EXPECT_EQ(l2s[count], -1.0f) << "wrote past count";
  }
}

TEST(DistanceTest, BatchExactOnSmallIntegersForManyCounts) {
  std::mt19937 rng(6);
  std::uniform_int_distribution<int> dist(-3, 3);
  for (size_t n : {1u, 2u, 3u, 5u, 8u, 15u, 16u, 17u, 31u, 32u, 33u, 47u, 64u, 100u, 784u}) {
    // Around the eight- and four-row passes, and long enough for the prefetch of the next rows.
    for (size_t count : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 9u, 12u, 13u, 15u, 16u, 17u, 24u, 29u, 40u}) {
      std::vector<float> q(n), base(count * n);
      for (float& x : q) x = static_cast<float>(dist(rng));
      for (float& x : base) x = static_cast<float>(dist(rng));
      std::vector<float> dots(count), l2s(count);
      DotProductBatch(q.data(), base.data(), n, count, dots.data());
      L2SquaredBatch(q.data(), base.data(), n, count, l2s.data());
      for (size_t j = 0; j < count; ++j) {
        EXPECT_EQ(dots[j], DotRef(q.data(), &base[j * n], n).value) << n << "x" << count;
        EXPECT_EQ(l2s[j], L2Ref(q.data(), &base[j * n], n).value) << n << "x" << count;
      }
    }
  }
}

// Places arrays so that they end exactly where an inaccessible page begins: a kernel that reads
// even one float past the end (an unmasked tail load) crashes the test.
class GuardedBuffer {
 public:
  explicit GuardedBuffer(size_t floats) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    data_bytes_ = (floats * sizeof(float) + page - 1) / page * page;
    total_ = data_bytes_ + page;
    void* p = mmap(nullptr, total_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(p, MAP_FAILED);
    base_ = static_cast<char*>(p);
    EXPECT_EQ(mprotect(base_ + data_bytes_, page, PROT_NONE), 0);
  }
  ~GuardedBuffer() { munmap(base_, total_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  // n floats ending at the guard page.
  float* Tail(size_t n) { return reinterpret_cast<float*>(base_ + data_bytes_) - n; }

 private:
  char* base_ = nullptr;
  size_t data_bytes_ = 0;
  size_t total_ = 0;
};

TEST(DistanceTest, NeverReadsPastTheEnd) {
  std::mt19937 rng(7);
  GuardedBuffer qbuf(300), rowbuf(300 * 17);
  for (size_t n = 1; n <= 300; ++n) {
    for (size_t count : {1u, 4u, 5u, 8u, 13u, 16u, 17u}) {
      float* q = qbuf.Tail(n);
      float* rows = rowbuf.Tail(n * count);
      const std::vector<float> qv = RandomVector(rng, n);
      const std::vector<float> rv = RandomVector(rng, n * count);
      std::memcpy(q, qv.data(), n * sizeof(float));
      std::memcpy(rows, rv.data(), n * count * sizeof(float));
      float out[17];
      DotProductBatch(q, rows, n, count, out);
      L2SquaredBatch(q, rows, n, count, out);
      const float* last = rows + (count - 1) * n;
      const Ref dot = DotRef(q, last, n);
      EXPECT_NEAR(DotProduct(q, last, n), dot.value, Tolerance(dot, n));
      const Ref l2 = L2Ref(q, last, n);
      EXPECT_NEAR(L2Squared(q, last, n), l2.value, Tolerance(l2, n));
      EXPECT_NEAR(out[count - 1], l2.value, Tolerance(l2, n));
    }
  }
}

}  // namespace
}  // namespace semble::core
