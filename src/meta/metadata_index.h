// Copyright 2026 The semble Authors.
//
// Metadata indexes: per property, a map from value to the set of slots (roaring bitmaps) whose record
// has that value. They accelerate filters and never change their results: CandidateSlots returns a
// superset of the matching slots (or nothing when it cannot help) and the caller still checks the
// filter on each candidate.

#ifndef SEMBLE_SRC_META_METADATA_INDEX_H_
#define SEMBLE_SRC_META_METADATA_INDEX_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <roaring/roaring.hh>

// CRoaring 0.2.x (Debian bookworm's libroaring-dev) declares Roaring in the global namespace, later
// releases in namespace roaring. Make roaring::Roaring name the class with either.
namespace roaring {}
namespace semble_roaring_detail {
using namespace ::roaring;
using RoaringBitmap = Roaring;
}  // namespace semble_roaring_detail
namespace roaring {
using Roaring = ::semble_roaring_detail::RoaringBitmap;
}  // namespace roaring

#include "meta/filter.h"
#include "meta/value.h"
#include "semble/record.h"

namespace semble::meta {

class MetadataIndex;

// A filter the metadata indexes answer exactly, as a test of one slot that reads a column of the
// index (the value of each slot, by slot) instead of a bitmap of the matches. A filter that many
// records pass is a union of many small bitmaps (one per distinct value in a range); building it
// cost a query 10x an unfiltered search (GloVe, 331k records, 1,000 values, every one in range),
// where a filtered walk needs only a yes or no for the nodes it visits. Valid while the index is
// not changed (the caller holds the collection's lock).
class SlotTest {
 public:
  // Whether the slot's record satisfies the filter (a free slot never does).
  bool Matches(uint32_t slot) const;
  // How many slots satisfy it: exactly, unless estimated() (a range whose shorter side, the values
  // in it or those outside it, spans more than a few hundred distinct values), when it is
  // estimated from a sample of the column: standard error ~1.6% of the column's slots, and
  // never fewer than the matches of the values counted exactly. For a planner's choice only.
  size_t count() const { return count_; }
  bool estimated() const { return estimated_; }
  // Whether Matches reads a value held in the column itself (numbers, booleans: ~1 ns a slot in a
  // scan of every slot) rather than a string behind a pointer (a cache miss and a comparison).
  bool ReadsInline() const { return strings_ == nullptr; }

 private:
  friend class MetadataIndex;
  // A string index's column (the key of each slot's one string; null: none) and its bounds.
  const std::vector<const std::string*>* strings_ = nullptr;
  bool has_slo_ = false, has_shi_ = false;
  std::string slo_, shi_;
  std::vector<std::string> string_values_;        // sorted; used when `in_` is set
  const std::vector<double>* numbers_ = nullptr;  // a number index's column (NaN: no value)
  const std::vector<int8_t>* bools_ = nullptr;    // a boolean index's (-1: none, 0, 1)
  // Numbers: lo < x < hi (or <= where closed); with `values`, x is one of them instead.
  double lo_ = 0, hi_ = 0;
  bool lo_closed_ = false, hi_closed_ = false;
  std::vector<double> values_;  // sorted; used when `in_` is set
  bool in_ = false;
  bool accept_[2] = {false, false};  // booleans: which values pass
  size_t count_ = 0;
  bool estimated_ = false;
};

// The index of one property. A string index keys each string (and each element of a string
// array) by its first `string_prefix_bytes` bytes, cut on a UTF-8 boundary; a number index keys
// numbers; a boolean index keys booleans. Values of other types are not indexed.
class MetadataIndex {
 public:
  MetadataIndex(MetadataIndexDescription desc, size_t string_prefix_bytes);
  // Not copyable: the string column points into strings_' own nodes.
  MetadataIndex(const MetadataIndex&) = delete;
  MetadataIndex& operator=(const MetadataIndex&) = delete;

  const MetadataIndexDescription& description() const { return desc_; }

  // Adds / removes the slot's entries for this property of `metadata` (an object or null).
  void Add(uint32_t slot, const Value& metadata);
  void Remove(uint32_t slot, const Value& metadata);

  // A superset of the slots whose value of this property satisfies the condition, or nullopt when
  // this index cannot answer it (wrong type of operand, $ne/$nin/$exists: false, which also match
  // records the index does not hold) or it would cost more than checking records does (a string
  // range over more than 8,192 keys). With `exact`, also says whether the answer is exactly the
  // matching slots: equality and ranges on numbers, equality on booleans, and equality on strings
  // whose every operand is too short to share a key with a longer value (see the .cc). A string
  // range is never exact: its keys are cut values.
  std::optional<roaring::Roaring> Candidates(const Condition& condition,
                                             bool* exact = nullptr) const;

