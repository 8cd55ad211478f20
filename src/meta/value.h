// Copyright 2026 The semble Authors.
//
// Metadata values: what a vector record may carry, following Vectorize's rules. A record's metadata
// is an object whose values are string, number (float64), boolean, null, an array of strings, or one
// nested object of those (no deeper nesting). Keys are non-empty, contain no '.' or '"' and do not
// start with '$'. Object members keep the order in which they were written.

#ifndef SEMBLE_SRC_META_VALUE_H_
#define SEMBLE_SRC_META_VALUE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "semble/status.h"

namespace semble::meta {

class Value {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kStringArray, kObject };
  using Member = std::pair<std::string, Value>;

  Value() = default;  // null
  static Value Bool(bool b);
  static Value Number(double d);
  static Value String(std::string s);
  static Value StringArray(std::vector<std::string> items);
  static Value Object(std::vector<Member> members);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool bool_value() const { return bool_; }
  double number() const { return number_; }
  const std::string& string() const { return string_; }
  const std::vector<std::string>& strings() const { return strings_; }
  const std::vector<Member>& members() const { return members_; }

  // For an object: the member named key, or nullptr.
  const Value* Find(std::string_view key) const;
  // For an object: resolves "a" or "a.b" (one nested level), or nullptr when absent.
  const Value* FindPath(std::string_view dotted_path) const;

  bool operator==(const Value& other) const;

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<std::string> strings_;
  std::vector<Member> members_;
};

// Parses and validates a record's metadata JSON text. Errors are InvalidArgument and name the
// offending key and rule (e.g. `metadata key "a.b" contains '.'`, `metadata is 10300 bytes, the
// limit is 10240`). The size limit applies to the compact serialisation (ToJson). Empty text or
// whitespace is an error: callers treat "no metadata" before calling.
Result<Value> ParseMetadata(std::string_view json, size_t max_bytes);

// Compact JSON text of a value (no spaces; numbers in shortest round-trip form).
std::string ToJson(const Value& value);

}  // namespace semble::meta

#endif  // SEMBLE_SRC_META_VALUE_H_
