// Copyright 2026 The semble Authors.
//
// Bearer-token authorization. A token has the read scope (queries, lists, embeddings) or the write
// scope (everything, including creating and deleting indexes and writing vectors). With no tokens
// configured every request is allowed, and the server only binds loopback addresses (serve_cli.cc).
//
// Token text, one per line ('#' starts a comment; blank lines are skipped):
//   write <token>
//   read <token>
// The same lines separated by ',' instead of newlines are accepted (for an environment variable).

#ifndef SEMBLE_SRC_SERVER_AUTH_H_
#define SEMBLE_SRC_SERVER_AUTH_H_

#include <string>
#include <string_view>
#include <vector>

#include "semble/status.h"
#include "server/router.h"

namespace semble::server {

class TokenSet {
 public:
  // Tokens must be 16..256 printable ASCII characters without spaces: shorter ones are guessable.
  static Result<TokenSet> Parse(std::string_view text);
  void Merge(const TokenSet& other);

  bool empty() const { return tokens_.empty(); }
  size_t size() const { return tokens_.size(); }

  enum class Decision { kAllow, kUnauthenticated, kForbidden };
  // `authorization` is the Authorization header ("" when absent); only "Bearer <token>" counts.
  // Every configured token is compared in constant time, whichever matches, so the time taken
  // tells nothing about a token's prefix or position.
  Decision Check(std::string_view authorization, Scope needed) const;

 private:
  struct Entry {
    std::string token;
    Scope scope;
  };
  std::vector<Entry> tokens_;
};

// True when a and b are equal; the time depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_AUTH_H_
