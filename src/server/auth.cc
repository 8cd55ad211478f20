// Copyright 2026 The semble Authors.

#include "server/auth.h"

#include <cctype>

namespace semble::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Compare over the longer length so a short guess costs as long as a full one.
  const size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  // The volatile read keeps the compiler from turning the loop into an early-exit compare.
  volatile unsigned char result = diff;
  return result == 0;
}

Result<TokenSet> TokenSet::Parse(std::string_view text) {
  TokenSet set;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t end = text.find_first_of("\n,");
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (line.empty()) continue;
    const size_t sep = line.find_first_of(" \t:");
    const std::string where = "token entry " + std::to_string(line_no);
    if (sep == std::string_view::npos) {
      return Status::InvalidArgument(where + ": expected \"read <token>\" or \"write <token>\"");
    }
    const std::string_view scope = line.substr(0, sep);
    const std::string_view token = Trim(line.substr(sep + 1));
    Entry e;
    if (scope == "read") {
      e.scope = Scope::kRead;
    } else if (scope == "write") {
      e.scope = Scope::kWrite;
    } else {
      return Status::InvalidArgument(where + ": scope must be \"read\" or \"write\"");
    }
    if (token.size() < 16 || token.size() > 256) {
      return Status::InvalidArgument(where + ": a token has 16 to 256 characters");
    }
    for (char c : token) {
      if (c <= ' ' || c > '~') {
        return Status::InvalidArgument(where + ": a token is printable ASCII without spaces");
      }
    }
    e.token.assign(token);
    set.tokens_.push_back(std::move(e));
  }
  return set;
}

void TokenSet::Merge(const TokenSet& other) {
  tokens_.insert(tokens_.end(), other.tokens_.begin(), other.tokens_.end());
}

TokenSet::Decision TokenSet::Check(std::string_view authorization, Scope needed) const {
  if (tokens_.empty() || needed == Scope::kPublic) return Decision::kAllow;
  // The scheme name is case-insensitive (RFC 9110 11.1); the token is not.
  constexpr std::string_view kBearer = "bearer ";
  if (authorization.size() <= kBearer.size()) return Decision::kUnauthenticated;
  for (size_t i = 0; i < kBearer.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kBearer[i]) {
      return Decision::kUnauthenticated;
    }
  }
  const std::string_view presented = Trim(authorization.substr(kBearer.size()));
  bool found = false;
  Scope scope = Scope::kRead;
  for (const Entry& e : tokens_) {
    if (ConstantTimeEquals(e.token, presented)) {
      // A token listed twice keeps its widest scope.
      if (!found || e.scope == Scope::kWrite) scope = e.scope;
      found = true;
    }
  }
  if (!found) return Decision::kUnauthenticated;
  if (needed == Scope::kWrite && scope != Scope::kWrite) return Decision::kForbidden;
  return Decision::kAllow;
}

}  // namespace semble::server
