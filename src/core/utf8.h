// Copyright 2026 The semble Authors.
//
// UTF-8 checks shared by every layer that accepts or writes text: ids, namespaces and metadata must
// be valid UTF-8 (RFC 3629: no overlong forms, no UTF-16 surrogates, nothing above U+10FFFF), JSON
// output must be, and indexes cut strings to a byte budget without splitting a character.

#ifndef SEMBLE_SRC_CORE_UTF8_H_
#define SEMBLE_SRC_CORE_UTF8_H_

#include <cstddef>
#include <string_view>

namespace semble::core {

// Length (1-4) of the well-formed UTF-8 sequence starting at s[i], or 0 when the bytes there are
// not one (a stray continuation byte, an overlong form, a surrogate, a sequence cut short).
size_t Utf8SequenceLength(std::string_view s, size_t i);

// True when s is valid UTF-8 as a whole.
bool IsValidUtf8(std::string_view s);

// The longest prefix of s of at most max_bytes that does not split a UTF-8 sequence (input that is
// not UTF-8 has no boundary to respect and is cut at max_bytes).
std::string_view Utf8Prefix(std::string_view s, size_t max_bytes);

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_UTF8_H_
