// Copyright 2026 The semble Authors.
//
// A schema's derived state: what reading and encoding a record need besides the fields (the
// dimension layout, which record key feeds which field, the category positions), computed once.

#ifndef SEMBLE_SRC_SCHEMA_SCHEMA_STATE_H_
#define SEMBLE_SRC_SCHEMA_SCHEMA_STATE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "semble/record_schema.h"

namespace semble {
namespace schema {

// What one key of a record feeds: a whole field, or the latitude / longitude of a geo field whose
// coordinates are two record fields.
enum class Role { kWhole, kLat, kLon };

struct KeySlot {
  size_t field;
  Role role;
};

// What Encode needs besides the fields, computed once per schema. A draft (inside Fit) has one
// too, so that samples are read by exactly the code that reads records.
struct SchemaState {
  std::vector<RecordField> fields;
  std::vector<uint32_t> offsets;  // the first dimension of each field
  uint32_t dimensions = 0;
  std::map<std::string, KeySlot, std::less<>> keys;  // record key -> what it feeds
  std::string key_list;                              // "a, b, c", for unknown-field messages
  std::vector<std::map<std::string, uint32_t, std::less<>>> category_index;
};

// Fills *s from fields. Requires ValidateFields(fields) to have passed.
void BuildState(std::vector<RecordField> fields, SchemaState* s);

}  // namespace schema

struct RecordSchema::Rep : schema::SchemaState {};

}  // namespace semble

#endif  // SEMBLE_SRC_SCHEMA_SCHEMA_STATE_H_
