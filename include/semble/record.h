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
// Extension, text: a record may carry `text` (valid UTF-8, at most Limits::max_text_bytes). It is
// stored with the record and read back, and it is the document of the index's full-text index
// (TextIndexConfig). A record with text and no values is embedded: an index bound to an embedding
// model turns the text into the record's values; without a model that fails with reason kNoModel.
// A record with values and text keeps its values; the text is stored, not embedded.
//
// Extension, for writes only (never stored, empty when read back): instead of values a record may
// carry `fields_json`, a JSON object that an index with a record schema encodes (record_schema.h).
// Values and fields_json exclude each other. Fields without a schema fail with kNoSchema, fields
// that do not encode with kBreaksSchema; a batch that fails anywhere writes nothing.
//
// Extension, expiry (TTL): a record may expire. Its expiry is stored as an absolute time,
// `expires_at_ms` (ms since the Unix epoch by the database's clock, Env::NowMillis; 0 = never),
// which reads return. On a write the expiry comes from, in this order: `ttl_seconds` (1..
// Limits::max_ttl_seconds; the expiry is the write's time + ttl), a non-zero `expires_at_ms`
// given as is (a copy of a record read back keeps its expiry), the index's
// IndexConfig::default_ttl_seconds, or never. Giving both ttl_seconds and expires_at_ms is
// refused. From its expiry on (now >= expires_at_ms) a record is invisible to every read (query,
// get, list, counts) and an insert of its id succeeds as if it were absent; background work later
// deletes it for good (Database::PurgeExpired), which changes no result.
struct VectorRecord {
  std::string id;
  std::vector<float> values;
  std::string ns;
  std::string metadata_json;
  std::string text = "";
  std::string fields_json = "";
  int64_t expires_at_ms = 0;
  std::optional<int64_t> ttl_seconds = std::nullopt;  // writes only; never read back
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
  // Extension, approximate indexes: the calibration behind QueryRequest::recall (semble/query.h)
  // — recall@10 measured at each ef of a ladder, ascending, up to the first ef that reaches the
  // highest target asked so far (or to the ladder's end) — and how many sampled real queries it
  // was measured on (0: stored vectors held out of the graph, the estimate used until 64 queries
  // have been asked). Empty until a query first asks for a recall target.
  struct RecallStep {
    uint32_t ef = 0;
    float recall = 0;
  };
  std::vector<RecallStep> recall_calibration;
  uint32_t recall_calibration_queries = 0;
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
  // Delete / update by filter only: how many records the filter matched when the mutation was
  // applied (and so how many it deleted or updated). 0 for other writes.
  uint64_t count = 0;
};

// Extension: the records a by-filter mutation touches (Index::DeleteByFilter,
// Index::UpdateMetadataByFilter). The filter is in the query filter language (QueryRequest); the
// empty filter {} matches every record and is refused unless `allow_all` is set, so that a
// missing filter never deletes or rewrites a whole index by mistake. Expired records are never
// matched.
struct FilterMutation {
  std::string filter_json;
  bool allow_all = false;
  // UpdateMetadataByFilter only: a JSON object. With merge, its top-level keys replace the same
  // keys of each record's metadata and the other keys stay; without, it replaces the metadata
  // whole ({} then removes it).
  std::string metadata_json = "";
  bool merge = true;
};

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_RECORD_H_
