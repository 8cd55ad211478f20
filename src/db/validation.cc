// Copyright 2026 The semble Authors.

#include "db/validation.h"

#include "core/distance.h"
#include "core/utf8.h"
#include "semble/record_schema.h"

#include <algorithm>
#include <cmath>

namespace semble::db {
namespace {

std::string Quote(std::string_view s) {
  // Ids in messages are shown cut to 80 bytes: an oversize id must not make an oversize message.
  std::string q = "\"";
  q.append(core::Utf8Prefix(s, 80));
  if (s.size() > 80) q += "...";
  q += "\"";
  return q;
}

Status ValidateKeyPart(std::string_view part, std::string_view property) {
  if (part.empty() || part.front() == '$' || part.find('"') != std::string_view::npos) {
    return Status::InvalidArgument("metadata property name " + Quote(property) +
                                   " is invalid: parts must be non-empty, not start with '$' and "
                                   "not contain '\"'");
  }
  return Status::OK();
}

}  // namespace

Status ValidateIndexName(std::string_view name, const Limits& limits) {
  if (name.empty()) return Status::InvalidArgument("index name is empty");
  if (name.size() > limits.max_index_name_bytes) {
    return Status::InvalidArgument("index name " + Quote(name) + " is " +
                                   std::to_string(name.size()) + " bytes, the limit is " +
                                   std::to_string(limits.max_index_name_bytes));
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front())) {
    return Status::InvalidArgument("index name " + Quote(name) +
                                   " must start with a lowercase letter or a digit");
  }
  for (char c : name) {
    if (!alnum(c) && c != '-' && c != '_') {
      return Status::InvalidArgument("index name " + Quote(name) +
                                     " may only contain lowercase letters, digits, '-' and '_'");
    }
  }
  return Status::OK();
}

Status ValidateCreateIndex(const CreateIndexRequest& request, const Limits& limits) {
  SEMBLE_RETURN_IF_ERROR(ValidateIndexName(request.name, limits));
  if (request.config.dimensions < 1 || request.config.dimensions > limits.max_dimensions) {
    return Status::InvalidArgument("dimensions must be between 1 and " +
                                   std::to_string(limits.max_dimensions) + ", got " +
                                   std::to_string(request.config.dimensions));
  }
  if (request.config.shards < 1 || request.config.shards > kMaxShards) {
    return Status::InvalidArgument("shards must be between 1 and " + std::to_string(kMaxShards) +
                                   ", got " + std::to_string(request.config.shards));
  }
  if (request.config.shards > 1 && !request.config.cache_json.empty()) {
    return Status::InvalidArgument("a semantic cache is an index of one shard");
  }
  if (request.description.size() > limits.max_description_bytes) {
    return Status::InvalidArgument("description is " + std::to_string(request.description.size()) +
                                   " bytes, the limit is " +
                                   std::to_string(limits.max_description_bytes));
  }
  if (!core::IsValidUtf8(request.description)) {
    return Status::InvalidArgument("description is not valid UTF-8");
  }
  if (request.config.default_ttl_seconds != 0) {
    SEMBLE_RETURN_IF_ERROR(
        ValidateTtlSeconds(request.config.default_ttl_seconds, limits).WithContext("defaultTtlSeconds"));
  }
  SEMBLE_RETURN_IF_ERROR(ValidateTextIndexConfig(request.config.text_index).WithContext("textIndex"));
  const std::string& model = request.config.embedding_model;
  const std::string& pooling = request.config.embedding_pooling;
  if (model.empty() != pooling.empty()) {
    return Status::InvalidArgument("an embedding model and its pooling are given together or not at all");
  }
  if (model.size() > 128 ||
      model.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
          std::string::npos ||
      model == "." || model == "..") {
    return Status::InvalidArgument("embedding model " + Quote(model) +
                                   " is not a model id (letters, digits, '.', '_', '-')");
  }
  if (!request.config.schema_json.empty()) {
    if (!model.empty()) {
      return Status::InvalidArgument("an index takes an embedding model or a record schema, not both");
    }
    auto schema = RecordSchema::Parse(request.config.schema_json);
    if (!schema.ok()) return schema.status().WithContext("schema");
    if (schema->dimensions() != request.config.dimensions) {
      return Status::InvalidArgument("the schema makes " + std::to_string(schema->dimensions()) +
                                     "-dimensional vectors; the index has " +
                                     std::to_string(request.config.dimensions));
    }
  }
  if (!pooling.empty() && pooling != "mean" && pooling != "cls") {
    return Status::InvalidArgument("embedding pooling must be \"mean\" or \"cls\", got " +
                                   Quote(pooling));
  }
  if (request.config.cache_json.size() > 64 * 1024) {
    return Status::InvalidArgument("cache settings are larger than 64 KiB");
  }
  if (request.config.max_metadata_bytes > (1u << 20)) {
    return Status::InvalidArgument("an index's metadata limit is at most 1 MiB");
  }
  return Status::OK();
}

