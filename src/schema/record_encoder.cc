// Copyright 2026 The semble Authors.
//
// Encoding a record's fields, as read by ReadRecord, into the schema's vector.

#include <cfloat>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "schema/record_reader.h"
#include "schema/schema_state.h"
#include "schema/schema_text.h"
#include "semble/record_schema.h"

namespace semble {
namespace schema {
namespace {

// Stores a scaled value, refusing one a float cannot hold (a schema with a huge weight, or a value
// far outside the range the schema was made for).
Status Store(const RecordField& f, double v, float* out) {
  if (!(std::fabs(v) <= FLT_MAX)) {
    return FieldError(f.name,
                      "scales to " + FormatNumber(v) + ", beyond the range of a 32-bit float");
  }
  *out = static_cast<float>(v);
  return Status::OK();
}

Status EncodeField(const SchemaState& s, size_t i, const FieldValue& v, float* out) {
  const RecordField& f = s.fields[i];
  if (!v.present) return Status::OK();  // an absent optional field stays zeros
  switch (f.type) {
    case FieldType::kNumeric: {
      double x = v.number;
      if (f.scaling == Scaling::kMinMax) x = (x - *f.min) / (*f.max - *f.min);
      if (f.scaling == Scaling::kZScore) x = (x - *f.mean) / *f.stddev;
      return Store(f, x * f.weight, out);
    }
    case FieldType::kCategorical: {
      if (v.categories.empty()) return Status::OK();
      double w = f.weight;
      if (f.normalize) w /= std::sqrt(static_cast<double>(v.categories.size()));
      for (std::string_view c : v.categories) {
        SEMBLE_RETURN_IF_ERROR(Store(f, w, out + s.category_index[i].find(c)->second));
      }
      return Status::OK();
    }
    case FieldType::kGeo: {
      constexpr double kRadiansPerDegree = std::numbers::pi / 180;
      const double lat = v.lat * kRadiansPerDegree, lon = v.lon * kRadiansPerDegree;
      SEMBLE_RETURN_IF_ERROR(Store(f, f.weight * std::cos(lat) * std::cos(lon), out));
      SEMBLE_RETURN_IF_ERROR(Store(f, f.weight * std::cos(lat) * std::sin(lon), out + 1));
      return Store(f, f.weight * std::sin(lat), out + 2);
    }
  }
  return Status::Internal("unknown field type");
}

}  // namespace
}  // namespace schema

Result<std::vector<float>> RecordSchema::Encode(std::string_view fields_json) const {
  std::vector<schema::FieldValue> values;
  SEMBLE_RETURN_IF_ERROR(schema::ReadRecord(*rep_, fields_json, &values));
  std::vector<float> out(rep_->dimensions, 0.0f);
  for (size_t i = 0; i < rep_->fields.size(); ++i) {
    SEMBLE_RETURN_IF_ERROR(schema::EncodeField(*rep_, i, values[i], out.data() + rep_->offsets[i]));
  }
  return out;
}

}  // namespace semble
