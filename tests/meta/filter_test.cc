// Copyright 2026 The semble Authors.

#include "meta/filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace semble::meta {
namespace {

constexpr size_t kLimit = 2048;

Filter MustParse(std::string_view json) {
  Result<Filter> f = Filter::Parse(json, kLimit);
  EXPECT_TRUE(f.ok()) << json << ": " << f.status().ToString();
  return f.ok() ? std::move(f).value() : Filter();
}

void ExpectRejected(std::string_view json, const std::vector<std::string>& pieces,
                    size_t max_bytes = kLimit) {
  Result<Filter> f = Filter::Parse(json, max_bytes);
  ASSERT_FALSE(f.ok()) << "accepted: " << json;
  EXPECT_TRUE(f.status().IsInvalidArgument()) << f.status().ToString();
  for (const std::string& piece : pieces) {
    EXPECT_NE(f.status().message().find(piece), std::string::npos)
        << "message \"" << f.status().message() << "\" lacks \"" << piece << "\" for " << json;
  }
}

Value Meta(std::string_view json) {
  Result<Value> v = ParseMetadata(json, 10240);
  EXPECT_TRUE(v.ok()) << json << ": " << v.status().ToString();
  return v.ok() ? v.value() : Value();
}

// --- parse errors ---

TEST(FilterParseTest, RejectsInvalidJson) {
  ExpectRejected(R"({"a":)", {"filter is not valid JSON"});
  ExpectRejected("", {"filter is not valid JSON"});
}

TEST(FilterParseTest, RejectsNonObject) {
  for (const char* json : {"[]", "[{\"a\":1}]", "1", "\"a\"", "null", "true"}) {
    ExpectRejected(json, {"filter must be a JSON object"});
  }
}

// What framework clients send for "no filter" (issue 15): every record passes, even one without
// metadata; an empty operator inside stays an error.
TEST(FilterParseTest, EmptyFilterMatchesEverything) {
  auto f = Filter::Parse("{}", 2048);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_TRUE(f->MatchesEverything());
  EXPECT_TRUE(f->Matches(Value()));
  auto g = Filter::Parse(R"({"a":1})", 2048);
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(g->MatchesEverything());
  ExpectRejected(R"({"$and":[]})", {"$and"});
}

TEST(FilterParseTest, RejectsUnknownOperators) {
  ExpectRejected(R"({"$foo":1})", {"filter key \"$foo\"", "unknown operator"});
  ExpectRejected(R"({"$eq":1})", {"\"$eq\"", "unknown operator"});
  ExpectRejected(R"({"$exists":{"a":1}})", {"\"$exists\"", "unknown operator"});
  ExpectRejected(R"({"a":{"$regex":"x"}})", {"filter key \"a\"", "unknown operator \"$regex\""});
  ExpectRejected(R"({"a":{"$EQ":1}})", {"\"a\"", "unknown operator \"$EQ\""});
  ExpectRejected(R"({"a":{"b":1}})", {"\"a\"", "expected an operator", "\"b\""});
  ExpectRejected(R"({"a":{"$eq":1,"b":2}})", {"\"a\"", "expected an operator", "\"b\""});
}

TEST(FilterParseTest, RejectsWrongOperandTypes) {
  ExpectRejected(R"({"a":{"$eq":[1]}})", {"\"a\"", "$eq needs a string, number, boolean or null"});
  ExpectRejected(R"({"a":{"$eq":{"x":1}}})", {"\"a\"", "$eq needs"});
  ExpectRejected(R"({"a":{"$ne":["x"]}})", {"\"a\"", "$ne needs"});
  ExpectRejected(R"({"a":{"$in":"x"}})", {"\"a\"", "$in needs an array"});
  ExpectRejected(R"({"a":{"$in":[["x"]]}})", {"\"a\"", "$in needs an array"});
  ExpectRejected(R"({"a":{"$nin":[{"x":1}]}})", {"\"a\"", "$nin needs an array"});
  ExpectRejected(R"({"a":{"$nin":1}})", {"\"a\"", "$nin needs an array"});
  for (const char* op : {"$lt", "$lte", "$gt", "$gte"}) {
    for (const char* operand : {"true", "null", "[1]", "{}"}) {
      ExpectRejected(std::string(R"({"a":{")") + op + "\":" + operand + "}}",
                     {"\"a\"", std::string(op) + " needs a string or a number"});
    }
  }
  for (const char* operand : {"1", "\"true\"", "null", "[true]"}) {
    ExpectRejected(std::string(R"({"a":{"$exists":)") + operand + "}}",
                   {"\"a\"", "$exists needs a boolean"});
  }
}

TEST(FilterParseTest, RejectsBareArrayValue) {
  ExpectRejected(R"({"tags":["a","b"]})", {"\"tags\"", "$in"});
}

TEST(FilterParseTest, RejectsEmptyOperatorObject) {
  ExpectRejected(R"({"a":{}})", {"\"a\"", "operator object is empty"});
}

TEST(FilterParseTest, RejectsDuplicates) {
  ExpectRejected(R"({"a":1,"a":2})", {"\"a\"", "more than once"});
  ExpectRejected(R"({"a":{"$gt":1,"$gt":2}})", {"\"a\"", "\"$gt\"", "more than once"});
}

TEST(FilterParseTest, RejectsBadLogicalOperands) {
  for (const char* op : {"$and", "$or"}) {
    for (const char* operand :
         {"[]", "{}", "{\"a\":1}", "[1]", "[[{\"a\":1}]]", "[{}]", "[{\"a\":1},{}]", "null"}) {
      ExpectRejected(std::string("{\"") + op + "\":" + operand + "}",
                     {std::string("\"") + op + "\"", "non-empty array"});
    }
  }
  ExpectRejected(R"({"$not":[{"a":1}]})", {"\"$not\"", "needs an object"});
  ExpectRejected(R"({"$not":1})", {"\"$not\"", "needs an object"});
  ExpectRejected(R"({"$not":{}})", {"\"$not\"", "non-empty object"});
  // Errors deep inside are reported too.
  ExpectRejected(R"({"$or":[{"a":1},{"$and":[{"b":{"$in":5}}]}]})", {"\"b\"", "$in needs"});
  ExpectRejected(R"({"$not":{"$not":{"c":{}}}})", {"\"c\"", "operator object is empty"});
}

TEST(FilterParseTest, RejectsBadKeys) {
  ExpectRejected(R"({"":1})", {"filter key \"\"", "must not be empty"});
  ExpectRejected(R"({"a\"b":1})", {"a\\\"b", "must not contain '\"'"});
  ExpectRejected(R"({"a.b.c":1})", {"\"a.b.c\"", "one level of nesting"});
  ExpectRejected(R"({".a":1})", {"\".a\"", "both sides"});
  ExpectRejected(R"({"a.":1})", {"\"a.\"", "both sides"});
  ExpectRejected(R"({"a.$b":1})", {"\"a.$b\"", "must not start with '$'"});
  ExpectRejected("{\"" + std::string(513, 'k') + "\":1}", {"longer than 512 bytes"});
  EXPECT_TRUE(Filter::Parse("{\"" + std::string(512, 'k') + "\":1}", kLimit).ok());
}

