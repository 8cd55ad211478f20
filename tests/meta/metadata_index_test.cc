// Copyright 2026 The semble Authors.

#include "meta/metadata_index.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace semble::meta {
namespace {

Value Meta(std::string_view json) {
  Result<Value> v = ParseMetadata(json, 1 << 20);
  EXPECT_TRUE(v.ok()) << json << ": " << v.status().ToString();
  return v.ok() ? v.value() : Value();
}

// The slots whose metadata (null: none stored) the filter matches, by the filter's own evaluation.
roaring::Roaring MatchesOf(const Filter& f, const std::vector<Value>& md) {
  roaring::Roaring out;
  for (uint32_t slot = 0; slot < md.size(); ++slot) {
    if (!md[slot].is_null() && f.Matches(md[slot])) out.add(slot);
  }
  return out;
}

// Asks `set` for the candidates of the filter `json` and expects them to be exactly its matches
// in `md`; returns those matches (empty after a failure).
roaring::Roaring ExpectExactCandidates(const MetadataIndexSet& set, const std::string& json,
                                       const std::vector<Value>& md) {
  Result<Filter> f = Filter::Parse(json, 1 << 20);
  EXPECT_TRUE(f.ok()) << json;
  if (!f.ok()) return {};
  const roaring::Roaring truth = MatchesOf(f.value(), md);
  bool exact = false;
  std::optional<roaring::Roaring> cand = set.Candidates(f.value(), &exact);
  EXPECT_TRUE(cand.has_value()) << json;
  EXPECT_TRUE(exact) << json;
  EXPECT_TRUE(cand.has_value() && *cand == truth)
      << json << ": " << (cand ? cand->cardinality() : 0) << " candidates, " << truth.cardinality()
      << " matches";
  return truth;
}

Condition Cond(std::string path, Condition::Op op, std::vector<Value> operands) {
  return Condition{std::move(path), op, std::move(operands)};
}

std::vector<uint32_t> Slots(const roaring::Roaring& r) {
  std::vector<uint32_t> out;
  for (uint32_t s : r) out.push_back(s);
  return out;
}

using Slotv = std::vector<uint32_t>;

// Candidates of one condition as a slot list; fails the test when the index cannot answer.
Slotv Answer(const MetadataIndex& index, const Condition& c) {
  std::optional<roaring::Roaring> r = index.Candidates(c);
  EXPECT_TRUE(r.has_value());
  return r ? Slots(*r) : Slotv{999999};
}

Slotv Answer(const MetadataIndexSet& set, std::string_view filter_json) {
  Result<Filter> f = Filter::Parse(filter_json, 1 << 20);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  if (!f.ok()) return {999999};
  std::optional<roaring::Roaring> r = set.Candidates(f.value());
  EXPECT_TRUE(r.has_value()) << filter_json;
  return r ? Slots(*r) : Slotv{999999};
}

bool Unanswerable(const MetadataIndexSet& set, std::string_view filter_json) {
  Result<Filter> f = Filter::Parse(filter_json, 1 << 20);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() && !set.Candidates(f.value()).has_value();
}

TEST(MetadataIndexTest, StringEqualityAndArrays) {
  MetadataIndex index({"g", MetadataIndexType::kString}, 64);
  index.Add(0, Meta(R"({"g":"drama"})"));
  index.Add(1, Meta(R"({"g":"comedy"})"));
  index.Add(2, Meta(R"({"g":["drama","horror"]})"));
  index.Add(3, Meta(R"({"g":5})"));
  index.Add(4, Meta(R"({"h":"drama"})"));
  index.Add(5, Value());
  index.Add(6, Meta(R"({"g":[]})"));
  EXPECT_EQ(Answer(index, Cond("g", Condition::Op::kEq, {Value::String("drama")})), (Slotv{0, 2}));
  EXPECT_EQ(Answer(index, Cond("g", Condition::Op::kEq, {Value::String("horror")})), Slotv{2});
  EXPECT_EQ(Answer(index, Cond("g", Condition::Op::kEq, {Value::String("none")})), Slotv{});
  EXPECT_EQ(Answer(index, Cond("g", Condition::Op::kIn,
                               {Value::String("comedy"), Value::String("horror")})),
            (Slotv{1, 2}));
  EXPECT_EQ(Answer(index, Cond("g", Condition::Op::kIn, {})), Slotv{});
}

TEST(MetadataIndexTest, UnanswerableConditions) {
  MetadataIndex strings({"g", MetadataIndexType::kString}, 64);
  MetadataIndex numbers({"n", MetadataIndexType::kNumber}, 64);
  MetadataIndex bools({"b", MetadataIndexType::kBoolean}, 64);
  strings.Add(0, Meta(R"({"g":"5","n":5,"b":true})"));
  numbers.Add(0, Meta(R"({"g":"5","n":5,"b":true})"));
  bools.Add(0, Meta(R"({"g":"5","n":5,"b":true})"));
  // Operands of another type can match values this index does not hold.
  EXPECT_FALSE(strings.Candidates(Cond("g", Condition::Op::kEq, {Value::Number(5)})));
  EXPECT_FALSE(strings.Candidates(Cond("g", Condition::Op::kEq, {Value()})));
  EXPECT_FALSE(
      strings.Candidates(Cond("g", Condition::Op::kIn, {Value::String("5"), Value::Bool(true)})));
  EXPECT_FALSE(strings.Candidates(Cond("g", Condition::Op::kLt, {Value::Number(9)})));
  EXPECT_FALSE(numbers.Candidates(Cond("n", Condition::Op::kEq, {Value::String("5")})));
  EXPECT_FALSE(numbers.Candidates(Cond("n", Condition::Op::kGte, {Value::String("")})));
  EXPECT_FALSE(numbers.Candidates(Cond("n", Condition::Op::kIn, {Value::Number(5), Value()})));
  EXPECT_FALSE(bools.Candidates(Cond("b", Condition::Op::kEq, {Value::Number(1)})));
  EXPECT_FALSE(bools.Candidates(Cond("b", Condition::Op::kGt, {Value::Number(0)})));
  // Operators that match records without an indexed value.
  for (const MetadataIndex* index : {&strings, &numbers, &bools}) {
    const std::string& p = index->description().property_name;
    Value operand = p == "g" ? Value::String("5") : p == "n" ? Value::Number(5) : Value::Bool(true);
    EXPECT_FALSE(index->Candidates(Cond(p, Condition::Op::kNe, {operand})));
    EXPECT_FALSE(index->Candidates(Cond(p, Condition::Op::kNin, {operand})));
    EXPECT_FALSE(index->Candidates(Cond(p, Condition::Op::kExists, {Value::Bool(true)})));
    EXPECT_FALSE(index->Candidates(Cond(p, Condition::Op::kExists, {Value::Bool(false)})));
    EXPECT_TRUE(index->Candidates(Cond(p, Condition::Op::kEq, {operand})));
    // Another property's condition is not this index's business.
    EXPECT_FALSE(index->Candidates(Cond("other", Condition::Op::kEq, {operand})));
  }
}

TEST(MetadataIndexTest, NumberRanges) {
  MetadataIndex index({"n", MetadataIndexType::kNumber}, 64);
  const double values[] = {-3, -0.0, 1, 2.5, 2.5, 10};
  for (uint32_t slot = 0; slot < std::size(values); ++slot) {
    std::vector<Value::Member> m;
    m.emplace_back("n", Value::Number(values[slot]));
    index.Add(slot, Value::Object(std::move(m)));
  }
  auto ans = [&](Condition::Op op, double x) {
    return Answer(index, Cond("n", op, {Value::Number(x)}));
  };
  EXPECT_EQ(ans(Condition::Op::kEq, 2.5), (Slotv{3, 4}));
  EXPECT_EQ(ans(Condition::Op::kEq, 0), Slotv{1});
  EXPECT_EQ(ans(Condition::Op::kLt, 2.5), (Slotv{0, 1, 2}));
  EXPECT_EQ(ans(Condition::Op::kLte, 2.5), (Slotv{0, 1, 2, 3, 4}));
  EXPECT_EQ(ans(Condition::Op::kGt, 2.5), Slotv{5});
  EXPECT_EQ(ans(Condition::Op::kGte, 2.5), (Slotv{3, 4, 5}));
  EXPECT_EQ(ans(Condition::Op::kGt, 10), Slotv{});
  EXPECT_EQ(ans(Condition::Op::kLt, -3), Slotv{});
  EXPECT_EQ(ans(Condition::Op::kGte, -1e308), (Slotv{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(Answer(index, Cond("n", Condition::Op::kIn, {Value::Number(1), Value::Number(10)})),
            (Slotv{2, 5}));
}

TEST(MetadataIndexTest, Booleans) {
  MetadataIndex index({"b", MetadataIndexType::kBoolean}, 64);
  index.Add(0, Meta(R"({"b":true})"));
  index.Add(1, Meta(R"({"b":false})"));
  index.Add(2, Meta(R"({"b":"true"})"));
  index.Add(3, Meta(R"({"b":1})"));
  index.Add(4, Meta(R"({"b":true})"));
  EXPECT_EQ(Answer(index, Cond("b", Condition::Op::kEq, {Value::Bool(true)})), (Slotv{0, 4}));
  EXPECT_EQ(Answer(index, Cond("b", Condition::Op::kEq, {Value::Bool(false)})), Slotv{1});
  EXPECT_EQ(Answer(index, Cond("b", Condition::Op::kIn, {Value::Bool(false), Value::Bool(true)})),
            (Slotv{0, 1, 4}));
}

TEST(MetadataIndexTest, LongStringsShareTheirPrefix) {
  MetadataIndex index({"u", MetadataIndexType::kString}, 64);
  std::string base(64, 'p');
  std::vector<Value::Member> a, b, c;
  a.emplace_back("u", Value::String(base + "-one"));
  b.emplace_back("u", Value::String(base + "-two"));
  c.emplace_back("u", Value::String(base));
  index.Add(0, Value::Object(a));
  index.Add(1, Value::Object(b));
  index.Add(2, Value::Object(c));
  // $eq cannot tell them apart: all three are candidates; the filter check decides.
  EXPECT_EQ(Answer(index, Cond("u", Condition::Op::kEq, {Value::String(base + "-one")})),
            (Slotv{0, 1, 2}));
  EXPECT_EQ(Answer(index, Cond("u", Condition::Op::kEq, {Value::String(base + "-zzz")})),
            (Slotv{0, 1, 2}));
  // A string shorter than the prefix is exact.
  EXPECT_EQ(Answer(index, Cond("u", Condition::Op::kEq, {Value::String(base.substr(1))})), Slotv{});
  // Ranges whose bound lies beyond the prefix must keep the truncated keys.
  EXPECT_EQ(Answer(index, Cond("u", Condition::Op::kGt, {Value::String(base + "-p")})),
            (Slotv{0, 1, 2}));
  EXPECT_EQ(Answer(index, Cond("u", Condition::Op::kLt, {Value::String(base + "-p")})),
            (Slotv{0, 1, 2}));
  EXPECT_EQ(Answer(index, Cond("u", Condition::Op::kLt, {Value::String(base)})), Slotv{});
  EXPECT_EQ(Answer(index, Cond("u", Condition::Op::kGte, {Value::String("q")})), Slotv{});
}

TEST(MetadataIndexTest, RangesSurviveCutsInsideMultibyteCharacters) {
  // With a 3-byte prefix "x\xc3\xa9" (xé) is kept whole but "x\xed\x95\x9cz" (x한z) is cut to "x",
  // so the stored keys do not sort like the values: xé < x한z, yet "xé" > "x".
  MetadataIndex index({"s", MetadataIndexType::kString}, 3);
  index.Add(0, Meta(R"({"s":"x\u00e9"})"));
  index.Add(1, Meta(R"({"s":"x\ud55cz"})"));
  index.Add(2, Meta(R"({"s":"w"})"));
  auto ans = [&](Condition::Op op, const char* x) {
    return Answer(index, Cond("s", op, {Value::String(x)}));
  };
  EXPECT_EQ(ans(Condition::Op::kGt, "x\xed\x95\x9c"), Slotv{1});  // x한z > x한
  EXPECT_EQ(ans(Condition::Op::kGte, "x\xed\x95\x9cz"), Slotv{1});
  // x한z > xé; the key "xé" itself stays a candidate, since a longer value may have been cut to it.
  EXPECT_EQ(ans(Condition::Op::kGt, "x\xc3\xa9"), (Slotv{0, 1}));
  EXPECT_EQ(ans(Condition::Op::kLt, "x\xed\x95\x9c"), (Slotv{0, 1, 2}));
  EXPECT_EQ(ans(Condition::Op::kLte, "x\xc3\xa9"), (Slotv{0, 1, 2}));
  EXPECT_EQ(ans(Condition::Op::kLt, "x"), Slotv{2});
  EXPECT_EQ(ans(Condition::Op::kEq, "x\xed\x95\x9c"), Slotv{1});  // same cut as x한z
}

TEST(MetadataIndexTest, RemoveTakesSlotsOut) {
  MetadataIndex s({"s", MetadataIndexType::kString}, 64);
  MetadataIndex n({"n", MetadataIndexType::kNumber}, 64);
  MetadataIndex b({"b", MetadataIndexType::kBoolean}, 64);
  Value m0 = Meta(R"({"s":["a","b","a"],"n":1,"b":true})");
  Value m1 = Meta(R"({"s":"a","n":1,"b":true})");
  for (MetadataIndex* index : {&s, &n, &b}) {
    index->Add(0, m0);
    index->Add(1, m1);
    index->Remove(0, m0);
  }
  EXPECT_EQ(Answer(s, Cond("s", Condition::Op::kEq, {Value::String("a")})), Slotv{1});
  EXPECT_EQ(Answer(s, Cond("s", Condition::Op::kEq, {Value::String("b")})), Slotv{});
  EXPECT_EQ(Answer(s, Cond("s", Condition::Op::kGte, {Value::String("")})), Slotv{1});
  EXPECT_EQ(Answer(n, Cond("n", Condition::Op::kGte, {Value::Number(0)})), Slotv{1});
  EXPECT_EQ(Answer(b, Cond("b", Condition::Op::kEq, {Value::Bool(true)})), Slotv{1});
  for (MetadataIndex* index : {&s, &n, &b}) index->Remove(1, m1);
  EXPECT_EQ(Answer(s, Cond("s", Condition::Op::kLt, {Value::String("zzz")})), Slotv{});
  EXPECT_EQ(Answer(n, Cond("n", Condition::Op::kLt, {Value::Number(9)})), Slotv{});
  EXPECT_EQ(Answer(b, Cond("b", Condition::Op::kIn, {Value::Bool(true), Value::Bool(false)})),
            Slotv{});
}

TEST(MetadataIndexTest, IndexedValue) {
  MetadataIndex s({"p.s", MetadataIndexType::kString}, 4);
  MetadataIndex n({"n", MetadataIndexType::kNumber}, 4);
  Value m = Meta(R"({"n":"not a number","p":{"s":"\ud55c\uad6d"}})");
  EXPECT_EQ(s.IndexedValue(m), Value::String("\xed\x95\x9c"));  // 한국 cut to 한
  EXPECT_FALSE(n.IndexedValue(m).has_value());
  EXPECT_EQ(s.IndexedValue(Meta(R"({"p":{"s":["abcdef","xy"]}})")),
            Value::StringArray({"abcd", "xy"}));
  EXPECT_FALSE(s.IndexedValue(Meta(R"({"p":{"s":[]}})")).has_value());
  EXPECT_FALSE(s.IndexedValue(Value()).has_value());
}

TEST(MetadataIndexSetTest, CreateFindRemoveList) {
  MetadataIndexSet set(64);
  EXPECT_NE(set.Create({"b", MetadataIndexType::kBoolean}), nullptr);
  EXPECT_NE(set.Create({"a.x", MetadataIndexType::kNumber}), nullptr);
  EXPECT_EQ(set.Create({"b", MetadataIndexType::kString}), nullptr);  // one index per property
  EXPECT_NE(set.Create({"c", MetadataIndexType::kString}), nullptr);
  ASSERT_EQ(set.size(), 3u);
  std::vector<MetadataIndexDescription> list = set.List();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].property_name, "b");
  EXPECT_EQ(list[0].type, MetadataIndexType::kBoolean);
  EXPECT_EQ(list[1].property_name, "a.x");
  EXPECT_EQ(list[2].property_name, "c");
  EXPECT_EQ(set.Find("a.x")->description().type, MetadataIndexType::kNumber);
  EXPECT_EQ(set.Find("a"), nullptr);
  EXPECT_TRUE(set.Remove("a.x"));
  EXPECT_FALSE(set.Remove("a.x"));
  EXPECT_EQ(set.Find("a.x"), nullptr);
  EXPECT_EQ(set.List().size(), 2u);
  EXPECT_EQ(set.List()[1].property_name, "c");
}

class IndexSetFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_.Create({"g", MetadataIndexType::kString});
    set_.Create({"y", MetadataIndexType::kNumber});
    set_.Create({"p.ok", MetadataIndexType::kBoolean});
    const char* records[] = {
        R"({"g":"drama","y":1990,"p":{"ok":true},"u":1})",
        R"({"g":"comedy","y":1995,"p":{"ok":false},"u":2})",
        R"({"g":"drama","y":2005,"u":3})",
        R"({"g":["drama","comedy"],"y":"1999","p":{"ok":true}})",
        R"({"y":1999})",
    };
    for (uint32_t slot = 0; slot < std::size(records); ++slot) set_.Add(slot, Meta(records[slot]));
  }
  MetadataIndexSet set_{64};
};

