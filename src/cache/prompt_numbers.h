// Copyright 2026 The semble Authors.
//
// The number guard of the semantic cache: embeddings place "convert 5 miles" and "convert 50
// miles" almost on top of each other (cosine 0.90 with the default model), so a cache that answers
// by similarity alone answers one with the other. Comparing the numbers a prompt mentions catches
// that class of false hit exactly.

#ifndef SEMBLE_SRC_CACHE_PROMPT_NUMBERS_H_
#define SEMBLE_SRC_CACHE_PROMPT_NUMBERS_H_

#include <string>
#include <string_view>
#include <vector>

namespace semble::cache {

// The numbers in text, sorted: maximal runs of ASCII digits, with a '.' or ',' between two digits
// kept inside the run, then written without ',' (thousands separators: "1,000" and "1000" are one
// number) and without leading zeros before the first other digit ("007" is "7", "0.5" stays).
std::vector<std::string> PromptNumbers(std::string_view text);

// True when both texts mention the same numbers, each as often.
bool SameNumbers(std::string_view a, std::string_view b);

}  // namespace semble::cache

#endif  // SEMBLE_SRC_CACHE_PROMPT_NUMBERS_H_
