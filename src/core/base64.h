// Copyright 2026 The semble Authors.
//
// Standard base64 (RFC 4648, "+/" alphabet, "=" padding): OpenAI's base64 embeddings and the
// keys and values of etcd's JSON gateway.

#ifndef SEMBLE_SRC_CORE_BASE64_H_
#define SEMBLE_SRC_CORE_BASE64_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace semble::core {

std::string Base64(const void* data, size_t n);
inline std::string Base64(std::string_view s) { return Base64(s.data(), s.size()); }

// The inverse of Base64: false on a character outside the alphabet, misplaced padding or a length
// that is not a multiple of 4 (then *out is unspecified).
bool Unbase64(std::string_view in, std::string* out);

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_BASE64_H_