TEST_F(IndexSetFilterTest, IntersectsTheTopLevelAnd) {
  EXPECT_EQ(Answer(set_, R"({"g":"drama"})"), (Slotv{0, 2, 3}));
  EXPECT_EQ(Answer(set_, R"({"g":"drama","y":{"$lt":2000}})"), Slotv{0});
  EXPECT_EQ(Answer(set_, R"({"g":"drama","y":{"$gte":1990,"$lt":2000}})"), Slotv{0});
  EXPECT_EQ(Answer(set_, R"({"g":"drama","p.ok":true})"), (Slotv{0, 3}));
  // Unindexed or unanswerable conditions are skipped, not treated as "nothing".
  EXPECT_EQ(Answer(set_, R"({"g":"comedy","u":2})"), (Slotv{1, 3}));
  EXPECT_EQ(Answer(set_, R"({"g":"comedy","y":{"$ne":1}})"), (Slotv{1, 3}));
  EXPECT_EQ(Answer(set_, R"({"$and":[{"g":"comedy"},{"$and":[{"y":{"$gt":1990}}]}]})"), Slotv{1});
}

TEST_F(IndexSetFilterTest, OrNeedsEveryBranch) {
  EXPECT_EQ(Answer(set_, R"({"$or":[{"g":"comedy"},{"y":{"$gt":2000}}]})"), (Slotv{1, 2, 3}));
  EXPECT_TRUE(Unanswerable(set_, R"({"$or":[{"g":"comedy"},{"u":3}]})"));
  // An unanswerable OR inside an AND leaves the rest of the AND to answer.
  EXPECT_EQ(Answer(set_, R"({"$or":[{"g":"comedy"},{"u":3}],"y":{"$lt":1991}})"), Slotv{0});
  EXPECT_EQ(Answer(set_, R"({"$or":[{"g":"x"},{"$and":[{"y":1990},{"u":5}]}]})"), Slotv{0});
}

