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

#include "core/json_writer.h"
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
// non-empty string, for the index's embedding model) or "fields" (an object, for its record
// schema) instead of "values" (exactly one of the three), read into VectorRecord::text /
// fields_json; the engine turns them into values (record.h).
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


// Each Write* appends one JSON value to *w (so a server can place it inside its envelope); each
// *ToJson returns it as a standalone document.

// {name, description, config:{dimensions, metric}, created_on, modified_on}
void WriteIndexDescription(const IndexDescription& d, core::JsonWriter* w);
std::string IndexDescriptionToJson(const IndexDescription& d);
// An array of the above (the list of indexes).
std::string IndexDescriptionsToJson(std::span<const IndexDescription> ds);

// {dimensions, vectorCount, processedUpToDatetime (ISO or null), processedUpToMutation (or null)}
void WriteIndexInfo(const IndexInfo& info, core::JsonWriter* w);
std::string IndexInfoToJson(const IndexInfo& info);

// {count, matches:[{id, score, values?, metadata?, namespace?}]}; each optional field only when
// non-empty (values are filled only when the query asked for them).
void WriteQueryResult(const QueryResult& result, core::JsonWriter* w);
std::string QueryResultToJson(const QueryResult& result);

// [{id, values, namespace?, metadata?}] (get-by-ids).
void WriteRecords(std::span<const VectorRecord> records, core::JsonWriter* w);
std::string RecordsToJson(std::span<const VectorRecord> records);

// {count, totalCount, isTruncated, nextCursor (or null), cursorExpirationTimestamp: null,
//  vectors:[{id}]}. semble's cursors never expire, hence the constant null.
void WriteListResult(const ListResult& result, core::JsonWriter* w);
std::string ListResultToJson(const ListResult& result);

// {mutationId}
void WriteMutation(const MutationResult& m, core::JsonWriter* w);
std::string MutationToJson(const MutationResult& m);

// {metadataIndexes:[{propertyName, indexType}]}
void WriteMetadataIndexes(std::span<const MetadataIndexDescription> indexes, core::JsonWriter* w);
std::string MetadataIndexesToJson(std::span<const MetadataIndexDescription> indexes);

}  // namespace semble::wire

#endif  // SEMBLE_SRC_WIRE_RECORD_JSON_H_
