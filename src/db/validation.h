// Copyright 2026 The semble Authors.
//
// Input rules of the public API (Vectorize's limits, configurable through Limits). Every error is
// InvalidArgument and names the thing that broke the rule, so a user can fix their input from the
// message alone.

#ifndef SEMBLE_SRC_DB_VALIDATION_H_
#define SEMBLE_SRC_DB_VALIDATION_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "meta/value.h"
#include "semble/database.h"
#include "semble/options.h"

namespace semble::db {

// IndexConfig::shards is 1..kMaxShards.
constexpr uint32_t kMaxShards = 64;

Status ValidateIndexName(std::string_view name, const Limits& limits);
Status ValidateCreateIndex(const CreateIndexRequest& request, const Limits& limits);
Status ValidateId(std::string_view id, const Limits& limits);
Status ValidateNamespace(std::string_view ns, const Limits& limits);
// values.size() == dimensions, every value finite, and for cosine not all zeros (the similarity
// of a zero vector is undefined).
Status ValidateValues(std::span<const float> values, uint32_t dimensions, Metric metric);

// A record's or an index's ttl: 1..Limits::max_ttl_seconds.
Status ValidateTtlSeconds(int64_t ttl_seconds, const Limits& limits);

// 1..max_batch_vectors records in one write.
Status ValidateBatchSize(size_t count, const Limits& limits);

// Validates a batch of records for insert/upsert and returns each record's compact metadata JSON
// (replacing what the caller wrote) and parsed metadata. A record's ttl is checked and kept (the
// index's default ttl filling in for a record with neither ttl nor expiry), to become an expiry
// when the write's time is known. On error nothing is returned; the message
// starts with `record <i> (id "<id>")`.
Status ValidateRecords(std::span<const VectorRecord> records, const IndexConfig& config,
                       const Limits& limits, std::vector<VectorRecord>* normalized,
                       std::vector<meta::Value>* metadata);

// A metadata index property: "a" or "a.b", each part a valid metadata key.
Status ValidatePropertyName(std::string_view property);

// A full-text index configuration (TextIndexConfig's ranges); a disabled one is always valid.
Status ValidateTextIndexConfig(const TextIndexConfig& config);

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_VALIDATION_H_
