// Copyright 2026 The semble Authors.

#include "core/huge_array.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>
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

// A file of `n` pattern elements after `offset` bytes of something else.
std::string PatternFile(uint32_t seed, size_t offset, size_t n) {
  char path[] = "/tmp/semble-huge-array-XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  std::vector<char> head(offset, 'h');
  EXPECT_EQ(write(fd, head.data(), head.size()), static_cast<ssize_t>(head.size()));
  std::vector<uint32_t> body(n);
  for (size_t i = 0; i < n; ++i) body[i] = Pattern(seed, i);
  EXPECT_EQ(write(fd, body.data(), n * 4), static_cast<ssize_t>(n * 4));
  close(fd);
  return path;
}

std::string FileBytes(const std::string& path) {
  std::string bytes;
  const int fd = open(path.c_str(), O_RDONLY);
  char buf[65536];
  for (ssize_t r; (r = read(fd, buf, sizeof(buf))) > 0;) bytes.append(buf, static_cast<size_t>(r));
  close(fd);
  return bytes;
}

// Pages of a file, mapped copy-on-write: the elements read as in the file, writes stay in memory,
// and growth (twice: the file's pages and the memory after them move separately) keeps every
// element and zeroes the new ones, across the huge-page threshold.
TEST(HugeArray, MappedFilePagesSurviveWritesAndGrowth) {
  const size_t n = 300001;  // not a whole number of pages
  const std::string path = PatternFile(9, 8192, n);
  HugeArray<uint32_t> a;
  const int fd = open(path.c_str(), O_RDONLY);
  ASSERT_TRUE(a.MapFile(fd, 8192, n));
  close(fd);
  unlink(path.c_str());  // the mapping keeps the pages
  ASSERT_EQ(a.size(), n);
  EXPECT_GT(a.file_bytes(), 0u);
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(a[i], Pattern(9, i)) << i;
  for (size_t i = 0; i < n; i += 997) a[i] = ~Pattern(9, i);
  size_t filled = n;
  for (size_t grown : {n + 1000, n * 3, n * 8}) {
    a.Grow(grown);
    ASSERT_EQ(a.size(), grown);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(a[i], i % 997 == 0 ? ~Pattern(9, i) : Pattern(9, i)) << "grown " << grown;
    }
    for (size_t i = n; i < filled; ++i) ASSERT_EQ(a[i], Pattern(10, i)) << "grown " << grown;
    for (size_t i = filled; i < grown; ++i) ASSERT_EQ(a[i], 0u) << "grown " << grown;
    for (size_t i = filled; i < grown; ++i) a[i] = Pattern(10, i);
    filled = grown;
  }
  HugeArray<uint32_t> moved(std::move(a));
  EXPECT_EQ(a.size(), 0u);
  ASSERT_EQ(moved.size(), filled);
  EXPECT_EQ(moved[1], Pattern(9, 1));
  EXPECT_EQ(moved[filled - 1], Pattern(10, filled - 1));
}

TEST(HugeArray, MappingRefusesAnUnalignedOffset) {
  const std::string path = PatternFile(3, 100, 1000);
  HugeArray<uint32_t> a;
  a.Grow(5);
  a[4] = 7;
  const int fd = open(path.c_str(), O_RDONLY);
  EXPECT_FALSE(a.MapFile(fd, 100, 1000));
  close(fd);
  unlink(path.c_str());
  ASSERT_EQ(a.size(), 5u);  // unchanged
  EXPECT_EQ(a[4], 7u);
}

// Writes to a mapped array never reach its file.
TEST(HugeArray, WritesToMappedPagesStayInMemory) {
  const std::string path = PatternFile(5, 4096, 5000);
  const std::string before = FileBytes(path);
  {
    HugeArray<uint32_t> a;
    const int fd = open(path.c_str(), O_RDONLY);
    ASSERT_TRUE(a.MapFile(fd, 4096, 5000));
    close(fd);
    for (size_t i = 0; i < 5000; ++i) a[i] = 0xdeadbeef;
    a.Grow(9000);
    a[8999] = 1;
  }
  EXPECT_EQ(FileBytes(path), before);
  unlink(path.c_str());
}

}  // namespace
}  // namespace semble::core
