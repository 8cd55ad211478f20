// Copyright 2026 The semble Authors.

#include "db/index_config.h"

#include "db/presets.h"
#include "semble/embedder.h"
#include "semble/options.h"
#include "semble/record_schema.h"

namespace semble::db {
namespace {

Status MissingField(std::string_view field) {
  return Status::InvalidArgument("missing field \"" + std::string(field) + "\"")
      .WithReason(Status::Reason::kMissingField);
}

Status UnknownPreset(const std::string& name) {
  std::string list;
  for (const Preset& p : kPresets) list += (list.empty() ? "" : ", ") + std::string(p.name);
  return Status::InvalidArgument("unknown preset \"" + name + "\"; presets: " + list);
}

// The dimensions `what` makes against config.dimensions, when given.
Status CheckDimensions(const std::optional<uint32_t>& given, uint32_t made, const std::string& what) {
  if (!given || *given == made) return Status::OK();
  return Status::InvalidArgument(what + " makes " + std::to_string(made) +
                                 "-dimensional vectors; config.dimensions says " +
                                 std::to_string(*given));
}

}  // namespace

Result<CreateIndexRequest> ResolveCreateIndex(const IndexSpec& spec, ModelRegistry* models) {
  CreateIndexRequest create;
  create.name = spec.name;
  create.description = spec.description;
  IndexConfig& config = create.config;
  config.index_type = spec.index_type;
  config.default_ttl_seconds = spec.default_ttl_seconds;  // checked by Database::CreateIndex
  config.text_index = spec.text_index;                    // likewise
  config.shards = spec.shards;                            // likewise
  if (spec.metric) {
    SEMBLE_ASSIGN_OR_RETURN(config.metric, ParseMetric(*spec.metric));
  }

  std::string model;
  const Preset* preset = nullptr;
  if (spec.preset) {
    preset = FindPreset(*spec.preset);
    if (preset == nullptr) return UnknownPreset(*spec.preset);
    config.dimensions = preset->dimensions;
    config.metric = preset->metric;
    // A preset whose name is served here (an alias or an installed model) binds the index to
    // that model, so records and queries can then carry text.
    if (models != nullptr) {
      if (auto id = models->Canonical(*spec.preset); id.ok()) model = *id;
    }
  }
  if (spec.model) {
    if (models != nullptr) {
      SEMBLE_ASSIGN_OR_RETURN(model, models->Canonical(*spec.model));
    } else {
      model = *spec.model;
    }
  }

  if (!spec.schema_json.empty()) {
    if (!model.empty() || preset != nullptr) {
      return Status::InvalidArgument("config takes a schema, or a model or preset, not both");
    }
    auto schema = RecordSchema::Parse(spec.schema_json);
    if (!schema.ok()) return Status::InvalidArgument("config.schema: " + schema.status().message());
    SEMBLE_RETURN_IF_ERROR(CheckDimensions(spec.dimensions, schema->dimensions(), "the schema"));
    config.dimensions = schema->dimensions();
    // Euclidean unless told otherwise: field weights then act as distance weights.
    if (!spec.metric) config.metric = kRecordSchemaMetric;
    config.schema_json = schema->ToJson();
    return create;
  }
  if (!model.empty()) {
    const std::string pooling = spec.pooling.value_or("mean");
    SEMBLE_ASSIGN_OR_RETURN(const Pooling parsed, ParsePooling(pooling));
    config.embedding_model = model;
    config.embedding_pooling = pooling;
    if (models == nullptr) {  // the server that has the model works out its dimensions
      config.dimensions = spec.dimensions.value_or(0);
      return create;
    }
    SEMBLE_ASSIGN_OR_RETURN(Embedder * embedder, models->Get(model, parsed));
    const auto dims = static_cast<uint32_t>(embedder->info().dimensions);
    if (preset != nullptr && dims != preset->dimensions) {
      return Status::InvalidArgument("preset \"" + *spec.preset + "\" has " +
                                     std::to_string(preset->dimensions) + " dimensions but the model \"" +
                                     model + "\" it is served by makes " + std::to_string(dims));
    }
    SEMBLE_RETURN_IF_ERROR(CheckDimensions(spec.dimensions, dims, "model \"" + model + "\""));
    config.dimensions = dims;
    return create;
  }
  if (spec.pooling) return Status::InvalidArgument("config.pooling needs config.model");
  if (preset != nullptr) return create;
  if (!spec.dimensions) return MissingField("config.dimensions");
  if (!spec.metric) return MissingField("config.metric");
  config.dimensions = *spec.dimensions;
  return create;
}

}  // namespace semble::db
