// Copyright 2026 The semble Authors.
//
// The HTTP layer's own parsers of client bytes (src/server): the raw header-block checks that
// refuse smuggling (http_framing.h), the request target (request_target.h) and multipart bodies
// (multipart.h). Input: "<header block>" or "<header block><multipart body>"; the boundary is taken
// from the block's Content-Type when it has one. Properties: nothing crashes, a block the checks
// accept never frames a body two ways, and multipart never returns more parts than its limit.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "server/http_framing.h"
#include "server/multipart.h"
#include "server/request_target.h"

using namespace semble;  // NOLINT: a test's brevity

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t head = server::HeaderBlockLength(input);
  FUZZ_CHECK(head <= input.size(), "header block %zu > input %zu", head, input.size());
  const std::string_view block = input.substr(0, head);
  const std::string_view body = input.substr(head);
  if (head > 0) {
    server::RequestFraming framing;
    const std::string reason = server::CheckRequestHead(block, &framing);
    if (reason.empty()) {
      FUZZ_CHECK(!(framing.content_length && framing.chunked),
                 "an accepted block frames its body by both length and chunks");
    }
  }
  // The request target: the second word of the first line.
  const size_t sp1 = block.find(' ');
  if (sp1 != std::string_view::npos) {
    const size_t sp2 = block.find(' ', sp1 + 1);
    std::string path;
    std::map<std::string, std::string> query;
    (void)server::ParseRequestTarget(block.substr(sp1 + 1, sp2 - sp1 - 1), &path, &query);
  }
  // Multipart, with the block's boundary if it declares one (else a fixed one).
  std::string boundary = "b";
  if (const size_t ct = block.find("boundary="); ct != std::string_view::npos) {
    const size_t eol = block.find("\r\n", ct);
    boundary = server::MultipartBoundary(
        "multipart/form-data; " + std::string(block.substr(ct, eol - ct)));
    if (boundary.empty()) boundary = "b";
  }
  server::MultipartLimits limits;
  limits.max_parts = 4;
  std::map<std::string, std::string> parts;
  const std::string error = server::ParseMultipart(body.empty() ? input : body, boundary, limits, &parts);
  FUZZ_CHECK(parts.size() <= limits.max_parts, "%zu parts over the limit", parts.size());
  (void)error;
  return 0;
}
