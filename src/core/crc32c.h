// Copyright 2026 The semble Authors.
//
// CRC32C (Castagnoli), the checksum of every WAL record, segment block and manifest. Uses the SSE4.2
// crc32 instruction when the CPU has it (checked once at run time) and a table otherwise; both give
// the same values.

#ifndef SEMBLE_SRC_CORE_CRC32C_H_
#define SEMBLE_SRC_CORE_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace semble::core {

// CRC32C of data[0..n), continuing from `init` (the crc of the preceding bytes; 0 to start).
uint32_t Crc32cExtend(uint32_t init, const char* data, size_t n);
inline uint32_t Crc32c(const char* data, size_t n) { return Crc32cExtend(0, data, n); }

// A CRC stored next to the data it covers is masked, so that computing the CRC of a string that
// itself contains CRCs does not degenerate (LevelDB's reasoning).
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t UnmaskCrc(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_CRC32C_H_
