// Copyright 2026 The semble Authors.

#include "wire/response_json.h"

#include <simdjson.h>

#include <cmath>

#include "core/json_parse.h"
#include "core/time_format.h"

namespace semble::wire {

void WriteTextIndexConfig(const TextIndexConfig& c, core::JsonWriter* w) {
  w->BeginObject();
  w->Key("fields").BeginArray();
  for (const std::string& f : c.fields) w->String(f);
  w->EndArray();
  w->Key("language").String(c.language);
  w->Key("k1").Float(c.k1);
  w->Key("b").Float(c.b);
  w->EndObject();
}

void WriteTextIndexState(const TextIndexConfig& c, core::JsonWriter* w) {
  w->BeginObject().Key("enabled").Bool(c.enabled);
  if (c.enabled) {
    w->Key("fields").BeginArray();
    for (const std::string& f : c.fields) w->String(f);
    w->EndArray();
    w->Key("language").String(c.language);
    w->Key("k1").Float(c.k1);
    w->Key("b").Float(c.b);
  }
  w->EndObject();
}

std::string TextIndexStateToJson(const TextIndexConfig& c) {
  core::JsonWriter w;
  WriteTextIndexState(c, &w);
  return w.Take();
}

void WriteIndexDescription(const IndexDescription& d, core::JsonWriter* w) {
  w->BeginObject();
  w->Key("name").String(d.name);
  w->Key("description").String(d.description);
  w->Key("config").BeginObject();
  w->Key("dimensions").Uint(d.config.dimensions);
  w->Key("metric").String(MetricName(d.config.metric));
  // Extension (not in Vectorize): how the index searches.
  if (!d.config.index_type.empty()) w->Key("indexType").String(d.config.index_type);
  if (!d.config.embedding_model.empty()) {
    w->Key("model").String(d.config.embedding_model);
    w->Key("pooling").String(d.config.embedding_pooling);
  }
  if (!d.config.schema_json.empty()) w->Key("schema").Raw(d.config.schema_json);
  if (d.config.default_ttl_seconds != 0) {
    w->Key("defaultTtlSeconds").Int(d.config.default_ttl_seconds);
  }
  if (d.config.text_index.enabled) {
    w->Key("textIndex");
    WriteTextIndexConfig(d.config.text_index, w);
  }
  if (d.config.shards != 1) w->Key("shards").Uint(d.config.shards);
  w->EndObject();
  w->Key("created_on").String(core::FormatIso8601Millis(d.created_on_ms));
  w->Key("modified_on").String(core::FormatIso8601Millis(d.modified_on_ms));
  w->EndObject();
}

std::string IndexDescriptionToJson(const IndexDescription& d) {
  core::JsonWriter w;
  WriteIndexDescription(d, &w);
  return w.Take();
}

std::string IndexDescriptionsToJson(std::span<const IndexDescription> ds) {
  core::JsonWriter w;
  w.BeginArray();
  for (const IndexDescription& d : ds) WriteIndexDescription(d, &w);
  w.EndArray();
  return w.Take();
}

void WriteIndexInfo(const IndexInfo& info, core::JsonWriter* w) {
  w->BeginObject();
  w->Key("dimensions").Uint(info.dimensions);
  w->Key("vectorCount").Uint(info.vector_count);
  w->Key("processedUpToDatetime");
  if (info.processed_up_to_ms.has_value()) {
    w->String(core::FormatIso8601Millis(*info.processed_up_to_ms));
  } else {
    w->Null();
  }
  w->Key("processedUpToMutation");
  if (!info.processed_up_to_mutation.empty()) {
    w->String(info.processed_up_to_mutation);
  } else {
    w->Null();
  }
  // Extensions (not in Vectorize).
  if (!info.index_type.empty()) {
    w->Key("indexType").String(info.index_type);
    w->Key("memoryBytesPerVector").Double(std::round(info.memory_bytes_per_vector * 10) / 10);
    w->Key("unindexedVectors").Uint(info.unindexed_vectors);
    if (!info.recall_calibration.empty()) {
      w->Key("recallCalibration").BeginObject();
      w->Key("queries").Uint(info.recall_calibration_queries);
      w->Key("steps").BeginArray();
      for (const IndexInfo::RecallStep& step : info.recall_calibration) {
        w->BeginObject();
        w->Key("ef").Uint(step.ef);
        w->Key("recall").Float(step.recall);
        w->EndObject();
      }
      w->EndArray();
      w->EndObject();
    }
  }
  w->EndObject();
}

std::string IndexInfoToJson(const IndexInfo& info) {
  core::JsonWriter w;
  WriteIndexInfo(info, &w);
  return w.Take();
}

namespace {

void WriteValues(std::span<const float> values, core::JsonWriter* w) {
  w->BeginArray();
  for (float v : values) w->Float(v);
  w->EndArray();
}

void WriteMatches(std::span<const QueryMatch> matches, core::JsonWriter* w) {
  w->BeginArray();
  for (const QueryMatch& m : matches) {
    w->BeginObject();
    w->Key("id").String(m.id);
    w->Key("score").Float(m.score);
    if (!m.values.empty()) {
      w->Key("values");
      WriteValues(m.values, w);
    }
    if (!m.metadata_json.empty()) w->Key("metadata").Raw(m.metadata_json);
    if (!m.ns.empty()) w->Key("namespace").String(m.ns);
    w->EndObject();
  }
  w->EndArray();
}

}  // namespace

void WriteQueryResult(const QueryResult& result, core::JsonWriter* w, bool grouped) {
  w->BeginObject();
  w->Key("count").Uint(result.matches.size());
  w->Key("matches");
  WriteMatches(result.matches, w);
  if (grouped || !result.groups.empty()) {
    w->Key("groups").BeginArray();
    for (const QueryGroup& g : result.groups) {
      w->BeginObject();
      // The key is the property's own JSON value (a string, number or boolean), so that a client
      // compares it with its metadata as it is.
      w->Key("key").Raw(g.key_json.empty() ? std::string_view("null") : g.key_json);
      w->Key("matches");
      WriteMatches(g.matches, w);
      w->EndObject();
    }
    w->EndArray();
  }
  w->EndObject();
}

std::string QueryResultToJson(const QueryResult& result, bool grouped) {
  core::JsonWriter w;
  WriteQueryResult(result, &w, grouped);
  return w.Take();
}

void WriteRecords(std::span<const VectorRecord> records, core::JsonWriter* w) {
  w->BeginArray();
  for (const VectorRecord& r : records) {
    w->BeginObject();
    w->Key("id").String(r.id);
    w->Key("values");
    WriteValues(r.values, w);
    // Both keys always, as Cloudflare documents the shape ({id, values, metadata, namespace}):
    // clients read record.metadata.x without checking that metadata exists.
    w->Key("namespace").String(r.ns);
    w->Key("metadata");
    if (r.metadata_json.empty()) {
      w->BeginObject().EndObject();
    } else {
      w->Raw(r.metadata_json);
    }
    // Extensions: only records that expire carry expiresAtMs, only records with text text.
    if (r.expires_at_ms != 0) w->Key("expiresAtMs").Int(r.expires_at_ms);
    if (!r.text.empty()) w->Key("text").String(r.text);
    w->EndObject();
  }
  w->EndArray();
}

std::string RecordsToJson(std::span<const VectorRecord> records) {
  core::JsonWriter w;
  WriteRecords(records, &w);
  return w.Take();
}

void WriteListResult(const ListResult& result, core::JsonWriter* w) {
  w->BeginObject();
  w->Key("count").Uint(result.ids.size());
  w->Key("totalCount").Uint(result.total_count);
  w->Key("isTruncated").Bool(result.is_truncated);
  w->Key("nextCursor");
  if (!result.next_cursor.empty()) {
    w->String(result.next_cursor);
  } else {
    w->Null();
  }
  w->Key("cursorExpirationTimestamp").Null();
  w->Key("vectors").BeginArray();
  for (const std::string& id : result.ids) w->BeginObject().Key("id").String(id).EndObject();
  w->EndArray();
  w->EndObject();
}

std::string ListResultToJson(const ListResult& result) {
  core::JsonWriter w;
  WriteListResult(result, &w);
  return w.Take();
}

void WriteMutation(const MutationResult& m, core::JsonWriter* w) {
  w->BeginObject().Key("mutationId").String(m.mutation_id).EndObject();
}

void WriteCountedMutation(const MutationResult& m, core::JsonWriter* w) {
  w->BeginObject().Key("mutationId").String(m.mutation_id).Key("count").Uint(m.count).EndObject();
}

std::string CountedMutationToJson(const MutationResult& m) {
  core::JsonWriter w;
  WriteCountedMutation(m, &w);
  return w.Take();
}

std::string MutationToJson(const MutationResult& m) {
  core::JsonWriter w;
  WriteMutation(m, &w);
  return w.Take();
}

void WriteMetadataIndexes(std::span<const MetadataIndexDescription> indexes, core::JsonWriter* w) {
  w->BeginObject();
  w->Key("metadataIndexes").BeginArray();
  for (const MetadataIndexDescription& d : indexes) {
    w->BeginObject();
    w->Key("propertyName").String(d.property_name);
    w->Key("indexType").String(MetadataIndexTypeName(d.type));
    w->EndObject();
  }
  w->EndArray();
  w->EndObject();
}

std::string MetadataIndexesToJson(std::span<const MetadataIndexDescription> indexes) {
  core::JsonWriter w;
  WriteMetadataIndexes(indexes, &w);
  return w.Take();
}

namespace {

using simdjson::dom::element;

Status Malformed(std::string_view what) {
  return Status::IOError("the server's answer is not a " + std::string(what));
}

// One parser per thread, reused: the client parses an answer per call.
Result<element> Root(std::string_view json, std::string_view what) {
  thread_local simdjson::dom::parser parser;
  element e;
  if (core::ParseJson(parser, json, &e) != simdjson::SUCCESS) return Malformed(what);
  return e;
}

std::string Str(const element& e, std::string_view key) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

uint64_t Uint(const element& e, std::string_view key) {
  uint64_t v = 0;
  if (e[key].get(v) != simdjson::SUCCESS) {
    double d = 0;
    if (e[key].get(d) == simdjson::SUCCESS && d >= 0) v = static_cast<uint64_t>(d);
  }
  return v;
}

// 0 when absent.
int64_t Int(const element& e, std::string_view key) {
  int64_t v = 0;
  return e[key].get(v) == simdjson::SUCCESS ? v : 0;
}

// "" when absent or null.
std::string Raw(const element& e, std::string_view key) {
  element v;
  if (e[key].get(v) != simdjson::SUCCESS || v.is_null()) return std::string();
  return simdjson::minify(v);
}

int64_t Millis(const element& e, std::string_view key) {
  return core::ParseIso8601Millis(Str(e, key)).value_or(0);
}

bool ReadValues(const element& e, std::vector<float>* out) {
  simdjson::dom::array values;
  if (e["values"].get(values) != simdjson::SUCCESS) return false;
  for (element v : values) {
    double x = 0;
    if (v.get(x) != simdjson::SUCCESS) return false;
    out->push_back(static_cast<float>(x));
  }
  return true;
}

// A text index config object as WriteTextIndexConfig writes it; enabled unless it says
// "enabled": false. Absent fields keep their defaults.
bool ReadTextIndex(const element& e, TextIndexConfig* out) {
  if (!e.is_object()) return false;
  TextIndexConfig c;
  c.enabled = true;
  bool enabled = true;
  if (e["enabled"].get(enabled) == simdjson::SUCCESS && !enabled) {
    *out = TextIndexConfig{};
    return true;
  }
  simdjson::dom::array fields;
  if (e["fields"].get(fields) == simdjson::SUCCESS) {
    for (element f : fields) {
      std::string_view s;
      if (f.get(s) != simdjson::SUCCESS) return false;
      c.fields.emplace_back(s);
    }
  }
  if (e["language"].error() == simdjson::SUCCESS) c.language = Str(e, "language");
  double d;
  if (e["k1"].get(d) == simdjson::SUCCESS) c.k1 = static_cast<float>(d);
  if (e["b"].get(d) == simdjson::SUCCESS) c.b = static_cast<float>(d);
  *out = std::move(c);
  return true;
}

IndexDescription DescriptionOf(const element& e) {
  IndexDescription d;
  d.name = Str(e, "name");
  d.description = Str(e, "description");
  element config;
  if (e["config"].get(config) == simdjson::SUCCESS) {
    d.config.dimensions = static_cast<uint32_t>(Uint(config, "dimensions"));
    if (auto metric = ParseMetric(Str(config, "metric")); metric.ok()) d.config.metric = *metric;
    d.config.index_type = Str(config, "indexType");
    d.config.embedding_model = Str(config, "model");
    d.config.embedding_pooling = Str(config, "pooling");
    d.config.schema_json = Raw(config, "schema");
    d.config.default_ttl_seconds = Int(config, "defaultTtlSeconds");
    if (const uint64_t shards = Uint(config, "shards"); shards != 0) {
      d.config.shards = static_cast<uint32_t>(shards);
    }
    element text_index;
    if (config["textIndex"].get(text_index) == simdjson::SUCCESS) {
      ReadTextIndex(text_index, &d.config.text_index);
    }
  }
  d.created_on_ms = Millis(e, "created_on");
  d.modified_on_ms = Millis(e, "modified_on");
  return d;
}

}  // namespace

Result<IndexDescription> ParseIndexDescription(std::string_view json) {
  SEMBLE_ASSIGN_OR_RETURN(element e, Root(json, "index description"));
  if (!e.is_object()) return Malformed("index description");
  return DescriptionOf(e);
}

Result<std::vector<IndexDescription>> ParseIndexDescriptions(std::string_view json) {
  SEMBLE_ASSIGN_OR_RETURN(element e, Root(json, "list of indexes"));
  simdjson::dom::array arr;
  if (e.get(arr) != simdjson::SUCCESS) return Malformed("list of indexes");
  std::vector<IndexDescription> out;
  for (element d : arr) out.push_back(DescriptionOf(d));
  return out;
}

Result<IndexInfo> ParseIndexInfo(std::string_view json) {
  SEMBLE_ASSIGN_OR_RETURN(element e, Root(json, "index info"));
  if (!e.is_object()) return Malformed("index info");
  IndexInfo info;
  info.dimensions = static_cast<uint32_t>(Uint(e, "dimensions"));
  info.vector_count = Uint(e, "vectorCount");
  info.processed_up_to_mutation = Str(e, "processedUpToMutation");
  if (auto when = core::ParseIso8601Millis(Str(e, "processedUpToDatetime"))) {
    info.processed_up_to_ms = *when;
  }
  info.index_type = Str(e, "indexType");
  double mem = 0;
  if (e["memoryBytesPerVector"].get(mem) == simdjson::SUCCESS) info.memory_bytes_per_vector = mem;
  info.unindexed_vectors = Uint(e, "unindexedVectors");
  simdjson::dom::element calibration;
  if (e["recallCalibration"].get(calibration) == simdjson::SUCCESS) {
    info.recall_calibration_queries = static_cast<uint32_t>(Uint(calibration, "queries"));
    simdjson::dom::array steps;
    if (calibration["steps"].get(steps) != simdjson::SUCCESS) return Malformed("index info");
    for (element step : steps) {
      double recall = 0;
      if (step["recall"].get(recall) != simdjson::SUCCESS) return Malformed("index info");
      info.recall_calibration.push_back(
          {static_cast<uint32_t>(Uint(step, "ef")), static_cast<float>(recall)});
    }
  }
  return info;
}

namespace {

bool ReadMatches(const element& e, std::vector<QueryMatch>* out) {
  simdjson::dom::array matches;
  if (e["matches"].get(matches) != simdjson::SUCCESS) return false;
  for (element m : matches) {
    QueryMatch match;
    match.id = Str(m, "id");
    double score = 0;
    if (m["score"].get(score) != simdjson::SUCCESS) return false;
    match.score = static_cast<float>(score);
    if (m["values"].error() == simdjson::SUCCESS && !ReadValues(m, &match.values)) return false;
    match.ns = Str(m, "namespace");
    match.metadata_json = Raw(m, "metadata");
    out->push_back(std::move(match));
  }
  return true;
}

}  // namespace

Result<QueryResult> ParseQueryResult(std::string_view json) {
  SEMBLE_ASSIGN_OR_RETURN(element e, Root(json, "query result"));
  QueryResult out;
  if (!ReadMatches(e, &out.matches)) return Malformed("query result");
  element groups;
  if (e["groups"].get(groups) == simdjson::SUCCESS) {
    simdjson::dom::array arr;
    if (groups.get(arr) != simdjson::SUCCESS) return Malformed("query result");
    for (element g : arr) {
      QueryGroup group;
      element key;
      if (g["key"].get(key) != simdjson::SUCCESS) return Malformed("query result");
      group.key_json = simdjson::minify(key);
      if (!ReadMatches(g, &group.matches)) return Malformed("query result");
      out.groups.push_back(std::move(group));
    }
  }
  return out;
}

Result<std::vector<VectorRecord>> ParseRecords(std::string_view json) {
  SEMBLE_ASSIGN_OR_RETURN(element e, Root(json, "list of records"));
  simdjson::dom::array arr;
  if (e.get(arr) != simdjson::SUCCESS) return Malformed("list of records");
  std::vector<VectorRecord> out;
  for (element r : arr) {
    VectorRecord rec;
    rec.id = Str(r, "id");
    if (!ReadValues(r, &rec.values)) return Malformed("list of records");
    rec.ns = Str(r, "namespace");
    rec.metadata_json = Raw(r, "metadata");
    if (rec.metadata_json == "{}") rec.metadata_json.clear();  // semble's "no metadata"
    rec.expires_at_ms = Int(r, "expiresAtMs");
    rec.text = Str(r, "text");
    out.push_back(std::move(rec));
  }
  return out;
}

Result<ListResult> ParseListResult(std::string_view json) {
  SEMBLE_ASSIGN_OR_RETURN(element e, Root(json, "page of ids"));
  simdjson::dom::array vectors;
  if (e["vectors"].get(vectors) != simdjson::SUCCESS) return Malformed("page of ids");
  ListResult out;
  out.total_count = Uint(e, "totalCount");
  bool truncated = false;
  if (e["isTruncated"].get(truncated) == simdjson::SUCCESS) out.is_truncated = truncated;
  out.next_cursor = Str(e, "nextCursor");
  for (element v : vectors) out.ids.push_back(Str(v, "id"));
  return out;
}

Result<MutationResult> ParseMutation(std::string_view json) {
  SEMBLE_ASSIGN_OR_RETURN(element e, Root(json, "mutation"));
  MutationResult m;
  m.mutation_id = Str(e, "mutationId");
  if (m.mutation_id.empty()) return Malformed("mutation");
  m.count = Uint(e, "count");
  return m;
}

Result<std::vector<MetadataIndexDescription>> ParseMetadataIndexes(std::string_view json) {
  SEMBLE_ASSIGN_OR_RETURN(element e, Root(json, "list of metadata indexes"));
  simdjson::dom::array arr;
  if (e["metadataIndexes"].get(arr) != simdjson::SUCCESS) {
    return Malformed("list of metadata indexes");
  }
  std::vector<MetadataIndexDescription> out;
  for (element m : arr) {
    MetadataIndexDescription d;
    d.property_name = Str(m, "propertyName");
    auto type = ParseMetadataIndexType(Str(m, "indexType"));
    if (!type.ok()) return Malformed("list of metadata indexes");
    d.type = *type;
    out.push_back(std::move(d));
  }
  return out;
}

Result<TextIndexConfig> ParseTextIndexState(std::string_view json) {
  SEMBLE_ASSIGN_OR_RETURN(element e, Root(json, "text index"));
  TextIndexConfig c;
  if (!e.is_object() || e["enabled"].error() != simdjson::SUCCESS || !ReadTextIndex(e, &c)) {
    return Malformed("text index");
  }
  return c;
}

}  // namespace semble::wire
