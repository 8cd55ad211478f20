// Copyright 2026 The semble Authors.
//
// RecordSchema: turns a structured record (a JSON object of fields) into a vector, so that records
// such as cities or TV shows can be searched by similarity like text embeddings.
//
//   auto schema = semble::RecordSchema::Parse(R"({"fields":[
//       {"name":"location","type":"geo","weight":6371},
//       {"name":"population","type":"numeric","scaling":"minmax","min":0,"max":1000000,
//        "weight":1000},
//       {"name":"genre","type":"categorical","categories":["comedy","drama"]}]})");
//   auto v = schema->Encode(R"({"location":{"lat":49.28,"lon":-123.12},"population":662248,
//                               "genre":"comedy"})");   // schema->dimensions() == 6 floats
//
// Each field of the schema fills a fixed slice of the vector:
//   numeric      1 float: the number scaled ("minmax" (x-min)/(max-min), "zscore" (x-mean)/std, or
//                "none"), times the weight. Values outside [min, max] are not clamped: clamping
//                would make different values equal.
//   categorical  one float per category, in the schema's order: the record's value (a string) or
//                values (an array of strings, e.g. genres) set their categories to the weight. With
//                "normalize" (the default) k values set theirs to weight/sqrt(k), so every
//                non-empty value has length `weight`, a multi-valued record weighs no more than a
//                single-valued one, and the distance between two records grows as their sets
//                overlap less (d^2 = 2 weight^2 (1 - |A n B| / sqrt(|A| |B|))). Without it each
//                value sets weight (d^2 = weight^2 |A xor B|). An empty array sets nothing.
//   geo          3 floats: (cos lat cos lon, cos lat sin lon, sin lat) times the weight, from a
//   field
//                {"lat": degrees, "lon": degrees}, or from two numeric fields named by "latField"
//                and "lonField". The Euclidean distance between two encodings is then the chord
//                between the places on a sphere of radius `weight`, which grows monotonically with
//                their great-circle distance; a weight of 6371 (the Earth's radius in km) makes it
//                kilometres, within 0.1% up to 1000 km.
//
// Scaling parameters and categories are part of the schema, never taken from the data being
// encoded, so an encoding means the same thing for the life of an index; Fit learns them once from
// sample records. Indexes of schema vectors should use Metric::kEuclidean (kRecordSchemaMetric):
// weights then act directly as distance weights, and every dimension counts by its difference.
// Cosine would compare only directions, so a record and one with every number doubled would be
// equal, and the geo and categorical lengths that the weights set would be ignored.
//
// A RecordSchema is immutable; copies share their state, and every method may be called from many
// threads at once.

#ifndef SEMBLE_INCLUDE_SEMBLE_RECORD_SCHEMA_H_
#define SEMBLE_INCLUDE_SEMBLE_RECORD_SCHEMA_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "semble/options.h"
#include "semble/status.h"

namespace semble {

// The metric for indexes of schema vectors (see above for why).
inline constexpr Metric kRecordSchemaMetric = Metric::kEuclidean;

enum class FieldType { kNumeric, kCategorical, kGeo };
// "numeric", "categorical", "geo".
std::string_view FieldTypeName(FieldType type);

enum class Scaling { kNone, kMinMax, kZScore };
// "none", "minmax", "zscore".
std::string_view ScalingName(Scaling scaling);

// One field of a schema; its JSON form uses the same names ("latField" / "lonField" for the geo
// field names). Which members apply depends on `type`; the others stay at their defaults.
struct RecordField {
  std::string name;
  FieldType type = FieldType::kNumeric;
  double weight = 1;      // finite, >= 0; 0 keeps the field's dimensions but makes them all 0
  bool optional = false;  // a record without the field (or with null) encodes zeros for it

  // Numeric. minmax needs min < max; zscore needs stddev > 0. nullopt only in a draft for Fit.
  Scaling scaling = Scaling::kNone;
  std::optional<double> min, max;
  std::optional<double> mean, stddev;  // stddev is "std" in JSON

  // Categorical: distinct strings, in dimension order. Empty only in a draft for Fit.
  std::vector<std::string> categories;
  bool normalize = true;

  // Geo: both empty (the record has an object field `name` {"lat", "lon"}), or both set (the record
  // has two numeric fields of these names; `name` then only names the dimensions).
  std::string lat_field, lon_field;
};

class RecordSchema {
 public:
  // Parses a schema: {"fields": [field, ...]} with at least one field, where a field is an object
  // with "name", "type" and the keys of its type (see RecordField). Keys that do not belong to the
  // field's type, duplicate names, and missing or impossible parameters (min >= max, std <= 0,
  // negative weight) are InvalidArgument naming the field and the key.
  static Result<RecordSchema> Parse(std::string_view json);
  // The same checks, on fields built in code.
  static Result<RecordSchema> FromFields(std::vector<RecordField> fields);
  // Completes a draft schema (JSON as for Parse, but min/max, mean/std and categories may be left
  // out) from sample records (each a JSON object of fields, as for Encode): a missing min or max
  // becomes the smallest or largest sample value, a missing mean the samples' mean, a missing std
  // the root-mean-square deviation of the samples from the mean, and missing categories the
  // distinct sample values in byte order (so the result does not depend on the order of samples).
  // Parameters the draft gives are kept. Every sample must encode under the result; an error names
  // the sample (0-based) and the field.
  static Result<RecordSchema> Fit(std::string_view draft_json,
                                  std::span<const std::string> samples);

  // The schema as compact JSON with every parameter written out (defaults included), keys in a
  // fixed order. Parse(ToJson()) gives an equal schema, and its ToJson() the same text; being
  // explicit keeps a stored schema's meaning even if a default ever changes.
  std::string ToJson() const;

  // The length of every encoding: 1 per numeric field, one per category, 3 per geo field.
  uint32_t dimensions() const;
  const std::vector<RecordField>& fields() const;
  // What each dimension holds, in order: "population", "genre=comedy", "location.x" / ".y" / ".z".
  std::vector<std::string> DimensionNames() const;

  // Encodes a record given as a JSON object of fields into dimensions() floats. Errors are
  // InvalidArgument naming the field: a field the schema does not have, a missing field that is
  // not optional, a value of the wrong JSON type (naming the expected one), a category not in the
  // schema (naming the value), a latitude outside [-90, 90] or longitude outside [-180, 180], a
  // field given twice, or a scaled value beyond the range of a float.
  Result<std::vector<float>> Encode(std::string_view fields_json) const;

 private:
  struct Rep;
  explicit RecordSchema(std::shared_ptr<const Rep> rep) : rep_(std::move(rep)) {}

  std::shared_ptr<const Rep> rep_;
};

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_RECORD_SCHEMA_H_
