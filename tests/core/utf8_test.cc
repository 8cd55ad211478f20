// Copyright 2026 The semble Authors.

#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace semble::core {
namespace {

TEST(Utf8Test, IsValidUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4"));  // 한국어
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xf0\x9f\x98\x80"));          // café 😀
  EXPECT_TRUE(IsValidUtf8("\xef\xbf\xbf\xf4\x8f\xbf\xbf"));          // U+FFFF, U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));
  EXPECT_FALSE(IsValidUtf8("\x80"));              // continuation without a lead
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xed\x95"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xc3\x28"));          // bad continuation
  EXPECT_FALSE(IsValidUtf8("\xc0\x80"));          // overlong NUL
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\x80"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xf0\x80\x80\x80"));  // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("ok\xff"));
}

TEST(Utf8Test, PrefixOfKoreanTextKeepsWholeSyllables) {
  const std::string text = "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4";  // 한국어, 3 bytes each
  const size_t expected[] = {0, 0, 0, 3, 3, 3, 6, 6, 6, 9, 9, 9};
  for (size_t max = 0; max < std::size(expected); ++max) {
    std::string_view p = Utf8Prefix(text, max);
    EXPECT_EQ(p.size(), expected[max]) << "max " << max;
    EXPECT_EQ(p, std::string_view(text).substr(0, p.size()));
  }
}

TEST(Utf8Test, PrefixNeverSplitsAndIsLongest) {
  // 1-, 2-, 3- and 4-byte sequences in every order.
  const std::string text =
      "a\xc3\xa9\xed\x95\x9c\xf0\x9f\x98\x80z\xf0\x9f\x98\x80\xed\x95\x9c\xc3\xa9"
      "b\xea\xb0\x80\xea\xb0\x80";
  ASSERT_TRUE(IsValidUtf8(text));
  for (size_t max = 0; max <= text.size() + 2; ++max) {
    std::string_view p = Utf8Prefix(text, max);
    ASSERT_LE(p.size(), max);
    ASSERT_EQ(p, std::string_view(text).substr(0, p.size()));
    ASSERT_TRUE(IsValidUtf8(p)) << "max " << max;
    // Longest: the next whole character would not fit.
    if (p.size() < text.size()) {
      size_t next = p.size() + 1;
      while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
      EXPECT_GT(next, max) << "max " << max;
    }
  }
}

TEST(Utf8Test, PrefixAt64BytesOfLongString) {
  // 21 syllables are 63 bytes; the 22nd would end at byte 66.
  std::string korean;
  for (int i = 0; i < 30; ++i) korean += "\xea\xb0\x80";  // 가
  EXPECT_EQ(Utf8Prefix(korean, 64).size(), 63u);
  std::string mixed = std::string(63, 'x') + "\xc3\xa9";  // é straddles byte 64
  EXPECT_EQ(Utf8Prefix(mixed, 64), std::string(63, 'x'));
  std::string ascii(100, 'y');
  EXPECT_EQ(Utf8Prefix(ascii, 64).size(), 64u);
  EXPECT_EQ(Utf8Prefix("short", 64), "short");
}

}  // namespace
}  // namespace semble::core
