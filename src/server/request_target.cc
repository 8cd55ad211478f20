// Copyright 2026 The semble Authors.

#include "server/request_target.h"

namespace semble::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

bool ParseRequestTarget(std::string_view target, std::string* path,
                        std::map<std::string, std::string>* query) {
  if (StartsWithNoCase(target, "http://") || StartsWithNoCase(target, "https://")) {
    const size_t authority = target.find("//") + 2;
    const size_t rest = target.find_first_of("/?#", authority);
    if (rest == authority) return false;  // no host
    target = rest == std::string_view::npos ? std::string_view("/") : target.substr(rest);
    if (target.front() == '?') {
      // "http://host?x=1": the path is "/" (RFC 9112 §3.2.2 "empty path").
      static const std::string kRoot = "/";
      std::string with_root = kRoot + std::string(target);
      return ParseRequestTarget(with_root, path, query);
    }
  }
  if (target.empty() || target.front() != '/') return false;
  target = target.substr(0, target.find('#'));
  const size_t q = target.find('?');
  *path = PercentDecode(target.substr(0, q), false);
  query->clear();
  if (q == std::string_view::npos) return true;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
    query->emplace(std::move(key), std::move(value));  // keeps the first
  }
  return true;
}

}  // namespace semble::server
