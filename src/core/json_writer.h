// Copyright 2026 The semble Authors.
//
// A streaming JSON writer. semble writes JSON in three places (normalised metadata, CLI --json
// output, HTTP responses) and always from its own structures, so a DOM library would only add a copy.
// Floats are written in the shortest form that reads back to the same float32 (std::to_chars), so a
// stored 0.1f prints as 0.1 and not as 0.10000000149011612.
//
// The writer inserts commas itself; callers only say what comes next. It does not validate nesting
// beyond what is needed for commas: misuse is a bug in the caller.

#ifndef SEMBLE_SRC_CORE_JSON_WRITER_H_
#define SEMBLE_SRC_CORE_JSON_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace semble::core {

class JsonWriter {
 public:
  JsonWriter() = default;

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Writes an object key; the next call writes its value.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  // Non-finite numbers are written as null: JSON has no NaN or infinity.
  JsonWriter& Double(double v);
  JsonWriter& Float(float v);
  // [v[0],v[1],...] as n calls of Float would write it, composed in place: an embedding answer
  // is hundreds of floats, and per-value bookkeeping and appends cost as much as the digits.
  JsonWriter& FloatArray(const float* v, size_t n);
  JsonWriter& Int(int64_t v);
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Inserts already-serialised JSON text as one value.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open container: true once it holds an element (so the next needs a comma).
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

// Appends s to *out as a JSON string literal, quotes included. The output is always valid JSON:
// a byte that does not start a well-formed UTF-8 sequence is written as \ufffd (callers that must
// not alter text, such as ids and metadata, validate UTF-8 before accepting it).
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_JSON_WRITER_H_
