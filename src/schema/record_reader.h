// Copyright 2026 The semble Authors.
//
// Reading a record (a JSON object of fields) against a schema: which key feeds which field, the
// JSON type of each value, categories, coordinates, missing and repeated fields.

#ifndef SEMBLE_SRC_SCHEMA_RECORD_READER_H_
#define SEMBLE_SRC_SCHEMA_RECORD_READER_H_

#include <string_view>
#include <vector>

#include "schema/schema_state.h"
#include "semble/status.h"

namespace semble::schema {

// One field's value as read from a record, before scaling. The strings point into the parser's
// buffer and live until the next parse on this thread.
struct FieldValue {
  bool present = false;
  double number = 0;
  std::vector<std::string_view> categories;
  bool has_lat = false, has_lon = false;
  double lat = 0, lon = 0;
};

// Reads a record (a JSON object of fields) into one FieldValue per schema field, checking
// everything but the float range of the scaled values.
Status ReadRecord(const SchemaState& s, std::string_view json, std::vector<FieldValue>* values);

}  // namespace semble::schema

#endif  // SEMBLE_SRC_SCHEMA_RECORD_READER_H_
