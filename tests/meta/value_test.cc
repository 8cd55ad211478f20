// Copyright 2026 The semble Authors.

#include "core/utf8.h"
#include "meta/value.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace semble::meta {
namespace {

constexpr size_t kLimit = 10240;

// Parses json, expects InvalidArgument, and checks that the message holds every piece.
void ExpectRejected(std::string_view json, const std::vector<std::string>& pieces,
                    size_t max_bytes = kLimit) {
  Result<Value> r = ParseMetadata(json, max_bytes);
  ASSERT_FALSE(r.ok()) << "accepted: " << json;
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  for (const std::string& piece : pieces) {
    EXPECT_NE(r.status().message().find(piece), std::string::npos)
        << "message \"" << r.status().message() << "\" lacks \"" << piece << "\" for " << json;
  }
}

Value Parsed(std::string_view json) {
  Result<Value> r = ParseMetadata(json, kLimit);
  EXPECT_TRUE(r.ok()) << json << ": " << r.status().ToString();
  return r.ok() ? r.value() : Value();
}

TEST(ParseMetadataTest, AcceptsEveryAllowedKind) {
  Value v = Parsed(
      R"({"s":"drama","n":-2.5,"i":7,"t":true,"f":false,"z":null,"tags":["a","b"],"none":[],)"
      R"("o":{"k":"v","n":1,"tags":["x"],"z":null,"b":false}})");
  ASSERT_EQ(v.kind(), Value::Kind::kObject);
  ASSERT_EQ(v.members().size(), 9u);
  EXPECT_EQ(v.Find("s")->string(), "drama");
  EXPECT_EQ(v.Find("n")->number(), -2.5);
  EXPECT_EQ(v.Find("i")->kind(), Value::Kind::kNumber);
  EXPECT_EQ(v.Find("i")->number(), 7.0);
  EXPECT_TRUE(v.Find("t")->bool_value());
  EXPECT_EQ(v.Find("f")->kind(), Value::Kind::kBool);
  EXPECT_FALSE(v.Find("f")->bool_value());
  EXPECT_TRUE(v.Find("z")->is_null());
  EXPECT_EQ(v.Find("tags")->strings(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(v.Find("none")->kind(), Value::Kind::kStringArray);
  EXPECT_TRUE(v.Find("none")->strings().empty());
  const Value* o = v.Find("o");
  ASSERT_EQ(o->kind(), Value::Kind::kObject);
  EXPECT_EQ(o->Find("k")->string(), "v");
  EXPECT_EQ(o->Find("tags")->strings(), std::vector<std::string>{"x"});
  EXPECT_EQ(v.FindPath("o.n")->number(), 1.0);
  EXPECT_TRUE(v.FindPath("o.z")->is_null());
}

TEST(ParseMetadataTest, KeepsMemberOrder) {
  Value v = Parsed(R"({"z":1,"a":2,"m":{"y":1,"b":2}})");
  ASSERT_EQ(v.members().size(), 3u);
  EXPECT_EQ(v.members()[0].first, "z");
  EXPECT_EQ(v.members()[1].first, "a");
  EXPECT_EQ(v.members()[2].first, "m");
  EXPECT_EQ(v.members()[2].second.members()[0].first, "y");
}

TEST(ParseMetadataTest, EmptyObjectIsValid) {
  Value v = Parsed("{}");
  EXPECT_EQ(v.kind(), Value::Kind::kObject);
  EXPECT_TRUE(v.members().empty());
}

TEST(ParseMetadataTest, RejectsInvalidJson) {
  ExpectRejected(R"({"a":)", {"metadata is not valid JSON"});
  ExpectRejected(R"({"a":1} x)", {"metadata is not valid JSON"});
  ExpectRejected(R"({'a':1})", {"metadata is not valid JSON"});
}

TEST(ParseMetadataTest, RejectsEmptyText) {
  ExpectRejected("", {"not valid JSON"});
  ExpectRejected("  \n ", {"not valid JSON"});
}

TEST(ParseMetadataTest, RejectsNonObjectTop) {
  for (const char* json : {"[1,2]", "\"text\"", "12", "null", "true", "[]"}) {
    ExpectRejected(json, {"metadata must be a JSON object"});
  }
}

TEST(ParseMetadataTest, RejectsEmptyKey) {
  ExpectRejected(R"({"":1})", {"must not be empty"});
  ExpectRejected(R"({"parent":{"":1}})", {"must not be empty", "parent"});
}

TEST(ParseMetadataTest, RejectsDotInKey) {
  ExpectRejected(R"({"a.b":1})", {"\"a.b\"", "must not contain '.'"});
  ExpectRejected(R"({"p":{"c.d":1}})", {"c.d", "must not contain '.'"});
}

TEST(ParseMetadataTest, RejectsQuoteInKey) {
  ExpectRejected(R"({"say\"hi":1})", {"say\\\"hi", "must not contain '\"'"});
  ExpectRejected(R"({"p":{"q\"":1}})", {"q\\\"", "must not contain '\"'"});
}

