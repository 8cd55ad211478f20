// Copyright 2026 The semble Authors.
//
// The Vectorize v2 answers, each shape written (by the server) and read (by the client library)
// in one place, so the two cannot drift apart: what a Write* function writes, the matching Parse*
// reads back to the same value (tests/wire/response_json_test.cc checks it over random values).
// Parse* take the "result" member of the envelope, as a JSON text.

#ifndef SEMBLE_SRC_WIRE_RESPONSE_JSON_H_
#define SEMBLE_SRC_WIRE_RESPONSE_JSON_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_writer.h"
#include "semble/options.h"
#include "semble/query.h"
#include "semble/record.h"
#include "semble/status.h"

namespace semble::wire {

// Each Write* appends one JSON value to *w (so a server can place it inside its envelope); each
// *ToJson returns it as a standalone document.

// {fields, language, k1, b}: an enabled full-text index's config (extension), as index
// descriptions carry it in config.textIndex and GET /text_index answers it (with "enabled").
void WriteTextIndexConfig(const TextIndexConfig& c, core::JsonWriter* w);
// GET /indexes/{name}/text_index: {"enabled": true, fields, language, k1, b} or
// {"enabled": false}.
void WriteTextIndexState(const TextIndexConfig& c, core::JsonWriter* w);
std::string TextIndexStateToJson(const TextIndexConfig& c);

// {name, description, config:{dimensions, metric}, created_on, modified_on}; the extensions in
// config only when set (config.textIndex only when the full-text index is enabled).
void WriteIndexDescription(const IndexDescription& d, core::JsonWriter* w);
std::string IndexDescriptionToJson(const IndexDescription& d);
// An array of the above (the list of indexes).
std::string IndexDescriptionsToJson(std::span<const IndexDescription> ds);

// {dimensions, vectorCount, processedUpToDatetime (ISO or null), processedUpToMutation (or null)}
void WriteIndexInfo(const IndexInfo& info, core::JsonWriter* w);
std::string IndexInfoToJson(const IndexInfo& info);

// {count, matches:[{id, score, values?, metadata?, namespace?}], groups?}; each optional field
// only when non-empty (values are filled only when the query asked for them). groups (extension,
// [{key, matches}], key being the group's raw JSON value) when the result has groups or
// `grouped` (the query had groupBy, so that such a query always answers the key).
void WriteQueryResult(const QueryResult& result, core::JsonWriter* w, bool grouped = false);
std::string QueryResultToJson(const QueryResult& result, bool grouped = false);

// [{id, values, namespace, metadata, expiresAtMs?, text?}] (get-by-ids): namespace "" and
// metadata {} when the record has none, as Cloudflare documents the shape; expiresAtMs
// (extension) only for a record that expires, text (extension) only for a record that has one.
void WriteRecords(std::span<const VectorRecord> records, core::JsonWriter* w);
std::string RecordsToJson(std::span<const VectorRecord> records);

// {count, totalCount, isTruncated, nextCursor (or null), cursorExpirationTimestamp: null,
//  vectors:[{id}]}. semble's cursors never expire, hence the constant null.
void WriteListResult(const ListResult& result, core::JsonWriter* w);
std::string ListResultToJson(const ListResult& result);

// {mutationId}
void WriteMutation(const MutationResult& m, core::JsonWriter* w);
std::string MutationToJson(const MutationResult& m);
// {mutationId, count} (extension: delete / update metadata by filter).
void WriteCountedMutation(const MutationResult& m, core::JsonWriter* w);
std::string CountedMutationToJson(const MutationResult& m);

// {metadataIndexes:[{propertyName, indexType}]}
void WriteMetadataIndexes(std::span<const MetadataIndexDescription> indexes, core::JsonWriter* w);
std::string MetadataIndexesToJson(std::span<const MetadataIndexDescription> indexes);

// The readers. Fields a reader does not know are ignored (a newer server may add some); a shape
// that is not the documented one is an IOError naming it.
Result<IndexDescription> ParseIndexDescription(std::string_view json);
Result<std::vector<IndexDescription>> ParseIndexDescriptions(std::string_view json);
Result<IndexInfo> ParseIndexInfo(std::string_view json);
Result<QueryResult> ParseQueryResult(std::string_view json);
Result<std::vector<VectorRecord>> ParseRecords(std::string_view json);
Result<ListResult> ParseListResult(std::string_view json);
Result<MutationResult> ParseMutation(std::string_view json);
Result<std::vector<MetadataIndexDescription>> ParseMetadataIndexes(std::string_view json);
Result<TextIndexConfig> ParseTextIndexState(std::string_view json);

}  // namespace semble::wire

#endif  // SEMBLE_SRC_WIRE_RESPONSE_JSON_H_