TEST_F(IndexSetFilterTest, NotAndOtherUnanswerables) {
  EXPECT_TRUE(Unanswerable(set_, R"({"$not":{"g":"drama"}})"));
  EXPECT_TRUE(Unanswerable(set_, R"({"g":{"$ne":"drama"}})"));
  EXPECT_TRUE(Unanswerable(set_, R"({"g":{"$nin":["drama"]}})"));
  EXPECT_TRUE(Unanswerable(set_, R"({"g":{"$exists":true}})"));
  EXPECT_TRUE(Unanswerable(set_, R"({"y":"1999"})"));  // string operand, number index
  EXPECT_TRUE(Unanswerable(set_, R"({"u":1})"));
  EXPECT_TRUE(Unanswerable(set_, R"({"p.other":true})"));
  MetadataIndexSet empty(64);
  Result<Filter> f = Filter::Parse(R"({"g":"drama"})", 2048);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(empty.Candidates(f.value()).has_value());
}

TEST_F(IndexSetFilterTest, RemovedIndexNoLongerAnswers) {
  ASSERT_TRUE(set_.Remove("g"));
  EXPECT_TRUE(Unanswerable(set_, R"({"g":"drama"})"));
  EXPECT_EQ(Answer(set_, R"({"g":"drama","y":2005})"), Slotv{2});
}