TEST(ParseMetadataTest, RejectsDollarKey) {
  ExpectRejected(R"({"$price":1})", {"\"$price\"", "must not start with '$'"});
  ExpectRejected(R"({"p":{"$in":1}})", {"$in", "must not start with '$'"});
  // '$' elsewhere in a key is fine.
  EXPECT_EQ(Parsed(R"({"us$":1})").Find("us$")->number(), 1.0);
}

TEST(ParseMetadataTest, RejectsDuplicateKeys) {
  ExpectRejected(R"({"genre":1,"genre":2})", {"\"genre\"", "more than once"});
  ExpectRejected(R"({"p":{"k":1,"k":"x"}})", {"p.k", "more than once"});
  // The same name at different levels is not a duplicate.
  EXPECT_EQ(Parsed(R"({"k":1,"p":{"k":2}})").FindPath("p.k")->number(), 2.0);
}

TEST(ParseMetadataTest, RejectsArraysOfNonStrings) {
  for (const char* items : {"[1]", R"(["a",2])", "[null]", "[true]", R"([["a"]])", "[{}]"}) {
    ExpectRejected(std::string(R"({"tags":)") + items + "}",
                   {"\"tags\"", "must be an array of strings"});
  }
  ExpectRejected(R"({"o":{"nums":[1,2]}})", {"o.nums", "must be an array of strings"});
}

TEST(ParseMetadataTest, RejectsDeeperNesting) {
  ExpectRejected(R"({"a":{"b":{"c":1}}})", {"\"a.b\"", "one nested level"});
  ExpectRejected(R"({"a":{"b":{}}})", {"\"a.b\"", "one nested level"});
}

TEST(ParseMetadataTest, RejectsInvalidUtf8) {
  ExpectRejected("{\"k\":\"\xff\"}", {"not valid JSON"});
  ExpectRejected("{\"\xc3\":1}", {"not valid JSON"});
  // Escapes that decode to a lone surrogate are not UTF-8 either.
  ExpectRejected(R"({"k":"\udc00"})", {"not valid JSON"});
  ExpectRejected(R"({"k":["ok","\ud800"]})", {"not valid JSON"});
}

TEST(ParseMetadataTest, SizeLimitAppliesToCompactForm) {
  // {"k":"xxx..."}: 8 bytes of syntax plus the string.
  std::string exact = R"({"k":")" + std::string(kLimit - 8, 'x') + R"("})";
  ASSERT_EQ(exact.size(), kLimit);
  EXPECT_TRUE(ParseMetadata(exact, kLimit).ok());
  std::string over = R"({"k":")" + std::string(kLimit - 7, 'x') + R"("})";
  ExpectRejected(over, {"metadata is 10241 bytes, the limit is 10240"});

  // Whitespace does not count...
  std::string spaced = R"({ "k" :   ")" + std::string(kLimit - 8, 'x') + "\"\n\n }";
  EXPECT_TRUE(ParseMetadata(spaced, kLimit).ok());
  // ...but the stored spelling of numbers does: 1e3 is stored as 1000.
  EXPECT_TRUE(ParseMetadata(R"({"a":1e3})", 10).ok());
  ExpectRejected(R"({"a":1e3})", {"metadata is 10 bytes, the limit is 9"}, 9);
  // Escapes count once decoded: "\u00e9" is stored as the two bytes of é.
  EXPECT_TRUE(ParseMetadata(R"({"a":"\u00e9"})", 10).ok());
  ExpectRejected(R"({"a":"\u00e9"})", {"is 10 bytes, the limit is 9"}, 9);
}

