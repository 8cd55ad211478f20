// Copyright 2026 The semble Authors.
//
// One entry point for parsing JSON text into simdjson's DOM, so that every reader in semble accepts
// the same numbers.
//
// JSON allows integer literals of any length; simdjson's DOM refuses those outside the int64 and
// uint64 ranges with NUMBER_ERROR. Such literals are common: JavaScript prints 5e19 as
// 50000000000000000000, and semble's own writer prints numbers as JavaScript does. A reader that
// refused them would refuse what semble itself wrote (an accepted metadata value would make the
// database unopenable). ParseJson therefore parses once as usual and, only when that fails with
// NUMBER_ERROR, parses a copy in which each out-of-range integer literal is written as a decimal
// ("50000000000000000000.0"), which simdjson reads as the nearest double. Malformed numbers stay
// malformed in the copy, so they are still refused.

#ifndef SEMBLE_SRC_CORE_JSON_PARSE_H_
#define SEMBLE_SRC_CORE_JSON_PARSE_H_

#include <simdjson.h>

#include <string>
#include <string_view>

namespace semble::core {

// Parses json into *root with parser (whose buffers *root points into; strings are copied, so json
// may be freed afterwards). Returns simdjson's error code of the first parse when the retry does not
// help, so messages stay those of simdjson.
simdjson::error_code ParseJson(simdjson::dom::parser& parser, std::string_view json,
                               simdjson::dom::element* root);

// The text of json with every integer literal outside [-2^63, 2^64) followed by ".0"; everything
// else, strings included, unchanged. Exposed for tests.
std::string WidenOutOfRangeIntegers(std::string_view json);

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_JSON_PARSE_H_
