// Copyright 2026 The semble Authors.
//
// The small readers every request body shares: one JSON object per body, each field at most once,
// fields this server does not know ignored (as Cloudflare's and OpenAI's APIs do), and messages
// that name the field and what it must be.

#ifndef SEMBLE_SRC_WIRE_JSON_FIELDS_H_
#define SEMBLE_SRC_WIRE_JSON_FIELDS_H_

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "semble/status.h"

namespace semble::wire::fields {

// `"field" must be <expected>` as InvalidArgument.
Status Bad(std::string_view field, std::string_view expected);

// The body as one JSON object. The parser is per thread (the DOM points into it), so the object
// is valid until the same thread parses again; a body over 1 MiB gets a parser of its own, freed
// by the thread's next parse.
Result<simdjson::dom::object> ParseObject(std::string_view body);

// Calls fn(key, value) for each field named in `allowed`, refusing one that appears twice.
Status ForEach(const simdjson::dom::object& obj, std::initializer_list<std::string_view> allowed,
               const std::function<Status(std::string_view, const simdjson::dom::element&)>& fn);

Status GetString(std::string_view key, const simdjson::dom::element& v, std::string* out);
Status GetBool(std::string_view key, const simdjson::dom::element& v, bool* out);
// Integers, also when written as 5.0 (JavaScript clients cannot tell the difference).
Status GetInt64(std::string_view key, const simdjson::dom::element& v, int64_t* out);
Status GetDouble(std::string_view key, const simdjson::dom::element& v, double* out);
Status GetStringArray(std::string_view key, const simdjson::dom::element& v,
                      std::vector<std::string>* out);
// An object whose values are all strings.
Status GetStringMap(std::string_view key, const simdjson::dom::element& v,
                    std::map<std::string, std::string>* out);

}  // namespace semble::wire::fields

#endif  // SEMBLE_SRC_WIRE_JSON_FIELDS_H_
