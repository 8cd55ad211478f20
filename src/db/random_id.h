// Copyright 2026 The semble Authors.
//
// Random 64-bit values as 16 hex digits, for names that must not collide: index incarnations,
// hidden temporary directories, writers' segment keys, backup ids.

#ifndef SEMBLE_SRC_DB_RANDOM_ID_H_
#define SEMBLE_SRC_DB_RANDOM_ID_H_

#include <cstdint>
#include <string>

namespace semble::db {

// Thread-safe. *value (when given) gets the number the digits spell.
std::string RandomHex64(uint64_t* value = nullptr);

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_RANDOM_ID_H_