TEST(FilterParseTest, SizeLimitAppliesToCompactForm) {
  // {"k":"xx..."} is 8 bytes plus the string.
  std::string exact = R"({"k":")" + std::string(92, 'x') + R"("})";
  EXPECT_TRUE(Filter::Parse(exact, 100).ok());
  ExpectRejected(R"({"k":")" + std::string(93, 'x') + R"("})",
                 {"filter is 101 bytes, the limit is 100"}, 100);
  // Whitespace does not count.
  std::string spaced = "{ \"k\" :\n \"" + std::string(92, 'x') + "\" }";
  EXPECT_TRUE(Filter::Parse(spaced, 100).ok());
}

TEST(FilterParseTest, BuildsTheTree) {
  Filter f =
      MustParse(R"({"genre":"drama","year":{"$gte":1990,"$lt":2000},"p.q":{"$in":[1,"x"]}})");
  const FilterNode& root = f.root();
  ASSERT_EQ(root.kind, FilterNode::Kind::kAnd);
  ASSERT_EQ(root.children.size(), 3u);
  const FilterNode& genre = root.children[0];
  ASSERT_EQ(genre.kind, FilterNode::Kind::kCondition);
  EXPECT_EQ(genre.condition.path, "genre");
  EXPECT_EQ(genre.condition.op, Condition::Op::kEq);
  ASSERT_EQ(genre.condition.operands.size(), 1u);
  EXPECT_EQ(genre.condition.operands[0].string(), "drama");
  const FilterNode& year = root.children[1];
  ASSERT_EQ(year.kind, FilterNode::Kind::kAnd);
  ASSERT_EQ(year.children.size(), 2u);
  EXPECT_EQ(year.children[0].condition.op, Condition::Op::kGte);
  EXPECT_EQ(year.children[0].condition.operands[0].number(), 1990.0);
  EXPECT_EQ(year.children[1].condition.op, Condition::Op::kLt);
  const FilterNode& in = root.children[2];
  EXPECT_EQ(in.condition.path, "p.q");
  EXPECT_EQ(in.condition.op, Condition::Op::kIn);
  ASSERT_EQ(in.condition.operands.size(), 2u);
  EXPECT_EQ(in.condition.operands[1].string(), "x");

  Filter logic = MustParse(R"({"$or":[{"a":1},{"$not":{"b":{"$exists":false}}}]})");
  ASSERT_EQ(logic.root().children.size(), 1u);
  const FilterNode& any = logic.root().children[0];
  ASSERT_EQ(any.kind, FilterNode::Kind::kOr);
  ASSERT_EQ(any.children.size(), 2u);
  ASSERT_EQ(any.children[1].children.size(), 1u);
  EXPECT_EQ(any.children[1].children[0].kind, FilterNode::Kind::kNot);
}

