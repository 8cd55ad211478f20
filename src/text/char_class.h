// Copyright 2026 The semble Authors.
//
// How the analyzer classes a code point (after NFKC and case folding): part of a word, part of a
// CJK run, a joiner that may sit inside a word, or a separator. Its own file because the CJK
// ranges are a table worth reading on their own.

#ifndef SEMBLE_SRC_TEXT_CHAR_CLASS_H_
#define SEMBLE_SRC_TEXT_CHAR_CLASS_H_

#include <cstdint>

namespace semble::text {

enum class CharClass : uint8_t {
  kSeparator,
  kWord,        // letters (L*), digits and other numbers (N*) outside the CJK scripts
  kMark,        // combining marks (M*): they continue whatever run they follow
  kCjk,         // Hangul, Han, Hiragana, Katakana (the scripts Lucene's CJK bigrams cover)
  kApostrophe,  // ' and ’: inside a word between two word characters
  kDigitJoiner  // . and ,: inside a number between two digits
};

CharClass ClassOf(char32_t c);

// True for decimal digits (Nd), which is what '.' and ',' may join.
bool IsDecimalDigit(char32_t c);

}  // namespace semble::text

#endif  // SEMBLE_SRC_TEXT_CHAR_CLASS_H_
