// Copyright 2026 The semble Authors.
//
// Parsing of the JSON request bodies of the Vectorize, Workers AI and OpenAI endpoints. Each parser
// checks the wire shape only (fields, JSON types, one value per field; unknown fields are refused so
// a typo does not silently change a request) and returns InvalidArgument naming the field. Data
// rules (dimensions, limits, names) are checked by the engine or the route.

#ifndef SEMBLE_SRC_WIRE_REQUEST_JSON_H_
#define SEMBLE_SRC_WIRE_REQUEST_JSON_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wire/record_json.h"
#include "semble/options.h"
#include "semble/query.h"
#include "semble/record.h"
#include "semble/status.h"

namespace semble::wire {

// A full-text index config (extension), as config.textIndex of an index creation and as the body
// of POST /indexes/{name}/text_index: true (enabled, defaults), false (none), or {enabled?,
// fields?, language?, k1?, b?} (enabled unless "enabled": false; absent fields keep
// TextIndexConfig's defaults). Shapes only: the engine checks the values (semble/options.h).
Result<TextIndexConfig> ParseTextIndexBody(std::string_view body);
// What ParseTextIndexBody reads back: {"enabled": false}, or {fields, language, k1, b}.
std::string TextIndexBodyJson(const TextIndexConfig& config);

// POST /indexes: {name, description?, config: {dimensions, metric} | {preset}} plus the
// extensions config.model, config.pooling, config.indexType, config.schema,
// config.defaultTtlSeconds, config.textIndex and config.shards.
struct CreateIndexBody {
  std::string name;
  std::string description;
  std::optional<uint32_t> dimensions;
  std::optional<std::string> metric;
  std::optional<std::string> preset;
  std::optional<std::string> model;
  std::optional<std::string> pooling;
  std::string index_type;
  std::string schema_json;  // config.schema, compact; "" when absent
  std::optional<int64_t> default_ttl_seconds;  // config.defaultTtlSeconds (extension)
  TextIndexConfig text_index;                  // config.textIndex (extension)
  uint32_t shards = 1;                         // config.shards (extension)
};
Result<CreateIndexBody> ParseCreateIndex(std::string_view body);

// POST /query: Vectorize's fields plus the extensions text, model, ef, recall, excludeIds, mode,
// fusion, alpha, groupBy, groupSize and groupCount (semble/query.h). Mode "vector" (the default)
// takes exactly one of vector, vectorId and text; "keyword" takes text and neither vector nor
// vectorId; "hybrid" takes text and at most one of vector and vectorId. alpha is a number in
// [0, 1]; groupBy a non-empty string.
struct QueryBody {
  QueryRequest request;  // a text query in request.text
  std::optional<std::string> model;
};
Result<QueryBody> ParseQuery(std::string_view body);

// POST /map (extension): {sample?, and optionally a query as above (vector, vectorId or text, with
// topK, filter, namespace)}. `has_query` tells whether a query was given.
struct MapBody {
  uint32_t sample = 500;
  bool has_query = false;
  QueryBody query;
};
Result<MapBody> ParseMap(std::string_view body);

// POST /recommend (extension): {positive: [id...], negative?: [id...], topK?, returnValues?,
// returnMetadata?, namespace?, filter?}.
struct RecommendBody {
  std::vector<std::string> positive, negative;
  QueryRequest options;  // top_k, return_values, return_metadata, ns, filter_json
};
Result<RecommendBody> ParseRecommend(std::string_view body);

// {ids: [string...]} (get_by_ids, delete_by_ids).
Result<std::vector<std::string>> ParseIds(std::string_view body);
// POST /delete_by_filter (extension): {filter, allowAll?}; with `update`, POST
// /update_metadata_by_filter: {filter, allowAll?, metadata, merge?}. filter and metadata are
// objects, allowAll (default false) and merge (default true) booleans (semble/record.h,
// FilterMutation).
Result<FilterMutation> ParseFilterMutation(std::string_view body, bool update);

// {propertyName, indexType} / {propertyName}.
Result<MetadataIndexDescription> ParseMetadataIndexCreate(std::string_view body);
Result<std::string> ParsePropertyName(std::string_view body);

// {"vectors": [record...]}: the JSON form of an insert. Records as in ParseRecordJson with
// the extensions (text or fields instead of values).
// True when body is a JSON object whose first key is "vectors" (the JSON form of an insert, as
// Workers bindings send it), false for anything else (NDJSON, even a single line of it). Decided
// from the first bytes, without parsing the body.
bool IsVectorsObject(std::string_view body);
Result<std::vector<VectorRecord>> ParseVectorsObject(std::string_view body, bool discard_unparsable,
                                                     size_t* discarded);

// Workers AI text embeddings: {text: string | string[], pooling?: "mean" | "cls"}.
struct AiRunBody {
  std::vector<std::string> texts;
  bool single = false;  // text was a string, not an array
  std::optional<std::string> pooling;
};
Result<AiRunBody> ParseAiRun(std::string_view body);

// OpenAI embeddings: {model, input: string | string[], encoding_format?: "float" | "base64",
// dimensions?, user?}.
struct OpenAiEmbeddingsBody {
  std::string model;
  std::vector<std::string> inputs;
  bool base64 = false;
  std::optional<uint32_t> dimensions;
};
Result<OpenAiEmbeddingsBody> ParseOpenAiEmbeddings(std::string_view body);

// The client library's side of the same bodies: each writes what the matching Parse* above reads
// back (tests/wire/request_json_test.cc checks the pairs over random values).
// {vector | vectorId | text, topK, returnValues, returnMetadata, namespace?, filter?, excludeIds?,
//  ef?, recall?, mode?, fusion?, alpha?, groupBy?, groupSize?, groupCount?} (the extensions only
// when they differ from their defaults): what the request holds goes as it is (more than one of vector, vectorId and text
// is for the server to refuse, as a local index does).
std::string QueryRequestJson(const QueryRequest& q);
// {ids: [...]}
std::string IdsJson(std::span<const std::string> ids);
// {propertyName, indexType} / {propertyName}
std::string MetadataIndexCreateJson(const MetadataIndexDescription& desc);
std::string PropertyNameJson(const std::string& property_name);
// What ParseFilterMutation reads back.
std::string FilterMutationJson(const FilterMutation& request, bool update);

}  // namespace semble::wire

#endif  // SEMBLE_SRC_WIRE_REQUEST_JSON_H_