// --- semantics ---

struct Case {
  const char* filter;
  bool expected;
};

void CheckCases(const Value& meta, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    Filter f = MustParse(c.filter);
    EXPECT_EQ(f.Matches(meta), c.expected) << c.filter;
  }
}

const char kRecord[] =
    R"({"s":"drama","n":5,"b":true,"z":null,"tags":["x","y"],"none":[],"o":{"k":"v","n":2},)"
    R"("e":"caf\u00e9","empty":""})";

TEST(FilterMatchTest, EqAndNe) {
  CheckCases(Meta(kRecord), {
                                {R"({"s":"drama"})", true},
                                {R"({"s":{"$eq":"drama"}})", true},
                                {R"({"s":"Drama"})", false},
                                {R"({"s":"dram"})", false},
                                {R"({"n":5})", true},
                                {R"({"n":5.0})", true},
                                {R"({"n":"5"})", false},  // types never mix
                                {R"({"b":true})", true},
                                {R"({"b":1})", false},
                                {R"({"b":"true"})", false},
                                {R"({"b":false})", false},
                                {R"({"empty":""})", true},
                                {R"({"e":"café"})", true},
                                {R"({"s":{"$ne":"drama"}})", false},
                                {R"({"s":{"$ne":"comedy"}})", true},
                                {R"({"n":{"$ne":"5"}})", true},
                                {R"({"b":{"$ne":false}})", true},
                                {R"({"o":{"$eq":"v"}})", false},  // an object is not comparable
                                {R"({"o":{"$ne":"v"}})", true},
                            });
}

TEST(FilterMatchTest, NullAndMissing) {
  CheckCases(Meta(kRecord), {
                                {R"({"z":null})", true},  // explicit null only
                                {R"({"missing":null})", false},
                                {R"({"s":null})", false},
                                {R"({"z":{"$ne":null}})", false},
                                {R"({"s":{"$ne":null}})", true},
                                {R"({"missing":{"$ne":null}})", true},
                                {R"({"missing":"x"})", false},
                                {R"({"missing":{"$ne":"x"}})", true},
                                {R"({"missing":{"$in":["x",null]}})", false},
                                {R"({"missing":{"$nin":["x",null]}})", true},
                                {R"({"missing":{"$lt":100}})", false},
                                {R"({"missing":{"$gte":""}})", false},
                                {R"({"z":{"$in":[null]}})", true},
                                {R"({"z":{"$nin":[null]}})", false},
                                {R"({"z":{"$lt":1}})", false},
                                {R"({"z":{"$gte":""}})", false},
                            });
  // A record without metadata has no fields at all.
  CheckCases(Value(), {
                          {R"({"a":1})", false},
                          {R"({"a":null})", false},
                          {R"({"a":{"$ne":1}})", true},
                          {R"({"a":{"$nin":[1]}})", true},
                          {R"({"a":{"$exists":false}})", true},
                          {R"({"a":{"$exists":true}})", false},
                      });
}

