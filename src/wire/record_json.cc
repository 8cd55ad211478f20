// Copyright 2026 The semble Authors.

#include "wire/record_json.h"

#include <simdjson.h>

#include <algorithm>
#include <cfloat>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <iterator>

#include "core/json_parse.h"
#include "core/json_type_name.h"
#include "core/thread_pool.h"
#include "core/time_format.h"

namespace semble::wire {
namespace {


Status WrongType(std::string_view field, std::string_view expected,
                 const simdjson::dom::element& e) {
  return Status::InvalidArgument("\"" + std::string(field) + "\" must be " + std::string(expected) +
                                 ", got " + std::string(core::JsonTypeName(e)));
}

// Reads a JSON number as a float. JSON numbers are parsed as double first, so a value that does
// not fit float32 is reported instead of silently becoming infinity.
Status ReadFloat(const simdjson::dom::element& e, size_t i, float* out) {
  double d;
  if (e.get_double().get(d) != simdjson::SUCCESS) {
    return Status::InvalidArgument("\"values\"[" + std::to_string(i) + "] must be a number, got " +
                                   std::string(core::JsonTypeName(e)));
  }
  // Doubles below FLT_MAX + half an ulp still round to FLT_MAX; that keeps "3.4028235e38", the
  // shortest spelling of FLT_MAX (what JsonWriter::Float prints), readable.
  static const double kLimit = static_cast<double>(FLT_MAX) + std::ldexp(1.0, 103);
  if (std::fabs(d) >= kLimit) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%g", d);
    return Status::InvalidArgument("\"values\"[" + std::to_string(i) + "] = " + buf +
                                   " is outside the range of a 32-bit float");
  }
  *out = static_cast<float>(d);
  return Status::OK();
}

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

Result<VectorRecord> ParseRecordJson(std::string_view line) {
  return ParseRecordJson(line, /*extensions=*/false);
}

Result<VectorRecord> ParseRecordJson(std::string_view line, bool extensions) {
  // One parser per thread: its buffers are reused from line to line, which is what makes NDJSON
  // ingest fast, and a server parsing on many threads needs no lock.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = core::ParseJson(parser, line, &root)) {
    return Status::InvalidArgument(std::string("not valid JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("a record must be a JSON object, got " +
                                   std::string(core::JsonTypeName(root)));
  }

  VectorRecord r;
  bool seen_id = false, seen_values = false, seen_ns = false, seen_metadata = false;
  bool seen_text = false, seen_fields = false;
  for (auto field : obj) {
    const std::string_view key = field.key;
    const simdjson::dom::element& v = field.value;
    bool* seen = key == "id"                          ? &seen_id
                 : key == "values"                    ? &seen_values
                 : key == "namespace"                 ? &seen_ns
                 : key == "metadata"                  ? &seen_metadata
                 : (key == "text" && extensions)      ? &seen_text
                 : (key == "fields" && extensions)    ? &seen_fields
                                                      : nullptr;
    if (seen == nullptr) {
      return Status::InvalidArgument(
          "unknown field \"" + std::string(key) + "\"; a record has id, values, namespace" +
          (extensions ? ", metadata, text and fields" : " and metadata"));
    }
    // A repeated field would make "which one counts" depend on the parser; refuse it.
    if (*seen) {
      return Status::InvalidArgument("field \"" + std::string(key) + "\" appears more than once");
    }
    *seen = true;

    if (key == "id") {
      std::string_view id;
      if (v.get(id) != simdjson::SUCCESS) return WrongType("id", "a string", v);
      r.id = id;
    } else if (key == "values") {
      simdjson::dom::array arr;
      if (v.get(arr) != simdjson::SUCCESS) return WrongType("values", "an array of numbers", v);
      r.values.resize(arr.size());
      size_t i = 0;
      for (simdjson::dom::element x : arr) {
        SEMBLE_RETURN_IF_ERROR(ReadFloat(x, i, &r.values[i]));
        ++i;
      }
    } else if (key == "text") {
      std::string_view t;
      if (v.get(t) != simdjson::SUCCESS) return WrongType("text", "a string", v);
      if (t.empty()) return Status::InvalidArgument("\"text\" is empty");
      r.text.assign(t);
    } else if (key == "fields") {
      if (!v.is_object()) return WrongType("fields", "an object", v);
      r.fields_json = simdjson::minify(v);
    } else if (key == "namespace") {
      // null is accepted as "absent": JSON encoders commonly write unset optional fields so.
      if (v.is_null()) continue;
      std::string_view ns;
      if (v.get(ns) != simdjson::SUCCESS) return WrongType("namespace", "a string", v);
      r.ns = ns;
    } else {  // metadata
      if (v.is_null()) continue;
      if (!v.is_object()) return WrongType("metadata", "an object", v);
      r.metadata_json = simdjson::minify(v);
    }
  }
  if (!seen_id) return Status::InvalidArgument("missing field \"id\"");
  const int given = int{seen_values} + int{seen_text} + int{seen_fields};
  if (given > 1) {
    return Status::InvalidArgument(
        "a record has one of \"values\", \"text\" and \"fields\", not several");
  }
  if (given == 0) {
    return Status::InvalidArgument(extensions
                                       ? "missing field \"values\" (or \"text\" or \"fields\")"
                                       : "missing field \"values\"");
  }
  return r;
}

Result<std::vector<VectorRecord>> ParseNdjson(std::string_view text, bool discard_unparsable,
                                              size_t* discarded) {
  return ParseNdjson(text, discard_unparsable, discarded, /*extensions=*/false);
}

namespace {

// Parses the lines of `text`, the first being line number first_line (for error messages).
Status ParseNdjsonPart(std::string_view text, bool discard_unparsable, size_t first_line,
                       std::vector<VectorRecord>* out, bool extensions, size_t* dropped) {
  size_t line_no = first_line - 1;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (IsBlank(line)) continue;
    auto r = ParseRecordJson(line, extensions);
    if (!r.ok()) {
      if (!discard_unparsable) return r.status().WithContext("line " + std::to_string(line_no));
      ++*dropped;
      continue;
    }
    out->push_back(std::move(r).value());
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<VectorRecord>> ParseNdjson(std::string_view text, bool discard_unparsable,
                                              size_t* discarded, bool extensions,
                                              int threads) {
  // Below a few MB one thread is as fast as starting others.
  constexpr size_t kBytesPerThread = 4u << 20;
  threads = static_cast<int>(std::clamp<size_t>(text.size() / kBytesPerThread, 1,
                                                static_cast<size_t>(std::max(threads, 1))));
  // Cut the text into `threads` parts at line ends, parse them at once, and join them in order.
  struct Part {
    std::string_view text;
    size_t first_line = 1;
    std::vector<VectorRecord> records;
    size_t dropped = 0;
    Status status;
  };
  std::vector<Part> parts(static_cast<size_t>(threads));
  size_t begin = 0, line = 1;
  for (int i = 0; i < threads; ++i) {
    size_t end = text.size();
    if (i + 1 < threads) {
      end = text.find('\n', std::max(begin, text.size() * (i + 1) / threads));
      end = end == std::string_view::npos ? text.size() : end + 1;
    }
    parts[i].text = text.substr(begin, end - begin);
    parts[i].first_line = line;
    line += static_cast<size_t>(std::count(parts[i].text.begin(), parts[i].text.end(), '\n'));
    begin = end;
  }
  auto run = [&](Part* p) {
    p->status = ParseNdjsonPart(p->text, discard_unparsable, p->first_line, &p->records,
                                extensions, &p->dropped);
  };
  core::ParallelFor(parts.size(), threads, [&](size_t i) { run(&parts[i]); });
  std::vector<VectorRecord> out;
  size_t dropped = 0, total = 0;
  for (Part& p : parts) {
    if (!p.status.ok()) return p.status;  // the earliest bad line, as one thread would report
    total += p.records.size();
  }
  out.reserve(total);
  for (Part& p : parts) {
    std::move(p.records.begin(), p.records.end(), std::back_inserter(out));
    dropped += p.dropped;
  }
  if (discarded != nullptr) *discarded = dropped;
  return out;
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

}  // namespace

void WriteQueryResult(const QueryResult& result, core::JsonWriter* w) {
  w->BeginObject();
  w->Key("count").Uint(result.matches.size());
  w->Key("matches").BeginArray();
  for (const QueryMatch& m : result.matches) {
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
  w->EndObject();
}

std::string QueryResultToJson(const QueryResult& result) {
  core::JsonWriter w;
  WriteQueryResult(result, &w);
  return w.Take();
}

void WriteRecords(std::span<const VectorRecord> records, core::JsonWriter* w) {
  w->BeginArray();
  for (const VectorRecord& r : records) {
    w->BeginObject();
    w->Key("id").String(r.id);
    w->Key("values");
    WriteValues(r.values, w);
    if (!r.ns.empty()) w->Key("namespace").String(r.ns);
    if (!r.metadata_json.empty()) w->Key("metadata").Raw(r.metadata_json);
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

}  // namespace semble::wire
