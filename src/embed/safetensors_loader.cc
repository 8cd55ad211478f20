// Copyright 2026 The semble Authors.

#include "embed/safetensors_loader.h"

#include <simdjson.h>

#include <cstring>

namespace semble::embed {

Result<TensorMap> ParseSafetensors(std::string_view file, const std::string& name) {
  if (file.size() < 8) return Status::Corruption(name + ": too short for a safetensors header");
  uint64_t header_len = 0;
  std::memcpy(&header_len, file.data(), 8);
  if (header_len > file.size() - 8 || header_len > (100u << 20)) {
    return Status::Corruption(name + ": header length " + std::to_string(header_len) +
                              " exceeds the file");
  }
  const std::string_view data = file.substr(8 + header_len);
  namespace dom = simdjson::dom;
  dom::parser parser;
  dom::object header;
  if (parser.parse(simdjson::padded_string(file.substr(8, header_len))).get(header)) {
    return Status::Corruption(name + ": the header is not a JSON object");
  }
  TensorMap out;
  for (auto [key, value] : header) {
    if (key == "__metadata__") continue;
    const std::string tname(key);
    auto bad = [&](const std::string& why) {
      return Status::Corruption(name + ": tensor \"" + tname + "\": " + why);
    };
    std::string_view dtype;
    dom::array shape, offsets;
    if (value["dtype"].get(dtype) || value["shape"].get(shape) ||
        value["data_offsets"].get(offsets)) {
      return bad("dtype, shape or data_offsets missing");
    }
    size_t elem = 0;
    if (dtype == "F32") elem = 4;
    if (dtype == "F16" || dtype == "BF16") elem = 2;
    if (elem == 0) return bad("unsupported dtype " + std::string(dtype));
    Tensor t;
    uint64_t count = 1;
    for (dom::element d : shape) {
      uint64_t v;
      if (d.get(v) || v > (uint64_t{1} << 32)) return bad("bad shape");
      if (v != 0 && count > (uint64_t{1} << 36) / v) return bad("too large");
      count *= v;
      t.dims.push_back(static_cast<int64_t>(v));
    }
    uint64_t begin, end;
    if (offsets.size() != 2 || offsets.at(0).get(begin) || offsets.at(1).get(end)) {
      return bad("bad data_offsets");
    }
    if (begin > end || end > data.size()) {
      return bad("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                 ") run past the end of the file (truncated?)");
    }
    if (end - begin != count * elem) return bad("byte range does not match shape and dtype");
    const char* p = data.data() + begin;
    t.data.resize(count);
    // A tensor may have no elements (a zero in its shape); then data() may be null, and even a
    // zero-byte memcpy from or to null is undefined.
    if (count == 0) {
      // nothing to copy
    } else if (elem == 4) {
      std::memcpy(t.data.data(), p, count * 4);
    } else {
      for (uint64_t i = 0; i < count; ++i) {
        uint16_t hv;
        std::memcpy(&hv, p + 2 * i, 2);
        t.data[i] = dtype == "F16" ? HalfToFloat(hv) : BFloat16ToFloat(hv);
      }
    }
    out[tname] = std::move(t);
  }
  return out;
}

Result<TensorMap> LoadSafetensors(Env* env, const std::string& path) {
  auto file = ReadFileToString(env, path);
  if (!file.ok()) return file.status().WithContext(path);
  return ParseSafetensors(*file, path);
}

}  // namespace semble::embed
