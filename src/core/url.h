// Copyright 2026 The semble Authors.
//
// Percent-encoding of a URL's path segments and query values (RFC 3986): the CLI's client and a
// cluster node that forwards a request build targets from decoded parts.

#ifndef SEMBLE_SRC_CORE_URL_H_
#define SEMBLE_SRC_CORE_URL_H_

#include <string>
#include <string_view>

namespace semble::core {

// Every byte but the unreserved ones (ALPHA DIGIT - . _ ~) as %XX (upper-case hex).
std::string PercentEncode(std::string_view s);

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_URL_H_