TEST(ParseMetadataTest, NumbersBecomeDoubles) {
  Value v = Parsed(R"({"a":9007199254740993,"b":18446744073709551615,"c":-3,"d":1e-300})");
  EXPECT_EQ(v.Find("a")->number(), 9007199254740992.0);
  EXPECT_EQ(v.Find("b")->number(), 18446744073709551616.0);
  EXPECT_EQ(v.Find("c")->number(), -3.0);
  EXPECT_EQ(v.Find("d")->number(), 1e-300);
  // JSON has no infinity, and simdjson refuses numbers that overflow a double.
  ExpectRejected(R"({"a":1e400})", {"not valid JSON"});
}

TEST(ToJsonTest, WritesCompactJson) {
  Value v = Parsed(
      " { \"s\" : \"a\\\"b\\\\c\\n\" , \"n\" : 1.50, \"i\": 100 , \"t\":true, \"z\" : null,"
      " \"tags\" : [ \"x\" , \"y\" ], \"e\": [], \"o\" : { \"k\" : 2e0 } } ");
  EXPECT_EQ(ToJson(v),
            R"({"s":"a\"b\\c\n","n":1.5,"i":100,"t":true,"z":null,"tags":["x","y"],"e":[],)"
            R"("o":{"k":2}})");
  EXPECT_EQ(ToJson(Value()), "null");
  EXPECT_EQ(ToJson(Value::Object({})), "{}");
}

TEST(ToJsonTest, RoundTripsThroughParse) {
  std::vector<Value::Member> nested;
  nested.emplace_back("k", Value::String("\xea\xb0\x80 \x01 tab\t"));
  nested.emplace_back("neg", Value::Number(-0.1));
  nested.emplace_back("arr", Value::StringArray({"", "\"q\"", "\\"}));
  std::vector<Value::Member> members;
  members.emplace_back("tiny", Value::Number(5e-324));
  members.emplace_back("huge", Value::Number(1.7976931348623157e308));
  members.emplace_back("third", Value::Number(1.0 / 3));
  members.emplace_back("int", Value::Number(-42));
  members.emplace_back("t", Value::Bool(true));
  members.emplace_back("f", Value::Bool(false));
  members.emplace_back("z", Value());
  members.emplace_back("nul", Value::String(std::string("a\0b", 3)));
  members.emplace_back("o", Value::Object(std::move(nested)));
  Value original = Value::Object(std::move(members));

  std::string json = ToJson(original);
  Result<Value> back = ParseMetadata(json, kLimit);
  ASSERT_TRUE(back.ok()) << json << ": " << back.status().ToString();
  EXPECT_TRUE(back.value() == original) << json;
  EXPECT_EQ(ToJson(back.value()), json);
  EXPECT_EQ(back->Find("nul")->string().size(), 3u);
  EXPECT_EQ(back->Find("third")->number(), 1.0 / 3);
}

