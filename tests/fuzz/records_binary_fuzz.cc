// Copyright 2026 The semble Authors.
//
// Binary records (wire/record_binary.h), the bulk-load body of insert and upsert. Besides never
// crashing or reading past the body: what the parser accepts re-encodes and parses back to the
// same records, bit for bit (values included: NaN payloads, -0), and a body whose flags announce
// exactly the sections the encoder would write is that encoding, byte for byte.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "fuzz_check.h"
#include "wire/record_binary.h"

using namespace semble;  // NOLINT: a test's brevity

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto records = wire::ParseRecordsBinary(body);
  if (!records.ok() || records->empty()) return 0;
  auto again = wire::RecordsBinary(*records);
  FUZZ_CHECK(again.ok(), "accepted records do not encode: %s", again.status().ToString().c_str());
  auto back = wire::ParseRecordsBinary(*again);
  FUZZ_CHECK(back.ok() && back->size() == records->size(), "the encoding does not parse back");
  for (size_t i = 0; i < back->size(); ++i) {
    const VectorRecord &a = (*records)[i], &b = (*back)[i];
    FUZZ_CHECK(a.id == b.id && a.ns == b.ns && a.metadata_json == b.metadata_json &&
                   a.values.size() == b.values.size() &&
                   std::memcmp(a.values.data(), b.values.data(), a.values.size() * 4) == 0,
               "record %zu changed on the round trip", i);
  }
  if (again->substr(16, 4) == body.substr(16, 4)) {
    FUZZ_CHECK(*again == body, "same flags, different bytes");
  }
  return 0;
}