  // The filter node as a SlotTest, when it is a condition this index answers exactly from its
  // column ($eq, $in and ranges on numbers and strings; $eq and $in on booleans) or an AND of
  // ranges on this index's property; nullopt otherwise, and for a string index as soon as one of
  // its records holds an array or a string longer than its key (the column keeps neither).
  std::optional<SlotTest> ColumnTest(const FilterNode& node) const;

  // The value stored for `metadata` in this index, as returned by returnMetadata "indexed"
  // (strings cut to the prefix), or nullopt if the record has no indexable value here.
  std::optional<Value> IndexedValue(const Value& metadata) const;

 private:
  // The slots whose number lies in [from, to) of numbers_, which is the interval lo..hi: the union
  // of those values' bitmaps, or a scan of the column when there are many of them.
  roaring::Roaring NumberRange(std::map<double, roaring::Roaring>::const_iterator from,
                               std::map<double, roaring::Roaring>::const_iterator to, double lo,
                               bool lo_closed, double hi, bool hi_closed) const;

  // The union of the bitmaps of the keys in [from, to), or nullopt when they are too many to be
  // worth it (a range over strings with a value per record).
  // Sets t's count to the slots under the values [from, to) of `values` (total: under all of
  // them): exact for up to a few hundred values on the shorter side, else estimated from a sample
  // of t's column (n slots).
  template <class Map>
  static void CountRange(const Map& values, typename Map::const_iterator from,
                         typename Map::const_iterator to, size_t total, size_t n, SlotTest* t);
  // ColumnTest for a string index whose every value is its own key and no record an array.
  std::optional<SlotTest> StringColumnTest(const std::vector<const Condition*>& conditions) const;
  std::optional<roaring::Roaring> StringRange(
      std::map<std::string, roaring::Roaring, std::less<>>::const_iterator from,
      std::map<std::string, roaring::Roaring, std::less<>>::const_iterator to) const;

  MetadataIndexDescription desc_;
  size_t prefix_bytes_;
  std::map<std::string, roaring::Roaring, std::less<>> strings_;
  std::map<double, roaring::Roaring> numbers_;
  roaring::Roaring false_slots_, true_slots_;
  // The value of each slot, by slot: NaN / -1 / null where the slot has none (SlotTest). A string
  // slot's entry points at its key in strings_; slots with an array of strings have none.
  std::vector<const std::string*> string_column_;
  size_t string_slots_ = 0;   // slots with one string (the column's entries)
  size_t string_arrays_ = 0;  // slots with an array of strings
  size_t cut_strings_ = 0;    // slots whose string is longer than its key
  std::vector<double> number_column_;
  size_t number_total_ = 0;  // slots with a number here: the sum of numbers_' cardinalities
  std::vector<int8_t> bool_column_;
};

// The metadata indexes of one vector index.
class MetadataIndexSet {
 public:
  explicit MetadataIndexSet(size_t string_prefix_bytes) : prefix_bytes_(string_prefix_bytes) {}

  // Builds the new index over existing records by calling Add for each (the caller iterates).
  MetadataIndex* Create(const MetadataIndexDescription& desc);
  bool Remove(const std::string& property_name);
  const MetadataIndex* Find(std::string_view property_name) const;
  std::vector<MetadataIndexDescription> List() const;  // in creation order
  size_t size() const { return indexes_.size(); }

  void Add(uint32_t slot, const Value& metadata);
  void Remove(uint32_t slot, const Value& metadata);

  // A superset of the slots matching the filter, from the indexed conditions found in its top-level
  // AND (and in $and / $or nodes whose every branch is answerable); nullopt when no index helps.
  // With `exact`, also says whether the answer is exactly the matching slots (every condition of
  // the filter answered, and each exactly): then a query need not check the filter on a record.
  std::optional<roaring::Roaring> Candidates(const Filter& filter, bool* exact = nullptr) const;

  // The whole filter as a SlotTest (see MetadataIndex::ColumnTest), or nullopt.
  std::optional<SlotTest> ColumnTest(const Filter& filter) const;

  // The "indexed" projection of a record's metadata: an object holding only indexed properties,
  // nested ones under their parent key; null when there is nothing.
  Value Project(const Value& metadata) const;

 private:
  size_t prefix_bytes_;
  std::vector<std::unique_ptr<MetadataIndex>> indexes_;
};

}  // namespace semble::meta

#endif  // SEMBLE_SRC_META_METADATA_INDEX_H_
