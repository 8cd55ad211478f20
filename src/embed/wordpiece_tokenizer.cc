// Copyright 2026 The semble Authors.
//
// Each rule below follows what the reference tokenizer does, including its quirks, because the
// contract is "the same ids": for instance the CJK test looks at UTF-16 code units in the reference
// (so ideographs outside the BMP are not spaced out), and lowercasing is JavaScript's full Unicode
// mapping (İ becomes i + U+0307, a word-final Σ becomes ς).

#include "embed/wordpiece_tokenizer.h"

#include <simdjson.h>
#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>

namespace semble::embed {
namespace {

std::u32string DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {  // invalid byte: one replacement character per byte, as a decoder would
      cp = 0xFFFD;
      n = 1;
    }
    out.push_back(static_cast<char32_t>(cp));
    p += n;
    left -= n;
  }
  return out;
}

void AppendUtf8(char32_t cp, std::string* out) {
  utf8proc_uint8_t buf[4];
  const utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buf);
  out->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

std::string EncodeUtf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) AppendUtf8(c, &out);
  return out;
}

utf8proc_category_t Category(char32_t c) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(c));
}

// JavaScript's \s: WhiteSpace and LineTerminator.
bool IsJsWhitespace(char32_t c) {
  switch (c) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

// Cc, Cf, Co, Cs — but tab, newline and carriage return are whitespace, not control.
bool IsControl(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  if (c >= 0xD800 && c <= 0xDFFF) return true;  // lone surrogates (Cs)
  const utf8proc_category_t cat = Category(c);
  return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
         cat == UTF8PROC_CATEGORY_CO || cat == UTF8PROC_CATEGORY_CS;
}

bool IsChineseChar(char32_t c) {
  // Only BMP ranges: the reference tests UTF-16 code units, so supplementary ideographs never
  // match.
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0xF900 && c <= 0xFAFF);
}

bool IsPunctuation(char32_t c) {
  if ((c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
      (c >= 0x7B && c <= 0x7E)) {
    return true;
  }
  switch (Category(c)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return true;
    default:
      return false;
  }
}

bool IsCased(char32_t c) {
  const utf8proc_category_t cat = Category(c);
  return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT;
}

bool IsCaseIgnorable(char32_t c) {
  switch (c) {
    case 0x27:
    case 0x2E:
    case 0x3A:
    case 0x5E:
    case 0x60:
    case 0xA8:
    case 0xAD:
    case 0xAF:
    case 0xB4:
    case 0xB7:
    case 0xB8:
    case 0x2018:
    case 0x2019:
    case 0x2024:
    case 0x2027:
      return true;
    default:
      break;
  }
  const utf8proc_category_t cat = Category(c);
  return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_ME ||
         cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_LM || cat == UTF8PROC_CATEGORY_SK;
}

// Unicode's Final_Sigma condition at position i.
bool IsFinalSigma(std::u32string_view s, size_t i) {
  size_t j = i;
  bool before = false;
  while (j > 0) {
    const char32_t c = s[--j];
    if (IsCaseIgnorable(c)) continue;
    before = IsCased(c);
    break;
  }
  if (!before) return false;
  for (size_t k = i + 1; k < s.size(); ++k) {
    if (IsCaseIgnorable(s[k])) continue;
    return !IsCased(s[k]);
  }
  return true;
}

// String.prototype.toLowerCase: the simple mappings plus SpecialCasing's unconditional İ and the
// Final_Sigma rule.
std::u32string ToLower(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (c < 0x80) {
      out.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
    } else if (c == 0x130) {
      out.push_back(U'i');
      out.push_back(0x307);
    } else if (c == 0x3A3) {
      out.push_back(IsFinalSigma(s, i) ? 0x3C2 : 0x3C3);
    } else {
      out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    }
  }
  return out;
}

std::u32string StripAccents(std::u32string_view s) {
  const std::string utf8 = EncodeUtf8(s);
  utf8proc_uint8_t* nfd = utf8proc_NFD(reinterpret_cast<const utf8proc_uint8_t*>(utf8.c_str()));
  if (nfd == nullptr) return std::u32string(s);
  std::u32string decomposed = DecodeUtf8(reinterpret_cast<const char*>(nfd));
  std::free(nfd);
  std::u32string out;
  out.reserve(decomposed.size());
  for (char32_t c : decomposed) {
    if (Category(c) != UTF8PROC_CATEGORY_MN) out.push_back(c);
  }
  return out;
}

}  // namespace

std::u32string WordPieceTokenizer::Normalize(std::u32string_view text) const {
  std::u32string s;
  s.reserve(text.size());
  for (char32_t c : text) {
    if (config_.clean_text) {
      if (c == 0 || c == 0xFFFD || IsControl(c)) continue;
      if (IsJsWhitespace(c)) c = U' ';
    }
    if (config_.handle_chinese_chars && IsChineseChar(c)) {
      s.push_back(U' ');
      s.push_back(c);
      s.push_back(U' ');
    } else {
      s.push_back(c);
    }
  }
  if (config_.lowercase) s = ToLower(s);
  if (config_.strip_accents) s = StripAccents(s);
  return s;
}

