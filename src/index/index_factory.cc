// Copyright 2026 The semble Authors.

#include "index/index_factory.h"

#include <cctype>
#include <charconv>

namespace semble::index {

namespace {

bool ParseU32(std::string_view s, uint32_t* out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<IndexSpec> ParseIndexSpec(std::string_view spec, uint32_t dimensions, Metric metric) {
  std::string lower(spec);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  IndexSpec out;
  out.hnsw.dimensions = dimensions;
  out.hnsw.metric = metric;
  if (lower.empty() || lower.back() == ',') {
    return Status::InvalidArgument("index type \"" + lower + "\": empty part");
  }
  std::string_view rest = lower;
  bool first = true;
  bool quantizer_set = false;
  while (!rest.empty() || first) {
    const size_t comma = rest.find(',');
    const std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (first) {
      first = false;
      if (part == "auto") {
        // What the measurements favour at these dimensions (bench/RESULTS.md, "The default
        // model's own vectors"): the lower-bound codes return the same results and pay for their
        // byte per dimension from between 128 and 256 dimensions on.
        if (!rest.empty()) return Status::InvalidArgument("index type \"auto\" takes no options");
        out.kind = IndexSpec::Kind::kHnsw;
        out.hnsw.bound_codes = dimensions >= kAutoBoundCodesFromDimensions;
        break;
      }
      if (part == "flat") {
        out.kind = IndexSpec::Kind::kFlat;
        if (!rest.empty()) return Status::InvalidArgument("index type \"flat\" takes no options");
        return out;
      }
      if (part != "hnsw") {
        return Status::InvalidArgument("unknown index type \"" + std::string(part) +
                                       "\"; expected flat or hnsw");
      }
      out.kind = IndexSpec::Kind::kHnsw;
      continue;
    }
    if (part == "sq8" || part == "bq") {
      if (quantizer_set) return Status::InvalidArgument("index type: two quantizers");
      quantizer_set = true;
      out.hnsw.quantizer = part == "sq8" ? QuantizerKind::kSq8 : QuantizerKind::kBinary;
      continue;
    }
    if (part == "lb8") {
      out.hnsw.bound_codes = true;
      continue;
    }
    const size_t eq = part.find('=');
    uint32_t value = 0;
    if (eq == std::string_view::npos || !ParseU32(part.substr(eq + 1), &value)) {
      return Status::InvalidArgument("index type: bad option \"" + std::string(part) + "\"");
    }
    const std::string_view key = part.substr(0, eq);
    if (key == "m") {
      out.hnsw.m = value;
    } else if (key == "efc") {
      out.hnsw.ef_construction = value;
    } else if (key == "ef") {
      out.hnsw.ef_search = value;
    } else {
      return Status::InvalidArgument("index type: unknown option \"" + std::string(key) + "\"");
    }
  }
  auto check = HnswIndex::Create(out.hnsw);  // validates the ranges in one place
  if (!check.ok()) return check.status();
  return out;
}

std::string IndexSpecString(const IndexSpec& spec) {
  if (spec.kind == IndexSpec::Kind::kFlat) return "flat";
  std::string s = "hnsw,m=" + std::to_string(spec.hnsw.m) +
                  ",efc=" + std::to_string(spec.hnsw.ef_construction) +
                  ",ef=" + std::to_string(spec.hnsw.ef_search);
  if (spec.hnsw.quantizer == QuantizerKind::kSq8) s += ",sq8";
  if (spec.hnsw.quantizer == QuantizerKind::kBinary) s += ",bq";
  if (spec.hnsw.bound_codes) s += ",lb8";
  return s;
}

}  // namespace semble::index
