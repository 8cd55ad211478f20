// Copyright 2026 The semble Authors.

#include "meta/value.h"

#include <simdjson.h>

#include <cmath>
#include <string>
#include <unordered_set>

#include "core/json_parse.h"
#include "core/json_writer.h"
#include "core/utf8.h"

namespace semble::meta {

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.bool_ = b;
  return v;
}

Value Value::Number(double d) {
  Value v;
  v.kind_ = Kind::kNumber;
  v.number_ = d;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.string_ = std::move(s);
  return v;
}

Value Value::StringArray(std::vector<std::string> items) {
  Value v;
  v.kind_ = Kind::kStringArray;
  v.strings_ = std::move(items);
  return v;
}

Value Value::Object(std::vector<Member> members) {
  Value v;
  v.kind_ = Kind::kObject;
  v.members_ = std::move(members);
  return v;
}

const Value* Value::Find(std::string_view key) const {
  if (kind_ != Kind::kObject) return nullptr;
  for (const Member& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

const Value* Value::FindPath(std::string_view dotted_path) const {
  size_t dot = dotted_path.find('.');
  if (dot == std::string_view::npos) return Find(dotted_path);
  const Value* parent = Find(dotted_path.substr(0, dot));
  if (parent == nullptr) return nullptr;
  // Keys never contain '.', so a second dot in the rest simply finds nothing.
  return parent->Find(dotted_path.substr(dot + 1));
}

bool Value::operator==(const Value& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::kNull:
      return true;
    case Kind::kBool:
      return bool_ == other.bool_;
    case Kind::kNumber:
      return number_ == other.number_;
    case Kind::kString:
      return string_ == other.string_;
    case Kind::kStringArray:
      return strings_ == other.strings_;
    case Kind::kObject: {
      // Keys are unique, so equal size plus "every member found and equal" is set equality: JSON
      // objects mean the same whatever order their members were written in.
      if (members_.size() != other.members_.size()) return false;
      for (const Member& m : members_) {
        const Value* o = other.Find(m.first);
        if (o == nullptr || !(*o == m.second)) return false;
      }
      return true;
    }
  }
  return false;
}

namespace {

void Write(const Value& v, core::JsonWriter* w) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      w->Null();
      break;
    case Value::Kind::kBool:
      w->Bool(v.bool_value());
      break;
    case Value::Kind::kNumber:
      w->Double(v.number());
      break;
    case Value::Kind::kString:
      w->String(v.string());
      break;
    case Value::Kind::kStringArray:
      w->BeginArray();
      for (const std::string& s : v.strings()) w->String(s);
      w->EndArray();
      break;
    case Value::Kind::kObject:
      w->BeginObject();
      for (const Value::Member& m : v.members()) {
        w->Key(m.first);
        Write(m.second, w);
      }
      w->EndObject();
      break;
  }
}

std::string Quote(std::string_view s) {
  std::string out;
  core::AppendJsonString(&out, s);
  return out;
}

// The key as the error message names it: "parent.key" inside a nested object.
std::string KeyName(std::string_view parent, std::string_view key) {
  if (parent.empty()) return Quote(key);
  std::string path(parent);
  path += '.';
  path += key;
  return Quote(path);
}

Status CheckKey(std::string_view parent, std::string_view key) {
  if (key.empty()) {
    return Status::InvalidArgument(parent.empty() ? "metadata keys must not be empty"
                                                  : "metadata keys must not be empty (in " +
                                                        Quote(parent) + ")");
  }
  if (!core::IsValidUtf8(key)) {
    return Status::InvalidArgument("metadata key " + KeyName(parent, key) + " is not valid UTF-8");
  }
  if (key.find('.') != std::string_view::npos) {
    return Status::InvalidArgument("metadata key " + KeyName(parent, key) +
                                   " must not contain '.'");
  }
  if (key.find('"') != std::string_view::npos) {
    return Status::InvalidArgument("metadata key " + KeyName(parent, key) +
                                   " must not contain '\"'");
  }
  if (key.front() == '$') {
    return Status::InvalidArgument("metadata key " + KeyName(parent, key) +
                                   " must not start with '$'");
  }
  return Status::OK();
}

