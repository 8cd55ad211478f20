// Copyright 2026 The semble Authors.
//
// Strict RFC 9112 checks on the raw bytes of a request's header block, before the HTTP parser
// sees them. They close the gaps through which one request can be read as two by different
// parsers (request smuggling): Boost.Beast's parser accepts obs-fold, repeated identical
// Content-Length values, a Content-Length list, and a Transfer-Encoding that does not end in
// chunked (then framing the body by nothing at all). semble refuses each with 400 and closes the
// connection:
//
// - every line ends in CRLF (no bare CR or LF);
// - no obs-fold: a header line may not begin with SP or HTAB;
// - field names are tokens, directly followed by ':';
// - field values hold only HTAB, SP, visible ASCII and bytes >= 0x80 (no NUL, CTL or DEL);
// - Content-Length at most once, 1 to 19 ASCII digits (no sign, list or whitespace inside);
// - Transfer-Encoding at most once, exactly "chunked" (ASCII case-insensitive, surrounding
//   spaces and tabs ignored), and only in HTTP/1.1;
// - never Content-Length and Transfer-Encoding together.

#ifndef SEMBLE_SRC_SERVER_HTTP_FRAMING_H_
#define SEMBLE_SRC_SERVER_HTTP_FRAMING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace semble::server {

struct RequestFraming {
  std::optional<uint64_t> content_length;
  bool chunked = false;
};

// The length of the header block at the start of `data` (request line through the empty line,
// inclusive), or 0 if `data` does not hold a whole one yet.
size_t HeaderBlockLength(std::string_view data);

// Checks a whole header block by the rules above. Returns "" and fills *framing when it passes,
// otherwise the reason (for the 400 answer).
std::string CheckRequestHead(std::string_view block, RequestFraming* framing);

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_HTTP_FRAMING_H_
