// Copyright 2026 The semble Authors.
//
// Where records and queries become vectors when they came as something else (the extensions of
// record.h and query.h): "fields" are encoded with the index's record schema, texts are embedded
// with the index's model, all texts of a batch in one call. The engine does this itself, below
// every front end (server, CLI, embedded programs), so they all accept and refuse the same.

#ifndef SEMBLE_SRC_DB_RECORD_SOURCES_H_
#define SEMBLE_SRC_DB_RECORD_SOURCES_H_

#include <span>
#include <string>
#include <vector>

#include "semble/model_registry.h"
#include "semble/record.h"
#include "semble/status.h"

namespace semble::db {

// True when some record carries text or fields instead of values.
bool HasSources(std::span<const VectorRecord> records);

// Fills the values of the records that carry text or fields, clearing those; records with values
// are left alone. A record with more than one of values, text and fields is refused. On error
// nothing is changed; the status's reason says why (kNoModel, kNoSchema, kBreaksSchema,
// kModelNotFound) and the message names the record.
Status FillFromSources(const IndexDescription& index, ModelRegistry* models,
                       std::vector<VectorRecord>* records);

// The vector of a query text, embedded with the index's model.
Result<std::vector<float>> EmbedQueryText(const IndexDescription& index, ModelRegistry* models,
                                          const std::string& text);

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_RECORD_SOURCES_H_
