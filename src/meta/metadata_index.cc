// Copyright 2026 The semble Authors.
//
// Why the answers are supersets. A string index keys a value v by P(v), its first bytes cut on a
// UTF-8 boundary, so P(v) is a prefix of v and many values share a key. For an operand x:
// - v == x implies P(v) == P(x): look up P(x).
// - v < x (or <=) implies P(v) <= v < x: take the keys k < x (k <= x), compared with the whole x.
// - v > x (or >=) for some v starting with k holds exactly when k > x or k is a prefix of x
//   (P is not monotonic across a cut that falls inside a multibyte character, so "k >= P(x)" would
//   lose keys): take the keys k > x (k >= x) plus the keys that are prefixes of x.
// A condition can only be answered when its operands have the index's type: the index does not
// hold values of other types, which such operands may match (a null, a number in a string index).

#include "meta/metadata_index.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/column_select.h"
#include "core/utf8.h"

namespace semble::meta {

namespace {

Value::Kind IndexedKind(MetadataIndexType type) {
  switch (type) {
    case MetadataIndexType::kString:
      return Value::Kind::kString;
    case MetadataIndexType::kNumber:
      return Value::Kind::kNumber;
    case MetadataIndexType::kBoolean:
      return Value::Kind::kBool;
  }
  return Value::Kind::kNull;
}

bool IsRange(Condition::Op op) {
  return op == Condition::Op::kLt || op == Condition::Op::kLte || op == Condition::Op::kGt ||
         op == Condition::Op::kGte;
}

// A range of a number index spanning many distinct values (timestamps, prices: a value per
// record) is answered from the column, not from one bitmap per value. Walking the values in
// range costs a cache miss or two per value: a count over half of 331k distinct values took
// ~30 ms, 170x the search it was planning (bench/RESULTS.md, "Filters on a value per record").
//
// The count a SlotTest gives the planner is exact while the shorter side of the range (the values
// in it, or those outside it) holds at most kExactCountValues values; past that it is estimated
// from kCountRuns runs of kCountRunSlots consecutive slots spread evenly over the column (runs, so
// that the sample reads a few hundred cache lines, not a line per slot): a standard error of at
// most 0.5 / sqrt(1024) of the column, ~1.6%, for independent values, which is all a choice
// between two plans needs.
constexpr size_t kExactCountValues = 256;
constexpr size_t kCountRuns = 64;
constexpr size_t kCountRunSlots = 16;
// Candidates for a range: the union of the values' bitmaps while the range holds at most one
// value per kColumnScanSlotsPerValue slots of the column (and at least kMinUnionValues), else a
// vectorised scan of the column (core::SelectInRange). Each bitmap of a union cost ~100 ns with
// the walk to it, the scan ~0.3 ns a slot whatever the range (GloVe, 331k slots, a value per
// record: 331 values 30 us by union against 100 us by scan; 3,314 values 300 us against 100 us).
constexpr size_t kColumnScanSlotsPerValue = 256;
constexpr size_t kMinUnionValues = 256;
// A string index has no column: a range over more keys than this is left unanswered (the query
// then checks the filter on the records it visits). Each key costs its bitmap in the union and
// then, the answer not being exact, a check of each candidate's record: ~200 ns a key with a value
// per record, so 8,192 keys ~1.6 ms, where a 50% range over 331k ISO-date-like strings took 55 ms
// (bench/RESULTS.md, "Filters on a value per record").
constexpr size_t kMaxStringRangeKeys = 8192;

// The interval that every condition, each one range, allows together: the tightest lower and
// upper bounds (of two equal ones, the open one), none where no condition bounds that side. False
// when a condition is not a range of one operand.
template <class T, class Get>
bool IntersectRanges(const std::vector<const Condition*>& conditions, const Get& get,
                     std::optional<T>* lo, bool* lo_closed, std::optional<T>* hi, bool* hi_closed) {
  for (const Condition* c : conditions) {
    if (!IsRange(c->op) || c->operands.size() != 1) return false;
    T x = get(c->operands.front());
    if (c->op == Condition::Op::kGt || c->op == Condition::Op::kGte) {
      const bool closed = c->op == Condition::Op::kGte;
      if (!*lo || x > **lo || (x == **lo && !closed)) {
        *lo = std::move(x);
        *lo_closed = closed;
      }
    } else {
      const bool closed = c->op == Condition::Op::kLte;
      if (!*hi || x < **hi || (x == **hi && !closed)) {
        *hi = std::move(x);
        *hi_closed = closed;
      }
    }
  }
  return true;
}

// The slots whose value in `column` lies in the interval (NaN: none), as a bitmap.
roaring::Roaring ColumnRange(const std::vector<double>& column, double lo, bool lo_closed,
                             double hi, bool hi_closed) {
  const double inf = std::numeric_limits<double>::infinity();
  // An open bound as the closed one that selects the same doubles.
  if (!lo_closed) lo = std::nextafter(lo, inf);
  if (!hi_closed) hi = std::nextafter(hi, -inf);
  roaring::Roaring out;
  constexpr size_t kBatch = 4096;
  uint32_t batch[kBatch];
  for (size_t begin = 0; begin < column.size(); begin += kBatch) {
    const size_t n = std::min(kBatch, column.size() - begin);
    out.addMany(
        core::SelectInRange(column.data() + begin, n, lo, hi, static_cast<uint32_t>(begin), batch),
        batch);
  }
  return out;
}

// Sets column[slot] = value, growing the column with `none` as needed.
template <typename T>
void SetColumn(std::vector<T>* column, uint32_t slot, T value, T none) {
  if (slot >= column->size()) {
    if (value == none || (std::is_floating_point_v<T> && value != value)) return;
    column->resize(std::max<size_t>(size_t{slot} + 1, column->size() * 3 / 2), none);
  }
  (*column)[slot] = value;
}

// Appends the conditions of `node` when it is one, or an AND (at any depth) of only conditions.
bool AndedConditions(const FilterNode& node, std::vector<const Condition*>* out) {
  if (node.kind == FilterNode::Kind::kCondition) {
    out->push_back(&node.condition);
    return true;
  }
  if (node.kind != FilterNode::Kind::kAnd) return false;
  for (const FilterNode& child : node.children) {
    if (!AndedConditions(child, out)) return false;
  }
  return true;
}

}  // namespace

bool SlotTest::Matches(uint32_t slot) const {
  if (strings_ != nullptr) {
    if (slot >= strings_->size()) return false;
    const std::string* x = (*strings_)[slot];
    if (x == nullptr) return false;  // no single string
    if (in_) return std::binary_search(string_values_.begin(), string_values_.end(), *x);
    return (!has_slo_ || (lo_closed_ ? *x >= slo_ : *x > slo_)) &&
           (!has_shi_ || (hi_closed_ ? *x <= shi_ : *x < shi_));
  }
  if (numbers_ != nullptr) {
    if (slot >= numbers_->size()) return false;
    const double x = (*numbers_)[slot];
    if (x != x) return false;  // no value
    if (in_) return std::binary_search(values_.begin(), values_.end(), x);
    return (lo_closed_ ? x >= lo_ : x > lo_) && (hi_closed_ ? x <= hi_ : x < hi_);
  }
  if (slot >= bools_->size()) return false;
  const int8_t b = (*bools_)[slot];
  return b >= 0 && accept_[b];
}

MetadataIndex::MetadataIndex(MetadataIndexDescription desc, size_t string_prefix_bytes)
    : desc_(std::move(desc)), prefix_bytes_(string_prefix_bytes) {}

void MetadataIndex::Add(uint32_t slot, const Value& metadata) {
  const Value* v = metadata.FindPath(desc_.property_name);
  if (v == nullptr) return;
  switch (desc_.type) {
    case MetadataIndexType::kString:
      if (v->kind() == Value::Kind::kString) {
        const std::string_view key = core::Utf8Prefix(v->string(), prefix_bytes_);
        auto it = strings_.try_emplace(std::string(key)).first;
        it->second.add(slot);
        // A map node's key stays where it is until the node is erased, which happens only once no
        // slot is under it.
        SetColumn<const std::string*>(&string_column_, slot, &it->first, nullptr);
        ++string_slots_;
        if (key.size() < v->string().size()) ++cut_strings_;
      } else if (v->kind() == Value::Kind::kStringArray) {
        ++string_arrays_;
        for (const std::string& s : v->strings()) {
          strings_[std::string(core::Utf8Prefix(s, prefix_bytes_))].add(slot);
        }
      }
      break;
    case MetadataIndexType::kNumber:
      // NaN cannot come from JSON; keeping it out keeps the map's ordering a strict weak order.
      if (v->kind() == Value::Kind::kNumber && !std::isnan(v->number())) {
        if (numbers_[v->number()].addChecked(slot)) ++number_total_;
        SetColumn(&number_column_, slot, v->number(), std::numeric_limits<double>::quiet_NaN());
      }
      break;
    case MetadataIndexType::kBoolean:
      if (v->kind() == Value::Kind::kBool) {
        (v->bool_value() ? true_slots_ : false_slots_).add(slot);
        SetColumn<int8_t>(&bool_column_, slot, v->bool_value() ? 1 : 0, -1);
      }
      break;
  }
}

void MetadataIndex::Remove(uint32_t slot, const Value& metadata) {
  const Value* v = metadata.FindPath(desc_.property_name);
  if (v == nullptr) return;
  auto remove_string = [&](const std::string& s) {
    auto it = strings_.find(core::Utf8Prefix(s, prefix_bytes_));
    if (it == strings_.end()) return;
    it->second.remove(slot);
    // Empty bitmaps would only slow range scans down.
    if (it->second.isEmpty()) strings_.erase(it);
  };
  switch (desc_.type) {
    case MetadataIndexType::kString:
      if (v->kind() == Value::Kind::kString) {
        SetColumn<const std::string*>(&string_column_, slot, nullptr, nullptr);
        --string_slots_;
        if (core::Utf8Prefix(v->string(), prefix_bytes_).size() < v->string().size()) {
          --cut_strings_;
        }
        remove_string(v->string());
      } else if (v->kind() == Value::Kind::kStringArray) {
        --string_arrays_;
        for (const std::string& s : v->strings()) remove_string(s);
      }
      break;
    case MetadataIndexType::kNumber:
      if (v->kind() == Value::Kind::kNumber && !std::isnan(v->number())) {
        SetColumn(&number_column_, slot, std::numeric_limits<double>::quiet_NaN(),
                  std::numeric_limits<double>::quiet_NaN());
        auto it = numbers_.find(v->number());
        if (it == numbers_.end()) break;
        if (it->second.removeChecked(slot)) --number_total_;
        if (it->second.isEmpty()) numbers_.erase(it);
      }
      break;
    case MetadataIndexType::kBoolean:
      if (v->kind() == Value::Kind::kBool) {
        SetColumn<int8_t>(&bool_column_, slot, -1, -1);
        (v->bool_value() ? true_slots_ : false_slots_).remove(slot);
      }
      break;
  }
}

std::optional<roaring::Roaring> MetadataIndex::Candidates(const Condition& c, bool* exact) const {
  bool ignored;
  if (exact == nullptr) exact = &ignored;
  *exact = false;
  if (c.path != desc_.property_name) return std::nullopt;
  bool equality = c.op == Condition::Op::kEq || c.op == Condition::Op::kIn;
  if (!equality && !IsRange(c.op)) return std::nullopt;  // $ne, $nin, $exists
  Value::Kind kind = IndexedKind(desc_.type);
  for (const Value& operand : c.operands) {
    if (operand.kind() != kind) return std::nullopt;
  }

  if (equality) {
    // $eq has one operand, $in any number (none: nothing matches, so the empty set is exact).
    // Numbers and booleans are keyed by their value. A string key is the value itself unless the
    // value was cut, and a cut key is at least prefix_bytes_ - 3 bytes long (Utf8Prefix backs up
    // over at most three continuation bytes): an operand shorter than that equals no cut key, so
    // the slots under its key hold exactly it.
    *exact = desc_.type != MetadataIndexType::kString ||
             std::all_of(c.operands.begin(), c.operands.end(), [&](const Value& operand) {
               return operand.string().size() + 4 <= prefix_bytes_;
             });
    roaring::Roaring out;
    for (const Value& operand : c.operands) {
      switch (desc_.type) {
        case MetadataIndexType::kString: {
          auto it = strings_.find(core::Utf8Prefix(operand.string(), prefix_bytes_));
          if (it != strings_.end()) out |= it->second;
          break;
        }
        case MetadataIndexType::kNumber: {
          auto it = numbers_.find(operand.number());
          if (it != numbers_.end()) out |= it->second;
          break;
        }
        case MetadataIndexType::kBoolean:
          out |= operand.bool_value() ? true_slots_ : false_slots_;
          break;
      }
    }
    return out;
  }

  if (c.operands.size() != 1) return std::nullopt;
  const Value& operand = c.operands.front();
  switch (desc_.type) {
    case MetadataIndexType::kNumber: {
      double x = operand.number();
      if (std::isnan(x)) return std::nullopt;
      // Keys are the stored numbers themselves, ordered as the filter compares them.
      *exact = true;
      const double inf = std::numeric_limits<double>::infinity();
      switch (c.op) {
        case Condition::Op::kLt:
          return NumberRange(numbers_.begin(), numbers_.lower_bound(x), -inf, true, x, false);
        case Condition::Op::kLte:
          return NumberRange(numbers_.begin(), numbers_.upper_bound(x), -inf, true, x, true);
        case Condition::Op::kGt:
          return NumberRange(numbers_.upper_bound(x), numbers_.end(), x, false, inf, true);
        case Condition::Op::kGte:
          return NumberRange(numbers_.lower_bound(x), numbers_.end(), x, true, inf, true);
        default:
          return std::nullopt;
      }
    }
    case MetadataIndexType::kString: {
      std::string_view x = operand.string();
      switch (c.op) {
        case Condition::Op::kLt:
          return StringRange(strings_.begin(), strings_.lower_bound(x));
        case Condition::Op::kLte:
          return StringRange(strings_.begin(), strings_.upper_bound(x));
        case Condition::Op::kGt:
        case Condition::Op::kGte: {
          auto from =
              c.op == Condition::Op::kGt ? strings_.upper_bound(x) : strings_.lower_bound(x);
          std::optional<roaring::Roaring> range = StringRange(from, strings_.end());
          if (!range) return std::nullopt;
          roaring::Roaring out = std::move(*range);
          // Keys that are prefixes of x stand for longer values that may sort after x. Keys are at
          // most prefix_bytes_ long, so only that many prefixes can be keys.
          size_t longest = std::min(x.size(), prefix_bytes_);
          for (size_t len = 0; len <= longest; ++len) {
            auto it = strings_.find(x.substr(0, len));
            if (it != strings_.end()) out |= it->second;
          }
          return out;
        }
        default:
          return std::nullopt;
      }
    }
    case MetadataIndexType::kBoolean:
      return std::nullopt;  // ranges never take booleans
  }
  return std::nullopt;
}

std::optional<SlotTest> MetadataIndex::ColumnTest(const FilterNode& node) const {
  // A string column answers exactly only while every value is its own key (none cut to the
  // prefix) and no record holds an array (whose elements the column does not keep).
  if (desc_.type == MetadataIndexType::kString && (cut_strings_ > 0 || string_arrays_ > 0)) {
    return std::nullopt;
  }
  // The conditions: the node itself, or the leaves of nested ANDs, each on this property.
  std::vector<const Condition*> conditions;
  if (!AndedConditions(node, &conditions) || conditions.empty()) return std::nullopt;
  const Value::Kind kind = IndexedKind(desc_.type);
  for (const Condition* c : conditions) {
    if (c->path != desc_.property_name) return std::nullopt;
    for (const Value& operand : c->operands) {
      if (operand.kind() != kind || (kind == Value::Kind::kNumber && std::isnan(operand.number()))) {
        return std::nullopt;
      }
    }
  }
  SlotTest t;
  if (desc_.type == MetadataIndexType::kBoolean) {
    const Condition& c = *conditions.front();
    if (conditions.size() != 1 || (c.op != Condition::Op::kEq && c.op != Condition::Op::kIn)) {
      return std::nullopt;
    }
    for (const Value& operand : c.operands) t.accept_[operand.bool_value() ? 1 : 0] = true;
    t.bools_ = &bool_column_;
    t.count_ = (t.accept_[0] ? false_slots_.cardinality() : 0) +
               (t.accept_[1] ? true_slots_.cardinality() : 0);
    return t;
  }
  if (desc_.type == MetadataIndexType::kString) return StringColumnTest(conditions);
  t.numbers_ = &number_column_;
  if (conditions.size() == 1 && (conditions.front()->op == Condition::Op::kEq ||
                                 conditions.front()->op == Condition::Op::kIn)) {
    t.in_ = true;
    for (const Value& operand : conditions.front()->operands) t.values_.push_back(operand.number());
    std::sort(t.values_.begin(), t.values_.end());
    t.values_.erase(std::unique(t.values_.begin(), t.values_.end()), t.values_.end());
    for (double x : t.values_) {
      if (auto it = numbers_.find(x); it != numbers_.end()) t.count_ += it->second.cardinality();
    }
    return t;
  }
  // An interval: the intersection of every range condition's.
  std::optional<double> lo, hi;
  t.lo_closed_ = t.hi_closed_ = true;
  if (!IntersectRanges(
          conditions, [](const Value& v) { return v.number(); }, &lo, &t.lo_closed_, &hi,
          &t.hi_closed_)) {
    return std::nullopt;
  }
  t.lo_ = lo.value_or(-std::numeric_limits<double>::infinity());
  t.hi_ = hi.value_or(std::numeric_limits<double>::infinity());
  auto from = t.lo_closed_ ? numbers_.lower_bound(t.lo_) : numbers_.upper_bound(t.lo_);
  auto to = t.hi_closed_ ? numbers_.upper_bound(t.hi_) : numbers_.lower_bound(t.hi_);
  if (from == numbers_.end() || (to != numbers_.end() && to->first <= from->first)) {
    return t;  // no value in range
  }
  CountRange(numbers_, from, to, number_total_, number_column_.size(), &t);
  return t;
}

// By whichever side has fewer values: the ones in range, or every value less the ones outside it,
// walked in step (a filter most records pass costs a few steps, not one per value), for at most
// kExactCountValues steps; then estimated from a sample of the test's column.
template <class Map>
void MetadataIndex::CountRange(const Map& values, typename Map::const_iterator from,
                               typename Map::const_iterator to, size_t total, size_t n,
                               SlotTest* t) {
  size_t inside = 0, outside = 0;
  auto in = from, below = values.begin(), above = to;
  for (size_t steps = 0;; ++steps) {
    if (in == to) {
      t->count_ = inside;
      return;
    }
    if (below == from && above == values.end()) {
      t->count_ = total - outside;
      return;
    }
    if (steps == kExactCountValues) break;
    inside += (in++)->second.cardinality();
    if (below != from) {
      outside += (below++)->second.cardinality();
    } else {
      outside += (above++)->second.cardinality();
    }
  }
  size_t samples = 0, passed = 0;
  for (size_t run = 0; run < kCountRuns; ++run) {
    const size_t begin = run * n / kCountRuns;
    const size_t end = std::min(n, begin + kCountRunSlots);
    for (size_t slot = begin; slot < end; ++slot) {
      passed += t->Matches(static_cast<uint32_t>(slot)) ? 1 : 0;
      ++samples;
    }
  }
  // At least the values already counted in range, at most every slot with a value. (More than
  // kExactCountValues values, so the column is not empty.)
  const size_t estimate = (passed * n + samples / 2) / samples;
  t->count_ = std::clamp(estimate, inside, total);
  t->estimated_ = true;
}

std::optional<SlotTest> MetadataIndex::StringColumnTest(
    const std::vector<const Condition*>& conditions) const {
  SlotTest t;
  t.strings_ = &string_column_;
  if (conditions.size() == 1 && (conditions.front()->op == Condition::Op::kEq ||
                                 conditions.front()->op == Condition::Op::kIn)) {
    t.in_ = true;
    for (const Value& operand : conditions.front()->operands) {
      t.string_values_.push_back(operand.string());
    }
    std::sort(t.string_values_.begin(), t.string_values_.end());
    t.string_values_.erase(std::unique(t.string_values_.begin(), t.string_values_.end()),
                           t.string_values_.end());
    for (const std::string& x : t.string_values_) {
      if (auto it = strings_.find(x); it != strings_.end()) t.count_ += it->second.cardinality();
    }
    return t;
  }
  // An interval: the intersection of every range condition's (no bound: open-ended).
  std::optional<std::string> lo, hi;
  t.lo_closed_ = t.hi_closed_ = true;
  if (!IntersectRanges(
          conditions, [](const Value& v) { return v.string(); }, &lo, &t.lo_closed_, &hi,
          &t.hi_closed_)) {
    return std::nullopt;
  }
  t.has_slo_ = lo.has_value();
  t.has_shi_ = hi.has_value();
  if (lo) t.slo_ = std::move(*lo);
  if (hi) t.shi_ = std::move(*hi);
  auto from = !t.has_slo_    ? strings_.begin()
              : t.lo_closed_ ? strings_.lower_bound(t.slo_)
                             : strings_.upper_bound(t.slo_);
  auto to = !t.has_shi_    ? strings_.end()
            : t.hi_closed_ ? strings_.upper_bound(t.shi_)
                           : strings_.lower_bound(t.shi_);
  if (from == strings_.end() || (to != strings_.end() && !(from->first < to->first))) {
    return t;  // no value in range
  }
  CountRange(strings_, from, to, string_slots_, string_column_.size(), &t);
  return t;
}

roaring::Roaring MetadataIndex::NumberRange(std::map<double, roaring::Roaring>::const_iterator from,
                                            std::map<double, roaring::Roaring>::const_iterator to,
                                            double lo, bool lo_closed, double hi,
                                            bool hi_closed) const {
  const size_t most = std::max(kMinUnionValues, number_column_.size() / kColumnScanSlotsPerValue);
  std::vector<const roaring::Roaring*> parts;
  for (auto it = from; it != to; ++it) {
    if (parts.size() == most) return ColumnRange(number_column_, lo, lo_closed, hi, hi_closed);
    parts.push_back(&it->second);
  }
  if (parts.empty()) return roaring::Roaring();
  return roaring::Roaring::fastunion(parts.size(), parts.data());
}

std::optional<roaring::Roaring> MetadataIndex::StringRange(
    std::map<std::string, roaring::Roaring, std::less<>>::const_iterator from,
    std::map<std::string, roaring::Roaring, std::less<>>::const_iterator to) const {
  std::vector<const roaring::Roaring*> parts;
  for (auto it = from; it != to; ++it) {
    if (parts.size() == kMaxStringRangeKeys) return std::nullopt;
    parts.push_back(&it->second);
  }
  if (parts.empty()) return roaring::Roaring();
  return roaring::Roaring::fastunion(parts.size(), parts.data());
}

std::optional<Value> MetadataIndex::IndexedValue(const Value& metadata) const {
  const Value* v = metadata.FindPath(desc_.property_name);
  if (v == nullptr) return std::nullopt;
  switch (desc_.type) {
    case MetadataIndexType::kString:
      if (v->kind() == Value::Kind::kString) {
        return Value::String(std::string(core::Utf8Prefix(v->string(), prefix_bytes_)));
      }
      if (v->kind() == Value::Kind::kStringArray && !v->strings().empty()) {
        std::vector<std::string> items;
        items.reserve(v->strings().size());
        for (const std::string& s : v->strings()) {
          items.emplace_back(core::Utf8Prefix(s, prefix_bytes_));
        }
        return Value::StringArray(std::move(items));
      }
      return std::nullopt;
    case MetadataIndexType::kNumber:
      if (v->kind() == Value::Kind::kNumber && !std::isnan(v->number())) return *v;
      return std::nullopt;
    case MetadataIndexType::kBoolean:
      if (v->kind() == Value::Kind::kBool) return *v;
      return std::nullopt;
  }
  return std::nullopt;
}

MetadataIndex* MetadataIndexSet::Create(const MetadataIndexDescription& desc) {
  if (Find(desc.property_name) != nullptr) return nullptr;
  indexes_.push_back(std::make_unique<MetadataIndex>(desc, prefix_bytes_));
  return indexes_.back().get();
}

bool MetadataIndexSet::Remove(const std::string& property_name) {
  for (auto it = indexes_.begin(); it != indexes_.end(); ++it) {
    if ((*it)->description().property_name == property_name) {
      indexes_.erase(it);
      return true;
    }
  }
  return false;
}

const MetadataIndex* MetadataIndexSet::Find(std::string_view property_name) const {
  for (const auto& index : indexes_) {
    if (index->description().property_name == property_name) return index.get();
  }
  return nullptr;
}

std::vector<MetadataIndexDescription> MetadataIndexSet::List() const {
  std::vector<MetadataIndexDescription> out;
  out.reserve(indexes_.size());
  for (const auto& index : indexes_) out.push_back(index->description());
  return out;
}

void MetadataIndexSet::Add(uint32_t slot, const Value& metadata) {
  for (const auto& index : indexes_) index->Add(slot, metadata);
}

void MetadataIndexSet::Remove(uint32_t slot, const Value& metadata) {
  for (const auto& index : indexes_) index->Remove(slot, metadata);
}

namespace {

// An AND tests the slots of its intersection so far on a column condition's column, instead of
// building that condition's set, when the set would hold more than this many times as many slots:
// a column read and a comparison per slot tested against at least a bitmap entry per slot built
// (and a column scan or a union per value for a range). Results are the same either way.
constexpr size_t kSlotTestsPerSetSlot = 4;

// *exact is set to whether the answer is exactly the node's matches.
std::optional<roaring::Roaring> NodeCandidates(const MetadataIndexSet& set, const FilterNode& node,
                                               bool* exact) {
  *exact = false;
  switch (node.kind) {
    case FilterNode::Kind::kCondition: {
      const MetadataIndex* index = set.Find(node.condition.path);
      if (index == nullptr) return std::nullopt;
      return index->Candidates(node.condition, exact);
    }
    case FilterNode::Kind::kAnd: {
      // Each answerable child is a superset of the AND's matches, so is their intersection;
      // children no index can answer are left to the caller's check of every candidate. The
      // intersection is exact when every child's answer is, and when it is empty (it holds every
      // match).
      //
      // A condition an index answers from its column (a number range, say) is applied last,
      // fewest matches first, and when the intersection so far holds far fewer slots than it
      // matches, as a test of each of those slots instead of its own set: the set of a wide range
      // over a value per record is a scan of the whole column (~100 us at 331k records) or a
      // union of a bitmap per value, where the slots of a selective condition beside it are a few
      // thousand column reads. The test is exact, as the set is.
      std::optional<roaring::Roaring> out;
      bool all_exact = !node.children.empty();
      auto take = [&](std::optional<roaring::Roaring> c, bool child_exact) {
        if (!c) {
          all_exact = false;
          return;
        }
        if (out) {
          *out &= *c;
        } else {
          out = std::move(c);
        }
        all_exact = all_exact && child_exact;
      };
      // Nested ANDs (each object of an "$and" list is one) are one AND: their conditions are
      // taken together, so that a column condition in one is tested on the slots another leaves.
      std::vector<const FilterNode*> children;
      std::vector<const FilterNode*> nested = {&node};
      while (!nested.empty()) {
        const FilterNode* n = nested.back();
        nested.pop_back();
        for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) {
          (it->kind == FilterNode::Kind::kAnd ? nested : children).push_back(&*it);
        }
      }
      std::vector<std::pair<const FilterNode*, SlotTest>> columns;
      for (const FilterNode* child : children) {
        if (child->kind == FilterNode::Kind::kCondition) {
          const MetadataIndex* index = set.Find(child->condition.path);
          std::optional<SlotTest> test;
          if (index != nullptr) test = index->ColumnTest(*child);
          if (test) {
            columns.emplace_back(child, std::move(*test));
            continue;
          }
        }
        bool child_exact = false;
        std::optional<roaring::Roaring> c = NodeCandidates(set, *child, &child_exact);
        take(std::move(c), child_exact);
        if (out && out->isEmpty()) {
          *exact = true;
          return out;
        }
      }
      std::sort(columns.begin(), columns.end(),
                [](const auto& a, const auto& b) { return a.second.count() < b.second.count(); });
      for (const auto& [child, test] : columns) {
        if (out && out->cardinality() * kSlotTestsPerSetSlot < test.count()) {
          std::vector<uint32_t> kept;
          kept.reserve(out->cardinality());
          for (uint32_t slot : *out) {
            if (test.Matches(slot)) kept.push_back(slot);
          }
          roaring::Roaring narrowed;
          narrowed.addMany(kept.size(), kept.data());
          *out = std::move(narrowed);
        } else {
          bool child_exact = false;
          std::optional<roaring::Roaring> c = NodeCandidates(set, *child, &child_exact);
          take(std::move(c), child_exact);
        }
        if (out && out->isEmpty()) {
          *exact = true;
          return out;
        }
      }
      *exact = out.has_value() && all_exact;
      return out;
    }
    case FilterNode::Kind::kOr: {
      // One unanswerable branch may match anything, so the union is only a superset when every
      // branch is answerable; it is exact when every branch's answer is.
      roaring::Roaring out;
      bool all_exact = true;
      for (const FilterNode& child : node.children) {
        bool child_exact;
        std::optional<roaring::Roaring> c = NodeCandidates(set, child, &child_exact);
        if (!c) return std::nullopt;
        out |= *c;
        all_exact = all_exact && child_exact;
      }
      *exact = all_exact;
      return out;
    }
    case FilterNode::Kind::kNot:
      // The complement of a superset is not a superset of the complement.
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::optional<roaring::Roaring> MetadataIndexSet::Candidates(const Filter& filter,
                                                             bool* exact) const {
  bool ignored;
  if (exact == nullptr) exact = &ignored;
  *exact = false;
  if (indexes_.empty()) return std::nullopt;
  return NodeCandidates(*this, filter.root(), exact);
}

std::optional<SlotTest> MetadataIndexSet::ColumnTest(const Filter& filter) const {
  if (filter.MatchesEverything()) return std::nullopt;
  std::vector<const Condition*> conditions;
  if (!AndedConditions(filter.root(), &conditions) || conditions.empty()) return std::nullopt;
  const MetadataIndex* index = Find(conditions.front()->path);
  if (index == nullptr) return std::nullopt;
  return index->ColumnTest(filter.root());
}

Value MetadataIndexSet::Project(const Value& metadata) const {
  std::vector<Value::Member> members;
  for (const auto& index : indexes_) {
    std::optional<Value> v = index->IndexedValue(metadata);
    if (!v) continue;
    const std::string& path = index->description().property_name;
    size_t dot = path.find('.');
    if (dot == std::string::npos) {
      members.emplace_back(path, std::move(*v));
      continue;
    }
    std::string parent = path.substr(0, dot);
    Value::Member child(path.substr(dot + 1), std::move(*v));
    // Nested properties of one parent share one object, placed where the first of them was.
    auto it = std::find_if(members.begin(), members.end(),
                           [&](const Value::Member& m) { return m.first == parent; });
    if (it == members.end()) {
      members.emplace_back(parent, Value::Object({std::move(child)}));
    } else {
      std::vector<Value::Member> nested = it->second.members();
      nested.push_back(std::move(child));
      it->second = Value::Object(std::move(nested));
    }
  }
  if (members.empty()) return Value();
  return Value::Object(std::move(members));
}

}  // namespace semble::meta
