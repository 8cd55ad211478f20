// Copyright 2026 The semble Authors.

#include "core/time_format.h"

#include <gtest/gtest.h>

#include <random>

namespace semble::core {
namespace {

TEST(FormatIso8601MillisTest, KnownInstants) {
  EXPECT_EQ(FormatIso8601Millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601Millis(1), "1970-01-01T00:00:00.001Z");
  // The example from Vectorize's info mock (date -u -d 2024-07-19T13:11:44Z +%s = 1721394704).
  EXPECT_EQ(FormatIso8601Millis(1721394704064), "2024-07-19T13:11:44.064Z");
  // A leap day and the last millisecond of a year.
  EXPECT_EQ(FormatIso8601Millis(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601Millis(1704067199999), "2023-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatIso8601Millis(4102444800000), "2100-01-01T00:00:00.000Z");
  // Before the epoch the millisecond part still counts forward within its second.
  EXPECT_EQ(FormatIso8601Millis(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatIso8601Millis(-86400000), "1969-12-31T00:00:00.000Z");
}

// Every instant the server writes reads back to itself in the client: random instants over
// ±300,000 years, every millisecond of a leap second's neighbourhood, and the ends of the range
// where the year has four digits or more.
TEST(Iso8601MillisTest, EveryFormattedInstantReadsBack) {
  std::mt19937_64 rng(7);
  constexpr int64_t kSpan = 300000LL * 366 * 86400000;
  std::uniform_int_distribution<int64_t> any(-kSpan, kSpan);
  std::vector<int64_t> instants = {0, -1, 1, 253402300799999, 253402300800000, -62135596800000,
                                   -62135596800001, 1721394704064};
  for (int i = 0; i < 200000; ++i) instants.push_back(any(rng));
  for (int64_t ms = 1483228790000; ms < 1483228810000; ms += 7) instants.push_back(ms);
  for (int64_t ms : instants) {
    const std::string text = FormatIso8601Millis(ms);
    const std::optional<int64_t> back = ParseIso8601Millis(text);
    ASSERT_TRUE(back.has_value()) << ms << " -> " << text;
    ASSERT_EQ(*back, ms) << text;
  }
}

TEST(Iso8601MillisTest, RefusesWhatIsNotThatForm) {
  EXPECT_EQ(ParseIso8601Millis("2024-07-19T13:11:44Z"), 1721394704000);  // no milliseconds
  for (const char* bad : {"", "2024-07-19", "2024-07-19T13:11:44.064", "2024-13-01T00:00:00.000Z",
                          "2024-07-19T24:00:00.000Z", "2024-07-19T13:11:44.06Z",
                          "2024-07-19T13:11:44.064Z trailing", "x2024-07-19T13:11:44.064Z"}) {
    EXPECT_FALSE(ParseIso8601Millis(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace semble::core
