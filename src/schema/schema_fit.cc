// Copyright 2026 The semble Authors.
//
// RecordSchema::Fit: completes a draft schema from sample records.

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "schema/record_reader.h"
#include "schema/schema_json.h"
#include "schema/schema_state.h"
#include "schema/schema_text.h"
#include "schema/schema_validation.h"
#include "semble/record_schema.h"

namespace semble {

using schema::FieldValue;
using schema::Quote;
using schema::SchemaError;

Result<RecordSchema> RecordSchema::Fit(std::string_view draft_json,
                                       std::span<const std::string> samples) {
  SEMBLE_ASSIGN_OR_RETURN(std::vector<RecordField> fields, schema::ParseSchemaJson(draft_json));
  SEMBLE_RETURN_IF_ERROR(schema::ValidateFields(fields, /*draft=*/true));
  schema::SchemaState draft;
  schema::BuildState(fields, &draft);

  // Only the values of parameters to learn are kept.
  const size_t n = fields.size();
  std::vector<std::vector<double>> numbers(n);
  std::vector<std::set<std::string>> categories(n);
  std::vector<FieldValue> values;
  for (size_t r = 0; r < samples.size(); ++r) {
    Status st = schema::ReadRecord(draft, samples[r], &values);
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

}  // namespace semble
