// Copyright 2026 The semble Authors.
//
// A strict multipart/form-data reader (RFC 7578 over RFC 2046's framing) for request bodies that
// are already in memory (capped by the server's body limit). wrangler sends the NDJSON of
// `vectorize insert` as the form part "vectors". Only what form-data needs is accepted:
//
// - the boundary parameter is 1 to 70 characters, quoted or not;
// - each part has headers (at most max_part_header_bytes) with a Content-Disposition of
//   `form-data` and a `name` parameter; other part headers (Content-Type) are ignored;
// - part names are unique, at most max_parts parts;
// - the body ends with the close delimiter; a preamble before the first delimiter and an epilogue
//   after the last are ignored, as RFC 2046 says.

#ifndef SEMBLE_SRC_SERVER_MULTIPART_H_
#define SEMBLE_SRC_SERVER_MULTIPART_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace semble::server {

struct MultipartLimits {
  size_t max_parts = 16;
  size_t max_part_header_bytes = 8192;
};

// The boundary parameter of a Content-Type header value, or "" when it has none (or a bad one).
std::string MultipartBoundary(std::string_view content_type);

// Parses `body` into part name -> content. Returns "" on success, else the reason.
std::string ParseMultipart(std::string_view body, std::string_view boundary,
                           const MultipartLimits& limits,
                           std::map<std::string, std::string>* parts);

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_MULTIPART_H_