Status ValidateId(std::string_view id, const Limits& limits) {
  if (id.empty()) return Status::InvalidArgument("id is empty");
  if (id.size() > limits.max_id_bytes) {
    return Status::InvalidArgument("id " + Quote(id) + " is " + std::to_string(id.size()) +
                                   " bytes, the limit is " + std::to_string(limits.max_id_bytes));
  }
  if (!core::IsValidUtf8(id)) return Status::InvalidArgument("id is not valid UTF-8");
  return Status::OK();
}

Status ValidateNamespace(std::string_view ns, const Limits& limits) {
  if (ns.size() > limits.max_namespace_bytes) {
    return Status::InvalidArgument("namespace " + Quote(ns) + " is " + std::to_string(ns.size()) +
                                   " bytes, the limit is " +
                                   std::to_string(limits.max_namespace_bytes));
  }
  if (!core::IsValidUtf8(ns)) return Status::InvalidArgument("namespace is not valid UTF-8");
  return Status::OK();
}

Status ValidateValues(std::span<const float> values, uint32_t dimensions, Metric metric) {
  if (values.size() != dimensions) {
    return Status::InvalidArgument("values has " + std::to_string(values.size()) +
                                   " elements, the index has " + std::to_string(dimensions) +
                                   " dimensions")
        .WithReason(Status::Reason::kRecordDimensions);
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return Status::InvalidArgument("values[" + std::to_string(i) + "] is not a finite number");
    }
  }
  if (metric == Metric::kCosine) {
    // In float, as the indexes normalise: a vector of tiny values squares to 0 there too.
    const float sq = core::DotProduct(values.data(), values.data(), values.size());
    if (sq == 0.0f || !std::isfinite(sq)) {
      return Status::InvalidArgument(
          "values have a zero (or, in 32-bit floats, vanishing or overflowing) length; cosine "
          "similarity is undefined for them");
    }
  }
  return Status::OK();
}

Status ValidateTtlSeconds(int64_t ttl_seconds, const Limits& limits) {
  if (ttl_seconds < 1 || ttl_seconds > limits.max_ttl_seconds) {
    return Status::InvalidArgument("ttl must be between 1 and " +
                                   std::to_string(limits.max_ttl_seconds) + " seconds, got " +
                                   std::to_string(ttl_seconds));
  }
  return Status::OK();
}

Status ValidateBatchSize(size_t count, const Limits& limits) {
  if (count == 0) return Status::InvalidArgument("no records given");
  if (count > limits.max_batch_vectors) {
    return Status::InvalidArgument(std::to_string(count) + " records in one batch, the limit is " +
                                   std::to_string(limits.max_batch_vectors));
  }
  return Status::OK();
}

