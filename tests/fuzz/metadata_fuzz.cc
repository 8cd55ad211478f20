// Copyright 2026 The semble Authors.
//
// Record metadata (meta/value.h) and its round trip. Accepted metadata is stored as ToJson's text
// and parsed again on every recovery (db/mutation.cc): text that ParseMetadata accepted once but
// refuses after ToJson would make the record's metadata unreadable after a restart. So whatever
// ParseMetadata accepts must, printed, parse again under the same limit, compare equal and print
// the same text.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "meta/value.h"

using namespace semble;  // NOLINT: a test's brevity

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr size_t kMaxMetadataBytes = 10 * 1024;  // the server's limit (semble/options.h)
  auto value = meta::ParseMetadata(input, kMaxMetadataBytes);
  if (!value.ok()) return 0;
  const std::string text = meta::ToJson(*value);
  auto again = meta::ParseMetadata(text, kMaxMetadataBytes);
  FUZZ_CHECK(again.ok(), "ParseMetadata refuses its own output %s: %s", text.c_str(),
             again.status().ToString().c_str());
  FUZZ_CHECK(*again == *value, "the round trip changed the value: %s", text.c_str());
  const std::string text2 = meta::ToJson(*again);
  FUZZ_CHECK(text2 == text, "the round trip changed the text: %s -> %s", text.c_str(),
             text2.c_str());
  return 0;
}
