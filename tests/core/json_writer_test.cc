// Copyright 2026 The semble Authors.

#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <simdjson.h>

#include <cmath>
#include <random>
#include <limits>

namespace semble::core {
namespace {

TEST(JsonWriter, NestingAndCommas) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(1).Key("b").BeginArray().Bool(true).Null().BeginObject().EndObject()
      .EndArray().Key("c").String("x").EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[true,null,{}],"c":"x"})");
  JsonWriter raw;
  raw.BeginArray().Raw(R"({"k":1})").Uint(18446744073709551615ull).Int(-5).EndArray();
  EXPECT_EQ(raw.str(), R"([{"k":1},18446744073709551615,-5])");
}

TEST(JsonWriter, EscapesStrings) {
  std::string out;
  AppendJsonString(&out, "q\"b\\n\n\t\x01\x1f/é");
  EXPECT_EQ(out, "\"q\\\"b\\\\n\\n\\t\\u0001\\u001f/é\"");
}

// Whatever bytes a string holds, the output is valid JSON (issue 10: `semble embed --json` echoed
// a non-UTF-8 input line raw): well-formed UTF-8 passes through, anything else becomes U+FFFD.
TEST(JsonWriter, StringsAreAlwaysValidUtf8Json) {
  auto str = [](std::string_view s) {
    std::string out;
    AppendJsonString(&out, s);
    return out;
  };
  EXPECT_EQ(str("\xea\xb0\x80\xf0\x9f\x98\x80"), "\"\xea\xb0\x80\xf0\x9f\x98\x80\"");
  EXPECT_EQ(str("a\xff" "b"), "\"a\\ufffdb\"");
  EXPECT_EQ(str("\xc0\xaf"), "\"\\ufffd\\ufffd\"");          // overlong '/'
  EXPECT_EQ(str("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  EXPECT_EQ(str("\xea\xb0"), "\"\\ufffd\\ufffd\"");          // cut short
  std::mt19937 rng(9);
  simdjson::dom::parser parser;
  for (int t = 0; t < 20000; ++t) {
    std::string bytes(rng() % 12, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const std::string json = "[" + str(bytes) + "]";
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  }
}

TEST(JsonWriter, NumbersPrintLikeJavaScript) {
  auto d = [](double v) { return JsonWriter().Double(v).str(); };
  auto f = [](float v) { return JsonWriter().Float(v).str(); };
  EXPECT_EQ(d(100000), "100000");
  EXPECT_EQ(d(0), "0");
  EXPECT_EQ(d(-2.5), "-2.5");
  EXPECT_EQ(d(0.1), "0.1");
  EXPECT_EQ(d(1e21), "1e+21");
  EXPECT_EQ(d(123456789012), "123456789012");
  EXPECT_EQ(d(1.5e-8), "1.5e-8");
  EXPECT_EQ(d(-1e-300), "-1e-300");
  EXPECT_EQ(d(-0.0), "0");  // as JavaScript prints it
  EXPECT_EQ(d(5e19), "50000000000000000000");
  EXPECT_EQ(d(18446744073709551616.0), "18446744073709552000");
  EXPECT_EQ(d(123.456), "123.456");
  EXPECT_EQ(d(0.000001), "0.000001");
  EXPECT_EQ(d(1e-7), "1e-7");
  EXPECT_EQ(d(-1.2345e100), "-1.2345e+100");
  EXPECT_EQ(d(5e-324), "5e-324");
  EXPECT_EQ(f(0.1f), "0.1");  // shortest float32 form, not 0.10000000149011612
  EXPECT_EQ(f(175.1f), "175.1");
  EXPECT_EQ(f(-3.25f), "-3.25");
  EXPECT_EQ(d(std::nan("")), "null");
  EXPECT_EQ(f(std::numeric_limits<float>::infinity()), "null");
  // Round trip: every printed float reads back to the same bits.
  for (float v : {1e-7f, 3.14159265f, 1e20f, 6.02e23f, -1.17549435e-38f}) {
    EXPECT_EQ(std::strtof(f(v).c_str(), nullptr), v) << f(v);
  }
}

}  // namespace
}  // namespace semble::core
