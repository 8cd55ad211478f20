// Copyright 2026 The semble Authors.
//
// Randomized check of the filter and the metadata indexes against a brute-force evaluator written
// here from the semantics in filter.h. The oracle keeps its own copy of each record (not a Value)
// and its own filter tree, serialised to JSON for Filter::Parse, so a shared misunderstanding would
// have to be written twice to go unnoticed.

#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "meta/filter.h"
#include "meta/metadata_index.h"
#include "meta/value.h"

namespace semble::meta {
namespace {

// ---- the oracle's data model ----

struct OVal {
  enum Type { kNull, kBool, kNum, kStr, kArr, kObj } type = kNull;
  bool b = false;
  double n = 0;
  std::string s;
  std::vector<std::string> arr;
  std::vector<std::pair<std::string, OVal>> obj;
};

struct Record {
  bool has_metadata = true;
  std::vector<std::pair<std::string, OVal>> members;
};

struct OCond {
  std::string path;
  std::string op;  // "$eq", "$ne", ...
  std::vector<OVal> operands;
  bool bare = false;  // written as {"path": value}
};

struct ONode {
  enum Kind { kCond, kSameKey, kMultiKey, kAnd, kOr, kNot } kind = kCond;
  std::vector<OCond> conds;  // kCond: one; kSameKey: several on one path
  std::vector<ONode> kids;   // kMultiKey, kAnd, kOr; kNot: one
};

// ---- brute-force evaluation ----

const OVal* Lookup(const Record& r, const std::string& path) {
  if (!r.has_metadata) return nullptr;
  std::string first = path, rest;
  size_t dot = path.find('.');
  if (dot != std::string::npos) {
    first = path.substr(0, dot);
    rest = path.substr(dot + 1);
  }
  const OVal* top = nullptr;
  for (const auto& m : r.members) {
    if (m.first == first) top = &m.second;
  }
  if (top == nullptr || dot == std::string::npos) return top;
  if (top->type != OVal::kObj) return nullptr;
  for (const auto& m : top->obj) {
    if (m.first == rest) return &m.second;
  }
  return nullptr;
}

int ByteCompare(const std::string& a, const std::string& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = a[i], y = b[i];
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

bool ScalarEquals(const OVal& field, const OVal& operand) {
  if (field.type == OVal::kArr) {
    if (operand.type != OVal::kStr) return false;
    for (const std::string& s : field.arr) {
      if (s == operand.s) return true;
    }
    return false;
  }
  if (field.type != operand.type) return false;
  switch (field.type) {
    case OVal::kNull:
      return true;
    case OVal::kBool:
      return field.b == operand.b;
    case OVal::kNum:
      return field.n == operand.n;
    case OVal::kStr:
      return field.s == operand.s;
    default:
      return false;  // objects are never equal to an operand
  }
}

bool CmpHolds(const std::string& op, int cmp) {
  if (op == "$lt") return cmp < 0;
  if (op == "$lte") return cmp <= 0;
  if (op == "$gt") return cmp > 0;
  return cmp >= 0;  // $gte
}

bool RangeHolds(const std::string& op, const OVal& field, const OVal& operand) {
  if (operand.type == OVal::kNum && field.type == OVal::kNum) {
    int cmp = field.n < operand.n ? -1 : (field.n > operand.n ? 1 : 0);
    return CmpHolds(op, cmp);
  }
  if (operand.type != OVal::kStr) return false;
  if (field.type == OVal::kStr) return CmpHolds(op, ByteCompare(field.s, operand.s));
  if (field.type == OVal::kArr) {
    for (const std::string& s : field.arr) {
      if (CmpHolds(op, ByteCompare(s, operand.s))) return true;
    }
  }
  return false;
}

bool OracleCond(const OCond& c, const Record& r) {
  const OVal* f = Lookup(r, c.path);
  if (c.op == "$exists") return (f != nullptr) == c.operands[0].b;
  bool in = false;
  if (f != nullptr) {
    for (const OVal& o : c.operands) in = in || ScalarEquals(*f, o);
  }
  if (c.op == "$eq" || c.op == "$in") return in;
  if (c.op == "$ne" || c.op == "$nin") return !in;
  return f != nullptr && RangeHolds(c.op, *f, c.operands[0]);
}

bool Oracle(const ONode& n, const Record& r) {
  switch (n.kind) {
    case ONode::kCond:
      return OracleCond(n.conds[0], r);
    case ONode::kSameKey:
      for (const OCond& c : n.conds) {
        if (!OracleCond(c, r)) return false;
      }
      return true;
    case ONode::kMultiKey:
    case ONode::kAnd:
      for (const ONode& k : n.kids) {
        if (!Oracle(k, r)) return false;
      }
      return true;
    case ONode::kOr:
      for (const ONode& k : n.kids) {
        if (Oracle(k, r)) return true;
      }
      return false;
    case ONode::kNot:
      return !Oracle(n.kids[0], r);
  }
  return false;
}

// ---- JSON text ----

std::string JStr(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string JVal(const OVal& v) {
  switch (v.type) {
    case OVal::kNull:
      return "null";
    case OVal::kBool:
      return v.b ? "true" : "false";
    case OVal::kNum: {
      char buf[40];
      std::snprintf(buf, sizeof(buf), "%.17g", v.n);
      return buf;
    }
    case OVal::kStr:
      return JStr(v.s);
    case OVal::kArr: {
      std::string out = "[";
      for (size_t i = 0; i < v.arr.size(); ++i) out += (i ? "," : "") + JStr(v.arr[i]);
      return out + "]";
    }
    case OVal::kObj: {
      std::string out = "{";
      for (size_t i = 0; i < v.obj.size(); ++i) {
        out += (i ? "," : "") + JStr(v.obj[i].first) + ":" + JVal(v.obj[i].second);
      }
      return out + "}";
    }
  }
  return "null";
}

std::string JRecord(const Record& r) {
  OVal o;
  o.type = OVal::kObj;
  o.obj = r.members;
  return JVal(o);
}

std::string JObject(const ONode& n);

// The members an ONode contributes to the JSON object that holds it.
std::vector<std::pair<std::string, std::string>> JMembers(const ONode& n) {
  std::vector<std::pair<std::string, std::string>> out;
  auto join = [](const std::vector<ONode>& kids) {
    std::string s = "[";
    for (size_t i = 0; i < kids.size(); ++i) s += (i ? "," : "") + JObject(kids[i]);
    return s + "]";
  };
  auto operand = [](const OCond& c) {
    if (c.op != "$in" && c.op != "$nin") return JVal(c.operands[0]);
    std::string s = "[";
    for (size_t i = 0; i < c.operands.size(); ++i) s += (i ? "," : "") + JVal(c.operands[i]);
    return s + "]";
  };
  switch (n.kind) {
    case ONode::kCond: {
      const OCond& c = n.conds[0];
      out.emplace_back(c.path, c.bare ? operand(c) : "{" + JStr(c.op) + ":" + operand(c) + "}");
      break;
    }
    case ONode::kSameKey: {
      std::string ops = "{";
      for (size_t i = 0; i < n.conds.size(); ++i) {
        ops += (i ? "," : "") + JStr(n.conds[i].op) + ":" + operand(n.conds[i]);
      }
      out.emplace_back(n.conds[0].path, ops + "}");
      break;
    }
    case ONode::kMultiKey:
      for (const ONode& k : n.kids) {
        for (auto& m : JMembers(k)) out.push_back(std::move(m));
      }
      break;
    case ONode::kAnd:
      out.emplace_back("$and", join(n.kids));
      break;
    case ONode::kOr:
      out.emplace_back("$or", join(n.kids));
      break;
    case ONode::kNot:
      out.emplace_back("$not", JObject(n.kids[0]));
      break;
  }
  return out;
}

std::string JObject(const ONode& n) {
  std::string s = "{";
  auto members = JMembers(n);
  for (size_t i = 0; i < members.size(); ++i) {
    s += (i ? "," : "") + JStr(members[i].first) + ":" + members[i].second;
  }
  return s + "}";
}

// ---- random generation ----

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(int percent) { return Uniform(0, 99) < percent; }

  // Short strings from a tiny alphabet (collisions, prefix relations, 1- to 3-byte characters)
  // and long ones sharing 62..64-byte prefixes, some cut inside a multibyte character.
  std::string String() {
    static const char* kPieces[] = {"a", "b", "ab", "\xc3\xa9", "\xed\x95\x9c"};
    static const std::string kBases[] = {std::string(64, 'L'),
                                         std::string(62, 'L') + "\xed\x95\x9c",
                                         std::string(63, 'L') + "\xc3\xa9", std::string(62, 'L')};
    std::string s;
    if (Chance(20)) s = kBases[Uniform(0, 3)];
    int pieces = Uniform(0, s.empty() ? 3 : 2);
    for (int i = 0; i < pieces; ++i) s += kPieces[Uniform(0, 4)];
    return s;
  }

  double Number() {
    static const double kNumbers[] = {-2, -1, -0.0, 0, 0.5, 1, 2, 3, 1e300};
    return kNumbers[Uniform(0, 8)];
  }

  OVal Scalar(OVal::Type preferred) {
    OVal v;
    v.type = Chance(60) ? preferred : static_cast<OVal::Type>(Uniform(0, 3));
    if (v.type == OVal::kArr || v.type == OVal::kObj) v.type = OVal::kStr;
    if (v.type == OVal::kBool) v.b = Chance(50);
    if (v.type == OVal::kNum) v.n = Number();
    if (v.type == OVal::kStr) v.s = String();
    return v;
  }

  // A field value, or nullopt to leave the field out.
  std::optional<OVal> Field(OVal::Type preferred, bool nested) {
    if (Chance(20)) return std::nullopt;
    OVal::Type t = Chance(55) ? preferred : static_cast<OVal::Type>(Uniform(0, nested ? 4 : 5));
    OVal v;
    v.type = t;
    switch (t) {
      case OVal::kNull:
        break;
      case OVal::kBool:
        v.b = Chance(50);
        break;
      case OVal::kNum:
        v.n = Number();
        break;
      case OVal::kStr:
        v.s = String();
        break;
      case OVal::kArr:
        for (int i = Uniform(0, 3); i > 0; --i) v.arr.push_back(String());
        break;
      case OVal::kObj:
        for (const auto& [key, type] : kNestedKeys) {
          if (std::optional<OVal> f = Field(type, true)) v.obj.emplace_back(key, std::move(*f));
        }
        break;
    }
    return v;
  }

  Record MakeRecord() {
    Record r;
    if (Chance(4)) {
      r.has_metadata = false;
      return r;
    }
    for (const auto& [key, type] : kTopKeys) {
      if (std::optional<OVal> f = Field(type, false)) r.members.emplace_back(key, std::move(*f));
    }
    return r;
  }

  OCond MakeCond() {
    static const char* kPaths[] = {"s",   "n",   "b",   "t",  "o",    "x",  "o.s",
                                   "o.n", "o.b", "o.t", "zz", "o.zz", "s.s"};
    static const char* kOps[] = {"$eq",  "$eq", "$eq",  "$ne", "$in",  "$in",
                                 "$nin", "$lt", "$lte", "$gt", "$gte", "$exists"};
    OCond c;
    c.path = kPaths[Uniform(0, 12)];
    c.op = kOps[Uniform(0, 11)];
    OVal::Type preferred = PreferredType(c.path);
    if (c.op == "$exists") {
      OVal b;
      b.type = OVal::kBool;
      b.b = Chance(50);
      c.operands.push_back(b);
    } else if (c.op == "$in" || c.op == "$nin") {
      for (int i = Uniform(0, 3); i > 0; --i) c.operands.push_back(Scalar(preferred));
    } else if (c.op == "$eq" || c.op == "$ne") {
      c.operands.push_back(Scalar(preferred));
      c.bare = c.op == "$eq" && Chance(50);
    } else {
      OVal v = Scalar(preferred == OVal::kNum ? OVal::kNum : OVal::kStr);
      if (v.type != OVal::kNum && v.type != OVal::kStr) {
        v.type = OVal::kStr;
        v.s = String();
      }
      c.operands.push_back(v);
    }
    return c;
  }

  ONode MakeNode(int depth) {
    ONode n;
    int r = Uniform(0, 99);
    if (depth <= 0 || r < 45) {
      n.kind = ONode::kCond;
      n.conds.push_back(MakeCond());
    } else if (r < 60) {
      n.kind = ONode::kSameKey;
      n.conds.push_back(MakeCond());
      for (int i = Uniform(1, 2); i > 0; --i) {
        OCond c = MakeCond();
        c.path = n.conds[0].path;
        bool dup = false;
        for (const OCond& o : n.conds) dup = dup || o.op == c.op;
        if (!dup) n.conds.push_back(std::move(c));
      }
      for (OCond& c : n.conds) c.bare = false;
    } else if (r < 72) {
      n.kind = ONode::kMultiKey;
      std::vector<std::string> used;
      for (int i = Uniform(2, 3); i > 0; --i) {
        ONode kid = MakeNode(depth - 1);
        bool clash = false;
        for (auto& m : JMembers(kid)) {
          for (const std::string& u : used) clash = clash || u == m.first;
        }
        if (clash) continue;
        for (auto& m : JMembers(kid)) used.push_back(m.first);
        n.kids.push_back(std::move(kid));
      }
    } else if (r < 92) {
      n.kind = r < 82 ? ONode::kAnd : ONode::kOr;
      for (int i = Uniform(1, 3); i > 0; --i) n.kids.push_back(MakeNode(depth - 1));
    } else {
      n.kind = ONode::kNot;
      n.kids.push_back(MakeNode(depth - 1));
    }
    return n;
  }

  static OVal::Type PreferredType(const std::string& path) {
    std::string last = path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
    if (last == "n") return OVal::kNum;
    if (last == "b") return OVal::kBool;
    if (last == "t") return OVal::kArr;
    if (last == "o") return OVal::kObj;
    return OVal::kStr;
  }

 private:
  static inline const std::pair<const char*, OVal::Type> kTopKeys[] = {
      {"s", OVal::kStr}, {"n", OVal::kNum}, {"b", OVal::kBool},
      {"t", OVal::kArr}, {"o", OVal::kObj}, {"x", OVal::kNull}};
  static inline const std::pair<const char*, OVal::Type> kNestedKeys[] = {
      {"s", OVal::kStr}, {"n", OVal::kNum}, {"b", OVal::kBool}, {"t", OVal::kArr}};

  std::mt19937 rng_;
};

Value ToValue(const Record& r) {
  if (!r.has_metadata) return Value();
  Result<Value> v = ParseMetadata(JRecord(r), 1 << 20);
  EXPECT_TRUE(v.ok()) << JRecord(r) << ": " << v.status().ToString();
  return v.ok() ? v.value() : Value();
}

constexpr int kRecords = 2000;
constexpr int kFilters = 500;

TEST(OracleTest, ParsedMetadataRoundTrips) {
  Gen gen(7);
  for (int i = 0; i < kRecords; ++i) {
    Record r = gen.MakeRecord();
    if (!r.has_metadata) continue;
    Value v = ToValue(r);
    Result<Value> again = ParseMetadata(ToJson(v), 1 << 20);
    ASSERT_TRUE(again.ok()) << ToJson(v);
    ASSERT_TRUE(again.value() == v) << ToJson(v);
    ASSERT_EQ(ToJson(again.value()), ToJson(v));
  }
}

TEST(OracleTest, FilterMatchesAgreeWithBruteForce) {
  Gen gen(20260101);
  std::vector<Record> records;
  std::vector<Value> values;
  for (int i = 0; i < kRecords; ++i) {
    records.push_back(gen.MakeRecord());
    values.push_back(ToValue(records.back()));
  }
  int matched_somewhere = 0, matched_everywhere = 0;
  for (int f = 0; f < kFilters; ++f) {
    ONode node = gen.MakeNode(3);
    std::string json = JObject(node);
    if (json == "{}") continue;  // a MultiKey whose every kid clashed
    Result<Filter> filter = Filter::Parse(json, 1 << 20);
    ASSERT_TRUE(filter.ok()) << json << ": " << filter.status().ToString();
    int count = 0;
    for (int i = 0; i < kRecords; ++i) {
      bool want = Oracle(node, records[i]);
      ASSERT_EQ(filter->Matches(values[i]), want)
          << "filter " << json << "\nrecord "
          << (records[i].has_metadata ? JRecord(records[i]) : "(none)");
      count += want;
    }
    matched_somewhere += count > 0;
    matched_everywhere += count == kRecords;
  }
  // The generator must produce filters that discriminate, or the comparison proves little.
  EXPECT_GT(matched_somewhere, kFilters / 2);
  EXPECT_LT(matched_everywhere, kFilters / 3);
}

// Candidates are checked against the truth for several string prefix lengths: 64 (the default,
// where only the long strings collide), and tiny ones where almost every string is cut.
class OracleIndexTest : public ::testing::TestWithParam<size_t> {};

TEST_P(OracleIndexTest, CandidatesAreSupersetsAndSelective) {
  const size_t prefix = GetParam();
  Gen gen(1234 + static_cast<uint32_t>(prefix));
  MetadataIndexSet set(prefix);
  const std::pair<const char*, MetadataIndexType> kIndexed[] = {
      {"s", MetadataIndexType::kString},   {"n", MetadataIndexType::kNumber},
      {"b", MetadataIndexType::kBoolean},  {"t", MetadataIndexType::kString},
      {"x", MetadataIndexType::kString},   {"o.s", MetadataIndexType::kString},
      {"o.n", MetadataIndexType::kNumber}, {"o.b", MetadataIndexType::kBoolean},
      {"o.t", MetadataIndexType::kString}};
  for (const auto& [name, type] : kIndexed) ASSERT_NE(set.Create({name, type}), nullptr);

  std::vector<Record> records;
  std::vector<Value> values;
  for (int i = 0; i < kRecords; ++i) {
    records.push_back(gen.MakeRecord());
    values.push_back(ToValue(records.back()));
    set.Add(i, values.back());
  }
  // Delete some slots and rewrite others, as upserts do.
  roaring::Roaring live;
  live.addRange(0, kRecords);
  for (int i = 0; i < kRecords; ++i) {
    if (i % 7 == 3) {
      set.Remove(i, values[i]);
      live.remove(i);
    } else if (i % 5 == 1) {
      set.Remove(i, values[i]);
      records[i] = gen.MakeRecord();
      values[i] = ToValue(records[i]);
      set.Add(i, values[i]);
    }
  }

  auto truth_of = [&](const ONode& node) {
    roaring::Roaring truth;
    for (uint32_t slot : live) {
      if (Oracle(node, records[slot])) truth.add(slot);
    }
    return truth;
  };

  // An answer said to be exact is the truth itself: a query then checks no record's metadata.
  int answered = 0, exact_answers = 0, exact_nonempty = 0, column_tests = 0, column_nonempty = 0;
  for (int f = 0; f < kFilters; ++f) {
    ONode node = gen.MakeNode(3);
    std::string json = JObject(node);
    if (json == "{}") continue;
    Result<Filter> filter = Filter::Parse(json, 1 << 20);
    ASSERT_TRUE(filter.ok()) << json << ": " << filter.status().ToString();
    // A test read off an index's column must say yes for exactly the matching live slots, and
    // count them.
    if (std::optional<SlotTest> test = set.ColumnTest(filter.value())) {
      const roaring::Roaring truth = truth_of(node);
      for (uint32_t slot = 0; slot < kRecords + 8; ++slot) {
        ASSERT_EQ(test->Matches(slot), truth.contains(slot)) << json << " slot " << slot;
      }
      ASSERT_EQ(test->count(), truth.cardinality()) << json;
      ++column_tests;
      column_nonempty += !truth.isEmpty();
    }
    bool exact = true;
    std::optional<roaring::Roaring> cand = set.Candidates(filter.value(), &exact);
    if (!cand) {
      ASSERT_FALSE(exact) << json;
      continue;
    }
    ++answered;
    roaring::Roaring truth = truth_of(node);
    ASSERT_TRUE(truth.isSubset(*cand))
        << "filter " << json << " misses " << (truth - *cand).toString();
    ASSERT_TRUE(cand->isSubset(live)) << "filter " << json << " returns deleted slots";
    if (exact) {
      ASSERT_TRUE(truth == *cand) << "filter " << json << " said exact, but "
                                  << (*cand - truth).toString() << " do not match";
      ++exact_answers;
      exact_nonempty += !truth.isEmpty();
    }
  }
  EXPECT_GT(answered, kFilters / 5);
  // Many more filters of the shapes a column answers: one condition, or several on one path.
  int shaped = 0;
  for (int f = 0; f < 20 * kFilters && shaped < kFilters; ++f) {
    ONode node;
    node.kind = ONode::kSameKey;
    node.conds.push_back(gen.MakeCond());
    const std::string path = node.conds[0].path;
    if (path != "n" && path != "o.n" && path != "b" && path != "o.b") continue;
    for (int i = gen.Uniform(0, 2); i > 0; --i) {
      OCond c = gen.MakeCond();
      c.path = path;
      bool dup = false;
      for (const OCond& o : node.conds) dup = dup || o.op == c.op;
      if (!dup) node.conds.push_back(std::move(c));
    }
    for (OCond& c : node.conds) c.bare = false;
    const std::string json = JObject(node);
    Result<Filter> filter = Filter::Parse(json, 1 << 20);
    ASSERT_TRUE(filter.ok()) << json << ": " << filter.status().ToString();
    std::optional<SlotTest> test = set.ColumnTest(filter.value());
    if (!test) continue;
    ++shaped;
    const roaring::Roaring truth = truth_of(node);
    for (uint32_t slot = 0; slot < kRecords + 8; ++slot) {
      ASSERT_EQ(test->Matches(slot), truth.contains(slot)) << json << " slot " << slot;
    }
    ASSERT_EQ(test->count(), truth.cardinality()) << json;
    column_nonempty += !truth.isEmpty();
  }
  EXPECT_GT(shaped, kFilters / 2);
  // Exactness must be claimed often enough for the check above to mean something.
  EXPECT_GT(exact_answers, answered / 5) << exact_answers << " of " << answered;
  EXPECT_GT(exact_nonempty, kFilters / 50) << exact_nonempty;
  EXPECT_GT(column_nonempty, kFilters / 50) << column_nonempty << " of " << column_tests;

  // Equality on an indexed field, with a value some live record really holds: always answered,
  // exact for numbers and booleans, and far from "everything" for strings.
  int checked = 0, selective = 0;
  for (uint32_t slot : live) {
    if (slot % 3 != 0) continue;
    for (const auto& [name, type] : kIndexed) {
      const OVal* v = Lookup(records[slot], name);
      OVal::Type want = type == MetadataIndexType::kString   ? OVal::kStr
                        : type == MetadataIndexType::kNumber ? OVal::kNum
                                                             : OVal::kBool;
      if (v == nullptr || v->type != want) continue;
      ONode node;
      node.conds.push_back(OCond{name, "$eq", {*v}, true});
      std::string json = JObject(node);
      Result<Filter> filter = Filter::Parse(json, 1 << 20);
      ASSERT_TRUE(filter.ok()) << json;
      bool exact = false;
      std::optional<roaring::Roaring> cand = set.Candidates(filter.value(), &exact);
      ASSERT_TRUE(cand.has_value()) << json;
      roaring::Roaring truth = truth_of(node);
      ASSERT_TRUE(truth.contains(slot)) << json;
      ASSERT_TRUE(truth.isSubset(*cand)) << json;
      if (type != MetadataIndexType::kString) {
        ASSERT_TRUE(truth == *cand) << json;
        ASSERT_TRUE(exact) << json;
      } else if (v->s.size() + 4 <= prefix) {
        ASSERT_TRUE(exact) << json;  // too short to be cut
      } else if (v->s.size() > prefix) {
        ASSERT_FALSE(exact) << json;  // a cut key stands for other values too
      }
      if (exact) {
        ASSERT_TRUE(truth == *cand) << json;
      }
      ++checked;
      selective += cand->cardinality() < live.cardinality() / 2;
    }
  }
  ASSERT_GT(checked, 500);
  std::printf(
      "prefix %zu: %d of %d equality lookups selective, %d of %d filters answered (%d exactly, "
      "%d of them non-empty), %d as column tests (%d non-empty)\n",
      prefix, selective, checked, answered, kFilters, exact_answers, exact_nonempty, column_tests,
      column_nonempty);
  // Booleans split records roughly in three (true, false, other); strings and numbers are sparse,
  // unless the prefix is so short that every string shares one of a handful of keys.
  if (prefix >= 5) {
    EXPECT_GT(selective, checked * 9 / 10) << selective << " of " << checked;
  }
  EXPECT_GT(selective, checked / 2) << selective << " of " << checked;
}

INSTANTIATE_TEST_SUITE_P(Prefixes, OracleIndexTest, ::testing::Values(64, 5, 1, 0));

}  // namespace
}  // namespace semble::meta
