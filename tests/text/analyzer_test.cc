// Copyright 2026 The semble Authors.
//
// The analyzer's contract (src/text/analyzer.h), case by case. Expected terms are written from the
// rules (and, for stems, from the Porter2 algorithm's published behaviour), not read off the
// implementation.

#include "text/analyzer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/utf8.h"
#include "text/stop_words.h"

namespace semble::text {
namespace {

using Terms = std::vector<std::string>;

Analyzer Make(AnalyzerOptions o) {
  auto a = Analyzer::Create(o);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return std::move(a).value();
}

Analyzer Default() { return Make(AnalyzerOptions{}); }

Analyzer Plain() {  // no stemming, no stop words: shows tokenization alone
  AnalyzerOptions o;
  o.stemming = AnalyzerOptions::Stemming::kNone;
  o.english_stop_words = false;
  return Make(o);
}

TEST(AnalyzerTest, EnglishCaseFoldingAndPunctuation) {
  EXPECT_EQ(Plain().Analyze("Hello, WORLD! (semble)-engine; x/y"),
            (Terms{"hello", "world", "semble", "engine", "x", "y"}));
}

TEST(AnalyzerTest, EnglishStemming) {
  const Analyzer a = Default();
  EXPECT_EQ(a.Analyze("running"), Terms{"run"});
  EXPECT_EQ(a.Analyze("Runs RUNNING runner"), (Terms{"run", "run", "runner"}));
  EXPECT_EQ(a.Analyze("connections connected connecting"),
            (Terms{"connect", "connect", "connect"}));
  EXPECT_EQ(a.Analyze("ponies"), Terms{"poni"});
}

TEST(AnalyzerTest, NumbersStayWhole) {
  const Analyzer a = Default();
  EXPECT_EQ(a.Analyze("3.14 and 1,000 or 42."), (Terms{"3.14", "1,000", "42"}));
  EXPECT_EQ(Plain().Analyze("iPhone15 v1.2 1.x a,b"),
            (Terms{"iphone15", "v1.2", "1", "x", "a", "b"}));
}

TEST(AnalyzerTest, Apostrophes) {
  EXPECT_EQ(Plain().Analyze("don't John’s 'quoted' rock'n'roll"),
            (Terms{"don't", "john's", "quoted", "rock'n'roll"}));
  // The English stemmer strips the possessive.
  EXPECT_EQ(Default().Analyze("John's"), Terms{"john"});
  // An apostrophe that does not sit between two word characters separates.
  EXPECT_EQ(Plain().Analyze("dogs' '' ' a'"), (Terms{"dogs", "a"}));
}

TEST(AnalyzerTest, StopWords) {
  AnalyzerOptions on;
  on.stemming = AnalyzerOptions::Stemming::kNone;
  EXPECT_EQ(Make(on).Analyze("The cat is on the mat and it is not there"),
            (Terms{"cat", "mat", "not"}));
  AnalyzerOptions off = on;
  off.english_stop_words = false;
  EXPECT_EQ(Make(off).Analyze("The cat is on"), (Terms{"the", "cat", "is", "on"}));
}

TEST(AnalyzerTest, StopWordListIsSortedFoldedAndKeepsNegations) {
  const auto list = EnglishStopWords();
  EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
  EXPECT_TRUE(std::adjacent_find(list.begin(), list.end()) == list.end());
  for (std::string_view w : list) {
    EXPECT_EQ(Plain().Analyze(w), Terms{std::string(w)}) << w;  // already in analyzed form
    EXPECT_TRUE(IsEnglishStopWord(w));
  }
  EXPECT_FALSE(IsEnglishStopWord("not"));
  EXPECT_FALSE(IsEnglishStopWord("no"));
  EXPECT_FALSE(IsEnglishStopWord("how"));
}

TEST(AnalyzerTest, KoreanBigrams) {
  EXPECT_EQ(Default().Analyze("한국어 검색"), (Terms{"한국", "국어", "검색"}));
  // A one-syllable run is a unigram.
  EXPECT_EQ(Default().Analyze("책 한 권"), (Terms{"책", "한", "권"}));
}

TEST(AnalyzerTest, KoreanCompatibilityJamoAndDecomposedSyllables) {
  // U+1100 U+1161 U+11AB is 한 decomposed; NFKC composes it.
  EXPECT_EQ(Default().Analyze("\u1112\u1161\u11AB\u1100\u116E\u11A8"), Terms{"한국"});
}

TEST(AnalyzerTest, JapaneseKanaAndKanjiFormOneRun) {
  // Kanji, hiragana and katakana in one run: bigrams run across the script changes.
  EXPECT_EQ(Default().Analyze("東京タワー"), (Terms{"東京", "京タ", "タワ", "ワー"}));
  EXPECT_EQ(Default().Analyze("日本語を話す"), (Terms{"日本", "本語", "語を", "を話", "話す"}));
  // The katakana middle dot is punctuation, not part of the run.
  EXPECT_EQ(Default().Analyze("コーヒー・カップ"), (Terms{"コー", "ーヒ", "ヒー", "カッ", "ップ"}));
  // Half-width katakana become full width (NFKC), with the voicing mark composed.
  EXPECT_EQ(Default().Analyze("ｶﾞｽ"), Terms{"ガス"});
}

TEST(AnalyzerTest, CjkUnigramsWhenBigramsAreOff) {
  AnalyzerOptions o;
  o.cjk_bigrams = false;
  EXPECT_EQ(Make(o).Analyze("한국어 東京"), (Terms{"한", "국", "어", "東", "京"}));
}

TEST(AnalyzerTest, MixedScriptsEachByItsRule) {
  EXPECT_EQ(Default().Analyze("iPhone 15 프로 가격"), (Terms{"iphon", "15", "프로", "가격"}));
  EXPECT_EQ(Plain().Analyze("iPhone15프로가격"), (Terms{"iphone15", "프로", "로가", "가격"}));
  EXPECT_EQ(Plain().Analyze("Tokyo東京Seoul"), (Terms{"tokyo", "東京", "seoul"}));
  EXPECT_EQ(Plain().Analyze("Москва café Ωmega"), (Terms{"москва", "café", "ωmega"}));
}

TEST(AnalyzerTest, Nfkc) {
  const Analyzer a = Plain();
  EXPECT_EQ(a.Analyze("ＡＢＣ１２３"), Terms{"abc123"});     // full-width
  EXPECT_EQ(a.Analyze("ﬁle ﬂow"), (Terms{"file", "flow"}));  // ligatures
  EXPECT_EQ(a.Analyze("Straße"), Terms{"strasse"});          // full case folding
  EXPECT_EQ(a.Analyze("x²"), Terms{"x2"});
  EXPECT_EQ(a.Analyze("e\u0301"), Terms{"\u00e9"});             // composed
  EXPECT_EQ(a.Analyze("co\u00ADoperate"), Terms{"cooperate"});  // soft hyphen ignored
}

TEST(AnalyzerTest, EmptyBlankAndSymbols) {
  const Analyzer a = Default();
  EXPECT_TRUE(a.Analyze("").empty());
  EXPECT_TRUE(a.Analyze(" \t\n\r  ").empty());
  EXPECT_TRUE(a.Analyze("!!! ... --- ???").empty());
  EXPECT_TRUE(a.Analyze("😀🎉 👍🏽").empty());
  EXPECT_EQ(a.Analyze("good😀news"), (Terms{"good", "news"}));
  EXPECT_TRUE(a.Analyze(std::string("\0\0", 2)).empty());
}

TEST(AnalyzerTest, InvalidUtf8BytesSeparateWords) {
  const Analyzer a = Plain();
  EXPECT_EQ(a.Analyze("abc\xff"
                      "def"),
            (Terms{"abc", "def"}));
  EXPECT_EQ(a.Analyze("\xc3"), Terms{});                      // cut short
  EXPECT_EQ(a.Analyze("x\xed\xa0\x80y"), (Terms{"x", "y"}));  // a surrogate
  EXPECT_EQ(a.Analyze("\xc0\xaf"
                      "ok"),
            Terms{"ok"});  // overlong
  EXPECT_EQ(a.Analyze("한\x80국"), (Terms{"한", "국"}));
}

TEST(AnalyzerTest, LongWordsAreCutIntoPieces) {
  const Analyzer a = Plain();
  const std::string long_word(600, 'x');
  EXPECT_EQ(a.Analyze(long_word),
            (Terms{std::string(255, 'x'), std::string(255, 'x'), std::string(90, 'x')}));
  std::string hangul_word;  // 3 bytes a character: pieces end on character boundaries
  for (int i = 0; i < 100; ++i) hangul_word += "é";
  for (const std::string& t : a.Analyze(hangul_word)) {
    EXPECT_LE(t.size(), Analyzer::kMaxTermBytes);
    EXPECT_TRUE(core::IsValidUtf8(t));
  }
}

// Random bytes and random mixtures of interesting code points: never a crash, every term valid
// UTF-8, non-empty and within the length bound; analysis is deterministic and the same on every
// thread.
TEST(AnalyzerTest, RandomInputKeepsTheContract) {
  const std::vector<std::string> pieces = {
      "a",        "Z",  "9",  " ",      ".",      ",",      "'",  "’",      "한",
      "国",       "カ", "ー", "・",     "é",      "\u0301", "😀",  "\xff",   "\xc3",
      "\xe2\x80", "ﬁ",  "Ａ", "\u00AD", "\u200D", "-",      "\t", "\u3099", "ß"};
  std::mt19937 rng(17);
  const Analyzer a = Default();
  std::vector<std::string> inputs;
  for (int n = 0; n < 2000; ++n) {
    std::string s;
    const int len = static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) {
      if (rng() % 8 == 0) {
        s.push_back(static_cast<char>(rng() & 0xff));
      } else {
        s += pieces[rng() % pieces.size()];
      }
    }
    inputs.push_back(s);
  }
  std::vector<Terms> expected;
  for (const std::string& s : inputs) {
    Terms t = a.Analyze(s);
    for (const std::string& term : t) {
      EXPECT_FALSE(term.empty());
      EXPECT_LE(term.size(), Analyzer::kMaxTermBytes);
      EXPECT_TRUE(core::IsValidUtf8(term));
    }
    expected.push_back(std::move(t));
  }
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < inputs.size(); ++i) {
        if (a.Analyze(inputs[i]) != expected[i]) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(AnalyzerOptionsTest, RoundTripsEveryCombination) {
  for (int stem = 0; stem < 2; ++stem) {
    for (int stop = 0; stop < 2; ++stop) {
      for (int cjk = 0; cjk < 2; ++cjk) {
        AnalyzerOptions o;
        o.stemming = stem ? AnalyzerOptions::Stemming::kEnglish : AnalyzerOptions::Stemming::kNone;
        o.english_stop_words = stop;
        o.cjk_bigrams = cjk;
        auto parsed = AnalyzerOptions::Parse(o.ToString());
        ASSERT_TRUE(parsed.ok()) << o.ToString() << ": " << parsed.status().ToString();
        EXPECT_EQ(*parsed, o);
      }
    }
  }
  EXPECT_EQ(AnalyzerOptions{}.ToString(), "v1 stemming=english stop_words=english cjk=bigrams");
}

TEST(AnalyzerOptionsTest, ParseIsStrict) {
  for (const char* bad : {"", "v2 stemming=english stop_words=english cjk=bigrams", "v1",
                          "v1 stemming=english stop_words=english",
                          "v1 stemming=french stop_words=english cjk=bigrams",
                          "v1 stemming=english stemming=none stop_words=english cjk=bigrams",
                          "v1 stemming=english stop_words=english cjk=bigrams ",
                          "v1 stemming=english stop_words=english cjk=bigrams extra=1",
                          "v1 stemming english stop_words=english cjk=bigrams"}) {
    auto parsed = AnalyzerOptions::Parse(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_TRUE(parsed.status().IsInvalidArgument()) << bad;
    }
  }
  auto reordered = AnalyzerOptions::Parse("v1 cjk=unigrams stemming=none stop_words=none");
  ASSERT_TRUE(reordered.ok());
  EXPECT_FALSE(reordered->cjk_bigrams);
}

}  // namespace
}  // namespace semble::text
