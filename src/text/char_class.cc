// Copyright 2026 The semble Authors.

#include "text/char_class.h"

#include <utf8proc.h>

namespace semble::text {

namespace {

struct Range {
  char32_t first, last;
};

// The blocks of Unicode 15 whose letters and numbers Lucene's CJKBigramFilter treats as Han,
// Hiragana, Katakana or Hangul (ClassOf asks the category first). Half-width katakana and the
// compatibility jamo need no entry: NFKC maps them into the blocks below before classing. Sorted,
// so a binary search finds a code point.
constexpr Range kCjk[] = {
    {0x1100, 0x11FF},    // Hangul Jamo
    {0x2E80, 0x2FDF},    // CJK Radicals Supplement, Kangxi Radicals
    {0x3005, 0x3007},    // 々 〆 〇 (iteration mark, closing mark, ideographic zero)
    {0x3021, 0x3029},    // Hangzhou numerals
    {0x3031, 0x3035},    // vertical kana repeat marks
    {0x3038, 0x303C},    // Han iteration and masu marks
    {0x3041, 0x309F},    // Hiragana (with the voicing marks and the iteration marks)
    {0x30A0, 0x30FF},    // Katakana (with the prolonged sound mark ー)
    {0x3131, 0x318F},    // Hangul Compatibility Jamo (for safety; NFKC maps most of them)
    {0x31F0, 0x31FF},    // Katakana Phonetic Extensions
    {0x3400, 0x4DBF},    // CJK Unified Ideographs Extension A
    {0x4E00, 0x9FFF},    // CJK Unified Ideographs
    {0xA960, 0xA97F},    // Hangul Jamo Extended-A
    {0xAC00, 0xD7AF},    // Hangul Syllables
    {0xD7B0, 0xD7FF},    // Hangul Jamo Extended-B
    {0xF900, 0xFAFF},    // CJK Compatibility Ideographs
    {0x1AFF0, 0x1B16F},  // Kana Extended-B, Kana Supplement, Kana Extended-A, Small Kana Extension
    {0x20000, 0x3134F},  // CJK Unified Ideographs Extensions B to G, Compatibility Supplement
};

bool InCjk(char32_t c) {
  if (c < 0x1100) return false;  // everything before Hangul Jamo, ASCII above all, leaves at once
  size_t lo = 0, hi = sizeof(kCjk) / sizeof(kCjk[0]);
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (c > kCjk[mid].last) {
      lo = mid + 1;
    } else if (c < kCjk[mid].first) {
      hi = mid;
    } else {
      return true;
    }
  }
  return false;
}

}  // namespace

CharClass ClassOf(char32_t c) {
  if (c < 0x80) {  // ASCII without a table look-up: the common case
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) {
      return CharClass::kWord;
    }
    if (c == '\'') return CharClass::kApostrophe;
    if (c == '.' || c == ',') return CharClass::kDigitJoiner;
    return CharClass::kSeparator;
  }
  if (c == 0x2019) return CharClass::kApostrophe;  // ’ right single quotation mark
  // The category decides first: the CJK blocks also hold punctuation (・ U+30FB) and symbols,
  // which separate, and combining voicing marks (U+3099), which attach to the kana before them.
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return InCjk(c) ? CharClass::kCjk : CharClass::kWord;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      return CharClass::kMark;
    default:
      return CharClass::kSeparator;
  }
}

bool IsDecimalDigit(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_ND;
}

}  // namespace semble::text
