// Copyright 2026 The semble Authors.
//
// Every request-body parser of the HTTP API (wire/request_json.h) on the same bytes: a body is
// whatever a client sends, so each parser must answer a Status for any input, never crash, and a
// parse that succeeds once must succeed again with the same result (no hidden state).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "wire/request_json.h"

using namespace semble;          // NOLINT: a test's brevity

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)wire::ParseCreateIndex(body);
  auto q = wire::ParseQuery(body);
  if (q.ok()) {
    auto again = wire::ParseQuery(body);
    FUZZ_CHECK(again.ok() && again->request.top_k == q->request.top_k &&
                   again->request.filter_json == q->request.filter_json,
               "wire::ParseQuery is not deterministic");
  }
  (void)wire::ParseMap(body);
  (void)wire::ParseRecommend(body);
  (void)wire::ParseIds(body);
  (void)wire::ParseMetadataIndexCreate(body);
  (void)wire::ParsePropertyName(body);
  (void)wire::ParseAiRun(body);
  (void)wire::ParseOpenAiEmbeddings(body);
  (void)wire::IsVectorsObject(body);
  for (bool discard : {false, true}) {
    size_t discarded = 0;
    auto records = wire::ParseVectorsObject(body, discard, &discarded);
    if (records.ok()) {
      for (const VectorRecord& r : *records) {
        const int given = int{!r.values.empty()} + int{!r.text.empty()} + int{!r.fields_json.empty()};
        FUZZ_CHECK(given == 1, "record \"%s\" has %d of values, text and fields", r.id.c_str(),
                   given);
      }
    }
  }
  return 0;
}
