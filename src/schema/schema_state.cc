// Copyright 2026 The semble Authors.

#include "schema/schema_state.h"

#include <memory>
#include <utility>

#include "schema/schema_validation.h"

namespace semble {
namespace schema {
namespace {

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

}  // namespace

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

}  // namespace schema

Result<RecordSchema> RecordSchema::FromFields(std::vector<RecordField> fields) {
  SEMBLE_RETURN_IF_ERROR(schema::ValidateFields(fields, /*draft=*/false));
  auto rep = std::make_shared<Rep>();
  schema::BuildState(std::move(fields), rep.get());
  return RecordSchema(std::move(rep));
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

}  // namespace semble
