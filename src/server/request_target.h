// Copyright 2026 The semble Authors.
//
// The request-target of a request line (RFC 9112 §3.2) split into a percent-decoded path and the
// query parameters. Origin form ("/a/b?x=1") and absolute form ("http://host/a/b?x=1", which a
// server must accept, §3.2.2) give the same result; the authority of the absolute form is not
// used for routing (semble serves one host).

#ifndef SEMBLE_SRC_SERVER_REQUEST_TARGET_H_
#define SEMBLE_SRC_SERVER_REQUEST_TARGET_H_

#include <map>
#include <string>
#include <string_view>

namespace semble::server {

// Decodes %XX escapes (and '+' as a space when plus_is_space, for query strings). A '%' not
// followed by two hex digits is kept as it is.
std::string PercentDecode(std::string_view s, bool plus_is_space);

// Fills *path (decoded) and *query (decoded; the first value of each name). Returns false when the
// target is neither origin nor absolute form (e.g. "*" or "host:443").
bool ParseRequestTarget(std::string_view target, std::string* path,
                        std::map<std::string, std::string>* query);

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_REQUEST_TARGET_H_
