// Copyright 2026 The semble Authors.
//
// The content hash of stored objects (segments in a store, backup chunks, file:// etags): XXH3-128
// as 32 hex digits. Not cryptographic: it tells apart what a writer meant to store from what it
// finds, not what an attacker forged.

#ifndef SEMBLE_SRC_STORAGE_CONTENT_HASH_H_
#define SEMBLE_SRC_STORAGE_CONTENT_HASH_H_

#include <memory>
#include <string>
#include <string_view>

namespace semble::storage {

std::string ContentHash(std::string_view data);

// ContentHash of data that arrives in pieces: Update with each piece in order, then Finish gives
// what ContentHash of their concatenation gives.
class ContentHasher {
 public:
  ContentHasher();
  ~ContentHasher();
  ContentHasher(const ContentHasher&) = delete;
  ContentHasher& operator=(const ContentHasher&) = delete;

  void Update(std::string_view piece);
  std::string Finish() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace semble::storage

#endif  // SEMBLE_SRC_STORAGE_CONTENT_HASH_H_
