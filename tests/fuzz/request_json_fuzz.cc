// Copyright 2026 The semble Authors.
//
// Every request-body parser of the HTTP API (server/request_json.h) on the same bytes: a body is
// whatever a client sends, so each parser must answer a Status for any input, never crash, and a
// parse that succeeds once must succeed again with the same result (no hidden state).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "server/request_json.h"

using namespace semble;          // NOLINT: a test's brevity
using namespace semble::server;  // NOLINT

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)ParseCreateIndex(body);
  auto q = ParseQuery(body);
  if (q.ok()) {
    auto again = ParseQuery(body);
    FUZZ_CHECK(again.ok() && again->request.top_k == q->request.top_k &&
                   again->request.filter_json == q->request.filter_json,
               "ParseQuery is not deterministic");
  }
  (void)ParseMap(body);
  (void)ParseRecommend(body);
  (void)ParseIds(body);
  (void)ParseMetadataIndexCreate(body);
  (void)ParsePropertyName(body);
  (void)ParseAiRun(body);
  (void)ParseOpenAiEmbeddings(body);
  (void)IsVectorsObject(body);
  for (bool discard : {false, true}) {
    size_t discarded = 0;
    auto records = ParseVectorsObject(body, discard, &discarded);
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
