// Copyright 2026 The semble Authors.

#include "server/multipart.h"

#include <cctype>

namespace semble::server {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// The value of parameter `key` in "type; a=1; b=\"x\"" (case-insensitive key); false if absent or
// malformed.
bool FindParameter(std::string_view header, std::string_view key, std::string* value) {
  size_t pos = header.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = header.substr(pos + 1);
    rest = Trim(rest);
    const size_t eq = rest.find('=');
    if (eq == std::string_view::npos) return false;
    const std::string name = Lower(Trim(rest.substr(0, eq)));
    std::string_view v = Trim(rest.substr(eq + 1));
    std::string parsed;
    size_t consumed;
    if (!v.empty() && v.front() == '"') {
      size_t i = 1;
      for (; i < v.size() && v[i] != '"'; ++i) {
        if (v[i] == '\\' && i + 1 < v.size()) ++i;
        parsed.push_back(v[i]);
      }
      if (i >= v.size()) return false;  // unterminated quote
      consumed = i + 1;
    } else {
      consumed = v.find(';');
      if (consumed == std::string_view::npos) consumed = v.size();
      parsed = std::string(Trim(v.substr(0, consumed)));
    }
    if (name == key) {
      *value = std::move(parsed);
      return true;
    }
    const std::string_view after = v.substr(consumed);
    const size_t next = after.find(';');
    if (next == std::string_view::npos) return false;
    header = after;
    pos = next;
  }
  return false;
}

}  // namespace

std::string MultipartBoundary(std::string_view content_type) {
  std::string boundary;
  if (!FindParameter(content_type, "boundary", &boundary)) return "";
  if (boundary.empty() || boundary.size() > 70) return "";
  return boundary;
}

std::string ParseMultipart(std::string_view body, std::string_view boundary,
                           const MultipartLimits& limits,
                           std::map<std::string, std::string>* parts) {
  parts->clear();
  if (boundary.empty()) return "the multipart body has no boundary";
  const std::string delimiter = "--" + std::string(boundary);
  // The first delimiter: at the very start, or after a preamble and CRLF.
  size_t pos;
  if (body.substr(0, delimiter.size()) == delimiter) {
    pos = delimiter.size();
  } else {
    const size_t at = body.find("\r\n" + delimiter);
    if (at == std::string_view::npos) return "the multipart body has no delimiter";
    pos = at + 2 + delimiter.size();
  }
  const std::string next_delimiter = "\r\n" + delimiter;
  while (true) {
    // After a delimiter: "--" closes the body, CRLF starts a part (transport padding allowed).
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) == "--") return "";
    if (body.substr(pos, 2) != "\r\n") return "a multipart delimiter is not followed by CRLF";
    pos += 2;
    if (parts->size() >= limits.max_parts) {
      return "more than " + std::to_string(limits.max_parts) + " multipart parts";
    }
    // Part headers up to the empty line.
    std::string name;
    bool have_name = false;
    bool empty_headers = body.substr(pos, 2) == "\r\n";
    size_t headers_end = empty_headers ? pos : body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos || headers_end - pos > limits.max_part_header_bytes) {
      return "multipart part headers are missing or too long";
    }
    std::string_view headers = body.substr(pos, headers_end - pos);
    pos = headers_end + (empty_headers ? 2 : 4);
    while (!headers.empty()) {
      const size_t eol = headers.find("\r\n");
      const std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' ||
          line.front() == '\t') {
        return "a malformed multipart part header";
      }
      if (Lower(line.substr(0, colon)) != "content-disposition") continue;
      const std::string_view value = Trim(line.substr(colon + 1));
      if (Lower(Trim(value.substr(0, value.find(';')))) != "form-data") {
        return "a multipart part that is not form-data";
      }
      have_name = FindParameter(value, "name", &name);
    }
    if (!have_name || name.empty()) return "a multipart part without a name";
    const size_t end = body.find(next_delimiter, pos);
    if (end == std::string_view::npos) return "the multipart body ends inside a part";
    if (!parts->emplace(name, std::string(body.substr(pos, end - pos))).second) {
      return "two multipart parts named \"" + name + "\"";
    }
    pos = end + next_delimiter.size();
  }
}

}  // namespace semble::server
