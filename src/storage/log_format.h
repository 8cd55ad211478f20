// Copyright 2026 The semble Authors.
//
// The record framing shared by write-ahead logs, checkpoint segments and manifests:
//
//   masked crc32c (4 bytes) | payload length (4 bytes) | type (1 byte) | payload
//
// all little-endian; the CRC covers length, type and payload. A record is written with one append,
// so a crash leaves at most one incomplete record, at the end of the file. Readers tell that torn
// tail apart from damage in the middle (see LogReader).

#ifndef SEMBLE_SRC_STORAGE_LOG_FORMAT_H_
#define SEMBLE_SRC_STORAGE_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "semble/status.h"

namespace semble::storage {

constexpr size_t kRecordHeaderSize = 9;
// Sanity bound on one record, well above the largest batch (5000 x 1536 floats = 30 MiB) or segment
// block. A length above it is damage, not a big record.
constexpr uint32_t kMaxRecordSize = 256u << 20;
constexpr uint8_t kRecordTypeFull = 1;

// Appends one framed record holding `payload` to *dst.
void AppendRecord(std::string* dst, std::string_view payload);

// Splits bytes that must be whole framed records (an object fetched from a store, never torn) into
// their payloads, which point into `data`. Any damage is Corruption naming `where`.
Status SplitRecords(std::string_view data, const std::string& where,
                    std::vector<std::string_view>* payloads);

}  // namespace semble::storage

#endif  // SEMBLE_SRC_STORAGE_LOG_FORMAT_H_
