// Copyright 2026 The semble Authors.
//
// Walking a text line by line without copying it (NDJSON bodies, server-sent event streams).

#ifndef SEMBLE_SRC_CORE_LINES_H_
#define SEMBLE_SRC_CORE_LINES_H_

#include <cstddef>
#include <string_view>

namespace semble::core {

// The line of `text` that starts at *pos, without its '\n' (a '\r' before it stays: callers that
// accept CRLF strip it), and moves *pos past it. False once *pos is at the end of text; a last line
// without a '\n' is still a line.
inline bool NextLine(std::string_view text, size_t* pos, std::string_view* line) {
  if (*pos >= text.size()) return false;
  size_t end = text.find('\n', *pos);
  if (end == std::string_view::npos) end = text.size();
  *line = text.substr(*pos, end - *pos);
  *pos = end + 1;
  return true;
}

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_LINES_H_
