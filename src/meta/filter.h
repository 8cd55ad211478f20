// Copyright 2026 The semble Authors.
//
// Metadata filters: Vectorize's language plus $and, $or, $not and $exists.
//
//   {"genre": "drama"}                          bare value = $eq
//   {"year": {"$gte": 1990, "$lt": 2000}}       several operators on one key = AND
//   {"genre": {"$in": ["drama", "comedy"]}}
//   {"pandas.nice": 42}                         dotted key = nested field
//   {"a": 1, "b": 2}                            several keys = AND
//   {"$or": [{"a": 1}, {"b": {"$exists": true}}]}, {"$and": [...]}, {"$not": {...}}
//
// Semantics (documented in docs/API.md, and the oracle in tests/meta follows them):
// - $eq/$ne take string, number, boolean or null; $in/$nin an array of those; $lt/$lte/$gt/$gte a
//   string or number; $exists a boolean.
// - Comparisons only match values of the same type (a number never equals a string); strings compare
//   by bytes (lexicographic), numbers as float64.
// - On a string-array field, $eq/$in/ranges match when any element matches; $ne/$nin when no element
//   equals any operand.
// - A missing field (or a type that cannot be compared) never matches $eq/$in/ranges; it matches
//   $ne and $nin (as in MongoDB and Qdrant). {"$eq": null} matches an explicit null only.
// - $exists: true matches a present field (null included); false a missing one.

#ifndef SEMBLE_SRC_META_FILTER_H_
#define SEMBLE_SRC_META_FILTER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meta/value.h"
#include "semble/status.h"

namespace semble::meta {

class MetadataIndexSet;

// One condition on one field.
struct Condition {
  enum class Op { kEq, kNe, kIn, kNin, kLt, kLte, kGt, kGte, kExists };
  std::string path;             // "a" or "a.b"
  Op op;
  std::vector<Value> operands;  // one for all but $in/$nin; a Bool for $exists
};

// A parsed filter: a tree of AND / OR / NOT over conditions.
struct FilterNode {
  enum class Kind { kAnd, kOr, kNot, kCondition };
  Kind kind = Kind::kAnd;
  std::vector<FilterNode> children;  // kAnd/kOr: any number (empty AND = true); kNot: exactly one
  Condition condition;               // kCondition
};

class Filter {
 public:
  // Parses filter JSON. Errors are InvalidArgument and say what is wrong and where ("filter key
  // \"$foo\": unknown operator"). An empty object {} is a filter that every record passes (what
  // framework clients send for "no filter"); empty operators inside ({"$and": []}) stay errors.
  // max_bytes limits the compact size of the filter.
  static Result<Filter> Parse(std::string_view json, size_t max_bytes);

  // True when the metadata object (null when the record has none) satisfies the filter.
  bool Matches(const Value& metadata) const;
  // True for {}: callers can skip filtering altogether.
  bool MatchesEverything() const { return everything_; }

  const FilterNode& root() const { return root_; }

 private:
  FilterNode root_;
  bool everything_ = false;
};

// Evaluates one condition against a field value (nullptr when missing), per the semantics above.
bool ConditionMatches(const Condition& c, const Value* field);

}  // namespace semble::meta

#endif  // SEMBLE_SRC_META_FILTER_H_