// The column tests at the edges: two bounds on one value (whichever comes first in the filter),
// -0 and 0, repeated $in operands, removed and rewritten slots, slots past the column's end. Each
// is compared with the filter's own evaluation of every slot's metadata.
TEST(MetadataIndexSetTest, ColumnTestsAgreeWithTheFilterAtTheEdges) {
  MetadataIndexSet set(64);
  ASSERT_NE(set.Create({"n", MetadataIndexType::kNumber}), nullptr);
  ASSERT_NE(set.Create({"b", MetadataIndexType::kBoolean}), nullptr);
  std::vector<Value> md = {Meta(R"({"n":0,"b":true})"),  Meta(R"({"n":-0.0,"b":false})"),
                           Meta(R"({"n":1})"),           Meta(R"({"n":2,"b":true})"),
                           Meta(R"({"n":2})"),           Meta(R"({"n":3,"b":false})"),
                           Meta(R"({"n":"2","b":1})"),   Meta(R"({"x":2})"),
                           Meta(R"({"n":1e300})"),       Meta(R"({"n":-1e300,"b":true})")};
  for (uint32_t slot = 0; slot < md.size(); ++slot) set.Add(slot, md[slot]);
  // Slot 4 removed, slot 2 rewritten to 2.5 (its 1 must not linger in the column).
  set.Remove(4, md[4]);
  md[4] = Value();
  set.Remove(2, md[2]);
  md[2] = Meta(R"({"n":2.5})");
  set.Add(2, md[2]);
  const char* filters[] = {
      R"({"$and":[{"n":{"$lte":2}},{"n":{"$lt":2}}]})",
      R"({"$and":[{"n":{"$lt":2}},{"n":{"$lte":2}}]})",
      R"({"$and":[{"n":{"$gte":2}},{"n":{"$gt":2}}]})",
      R"({"$and":[{"n":{"$gt":2}},{"n":{"$gte":2}}]})",
      R"({"n":{"$gte":0,"$lte":0}})",
      R"({"n":{"$gt":3,"$lt":1}})",
      R"({"n":-0.0})",
      R"({"n":{"$in":[2,2,3,7]}})",
      R"({"n":{"$in":[]}})",
      R"({"n":{"$lt":1e301}})",
      R"({"n":{"$gt":-1e301}})",
      R"({"b":true})",
      R"({"b":{"$in":[false]}})",
      R"({"b":{"$in":[true,false]}})",
  };
  for (const char* json : filters) {
    Result<Filter> f = Filter::Parse(json, 1 << 20);
    ASSERT_TRUE(f.ok()) << json;
    std::optional<SlotTest> test = set.ColumnTest(f.value());
    ASSERT_TRUE(test.has_value()) << json;
    size_t want_count = 0;
    for (uint32_t slot = 0; slot < md.size() + 100; ++slot) {
      const bool want = slot < md.size() && !md[slot].is_null() && f->Matches(md[slot]);
      EXPECT_EQ(test->Matches(slot), want) << json << " slot " << slot;
      want_count += want;
    }
    EXPECT_EQ(test->count(), want_count) << json;
  }
  // Shapes a column cannot answer: strings, other properties, mixed operand types, $ne.
  for (const char* json : {R"({"n":"2"})", R"({"n":{"$ne":2}})", R"({"n":2,"b":true})",
                           R"({"x":2})", R"({"$or":[{"n":1},{"n":2}]})", R"({"b":{"$ne":true}})"}) {
    Result<Filter> f = Filter::Parse(json, 1 << 20);
    ASSERT_TRUE(f.ok()) << json;
    EXPECT_FALSE(set.ColumnTest(f.value()).has_value()) << json;
  }
}

