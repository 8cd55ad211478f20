// Copyright 2026 The semble Authors.

#include "core/url.h"

#include <gtest/gtest.h>

namespace semble::core {
namespace {

TEST(PercentEncodeTest, KeepsUnreservedAndEncodesEveryOtherByte) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b/c?d=e&f%"), "a%20b%2Fc%3Fd%3De%26f%25");
  EXPECT_EQ(PercentEncode(std::string("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(PercentEncode("\xed\x95\x9c"), "%ED%95%9C");  // UTF-8 of one Hangul syllable
  // Every byte: unreserved ones stay, the rest become three characters that decode back.
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    const std::string e = PercentEncode(one);
    if (e.size() == 1) {
      EXPECT_EQ(e, one);
    } else {
      ASSERT_EQ(e.size(), 3u) << b;
      EXPECT_EQ(std::stoi(e.substr(1), nullptr, 16), b);
    }
  }
}

}  // namespace
}  // namespace semble::core
