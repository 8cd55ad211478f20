// Copyright 2026 The semble Authors.

#include "core/json_parse.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "core/json_writer.h"

namespace semble::core {
namespace {

double ParseOneNumber(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_EQ(ParseJson(parser, json, &root), simdjson::SUCCESS) << json;
  double d = std::nan("");
  EXPECT_EQ(root.at(0).get_double().get(d), simdjson::SUCCESS) << json;
  return d;
}

TEST(JsonParse, WidensOnlyOutOfRangeIntegersOutsideStrings) {
  EXPECT_EQ(WidenOutOfRangeIntegers(R"({"n":50000000000000000000})"),
            R"({"n":50000000000000000000.0})");
  EXPECT_EQ(WidenOutOfRangeIntegers("[18446744073709551615,18446744073709551616]"),
            "[18446744073709551615,18446744073709551616.0]");
  EXPECT_EQ(WidenOutOfRangeIntegers("[-9223372036854775808,-9223372036854775809]"),
            "[-9223372036854775808,-9223372036854775809.0]");
  // Decimals, exponents and strings are left alone, escaped quotes included.
  EXPECT_EQ(WidenOutOfRangeIntegers(R"(["1234567890123456789012\"99999999999999999999",1.5e300])"),
            R"(["1234567890123456789012\"99999999999999999999",1.5e300])");
  EXPECT_EQ(WidenOutOfRangeIntegers("[123456789012345678901234e2]"),
            "[123456789012345678901234e2]");
}

TEST(JsonParse, ReadsIntegerLiteralsOfAnySize) {
  EXPECT_EQ(ParseOneNumber("[50000000000000000000]"), 5e19);
  EXPECT_EQ(ParseOneNumber("[-10000000000000000000]"), -1e19);
  EXPECT_EQ(ParseOneNumber("[18446744073709551616]"), 18446744073709551616.0);
  EXPECT_EQ(ParseOneNumber("[999999999999999999999999999999]"), 1e30);
}

TEST(JsonParse, MalformedNumbersStayRefused) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  for (const char* bad : {"[01]", "[1.]", "[-]", "[1e400]", "[99999999999999999999999x]",
                          "[--5]", "[1e]"}) {
    EXPECT_NE(ParseJson(parser, bad, &root), simdjson::SUCCESS) << bad;
  }
}

// The property the database relies on: whatever finite double semble prints, it reads back to the
// same value (-0 reads back as 0, which compares equal).
TEST(JsonParse, EveryPrintedDoubleReadsBack) {
  std::mt19937_64 rng(20261205);
  std::vector<double> values = {0.0, -0.0, 1.0, -1.0, 5e-324, -5e-324,
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::lowest(),
                                std::numeric_limits<double>::min(), 1e21, 1e21 - 65536, 1e-7,
                                9.999999999999999e-8, 9223372036854775808.0, -9223372036854775808.0,
                                18446744073709551616.0, -18446744073709551616.0, 5e19, -1e19};
  for (int i = 0; i < 200000; ++i) {
    // Uniform over bit patterns covers every exponent; integers near the int64/uint64 edges are
    // where parsers differ, so they get their own share.
    double d = std::bit_cast<double>(rng());
    if (i % 4 == 0) d = std::ldexp(static_cast<double>(rng() >> 11), 10 + static_cast<int>(rng() % 60));
    if (i % 8 == 1) d = -d;
    if (!std::isfinite(d)) continue;
    values.push_back(d);
  }
  simdjson::dom::parser parser;
  for (double d : values) {
    JsonWriter w;
    w.BeginArray().Double(d).EndArray();
    simdjson::dom::element root;
    ASSERT_EQ(ParseJson(parser, w.str(), &root), simdjson::SUCCESS) << w.str();
    double back = std::nan("");
    ASSERT_EQ(root.at(0).get_double().get(back), simdjson::SUCCESS) << w.str();
    ASSERT_EQ(back, d) << w.str();
  }
}

}  // namespace
}  // namespace semble::core
