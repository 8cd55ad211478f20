// Copyright 2026 The semble Authors.

#include "db/record_sources.h"

#include <optional>

#include "semble/record_schema.h"

namespace semble::db {

Status FillFromSources(const IndexDescription& index, std::span<const RecordSource> sources,
                       std::vector<VectorRecord>* records, const EmbedFunction& embed,
                       SourceFailure* failure) {
  auto fail = [&](SourceFailure why, Status s) {
    if (failure != nullptr) *failure = why;
    return s;
  };
  if (failure != nullptr) *failure = SourceFailure::kNone;
  std::vector<std::vector<float>> encoded(sources.size());
  std::vector<std::string> texts;
  std::vector<size_t> where;
  std::optional<RecordSchema> schema;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!sources[i].fields_json.empty()) {
      if (!schema) {
        if (index.config.schema_json.empty()) {
          return fail(SourceFailure::kNoSchema,
                      Status::InvalidArgument("index \"" + index.name +
                                              "\" has no record schema, so records cannot carry "
                                              "\"fields\"; create the index with a schema"));
        }
        auto parsed = RecordSchema::Parse(index.config.schema_json);
        // The schema was checked when the index was created; failing now is damage.
        if (!parsed.ok()) return fail(SourceFailure::kNoSchema, parsed.status().WithContext("stored schema"));
        schema = std::move(parsed).value();
      }
      auto v = schema->Encode(sources[i].fields_json);
      if (!v.ok()) {
        return fail(SourceFailure::kBreaksSchema,
                    v.status().WithContext("record \"" + (*records)[i].id + "\""));
      }
      encoded[i] = std::move(v).value();
    } else if (!sources[i].text.empty()) {
      texts.push_back(sources[i].text);
      where.push_back(i);
    }
  }
  std::vector<std::vector<float>> embedded;
  if (!texts.empty()) {
    if (index.config.embedding_model.empty()) {
      return fail(SourceFailure::kNoModel,
                  Status::InvalidArgument("index \"" + index.name +
                                          "\" has no embedding model, so it takes vectors, not "
                                          "text; create the index with a model to send text"));
    }
    auto vectors = embed(texts);
    if (!vectors.ok()) return fail(SourceFailure::kEmbedding, vectors.status());
    if (vectors->size() != texts.size()) {
      return fail(SourceFailure::kEmbedding,
                  Status::Internal("embedding returned " + std::to_string(vectors->size()) +
                                   " vectors for " + std::to_string(texts.size()) + " texts"));
    }
    embedded = std::move(vectors).value();
  }
  // Only now, when nothing can fail any more, are the records changed.
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!encoded[i].empty()) (*records)[i].values = std::move(encoded[i]);
  }
  for (size_t j = 0; j < where.size(); ++j) (*records)[where[j]].values = std::move(embedded[j]);
  return Status::OK();
}

}  // namespace semble::db
