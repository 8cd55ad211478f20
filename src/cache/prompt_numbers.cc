// Copyright 2026 The semble Authors.

#include "cache/prompt_numbers.h"

#include <algorithm>

namespace semble::cache {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Canonical(std::string_view run) {
  std::string out;
  for (char c : run) {
    if (c != ',') out += c;
  }
  size_t lead = 0;
  while (lead + 1 < out.size() && out[lead] == '0' && IsDigit(out[lead + 1])) ++lead;
  return out.substr(lead);
}

}  // namespace

std::vector<std::string> PromptNumbers(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    if (!IsDigit(text[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size()) {
      if (IsDigit(text[end])) {
        ++end;
      } else if ((text[end] == '.' || text[end] == ',') && end + 1 < text.size() &&
                 IsDigit(text[end + 1])) {
        end += 2;
      } else {
        break;
      }
    }
    out.push_back(Canonical(text.substr(i, end - i)));
    i = end;
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool SameNumbers(std::string_view a, std::string_view b) { return PromptNumbers(a) == PromptNumbers(b); }

}  // namespace semble::cache
