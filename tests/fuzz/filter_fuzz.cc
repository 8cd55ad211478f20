// Copyright 2026 The semble Authors.
//
// Query filters (meta/filter.h) evaluated against record metadata (meta/value.h). The input is
// "<filter JSON>\n<metadata JSON>": both come from clients (a query body and an insert), so
// parsing must answer a Status for anything, and evaluation must terminate for any pair. The
// evaluation is also checked against the filter language's own algebra: {"$not": F} matches exactly
// the records F does not, and {"$and": [F, F]} / {"$or": [F, F]} match exactly those F does.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "meta/filter.h"
#include "meta/value.h"

using namespace semble;  // NOLINT: a test's brevity

namespace {

// The server's limits (semble/options.h): what a client can reach.
constexpr size_t kMaxFilterBytes = 2048;
constexpr size_t kMaxMetadataBytes = 10 * 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string_view filter_json = input.substr(0, nl);
  const std::string_view metadata_json =
      nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

  auto filter = meta::Filter::Parse(filter_json, kMaxFilterBytes);
  meta::Value metadata;  // null: a record without metadata
  if (!metadata_json.empty()) {
    auto parsed = meta::ParseMetadata(metadata_json, kMaxMetadataBytes);
    if (parsed.ok()) metadata = std::move(parsed).value();
  }
  if (!filter.ok()) return 0;
  const bool matches = filter->Matches(metadata);

  // Wrapped forms get a larger limit: the wrapping adds bytes the client did not send.
  const std::string f(filter_json);
  auto negated = meta::Filter::Parse("{\"$not\":" + f + "}", SIZE_MAX);
  if (negated.ok()) {
    FUZZ_CHECK(negated->Matches(metadata) == !matches, "$not does not negate");
  }
  for (const char* op : {"$and", "$or"}) {
    auto doubled = meta::Filter::Parse("{\"" + std::string(op) + "\":[" + f + "," + f + "]}", SIZE_MAX);
    if (doubled.ok()) {
      FUZZ_CHECK(doubled->Matches(metadata) == matches, "%s of a filter with itself differs", op);
    }
  }
  return 0;
}