Status ValidateRecords(std::span<const VectorRecord> records, const IndexConfig& config,
                       const Limits& limits, std::vector<VectorRecord>* normalized,
                       std::vector<meta::Value>* metadata) {
  SEMBLE_RETURN_IF_ERROR(ValidateBatchSize(records.size(), limits));
  std::vector<VectorRecord> out;
  std::vector<meta::Value> parsed(records.size());
  out.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const VectorRecord& r = records[i];
    // Built only for an error: formatting it for every record cost more than checking the record.
    const auto where = [&] { return "record " + std::to_string(i) + " (id " + Quote(r.id) + ")"; };
    Status s = ValidateId(r.id, limits);
    if (s.ok()) s = ValidateNamespace(r.ns, limits);
    if (s.ok() && !r.fields_json.empty()) {
      s = Status::InvalidArgument("fields must be turned into values first (a bug)");
    }
    if (s.ok() && r.text.size() > limits.max_text_bytes) {
      s = Status::InvalidArgument("text is " + std::to_string(r.text.size()) +
                                  " bytes, the limit is " + std::to_string(limits.max_text_bytes));
    }
    if (s.ok() && !core::IsValidUtf8(r.text)) s = Status::InvalidArgument("text is not valid UTF-8");
    if (s.ok()) s = ValidateValues(r.values, config.dimensions, config.metric);
    if (s.ok() && r.ttl_seconds) s = ValidateTtlSeconds(*r.ttl_seconds, limits);
    if (s.ok() && r.expires_at_ms < 0) {
      s = Status::InvalidArgument("expires_at_ms is negative: " + std::to_string(r.expires_at_ms));
    }
    if (s.ok() && r.ttl_seconds && r.expires_at_ms != 0) {
      s = Status::InvalidArgument("give a ttl or an expiry time, not both");
    }
    if (!s.ok()) return s.WithContext(where());
    VectorRecord n{r.id, r.values, r.ns, "", r.text, ""};
    // The write's time is known only when it enters the log: a ttl stays relative until then.
    n.expires_at_ms = r.expires_at_ms;
    n.ttl_seconds = r.ttl_seconds;
    if (!n.ttl_seconds && n.expires_at_ms == 0 && config.default_ttl_seconds > 0) {
      n.ttl_seconds = config.default_ttl_seconds;
    }
    if (!r.metadata_json.empty()) {
      auto md = meta::ParseMetadata(r.metadata_json, std::max<size_t>(limits.max_metadata_bytes,
                                                                     config.max_metadata_bytes));
      if (!md.ok()) return md.status().WithContext(where());
      parsed[i] = std::move(md).value();
      // An empty object is stored as "no metadata": both read back the same way.
      if (!parsed[i].members().empty()) n.metadata_json = meta::ToJson(parsed[i]);
      else parsed[i] = meta::Value();
    }
    out.push_back(std::move(n));
  }
  *normalized = std::move(out);
  *metadata = std::move(parsed);
  return Status::OK();
}

Status ValidatePropertyName(std::string_view property) {
  if (property.empty()) return Status::InvalidArgument("metadata property name is empty");
  if (property.size() > 512) {
    return Status::InvalidArgument("metadata property name is longer than 512 bytes");
  }
  size_t dot = property.find('.');
  if (dot == std::string_view::npos) return ValidateKeyPart(property, property);
  if (property.find('.', dot + 1) != std::string_view::npos) {
    return Status::InvalidArgument("metadata property name " + Quote(property) +
                                   " nests deeper than one level");
  }
  SEMBLE_RETURN_IF_ERROR(ValidateKeyPart(property.substr(0, dot), property));
  return ValidateKeyPart(property.substr(dot + 1), property);
}

Status ValidateTextIndexConfig(const TextIndexConfig& config) {
  if (!config.enabled) return Status::OK();
  constexpr size_t kMaxFields = 8;
  if (config.fields.size() > kMaxFields) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxFields) + " fields, got " +
                                   std::to_string(config.fields.size()));
  }
  for (size_t i = 0; i < config.fields.size(); ++i) {
    SEMBLE_RETURN_IF_ERROR(
        ValidatePropertyName(config.fields[i]).WithContext("fields[" + std::to_string(i) + "]"));
    for (size_t j = 0; j < i; ++j) {
      if (config.fields[j] == config.fields[i]) {
        return Status::InvalidArgument("field " + Quote(config.fields[i]) + " is named twice");
      }
    }
  }
  if (config.language != "english" && config.language != "none") {
    return Status::InvalidArgument("language must be \"english\" or \"none\", got " +
                                   Quote(config.language));
  }
  if (!(config.k1 >= 0.0f && config.k1 <= 10.0f)) {
    return Status::InvalidArgument("k1 must be between 0 and 10, got " + std::to_string(config.k1));
  }
  if (!(config.b >= 0.0f && config.b <= 1.0f)) {
    return Status::InvalidArgument("b must be between 0 and 1, got " + std::to_string(config.b));
  }
  return Status::OK();
}

}  // namespace semble::db
