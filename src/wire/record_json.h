// Copyright 2026 The semble Authors.
//
// The JSON wire codec of records and results, shared by the CLI (--json output, NDJSON files) and
// the HTTP server (Vectorize v2 request and response bodies). Shapes follow Cloudflare Vectorize
// v2 field for field (shared/reference/vectorize-workers-ai-api.md, a.2-a.4), so that a client
// written for Vectorize reads semble's output unchanged.
//
// Parsing checks only the wire shape (which fields exist and their JSON types). The rules of the
// data itself (id length, dimensions, metadata keys and size) are the engine's, so that every
// entry point enforces them identically; see db/validation.h.

#ifndef SEMBLE_SRC_WIRE_RECORD_JSON_H_
#define SEMBLE_SRC_WIRE_RECORD_JSON_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "semble/query.h"
#include "semble/record.h"
#include "semble/status.h"

namespace semble::wire {

// Parses one NDJSON line `{"id":"..","values":[..],"namespace":"..","metadata":{..}}`. `id` (a
// string) and `values` (an array of numbers, each within float range) are required; `namespace`
// (a string) and `metadata` (an object, kept as its compact JSON text) are optional, and null
// counts as absent. Any other field is an error naming the field. Errors are InvalidArgument.
Result<VectorRecord> ParseRecordJson(std::string_view line);
// The same, also accepting semble's extensions when `extensions`: a record may carry "text" (a
// non-empty string: stored, and embedded with the index's model when the record has no values)
// or "fields" (an object, for its record schema), read into VectorRecord::text / fields_json; at
// least one of values, text and fields, and not values with fields (record.h). Expiry (record.h)
// comes as "ttlSeconds" (an integer) or "expiresAtMs" (an integer, ms since the epoch); null is
// absent.
Result<VectorRecord> ParseRecordJson(std::string_view line, bool extensions);

// Parses NDJSON text: one record per line, blank lines skipped, "\r\n" accepted. With
// discard_unparsable false, the first bad line fails the whole text with an error starting
// "line <n>: " (1-based). With it true (Vectorize's unparsable-behavior=discard), bad lines are
// skipped and counted in *discarded (when not null).
Result<std::vector<VectorRecord>> ParseNdjson(std::string_view text, bool discard_unparsable,
                                              size_t* discarded);
// With `extensions`, records may carry "text" or "fields" (see above).
// A large text is parsed on up to `threads` threads (one per 4 MiB); the result, errors included,
// is the same as with one.
Result<std::vector<VectorRecord>> ParseNdjson(std::string_view text, bool discard_unparsable,
                                              size_t* discarded, bool extensions,
                                              int threads = 1);


// NDJSON of records, one line each, as ParseNdjson with extensions reads them back: values, text
// and fields as the record holds them (values are also written when there is no text or fields,
// so an empty record still has the required field), namespace and metadata when not empty, ttlSeconds and
// expiresAtMs when given.
std::string RecordsNdjson(std::span<const VectorRecord> records);

}  // namespace semble::wire

#endif  // SEMBLE_SRC_WIRE_RECORD_JSON_H_
