// Copyright 2026 The semble Authors.
//
// The binary records codec: semble's extension for bulk loads, accepted by the insert and upsert
// routes when the body's Content-Type is kRecordsBinaryType. NDJSON spends most of an ingest
// request's CPU turning decimal text back into floats (~4.5 KB of text per 384-dim vector); this
// format carries the float32 rows as they are in memory, so a client with a matrix (numpy's
// tobytes(), a Float32Array) sends it without formatting a number.
//
// Layout (all integers unsigned 32-bit little-endian, floats IEEE 754 binary32 little-endian):
//   offset 0   magic "SMBR"
//          4   version, 1
//          8   dimensions d (>= 1)
//         12   count n
//         16   flags: bit 0 = a namespace section follows the ids, bit 1 = a metadata section
//              follows (after the namespaces when both); other bits are 0
//         20   reserved, 0
//         24   n * d floats: record 0's values, then record 1's, ...
//   then n ids, each a length and that many bytes (UTF-8)
//   then, with flag bit 0, n namespaces (length 0 = none), and with bit 1, n metadata texts, each
//   a JSON object (length 0 = none); the body ends exactly there.
//
// Like the JSON codec, this checks only the shape; ids, values (finite, d of them), namespaces
// and metadata are checked by the engine (db/validation.h), so every entry point applies the same
// rules. A record here has no text, fields or expiry; NDJSON carries those.

#ifndef SEMBLE_SRC_WIRE_RECORD_BINARY_H_
#define SEMBLE_SRC_WIRE_RECORD_BINARY_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "semble/record.h"
#include "semble/status.h"

namespace semble::wire {

inline constexpr std::string_view kRecordsBinaryType = "application/vnd.semble.records";

// Decodes a whole body. Any departure from the layout (magic, version, unknown flags, a length
// past the end, bytes after the last section) is InvalidArgument naming the offset, and nothing
// is returned. So is a count above max_records, before anything is allocated: a record costs
// ~200 bytes of memory and as little as 8 of body, so a hostile body must not get to choose it.
Result<std::vector<VectorRecord>> ParseRecordsBinary(std::string_view body,
                                                     size_t max_records = SIZE_MAX);

// Encodes records into the layout above; ParseRecordsBinary gives them back field for field.
// InvalidArgument when the records cannot be represented: none, values of different lengths or
// empty, or a record with text, fields or expiry. The namespace and metadata sections are
// written only when some record has one.
Result<std::string> RecordsBinary(std::span<const VectorRecord> records);

}  // namespace semble::wire

#endif  // SEMBLE_SRC_WIRE_RECORD_BINARY_H_
