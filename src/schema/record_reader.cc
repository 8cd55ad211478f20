// Copyright 2026 The semble Authors.

#include "schema/record_reader.h"

#include <simdjson.h>

#include <set>
#include <string>

#include "core/json_type_name.h"
#include "schema/schema_text.h"

namespace semble::schema {
namespace {

using core::JsonTypeName;
using simdjson::dom::element;

Status WrongType(std::string_view field, std::string_view expected, const element& v) {
  return FieldError(field,
                    "must be " + std::string(expected) + ", got " + std::string(JsonTypeName(v)));
}

// Checks a coordinate in degrees and stores it in *out as the latitude (lat) or the longitude.
Status SetCoordinate(std::string_view field, bool lat, double d, FieldValue* out) {
  if (lat) {
    if (!(d >= -90 && d <= 90)) {
      return FieldError(field, "has latitude " + FormatNumber(d) + ", outside [-90, 90]");
    }
    out->has_lat = true;
    out->lat = d;
  } else {
    if (!(d >= -180 && d <= 180)) {
      return FieldError(field, "has longitude " + FormatNumber(d) + ", outside [-180, 180]");
    }
    out->has_lon = true;
    out->lon = d;
  }
  return Status::OK();
}

Status ReadCategory(const SchemaState& s, size_t i, const element& e, FieldValue* out) {
  const RecordField& f = s.fields[i];
  std::string_view c;
  if (e.get(c) != simdjson::SUCCESS) {
    return WrongType(f.name, "a string or an array of strings", e);
  }
  // A draft without categories learns them (Fit); every other schema knows its categories.
  if (!f.categories.empty() && s.category_index[i].find(c) == s.category_index[i].end()) {
    std::string list;
    for (size_t k = 0; k < f.categories.size() && k < 10; ++k) {
      list += (k == 0 ? "" : ", ") + Quote(f.categories[k]);
    }
    if (f.categories.size() > 10) {
      list += ", ... (" + std::to_string(f.categories.size()) + " in all)";
    }
    return FieldError(f.name,
                      "has value " + Quote(c) + ", which is not one of its categories: " + list);
  }
  for (std::string_view seen : out->categories) {
    if (seen == c) return FieldError(f.name, "lists " + Quote(c) + " more than once");
  }
  out->categories.push_back(c);
  return Status::OK();
}

Status ReadValue(const SchemaState& s, const KeySlot& slot, std::string_view key, const element& v,
                 FieldValue* out) {
  const RecordField& f = s.fields[slot.field];
  switch (f.type) {
    case FieldType::kNumeric:
      if (v.get_double().get(out->number) != simdjson::SUCCESS) {
        return WrongType(key, "a number", v);
      }
      out->present = true;
      return Status::OK();
    case FieldType::kCategorical: {
      simdjson::dom::array arr;
      if (v.get(arr) == simdjson::SUCCESS) {
        for (element c : arr) SEMBLE_RETURN_IF_ERROR(ReadCategory(s, slot.field, c, out));
      } else {
        SEMBLE_RETURN_IF_ERROR(ReadCategory(s, slot.field, v, out));
      }
      out->present = true;
      return Status::OK();
    }
    case FieldType::kGeo:
      break;
  }
  if (slot.role != Role::kWhole) {  // one coordinate of a geo field given as two record fields
    double d;
    if (v.get_double().get(d) != simdjson::SUCCESS) return WrongType(key, "a number (degrees)", v);
    return SetCoordinate(key, slot.role == Role::kLat, d, out);
  }
  static constexpr std::string_view kGeoShape = "an object {\"lat\": number, \"lon\": number}";
  simdjson::dom::object obj;
  if (v.get(obj) != simdjson::SUCCESS) return WrongType(key, kGeoShape, v);
  for (auto kv : obj) {
    const std::string_view k = kv.key;
    const bool lat = k == "lat";
    if (!lat && k != "lon") {
      return FieldError(key,
                        "has unknown key " + Quote(k) + "; it must be " + std::string(kGeoShape));
    }
    if (lat ? out->has_lat : out->has_lon) {
      return FieldError(key, "has key " + Quote(k) + " more than once");
    }
    double d;
    if (kv.value.get_double().get(d) != simdjson::SUCCESS) {
      return FieldError(key, "." + std::string(k) + " must be a number (degrees), got " +
                                 std::string(JsonTypeName(kv.value)));
    }
    SEMBLE_RETURN_IF_ERROR(SetCoordinate(key, lat, d, out));
  }
  if (!out->has_lat || !out->has_lon) {
    return FieldError(key, std::string("has no \"") + (out->has_lat ? "lon" : "lat") +
                               "\"; it must be " + std::string(kGeoShape));
  }
  out->present = true;
  return Status::OK();
}

}  // namespace

Status ReadRecord(const SchemaState& s, std::string_view json, std::vector<FieldValue>* values) {
  SEMBLE_ASSIGN_OR_RETURN(element root, ParseJson(json, "the record's fields"));
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("the record's fields must be a JSON object, got " +
                                   std::string(JsonTypeName(root)));
  }
  values->assign(s.fields.size(), FieldValue{});
  std::set<std::string_view> seen;
  for (auto kv : obj) {
    const std::string_view key = kv.key;
    auto it = s.keys.find(key);
    if (it == s.keys.end()) {
      return Status::InvalidArgument("unknown field " + Quote(key) + "; the schema has " +
                                     s.key_list);
    }
    if (!seen.insert(key).second) return FieldError(key, "appears more than once");
    // null is "absent", as JSON encoders write unset optional values.
    if (kv.value.is_null()) continue;
    SEMBLE_RETURN_IF_ERROR(ReadValue(s, it->second, key, kv.value, &(*values)[it->second.field]));
  }
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const RecordField& f = s.fields[i];
    FieldValue& v = (*values)[i];
    if (f.type == FieldType::kGeo && !f.lat_field.empty()) {
      if (v.has_lat != v.has_lon) {
        return Status::InvalidArgument("field " + Quote(v.has_lat ? f.lat_field : f.lon_field) +
                                       " is given but " +
                                       Quote(v.has_lat ? f.lon_field : f.lat_field) +
                                       " is not; geo field " + Quote(f.name) + " needs both");
      }
      v.present = v.has_lat;
    }
    if (!v.present && !f.optional) {
      if (f.type == FieldType::kGeo && !f.lat_field.empty()) {
        return Status::InvalidArgument("missing fields " + Quote(f.lat_field) + " and " +
                                       Quote(f.lon_field) + " (geo field " + Quote(f.name) + ")");
      }
      return Status::InvalidArgument("missing field " + Quote(f.name));
    }
  }
  return Status::OK();
}

}  // namespace semble::schema
