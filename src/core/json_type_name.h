// Copyright 2026 The semble Authors.
//
// "a string", "an array", ...: how error messages about JSON input name what they got.

#ifndef SEMBLE_SRC_CORE_JSON_TYPE_NAME_H_
#define SEMBLE_SRC_CORE_JSON_TYPE_NAME_H_

#include <simdjson.h>

#include <string_view>

namespace semble::core {

inline std::string_view JsonTypeName(const simdjson::dom::element& e) {
  using T = simdjson::dom::element_type;
  switch (e.type()) {
    case T::ARRAY:
      return "an array";
    case T::OBJECT:
      return "an object";
    case T::INT64:
    case T::UINT64:
    case T::DOUBLE:
      return "a number";
    case T::STRING:
      return "a string";
    case T::BOOL:
      return "a boolean";
    case T::NULL_VALUE:
      return "null";
  }
  return "an unknown type";
}

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_JSON_TYPE_NAME_H_