// A number index with a value per record (timestamps, prices): a range over many values is
// answered from the column (Candidates) and counted from a sample of it (ColumnTest), and must
// give exactly the slots a brute-force check gives, edges, missing values and rewritten slots
// included; the count is exact while the shorter side of the range holds few values.
TEST(MetadataIndexSetTest, RangesOverAValuePerRecordAreExactAndCountedClosely) {
  MetadataIndexSet set(64);
  ASSERT_NE(set.Create({"t", MetadataIndexType::kNumber}), nullptr);
  constexpr uint32_t kSlots = 60000;
  std::vector<Value> md(kSlots);
  std::mt19937_64 rng(5);
  for (uint32_t slot = 0; slot < kSlots; ++slot) {
    switch (rng() % 16) {
      case 0:
        md[slot] = Value();  // no metadata
        break;
      case 1:
        md[slot] = Meta(R"({"u":1})");  // another property
        break;
      case 2:
        md[slot] = Meta(R"({"t":"soon"})");  // another type
        break;
      default:
        // Mostly distinct, in slot order with noise (as timestamps arrive), some repeated.
        md[slot] =
            Meta("{\"t\":" + std::to_string(static_cast<double>(slot) + (rng() % 7) * 0.5) + "}");
    }
    set.Add(slot, md[slot]);
  }
  // Some records rewritten and some removed: the column must follow.
  for (uint32_t slot = 0; slot < kSlots; slot += 97) {
    set.Remove(slot, md[slot]);
    md[slot] = (slot % 2) ? Meta("{\"t\":" + std::to_string(kSlots - slot) + ".25}") : Value();
    if (!md[slot].is_null()) set.Add(slot, md[slot]);
  }
  int estimated = 0, exact_counts = 0, column_answers = 0;
  for (int round = 0; round < 60; ++round) {
    const double a = static_cast<double>(rng() % (kSlots + 2000)) - 1000.0 + (rng() % 4) * 0.25;
    const double width =
        round % 3 == 0 ? static_cast<double>(rng() % 300) : static_cast<double>(rng() % kSlots);
    const char* lo_op = rng() % 2 ? "$gt" : "$gte";
    const char* hi_op = rng() % 2 ? "$lt" : "$lte";
    std::vector<std::string> filters = {
        "{\"t\":{\"" + std::string(lo_op) + "\":" + std::to_string(a) + ",\"" + hi_op +
            "\":" + std::to_string(a + width) + "}}",
        "{\"t\":{\"" + std::string(hi_op) + "\":" + std::to_string(a) + "}}",
        "{\"t\":{\"" + std::string(lo_op) + "\":" + std::to_string(a) + "}}"};
    for (const std::string& json : filters) {
      const roaring::Roaring truth = ExpectExactCandidates(set, json, md);
      column_answers += truth.cardinality() > 256;
      Result<Filter> f = Filter::Parse(json, 1 << 20);
      ASSERT_TRUE(f.ok()) << json;
      std::optional<SlotTest> test = set.ColumnTest(f.value());
      ASSERT_TRUE(test.has_value()) << json;
      const double want = static_cast<double>(truth.cardinality());
      if (test->estimated()) {
        ++estimated;
        // 1,024 samples of 60,000 slots: a standard error of at most ~940 slots.
        EXPECT_NEAR(static_cast<double>(test->count()), want, 4 * 940.0) << json;
      } else {
        ++exact_counts;
        EXPECT_EQ(test->count(), truth.cardinality()) << json;
      }
    }
  }
  EXPECT_GT(estimated, 20);
  EXPECT_GT(exact_counts, 20);
  EXPECT_GT(column_answers, 20);
}

