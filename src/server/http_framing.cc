// Copyright 2026 The semble Authors.

#include "server/http_framing.h"

#include <cstring>

namespace semble::server {
namespace {

bool IsTchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool IsValueByte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]);
    unsigned char y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x += 32;
    if (y >= 'A' && y <= 'Z') y += 32;
    if (x != y) return false;
  }
  return true;
}

std::string_view TrimOws(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

size_t HeaderBlockLength(std::string_view data) {
  const size_t end = data.find("\r\n\r\n");
  return end == std::string_view::npos ? 0 : end + 4;
}

std::string CheckRequestHead(std::string_view block, RequestFraming* framing) {
  *framing = RequestFraming{};
  // Every CR must start a CRLF and every LF end one.
  for (size_t i = 0; i < block.size(); ++i) {
    if (block[i] == '\r' && (i + 1 >= block.size() || block[i + 1] != '\n')) {
      return "a bare CR in the header block";
    }
    if (block[i] == '\n' && (i == 0 || block[i - 1] != '\r'))
      return "a bare LF in the header block";
  }
  size_t pos = block.find("\r\n");
  if (pos == std::string_view::npos) return "no request line";
  const std::string_view request_line = block.substr(0, pos);
  for (unsigned char c : request_line) {
    if (c < 0x20 || c == 0x7f) return "a control character in the request line";
  }
  const bool http11 =
      request_line.size() >= 8 && request_line.substr(request_line.size() - 8) == "HTTP/1.1";
  pos += 2;
  bool seen_te = false;
  while (pos < block.size()) {
    const size_t eol = block.find("\r\n", pos);
    const std::string_view line = block.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.empty()) break;  // the end of the block
    if (line.front() == ' ' || line.front() == '\t') {
      return "obsolete line folding (a header line beginning with whitespace)";
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return "a header line without a field name";
    const std::string_view name = line.substr(0, colon);
    for (unsigned char c : name) {
      if (!IsTchar(c)) return "an invalid character in a header field name";
    }
    const std::string_view raw_value = line.substr(colon + 1);
    for (unsigned char c : raw_value) {
      if (!IsValueByte(c)) return "a control character in the value of " + std::string(name);
    }
    const std::string_view value = TrimOws(raw_value);
    if (EqualsNoCase(name, "content-length")) {
      if (framing->content_length) return "more than one Content-Length";
      if (value.empty() || value.size() > 19) return "an invalid Content-Length";
      uint64_t n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return "an invalid Content-Length";
        n = n * 10 + static_cast<uint64_t>(c - '0');
      }
      framing->content_length = n;
    } else if (EqualsNoCase(name, "transfer-encoding")) {
      if (seen_te) return "more than one Transfer-Encoding";
      seen_te = true;
      if (!EqualsNoCase(value, "chunked")) return "a Transfer-Encoding other than chunked";
      if (!http11) return "Transfer-Encoding in a request older than HTTP/1.1";
      framing->chunked = true;
    }
  }
  if (framing->content_length && framing->chunked) {
    return "both Content-Length and Transfer-Encoding";
  }
  return "";
}

}  // namespace semble::server
