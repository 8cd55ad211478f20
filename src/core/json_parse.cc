// Copyright 2026 The semble Authors.

#include "core/json_parse.h"

#include <algorithm>

namespace semble::core {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// True when the digit string (no sign, no leading zeros beyond a lone "0") is larger than limit,
// both compared as decimal integers.
bool GreaterThan(std::string_view digits, std::string_view limit) {
  if (digits.size() != limit.size()) return digits.size() > limit.size();
  return digits > limit;
}

}  // namespace

std::string WidenOutOfRangeIntegers(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 16);
  size_t i = 0;
  while (i < json.size()) {
    const char c = json[i];
    if (c == '"') {  // copy a string literal whole, escapes included
      size_t j = i + 1;
      while (j < json.size() && json[j] != '"') j += json[j] == '\\' ? 2 : 1;
      j = std::min(j + 1, json.size());
      out.append(json.substr(i, j - i));
      i = j;
      continue;
    }
    if (c == '-' || IsDigit(c)) {
      const bool negative = c == '-';
      size_t j = i + (negative ? 1 : 0);
      const size_t digits_begin = j;
      while (j < json.size() && IsDigit(json[j])) ++j;
      const std::string_view digits = json.substr(digits_begin, j - digits_begin);
      const bool fraction_or_exponent =
          j < json.size() && (json[j] == '.' || json[j] == 'e' || json[j] == 'E');
      // Any other token that starts like a number (e.g. part of "1x") is copied as is, for
      // the parser to refuse.
      size_t end = j;
      while (end < json.size() && (IsDigit(json[end]) || json[end] == '.' || json[end] == 'e' ||
                                   json[end] == 'E' || json[end] == '+' || json[end] == '-')) {
        ++end;
      }
      out.append(json.substr(i, end - i));
      if (!fraction_or_exponent && end == j && !digits.empty() &&
          GreaterThan(digits, negative ? "9223372036854775808" : "18446744073709551615")) {
        out.append(".0");
      }
      i = end;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

simdjson::error_code ParseJson(simdjson::dom::parser& parser, std::string_view json,
                               simdjson::dom::element* root) {
  const simdjson::error_code first =
      parser.parse(json.data(), json.size(), /*realloc_if_needed=*/true).get(*root);
  if (first != simdjson::NUMBER_ERROR) return first;
  const std::string widened = WidenOutOfRangeIntegers(json);
  if (widened.size() == json.size()) return first;  // nothing to widen: the number is malformed
  const simdjson::error_code second =
      parser.parse(widened.data(), widened.size(), /*realloc_if_needed=*/true).get(*root);
  return second == simdjson::SUCCESS ? second : first;
}

}  // namespace semble::core
