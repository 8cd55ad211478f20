// Copyright 2026 The semble Authors.

#include "schema/schema_validation.h"

#include <cmath>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "schema/schema_text.h"

namespace semble::schema {

Status ValidateFields(const std::vector<RecordField>& fields, bool draft) {
  if (fields.empty()) return Status::InvalidArgument("schema: \"fields\" is empty");
  std::set<std::string_view> names, record_keys;
  for (const RecordField& f : fields) {
    if (f.name.empty()) return Status::InvalidArgument("schema: a field has an empty name");
    const std::string label = Quote(f.name);
    if (!names.insert(f.name).second) return SchemaError(label, "the name appears more than once");
    // Written as "not >= 0" so that NaN fails too.
    if (!(f.weight >= 0) || !std::isfinite(f.weight)) {
      return SchemaError(label,
                         "\"weight\" must be a finite number >= 0, got " + FormatNumber(f.weight));
    }
    const bool numeric = f.type == FieldType::kNumeric;
    const bool minmax = numeric && f.scaling == Scaling::kMinMax;
    const bool zscore = numeric && f.scaling == Scaling::kZScore;
    const bool geo = f.type == FieldType::kGeo;
    const bool categorical = f.type == FieldType::kCategorical;
    // Fields built in code can set members of another type; JSON cannot (ParseFieldObject).
    if ((!minmax && (f.min || f.max)) || (!zscore && (f.mean || f.stddev)) ||
        (!categorical && !f.categories.empty()) ||
        (!geo && (!f.lat_field.empty() || !f.lon_field.empty()))) {
      return SchemaError(label, "has parameters that do not apply to its type and scaling");
    }
    for (const auto& [key, value] : {std::pair{"min", f.min}, std::pair{"max", f.max},
                                     std::pair{"mean", f.mean}, std::pair{"std", f.stddev}}) {
      if (value && !std::isfinite(*value)) {
        return SchemaError(label, Quote(key) + " must be finite");
      }
    }
    if (minmax) {
      if (!draft && !f.min) return SchemaError(label, "minmax scaling needs \"min\"");
      if (!draft && !f.max) return SchemaError(label, "minmax scaling needs \"max\"");
      // min == max would divide by zero: every value would scale to infinity or NaN.
      if (f.min && f.max && !(*f.max > *f.min)) {
        return SchemaError(label, "\"max\" (" + FormatNumber(*f.max) +
                                      ") must be greater than \"min\" (" + FormatNumber(*f.min) +
                                      ")");
      }
    }
    if (zscore) {
      if (!draft && !f.mean) return SchemaError(label, "zscore scaling needs \"mean\"");
      if (!draft && !f.stddev) return SchemaError(label, "zscore scaling needs \"std\"");
      if (f.stddev && !(*f.stddev > 0)) {
        return SchemaError(label, "\"std\" must be greater than 0, got " + FormatNumber(*f.stddev));
      }
    }
    if (categorical) {
      if (!draft && f.categories.empty()) return SchemaError(label, "\"categories\" is empty");
      std::set<std::string_view> seen;
      for (const std::string& c : f.categories) {
        if (!seen.insert(c).second) {
          return SchemaError(label, "category " + Quote(c) + " appears more than once");
        }
      }
    }
    if (geo && f.lat_field.empty() != f.lon_field.empty()) {
      return SchemaError(label, "give both \"latField\" and \"lonField\", or neither");
    }
    // Every record key must feed exactly one thing.
    std::vector<std::string_view> keys;
    if (geo && !f.lat_field.empty()) {
      keys = {f.lat_field, f.lon_field};
    } else {
      keys = {f.name};
    }
    for (std::string_view k : keys) {
      if (!record_keys.insert(k).second) {
        return SchemaError(label,
                           "record field " + Quote(k) + " is used by more than one schema field");
      }
    }
  }
  return Status::OK();
}

}  // namespace semble::schema
