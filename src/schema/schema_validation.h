// Copyright 2026 The semble Authors.
//
// The rules of a schema's values, whether it was parsed from JSON or built in code.

#ifndef SEMBLE_SRC_SCHEMA_SCHEMA_VALIDATION_H_
#define SEMBLE_SRC_SCHEMA_SCHEMA_VALIDATION_H_

#include <vector>

#include "semble/record_schema.h"
#include "semble/status.h"

namespace semble::schema {

// InvalidArgument naming the field and the rule it breaks. A draft (the input of Fit) may leave
// out the parameters Fit learns: min/max, mean/std and categories.
Status ValidateFields(const std::vector<RecordField>& fields, bool draft);

}  // namespace semble::schema

#endif  // SEMBLE_SRC_SCHEMA_SCHEMA_VALIDATION_H_
