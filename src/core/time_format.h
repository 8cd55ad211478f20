// Copyright 2026 The semble Authors.
//
// Instants as Vectorize writes them: "2024-07-19T13:11:44.064Z", ISO-8601 in UTC with
// milliseconds, for every int64 millisecond count (years before 1 and after 9999 included, with as
// many digits as they need).

#ifndef SEMBLE_SRC_CORE_TIME_FORMAT_H_
#define SEMBLE_SRC_CORE_TIME_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace semble::core {

// Milliseconds since the Unix epoch to "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string FormatIso8601Millis(int64_t ms);

// The inverse, for "YYYY-MM-DDTHH:MM:SS.mmmZ" (milliseconds optional); nullopt for anything else.
std::optional<int64_t> ParseIso8601Millis(std::string_view s);

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_TIME_FORMAT_H_
