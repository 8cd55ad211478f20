// Copyright 2026 The semble Authors.
//
// Turning records that came with "text" or "fields" (db::RecordSource, record_json.h) into
// vectors: fields are encoded with the index's record schema here, texts are handed in one batch
// to an embedding function the caller supplies (the server embeds in process, the CLI locally or
// on a server). One implementation for every entry point, so they accept and refuse the same.

#ifndef SEMBLE_SRC_DB_RECORD_SOURCES_H_
#define SEMBLE_SRC_DB_RECORD_SOURCES_H_

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "db/record_json.h"
#include "semble/record.h"
#include "semble/status.h"

namespace semble::db {

// Embeds texts with the index's model (and pooling), one vector per text, in order.
using EmbedFunction =
    std::function<Result<std::vector<std::vector<float>>>(const std::vector<std::string>& texts)>;

// Why FillFromSources failed, for callers that answer each failure with its own code.
enum class SourceFailure {
  kNone,
  kNoSchema,       // a record has "fields" but the index has no record schema
  kBreaksSchema,   // a record's fields do not encode under the schema (message names the record)
  kNoModel,        // a record has "text" but the index has no embedding model
  kEmbedding,      // the embedding function failed (its status is returned)
};

// Fills (*records)[i].values from sources[i] when that holds text or fields; records with values
// are left alone. Nothing is filled when it fails; *failure (when not null) says why.
Status FillFromSources(const IndexDescription& index, std::span<const RecordSource> sources,
                       std::vector<VectorRecord>* records, const EmbedFunction& embed,
                       SourceFailure* failure = nullptr);

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_RECORD_SOURCES_H_
