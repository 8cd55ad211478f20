// Copyright 2026 The semble Authors.

#include "schema/schema_json.h"

#include <simdjson.h>

#include <optional>
#include <string>

#include "core/json_type_name.h"
#include "core/json_writer.h"
#include "schema/schema_state.h"
#include "schema/schema_text.h"

namespace semble {

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kNumeric:
      return "numeric";
    case FieldType::kCategorical:
      return "categorical";
    case FieldType::kGeo:
      return "geo";
  }
  return "unknown";
}

std::string_view ScalingName(Scaling scaling) {
  switch (scaling) {
    case Scaling::kNone:
      return "none";
    case Scaling::kMinMax:
      return "minmax";
    case Scaling::kZScore:
      return "zscore";
  }
  return "unknown";
}

namespace schema {
namespace {

using core::JsonTypeName;
using simdjson::dom::element;

// The keys a field object may have; a bit each, to check which belong to the field's type.
enum FieldKey : uint32_t {
  kName = 1 << 0,
  kType = 1 << 1,
  kWeight = 1 << 2,
  kOptional = 1 << 3,
  kScaling = 1 << 4,
  kMin = 1 << 5,
  kMax = 1 << 6,
  kMean = 1 << 7,
  kStd = 1 << 8,
  kCategories = 1 << 9,
  kNormalize = 1 << 10,
  kLatField = 1 << 11,
  kLonField = 1 << 12,
};

struct KeyInfo {
  std::string_view name;
  FieldKey bit;
};

constexpr KeyInfo kFieldKeys[] = {
    {"name", kName},
    {"type", kType},
    {"weight", kWeight},
    {"optional", kOptional},
    {"scaling", kScaling},
    {"min", kMin},
    {"max", kMax},
    {"mean", kMean},
    {"std", kStd},
    {"categories", kCategories},
    {"normalize", kNormalize},
    {"latField", kLatField},
    {"lonField", kLonField},
};

Status ExpectString(std::string_view label, std::string_view key, const element& v,
                    std::string* out) {
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS) {
    return SchemaError(label, "\"" + std::string(key) + "\" must be a string, got " +
                                  std::string(JsonTypeName(v)));
  }
  out->assign(s);
  return Status::OK();
}

Status ExpectNumber(std::string_view label, std::string_view key, const element& v, double* out) {
  if (v.get_double().get(*out) != simdjson::SUCCESS) {
    return SchemaError(label, "\"" + std::string(key) + "\" must be a number, got " +
                                  std::string(JsonTypeName(v)));
  }
  return Status::OK();
}

Status ExpectBool(std::string_view label, std::string_view key, const element& v, bool* out) {
  if (v.get_bool().get(*out) != simdjson::SUCCESS) {
    return SchemaError(label, "\"" + std::string(key) + "\" must be true or false, got " +
                                  std::string(JsonTypeName(v)));
  }
  return Status::OK();
}

// Reads one field object into *f, checking the JSON shape only (which keys, their JSON types);
// the values are checked by ValidateFields, which also sees fields built in code.
Status ParseFieldObject(const element& e, size_t i, RecordField* f) {
  std::string label = std::to_string(i);
  simdjson::dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) {
    return SchemaError(label, "must be an object, got " + std::string(JsonTypeName(e)));
  }
  // The name first, so that every later message can use it.
  element name_value;
  if (obj.at_key("name").get(name_value) == simdjson::SUCCESS) {
    SEMBLE_RETURN_IF_ERROR(ExpectString(label, "name", name_value, &f->name));
    label = Quote(f->name);
  }
  uint32_t seen = 0;
  std::string type, scaling;
  for (auto kv : obj) {
    const std::string_view key = kv.key;
    const element& v = kv.value;
    const KeyInfo* info = nullptr;
    for (const KeyInfo& k : kFieldKeys) {
      if (k.name == key) info = &k;
    }
    if (info == nullptr) {
      return SchemaError(label,
                         "unknown key " + Quote(key) +
                             "; a field has name, type, weight, optional, scaling, min, max, "
                             "mean, std, categories, normalize, latField and lonField");
    }
    // With a key given twice, which one counts would depend on the parser; refuse it.
    if (seen & info->bit) {
      return SchemaError(label, "key " + Quote(key) + " appears more than once");
    }
    seen |= info->bit;
    double number;
    switch (info->bit) {
      case kName:
        break;  // read above
      case kType:
        SEMBLE_RETURN_IF_ERROR(ExpectString(label, key, v, &type));
        break;
      case kWeight:
        SEMBLE_RETURN_IF_ERROR(ExpectNumber(label, key, v, &f->weight));
        break;
      case kOptional:
        SEMBLE_RETURN_IF_ERROR(ExpectBool(label, key, v, &f->optional));
        break;
      case kScaling:
        SEMBLE_RETURN_IF_ERROR(ExpectString(label, key, v, &scaling));
        break;
      case kMin:
      case kMax:
      case kMean:
      case kStd: {
        SEMBLE_RETURN_IF_ERROR(ExpectNumber(label, key, v, &number));
        std::optional<double>* slot = info->bit == kMin    ? &f->min
                                      : info->bit == kMax  ? &f->max
                                      : info->bit == kMean ? &f->mean
                                                           : &f->stddev;
        *slot = number;
        break;
      }
      case kCategories: {
        simdjson::dom::array arr;
        if (v.get(arr) != simdjson::SUCCESS) {
          return SchemaError(label, "\"categories\" must be an array of strings, got " +
                                        std::string(JsonTypeName(v)));
        }
        for (element c : arr) {
          std::string_view s;
          if (c.get(s) != simdjson::SUCCESS) {
            return SchemaError(label, "\"categories\" must be an array of strings; it holds " +
                                          std::string(JsonTypeName(c)));
          }
          f->categories.emplace_back(s);
        }
        break;
      }
      case kNormalize:
        SEMBLE_RETURN_IF_ERROR(ExpectBool(label, key, v, &f->normalize));
        break;
      case kLatField:
        SEMBLE_RETURN_IF_ERROR(ExpectString(label, key, v, &f->lat_field));
        break;
      case kLonField:
        SEMBLE_RETURN_IF_ERROR(ExpectString(label, key, v, &f->lon_field));
        break;
    }
  }
  if (!(seen & kName)) return SchemaError(label, "missing key \"name\"");
  if (!(seen & kType)) {
    return SchemaError(label, "missing key \"type\" (numeric, categorical or geo)");
  }
  uint32_t allowed = kName | kType | kWeight | kOptional;
  if (type == "numeric") {
    f->type = FieldType::kNumeric;
    // No default scaling: "none" would let a raw count like population drown every other field,
    // and minmax needs a range; the author has to choose.
    if (!(seen & kScaling)) {
      return SchemaError(label, "a numeric field needs \"scaling\": minmax, zscore or none");
    }
    if (scaling == "minmax") {
      f->scaling = Scaling::kMinMax;
      allowed |= kScaling | kMin | kMax;
    } else if (scaling == "zscore") {
      f->scaling = Scaling::kZScore;
      allowed |= kScaling | kMean | kStd;
    } else if (scaling == "none") {
      f->scaling = Scaling::kNone;
      allowed |= kScaling;
    } else {
      return SchemaError(label,
                         "unknown scaling " + Quote(scaling) + "; expected minmax, zscore or none");
    }
  } else if (type == "categorical") {
    f->type = FieldType::kCategorical;
    allowed |= kCategories | kNormalize;
  } else if (type == "geo") {
    f->type = FieldType::kGeo;
    allowed |= kLatField | kLonField;
  } else {
    return SchemaError(label,
                       "unknown type " + Quote(type) + "; expected numeric, categorical or geo");
  }
  // A key of another type (min on a categorical field, std with minmax) is refused rather than
  // ignored: it is a typo or a misunderstanding, and ignoring it would hide that.
  if (uint32_t extra = seen & ~allowed) {
    for (const KeyInfo& k : kFieldKeys) {
      if (!(extra & k.bit)) continue;
      std::string what = std::string(FieldTypeName(f->type)) + " field";
      if (f->type == FieldType::kNumeric) {
        what += " with scaling " + std::string(ScalingName(f->scaling));
      }
      return SchemaError(label, "key " + Quote(k.name) + " does not apply to a " + what);
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<RecordField>> ParseSchemaJson(std::string_view json) {
  SEMBLE_ASSIGN_OR_RETURN(element root, ParseJson(json, "the schema"));
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("the schema must be a JSON object {\"fields\": [...]}, got " +
                                   std::string(JsonTypeName(root)));
  }
  std::vector<RecordField> fields;
  bool seen_fields = false;
  for (auto kv : obj) {
    if (std::string_view(kv.key) != "fields") {
      return Status::InvalidArgument("schema: unknown key " + Quote(kv.key) +
                                     "; a schema has only \"fields\"");
    }
    if (seen_fields) {
      return Status::InvalidArgument("schema: key \"fields\" appears more than once");
    }
    seen_fields = true;
    simdjson::dom::array arr;
    if (kv.value.get(arr) != simdjson::SUCCESS) {
      return Status::InvalidArgument("schema: \"fields\" must be an array, got " +
                                     std::string(JsonTypeName(kv.value)));
    }
    size_t i = 0;
    for (element e : arr) {
      fields.emplace_back();
      SEMBLE_RETURN_IF_ERROR(ParseFieldObject(e, i++, &fields.back()));
    }
  }
  if (!seen_fields) return Status::InvalidArgument("schema: missing key \"fields\"");
  return fields;
}

}  // namespace schema

Result<RecordSchema> RecordSchema::Parse(std::string_view json) {
  SEMBLE_ASSIGN_OR_RETURN(std::vector<RecordField> fields, schema::ParseSchemaJson(json));
  return FromFields(std::move(fields));
}

std::string RecordSchema::ToJson() const {
  core::JsonWriter w;
  w.BeginObject().Key("fields").BeginArray();
  for (const RecordField& f : rep_->fields) {
    w.BeginObject();
    w.Key("name").String(f.name);
    w.Key("type").String(FieldTypeName(f.type));
    w.Key("weight").Double(f.weight);
    w.Key("optional").Bool(f.optional);
    switch (f.type) {
      case FieldType::kNumeric:
        w.Key("scaling").String(ScalingName(f.scaling));
        if (f.scaling == Scaling::kMinMax) w.Key("min").Double(*f.min).Key("max").Double(*f.max);
        if (f.scaling == Scaling::kZScore) {
          w.Key("mean").Double(*f.mean).Key("std").Double(*f.stddev);
        }
        break;
      case FieldType::kCategorical:
        w.Key("categories").BeginArray();
        for (const std::string& c : f.categories) w.String(c);
        w.EndArray();
        w.Key("normalize").Bool(f.normalize);
        break;
      case FieldType::kGeo:
        if (!f.lat_field.empty()) {
          w.Key("latField").String(f.lat_field).Key("lonField").String(f.lon_field);
        }
        break;
    }
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace semble
