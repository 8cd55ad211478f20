// Copyright 2026 The semble Authors.
//
// NDJSON inserts (wire/record_json.h): the body of every insert and upsert, and the files the CLI
// reads. Besides never crashing, the parser promises (record_json.h) that the result, errors
// included, does not depend on the number of threads, and that discard mode keeps exactly the lines
// that strict mode accepts; both are checked here.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wire/record_json.h"
#include "fuzz_check.h"

using namespace semble;  // NOLINT: a test's brevity

namespace {

bool SameRecords(const std::vector<VectorRecord>& a, const std::vector<VectorRecord>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].ns != b[i].ns || a[i].metadata_json != b[i].metadata_json ||
        a[i].values != b[i].values || a[i].text != b[i].text || a[i].fields_json != b[i].fields_json) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)wire::ParseRecordJson(text);
  (void)wire::ParseRecordJson(text, /*extensions=*/true);

  auto strict = wire::ParseNdjson(text, false, nullptr);
  size_t discarded = 0;
  auto lenient = wire::ParseNdjson(text, true, &discarded);
  FUZZ_CHECK(lenient.ok(), "discard mode failed: %s", lenient.status().ToString().c_str());
  if (strict.ok()) {
    FUZZ_CHECK(discarded == 0 && SameRecords(*strict, *lenient),
               "discard mode changed a text that strict mode accepts");
  } else {
    FUZZ_CHECK(discarded > 0, "strict mode failed (%s) but discard mode dropped nothing",
               strict.status().ToString().c_str());
  }

  size_t d1 = 0, d2 = 0;
  auto one = wire::ParseNdjson(text, true, &d1, /*extensions=*/true, 1);
  auto two = wire::ParseNdjson(text, true, &d2, /*extensions=*/true, 2);
  FUZZ_CHECK(one.ok() == two.ok() && d1 == d2, "the thread count changed the outcome");
  if (one.ok()) {
    FUZZ_CHECK(SameRecords(*one, *two), "the thread count changed the records");
  }
  return 0;
}
