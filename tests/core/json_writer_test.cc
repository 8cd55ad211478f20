// Copyright 2026 The semble Authors.

#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

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

// The layout JavaScript's Number::toString gives the shortest round-trip digits, written the
// plain way (digits and exponent cut out of std::to_chars' scientific form), to hold the writer's
// faster composition to.
template <typename T>
std::string ReferenceNumber(T v) {
  if (v == 0) return "0";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  std::string out;
  if (sci[0] == '-') {
    out = "-";
    sci.erase(0, 1);
  }
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  const int k = static_cast<int>(digits.size());
  const int n = std::atoi(sci.c_str() + e + 1) + 1;  // v = 0.digits x 10^n
  if (k <= n && n <= 21) return out + digits + std::string(n - k, '0');
  if (0 < n && n <= 21) return out + digits.substr(0, n) + "." + digits.substr(n);
  if (-6 < n && n <= 0) return out + "0." + std::string(-n, '0') + digits;
  out += digits.substr(0, 1);
  if (k > 1) out += "." + digits.substr(1);
  return out + (n - 1 < 0 ? "e-" : "e+") + std::to_string(std::abs(n - 1));
}

float FloatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// Every float the writer prints (embedding answers print hundreds per vector) reads back to the
// same bits and is laid out as JavaScript prints it: all subnormals, a stride through every
// exponent and sign, and the neighbours of the powers of ten where the layout switches form.
TEST(JsonWriter, FloatsReadBackBitExactOverTheWholeRange) {
  // Stops at the first wrong float instead of reporting millions.
  auto check = [](float v) {
    if (HasFatalFailure()) return;
    const std::string text = JsonWriter().Float(v).str();
    ASSERT_EQ(text, ReferenceNumber(v)) << std::hexfloat << v;
    const float back = std::strtof(text.c_str(), nullptr);
    if (v == 0) {
      ASSERT_EQ(back, 0.0f) << text;  // -0 prints as 0, as in JavaScript
    } else {
      ASSERT_EQ(std::memcmp(&back, &v, sizeof(v)), 0) << std::hexfloat << v << " printed " << text;
    }
  };
  for (uint32_t sign : {0u, 0x80000000u}) {
    for (uint32_t m = 0; m < (1u << 23); m += 1 + (m >> 20)) check(FloatFromBits(sign | m));
  }
  for (uint64_t bits = 0; bits < 0x7f800000u; bits += 997) {  // every finite exponent
    check(FloatFromBits(static_cast<uint32_t>(bits)));
    check(FloatFromBits(static_cast<uint32_t>(bits) | 0x80000000u));
  }
  for (int p = -45; p <= 38; ++p) {
    const float ten = std::strtof(("1e" + std::to_string(p)).c_str(), nullptr);
    uint32_t bits;
    std::memcpy(&bits, &ten, sizeof(bits));
    for (uint32_t b = bits < 3 ? 0 : bits - 3; b <= bits + 3; ++b) check(FloatFromBits(b));
  }
  check(std::numeric_limits<float>::max());
  check(std::numeric_limits<float>::min());
  check(std::numeric_limits<float>::denorm_min());
}

TEST(JsonWriter, DoublesAreLaidOutLikeJavaScript) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200000; ++i) {
    const uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof(v));
    if (!std::isfinite(v)) continue;
    ASSERT_EQ(JsonWriter().Double(v).str(), ReferenceNumber(v)) << std::hexfloat << v;
  }
  for (int p = -330; p <= 308; ++p) {
    const double ten = std::strtod(("1e" + std::to_string(p)).c_str(), nullptr);
    for (double v : {ten, std::nextafter(ten, 0.0), std::nextafter(ten, std::numeric_limits<double>::infinity()), -ten}) {
      ASSERT_EQ(JsonWriter().Double(v).str(), ReferenceNumber(v)) << std::hexfloat << v;
    }
  }
}

// FloatArray writes what BeginArray, one Float per value and EndArray write, wherever it stands.
TEST(JsonWriter, FloatArrayWritesWhatFloatsOneByOneWrite) {
  std::mt19937 rng(11);
  std::normal_distribution<float> embedding(0.0f, 0.05f);
  for (int t = 0; t < 2000; ++t) {
    std::vector<float> v(rng() % 400);
    for (float& x : v) {
      switch (rng() % 8) {
        case 0: x = FloatFromBits(static_cast<uint32_t>(rng()));  // any bits: NaN, inf, subnormal
          break;
        case 1: x = -0.0f; break;
        default: x = embedding(rng);
      }
    }
    JsonWriter one, bulk;
    one.BeginObject().Key("a").BeginArray();
    bulk.BeginObject().Key("a").BeginArray();
    for (int rep = 0; rep < 2; ++rep) {
      one.BeginArray();
      for (float x : v) one.Float(x);
      one.EndArray();
      bulk.FloatArray(v.data(), v.size());
    }
    one.EndArray().Key("b").BeginArray();
    bulk.EndArray().Key("b");
    for (float x : v) one.Float(x);
    one.EndArray().Key("c").Int(1).EndObject();
    bulk.FloatArray(v.data(), v.size()).Key("c").Int(1).EndObject();
    ASSERT_EQ(bulk.str(), one.str());
  }
  EXPECT_EQ(JsonWriter().FloatArray(nullptr, 0).str(), "[]");
  const float v[] = {1e-45f, -3.4028235e38f, 0.1f};
  EXPECT_EQ(JsonWriter().FloatArray(v, 3).str(), "[1e-45,-3.4028235e+38,0.1]");
}

}  // namespace
}  // namespace semble::core
