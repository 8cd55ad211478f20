// Copyright 2026 The semble Authors.
//
// The text analyzer of the keyword index: text in, index terms out. The same analyzer runs on
// documents and on queries, so a term matches exactly when both sides produce the same bytes.
//
// The pipeline, in order:
//   1. Bytes that are not well-formed UTF-8 become word separators (never an error: the text of a
//      record was validated upstream, and a search analyzer must not refuse a query over a stray
//      byte).
//   2. NFKC normalisation with full case folding and removal of default-ignorable code points
//      (utf8proc): full-width "ＡＢＣ" is "abc", the ligature "ﬁ" is "fi", "Straße" is "strasse",
//      soft hyphens and zero-width joiners vanish.
//   3. Runs by Unicode class. Letters, digits and marks form words. Hangul, Han, Hiragana and
//      Katakana form CJK runs (a script change between them does not end the run; a change to
//      any other class does). Everything else (spaces, punctuation, symbols, emoji) separates.
//      Inside a word, an apostrophe (' or ’) between two word characters joins ("don't" is one
//      word, written with '), and '.' or ',' between two digits joins ("3.14", "1,000").
//   4. Words: longer than kMaxTermBytes are cut into pieces of at most that many bytes (on code
//      point boundaries); English stop words are dropped when enabled; the Snowball English
//      stemmer (libstemmer) runs when enabled ("running" -> "run", "john's" -> "john").
//   5. CJK runs become overlapping bigrams of characters (a character with its trailing marks),
//      as Lucene's CJKAnalyzer does: "한국어" -> "한국", "국어"; a run of one character yields that
//      character. With bigrams off, each character is a term of its own.
//
// Scripts written without spaces that are not CJK (Thai, Lao, Khmer, Myanmar) are treated as
// letters: a run is one term. Dictionary segmentation for them is not done.
//
// Thread safety: an Analyzer is immutable after Create; Analyze may be called from any number of
// threads at once (the stemmer, which keeps state, is one per thread).

#ifndef SEMBLE_SRC_TEXT_ANALYZER_H_
#define SEMBLE_SRC_TEXT_ANALYZER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "semble/status.h"

namespace semble::text {

// What the analyzer does. Its ToString() form is stable: an index stores it to say which analyzer
// built it, and opening an index parses it back. Changing the rules of the pipeline above means a
// new version in that form ("v1"), never a silent change of what "v1" produces.
struct AnalyzerOptions {
  enum class Stemming : uint8_t { kNone = 0, kEnglish = 1 };

  Stemming stemming = Stemming::kEnglish;
  bool english_stop_words = true;  // drop the words of EnglishStopWords() (stop_words.h)
  bool cjk_bigrams = true;         // false: each CJK character is a term of its own

  // "v1 stemming=english stop_words=english cjk=bigrams" (the values: none|english,
  // none|english, unigrams|bigrams).
  std::string ToString() const;
  // The inverse of ToString: keys in any order, each exactly once; anything else is
  // InvalidArgument naming what is wrong.
  static Result<AnalyzerOptions> Parse(std::string_view s);

  bool operator==(const AnalyzerOptions&) const = default;
};

class Analyzer {
 public:
  // Longer words are cut into pieces of at most this many bytes (Lucene's StandardTokenizer cuts
  // at 255 characters); a term never exceeds it.
  static constexpr size_t kMaxTermBytes = 255;

  // InvalidArgument when the options name a stemmer that libstemmer cannot make.
  static Result<Analyzer> Create(const AnalyzerOptions& options);

  const AnalyzerOptions& options() const { return options_; }

  // Appends the terms of `text` to *terms, in text order, repeats included (a term's count in a
  // document is its term frequency). Empty, blank or symbol-only text appends nothing.
  void Analyze(std::string_view text, std::vector<std::string>* terms) const;

  // Convenience for tests and callers that want a fresh vector.
  std::vector<std::string> Analyze(std::string_view text) const {
    std::vector<std::string> terms;
    Analyze(text, &terms);
    return terms;
  }

 private:
  explicit Analyzer(const AnalyzerOptions& options) : options_(options) {}

  // Emits one word (after normalisation) through stop words and stemming.
  void EmitWord(std::string_view word, std::vector<std::string>* terms) const;
  // Emits the terms of one CJK run, given as the byte offsets where each character starts (plus
  // the run's end).
  void EmitCjkRun(std::string_view text, const std::vector<size_t>& starts,
                  std::vector<std::string>* terms) const;

  AnalyzerOptions options_;
};

}  // namespace semble::text

#endif  // SEMBLE_SRC_TEXT_ANALYZER_H_
