// Copyright 2026 The semble Authors.

#include "wire/embeddings_json.h"

#include <simdjson.h>

#include <cstring>

#include "core/json_parse.h"

namespace semble::wire {
namespace {

std::string Base64(const void* data, size_t n) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < n; i += 3) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < n) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (i + 1 < n ? uint32_t{p[i + 1]} << 8 : 0);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// The inverse of Base64; false on a character outside the alphabet or a bad length.
bool Unbase64(std::string_view in, std::string* out) {
  if (in.size() % 4 != 0) return false;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = in[i + k];
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else if (pad > 0 || (v[k] = value(c)) < 0) {
        return false;
      }
    }
    const uint32_t n =
        (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | v[3];
    out->push_back(static_cast<char>(n >> 16));
    if (pad < 2) out->push_back(static_cast<char>((n >> 8) & 255));
    if (pad < 1) out->push_back(static_cast<char>(n & 255));
  }
  return true;
}

}  // namespace

void WriteOpenAiEmbeddingList(const std::vector<std::vector<float>>& vectors,
                              const std::string& model, uint64_t prompt_tokens, bool base64,
                              core::JsonWriter* w) {
  w->BeginObject();
  w->Key("object").String("list");
  w->Key("data").BeginArray();
  for (size_t i = 0; i < vectors.size(); ++i) {
    const std::vector<float>& v = vectors[i];
    w->BeginObject().Key("object").String("embedding").Key("index").Uint(i);
    w->Key("embedding");
    if (base64) {
      // Little-endian float32 bytes, as OpenAI sends them (x86-64 is little-endian).
      w->String(Base64(v.data(), v.size() * sizeof(float)));
    } else {
      w->BeginArray();
      for (float x : v) w->Float(x);
      w->EndArray();
    }
    w->EndObject();
  }
  w->EndArray();
  w->Key("model").String(model);
  w->Key("usage").BeginObject().Key("prompt_tokens").Uint(prompt_tokens);
  w->Key("total_tokens").Uint(prompt_tokens).EndObject();
  w->EndObject();
}

Result<std::vector<std::vector<float>>> ParseOpenAiEmbeddingList(std::string_view json) {
  const Status bad = Status::IOError("the server's answer is not an OpenAI embedding list");
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (core::ParseJson(parser, json, &root) != simdjson::SUCCESS) return bad;
  simdjson::dom::array data;
  if (root["data"].get(data) != simdjson::SUCCESS) return bad;
  std::vector<std::vector<float>> out(data.size());
  std::vector<bool> seen(data.size(), false);
  for (simdjson::dom::element item : data) {
    uint64_t index = 0;
    if (item["index"].get(index) != simdjson::SUCCESS || index >= out.size() || seen[index]) {
      return bad;
    }
    seen[index] = true;
    std::vector<float>& v = out[index];
    simdjson::dom::element embedding;
    if (item["embedding"].get(embedding) != simdjson::SUCCESS) return bad;
    std::string_view text;
    simdjson::dom::array values;
    if (embedding.get(text) == simdjson::SUCCESS) {
      std::string bytes;
      if (!Unbase64(text, &bytes) || bytes.size() % sizeof(float) != 0) return bad;
      v.resize(bytes.size() / sizeof(float));
      std::memcpy(v.data(), bytes.data(), bytes.size());
    } else if (embedding.get(values) == simdjson::SUCCESS) {
      for (simdjson::dom::element x : values) {
        double d = 0;
        if (x.get(d) != simdjson::SUCCESS) return bad;
        v.push_back(static_cast<float>(d));
      }
    } else {
      return bad;
    }
  }
  return out;
}

std::string OpenAiEmbeddingsRequestJson(const std::string& model,
                                        const std::vector<std::string>& texts) {
  core::JsonWriter w;
  w.BeginObject().Key("model").String(model).Key("input").BeginArray();
  for (const std::string& t : texts) w.String(t);
  w.EndArray().Key("encoding_format").String("float").EndObject();
  return w.Take();
}

}  // namespace semble::wire
