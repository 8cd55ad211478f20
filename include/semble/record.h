// Copyright 2026 The semble Authors.
//
// A vector record as stored in an index, and the descriptions of indexes and metadata indexes.

#ifndef SEMBLE_INCLUDE_SEMBLE_RECORD_H_
#define SEMBLE_INCLUDE_SEMBLE_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "semble/options.h"

namespace semble {

// One vector with its id, optional namespace and optional metadata.
//
// Limits (Limits in options.h): id 1..64 bytes of UTF-8; namespace up to 64 bytes ("" = none);
// values exactly `dimensions` finite floats; metadata a JSON object text ("" = none) of at most
// 10 KiB once compacted, whose keys are non-empty, contain no '.' or '"', do not start with '$', and
// whose values are strings, numbers, booleans, null, arrays of strings, or one nested object of those.
// semble stores metadata in compact form, so metadata read back may differ from what was written in
// whitespace and number spelling, never in meaning.
//
// Extensions, for writes only (never stored, empty when read back): instead of values a record may
// carry `text`, which an index bound to an embedding model embeds with that model, or
// `fields_json`, a JSON object that an index with a record schema encodes (record_schema.h). At
// most one of values, text and fields_json is given. A text for an index without a model fails
// with reason kNoModel, fields without a schema with kNoSchema, fields that do not encode with
// kBreaksSchema; a batch that fails anywhere writes nothing.
struct VectorRecord {
  std::string id;
  std::vector<float> values;
  std::string ns;
  std::string metadata_json;
  std::string text = "";
  std::string fields_json = "";
};

struct IndexDescription {
  std::string name;
  std::string description;
  IndexConfig config;
  int64_t created_on_ms = 0;   // milliseconds since the Unix epoch
  int64_t modified_on_ms = 0;
};

struct IndexInfo {
  uint32_t dimensions = 0;
  uint64_t vector_count = 0;
  // Id of the last mutation applied to the index; empty before the first one.
  std::string processed_up_to_mutation;
  // When that mutation was applied (ms since the epoch); nullopt before the first one.
  std::optional<int64_t> processed_up_to_ms;
  // Extensions: the canonical index type, and the bytes of memory the vector index holds per
  // vector (vectors, graph links, codes).
  std::string index_type = "";
  double memory_bytes_per_vector = 0;
  // Extension: vectors written but not yet linked into the approximate index's graph. They are
  // searched exactly until then, so results never miss them; the count shows the indexing
  // backlog after a bulk load (0 for exact indexes).
  uint64_t unindexed_vectors = 0;
};

enum class MetadataIndexType { kString, kNumber, kBoolean };
// "string", "number", "boolean".
std::string_view MetadataIndexTypeName(MetadataIndexType type);
Result<MetadataIndexType> ParseMetadataIndexType(std::string_view name);

struct MetadataIndexDescription {
  std::string property_name;  // a top-level key, or "parent.child" for a nested one
  MetadataIndexType type = MetadataIndexType::kString;
};

// What a write returns. Mutation ids are opaque 36-character strings; within one index they sort in
// the order the mutations were applied.
struct MutationResult {
  std::string mutation_id;
};

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_RECORD_H_
