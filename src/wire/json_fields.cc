// Copyright 2026 The semble Authors.

#include "wire/json_fields.h"

#include <cmath>
#include <memory>
#include <set>

#include "core/json_parse.h"

namespace semble::wire::fields {

using simdjson::dom::element;
using simdjson::dom::object;

Status Bad(std::string_view field, std::string_view expected) {
  return Status::InvalidArgument("\"" + std::string(field) + "\" must be " +
                                 std::string(expected));
}

Result<object> ParseObject(std::string_view body) {
  // Small bodies use a parser per thread, whose buffers the next request on the same worker
  // reuses; a large one gets a parser of its own, freed with the next parse, so that one big body
  // does not pin its size in memory on every worker thread.
  constexpr size_t kReusedParserBytes = 1u << 20;
  thread_local simdjson::dom::parser small_parser;
  thread_local std::unique_ptr<simdjson::dom::parser> large_parser;
  simdjson::dom::parser* parser = &small_parser;
  if (body.size() > kReusedParserBytes) {
    large_parser = std::make_unique<simdjson::dom::parser>();  // the previous one is freed here
    parser = large_parser.get();
  } else {
    large_parser.reset();
  }
  element root;
  if (auto err = core::ParseJson(*parser, body, &root)) {
    return Status::InvalidArgument(std::string("the body is not valid JSON: ") +
                                   simdjson::error_message(err));
  }
  object obj;
  if (root.get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("the body must be a JSON object");
  }
  return obj;
}

Status ForEach(const object& obj, std::initializer_list<std::string_view> allowed,
               const std::function<Status(std::string_view, const element&)>& fn) {
  std::set<std::string_view> seen;
  for (auto field : obj) {
    const std::string_view key = field.key;
    bool known = false;
    for (std::string_view a : allowed) known |= a == key;
    // Fields this server does not know are ignored, as Cloudflare's and OpenAI's APIs do: a
    // newer client that sends one more field must keep working.
    if (!known) continue;
    if (!seen.insert(key).second) {
      return Status::InvalidArgument("field \"" + std::string(key) + "\" appears more than once");
    }
    SEMBLE_RETURN_IF_ERROR(fn(key, field.value));
  }
  return Status::OK();
}

Status GetString(std::string_view key, const element& v, std::string* out) {
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS) return Bad(key, "a string");
  out->assign(s);
  return Status::OK();
}

Status GetBool(std::string_view key, const element& v, bool* out) {
  if (v.get(*out) != simdjson::SUCCESS) return Bad(key, "a boolean");
  return Status::OK();
}

Status GetInt64(std::string_view key, const element& v, int64_t* out) {
  if (v.get(*out) == simdjson::SUCCESS) return Status::OK();
  double d;
  if (v.get(d) == simdjson::SUCCESS && std::floor(d) == d && std::fabs(d) < 9e15) {
    *out = static_cast<int64_t>(d);
    return Status::OK();
  }
  return Bad(key, "an integer");
}

Status GetDouble(std::string_view key, const element& v, double* out) {
  if (v.get(*out) != simdjson::SUCCESS || !std::isfinite(*out)) return Bad(key, "a number");
  return Status::OK();
}

Status GetStringArray(std::string_view key, const element& v, std::vector<std::string>* out) {
  simdjson::dom::array arr;
  if (v.get(arr) != simdjson::SUCCESS) return Bad(key, "an array of strings");
  for (element x : arr) {
    std::string_view s;
    if (x.get(s) != simdjson::SUCCESS) return Bad(key, "an array of strings");
    out->emplace_back(s);
  }
  return Status::OK();
}

Status GetStringMap(std::string_view key, const element& v,
                    std::map<std::string, std::string>* out) {
  object obj;
  if (v.get(obj) != simdjson::SUCCESS) return Bad(key, "an object of strings");
  for (auto field : obj) {
    std::string_view s;
    if (field.value.get(s) != simdjson::SUCCESS) return Bad(key, "an object of strings");
    if (!out->emplace(std::string(field.key), std::string(s)).second) {
      return Status::InvalidArgument("\"" + std::string(key) + "\" names \"" +
                                     std::string(field.key) + "\" twice");
    }
  }
  return Status::OK();
}

}  // namespace semble::wire::fields
