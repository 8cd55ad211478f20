// Copyright 2026 The semble Authors.
//
// The analyzer's pipeline (analyzer.h says what each step does; this file says how).

#include "text/analyzer.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

#include "core/utf8.h"
#include "text/char_class.h"
#include "text/stemmer.h"
#include "text/stop_words.h"

namespace semble::text {

namespace {

// NFKC (compatibility decomposition, then canonical composition) with full case folding, default
// ignorables removed. STABLE keeps the normalisation to what Unicode promises never to change.
constexpr utf8proc_option_t kNormalize = static_cast<utf8proc_option_t>(
    UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// `text` with each byte that does not begin a well-formed UTF-8 sequence replaced by a space.
std::string ScrubUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t n = core::Utf8SequenceLength(text, i);
    if (n == 0) {
      out.push_back(' ');
      ++i;
    } else {
      out.append(text.data() + i, n);
      i += n;
    }
  }
  return out;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

struct CodePoint {
  char32_t c;
  uint32_t offset;  // of its first byte in the normalised text
  CharClass cls;
};

// A CJK term of characters carrying many combining marks could pass kMaxTermBytes; cut it.
std::string_view Clamp(std::string_view term) {
  return term.size() <= Analyzer::kMaxTermBytes ? term
                                                : core::Utf8Prefix(term, Analyzer::kMaxTermBytes);
}

bool AllAsciiDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Result<Analyzer> Analyzer::Create(const AnalyzerOptions& options) {
  if (options.stemming == AnalyzerOptions::Stemming::kEnglish && !EnglishStemmerAvailable()) {
    return Status::InvalidArgument("libstemmer has no English stemmer");
  }
  if (options.stemming != AnalyzerOptions::Stemming::kEnglish &&
      options.stemming != AnalyzerOptions::Stemming::kNone) {
    return Status::InvalidArgument("unknown stemming");
  }
  return Analyzer(options);
}

void Analyzer::Analyze(std::string_view text, std::vector<std::string>* terms) const {
  // Steps 1 and 2: well-formed UTF-8, then NFKC + case folding. ASCII is its own NFKC form and
  // folds by lower-casing, so the common English text skips utf8proc.
  std::string ascii;
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> mapped;
  std::string_view norm;
  if (IsAscii(text)) {
    ascii.assign(text);
    for (char& c : ascii) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    norm = ascii;
  } else {
    std::string scrubbed;
    std::string_view in = text;
    if (!core::IsValidUtf8(text)) {
      scrubbed = ScrubUtf8(text);
      in = scrubbed;
    }
    utf8proc_uint8_t* out = nullptr;
    const utf8proc_ssize_t n =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(in.data()),
                     static_cast<utf8proc_ssize_t>(in.size()), &out, kNormalize);
    if (n < 0) return;  // only out of memory remains possible once the input is well-formed
    mapped.reset(out);
    norm = std::string_view(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  }

  // Step 3: decode once, classing each code point, so that joiners can look ahead.
  std::vector<CodePoint> cps;
  cps.reserve(norm.size());
  for (size_t i = 0; i < norm.size();) {
    utf8proc_int32_t c = 0;
    const utf8proc_ssize_t n =
        utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(norm.data() + i),
                         static_cast<utf8proc_ssize_t>(norm.size() - i), &c);
    if (n <= 0) {  // utf8proc's own output is well-formed; be safe anyway
      ++i;
      continue;
    }
    cps.push_back({static_cast<char32_t>(c), static_cast<uint32_t>(i), ClassOf(c)});
    i += static_cast<size_t>(n);
  }
  auto end_of = [&](size_t k) { return k + 1 < cps.size() ? cps[k + 1].offset : norm.size(); };

  std::string word;
  std::vector<size_t> starts;
  for (size_t i = 0; i < cps.size();) {
    const CharClass cls = cps[i].cls;
    if (cls == CharClass::kWord) {
      word.clear();
      size_t j = i;
      for (; j < cps.size(); ++j) {
        const CharClass cj = cps[j].cls;
        const bool next_is_word = j + 1 < cps.size() && cps[j + 1].cls == CharClass::kWord;
        if (cj == CharClass::kWord || cj == CharClass::kMark) {
          word.append(norm.substr(cps[j].offset, end_of(j) - cps[j].offset));
        } else if (cj == CharClass::kApostrophe && next_is_word) {
          word.push_back('\'');  // ’ and ' are one character in terms
        } else if (cj == CharClass::kDigitJoiner && next_is_word && IsDecimalDigit(cps[j - 1].c) &&
                   IsDecimalDigit(cps[j + 1].c)) {
          word.push_back(static_cast<char>(cps[j].c));
        } else {
          break;
        }
      }
      EmitWord(word, terms);
      i = j;
    } else if (cls == CharClass::kCjk) {
      starts.clear();
      size_t j = i;
      for (; j < cps.size() && (cps[j].cls == CharClass::kCjk || cps[j].cls == CharClass::kMark);
           ++j) {
        if (cps[j].cls == CharClass::kCjk) starts.push_back(cps[j].offset);
      }
      starts.push_back(j < cps.size() ? cps[j].offset : norm.size());
      EmitCjkRun(norm, starts, terms);
      i = j;
    } else {
      ++i;  // separators, and marks or joiners with nothing to attach to
    }
  }
}

void Analyzer::EmitWord(std::string_view word, std::vector<std::string>* terms) const {
  while (!word.empty()) {
    std::string_view piece = word;
    if (piece.size() > kMaxTermBytes) {
      piece = core::Utf8Prefix(word, kMaxTermBytes);
      if (piece.empty()) piece = word.substr(0, kMaxTermBytes);  // cannot happen on valid UTF-8
    }
    word.remove_prefix(piece.size());
    if (options_.english_stop_words && IsEnglishStopWord(piece)) continue;
    std::string term(piece);
    if (options_.stemming == AnalyzerOptions::Stemming::kEnglish && !AllAsciiDigits(term)) {
      StemEnglish(&term);
      if (term.empty() || term.size() > kMaxTermBytes) term.assign(piece);  // keep the contract
    }
    terms->push_back(std::move(term));
  }
}

void Analyzer::EmitCjkRun(std::string_view text, const std::vector<size_t>& starts,
                          std::vector<std::string>* terms) const {
  const size_t chars = starts.size() - 1;
  if (chars == 0) return;
  if (chars == 1 || !options_.cjk_bigrams) {
    for (size_t k = 0; k < chars; ++k) {
      terms->emplace_back(Clamp(text.substr(starts[k], starts[k + 1] - starts[k])));
    }
    return;
  }
  for (size_t k = 0; k + 1 < chars; ++k) {
    terms->emplace_back(Clamp(text.substr(starts[k], starts[k + 2] - starts[k])));
  }
}

}  // namespace semble::text
