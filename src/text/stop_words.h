// Copyright 2026 The semble Authors.
//
// semble's English stop words: a short list written for this project. Short on purpose: BM25's
// idf already gives frequent words little weight, so the list only removes the function words
// that carry no meaning on their own and would otherwise make every posting list of a query long
// (articles, the commonest prepositions and conjunctions, forms of "be", a few demonstratives and
// "it"). Negations ("no", "not", "nor") and question words are kept: "not working" and "how to"
// mean something different without them.

#ifndef SEMBLE_SRC_TEXT_STOP_WORDS_H_
#define SEMBLE_SRC_TEXT_STOP_WORDS_H_

#include <span>
#include <string_view>

namespace semble::text {

// The list, sorted, case-folded.
std::span<const std::string_view> EnglishStopWords();

// True when `word` (already case-folded) is in the list.
bool IsEnglishStopWord(std::string_view word);

}  // namespace semble::text

#endif  // SEMBLE_SRC_TEXT_STOP_WORDS_H_
