// Copyright 2026 The semble Authors.

#include "db/record_sources.h"

#include <optional>

#include "semble/record_schema.h"

namespace semble::db {
namespace {

using Reason = Status::Reason;

Status NoModel(const IndexDescription& index) {
  return Status::InvalidArgument("index \"" + index.name +
                                 "\" has no embedding model, so it takes vectors, not text; "
                                 "create the index with a model to send text")
      .WithReason(Reason::kNoModel);
}

// Embeds texts with the index's model and pooling.
Result<std::vector<std::vector<float>>> EmbedTexts(const IndexDescription& index,
                                                   ModelRegistry* models,
                                                   const std::vector<std::string>& texts) {
  const IndexConfig& c = index.config;
  if (c.embedding_model.empty()) return NoModel(index);
  if (models == nullptr) {
    return Status::FailedPrecondition("index \"" + index.name +
                                      "\" embeds text, but this database was opened without "
                                      "models");
  }
  SEMBLE_ASSIGN_OR_RETURN(Pooling pooling, ParsePooling(c.embedding_pooling));
  auto vectors = models->Embed(c.embedding_model, pooling, texts);
  if (!vectors.ok()) return vectors.status().WithContext("index \"" + index.name + "\"");
  if (vectors->size() != texts.size()) {
    return Status::Internal("embedding returned " + std::to_string(vectors->size()) +
                            " vectors for " + std::to_string(texts.size()) + " texts");
  }
  return vectors;
}

}  // namespace

bool HasSources(std::span<const VectorRecord> records) {
  for (const VectorRecord& r : records) {
    if ((!r.text.empty() && r.values.empty()) || !r.fields_json.empty()) return true;
  }
  return false;
}

Status FillFromSources(const IndexDescription& index, ModelRegistry* models,
                       std::vector<VectorRecord>* records) {
  std::vector<std::vector<float>> encoded(records->size());
  std::vector<std::string> texts;
  std::vector<size_t> where;
  std::optional<RecordSchema> schema;
  for (size_t i = 0; i < records->size(); ++i) {
    const VectorRecord& r = (*records)[i];
    if (!r.values.empty() && !r.fields_json.empty()) {
      return Status::InvalidArgument("record \"" + r.id + "\" has both values and fields");
    }
    if (!r.fields_json.empty()) {
      if (!schema) {
        if (index.config.schema_json.empty()) {
          return Status::InvalidArgument("index \"" + index.name +
                                         "\" has no record schema, so records cannot carry "
                                         "\"fields\"; create the index with a schema")
              .WithReason(Reason::kNoSchema);
        }
        auto parsed = RecordSchema::Parse(index.config.schema_json);
        // The schema was checked when the index was created; failing now is damage.
        if (!parsed.ok()) return parsed.status().WithContext("stored schema");
        schema = std::move(parsed).value();
      }
      auto v = schema->Encode(r.fields_json);
      if (!v.ok()) {
        return v.status()
            .WithContext("record \"" + r.id + "\"")
            .WithReason(Reason::kBreaksSchema);
      }
      encoded[i] = std::move(v).value();
    } else if (!r.text.empty() && r.values.empty()) {
      texts.push_back(r.text);
      where.push_back(i);
    }
  }
  std::vector<std::vector<float>> embedded;
  if (!texts.empty()) {
    SEMBLE_ASSIGN_OR_RETURN(embedded, EmbedTexts(index, models, texts));
  }
  // Only now, when nothing can fail any more, are the records changed.
  for (size_t i = 0; i < records->size(); ++i) {
    VectorRecord& r = (*records)[i];
    if (!encoded[i].empty()) r.values = std::move(encoded[i]);
    r.fields_json.clear();
  }
  for (size_t j = 0; j < where.size(); ++j) {
    VectorRecord& r = (*records)[where[j]];
    r.values = std::move(embedded[j]);  // the text stays: it is stored with the record
  }
  return Status::OK();
}

Result<std::vector<float>> EmbedQueryText(const IndexDescription& index, ModelRegistry* models,
                                          const std::string& text) {
  SEMBLE_ASSIGN_OR_RETURN(std::vector<std::vector<float>> v, EmbedTexts(index, models, {text}));
  return std::move(v[0]);
}

}  // namespace semble::db
