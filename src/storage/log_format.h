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
// The same without a copy of the payload: BeginRecord appends a header to fill and returns where
// it starts; the caller appends the payload to *dst; FinishRecord(dst, start) then frames
// everything after the header as the record (a batch of 5,000 vectors is 7.7 MB to copy once
// more). Cut *dst back to `start` instead to drop the record.
size_t BeginRecord(std::string* dst);
void FinishRecord(std::string* dst, size_t start);

// Splits bytes that must be whole framed records (an object fetched from a store, never torn) into
// their payloads, which point into `data`. Any damage is Corruption naming `where`.
Status SplitRecords(std::string_view data, const std::string& where,
                    std::vector<std::string_view>* payloads);

// The payload of an object that is one framed record starting with an 8-byte `magic` and a fixed32
// format version equal to `version`, without those 12 bytes. Corruption naming `where` and `what`
// (e.g. "backup manifest") otherwise.
Result<std::string_view> VersionedRecord(std::string_view data, const char* magic, uint32_t version,
                                         const std::string& what, const std::string& where);
// The framed record VersionedRecord reads: magic, version, then `body`.
std::string FrameVersioned(const char* magic, uint32_t version, std::string_view body);

}  // namespace semble::storage

#endif  // SEMBLE_SRC_STORAGE_LOG_FORMAT_H_
