// Copyright 2026 The semble Authors.
//
// One resolver from what a user asks for when creating an index (dimensions, metric, a Vectorize
// preset, an embedding model and its pooling, a record schema, the index type) to the
// CreateIndexRequest the database takes. The server's POST /indexes and the CLI's `vectorize
// create` both call it, so they accept and refuse the same requests with the same messages.

#ifndef SEMBLE_SRC_DB_INDEX_CONFIG_H_
#define SEMBLE_SRC_DB_INDEX_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>

#include "semble/database.h"
#include "semble/model_registry.h"
#include "semble/status.h"

namespace semble::db {

// The user's inputs, each absent unless given. Field names in messages are the HTTP API's
// (config.dimensions, ...).
struct IndexSpec {
  std::string name;
  std::string description;
  std::optional<uint32_t> dimensions;
  std::optional<std::string> metric;   // "cosine", "euclidean", "dot-product"
  std::optional<std::string> preset;   // a name of db/presets.h
  std::optional<std::string> model;    // an installed model id or an alias
  std::optional<std::string> pooling;  // "mean" (the default with a model) or "cls"
  std::string schema_json;             // a record schema's JSON; "" for none
  std::string index_type;              // "" for the database's default
  int64_t default_ttl_seconds = 0;     // config.defaultTtlSeconds; 0 for none
  TextIndexConfig text_index;          // config.textIndex; checked by Database::CreateIndex
  uint32_t shards = 1;                  // config.shards; checked by Database::CreateIndex
};

// The rules, in the order they are checked:
// - metric, when given, must be one of the three (InvalidArgument);
// - a preset must be known (InvalidArgument listing them); it sets the dimensions and cosine,
//   overriding config.dimensions and config.metric, and binds the index to the model of that
//   name when `models` serves one (an installed id or an alias of an installed model);
// - a model must be served by `models` (NotFound, reason kModelNotFound); it replaces a preset's
//   model;
// - a schema takes neither a model nor a preset (InvalidArgument); it must parse, sets the
//   dimensions (config.dimensions, when given, must equal them) and the metric defaults to
//   euclidean (kRecordSchemaMetric);
// - with a model: pooling defaults to "mean" and must parse; the dimensions are the model's, and a
//   preset's and config.dimensions, when given, must equal them (InvalidArgument);
// - pooling without a model is refused (InvalidArgument);
// - with neither preset, model nor schema: dimensions and metric are required (InvalidArgument,
//   reason kMissingField).
// Name, limits and index type are checked by Database::CreateIndex.
//
// `models` may be nullptr for a caller whose models live elsewhere (the CLI against a server):
// then a preset binds no model and a model's name and dimensions go to the server as given (0
// when not given); every other rule applies.
Result<CreateIndexRequest> ResolveCreateIndex(const IndexSpec& spec, ModelRegistry* models);

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_INDEX_CONFIG_H_