// The property that keeps a database openable: every metadata value ParseMetadata accepts, once
// stored as ToJson, parses back to an equal value with the same text. Numbers are drawn over the
// whole float64 range, integers beyond int64/uint64 included (the literals that once made a data
// directory unopenable).
TEST(ToJsonTest, EveryAcceptedValueReadsBack) {
  std::mt19937_64 rng(42);
  auto number = [&]() -> double {
    for (;;) {
      double d;
      switch (rng() % 4) {
        case 0: d = std::bit_cast<double>(rng()); break;
        case 1: d = std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 90)); break;
        case 2: d = static_cast<double>(static_cast<int64_t>(rng())); break;
        default: d = static_cast<double>(rng()); break;
      }
      if (rng() % 2) d = -d;
      if (std::isfinite(d)) return d;
    }
  };
  auto text = [&]() {
    static const char* pieces[] = {"a", "\"", "\\", "\x01", "\t", "\xea\xb0\x80", "\xf0\x9f\x98\x80", " ", "/"};
    std::string t;
    for (int n = rng() % 5; n > 0; --n) t += pieces[rng() % 9];
    return t;
  };
  auto scalar = [&]() -> Value {
    switch (rng() % 5) {
      case 0: return Value();
      case 1: return Value::Bool(rng() % 2);
      case 2: return Value::String(text());
      case 3: return Value::StringArray({text(), text()});
      default: return Value::Number(number());
    }
  };
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<Value::Member> members;
    for (int k = rng() % 6; k >= 0; --k) {
      std::string key = "k" + std::to_string(k);
      if (rng() % 5 == 0) {
        std::vector<Value::Member> inner;
        for (int j = rng() % 3; j >= 0; --j) inner.emplace_back("n" + std::to_string(j), scalar());
        members.emplace_back(key, Value::Object(std::move(inner)));
      } else {
        members.emplace_back(key, scalar());
      }
    }
    const Value original = Value::Object(std::move(members));
    const std::string json = ToJson(original);
    Result<Value> back = ParseMetadata(json, SIZE_MAX);
    ASSERT_TRUE(back.ok()) << json << ": " << back.status().ToString();
    ASSERT_TRUE(back.value() == original) << json;
    ASSERT_EQ(ToJson(back.value()), json);
  }
}

TEST(ParseMetadataTest, AcceptsIntegerLiteralsOfAnySize) {
  // JavaScript's JSON.stringify(5e19) is "50000000000000000000": what JS clients send.
  Value v = Parsed(R"({"a":50000000000000000000,"b":-10000000000000000000,"c":18446744073709551615})");
  EXPECT_EQ(v.Find("a")->number(), 5e19);
  EXPECT_EQ(v.Find("b")->number(), -1e19);
  EXPECT_EQ(v.Find("c")->number(), 18446744073709551615.0);
  EXPECT_EQ(ToJson(v), R"({"a":50000000000000000000,"b":-10000000000000000000,"c":18446744073709552000})");
}

TEST(ValueTest, EqualityComparesKindAndContent) {
  EXPECT_TRUE(Value() == Value());
  EXPECT_FALSE(Value::Number(1) == Value::Bool(true));
  EXPECT_FALSE(Value::String("1") == Value::Number(1));
  EXPECT_FALSE(Value() == Value::String(""));
  EXPECT_TRUE(Value::Number(0.0) == Value::Number(-0.0));
  EXPECT_FALSE(Value::StringArray({"a"}) == Value::String("a"));
  EXPECT_FALSE(Value::StringArray({"a", "b"}) == Value::StringArray({"b", "a"}));
  // Objects are equal whatever the order of their members.
  Value ab = Parsed(R"({"a":1,"b":{"x":true,"y":null}})");
  Value ba = Parsed(R"({"b":{"y":null,"x":true},"a":1})");
  EXPECT_TRUE(ab == ba);
  EXPECT_FALSE(ab == Parsed(R"({"a":1,"b":{"x":true}})"));
  EXPECT_FALSE(ab == Parsed(R"({"a":1,"b":{"x":true,"y":false}})"));
  EXPECT_FALSE(ab == Parsed(R"({"a":1,"c":{"x":true,"y":null}})"));
}

TEST(ValueTest, FindAndFindPath) {
  Value v = Parsed(R"({"a":1,"p":{"c":"x"},"s":"str"})");
  EXPECT_EQ(v.Find("a")->number(), 1.0);
  EXPECT_EQ(v.Find("c"), nullptr);  // nested keys are not top-level keys
  EXPECT_EQ(v.FindPath("p.c")->string(), "x");
  EXPECT_EQ(v.FindPath("p")->kind(), Value::Kind::kObject);
  EXPECT_EQ(v.FindPath("p.d"), nullptr);
  EXPECT_EQ(v.FindPath("s.c"), nullptr);  // parent is not an object
  EXPECT_EQ(v.FindPath("q.c"), nullptr);  // parent missing
  EXPECT_EQ(v.FindPath("p.c.d"), nullptr);
  EXPECT_EQ(v.FindPath(""), nullptr);
  EXPECT_EQ(Value().Find("a"), nullptr);
  EXPECT_EQ(Value::String("a").FindPath("a"), nullptr);
}

}  // namespace
}  // namespace semble::meta
