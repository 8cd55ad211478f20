// Copyright 2026 The semble Authors.

#include "schema/schema_text.h"

#include "core/json_parse.h"
#include "core/json_writer.h"

namespace semble::schema {

using simdjson::dom::element;

std::string Quote(std::string_view s) {
  std::string out;
  core::AppendJsonString(&out, s);
  return out;
}

std::string FormatNumber(double v) {
  core::JsonWriter w;
  w.Double(v);
  return w.Take();
}

// One parser per thread, shared by Parse, Fit and Encode: its buffers are reused from record to
// record (ingest encodes many), and threads encoding at once need no lock. Each caller copies what
// it needs out of the DOM before parsing again.
Result<element> ParseJson(std::string_view json, std::string_view what) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (auto err = core::ParseJson(parser, json, &root)) {
    return Status::InvalidArgument(std::string(what) +
                                   " is not valid JSON: " + simdjson::error_message(err));
  }
  return root;
}

Status SchemaError(std::string_view label, std::string_view msg) {
  return Status::InvalidArgument("schema field " + std::string(label) + ": " + std::string(msg));
}

Status FieldError(std::string_view field, std::string_view msg) {
  return Status::InvalidArgument("field " + Quote(field) + " " + std::string(msg));
}

}  // namespace semble::schema