Result<Value> ConvertObject(simdjson::dom::object obj, std::string_view parent);

// Converts one member's value; `parent` is empty at the top level.
Result<Value> ConvertValue(simdjson::dom::element e, std::string_view parent,
                           std::string_view key) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::NULL_VALUE:
      return Value();
    case element_type::BOOL:
      return Value::Bool(e.get_bool().value_unsafe());
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: {
      double d = e.get_double().value_unsafe();
      if (!std::isfinite(d)) {
        return Status::InvalidArgument("metadata value of " + KeyName(parent, key) +
                                       " is not a finite number");
      }
      return Value::Number(d);
    }
    case element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      if (!core::IsValidUtf8(s)) {
        return Status::InvalidArgument("metadata value of " + KeyName(parent, key) +
                                       " is not valid UTF-8");
      }
      return Value::String(std::string(s));
    }
    case element_type::ARRAY: {
      std::vector<std::string> items;
      simdjson::dom::array array = e.get_array().value_unsafe();
      for (simdjson::dom::element item : array) {
        if (item.type() != element_type::STRING) {
          return Status::InvalidArgument("metadata value of " + KeyName(parent, key) +
                                         " must be an array of strings");
        }
        std::string_view s = item.get_string().value_unsafe();
        if (!core::IsValidUtf8(s)) {
          return Status::InvalidArgument("metadata value of " + KeyName(parent, key) +
                                         " is not valid UTF-8");
        }
        items.emplace_back(s);
      }
      return Value::StringArray(std::move(items));
    }
    case element_type::OBJECT:
      if (!parent.empty()) {
        return Status::InvalidArgument("metadata value of " + KeyName(parent, key) +
                                       " nests objects too deeply: one nested level is allowed");
      }
      return ConvertObject(e.get_object().value_unsafe(), key);
  }
  return Status::Internal("unknown JSON element type");
}

Result<Value> ConvertObject(simdjson::dom::object obj, std::string_view parent) {
  std::vector<Value::Member> members;
  members.reserve(obj.size());
  std::unordered_set<std::string_view> seen;
  for (simdjson::dom::key_value_pair kv : obj) {
    SEMBLE_RETURN_IF_ERROR(CheckKey(parent, kv.key));
    if (!seen.insert(kv.key).second) {
      return Status::InvalidArgument("metadata key " + KeyName(parent, kv.key) +
                                     " appears more than once");
    }
    SEMBLE_ASSIGN_OR_RETURN(Value v, ConvertValue(kv.value, parent, kv.key));
    members.emplace_back(std::string(kv.key), std::move(v));
  }
  return Value::Object(std::move(members));
}

}  // namespace

Result<Value> ParseMetadata(std::string_view json, size_t max_bytes) {
  // A DOM parser reuses its buffers between documents but must not be shared between threads.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto error = core::ParseJson(parser, json, &root);
  if (error) {
    return Status::InvalidArgument(std::string("metadata is not valid JSON: ") +
                                   simdjson::error_message(error));
  }
  if (root.type() != simdjson::dom::element_type::OBJECT) {
    return Status::InvalidArgument("metadata must be a JSON object");
  }
  SEMBLE_ASSIGN_OR_RETURN(Value value, ConvertObject(root.get_object().value_unsafe(), ""));
  // The limit is on what we store, so that a record's size does not depend on the client's
  // whitespace or number spelling.
  size_t size = ToJson(value).size();
  if (size > max_bytes) {
    return Status::InvalidArgument("metadata is " + std::to_string(size) + " bytes, the limit is " +
                                   std::to_string(max_bytes))
        .WithReason(Status::Reason::kMetadataTooLarge);
  }
  return value;
}

std::string ToJson(const Value& value) {
  core::JsonWriter w;
  Write(value, &w);
  return w.Take();
}

}  // namespace semble::meta