// An AND of a wide range over a value per record with selective conditions beside it: the range
// is tested on the slots the others leave (not built as a set of its own), and the answer is
// still exactly the matches, whatever the order of the conditions.
TEST(MetadataIndexSetTest, AnAndTestsAWideRangeOnTheSlotsOfSelectiveConditions) {
  MetadataIndexSet set(64);
  ASSERT_NE(set.Create({"t", MetadataIndexType::kNumber}), nullptr);
  ASSERT_NE(set.Create({"tag", MetadataIndexType::kNumber}), nullptr);
  ASSERT_NE(set.Create({"s", MetadataIndexType::kString}), nullptr);
  constexpr uint32_t kSlots = 60000;
  std::vector<Value> md(kSlots);
  std::mt19937_64 rng(9);
  const char* kLetters[] = {"a", "b", "c"};
  for (uint32_t slot = 0; slot < kSlots; ++slot) {
    if (rng() % 20 == 0) continue;  // no metadata
    std::string json =
        "{\"tag\":" + std::to_string(rng() % 50) + ",\"s\":\"" + kLetters[rng() % 3] + "\"";
    if (rng() % 10 != 0) json += ",\"t\":" + std::to_string(slot + (rng() % 5) * 0.5);
    md[slot] = Meta(json + "}");
    set.Add(slot, md[slot]);
  }
  for (uint32_t slot = 0; slot < kSlots; slot += 89) {  // the columns must follow rewrites
    set.Remove(slot, md[slot]);
    md[slot] = Meta("{\"tag\":7,\"t\":" + std::to_string(kSlots - slot) + "}");
    set.Add(slot, md[slot]);
  }
  int nonempty = 0;
  for (int round = 0; round < 40; ++round) {
    const std::string a = std::to_string(rng() % kSlots);
    const std::string b = std::to_string(rng() % kSlots);
    const std::string tag = std::to_string(rng() % 50);
    const std::string filters[] = {
        R"({"$and":[{"t":{"$gte":)" + a + R"(}},{"tag":)" + tag + "}]}",
        R"({"$and":[{"tag":)" + tag + R"(},{"t":{"$lt":)" + a + "}}]}",
        R"({"$and":[{"t":{"$gte":)" + a + R"(}},{"t":{"$lt":)" + b + R"(}},{"tag":{"$in":[)" + tag +
            ",7]}}]}",
        R"({"$and":[{"t":{"$gt":)" + a + R"(}},{"s":"b"},{"tag":)" + tag + "}]}",
        R"({"$and":[{"t":{"$gte":)" + a + R"(}},{"tag":{"$gte":10,"$lt":12}}]})",
        R"({"$and":[{"t":{"$gte":)" + a + R"(}},{"tag":999}]})",
    };
    for (const std::string& json : filters) {
      nonempty += ExpectExactCandidates(set, json, md).isEmpty() ? 0 : 1;
    }
  }
  EXPECT_GT(nonempty, 100);
}

