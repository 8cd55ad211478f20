// Copyright 2026 The semble Authors.

#include "wire/request_json.h"

#include <simdjson.h>

#include <cfloat>
#include <cmath>
#include <set>

#include "core/json_parse.h"
#include "core/json_writer.h"
#include "wire/json_fields.h"
#include "wire/record_json.h"
#include "wire/response_json.h"

namespace semble::wire {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

Status Invalid(std::string msg) { return Status::InvalidArgument(std::move(msg)); }

using fields::Bad;
using fields::GetString;
using fields::GetStringArray;
using fields::ParseObject;
constexpr auto& ForEachField = fields::ForEach;

Status GetUint32(std::string_view key, const element& v, uint32_t* out) {
  uint64_t u;
  if (v.get(u) == simdjson::SUCCESS && u <= UINT32_MAX) {
    *out = static_cast<uint32_t>(u);
    return Status::OK();
  }
  // 5.0 is an integer too; JavaScript clients cannot tell the difference.
  double d;
  if (v.get(d) == simdjson::SUCCESS && d >= 0 && d <= UINT32_MAX && std::floor(d) == d) {
    *out = static_cast<uint32_t>(d);
    return Status::OK();
  }
  return Bad(key, "a non-negative integer");
}

// An integer of either sign; as for GetUint32, 5.0 counts as 5.
Status GetInt64(std::string_view key, const element& v, int64_t* out) {
  int64_t i;
  if (v.get(i) == simdjson::SUCCESS) {
    *out = i;
    return Status::OK();
  }
  double d;
  // 2^63 is the first double past INT64_MAX.
  if (v.get(d) == simdjson::SUCCESS && std::floor(d) == d && d >= -9223372036854775808.0 &&
      d < 9223372036854775808.0) {
    *out = static_cast<int64_t>(d);
    return Status::OK();
  }
  return Bad(key, "an integer");
}

Status GetFloats(std::string_view key, const element& v, std::vector<float>* out) {
  simdjson::dom::array arr;
  if (v.get(arr) != simdjson::SUCCESS) return Bad(key, "an array of numbers");
  static const double kLimit = static_cast<double>(FLT_MAX) + std::ldexp(1.0, 103);
  out->reserve(arr.size());
  for (element x : arr) {
    double d;
    if (x.get(d) != simdjson::SUCCESS) return Bad(key, "an array of numbers");
    if (std::fabs(d) >= kLimit) {
      return Invalid("\"" + std::string(key) + "\"[" + std::to_string(out->size()) +
                     "] is outside the range of a 32-bit float");
    }
    out->push_back(static_cast<float>(d));
  }
  return Status::OK();
}

// A full-text index config (ParseTextIndexBody's shapes); `key` names the field in errors.
Status GetTextIndexConfig(const std::string& key, const element& v, TextIndexConfig* out) {
  bool enabled;
  if (v.get(enabled) == simdjson::SUCCESS) {
    *out = TextIndexConfig{};
    out->enabled = enabled;
    return Status::OK();
  }
  object obj;
  if (v.get(obj) != simdjson::SUCCESS) {
    constexpr char kShapes[] = "true, false or an object {fields, language, k1, b}";
    return key.empty() ? Invalid(std::string("the body must be ") + kShapes) : Bad(key, kShapes);
  }
  TextIndexConfig c;
  c.enabled = true;  // an object enables the index unless it says otherwise
  const std::string prefix = key.empty() ? "" : key + ".";
  SEMBLE_RETURN_IF_ERROR(ForEachField(
      obj, {"enabled", "fields", "language", "k1", "b"},
      [&](std::string_view k, const element& f) -> Status {
        const std::string name = prefix + std::string(k);
        if (k == "enabled") return fields::GetBool(name, f, &c.enabled);
        if (k == "fields") return GetStringArray(name, f, &c.fields);
        if (k == "language") return GetString(name, f, &c.language);
        double d;
        if (f.get(d) != simdjson::SUCCESS) return Bad(name, "a number");
        // Out-of-range values are the engine's to refuse; only keep float's range here so that
        // the cast below is defined (as GetFloats, FLT_MAX's shortest spelling included).
        static const double kLimit = static_cast<double>(FLT_MAX) + std::ldexp(1.0, 103);
        if (std::fabs(d) >= kLimit) return Bad(name, "a number within the range of a float");
        (k == "k1" ? c.k1 : c.b) = static_cast<float>(d);
        return Status::OK();
      }));
  // {"enabled": false, ...} drops the index; what else it says does not matter then.
  if (!c.enabled) c = TextIndexConfig{};
  *out = std::move(c);
  return Status::OK();
}

}  // namespace

