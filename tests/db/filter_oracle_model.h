// Copyright 2026 The semble Authors.
//
// The filter oracle's model (tests/db/filter_oracle_test.cc), written without the engine's code:
// metadata values and the random records and filters made of them, the filter language evaluated
// by docs/API.md ("Filters"), keyword documents with a brute-force BM25, and the values a grouped
// query groups by.

#ifndef SEMBLE_TESTS_DB_FILTER_ORACLE_MODEL_H_
#define SEMBLE_TESTS_DB_FILTER_ORACLE_MODEL_H_

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace semble::test::filter_oracle {

// ---------------------------------------------------------------------------------------------
// The model's metadata values.

struct MV {
  enum class K { kNull, kBool, kNum, kStr, kArr, kObj };
  K k = K::kNull;
  bool b = false;
  double n = 0;
  std::string text;  // kNum: the JSON literal as written; kStr: the string
  std::vector<std::string> arr;
  std::vector<std::pair<std::string, MV>> obj;

  static MV Null() { return MV(); }
  static MV Bool(bool v) {
    MV m;
    m.k = K::kBool;
    m.b = v;
    return m;
  }
  static MV Num(const std::string& literal) {
    MV m;
    m.k = K::kNum;
    m.text = literal;
    m.n = std::strtod(literal.c_str(), nullptr);
    return m;
  }
  static MV Str(std::string s) {
    MV m;
    m.k = K::kStr;
    m.text = std::move(s);
    return m;
  }
  static MV Arr(std::vector<std::string> a) {
    MV m;
    m.k = K::kArr;
    m.arr = std::move(a);
    return m;
  }
  static MV Obj(std::vector<std::pair<std::string, MV>> o) {
    MV m;
    m.k = K::kObj;
    m.obj = std::move(o);
    return m;
  }
};

using Meta = std::vector<std::pair<std::string, MV>>;

inline std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\t') {
      out += "\\t";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

inline std::string ToJson(const MV& v) {
  switch (v.k) {
    case MV::K::kNull:
      return "null";
    case MV::K::kBool:
      return v.b ? "true" : "false";
    case MV::K::kNum:
      return v.text;
    case MV::K::kStr:
      return Quote(v.text);
    case MV::K::kArr: {
      std::string out = "[";
      for (size_t i = 0; i < v.arr.size(); ++i) out += (i ? "," : "") + Quote(v.arr[i]);
      return out + "]";
    }
    case MV::K::kObj: {
      std::string out = "{";
      for (size_t i = 0; i < v.obj.size(); ++i) {
        out += (i ? "," : "") + Quote(v.obj[i].first) + ":" + ToJson(v.obj[i].second);
      }
      return out + "}";
    }
  }
  return "null";
}

inline std::string MetaJson(const Meta& m) {
  if (m.empty()) return "";
  return ToJson(MV::Obj(m));
}

// The value at "key" or "parent.child", or null when absent.
inline const MV* Find(const Meta& m, const std::string& path) {
  const size_t dot = path.find('.');
  const std::string top = path.substr(0, dot);
  for (const auto& [k, v] : m) {
    if (k != top) continue;
    if (dot == std::string::npos) return &v;
    if (v.k != MV::K::kObj) return nullptr;
    const std::string child = path.substr(dot + 1);
    for (const auto& [ck, cv] : v.obj) {
      if (ck == child) return &cv;
    }
    return nullptr;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Value pools: numbers with ties (-0 and 0, 1e2 and 100, two integers one double), negatives and
// fractions; strings that share prefixes, multibyte ones, and long ones cut at the 64-byte
// indexed prefix (inside a character too), with operands of every length around the cut.

inline const std::vector<std::string>& NumberLiterals() {
  static const std::vector<std::string> pool = [] {
    std::vector<std::string> p;
    for (int i = -6; i <= 6; ++i) p.push_back(std::to_string(i));
    for (const char* s :
         {"-0", "0.5", "-0.5", "2.5", "-2.5", "1e2", "100", "-100", "0.1", "1.5e-8",
          "9007199254740992", "9007199254740993", "-1e300", "1e300", "3.0000000000000004"}) {
      p.push_back(s);
    }
    return p;
  }();
  return pool;
}

inline const std::vector<std::string>& Strings() {
  static const std::vector<std::string> pool = [] {
    std::vector<std::string> p = {"",
                                  "a",
                                  "ab",
                                  "abc",
                                  "abd",
                                  "abc\xC3\xA9",
                                  "b",
                                  "ba",
                                  "bb",
                                  "B",
                                  "\xC3\xA9",
                                  "\xC3\xA9"
                                  "a",
                                  "\xED\x95\x9C",
                                  "\xED\x95\x9C\xEA\xB5\xAD",
                                  "5",
                                  "true",
                                  "null",
                                  "zz"};
    // A long prefix and values extending it, in the pool's order.
    const auto extend = [&p](const std::string& prefix, std::initializer_list<const char*> tails) {
      for (const char* tail : tails) p.push_back(prefix + tail);
    };
    // 61 bytes then a 2-byte character: a 63-byte key. Longer values share it.
    extend(std::string(61, 'x'), {"", "\xC3\xA9",
                                  "\xC3\xA9"
                                  "a",
                                  "\xC3\xA9"
                                  "b",
                                  "\xC3\xA9"
                                  "ab"});
    // 62 bytes then a 3-byte character: the cut falls inside it, the key is the 62 bytes, which
    // is also a whole value.
    extend(std::string(62, 'y'), {"", "\xED\x95\x9C",
                                  "\xED\x95\x9C"
                                  "a",
                                  "a", "ab"});
    // 64 bytes exactly, and longer values sharing them.
    const std::string z64(64, 'z');
    p.push_back(z64.substr(0, 60));
    p.push_back(z64.substr(0, 63));
    extend(z64, {"", "a", "b"});
    p.push_back(std::string(59, 'z') + "a");
    return p;
  }();
  return pool;
}

template <typename T>
const T& Pick(std::mt19937& rng, const std::vector<T>& v) {
  return v[rng() % v.size()];
}

inline int Percent(std::mt19937& rng) { return static_cast<int>(rng() % 100); }

inline MV RandomNumber(std::mt19937& rng) { return MV::Num(Pick(rng, NumberLiterals())); }
inline MV RandomString(std::mt19937& rng) { return MV::Str(Pick(rng, Strings())); }
// A date-like string ("2026-123"): short, never an array, so an index over a field of only these
// keeps a column of its keys (metadata_index.h) that ranges and equality are answered from.
inline MV RandomDate(std::mt19937& rng) {
  char d[16];
  std::snprintf(d, sizeof(d), "2026-%03u", static_cast<unsigned>(rng() % 400));
  return MV::Str(d);
}
inline MV RandomStringArray(std::mt19937& rng) {
  std::vector<std::string> a;
  for (int i = 0, n = static_cast<int>(rng() % 4); i < n; ++i) a.push_back(Pick(rng, Strings()));
  return MV::Arr(std::move(a));
}
inline MV RandomScalar(std::mt19937& rng) {
  switch (rng() % 4) {
    case 0:
      return RandomNumber(rng);
    case 1:
      return RandomString(rng);
    case 2:
      return MV::Bool(rng() % 2 == 0);
    default:
      return MV::Null();
  }
}

// A number-typed field: mostly numbers, sometimes another type, sometimes missing.
inline std::optional<MV> NumberField(std::mt19937& rng) {
  const int p = Percent(rng);
  if (p < 72) return RandomNumber(rng);
  if (p < 80) return RandomString(rng);
  if (p < 84) return MV::Bool(rng() % 2 == 0);
  if (p < 87) return MV::Null();
  if (p < 89) return RandomStringArray(rng);
  return std::nullopt;
}
inline std::optional<MV> StringField(std::mt19937& rng) {
  const int p = Percent(rng);
  if (p < 58) return RandomString(rng);
  if (p < 72) return RandomStringArray(rng);
  if (p < 78) return RandomNumber(rng);
  if (p < 81) return MV::Bool(rng() % 2 == 0);
  if (p < 84) return MV::Null();
  return std::nullopt;
}
// A date-typed field: mostly dates, sometimes a number or null, sometimes missing; never an array
// nor a string long enough to be cut, so its string index answers from a column.
inline std::optional<MV> DateField(std::mt19937& rng) {
  const int p = Percent(rng);
  if (p < 80) return RandomDate(rng);
  if (p < 85) return RandomNumber(rng);
  if (p < 88) return MV::Null();
  return std::nullopt;
}
inline std::optional<MV> BoolField(std::mt19937& rng) {
  const int p = Percent(rng);
  if (p < 70) return MV::Bool(rng() % 2 == 0);
  if (p < 75) return MV::Num(rng() % 2 ? "1" : "0");
  if (p < 80) return MV::Str("true");
  if (p < 83) return MV::Null();
  return std::nullopt;
}

inline Meta RandomMeta(std::mt19937& rng) {
  Meta m;
  if (Percent(rng) < 4) return m;  // no metadata at all
  auto put = [&](const char* key, std::optional<MV> v) {
    if (v) m.emplace_back(key, std::move(*v));
  };
  put("n", NumberField(rng));
  put("s", StringField(rng));
  put("b", BoolField(rng));
  put("d", DateField(rng));
  put("u", NumberField(rng));  // not indexed: the same values as n, checked on the record
  put("t", StringField(rng));  // not indexed, like s
  const int p = Percent(rng);
  if (p < 55) {
    std::vector<std::pair<std::string, MV>> o;
    if (auto k = StringField(rng)) o.emplace_back("k", std::move(*k));
    if (auto x = NumberField(rng)) o.emplace_back("x", std::move(*x));
    m.emplace_back("o", MV::Obj(std::move(o)));
  } else if (p < 62) {
    m.emplace_back("o", RandomString(rng));  // "o.k" and "o.x" then are missing
  }
  std::shuffle(m.begin(), m.end(), rng);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Keyword documents: a record's text and the string values of its metadata field "w" (the text
// index's one field), made of the words "k0".."k29" (low numbers common), now and then in upper
// case, between spaces, tabs, commas or semicolons. The index analyses with language "none" (no
// stemming, no stop words): case folding and word boundaries, which Words() does for these.

inline std::string RandomWords(std::mt19937& rng, int max_words) {
  static const char* const kSeparators[] = {" ", "  ", ", ", "; ", "\t"};
  std::string s;
  const int n = static_cast<int>(rng() % (max_words + 1));
  for (int i = 0; i < n; ++i) {
    const unsigned w = std::min(rng() % 30, rng() % 30);
    if (i > 0) s += kSeparators[rng() % std::size(kSeparators)];
    s += (rng() % 8 == 0 ? "K" : "k") + std::to_string(w);
  }
  return s;
}

// The "w" field: words, an array of words, a number (not a string: no terms), or missing.
inline std::optional<MV> WordsField(std::mt19937& rng) {
  const int p = Percent(rng);
  if (p < 40) return MV::Str(RandomWords(rng, 3));
  if (p < 55) {
    std::vector<std::string> a;
    for (int i = 0, n = static_cast<int>(rng() % 4); i < n; ++i) a.push_back(RandomWords(rng, 2));
    return MV::Arr(std::move(a));
  }
  if (p < 60) return RandomNumber(rng);
  return std::nullopt;
}

inline std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> out;
  std::string word;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      word += static_cast<char>(std::tolower(u));
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

// The terms of a record's keyword document: its text, then the strings of "w".
inline std::vector<std::string> DocTerms(const std::string& text, const Meta& meta) {
  std::vector<std::string> terms = Words(text);
  auto add = [&](const std::string& s) {
    for (std::string& w : Words(s)) terms.push_back(std::move(w));
  };
  if (const MV* w = Find(meta, "w")) {
    if (w->k == MV::K::kStr) add(w->text);
    if (w->k == MV::K::kArr) {
      for (const std::string& s : w->arr) add(s);
    }
  }
  return terms;
}

// BM25 as docs/ARCHITECTURE.md ("Keyword search") defines it: Lucene's idf
// ln(1 + (N - n + 0.5) / (n + 0.5)), k1 1.2, b 0.75, the (k1 + 1) numerator, exact document
// lengths, a repeated query word counted per repeat. N, avgdl and n(t) cover every stored
// document (`docs`: expired records not purged yet too); a document without terms is none.
// Returns the score of each document that holds a query word.
inline std::map<std::string, double> Bm25Scores(
    const std::map<std::string, std::vector<std::string>>& docs,
    const std::vector<std::string>& query) {
  constexpr double kK1 = 1.2, kB = 0.75;
  std::map<std::string, int> df;
  double total = 0;
  size_t n_docs = 0;
  for (const auto& [id, terms] : docs) {
    if (terms.empty()) continue;
    ++n_docs;
    total += static_cast<double>(terms.size());
    for (const std::string& t : std::set<std::string>(terms.begin(), terms.end())) ++df[t];
  }
  std::map<std::string, double> scores;
  if (n_docs == 0) return scores;
  const double avgdl = total / static_cast<double>(n_docs);
  for (const auto& [id, terms] : docs) {
    double s = 0;
    bool any = false;
    for (const std::string& t : query) {
      const double f = static_cast<double>(std::count(terms.begin(), terms.end(), t));
      if (f == 0) continue;
      any = true;
      const double n = df[t];
      const double idf = std::log(1 + (static_cast<double>(n_docs) - n + 0.5) / (n + 0.5));
      s += idf * f * (kK1 + 1) /
           (f + kK1 * (1 - kB + kB * static_cast<double>(terms.size()) / avgdl));
    }
    if (any) scores[id] = s;
  }
  return scores;
}

// ---------------------------------------------------------------------------------------------
// Group values (query.h, docs/API.md): a string, number or boolean is a value; an array of
// strings gives each element; null, an object or a missing property gives none. Values are the
// same when they are equal as the filter compares them (-0 and 0, 1e2 and 100, two integers that
// round to one double): the identity below is the kind and the value, not the spelling.

inline std::string NumberIdentity(double d) {
  if (d == 0) d = 0;  // -0 is 0
  char buf[32];
  std::snprintf(buf, sizeof(buf), "n:%a", d);
  return buf;
}

inline std::vector<std::string> GroupValues(const Meta& meta, const std::string& path) {
  const MV* v = Find(meta, path);
  if (v == nullptr) return {};
  switch (v->k) {
    case MV::K::kStr:
      return {"s:" + v->text};
    case MV::K::kNum:
      return {NumberIdentity(v->n)};
    case MV::K::kBool:
      return {v->b ? "b:1" : "b:0"};
    case MV::K::kArr: {
      std::set<std::string> distinct;
      for (const std::string& s : v->arr) distinct.insert("s:" + s);
      return {distinct.begin(), distinct.end()};
    }
    default:
      return {};
  }
}

// The identity of a group's key_json as the engine writes it ("\"abc\"", "100", "true"); "" when
// it is none of those. Strings escape only '"', '\\' and control characters (the "w" field's
// tabs).
inline std::string KeyIdentity(const std::string& json) {
  if (json == "true") return "b:1";
  if (json == "false") return "b:0";
  if (json.size() >= 2 && json.front() == '"' && json.back() == '"') {
    constexpr std::string_view kEscaped = "bfnrt", kMeant = "\b\f\n\r\t";
    std::string out = "s:";
    for (size_t i = 1; i + 1 < json.size(); ++i) {
      if (json[i] != '\\') {
        out += json[i];
      } else if (++i + 1 >= json.size()) {
        return "";
      } else if (json[i] == 'u') {  // \u00XX
        if (i + 5 >= json.size()) return "";
        const unsigned long c = std::stoul(json.substr(i + 1, 4), nullptr, 16);
        if (c >= 0x80) return "";
        out += static_cast<char>(c);
        i += 4;
      } else if (const size_t e = kEscaped.find(json[i]); e != std::string::npos) {
        out += kMeant[e];
      } else {
        out += json[i];  // '"', '\\', '/'
      }
    }
    return out;
  }
  char* end = nullptr;
  const double d = std::strtod(json.c_str(), &end);
  if (json.empty() || end != json.c_str() + json.size()) return "";
  return NumberIdentity(d);
}

// ---------------------------------------------------------------------------------------------
// Filters: a tree the model evaluates, written out as the engine reads it.

struct FNode {
  enum class Kind { kAnd, kOr, kNot, kCond };
  Kind kind = Kind::kAnd;
  std::string key;
  std::string op;  // "$eq" ... "$exists"
  std::vector<MV> operands;
  std::vector<FNode> children;
};

inline bool Equal(const MV& field, const MV& x) {
  if (field.k == MV::K::kArr) {
    if (x.k != MV::K::kStr) return false;
    return std::find(field.arr.begin(), field.arr.end(), x.text) != field.arr.end();
  }
  if (field.k != x.k) return false;
  switch (x.k) {
    case MV::K::kNull:
      return true;
    case MV::K::kBool:
      return field.b == x.b;
    case MV::K::kNum:
      return field.n == x.n;
    case MV::K::kStr:
      return field.text == x.text;
    default:
      return false;  // objects never equal an operand
  }
}

inline bool InRange(const std::string& op, int cmp) {
  if (op == "$lt") return cmp < 0;
  if (op == "$lte") return cmp <= 0;
  if (op == "$gt") return cmp > 0;
  return cmp >= 0;  // $gte
}

inline int CompareBytes(const std::string& a, const std::string& b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

inline bool Ranged(const MV& field, const std::string& op, const MV& x) {
  if (x.k == MV::K::kNum) {
    if (field.k != MV::K::kNum) return false;
    return InRange(op, field.n < x.n ? -1 : (field.n > x.n ? 1 : 0));
  }
  if (field.k == MV::K::kStr) return InRange(op, CompareBytes(field.text, x.text));
  if (field.k == MV::K::kArr) {
    for (const std::string& s : field.arr) {
      if (InRange(op, CompareBytes(s, x.text))) return true;
    }
  }
  return false;
}

inline bool Eval(const FNode& f, const Meta& m) {
  switch (f.kind) {
    case FNode::Kind::kAnd:
      for (const FNode& c : f.children) {
        if (!Eval(c, m)) return false;
      }
      return true;
    case FNode::Kind::kOr:
      for (const FNode& c : f.children) {
        if (Eval(c, m)) return true;
      }
      return false;
    case FNode::Kind::kNot:
      return !Eval(f.children.front(), m);
    case FNode::Kind::kCond:
      break;
  }
  const MV* v = Find(m, f.key);
  const std::string& op = f.op;
  if (op == "$exists") return (v != nullptr) == f.operands.front().b;
  if (op == "$eq" || op == "$ne" || op == "$in" || op == "$nin") {
    bool any = false;
    if (v != nullptr) {
      for (const MV& x : f.operands) any = any || Equal(*v, x);
    }
    return (op == "$eq" || op == "$in") ? any : !any;
  }
  return v != nullptr && Ranged(*v, op, f.operands.front());
}

inline FNode Cond(std::string key, std::string op, std::vector<MV> operands) {
  FNode n;
  n.kind = FNode::Kind::kCond;
  n.key = std::move(key);
  n.op = std::move(op);
  n.operands = std::move(operands);
  return n;
}

// The field keys filters name, with the type their values mostly have.
struct Key {
  const char* name;
  char type;  // 'n'umber, 's'tring, 'd'ate (a short string), 'b'oolean, '?' any
  int weight;
};
inline constexpr Key kKeys[] = {{"n", 'n', 6}, {"s", 's', 6}, {"b", 'b', 4},   {"d", 'd', 4},
                                {"u", 'n', 2}, {"t", 's', 2}, {"o.x", 'n', 2}, {"o.k", 's', 2},
                                {"o", '?', 1}, {"zz", '?', 1}};

inline const Key& RandomKey(std::mt19937& rng) {
  int total = 0;
  for (const Key& k : kKeys) total += k.weight;
  int r = static_cast<int>(rng() % total);
  for (const Key& k : kKeys) {
    if (r < k.weight) return k;
    r -= k.weight;
  }
  return kKeys[0];
}

// An operand for a key: mostly of the key's type.
inline MV Operand(std::mt19937& rng, char type, bool range) {
  if (Percent(rng) < 85) {
    switch (type) {
      case 'n':
        return RandomNumber(rng);
      case 's':
        return RandomString(rng);
      case 'd':
        return RandomDate(rng);
      case 'b':
        if (!range) return MV::Bool(rng() % 2 == 0);
        break;
      default:
        break;
    }
  }
  if (range) return rng() % 2 ? RandomNumber(rng) : RandomString(rng);
  return RandomScalar(rng);
}

inline constexpr const char* kRangeOps[] = {"$lt", "$lte", "$gt", "$gte"};

// The operator object of one key ({"$gte":1,"$lt":5}) or a bare value, as (json, node).
inline std::pair<std::string, FNode> RandomField(std::mt19937& rng) {
  const Key& key = RandomKey(rng);
  const int p = Percent(rng);
  if (p < 14) {  // bare value = $eq
    MV x = Operand(rng, key.type, false);
    return {Quote(key.name) + ":" + ToJson(x), Cond(key.name, "$eq", {x})};
  }
  std::vector<std::string> ops;
  if (p < 34) {
    ops = {rng() % 2 ? "$gt" : "$gte", rng() % 2 ? "$lt" : "$lte"};  // an interval
  } else if (p < 40) {
    ops = {"$exists"};
  } else if (p < 46) {
    ops = {Pick(rng, std::vector<std::string>{"$eq", "$ne", "$in", "$nin"}), kRangeOps[rng() % 4]};
  } else {
    static const std::vector<std::string> single = {"$eq", "$ne",  "$in", "$in", "$nin",
                                                    "$lt", "$lte", "$gt", "$gte"};
    ops = {Pick(rng, single)};
  }
  // An interval's bounds, usually in order (lower first), so that it is seldom empty.
  std::optional<MV> lower, upper;
  if (p < 34) {
    lower = Operand(rng, key.type, true);
    upper = Operand(rng, key.type, true);
    if (lower->k == upper->k && Percent(rng) < 80) {
      const bool swap = lower->k == MV::K::kNum ? lower->n > upper->n
                                                : CompareBytes(lower->text, upper->text) > 0;
      if (swap) std::swap(lower, upper);
    }
  }
  FNode all;
  all.kind = FNode::Kind::kAnd;
  std::string json = Quote(key.name) + ":{";
  for (size_t i = 0; i < ops.size(); ++i) {
    const std::string& op = ops[i];
    std::string operand_json;
    std::vector<MV> operands;
    if (op == "$exists") {
      operands.push_back(MV::Bool(rng() % 3 != 0));
      operand_json = ToJson(operands.back());
    } else if (op == "$in" || op == "$nin") {
      operand_json = "[";
      for (int j = 0, n = static_cast<int>(rng() % 5); j < n; ++j) {
        operands.push_back(Operand(rng, key.type, false));
        operand_json += (j ? "," : "") + ToJson(operands.back());
      }
      operand_json += "]";
    } else if (lower) {
      operands.push_back(i == 0 ? *lower : *upper);
      operand_json = ToJson(operands.back());
    } else {
      const bool range = op != "$eq" && op != "$ne";
      operands.push_back(Operand(rng, key.type, range));
      operand_json = ToJson(operands.back());
    }
    json += (i ? "," : "") + Quote(op) + ":" + operand_json;
    all.children.push_back(Cond(key.name, op, std::move(operands)));
  }
  json += "}";
  if (all.children.size() == 1) return {json, std::move(all.children.front())};
  return {json, std::move(all)};
}

// A filter object's members: 1-3 fields on distinct keys, now and then $and / $or / $not.
inline std::pair<std::string, FNode> RandomObject(std::mt19937& rng, int depth) {
  FNode all;
  all.kind = FNode::Kind::kAnd;
  std::string json = "{";
  std::set<std::string> used;
  const int r = Percent(rng);
  const int members = r < 60 ? 1 : (r < 90 || depth > 0 ? 2 : 3);
  for (int i = 0; i < members; ++i) {
    std::string member;
    const int p = Percent(rng);
    if (depth < 2 && p < 22) {
      const char* logical = p < 9 ? "$or" : (p < 16 ? "$and" : "$not");
      if (!used.insert(logical).second) continue;
      FNode n;
      if (std::string(logical) == "$not") {
        n.kind = FNode::Kind::kNot;
        auto [j, child] = RandomObject(rng, depth + 1);
        n.children.push_back(std::move(child));
        member = Quote(logical) + ":" + j;
      } else {
        n.kind = std::string(logical) == "$or" ? FNode::Kind::kOr : FNode::Kind::kAnd;
        member = Quote(logical) + ":[";
        for (int c = 0, n_children = 1 + static_cast<int>(rng() % 3); c < n_children; ++c) {
          auto [j, child] = RandomObject(rng, depth + 1);
          n.children.push_back(std::move(child));
          member += (c ? "," : "") + j;
        }
        member += "]";
      }
      all.children.push_back(std::move(n));
    } else {
      auto [j, node] = RandomField(rng);
      const std::string key = node.kind == FNode::Kind::kCond ? node.key : node.children[0].key;
      if (!used.insert(key).second) continue;
      member = j;
      all.children.push_back(std::move(node));
    }
    json += (json.size() > 1 ? "," : "") + member;
  }
  if (all.children.empty()) {  // every member collided: one field
    auto [j, node] = RandomField(rng);
    json += j;
    all.children.push_back(std::move(node));
  }
  return {json + "}", std::move(all)};
}

struct Filter {
  std::string json;
  FNode root;
};

inline Filter RandomFilter(std::mt19937& rng) {
  while (true) {
    auto [json, root] = RandomObject(rng, 0);
    if (json.size() <= 1500) return {json, std::move(root)};  // well under the 2048-byte limit
  }
}

}  // namespace semble::test::filter_oracle

#endif  // SEMBLE_TESTS_DB_FILTER_ORACLE_MODEL_H_
