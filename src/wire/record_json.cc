// Copyright 2026 The semble Authors.

#include "wire/record_json.h"

#include <simdjson.h>

#include <algorithm>
#include <cfloat>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "core/json_parse.h"
#include "core/lines.h"
#include "core/json_type_name.h"
#include "core/json_writer.h"
#include "core/thread_pool.h"

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
  bool seen_text = false, seen_fields = false, seen_ttl = false, seen_expires = false;
  for (auto field : obj) {
    const std::string_view key = field.key;
    const simdjson::dom::element& v = field.value;
    bool* seen = key == "id"                       ? &seen_id
                 : key == "values"                 ? &seen_values
                 : key == "namespace"              ? &seen_ns
                 : key == "metadata"               ? &seen_metadata
                 : (key == "text" && extensions)   ? &seen_text
                 : (key == "fields" && extensions) ? &seen_fields
                 : (key == "ttlSeconds" && extensions)  ? &seen_ttl
                 : (key == "expiresAtMs" && extensions) ? &seen_expires
                                                   : nullptr;
    if (seen == nullptr) {
      return Status::InvalidArgument(
          "unknown field \"" + std::string(key) + "\"; a record has id, values, namespace" +
          (extensions ? ", metadata, text, fields, ttlSeconds and expiresAtMs" : " and metadata"));
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
    } else if (key == "ttlSeconds" || key == "expiresAtMs") {
      // Integers only: a fractional or out-of-range number is refused here, a non-positive ttl
      // or negative time by the engine's rules (db/validation.h).
      if (v.is_null()) continue;
      int64_t n;
      double d;
      if (v.get_int64().get(n) != simdjson::SUCCESS) {
        // 5.0 is an integer too (JavaScript clients cannot tell the difference); 2^63 is the
        // first double past INT64_MAX.
        if (v.get_double().get(d) != simdjson::SUCCESS || std::floor(d) != d ||
            d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
          return WrongType(key,
                           key == "ttlSeconds" ? "an integer number of seconds"
                                               : "an integer number of milliseconds since the epoch",
                           v);
        }
        n = static_cast<int64_t>(d);
      }
      if (key == "ttlSeconds") {
        r.ttl_seconds = n;
      } else {
        r.expires_at_ms = n;
      }
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
  // Values and text may come together (the text is then stored for keyword search, not
  // embedded); values and fields both say what the vector is, so they exclude each other.
  if (seen_values && seen_fields) {
    return Status::InvalidArgument("a record has \"values\" or \"fields\", not both");
  }
  if (!seen_values && !seen_text && !seen_fields) {
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

// Parses the lines of `text`. On an error, *error_line is its line number within `text`
// (1-based), and the status does not name the line yet: only the caller knows where `text` starts.
Status ParseNdjsonPart(std::string_view text, bool discard_unparsable, std::vector<VectorRecord>* out,
                       bool extensions, size_t* dropped, size_t* error_line) {
  size_t line_no = 0;
  size_t pos = 0;
  std::string_view line;
  while (core::NextLine(text, &pos, &line)) {
    ++line_no;
    if (IsBlank(line)) continue;
    auto r = ParseRecordJson(line, extensions);
    if (!r.ok()) {
      if (!discard_unparsable) {
        *error_line = line_no;
        return r.status();
      }
      ++*dropped;
      continue;
    }
    out->push_back(std::move(r).value());
  }
  return Status::OK();
}

size_t CountLines(std::string_view text) {
  size_t n = 0;
  for (const char* p = text.data(), *end = p + text.size();
       (p = static_cast<const char*>(std::memchr(p, '\n', end - p))) != nullptr; ++p) {
    ++n;
  }
  return n;
}

}  // namespace

Result<std::vector<VectorRecord>> ParseNdjson(std::string_view text, bool discard_unparsable,
                                              size_t* discarded, bool extensions, int threads) {
  // Below a few MB one thread is as fast as starting others.
  constexpr size_t kBytesPerThread = 4u << 20;
  threads = static_cast<int>(std::clamp<size_t>(text.size() / kBytesPerThread, 1,
                                                static_cast<size_t>(std::max(threads, 1))));
  // Cut the text into `threads` parts at line ends, parse them at once, and join them in order.
  // Lines are numbered only for an error: counting every newline of a body up front was a serial
  // byte-by-byte pass over it, a third as long as parsing it on one thread.
  struct Part {
    std::string_view text;
    std::vector<VectorRecord> records;
    size_t dropped = 0;
    size_t error_line = 0;
    Status status;
  };
  std::vector<Part> parts(static_cast<size_t>(threads));
  size_t begin = 0;
  for (int i = 0; i < threads; ++i) {
    size_t end = text.size();
    if (i + 1 < threads) {
      end = text.find('\n', std::max(begin, text.size() * (i + 1) / threads));
      end = end == std::string_view::npos ? text.size() : end + 1;
    }
    parts[i].text = text.substr(begin, end - begin);
    begin = end;
  }
  auto run = [&](Part* p) {
    p->status = ParseNdjsonPart(p->text, discard_unparsable, &p->records, extensions, &p->dropped,
                                &p->error_line);
  };
  core::ParallelFor(parts.size(), threads, [&](size_t i) { run(&parts[i]); });
  std::vector<VectorRecord> out;
  size_t dropped = 0, total = 0;
  for (Part& p : parts) {
    if (!p.status.ok()) {  // the earliest bad line, as one thread would report
      const size_t before = CountLines(text.substr(0, p.text.data() - text.data()));
      return p.status.WithContext("line " + std::to_string(before + p.error_line));
    }
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

std::string RecordsNdjson(std::span<const VectorRecord> records) {
  std::string ndjson;
  for (const VectorRecord& r : records) {
    core::JsonWriter w;
    w.BeginObject().Key("id").String(r.id);
    // Text and fields go to the server as they are: the server's index embeds or encodes them
    // (and refuses a record that has more than one of the three, as a local index does).
    if (!r.values.empty() || (r.text.empty() && r.fields_json.empty())) {
      w.Key("values").BeginArray();
      for (float x : r.values) w.Float(x);
      w.EndArray();
    }
    if (!r.text.empty()) w.Key("text").String(r.text);
    if (!r.fields_json.empty()) w.Key("fields").Raw(r.fields_json);
    if (!r.ns.empty()) w.Key("namespace").String(r.ns);
    if (!r.metadata_json.empty()) w.Key("metadata").Raw(r.metadata_json);
    if (r.ttl_seconds) w.Key("ttlSeconds").Int(*r.ttl_seconds);
    if (r.expires_at_ms != 0) w.Key("expiresAtMs").Int(r.expires_at_ms);
    w.EndObject();
    ndjson += w.Take();
    ndjson += '\n';
  }
  return ndjson;
}

}  // namespace semble::wire