void WordPieceTokenizer::EncodeWord(std::u32string_view word, std::vector<int32_t>* ids) const {
  if (word.size() > config_.max_input_chars_per_word) {
    ids->push_back(unk_id_);
    return;
  }
  const size_t first = ids->size();
  std::string piece;
  size_t start = 0;
  while (start < word.size()) {
    size_t end = std::min(word.size(), start + max_piece_chars_);
    int32_t found = -1;
    while (start < end) {
      piece.clear();
      if (start > 0) piece = config_.continuing_prefix;
      for (size_t i = start; i < end; ++i) AppendUtf8(word[i], &piece);
      auto it = vocab_.find(piece);
      if (it != vocab_.end()) {
        found = it->second;
        break;
      }
      --end;
    }
    if (found < 0) {
      ids->resize(first);
      ids->push_back(unk_id_);
      return;
    }
    ids->push_back(found);
    start = end;
  }
}

void WordPieceTokenizer::EncodeSection(std::u32string_view section,
                                       std::vector<int32_t>* ids) const {
  const std::u32string norm = Normalize(section);
  // BertPreTokenizer: runs of non-space non-punctuation characters, and single punctuation marks.
  size_t i = 0;
  while (i < norm.size()) {
    const char32_t c = norm[i];
    if (IsJsWhitespace(c)) {
      ++i;
    } else if (IsPunctuation(c)) {
      EncodeWord(std::u32string_view(norm).substr(i, 1), ids);
      ++i;
    } else {
      size_t j = i;
      while (j < norm.size() && !IsJsWhitespace(norm[j]) && !IsPunctuation(norm[j])) ++j;
      EncodeWord(std::u32string_view(norm).substr(i, j - i), ids);
      i = j;
    }
  }
}

Result<std::vector<int32_t>> WordPieceTokenizer::Encode(std::string_view text,
                                                        const EncodeOptions& options) const {
  const std::u32string s = DecodeUtf8(text);
  std::vector<int32_t> ids;
  ids.push_back(cls_id_);
  // Added tokens are matched on the raw text (longest first) and never normalized.
  size_t start = 0, i = 0;
  while (i < s.size()) {
    const std::pair<std::u32string, int32_t>* match = nullptr;
    for (const auto& added : added_) {
      if (s.compare(i, added.first.size(), added.first) == 0 &&
          (match == nullptr || added.first.size() > match->first.size())) {
        match = &added;
      }
    }
    if (match == nullptr) {
      ++i;
      continue;
    }
    if (i > start) EncodeSection(std::u32string_view(s).substr(start, i - start), &ids);
    ids.push_back(match->second);
    i += match->first.size();
    start = i;
  }
  if (start < s.size()) EncodeSection(std::u32string_view(s).substr(start), &ids);
  ids.push_back(sep_id_);
  if (options.max_length != 0 && ids.size() > options.max_length) {
    if (!options.truncate || options.max_length < 2) {
      return Status::InvalidArgument("text has " + std::to_string(ids.size()) +
                                     " tokens, the model reads at most " +
                                     std::to_string(options.max_length));
    }
    ids.resize(options.max_length - 1);
    ids.push_back(sep_id_);
  }
  return ids;
}

Status WordPieceTokenizer::Finish() {
  auto id = [&](const char* token) {
    auto it = vocab_.find(token);
    return it == vocab_.end() ? -1 : it->second;
  };
  if (unk_id_ < 0) unk_id_ = id("[UNK]");
  if (cls_id_ < 0) cls_id_ = id("[CLS]");
  if (sep_id_ < 0) sep_id_ = id("[SEP]");
  if (unk_id_ < 0 || cls_id_ < 0 || sep_id_ < 0) {
    return Status::Corruption("tokenizer: the vocabulary lacks [UNK], [CLS] or [SEP]");
  }
  if (added_.empty()) {
    for (const char* t : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
      if (id(t) >= 0) added_.emplace_back(DecodeUtf8(t), id(t));
    }
  }
  id_space_ = 0;
  for (const auto& [unused, i] : vocab_) id_space_ = std::max(id_space_, static_cast<size_t>(i) + 1);
  for (const auto& [unused, i] : added_) id_space_ = std::max(id_space_, static_cast<size_t>(i) + 1);
  for (int32_t i : {cls_id_, sep_id_}) id_space_ = std::max(id_space_, static_cast<size_t>(i) + 1);
  // In characters, as EncodeWord counts: a prefix of multi-byte characters ("\u2581") must not be
  // subtracted in bytes, or the bound wraps around and every continuation becomes [UNK].
  const size_t prefix_chars = DecodeUtf8(config_.continuing_prefix).size();
  max_piece_chars_ = 1;
  for (const auto& [piece, unused] : vocab_) {
    size_t n = DecodeUtf8(piece).size();
    if (piece.starts_with(config_.continuing_prefix)) n -= prefix_chars;
    max_piece_chars_ = std::max(max_piece_chars_, n);
  }
  return Status::OK();
}

