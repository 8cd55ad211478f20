// Copyright 2026 The semble Authors.
//
// A mutation: one acknowledged write to one index, the unit of the write-ahead log. Applying a
// mutation to an index's state is deterministic, so replaying the log rebuilds exactly the state
// that was acknowledged.

#ifndef SEMBLE_SRC_DB_MUTATION_H_
#define SEMBLE_SRC_DB_MUTATION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "meta/value.h"
#include "semble/record.h"
#include "semble/status.h"

namespace semble::db {

enum class MutationType : uint8_t {
  kInsert = 1,
  kUpsert = 2,
  kDelete = 3,
  kCreateMetadataIndex = 4,
  kDeleteMetadataIndex = 5,
  // Deletes every record whose expiry is at or before the mutation's time_ms (no payload): the
  // records are found again on replay, from the same state, by the same rule.
  kPurgeExpired = 6,
  // Delete / update metadata by filter: the filter's text (for the reader of a log) and the ids it
  // matched when the mutation entered the log, which are what applying deletes or rewrites.
  kDeleteByFilter = 7,
  kUpdateMetadataByFilter = 8,
  // Enables, changes or drops the full-text index (text_index); applying re-indexes every record.
  kConfigureTextIndex = 9,
};

struct Mutation {
  MutationType type = MutationType::kInsert;
  uint64_t seq = 0;      // assigned when the mutation enters the log
  int64_t time_ms = 0;   // when it entered the log
  // kInsert / kUpsert. metadata_json is the compact form; `metadata` its parsed value (null when
  // the record has none), kept beside the record so that applying never parses.
  std::vector<VectorRecord> records;
  std::vector<meta::Value> metadata;
  // Ids of records whose stored metadata no longer parsed; their metadata was salvaged (see
  // DecodeStoredMetadata). Filled by DecodeMutation only, for the recovery log.
  std::vector<std::string> salvaged_ids;
  // kDelete; kDeleteByFilter / kUpdateMetadataByFilter (the resolved ids, ascending).
  std::vector<std::string> ids;
  // kDeleteByFilter / kUpdateMetadataByFilter. `patch` is patch_json parsed (update only).
  std::string filter_json;
  bool allow_all = false;  // not logged: checked before the mutation is
  std::string patch_json;
  meta::Value patch;
  bool merge = true;
  // Not logged: how many records a by-filter mutation matched, for the caller.
  uint64_t count = 0;
  // Not logged: kInsert / kUpsert records' full-text documents analysed before the mutation was
  // queued (outside every lock), by the analyzer of full-text index generation `text_generation`;
  // applying uses them only if that is still the index's generation. Empty: analyse when applying.
  std::vector<std::vector<std::string>> doc_terms;
  uint64_t text_generation = 0;
  // kCreateMetadataIndex / kDeleteMetadataIndex (only property_name for delete).
  MetadataIndexDescription metadata_index;
  // kConfigureTextIndex.
  TextIndexConfig text_index;
};

// Serialises a mutation (seq and time included) as a WAL record payload.
void EncodeMutation(const Mutation& m, std::string* out);
// Decodes a payload written by EncodeMutation; metadata is parsed back into `metadata`. Corruption
// on malformed input (the record's CRC held, so this means a bug or a foreign file).
Result<Mutation> DecodeMutation(std::string_view payload, uint32_t dimensions);

// Parses metadata text read back from a log or segment. Stored text was validated when it was
// accepted, but a bug in an older writer must not make the index unopenable: text that no longer
// parses is replaced, in *json and in the result, by {"semble_unreadable_metadata": <the stored
// text>} (hex-encoded as "hex:..." if it is not UTF-8), so the record keeps its id and vector, no
// byte is lost, and its owner can rewrite it with an upsert. *salvaged says whether that happened.
meta::Value DecodeStoredMetadata(std::string* json, bool* salvaged);

// A record's metadata after an update by filter: `patch`'s members replace the same keys of
// `current` (merge) or the whole of it (no merge); null when the result has no members.
meta::Value UpdatedMetadata(const meta::Value& current, const meta::Value& patch, bool merge);

// Record encoding shared with checkpoint segments: id, namespace, metadata JSON, values (expiry
// is encoded by the callers, after the record, since older files have none).
void EncodeRecord(const VectorRecord& r, std::string* out);
bool DecodeRecord(std::string_view* in, uint32_t dimensions, VectorRecord* r);

// A full-text index configuration, as mutations and manifests store it: enabled, language, k1
// and b (float bits), the fields. Decode returns false for bytes Encode did not write.
void EncodeTextIndexConfig(const TextIndexConfig& config, std::string* out);
bool DecodeTextIndexConfig(std::string_view* in, TextIndexConfig* config);

// The 36-character mutation id of seq in an index incarnation: UUID-shaped hex whose high 64 bits are
// the incarnation and low 64 bits the sequence number, so ids sort in mutation order.
std::string FormatMutationId(uint64_t incarnation, uint64_t seq);

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_MUTATION_H_
