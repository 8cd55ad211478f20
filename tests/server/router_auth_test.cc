// Copyright 2026 The semble Authors.

#include <gtest/gtest.h>

#include "server/auth.h"
#include "server/router.h"

namespace semble::server {
namespace {

Route MakeRoute(const char* method, const char* pattern, const char* name) {
  return Route{method, pattern, name, Scope::kRead, [](const HttpRequest&) { return HttpResponse{}; }};
}

TEST(RouterTest, MatchesLiteralsAndCaptures) {
  Router r;
  r.Add(MakeRoute("GET", "/a/{}/b/{}", "ab"));
  r.Add(MakeRoute("POST", "/a/{}/b/{}", "ab.post"));
  r.Add(MakeRoute("POST", "/run/{}/m/{*}", "run"));
  const Route* route = nullptr;
  std::vector<std::string> caps;
  ASSERT_EQ(r.Match("GET", "/a/x/b/y", &route, &caps), Router::MatchResult::kFound);
  EXPECT_EQ(route->name, "ab");
  EXPECT_EQ(caps, (std::vector<std::string>{"x", "y"}));
  ASSERT_EQ(r.Match("POST", "/a/x/b/y", &route, &caps), Router::MatchResult::kFound);
  EXPECT_EQ(route->name, "ab.post");
  ASSERT_EQ(r.Match("POST", "/run/acct/m/@cf/baai/bge-small-en-v1.5", &route, &caps),
            Router::MatchResult::kFound);
  EXPECT_EQ(caps, (std::vector<std::string>{"acct", "@cf/baai/bge-small-en-v1.5"}));
}

TEST(RouterTest, RefusesNearMisses) {
  Router r;
  r.Add(MakeRoute("GET", "/a/{}/b", "ab"));
  r.Add(MakeRoute("POST", "/run/{*}", "run"));
  const Route* route = nullptr;
  std::vector<std::string> caps;
  EXPECT_EQ(r.Match("DELETE", "/a/x/b", &route, &caps), Router::MatchResult::kWrongMethod);
  EXPECT_EQ(r.Match("GET", "/a/x/b/", &route, &caps), Router::MatchResult::kNoRoute);
  EXPECT_EQ(r.Match("GET", "/a//b", &route, &caps), Router::MatchResult::kNoRoute);
  EXPECT_EQ(r.Match("GET", "/a/x/b/c", &route, &caps), Router::MatchResult::kNoRoute);
  EXPECT_EQ(r.Match("GET", "/a/x", &route, &caps), Router::MatchResult::kNoRoute);
  EXPECT_EQ(r.Match("POST", "/run", &route, &caps), Router::MatchResult::kNoRoute);
  EXPECT_EQ(r.Match("POST", "/run/a//b", &route, &caps), Router::MatchResult::kNoRoute);
  EXPECT_TRUE(caps.empty());
}

TEST(AuthTest, ParsesTokenLinesAndRefusesBadOnes) {
  auto set = TokenSet::Parse("# tokens\nwrite wwwwwwwwwwwwwwwwwwww\n\nread rrrrrrrrrrrrrrrrrrrr  # ro\n");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->size(), 2u);
  auto comma = TokenSet::Parse("write:wwwwwwwwwwwwwwwwwwww,read:rrrrrrrrrrrrrrrrrrrr");
  ASSERT_TRUE(comma.ok()) << comma.status().ToString();
  EXPECT_EQ(comma->size(), 2u);
  EXPECT_FALSE(TokenSet::Parse("admin aaaaaaaaaaaaaaaaaaaaaa").ok());
  EXPECT_FALSE(TokenSet::Parse("write short").ok());
  EXPECT_FALSE(TokenSet::Parse("write").ok());
  EXPECT_FALSE(TokenSet::Parse("write abc\x01" "defghijklmnopqrst").ok());
}

TEST(AuthTest, DecidesByScope) {
  auto set = TokenSet::Parse("write wwwwwwwwwwwwwwwwwwww\nread rrrrrrrrrrrrrrrrrrrr");
  ASSERT_TRUE(set.ok());
  using D = TokenSet::Decision;
  EXPECT_EQ(set->Check("", Scope::kRead), D::kUnauthenticated);
  EXPECT_EQ(set->Check("", Scope::kPublic), D::kAllow);
  EXPECT_EQ(set->Check("Bearer rrrrrrrrrrrrrrrrrrrr", Scope::kRead), D::kAllow);
  EXPECT_EQ(set->Check("bearer rrrrrrrrrrrrrrrrrrrr", Scope::kRead), D::kAllow);
  EXPECT_EQ(set->Check("Bearer rrrrrrrrrrrrrrrrrrrr", Scope::kWrite), D::kForbidden);
  EXPECT_EQ(set->Check("Bearer wwwwwwwwwwwwwwwwwwww", Scope::kWrite), D::kAllow);
  EXPECT_EQ(set->Check("Bearer wwwwwwwwwwwwwwwwwwww", Scope::kRead), D::kAllow);
  EXPECT_EQ(set->Check("Bearer wwwwwwwwwwwwwwwwwwwx", Scope::kRead), D::kUnauthenticated);
  EXPECT_EQ(set->Check("Bearer wwwwwwwwwwwwwwwwwww", Scope::kRead), D::kUnauthenticated);
  EXPECT_EQ(set->Check("Basic wwwwwwwwwwwwwwwwwwww", Scope::kRead), D::kUnauthenticated);
  EXPECT_EQ(set->Check("wwwwwwwwwwwwwwwwwwww", Scope::kRead), D::kUnauthenticated);
  TokenSet none;
  EXPECT_EQ(none.Check("", Scope::kWrite), D::kAllow);
}

TEST(AuthTest, ConstantTimeEqualsIsEquality) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), "a"));
}

}  // namespace
}  // namespace semble::server
