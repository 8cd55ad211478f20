// Copyright 2026 The semble Authors.

#include "core/base64.h"

#include <gtest/gtest.h>

#include <random>

namespace semble::core {
namespace {

TEST(Base64Test, KnownVectors) {  // RFC 4648, section 10
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Base64(std::string_view(plain[i])), coded[i]);
    std::string back;
    ASSERT_TRUE(Unbase64(coded[i], &back));
    EXPECT_EQ(back, plain[i]);
  }
}

// Every byte string of every length round-trips, and its code uses only the alphabet.
TEST(Base64Test, EveryByteStringRoundTrips) {
  std::mt19937 rng(3);
  for (int len = 0; len < 600; ++len) {
    std::string s(len, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    const std::string code = Base64(s);
    EXPECT_EQ(code.size(), (s.size() + 2) / 3 * 4);
    EXPECT_EQ(code.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
              std::string::npos);
    std::string back;
    ASSERT_TRUE(Unbase64(code, &back)) << len;
    EXPECT_EQ(back, s);
  }
}

TEST(Base64Test, RefusesWhatIsNotBase64) {
  std::string out;
  for (const char* bad : {"A", "AB", "ABC", "Zm9v!", "Zm9v Zm9v", "=Zm9", "Zg=a", "Z===", "Zg==Zg=="}) {
    EXPECT_FALSE(Unbase64(bad, &out)) << bad;
  }
}

}  // namespace
}  // namespace semble::core