TEST(FilterMatchTest, InAndNin) {
  CheckCases(Meta(kRecord), {
                                {R"({"s":{"$in":["comedy","drama"]}})", true},
                                {R"({"s":{"$in":["comedy"]}})", false},
                                {R"({"s":{"$in":[]}})", false},
                                {R"({"n":{"$in":["5",5]}})", true},
                                {R"({"n":{"$in":["5",true]}})", false},
                                {R"({"b":{"$in":[true]}})", true},
                                {R"({"s":{"$nin":["comedy","drama"]}})", false},
                                {R"({"s":{"$nin":["comedy"]}})", true},
                                {R"({"s":{"$nin":[]}})", true},
                                {R"({"n":{"$nin":[4,6]}})", true},
                                {R"({"b":{"$nin":[false,null]}})", true},
                            });
}

TEST(FilterMatchTest, Ranges) {
  CheckCases(Meta(kRecord),
             {
                 {R"({"n":{"$lt":5}})", false},
                 {R"({"n":{"$lte":5}})", true},
                 {R"({"n":{"$gt":5}})", false},
                 {R"({"n":{"$gte":5}})", true},
                 {R"({"n":{"$gt":4.999}})", true},
                 {R"({"n":{"$lt":5.001}})", true},
                 {R"({"n":{"$gt":-1e300}})", true},
                 {R"({"n":{"$gte":1990,"$lt":2000}})", false},
                 {R"({"n":{"$gte":1,"$lt":6}})", true},
                 {R"({"n":{"$lt":"6"}})", false},  // a string bound never matches a number
                 {R"({"s":{"$lt":6}})", false},
                 {R"({"b":{"$gt":0}})", false},
                 {R"({"o":{"$gt":""}})", false},
                 {R"({"s":{"$gte":"drama"}})", true},
                 {R"({"s":{"$gt":"drama"}})", false},
                 {R"({"s":{"$gt":"dram"}})", true},
                 {R"({"s":{"$lt":"dramas"}})", true},
                 {R"({"s":{"$lte":"drama"}})", true},
                 {R"({"s":{"$lt":"drama"}})", false},
                 {R"({"s":{"$gte":"dr","$lt":"ds"}})", true},  // prefix search
                 {R"({"s":{"$gte":"net","$lt":"neu"}})", false},
                 {R"({"s":{"$gt":"Z"}})", true},  // bytewise: 'd' > 'Z'
                 {R"({"empty":{"$lt":"a"}})", true},
                 {R"({"empty":{"$gt":""}})", false},
                 // Bytes, not code points, and not locale: é (C3 A9) sorts after z (7A).
                 {R"({"e":{"$gt":"cafz"}})", true},
                 {R"({"e":{"$lt":"cafz"}})", false},
                 {R"({"e":{"$lt":"caf\uffff"}})", true},
             });
}

TEST(FilterMatchTest, StringArrays) {
  CheckCases(Meta(kRecord), {
                                {R"({"tags":"x"})", true},  // any element
                                {R"({"tags":"y"})", true},
                                {R"({"tags":"z"})", false},
                                {R"({"tags":{"$ne":"x"}})", false},  // no element may equal
                                {R"({"tags":{"$ne":"z"}})", true},
                                {R"({"tags":{"$in":["q","y"]}})", true},
                                {R"({"tags":{"$in":["q"]}})", false},
                                {R"({"tags":{"$nin":["q","y"]}})", false},
                                {R"({"tags":{"$nin":["q"]}})", true},
                                {R"({"tags":{"$gt":"x"}})", true},  // y > x
                                {R"({"tags":{"$gt":"y"}})", false},
                                {R"({"tags":{"$lt":"y"}})", true},
                                {R"({"tags":{"$lt":"x"}})", false},
                                // Each operator is checked on its own, so different elements may
                                // satisfy different bounds (as in MongoDB without $elemMatch).
                                {R"({"tags":{"$gte":"y","$lte":"x"}})", true},
                                {R"({"tags":1})", false},
                                {R"({"tags":{"$ne":1}})", true},
                                {R"({"tags":null})", false},
                                {R"({"none":"x"})", false},
                                {R"({"none":{"$ne":"x"}})", true},
                                {R"({"none":{"$gte":""}})", false},
                                {R"({"none":{"$exists":true}})", true},
                            });
  CheckCases(Meta(R"({"t":["b","d"]})"), {
                                             {R"({"t":{"$gte":"c","$lte":"c"}})", true},
                                             {R"({"t":{"$gt":"d"}})", false},
                                             {R"({"t":{"$lt":"b"}})", false},
                                             {R"({"t":{"$gt":"a","$lt":"c"}})", true},
                                             {R"({"t":{"$lte":"b"}})", true},
                                         });
}

