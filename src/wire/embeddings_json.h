// Copyright 2026 The semble Authors.
//
// OpenAI's embeddings answer, written by the server (/v1/embeddings) and read by the client
// library (RemoteEmbed), in one place:
//   {object: "list", data: [{object: "embedding", index, embedding}], model, usage}
// where embedding is an array of numbers, or with base64 the little-endian float32 bytes in base64
// (what OpenAI's SDKs ask for by default).

#ifndef SEMBLE_SRC_WIRE_EMBEDDINGS_JSON_H_
#define SEMBLE_SRC_WIRE_EMBEDDINGS_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_writer.h"
#include "semble/status.h"

namespace semble::wire {

void WriteOpenAiEmbeddingList(const std::vector<std::vector<float>>& vectors,
                              const std::string& model, uint64_t prompt_tokens, bool base64,
                              core::JsonWriter* w);

// The vectors of such an answer, in `index` order, in either encoding. IOError when the answer
// is not that shape.
Result<std::vector<std::vector<float>>> ParseOpenAiEmbeddingList(std::string_view json);

// The request the client sends: {model, input: [texts], encoding_format: "float"}.
std::string OpenAiEmbeddingsRequestJson(const std::string& model,
                                        const std::vector<std::string>& texts);

}  // namespace semble::wire

#endif  // SEMBLE_SRC_WIRE_EMBEDDINGS_JSON_H_