Result<TextIndexConfig> ParseTextIndexBody(std::string_view body) {
  // The body may be a bare true/false, which ParseObject refuses; parse the value directly.
  thread_local simdjson::dom::parser parser;
  element root;
  if (auto err = core::ParseJson(parser, body, &root)) {
    return Invalid(std::string("the body is not valid JSON: ") + simdjson::error_message(err));
  }
  TextIndexConfig out;
  SEMBLE_RETURN_IF_ERROR(GetTextIndexConfig("", root, &out));
  return out;
}

std::string TextIndexBodyJson(const TextIndexConfig& config) {
  core::JsonWriter w;
  if (!config.enabled) {
    w.BeginObject().Key("enabled").Bool(false).EndObject();
  } else {
    WriteTextIndexConfig(config, &w);
  }
  return w.Take();
}

Result<CreateIndexBody> ParseCreateIndex(std::string_view body) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, ParseObject(body));
  CreateIndexBody out;
  bool has_name = false, has_config = false;
  SEMBLE_RETURN_IF_ERROR(ForEachField(
      obj, {"name", "description", "config"}, [&](std::string_view key, const element& v) {
        if (key == "name") {
          has_name = true;
          return GetString(key, v, &out.name);
        }
        if (key == "description") {
          if (v.is_null()) return Status::OK();
          return GetString(key, v, &out.description);
        }
        has_config = true;
        object config;
        if (v.get(config) != simdjson::SUCCESS) return Bad("config", "an object");
        return ForEachField(
            config,
            {"dimensions", "metric", "preset", "model", "pooling", "indexType", "schema",
             "defaultTtlSeconds", "textIndex", "shards"},
            [&](std::string_view k, const element& cv) -> Status {
              std::string s;
              if (k == "textIndex") {
                if (cv.is_null()) return Status::OK();
                return GetTextIndexConfig("config.textIndex", cv, &out.text_index);
              }
              if (k == "defaultTtlSeconds") {
                int64_t ttl = 0;
                SEMBLE_RETURN_IF_ERROR(GetInt64("config.defaultTtlSeconds", cv, &ttl));
                out.default_ttl_seconds = ttl;
                return Status::OK();
              }
              if (k == "schema") {
                if (!cv.is_object()) return Bad("config.schema", "an object");
                out.schema_json = simdjson::minify(cv);
                return Status::OK();
              }
              if (k == "shards") {
                uint32_t n;
                SEMBLE_RETURN_IF_ERROR(GetUint32("config.shards", cv, &n));
                out.shards = n;
                return Status::OK();
              }
              if (k == "dimensions") {
                uint32_t d;
                SEMBLE_RETURN_IF_ERROR(GetUint32(k, cv, &d));
                out.dimensions = d;
                return Status::OK();
              }
              SEMBLE_RETURN_IF_ERROR(GetString(k, cv, &s));
              if (k == "metric") out.metric = s;
              if (k == "preset") out.preset = s;
              if (k == "model") out.model = s;
              if (k == "pooling") out.pooling = s;
              if (k == "indexType") out.index_type = s;
              return Status::OK();
            });
      }));
  if (!has_name) return Invalid("missing field \"name\"");
  if (!has_config) return Invalid("missing field \"config\"");
  if (out.preset && (out.dimensions || out.metric)) {
    return Invalid("config takes either a preset or dimensions and metric, not both");
  }
  return out;
}

