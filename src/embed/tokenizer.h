// Copyright 2026 The semble Authors.
//
// Tokenizer: text to the token ids a model reads. An interface so that the BERT WordPiece tokenizer
// (wordpiece_tokenizer.h) and, later, SentencePiece (the multilingual XLM-R path) are used alike.

#ifndef SEMBLE_SRC_EMBED_TOKENIZER_H_
#define SEMBLE_SRC_EMBED_TOKENIZER_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "semble/status.h"

namespace semble::embed {

struct EncodeOptions {
  // Longest id sequence, special tokens included; 0 means no limit.
  size_t max_length = 512;
  // Past max_length: true keeps the first max_length - 2 word pieces between [CLS] and [SEP] (the
  // rule of HF tokenizers' "longest_first" for one text); false returns InvalidArgument.
  bool truncate = true;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // The ids of `text` with the model's special tokens around them. Invalid UTF-8 is read as U+FFFD.
  virtual Result<std::vector<int32_t>> Encode(std::string_view text,
                                              const EncodeOptions& options) const = 0;
  virtual size_t vocab_size() const = 0;
};

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_TOKENIZER_H_
