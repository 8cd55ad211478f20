// Copyright 2026 The semble Authors.

#include "wire/embeddings_json.h"

#include <simdjson.h>

#include <cstring>

#include "core/base64.h"
#include "core/json_parse.h"

namespace semble::wire {

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
      w->String(core::Base64(v.data(), v.size() * sizeof(float)));
    } else {
      w->FloatArray(v.data(), v.size());
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
      if (!core::Unbase64(text, &bytes) || bytes.size() % sizeof(float) != 0) return bad;
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
