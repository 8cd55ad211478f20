// Copyright 2026 The semble Authors.

#include "core/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/utf8.h"

namespace semble::core {

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out->append("\\ufffd");  // JSON text must be UTF-8: a stray byte becomes U+FFFD
        ++i;
      } else {
        out->append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xf]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out->push_back('"');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_element_.empty()) {
    if (has_element_.back()) out_.push_back(',');
    has_element_.back() = true;
  }
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  has_element_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_.push_back('}');
  has_element_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  has_element_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_.push_back(']');
  has_element_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendJsonString(&out_, key);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  BeforeValue();
  AppendJsonString(&out_, s);
  return *this;
}

namespace {

// Room for any number FormatNumber writes; the longest is 25 characters: a sign, "0.", 5 zeros
// and a double's 17 digits.
constexpr size_t kMaxNumberChars = 32;

// Shortest round-trip digits, laid out as JavaScript's Number.prototype.toString does (ECMA-262
// Number::toString): plain digits for 1e-7 <= |v| < 1e21 (100000, not 1e+05; 5e19 as
// 50000000000000000000), exponent form outside (1.5e-8, 1e+21), and -0 as 0. Integers of 2^64 and
// more thus print as long integer literals; core::ParseJson reads them back.
//
// Writes the text at o (at most kMaxNumberChars) and returns its end: an embedding answer prints
// hundreds of floats, and a temporary string, from_chars and per-character appends per number cost
// as much as the conversion itself.
template <typename T>
char* FormatNumber(char* o, T v) {
  if (v == 0) {
    *o++ = '0';
    return o;
  }
  // The shortest digits and the decimal exponent, from to_chars' scientific form "d.ddde+XX".
  char sci[48];
  const char* const end =
      std::to_chars(sci, sci + sizeof(sci), v, std::chars_format::scientific).ptr;
  const char* p = sci;
  if (*p == '-') {
    *o++ = '-';
    ++p;
  }
  char digits[24];  // at most 17 (double)
  int k = 0;
  digits[k++] = *p++;
  if (*p == '.') {
    for (++p; *p != 'e'; ++p) digits[k++] = *p;
  }
  ++p;  // 'e'
  const bool negative_exponent = *p++ == '-';
  int exp10 = 0;
  for (; p < end; ++p) exp10 = exp10 * 10 + (*p - '0');
  if (negative_exponent) exp10 = -exp10;
  const int n = exp10 + 1;  // v = 0.digits x 10^n
  auto copy = [&](int from, int to) {
    for (int i = from; i < to; ++i) *o++ = digits[i];
  };
  auto zeros = [&](int count) {
    for (int i = 0; i < count; ++i) *o++ = '0';
  };
  if (k <= n && n <= 21) {
    copy(0, k);
    zeros(n - k);
  } else if (0 < n && n <= 21) {
    copy(0, n);
    *o++ = '.';
    copy(n, k);
  } else if (-6 < n && n <= 0) {
    *o++ = '0';
    *o++ = '.';
    zeros(-n);
    copy(0, k);
  } else {
    *o++ = digits[0];
    if (k > 1) {
      *o++ = '.';
      copy(1, k);
    }
    *o++ = 'e';
    *o++ = n - 1 < 0 ? '-' : '+';
    o = std::to_chars(o, o + 4, std::abs(n - 1)).ptr;
  }
  return o;
}

template <typename T>
void AppendNumber(std::string* out, T v) {
  char text[kMaxNumberChars];
  out->append(text, static_cast<size_t>(FormatNumber(text, v) - text));
}

}  // namespace

JsonWriter& JsonWriter::Double(double v) {
  if (!std::isfinite(v)) return Null();
  BeforeValue();
  AppendNumber(&out_, v);
  return *this;
}

JsonWriter& JsonWriter::Float(float v) {
  if (!std::isfinite(v)) return Null();
  BeforeValue();
  AppendNumber(&out_, v);
  return *this;
}

JsonWriter& JsonWriter::FloatArray(const float* v, size_t n) {
  BeforeValue();
  // Room for the worst case, cut back to what was written.
  const size_t at = out_.size();
  out_.resize(at + 2 + n * (kMaxNumberChars + 1));
  char* const begin = out_.data() + at;
  char* o = begin;
  *o++ = '[';
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) *o++ = ',';
    if (std::isfinite(v[i])) {
      o = FormatNumber(o, v[i]);
    } else {
      std::memcpy(o, "null", 4);  // as Float writes it
      o += 4;
    }
  }
  *o++ = ']';
  out_.resize(at + static_cast<size_t>(o - begin));
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  BeforeValue();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::Uint(uint64_t v) {
  BeforeValue();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool v) {
  BeforeValue();
  out_.append(v ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_.append("null");
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_.append(json);
  return *this;
}

}  // namespace semble::core
