// Copyright 2026 The semble Authors.
//
// core::ParseJson must accept whatever core::JsonWriter printed: semble reads back its own JSON
// (stored metadata, the CLI's output, a client's echo of a response). Two directions:
// - the input as JSON: if ParseJson accepts it, the document printed by JsonWriter must parse, and
//   printing it again must give the same text (the writer's form is a fixed point);
// - the input as raw material: arbitrary bytes as strings and keys (invalid UTF-8 included) and
//   arbitrary bit patterns as doubles, floats and integers; the printed document must parse, finite
//   numbers must read back to the same value and valid UTF-8 strings unchanged.

#include <simdjson.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/json_parse.h"
#include "core/json_writer.h"
#include "fuzz_check.h"

using namespace semble;  // NOLINT: a test's brevity
namespace dom = simdjson::dom;

namespace {

void Write(dom::element e, core::JsonWriter* w) {
  switch (e.type()) {
    case dom::element_type::ARRAY:
      w->BeginArray();
      for (dom::element child : dom::array(e)) Write(child, w);
      w->EndArray();
      break;
    case dom::element_type::OBJECT:
      w->BeginObject();
      for (dom::key_value_pair kv : dom::object(e)) {
        w->Key(kv.key);
        Write(kv.value, w);
      }
      w->EndObject();
      break;
    case dom::element_type::INT64:
      w->Int(int64_t(e));
      break;
    case dom::element_type::UINT64:
      w->Uint(uint64_t(e));
      break;
    case dom::element_type::DOUBLE:
      w->Double(double(e));
      break;
    case dom::element_type::STRING:
      w->String(std::string_view(e));
      break;
    case dom::element_type::BOOL:
      w->Bool(bool(e));
      break;
    case dom::element_type::NULL_VALUE:
      w->Null();
      break;
  }
}

std::string Print(dom::element root) {
  core::JsonWriter w;
  Write(root, &w);
  return w.Take();
}

// Reads the input front to back as a little program for the writer.
class Source {
 public:
  Source(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t Byte() { return empty() ? 0 : data_[pos_++]; }
  uint64_t Bits(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{Byte()} << (8 * i);
    return v;
  }
  std::string_view Bytes() {
    const size_t n = std::min<size_t>(Byte() % 16, size_ - pos_);
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

void RoundTripInput(std::string_view input) {
  dom::parser parser;
  dom::element root;
  if (core::ParseJson(parser, input, &root) != simdjson::SUCCESS) return;
  const std::string first = Print(root);
  dom::parser parser2;
  dom::element root2;
  const auto error = core::ParseJson(parser2, first, &root2);
  FUZZ_CHECK(error == simdjson::SUCCESS, "ParseJson refuses the writer's %s: %s", first.c_str(),
             simdjson::error_message(error));
  const std::string second = Print(root2);
  FUZZ_CHECK(second == first, "printing is not a fixed point: %s -> %s", first.c_str(),
             second.c_str());
}

bool ValidUtf8(std::string_view s) {
  return simdjson::validate_utf8(s.data(), s.size());
}

void WriteArbitrary(const uint8_t* data, size_t size) {
  Source src(data, size);
  core::JsonWriter w;
  w.BeginArray();
  // What each element should read back as; checked after parsing.
  struct Expect {
    int kind;  // 0 string, 1 double, 2 float, 3 int64, 4 uint64, 5 none (null/bool/key)
    std::string s;
    double d = 0;
    float f = 0;
    int64_t i = 0;
    uint64_t u = 0;
  };
  std::vector<Expect> expect;
  while (!src.empty() && expect.size() < 64) {
    Expect e;
    switch (src.Byte() % 7) {
      case 0:
        e.kind = 0;
        e.s = std::string(src.Bytes());
        w.String(e.s);
        break;
      case 1: {
        e.kind = 1;
        const uint64_t bits = src.Bits(8);
        std::memcpy(&e.d, &bits, 8);
        w.Double(e.d);
        break;
      }
      case 2: {
        e.kind = 2;
        const uint32_t bits = static_cast<uint32_t>(src.Bits(4));
        std::memcpy(&e.f, &bits, 4);
        w.Float(e.f);
        break;
      }
      case 3:
        e.kind = 3;
        e.i = static_cast<int64_t>(src.Bits(8));
        w.Int(e.i);
        break;
      case 4:
        e.kind = 4;
        e.u = src.Bits(8);
        w.Uint(e.u);
        break;
      case 5:
        e.kind = 5;
        w.BeginObject().Key(src.Bytes()).Bool(src.Byte() & 1).EndObject();
        break;
      default:
        e.kind = 5;
        w.Null();
        break;
    }
    expect.push_back(std::move(e));
  }
  w.EndArray();
  const std::string text = w.Take();
  dom::parser parser;
  dom::element root;
  const auto error = core::ParseJson(parser, text, &root);
  FUZZ_CHECK(error == simdjson::SUCCESS, "ParseJson refuses the writer's %s: %s", text.c_str(),
             simdjson::error_message(error));
  dom::array items(root);
  FUZZ_CHECK(items.size() == expect.size(), "%zu elements written, %zu read", expect.size(),
             items.size());
  size_t k = 0;
  for (dom::element item : items) {
    const Expect& e = expect[k++];
    switch (e.kind) {
      case 0:
        if (ValidUtf8(e.s)) {
          FUZZ_CHECK(std::string_view(item) == e.s, "a string changed in %s", text.c_str());
        }
        break;
      case 1:
      case 2: {
        const double want = e.kind == 1 ? e.d : e.f;
        if (!std::isfinite(want)) {
          FUZZ_CHECK(item.is_null(), "a non-finite number is not null in %s", text.c_str());
          break;
        }
        double got;
        FUZZ_CHECK(!item.get(got), "a number does not read as a number in %s", text.c_str());
        if (e.kind == 1) {
          FUZZ_CHECK(got == want, "%.17g read back as %.17g", want, got);
        } else {
          FUZZ_CHECK(static_cast<float>(got) == e.f, "float %.9g read back as %.9g", e.f,
                     static_cast<float>(got));
        }
        break;
      }
      case 3: {
        int64_t got;
        FUZZ_CHECK(!item.get(got) && got == e.i, "int64 changed in %s", text.c_str());
        break;
      }
      case 4: {
        uint64_t got;
        FUZZ_CHECK(!item.get(got) && got == e.u, "uint64 changed in %s", text.c_str());
        break;
      }
      default:
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  RoundTripInput(std::string_view(reinterpret_cast<const char*>(data), size));
  WriteArbitrary(data, size);
  return 0;
}
