// Copyright 2026 The semble Authors.
//
// The JSON form of a schema, read side (RecordSchema::Parse, Fit's draft): the shape of the
// document and of each field object. The print side is RecordSchema::ToJson in schema_json.cc.

#ifndef SEMBLE_SRC_SCHEMA_SCHEMA_JSON_H_
#define SEMBLE_SRC_SCHEMA_SCHEMA_JSON_H_

#include <string_view>
#include <vector>

#include "semble/record_schema.h"
#include "semble/status.h"

namespace semble::schema {

// Reads {"fields": [...]} into fields, checking the JSON shape only (which keys, their JSON
// types); the values are checked by ValidateFields (schema_validation.h).
Result<std::vector<RecordField>> ParseSchemaJson(std::string_view json);

}  // namespace semble::schema

#endif  // SEMBLE_SRC_SCHEMA_SCHEMA_JSON_H_