Result<std::unique_ptr<WordPieceTokenizer>> WordPieceTokenizer::FromVocabTxt(
    std::string_view vocab, const WordPieceConfig& config) {
  std::unique_ptr<WordPieceTokenizer> t(new WordPieceTokenizer());
  t->config_ = config;
  int32_t next = 0;
  size_t pos = 0;
  while (pos < vocab.size()) {
    size_t nl = vocab.find('\n', pos);
    if (nl == std::string_view::npos) nl = vocab.size();
    std::string_view line = vocab.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    t->vocab_.emplace(std::string(line), next++);
    pos = nl + 1;
  }
  if (t->vocab_.empty()) return Status::Corruption("vocab.txt is empty");
  SEMBLE_RETURN_IF_ERROR(t->Finish());
  return t;
}

Result<std::unique_ptr<WordPieceTokenizer>> WordPieceTokenizer::FromTokenizerJson(
    std::string_view json) {
  namespace dom = simdjson::dom;
  dom::parser parser;
  dom::element doc;
  if (parser.parse(simdjson::padded_string(json)).get(doc) != simdjson::SUCCESS) {
    return Status::Corruption("tokenizer.json is not valid JSON");
  }
  std::unique_ptr<WordPieceTokenizer> t(new WordPieceTokenizer());
  dom::element model;
  std::string_view type;
  if (doc["model"].get(model) != simdjson::SUCCESS || model["type"].get(type) ||
      type != "WordPiece") {
    return Status::InvalidArgument("tokenizer.json: only WordPiece models are supported");
  }
  dom::element norm;
  if (doc["normalizer"].get(norm) == simdjson::SUCCESS && !norm.is_null()) {
    if (norm["type"].get(type) || type != "BertNormalizer") {
      return Status::InvalidArgument("tokenizer.json: only the BertNormalizer is supported");
    }
    bool b;
    if (!norm["clean_text"].get(b)) t->config_.clean_text = b;
    if (!norm["handle_chinese_chars"].get(b)) t->config_.handle_chinese_chars = b;
    if (!norm["lowercase"].get(b)) t->config_.lowercase = b;
    // strip_accents null means "as lowercase".
    t->config_.strip_accents = t->config_.lowercase;
    if (!norm["strip_accents"].get(b)) t->config_.strip_accents = b;
  }
  std::string_view prefix;
  if (!model["continuing_subword_prefix"].get(prefix)) t->config_.continuing_prefix = prefix;
  uint64_t max_chars;
  if (!model["max_input_chars_per_word"].get(max_chars)) {
    t->config_.max_input_chars_per_word = max_chars;
  }
  dom::object vocab;
  if (model["vocab"].get(vocab)) return Status::Corruption("tokenizer.json: model.vocab missing");
  for (auto [key, value] : vocab) {
    int64_t id;
    if (value.get(id) || id < 0 || id > INT32_MAX) {
      return Status::Corruption("tokenizer.json: bad id for \"" + std::string(key) + "\"");
    }
    t->vocab_.emplace(std::string(key), static_cast<int32_t>(id));
  }
  std::string_view unk;
  if (!model["unk_token"].get(unk)) {
    auto it = t->vocab_.find(std::string(unk));
    if (it != t->vocab_.end()) t->unk_id_ = it->second;
  }
  dom::array added;
  if (!doc["added_tokens"].get(added)) {
    for (dom::element a : added) {
      std::string_view content;
      int64_t id;
      bool normalized = false;
      if (a["content"].get(content) || a["id"].get(id)) continue;
      if (a["normalized"].get(normalized)) normalized = false;
      if (normalized) continue;  // BERT's special tokens are all unnormalized
      // Checked like the vocabulary's ids: Encode returns them as they are.
      if (id < 0 || id > INT32_MAX) {
        return Status::Corruption("tokenizer.json: bad id for added token \"" +
                                  std::string(content) + "\"");
      }
      t->added_.emplace_back(DecodeUtf8(content), static_cast<int32_t>(id));
      t->vocab_.emplace(std::string(content), static_cast<int32_t>(id));
    }
  }
  dom::object special;
  if (!doc["post_processor"]["special_tokens"].get(special)) {
    int64_t id;
    if (!special["[CLS]"]["ids"].at(0).get(id) && id >= 0 && id <= INT32_MAX) {
      t->cls_id_ = static_cast<int32_t>(id);
    }
    if (!special["[SEP]"]["ids"].at(0).get(id) && id >= 0 && id <= INT32_MAX) {
      t->sep_id_ = static_cast<int32_t>(id);
    }
  }
  SEMBLE_RETURN_IF_ERROR(t->Finish());
  return t;
}

}  // namespace semble::embed