TEST(FilterMatchTest, NestedKeys) {
  CheckCases(Meta(kRecord), {
                                {R"({"o.k":"v"})", true},
                                {R"({"o.n":{"$gt":1}})", true},
                                {R"({"o.n":{"$gt":2}})", false},
                                {R"({"o.x":{"$exists":false}})", true},
                                {R"({"o.k":{"$exists":true}})", true},
                                {R"({"s.k":{"$exists":true}})", false},  // s is not an object
                                {R"({"s.k":{"$ne":1}})", true},
                                {R"({"o":{"$exists":true}})", true},
                                {R"({"k":"v"})", false},  // nested keys are not top-level keys
                            });
}

TEST(FilterMatchTest, Exists) {
  CheckCases(Meta(kRecord), {
                                {R"({"s":{"$exists":true}})", true},
                                {R"({"z":{"$exists":true}})", true},  // null is present
                                {R"({"z":{"$exists":false}})", false},
                                {R"({"missing":{"$exists":true}})", false},
                                {R"({"missing":{"$exists":false}})", true},
                            });
}

TEST(FilterMatchTest, LogicalOperators) {
  CheckCases(Meta(kRecord),
             {
                 {R"({"s":"drama","n":5})", true},
                 {R"({"s":"drama","n":6})", false},
                 {R"({"$and":[{"s":"drama"},{"n":5}]})", true},
                 {R"({"$and":[{"s":"drama"},{"n":6}]})", false},
                 {R"({"$or":[{"s":"comedy"},{"n":5}]})", true},
                 {R"({"$or":[{"s":"comedy"},{"n":6}]})", false},
                 {R"({"$not":{"s":"drama"}})", false},
                 {R"({"$not":{"s":"comedy"}})", true},
                 {R"({"$not":{"s":"drama","n":6}})", true},  // NOT of the AND
                 {R"({"$not":{"$not":{"n":5}}})", true},
                 {R"({"$or":[{"s":"x"},{"$and":[{"n":{"$gt":1}},{"tags":"y"}]}],"b":true})", true},
                 {R"({"$or":[{"s":"x"},{"$and":[{"n":{"$gt":1}},{"tags":"q"}]}],"b":true})", false},
                 {R"({"$or":[{"missing":{"$exists":true}}],"$not":{"b":false}})", false},
             });
}

TEST(ConditionMatchesTest, DirectCalls) {
  Condition c{"k", Condition::Op::kGte, {Value::Number(2)}};
  Value two = Value::Number(2), one = Value::Number(1), str = Value::String("3");
  EXPECT_TRUE(ConditionMatches(c, &two));
  EXPECT_FALSE(ConditionMatches(c, &one));
  EXPECT_FALSE(ConditionMatches(c, &str));
  EXPECT_FALSE(ConditionMatches(c, nullptr));
  Condition nin{"k", Condition::Op::kNin, {Value::Number(1), Value()}};
  Value null_value;
  EXPECT_TRUE(ConditionMatches(nin, nullptr));
  EXPECT_TRUE(ConditionMatches(nin, &two));
  EXPECT_FALSE(ConditionMatches(nin, &one));
  EXPECT_FALSE(ConditionMatches(nin, &null_value));
  Condition neg_zero{"k", Condition::Op::kEq, {Value::Number(-0.0)}};
  Value zero = Value::Number(0);
  EXPECT_TRUE(ConditionMatches(neg_zero, &zero));
}

}  // namespace
}  // namespace semble::meta
