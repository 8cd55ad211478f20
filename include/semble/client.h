// Copyright 2026 The semble Authors.
//
// A Database that lives in a `semble serve` process (or anything else speaking Vectorize v2) and
// is reached over HTTP. It implements the same interface as the embedded Database, so code written
// against database.h (the CLI's verbs among it) runs unchanged against a server:
//
//   semble::RemoteOptions remote{"http://127.0.0.1:8080", "my-token"};
//   auto db = semble::ConnectDatabase(remote);
//   auto index = (*db)->GetIndex("docs");
//
// Errors: the server's answers map back to Status codes (400 InvalidArgument, 404 NotFound,
// 409 AlreadyExists, 401/403 FailedPrecondition naming the token, 413 InvalidArgument, 5xx
// IOError); a server that cannot be reached is IOError naming the URL. Checkpoint asks nothing of
// the server (it checkpoints on its own) and RecoveryLog is empty.

#ifndef SEMBLE_INCLUDE_SEMBLE_CLIENT_H_
#define SEMBLE_INCLUDE_SEMBLE_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "semble/database.h"

namespace semble {

struct RemoteOptions {
  std::string url;      // "http://host:port" (a path prefix is kept, e.g. a reverse proxy's)
  std::string token;    // sent as "Authorization: Bearer <token>" when not empty
  std::string account = "local";  // the {account_id} path segment
  int timeout_seconds = 120;
};

// Connects and checks the server answers and accepts the token (one request listing the
// indexes), so that a wrong URL or token fails here rather than as an empty ListIndexes().
Result<std::unique_ptr<Database>> ConnectDatabase(const RemoteOptions& options);

// Embeds texts on the server with POST /v1/embeddings (an installed model id or alias).
Result<std::vector<std::vector<float>>> RemoteEmbed(const RemoteOptions& options,
                                                    const std::string& model,
                                                    const std::vector<std::string>& texts);

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_CLIENT_H_
