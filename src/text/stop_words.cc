// Copyright 2026 The semble Authors.

#include "text/stop_words.h"

#include <algorithm>
#include <array>

namespace semble::text {

namespace {

// Sorted (checked by a test), so lookup is a binary search.
constexpr std::array<std::string_view, 31> kEnglish = {
    "a",    "an",   "and",   "are",   "as",   "at",    "be", "been", "but",  "by",   "for",
    "from", "in",   "into",  "is",    "it",   "its",   "of", "on",   "or",   "than", "that",
    "the",  "then", "there", "these", "this", "those", "to", "was",  "were",
};

}  // namespace

std::span<const std::string_view> EnglishStopWords() { return kEnglish; }

bool IsEnglishStopWord(std::string_view word) {
  // Every entry is 1 to 5 bytes; most words are longer and are answered without a search.
  if (word.empty() || word.size() > 5) return false;
  return std::binary_search(kEnglish.begin(), kEnglish.end(), word);
}

}  // namespace semble::text