namespace {

// One field of a query body (ForEachField has checked that `key` is one of the query's).
Status QueryField(std::string_view key, const element& v, QueryBody* out, bool* has_vector) {
  QueryRequest& q = out->request;
  if (key == "vector") {
    *has_vector = true;
    return GetFloats(key, v, &q.vector);
  }
  if (key == "vectorId") {
    std::string id;
    SEMBLE_RETURN_IF_ERROR(GetString(key, v, &id));
    q.vector_id = std::move(id);
    return Status::OK();
  }
  if (key == "text") {
    std::string t;
    SEMBLE_RETURN_IF_ERROR(GetString(key, v, &t));
    if (t.empty()) return Invalid("\"text\" is empty");
    q.text = std::move(t);
    return Status::OK();
  }
  if (key == "excludeIds") return GetStringArray(key, v, &q.exclude_ids);
  if (key == "topK") return GetUint32(key, v, &q.top_k);
  if (key == "returnValues") {
    if (v.get(q.return_values) != simdjson::SUCCESS) return Bad(key, "a boolean");
    return Status::OK();
  }
  if (key == "returnMetadata") {
    bool b;
    if (v.get(b) == simdjson::SUCCESS) {
      q.return_metadata = b ? ReturnMetadata::kAll : ReturnMetadata::kNone;
      return Status::OK();
    }
    std::string_view s;
    if (v.get(s) == simdjson::SUCCESS) {
      if (s == "none")
        q.return_metadata = ReturnMetadata::kNone;
      else if (s == "indexed")
        q.return_metadata = ReturnMetadata::kIndexed;
      else if (s == "all")
        q.return_metadata = ReturnMetadata::kAll;
      else
        return Bad(key, "true, false, \"none\", \"indexed\" or \"all\"");
      return Status::OK();
    }
    return Bad(key, "true, false, \"none\", \"indexed\" or \"all\"");
  }
  if (key == "namespace") {
    if (v.is_null()) return Status::OK();
    std::string ns;
    SEMBLE_RETURN_IF_ERROR(GetString(key, v, &ns));
    q.ns = std::move(ns);
    return Status::OK();
  }
  if (key == "filter") {
    if (v.is_null()) return Status::OK();
    if (!v.is_object()) return Bad(key, "an object");
    q.filter_json = simdjson::minify(v);
    return Status::OK();
  }
  if (key == "ef") {
    uint32_t ef;
    SEMBLE_RETURN_IF_ERROR(GetUint32(key, v, &ef));
    q.ef = ef;
    return Status::OK();
  }
  if (key == "recall") {
    double r;
    if (v.get(r) != simdjson::SUCCESS) return Bad(key, "a number");
    q.recall = static_cast<float>(r);
    return Status::OK();
  }
  if (key == "model") {
    std::string m;
    SEMBLE_RETURN_IF_ERROR(GetString(key, v, &m));
    out->model = std::move(m);
    return Status::OK();
  }
  if (key == "mode" || key == "fusion") {
    std::string name;
    SEMBLE_RETURN_IF_ERROR(GetString(key, v, &name));
    if (key == "mode") {
      SEMBLE_ASSIGN_OR_RETURN(q.mode, ParseQueryMode(name));
    } else {
      SEMBLE_ASSIGN_OR_RETURN(q.fusion, ParseFusionMethod(name));
    }
    return Status::OK();
  }
  if (key == "alpha") {
    double a;
    if (v.get(a) != simdjson::SUCCESS || !(a >= 0 && a <= 1)) {
      return Bad(key, "a number from 0 to 1 (the vector side's weight)");
    }
    q.alpha = static_cast<float>(a);
    return Status::OK();
  }
  if (key == "groupBy") {
    SEMBLE_RETURN_IF_ERROR(GetString(key, v, &q.group_by));
    if (q.group_by.empty()) return Bad(key, "a metadata property name");
    return Status::OK();
  }
  if (key == "groupSize") return GetUint32(key, v, &q.group_size);
  if (key == "groupCount") {
    uint32_t n;
    SEMBLE_RETURN_IF_ERROR(GetUint32(key, v, &n));
    q.group_count = n;
    return Status::OK();
  }
  return Status::OK();
}

#define SEMBLE_QUERY_FIELDS                                                                      \
  "vector", "vectorId", "text", "topK", "returnValues", "returnMetadata", "namespace", "filter", \
      "ef", "recall", "model", "excludeIds"
// Only /query ranks by keywords and groups its matches; the map and recommend take neither.
#define SEMBLE_QUERY_SEARCH_FIELDS "mode", "fusion", "alpha", "groupBy", "groupSize", "groupCount"

// How many of vector, vectorId and text the body gave.
int QueriesGiven(const QueryBody& b, bool has_vector) {
  return int{has_vector} + int{b.request.vector_id.has_value()} + int{!b.request.text.empty()};
}

}  // namespace

