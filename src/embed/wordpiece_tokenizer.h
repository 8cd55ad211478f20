// Copyright 2026 The semble Authors.
//
// The BERT WordPiece tokenizer, built to give the same ids as Hugging Face's tokenizers (checked
// against transformers.js in tests/embed): added (special) tokens are split out first; the rest is
// normalized (BertNormalizer: drop NUL, U+FFFD and control characters and turn whitespace into
// spaces; space out CJK ideographs; lowercase with full Unicode case mapping; NFD and drop Mn),
// split on whitespace and punctuation (BertPreTokenizer), and each word is split greedily into the
// longest vocabulary pieces ("##" marks continuations); a word longer than 100 characters, or one
// that cannot be split, becomes [UNK].

#ifndef SEMBLE_SRC_EMBED_WORDPIECE_TOKENIZER_H_
#define SEMBLE_SRC_EMBED_WORDPIECE_TOKENIZER_H_

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "embed/tokenizer.h"

namespace semble::embed {

struct WordPieceConfig {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool lowercase = true;
  bool strip_accents = true;
  std::string continuing_prefix = "##";
  size_t max_input_chars_per_word = 100;
};

class WordPieceTokenizer final : public Tokenizer {
 public:
  // From a Hugging Face tokenizer.json (model type WordPiece, BertNormalizer).
  static Result<std::unique_ptr<WordPieceTokenizer>> FromTokenizerJson(std::string_view json);
  // From a BERT vocab.txt (one piece per line, id = line number).
  static Result<std::unique_ptr<WordPieceTokenizer>> FromVocabTxt(std::string_view vocab,
                                                                  const WordPieceConfig& config);

  Result<std::vector<int32_t>> Encode(std::string_view text,
                                      const EncodeOptions& options) const override;
  // One past the largest id the tokenizer can return: the rows a model's embedding table needs.
  // Not the number of pieces: a vocab.txt with a repeated line, or a tokenizer.json with gaps in its
  // ids, has fewer pieces than ids, and the model check in embedder.cc must see the largest.
  size_t vocab_size() const override { return id_space_; }

  // The normalized text and the words of one section (no special tokens): for tests and debugging.
  std::u32string Normalize(std::u32string_view text) const;

 private:
  WordPieceTokenizer() = default;
  Status Finish();  // checks the special tokens and indexes the vocabulary
  void EncodeSection(std::u32string_view section, std::vector<int32_t>* ids) const;
  void EncodeWord(std::u32string_view word, std::vector<int32_t>* ids) const;

  WordPieceConfig config_;
  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::pair<std::u32string, int32_t>> added_;  // split out before normalization
  size_t max_piece_chars_ = 0;
  size_t id_space_ = 0;
  int32_t unk_id_ = -1, cls_id_ = -1, sep_id_ = -1;
};

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_WORDPIECE_TOKENIZER_H_
