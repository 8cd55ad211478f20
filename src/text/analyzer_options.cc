// Copyright 2026 The semble Authors.
//
// The stored form of AnalyzerOptions. It is written into every keyword index blob, so it is plain
// text a human can read in a hex dump, and parsing is strict: an unknown key or value means the
// blob was written by a semble that knows an analyzer this one does not, which must be refused
// rather than guessed.

#include <string>
#include <string_view>

#include "text/analyzer.h"

namespace semble::text {

namespace {

constexpr std::string_view kVersion = "v1";

}  // namespace

std::string AnalyzerOptions::ToString() const {
  std::string s(kVersion);
  s += stemming == Stemming::kEnglish ? " stemming=english" : " stemming=none";
  s += english_stop_words ? " stop_words=english" : " stop_words=none";
  s += cjk_bigrams ? " cjk=bigrams" : " cjk=unigrams";
  return s;
}

Result<AnalyzerOptions> AnalyzerOptions::Parse(std::string_view s) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("analyzer \"" + std::string(s) + "\": " + std::string(why));
  };
  AnalyzerOptions o;
  bool seen_version = false, seen_stem = false, seen_stop = false, seen_cjk = false;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t end = s.find(' ', pos);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view item = s.substr(pos, end - pos);
    pos = end + 1;
    if (!seen_version) {
      if (item != kVersion) return bad("unknown version (this semble knows v1)");
      seen_version = true;
      continue;
    }
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      return bad("expected key=value, got \"" + std::string(item) + "\"");
    const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "stemming") {
      if (seen_stem) return bad("stemming given twice");
      seen_stem = true;
      if (value == "english") {
        o.stemming = Stemming::kEnglish;
      } else if (value == "none") {
        o.stemming = Stemming::kNone;
      } else {
        return bad("unknown stemming \"" + std::string(value) + "\" (english, none)");
      }
    } else if (key == "stop_words") {
      if (seen_stop) return bad("stop_words given twice");
      seen_stop = true;
      if (value != "english" && value != "none") {
        return bad("unknown stop_words \"" + std::string(value) + "\" (english, none)");
      }
      o.english_stop_words = value == "english";
    } else if (key == "cjk") {
      if (seen_cjk) return bad("cjk given twice");
      seen_cjk = true;
      if (value != "bigrams" && value != "unigrams") {
        return bad("unknown cjk \"" + std::string(value) + "\" (bigrams, unigrams)");
      }
      o.cjk_bigrams = value == "bigrams";
    } else {
      return bad("unknown key \"" + std::string(key) + "\"");
    }
  }
  if (!seen_version) return bad("empty");
  if (!seen_stem || !seen_stop || !seen_cjk)
    return bad("stemming, stop_words and cjk are all required");
  return o;
}

}  // namespace semble::text