// A range over more string keys than a union is worth is left to the records: the index declines
// it (and an AND answers from its other conditions); a narrower one is still answered.
TEST(MetadataIndexSetTest, AStringRangeOverManyKeysIsLeftToTheRecords) {
  MetadataIndexSet set(64);
  ASSERT_NE(set.Create({"d", MetadataIndexType::kString}), nullptr);
  ASSERT_NE(set.Create({"n", MetadataIndexType::kNumber}), nullptr);
  constexpr uint32_t kSlots = 20000;
  std::vector<Value> md(kSlots);
  for (uint32_t slot = 0; slot < kSlots; ++slot) {
    char date[32];
    std::snprintf(date, sizeof(date), "2026-%05u", slot);  // a key per record, in order
    md[slot] = Meta(std::string("{\"d\":\"") + date + "\",\"n\":" + std::to_string(slot % 7) + "}");
    set.Add(slot, md[slot]);
  }
  // 8,192 keys are answered, 8,193 are not, from either end and both ways of closing.
  const struct {
    std::string json;
    bool answered;
  } cases[] = {
      {R"({"d":{"$lt":"2026-08192"}})", true},   {R"({"d":{"$lte":"2026-08192"}})", false},
      {R"({"d":{"$lt":"2026-08193"}})", false},  {R"({"d":{"$gte":"2026-11808"}})", true},
      {R"({"d":{"$gte":"2026-11807"}})", false}, {R"({"d":{"$gt":"2026-11807"}})", true},
      {R"({"d":{"$gt":"2026-00100"}})", false},  {R"({"d":{"$lt":"2026-00100"}})", true},
  };
  for (const auto& c : cases) {
    Result<Filter> f = Filter::Parse(c.json, 1 << 20);
    ASSERT_TRUE(f.ok()) << c.json;
    std::optional<roaring::Roaring> cand = set.Candidates(f.value());
    ASSERT_EQ(cand.has_value(), c.answered) << c.json;
    if (cand) {
      // A superset: with $gt the key equal to the operand comes along (it might stand for longer
      // values), so at most that one slot more.
      const roaring::Roaring truth = MatchesOf(f.value(), md);
      EXPECT_TRUE(truth.isSubset(*cand)) << c.json;
      EXPECT_LE(cand->cardinality(), truth.cardinality() + 1) << c.json;
    }
  }
  // With another condition the AND is answered by it, and the range is tested on its slots
  // through the string column (every value here is its own key): exactly the matches, though the
  // range alone is declined as a set.
  Result<Filter> f = Filter::Parse(R"({"d":{"$gt":"2026-00100"},"n":3})", 1 << 20);
  ASSERT_TRUE(f.ok());
  bool exact = false;
  std::optional<roaring::Roaring> cand = set.Candidates(f.value(), &exact);
  ASSERT_TRUE(cand.has_value());
  EXPECT_TRUE(exact);
  const roaring::Roaring truth = MatchesOf(f.value(), md);
  EXPECT_TRUE(truth == *cand);
  EXPECT_LT(truth.cardinality(), (kSlots + 3) / 7);  // fewer than the slots with n = 3
  // Once a record holds an array the string column is gone: the AND is answered by n = 3 alone,
  // a superset of the matches.
  set.Add(kSlots, Meta(R"({"d":["2026-x","2026-y"],"n":3})"));
  cand = set.Candidates(f.value(), &exact);
  ASSERT_TRUE(cand.has_value());
  EXPECT_FALSE(exact);
  EXPECT_TRUE(truth.isSubset(*cand));
  EXPECT_EQ(cand->cardinality(), (kSlots + 3) / 7 + 1);  // the slots with n = 3
}