Result<QueryBody> ParseQuery(std::string_view body) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, ParseObject(body));
  QueryBody out;
  bool has_vector = false;
  SEMBLE_RETURN_IF_ERROR(ForEachField(obj, {SEMBLE_QUERY_FIELDS, SEMBLE_QUERY_SEARCH_FIELDS},
                                      [&](std::string_view key, const element& v) {
                                        return QueryField(key, v, &out, &has_vector);
                                      }));
  const QueryRequest& q = out.request;
  if (has_vector && q.vector.empty()) return Invalid("\"vector\" is empty");
  switch (q.mode) {
    case QueryMode::kVector:
      if (QueriesGiven(out, has_vector) != 1) {
        return Invalid("a query takes exactly one of \"vector\", \"vectorId\" and \"text\"");
      }
      break;
    case QueryMode::kKeyword:
      if (q.text.empty()) return Invalid("a keyword query needs \"text\"");
      if (has_vector || q.vector_id) {
        return Invalid(
            "a keyword query takes \"text\" only, no \"vector\" or \"vectorId\" (use mode "
            "\"hybrid\" for both)");
      }
      break;
    case QueryMode::kHybrid:
      if (q.text.empty()) return Invalid("a hybrid query needs \"text\"");
      if (has_vector && q.vector_id) {
        return Invalid("a hybrid query takes at most one of \"vector\" and \"vectorId\"");
      }
      break;
  }
  return out;
}

Result<MapBody> ParseMap(std::string_view body) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, ParseObject(body.empty() ? std::string_view("{}") : body));
  MapBody out;
  bool has_vector = false;
  SEMBLE_RETURN_IF_ERROR(ForEachField(obj, {SEMBLE_QUERY_FIELDS, "sample"},
                                      [&](std::string_view key, const element& v) {
                                        if (key == "sample") return GetUint32(key, v, &out.sample);
                                        return QueryField(key, v, &out.query, &has_vector);
                                      }));
  const int given = QueriesGiven(out.query, has_vector);
  if (given > 1) {
    return Invalid("a map query takes at most one of \"vector\", \"vectorId\" and \"text\"");
  }
  if (has_vector && out.query.request.vector.empty()) return Invalid("\"vector\" is empty");
  out.has_query = given == 1;
  return out;
}

Result<RecommendBody> ParseRecommend(std::string_view body) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, ParseObject(body));
  RecommendBody out;
  QueryBody options;
  bool has_vector = false, has_positive = false;
  SEMBLE_RETURN_IF_ERROR(ForEachField(
      obj,
      {"positive", "negative", "topK", "returnValues", "returnMetadata", "namespace", "filter"},
      [&](std::string_view key, const element& v) {
        if (key == "positive") {
          has_positive = true;
          return GetStringArray(key, v, &out.positive);
        }
        if (key == "negative") return GetStringArray(key, v, &out.negative);
        return QueryField(key, v, &options, &has_vector);
      }));
  if (!has_positive) return Invalid("missing field \"positive\"");
  out.options = std::move(options.request);
  return out;
}

Result<std::vector<std::string>> ParseIds(std::string_view body) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, ParseObject(body));
  std::vector<std::string> ids;
  bool has_ids = false;
  SEMBLE_RETURN_IF_ERROR(ForEachField(obj, {"ids"}, [&](std::string_view key, const element& v) {
    has_ids = true;
    return GetStringArray(key, v, &ids);
  }));
  if (!has_ids) return Invalid("missing field \"ids\"");
  return ids;
}

Result<FilterMutation> ParseFilterMutation(std::string_view body, bool update) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, ParseObject(body));
  FilterMutation out;
  bool has_filter = false, has_metadata = false;
  auto field = [&](std::string_view key, const element& v) -> Status {
    if (key == "filter") {
      if (!v.is_object()) return Bad(key, "an object");
      has_filter = true;
      out.filter_json = simdjson::minify(v);
      return Status::OK();
    }
    if (key == "metadata") {
      if (!v.is_object()) return Bad(key, "an object");
      has_metadata = true;
      out.metadata_json = simdjson::minify(v);
      return Status::OK();
    }
    bool* flag = key == "allowAll" ? &out.allow_all : &out.merge;
    if (v.get(*flag) != simdjson::SUCCESS) return Bad(key, "a boolean");
    return Status::OK();
  };
  if (update) {
    SEMBLE_RETURN_IF_ERROR(ForEachField(obj, {"filter", "allowAll", "metadata", "merge"}, field));
  } else {
    SEMBLE_RETURN_IF_ERROR(ForEachField(obj, {"filter", "allowAll"}, field));
  }
  if (!has_filter) return Invalid("missing field \"filter\"");
  if (update && !has_metadata) return Invalid("missing field \"metadata\"");
  return out;
}

