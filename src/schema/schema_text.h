// Copyright 2026 The semble Authors.
//
// Text helpers shared by the record-schema code (internal to src/schema): quoting and number
// formatting for messages, the per-thread JSON parser, and the two message shapes (a schema field's
// error, a record field's error).

#ifndef SEMBLE_SRC_SCHEMA_SCHEMA_TEXT_H_
#define SEMBLE_SRC_SCHEMA_SCHEMA_TEXT_H_

#include <simdjson.h>

#include <string>
#include <string_view>

#include "semble/status.h"

namespace semble::schema {

// s as a JSON string literal, quotes included.
std::string Quote(std::string_view s);

// The shortest text that reads back as v, as the JSON writer prints it.
std::string FormatNumber(double v);

// Parses json with this thread's parser; `what` names the text in the error. The element lives
// until the next call on this thread, so callers copy what they need out of it first.
Result<simdjson::dom::element> ParseJson(std::string_view json, std::string_view what);

// InvalidArgument "schema field <label>: <msg>".
Status SchemaError(std::string_view label, std::string_view msg);

// InvalidArgument "field <quoted field> <msg>".
Status FieldError(std::string_view field, std::string_view msg);

}  // namespace semble::schema

#endif  // SEMBLE_SRC_SCHEMA_SCHEMA_TEXT_H_
