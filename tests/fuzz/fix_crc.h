// Copyright 2026 The semble Authors.
//
// FixRecordCrcs: rewrites the checksum of every framed record (storage/log_format.h) in a file so
// that it holds. A mutated byte almost always breaks a record's CRC32C, so without this the
// fuzzer would spend its time on the checksum check and rarely reach the decoders behind it
// (mutations, segment blocks, manifest fields); the storage targets read each input as it is (the
// damage paths) and, when this changed it, once more with the CRCs fixed.

#ifndef SEMBLE_TESTS_FUZZ_FIX_CRC_H_
#define SEMBLE_TESTS_FUZZ_FIX_CRC_H_

#include <cstring>
#include <string>

#include "core/coding.h"
#include "core/crc32c.h"
#include "storage/log_format.h"

namespace semble::fuzz {

// Returns true when a checksum was changed. Stops at the first header that does not describe a
// whole record of the file.
inline bool FixRecordCrcs(std::string* file) {
  bool changed = false;
  size_t p = 0;
  while (file->size() - p >= storage::kRecordHeaderSize) {
    char* h = file->data() + p;
    const uint32_t len = core::DecodeFixed32(h + 4);
    if (len > file->size() - p - storage::kRecordHeaderSize) break;
    uint32_t crc = core::Crc32c(h + 4, 5);
    crc = core::Crc32cExtend(crc, h + storage::kRecordHeaderSize, len);
    const uint32_t masked = core::MaskCrc(crc);
    if (core::DecodeFixed32(h) != masked) {
      std::memcpy(h, &masked, 4);
      changed = true;
    }
    p += storage::kRecordHeaderSize + len;
  }
  return changed;
}

}  // namespace semble::fuzz

#endif  // SEMBLE_TESTS_FUZZ_FIX_CRC_H_