Result<MetadataIndexDescription> ParseMetadataIndexCreate(std::string_view body) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, ParseObject(body));
  MetadataIndexDescription d;
  bool has_name = false, has_type = false;
  SEMBLE_RETURN_IF_ERROR(ForEachField(obj, {"propertyName", "indexType"},
                                      [&](std::string_view key, const element& v) -> Status {
                                        std::string s;
                                        SEMBLE_RETURN_IF_ERROR(GetString(key, v, &s));
                                        if (key == "propertyName") {
                                          has_name = true;
                                          d.property_name = std::move(s);
                                          return Status::OK();
                                        }
                                        has_type = true;
                                        SEMBLE_ASSIGN_OR_RETURN(d.type, ParseMetadataIndexType(s));
                                        return Status::OK();
                                      }));
  if (!has_name) return Invalid("missing field \"propertyName\"");
  if (!has_type) return Invalid("missing field \"indexType\"");
  return d;
}

Result<std::string> ParsePropertyName(std::string_view body) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, ParseObject(body));
  std::string name;
  bool has_name = false;
  SEMBLE_RETURN_IF_ERROR(
      ForEachField(obj, {"propertyName"}, [&](std::string_view key, const element& v) {
        has_name = true;
        return GetString(key, v, &name);
      }));
  if (!has_name) return Invalid("missing field \"propertyName\"");
  return name;
}

bool IsVectorsObject(std::string_view body) {
  // Without parsing the body: an object whose first key is "vectors" (the form Workers bindings
  // send). Parsing a large NDJSON body only to learn it is not one object would cost a full pass.
  size_t i = body.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos || body[i] != '{') return false;
  i = body.find_first_not_of(" \t\r\n", i + 1);
  return i != std::string_view::npos && body.substr(i).starts_with("\"vectors\"");
}

Result<std::vector<VectorRecord>> ParseVectorsObject(std::string_view body, bool discard_unparsable,
                                                     size_t* discarded) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, ParseObject(body));
  std::vector<VectorRecord> out;
  bool has_vectors = false;
  size_t dropped = 0;
  SEMBLE_RETURN_IF_ERROR(
      ForEachField(obj, {"vectors"}, [&](std::string_view key, const element& v) -> Status {
        has_vectors = true;
        simdjson::dom::array arr;
        if (v.get(arr) != simdjson::SUCCESS) return Bad(key, "an array of records");
        size_t i = 0;
        for (element x : arr) {
          // Each record goes through the one record parser, so both wire forms accept the same.
          const std::string text_of_record = simdjson::minify(x);
          auto r = ParseRecordJson(text_of_record, /*extensions=*/true);
          if (!r.ok()) {
            if (!discard_unparsable)
              return r.status().WithContext("vectors[" + std::to_string(i) + "]");
            ++dropped;
          } else {
            out.push_back(std::move(r).value());
          }
          ++i;
        }
        return Status::OK();
      }));
  if (!has_vectors) return Invalid("missing field \"vectors\"");
  if (discarded != nullptr) *discarded = dropped;
  return out;
}

Result<AiRunBody> ParseAiRun(std::string_view body) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, ParseObject(body));
  AiRunBody out;
  bool has_text = false;
  SEMBLE_RETURN_IF_ERROR(
      ForEachField(obj, {"text", "pooling"}, [&](std::string_view key, const element& v) -> Status {
        if (key == "pooling") {
          std::string p;
          SEMBLE_RETURN_IF_ERROR(GetString(key, v, &p));
          out.pooling = std::move(p);
          return Status::OK();
        }
        has_text = true;
        std::string_view s;
        if (v.get(s) == simdjson::SUCCESS) {
          out.single = true;
          out.texts.emplace_back(s);
          return Status::OK();
        }
        return GetStringArray(key, v, &out.texts);
      }));
  if (!has_text) return Invalid("missing field \"text\"");
  return out;
}

