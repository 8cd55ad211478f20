// Copyright 2026 The semble Authors.

#include "semble/record_schema.h"

#include <simdjson.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>
#include <numbers>
#include <set>

#include "core/json_parse.h"
#include "core/json_type_name.h"
#include "core/json_writer.h"

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

namespace {

using simdjson::dom::element;

// What one key of a record feeds: a whole field, or the latitude / longitude of a geo field whose
// coordinates are two record fields.
enum class Role { kWhole, kLat, kLon };

struct KeySlot {
  size_t field;
  Role role;
};

// One field's value as read from a record, before scaling. The strings point into the parser's
// buffer and live until the next parse on this thread.
struct FieldValue {
  bool present = false;
  double number = 0;
  std::vector<std::string_view> categories;
  bool has_lat = false, has_lon = false;
  double lat = 0, lon = 0;
};

std::string Quote(std::string_view s) {
  std::string out;
  core::AppendJsonString(&out, s);
  return out;
}

// The shortest text that reads back as v, as the JSON writer prints it.
std::string FormatNumber(double v) {
  core::JsonWriter w;
  w.Double(v);
  return w.Take();
}

using core::JsonTypeName;

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

// ---- Schema JSON ----

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

Status SchemaError(std::string_view label, std::string_view msg) {
  return Status::InvalidArgument("schema field " + std::string(label) + ": " + std::string(msg));
}

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

// The rules of a schema's values. A draft (the input of Fit) may leave out the parameters Fit
// learns: min/max, mean/std and categories.
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

// ---- The schema's derived state ----

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

uint32_t FieldWidth(const RecordField& f) {
  switch (f.type) {
    case FieldType::kNumeric:
      return 1;
    case FieldType::kCategorical:
      return static_cast<uint32_t>(f.categories.size());
    case FieldType::kGeo:
      return 3;
  }
  return 0;
}

// Requires ValidateFields(fields) to have passed.
void BuildState(std::vector<RecordField> fields, SchemaState* s) {
  s->fields = std::move(fields);
  s->offsets.clear();
  s->dimensions = 0;
  s->keys.clear();
  s->key_list.clear();
  s->category_index.assign(s->fields.size(), {});
  for (size_t i = 0; i < s->fields.size(); ++i) {
    const RecordField& f = s->fields[i];
    s->offsets.push_back(s->dimensions);
    s->dimensions += FieldWidth(f);
    auto add_key = [&](const std::string& key, Role role) {
      s->keys.emplace(key, KeySlot{i, role});
      s->key_list += (s->key_list.empty() ? "" : ", ") + key;
    };
    if (f.type == FieldType::kGeo && !f.lat_field.empty()) {
      add_key(f.lat_field, Role::kLat);
      add_key(f.lon_field, Role::kLon);
    } else {
      add_key(f.name, Role::kWhole);
    }
    for (size_t c = 0; c < f.categories.size(); ++c) {
      s->category_index[i].emplace(f.categories[c], static_cast<uint32_t>(c));
    }
  }
}

// ---- Reading a record ----

Status FieldError(std::string_view field, std::string_view msg) {
  return Status::InvalidArgument("field " + Quote(field) + " " + std::string(msg));
}

Status WrongType(std::string_view field, std::string_view expected, const element& v) {
  return FieldError(field,
                    "must be " + std::string(expected) + ", got " + std::string(JsonTypeName(v)));
}

Status CheckLatitude(std::string_view field, double lat) {
  if (!(lat >= -90 && lat <= 90)) {
    return FieldError(field, "has latitude " + FormatNumber(lat) + ", outside [-90, 90]");
  }
  return Status::OK();
}

Status CheckLongitude(std::string_view field, double lon) {
  if (!(lon >= -180 && lon <= 180)) {
    return FieldError(field, "has longitude " + FormatNumber(lon) + ", outside [-180, 180]");
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
    if (slot.role == Role::kLat) {
      SEMBLE_RETURN_IF_ERROR(CheckLatitude(key, d));
      out->has_lat = true;
      out->lat = d;
    } else {
      SEMBLE_RETURN_IF_ERROR(CheckLongitude(key, d));
      out->has_lon = true;
      out->lon = d;
    }
    return Status::OK();
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
    if (lat) {
      SEMBLE_RETURN_IF_ERROR(CheckLatitude(key, d));
      out->has_lat = true;
      out->lat = d;
    } else {
      SEMBLE_RETURN_IF_ERROR(CheckLongitude(key, d));
      out->has_lon = true;
      out->lon = d;
    }
  }
  if (!out->has_lat || !out->has_lon) {
    return FieldError(key, std::string("has no \"") + (out->has_lat ? "lon" : "lat") +
                               "\"; it must be " + std::string(kGeoShape));
  }
  out->present = true;
  return Status::OK();
}

// Reads a record (a JSON object of fields) into one FieldValue per schema field, checking
// everything but the float range of the scaled values.
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

struct RecordSchema::Rep : SchemaState {};

Result<RecordSchema> RecordSchema::FromFields(std::vector<RecordField> fields) {
  SEMBLE_RETURN_IF_ERROR(ValidateFields(fields, /*draft=*/false));
  auto rep = std::make_shared<Rep>();
  BuildState(std::move(fields), rep.get());
  return RecordSchema(std::move(rep));
}

Result<RecordSchema> RecordSchema::Parse(std::string_view json) {
  SEMBLE_ASSIGN_OR_RETURN(std::vector<RecordField> fields, ParseSchemaJson(json));
  return FromFields(std::move(fields));
}

Result<RecordSchema> RecordSchema::Fit(std::string_view draft_json,
                                       std::span<const std::string> samples) {
  SEMBLE_ASSIGN_OR_RETURN(std::vector<RecordField> fields, ParseSchemaJson(draft_json));
  SEMBLE_RETURN_IF_ERROR(ValidateFields(fields, /*draft=*/true));
  SchemaState draft;
  BuildState(fields, &draft);

  // Only the values of parameters to learn are kept.
  const size_t n = fields.size();
  std::vector<std::vector<double>> numbers(n);
  std::vector<std::set<std::string>> categories(n);
  std::vector<FieldValue> values;
  for (size_t r = 0; r < samples.size(); ++r) {
    Status st = ReadRecord(draft, samples[r], &values);
    if (!st.ok()) return st.WithContext("sample " + std::to_string(r));
    for (size_t i = 0; i < n; ++i) {
      const RecordField& f = fields[i];
      if (!values[i].present) continue;
      if (f.type == FieldType::kNumeric &&
          ((f.scaling == Scaling::kMinMax && (!f.min || !f.max)) ||
           (f.scaling == Scaling::kZScore && (!f.mean || !f.stddev)))) {
        numbers[i].push_back(values[i].number);
      }
      if (f.type == FieldType::kCategorical && f.categories.empty()) {
        categories[i].insert(values[i].categories.begin(), values[i].categories.end());
      }
    }
  }

  for (size_t i = 0; i < n; ++i) {
    RecordField& f = fields[i];
    const std::vector<double>& xs = numbers[i];
    const bool learns_numbers = f.type == FieldType::kNumeric &&
                                ((f.scaling == Scaling::kMinMax && (!f.min || !f.max)) ||
                                 (f.scaling == Scaling::kZScore && (!f.mean || !f.stddev)));
    if (learns_numbers && xs.empty()) {
      return SchemaError(Quote(f.name), "no sample has a value to learn " +
                                            std::string(ScalingName(f.scaling)) +
                                            " parameters from; give them in the schema");
    }
    if (learns_numbers && f.scaling == Scaling::kMinMax) {
      if (!f.min) f.min = *std::min_element(xs.begin(), xs.end());
      if (!f.max) f.max = *std::max_element(xs.begin(), xs.end());
    }
    if (learns_numbers && f.scaling == Scaling::kZScore) {
      if (!f.mean) {
        double sum = 0;
        for (double x : xs) sum += x;
        f.mean = sum / static_cast<double>(xs.size());
      }
      if (!f.stddev) {
        // Around the schema's mean (learned or given): that is the spread the scaling divides by.
        double sum = 0;
        for (double x : xs) sum += (x - *f.mean) * (x - *f.mean);
        f.stddev = std::sqrt(sum / static_cast<double>(xs.size()));
      }
    }
    if (f.type == FieldType::kCategorical && f.categories.empty()) {
      if (categories[i].empty()) {
        return SchemaError(Quote(f.name),
                           "no sample has a value to learn categories from; give "
                           "\"categories\" in the schema");
      }
      f.categories.assign(categories[i].begin(), categories[i].end());
    }
  }

  auto fitted = FromFields(std::move(fields));
  if (!fitted.ok()) return fitted.status().WithContext("fitted to the samples");
  // Learned parameters can still leave a sample beyond float range (e.g. one huge outlier next to
  // a tiny std); the contract is that every sample encodes.
  for (size_t r = 0; r < samples.size(); ++r) {
    auto v = fitted->Encode(samples[r]);
    if (!v.ok()) return v.status().WithContext("sample " + std::to_string(r));
  }
  return fitted;
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

uint32_t RecordSchema::dimensions() const { return rep_->dimensions; }

const std::vector<RecordField>& RecordSchema::fields() const { return rep_->fields; }

std::vector<std::string> RecordSchema::DimensionNames() const {
  std::vector<std::string> names;
  names.reserve(rep_->dimensions);
  for (const RecordField& f : rep_->fields) {
    switch (f.type) {
      case FieldType::kNumeric:
        names.push_back(f.name);
        break;
      case FieldType::kCategorical:
        for (const std::string& c : f.categories) names.push_back(f.name + "=" + c);
        break;
      case FieldType::kGeo:
        for (const char* axis : {".x", ".y", ".z"}) names.push_back(f.name + axis);
        break;
    }
  }
  return names;
}

Result<std::vector<float>> RecordSchema::Encode(std::string_view fields_json) const {
  std::vector<FieldValue> values;
  SEMBLE_RETURN_IF_ERROR(ReadRecord(*rep_, fields_json, &values));
  std::vector<float> out(rep_->dimensions, 0.0f);
  for (size_t i = 0; i < rep_->fields.size(); ++i) {
    SEMBLE_RETURN_IF_ERROR(EncodeField(*rep_, i, values[i], out.data() + rep_->offsets[i]));
  }
  return out;
}

}  // namespace semble
