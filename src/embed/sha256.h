// Copyright 2026 The semble Authors.
//
// SHA-256 (FIPS 180-4), used only to check downloaded model files against pinned digests. Our own
// ~100 lines rather than libcrypto: one fewer shared library for a non-hot path (a 54 MB model
// hashes in ~0.3 s), see docs/DEPENDENCIES.md.

#ifndef SEMBLE_SRC_EMBED_SHA256_H_
#define SEMBLE_SRC_EMBED_SHA256_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace semble::embed {

class Sha256 {
 public:
  Sha256();
  void Update(std::string_view data);
  // Lowercase hex of the digest; the object must not be updated afterwards.
  std::string HexDigest();

 private:
  void Block(const uint8_t* p);

  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string Sha256Hex(std::string_view data);

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_SHA256_H_