Result<OpenAiEmbeddingsBody> ParseOpenAiEmbeddings(std::string_view body) {
  SEMBLE_ASSIGN_OR_RETURN(object obj, ParseObject(body));
  OpenAiEmbeddingsBody out;
  bool has_model = false, has_input = false;
  SEMBLE_RETURN_IF_ERROR(ForEachField(
      obj, {"model", "input", "encoding_format", "dimensions", "user"},
      [&](std::string_view key, const element& v) -> Status {
        if (key == "model") {
          has_model = true;
          return GetString(key, v, &out.model);
        }
        if (key == "input") {
          has_input = true;
          std::string_view s;
          if (v.get(s) == simdjson::SUCCESS) {
            out.inputs.emplace_back(s);
            return Status::OK();
          }
          return GetStringArray(key, v, &out.inputs)
              .WithContext("token-id inputs are not supported; send text");
        }
        if (key == "encoding_format") {
          std::string f;
          SEMBLE_RETURN_IF_ERROR(GetString(key, v, &f));
          if (f != "float" && f != "base64") return Bad(key, "\"float\" or \"base64\"");
          out.base64 = f == "base64";
          return Status::OK();
        }
        if (key == "dimensions") {
          uint32_t d;
          SEMBLE_RETURN_IF_ERROR(GetUint32(key, v, &d));
          out.dimensions = d;
          return Status::OK();
        }
        std::string ignored;  // user: an end-user id for abuse tracking; nothing to do here
        return GetString(key, v, &ignored);
      }));
  if (!has_model) return Invalid("missing field \"model\"");
  if (!has_input) return Invalid("missing field \"input\"");
  return out;
}

std::string QueryRequestJson(const QueryRequest& q) {
  core::JsonWriter w;
  w.BeginObject();
  // What the request holds goes as it is; the server refuses more than one of the three, as a
  // local index does.
  if (q.vector_id) w.Key("vectorId").String(*q.vector_id);
  if (!q.text.empty()) w.Key("text").String(q.text);
  if (!q.vector.empty() || (!q.vector_id && q.text.empty())) {
    w.Key("vector").BeginArray();
    for (float x : q.vector) w.Float(x);
    w.EndArray();
  }
  w.Key("topK").Uint(q.top_k);
  w.Key("returnValues").Bool(q.return_values);
  w.Key("returnMetadata")
      .String(q.return_metadata == ReturnMetadata::kAll       ? "all"
              : q.return_metadata == ReturnMetadata::kIndexed ? "indexed"
                                                              : "none");
  if (q.ns) w.Key("namespace").String(*q.ns);
  if (!q.filter_json.empty()) w.Key("filter").Raw(q.filter_json);
  if (!q.exclude_ids.empty()) {
    w.Key("excludeIds").BeginArray();
    for (const std::string& id : q.exclude_ids) w.String(id);
    w.EndArray();
  }
  if (q.ef) w.Key("ef").Uint(*q.ef);
  if (q.recall) w.Key("recall").Double(*q.recall);
  // The extensions only when they differ from their defaults, so that a vector query reads as
  // Vectorize's own.
  if (q.mode != QueryMode::kVector) w.Key("mode").String(QueryModeName(q.mode));
  if (q.fusion != FusionMethod::kReciprocalRank) w.Key("fusion").String(FusionMethodName(q.fusion));
  if (q.alpha) w.Key("alpha").Float(*q.alpha);
  if (!q.group_by.empty()) w.Key("groupBy").String(q.group_by);
  if (!q.group_by.empty() || q.group_size != QueryRequest{}.group_size) {
    w.Key("groupSize").Uint(q.group_size);
  }
  if (q.group_count) w.Key("groupCount").Uint(*q.group_count);
  w.EndObject();
  return w.Take();
}

std::string IdsJson(std::span<const std::string> ids) {
  core::JsonWriter w;
  w.BeginObject().Key("ids").BeginArray();
  for (const std::string& id : ids) w.String(id);
  w.EndArray().EndObject();
  return w.Take();
}

std::string MetadataIndexCreateJson(const MetadataIndexDescription& desc) {
  core::JsonWriter w;
  w.BeginObject().Key("propertyName").String(desc.property_name);
  w.Key("indexType").String(MetadataIndexTypeName(desc.type)).EndObject();
  return w.Take();
}

std::string FilterMutationJson(const FilterMutation& request, bool update) {
  core::JsonWriter w;
  w.BeginObject().Key("filter");
  // The engine refuses a filter that is not an object; an empty one goes as {} so that the
  // server, like a local index, refuses it unless allowAll.
  if (request.filter_json.empty()) {
    w.BeginObject().EndObject();
  } else {
    w.Raw(request.filter_json);
  }
  if (request.allow_all) w.Key("allowAll").Bool(true);
  if (update) {
    w.Key("metadata");
    if (request.metadata_json.empty()) {
      w.BeginObject().EndObject();
    } else {
      w.Raw(request.metadata_json);
    }
    w.Key("merge").Bool(request.merge);
  }
  w.EndObject();
  return w.Take();
}

std::string PropertyNameJson(const std::string& property_name) {
  core::JsonWriter w;
  w.BeginObject().Key("propertyName").String(property_name).EndObject();
  return w.Take();
}

}  // namespace semble::wire