// A string index keeps a column while every value is its own key and no record holds an array:
// ranges, $eq and $in are then tested slot by slot from it, exactly; a cut value or an array
// turns the column off until it is gone again.
TEST(MetadataIndexSetTest, StringColumnTestsAgreeWithTheFilterWhileEveryValueIsItsKey) {
  MetadataIndexSet set(16);  // keys of up to 16 bytes: "2026-xxxxx" is never cut
  ASSERT_NE(set.Create({"d", MetadataIndexType::kString}), nullptr);
  constexpr uint32_t kSlots = 20000;
  std::vector<Value> md(kSlots);
  std::mt19937_64 rng(9);
  auto date = [](uint32_t i) {
    char d[32];
    std::snprintf(d, sizeof(d), "2026-%05u", i);
    return std::string(d);
  };
  for (uint32_t slot = 0; slot < kSlots; ++slot) {
    switch (rng() % 12) {
      case 0:
        md[slot] = Value();
        break;
      case 1:
        md[slot] = Meta(R"({"d":7})");  // a number in a string index
        break;
      default:
        md[slot] = Meta("{\"d\":\"" + date(slot - slot % (1 + rng() % 3)) + "\"}");  // some ties
    }
    set.Add(slot, md[slot]);
  }
  for (uint32_t slot = 5; slot < kSlots; slot += 101) {  // rewritten and removed
    set.Remove(slot, md[slot]);
    md[slot] = slot % 2 ? Meta("{\"d\":\"" + date(kSlots - slot) + "\"}") : Value();
    if (!md[slot].is_null()) set.Add(slot, md[slot]);
  }
  auto check = [&](const std::string& json) {
    Result<Filter> f = Filter::Parse(json, 1 << 20);
    ASSERT_TRUE(f.ok()) << json;
    std::optional<SlotTest> test = set.ColumnTest(f.value());
    ASSERT_TRUE(test.has_value()) << json;
    size_t want_count = 0;
    for (uint32_t slot = 0; slot < kSlots + 10; ++slot) {
      const bool want = slot < kSlots && !md[slot].is_null() && f->Matches(md[slot]);
      ASSERT_EQ(test->Matches(slot), want) << json << " slot " << slot;
      want_count += want;
    }
    if (test->estimated()) {
      EXPECT_NEAR(static_cast<double>(test->count()), static_cast<double>(want_count),
                  4 * 0.5 / 32 * kSlots)
          << json;
    } else {
      EXPECT_EQ(test->count(), want_count) << json;
    }
  };
  const char* ops[] = {"$lt", "$lte", "$gt", "$gte"};
  for (int round = 0; round < 40; ++round) {
    const uint32_t a = static_cast<uint32_t>(rng() % (kSlots + 20));
    const uint32_t b = a + static_cast<uint32_t>(round % 2 ? rng() % 200 : rng() % kSlots);
    check("{\"d\":{\"" + std::string(ops[rng() % 4]) + "\":\"" + date(a) + "\"}}");
    check("{\"d\":{\"" + std::string(ops[2 + rng() % 2]) + "\":\"" + date(a) + "\",\"" +
          ops[rng() % 2] + "\":\"" + date(b) + "\"}}");
    check("{\"d\":\"" + date(a) + "\"}");
    check("{\"d\":{\"$in\":[\"" + date(a) + "\",\"" + date(b) + "\",\"2026\",\"" + date(a) +
          "\"]}}");
  }
  check(R"({"d":{"$gt":"2026-00100","$lt":"2026-00050"}})");  // empty
  check(R"({"d":{"$gte":""}})");                              // every string
  // A value longer than its key, then an array: no column until each is removed again.
  Result<Filter> f = Filter::Parse(R"({"d":{"$lt":"2026-00500"}})", 1 << 20);
  ASSERT_TRUE(f.ok());
  const Value cut = Meta(R"({"d":"2026-00001-and-a-long-tail"})");
  const Value array = Meta(R"({"d":["2026-00001","2026-00002"]})");
  set.Add(kSlots, cut);
  EXPECT_FALSE(set.ColumnTest(f.value()).has_value());
  set.Remove(kSlots, cut);
  EXPECT_TRUE(set.ColumnTest(f.value()).has_value());
  set.Add(kSlots, array);
  EXPECT_FALSE(set.ColumnTest(f.value()).has_value());
  set.Remove(kSlots, array);
  ASSERT_TRUE(set.ColumnTest(f.value()).has_value());
  check(R"({"d":{"$lt":"2026-00500"}})");
}

TEST(MetadataIndexSetTest, Project) {
  MetadataIndexSet set(4);
  set.Create({"p.n", MetadataIndexType::kNumber});
  set.Create({"s", MetadataIndexType::kString});
  set.Create({"p.b", MetadataIndexType::kBoolean});
  set.Create({"missing", MetadataIndexType::kString});
  Value m = Meta(R"({"s":"abcdef","other":1,"p":{"b":false,"n":7,"x":"y"}})");
  EXPECT_EQ(ToJson(set.Project(m)), R"({"p":{"n":7,"b":false},"s":"abcd"})");
  EXPECT_EQ(ToJson(set.Project(Meta(R"({"s":5,"p":{"n":"7"}})"))), "null");
  EXPECT_TRUE(set.Project(Value()).is_null());
  EXPECT_EQ(ToJson(set.Project(Meta(R"({"s":["a","bcdefg"]})"))), R"({"s":["a","bcde"]})");
}

}  // namespace
}  // namespace semble::meta
