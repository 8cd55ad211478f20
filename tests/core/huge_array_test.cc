// Copyright 2026 The semble Authors.

#include "core/huge_array.h"

#include <sys/mman.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace semble::core {
namespace {

// Element i holds a value derived from (seed, i), so that a page moved to the wrong place, lost or
// zeroed shows.
uint32_t Pattern(uint32_t seed, size_t i) { return seed * 2654435761u + static_cast<uint32_t>(i); }

// Grows one element at a time, 1.5x at a time, from small pages across the huge-page threshold,
// checking after every growth that the old elements survived and the new ones are zero.
void GrowAndCheck(uint32_t seed, size_t up_to) {
  HugeArray<uint32_t> a;
  size_t filled = 0;
  for (size_t n = 1; n <= up_to; n = n + n / 2 + 1) {
    a.Grow(n);
    ASSERT_EQ(a.size(), n);
    for (size_t i = 0; i < filled; ++i) ASSERT_EQ(a[i], Pattern(seed, i)) << "n " << n;
    for (size_t i = filled; i < n; ++i) ASSERT_EQ(a[i], 0u) << "n " << n;
    for (size_t i = filled; i < n; ++i) a[i] = Pattern(seed, i);
    filled = n;
  }
}

TEST(HugeArray, GrowthKeepsElementsAndZeroesTheTail) { GrowAndCheck(1, size_t{3} << 20); }

TEST(HugeArray, SmallerGrowIsANoOp) {
  HugeArray<float> a;
  a.Grow(10);
  a[9] = 2.5f;
  a.Grow(5);
  EXPECT_EQ(a.size(), 10u);
  EXPECT_EQ(a[9], 2.5f);
}

// Arrays growing on several threads while others map and unmap memory: a growth must unmap only
// what is still its own. Unmapping the range its pages were moved out of took away mappings
// another thread had just been given there, and the next access to those crashed.
TEST(HugeArray, ConcurrentGrowthLeavesOtherMappingsAlone) {
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int round = 0; round < 20; ++round) GrowAndCheck(t * 100 + round, 20000);
    });
  }
  threads.emplace_back([] {
    for (int round = 0; round < 20000; ++round) {
      void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      ASSERT_NE(p, MAP_FAILED);
      static_cast<volatile char*>(p)[0] = 1;  // faults if someone else unmapped it
      munmap(p, 4096);
    }
  });
  for (auto& t : threads) t.join();
}

}  // namespace
}  // namespace semble::core
