// Copyright 2026 The semble Authors.

#include "core/column_select.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace semble::core {
namespace {

std::vector<uint32_t> Reference(const std::vector<double>& v, double lo, double hi, uint32_t base) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] >= lo && v[i] <= hi) out.push_back(base + static_cast<uint32_t>(i));
  }
  return out;
}

std::vector<uint32_t> Select(const std::vector<double>& v, double lo, double hi, uint32_t base) {
  std::vector<uint32_t> out(v.size() + 1, 0xDEADBEEF);
  const size_t m = SelectInRange(v.data(), v.size(), lo, hi, base, out.data());
  EXPECT_LE(m, v.size());
  out.resize(m);
  return out;
}

// Every length around the vector widths, values with ties, NaNs, signed zeros and infinities, and
// bounds inside, outside, on the values and reversed.
TEST(SelectInRangeTest, MatchesTheScalarSelectionAtEveryLengthAndBound) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::mt19937_64 rng(11);
  int nonempty = 0, partial = 0;
  for (size_t n : {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 100, 1000, 4099}) {
    std::vector<double> v(n);
    for (double& x : v) {
      switch (rng() % 8) {
        case 0:
          x = nan;
          break;
        case 1:
          x = (rng() % 2) ? 0.0 : -0.0;
          break;
        case 2:
          x = static_cast<double>(rng() % 5);  // ties
          break;
        default:
          x = std::ldexp(static_cast<double>(rng() % 2001) - 1000.0, -4);
      }
    }
    const double bounds[][2] = {{-inf, inf}, {0.0, 0.0},  {-0.0, 0.0},   {1.0, 3.0},
                                {3.0, 1.0},  {-5.0, 5.0}, {-inf, -61.5}, {62.5, inf},
                                {2.0, 2.0},  {-inf, nan}, {nan, inf},    {1e300, inf}};
    for (const auto& b : bounds) {
      for (uint32_t base : {0u, 7u, 4096u}) {
        const std::vector<uint32_t> want = Reference(v, b[0], b[1], base);
        EXPECT_EQ(Select(v, b[0], b[1], base), want)
            << "n " << n << " [" << b[0] << ", " << b[1] << "] base " << base;
        nonempty += !want.empty();
        partial += !want.empty() && want.size() < n;
      }
    }
  }
  EXPECT_GT(nonempty, 100);
  EXPECT_GT(partial, 100);
}

}  // namespace
}  // namespace semble::core
