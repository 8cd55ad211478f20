// Copyright 2026 The semble Authors.
//
// The multipart/form-data reader and the request-target parser, without a socket.

#include "server/multipart.h"

#include <gtest/gtest.h>

#include "server/request_target.h"

namespace semble::server {
namespace {

TEST(MultipartTest, ReadsWranglersVectorsPart) {
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=----abc123"), "----abc123");
  EXPECT_EQ(MultipartBoundary("multipart/form-data; charset=x; boundary=\"q b\""), "q b");
  EXPECT_EQ(MultipartBoundary("multipart/form-data"), "");
  const std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"vectors\"; filename=\"blob\"\r\n"
      "Content-Type: application/x-ndjson\r\n"
      "\r\n"
      "{\"id\":\"1\",\"values\":[1,2]}\n{\"id\":\"2\",\"values\":[3,4]}\n"
      "\r\n--XyZ\r\n"
      "Content-Disposition: form-data; name=other\r\n"
      "\r\n"
      "--not a delimiter\r\n"
      "\r\n--XyZ--\r\n";
  std::map<std::string, std::string> parts;
  EXPECT_EQ(ParseMultipart(body, "XyZ", MultipartLimits{}, &parts), "");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts["vectors"], "{\"id\":\"1\",\"values\":[1,2]}\n{\"id\":\"2\",\"values\":[3,4]}\n");
  EXPECT_EQ(parts["other"], "--not a delimiter\r\n");
}

TEST(MultipartTest, IgnoresPreambleAndEpilogue) {
  std::map<std::string, std::string> parts;
  EXPECT_EQ(ParseMultipart("preamble\r\n--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx"
                           "\r\n--b--epilogue",
                           "b", MultipartLimits{}, &parts),
            "");
  EXPECT_EQ(parts["a"], "x");
}

TEST(MultipartTest, RefusesMalformedBodies) {
  std::map<std::string, std::string> parts;
  const MultipartLimits limits;
  const std::string part = "Content-Disposition: form-data; name=";
  // No closing delimiter.
  EXPECT_NE(ParseMultipart("--b\r\n" + part + "a\r\n\r\nx", "b", limits, &parts), "");
  // No delimiter at all.
  EXPECT_NE(ParseMultipart("just text", "b", limits, &parts), "");
  // A part without a name, or not form-data.
  EXPECT_NE(
      ParseMultipart("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--", "b", limits, &parts), "");
  EXPECT_NE(ParseMultipart("--b\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--b--", "b",
                           limits, &parts),
            "");
  // Duplicate names.
  EXPECT_NE(
      ParseMultipart("--b\r\n" + part + "a\r\n\r\nx\r\n--b\r\n" + part + "a\r\n\r\ny\r\n--b--", "b",
                     limits, &parts),
      "");
  // Garbage after a delimiter.
  EXPECT_NE(ParseMultipart("--b\r\n" + part + "a\r\n\r\nx\r\n--bzz", "b", limits, &parts), "");
  // Part headers without their end.
  EXPECT_NE(ParseMultipart("--b\r\n" + part + "a\r\n", "b", limits, &parts), "");
}

TEST(MultipartTest, BoundsPartsAndPartHeaders) {
  std::string body;
  for (int i = 0; i < 17; ++i) {
    body += "--b\r\nContent-Disposition: form-data; name=p" + std::to_string(i) + "\r\n\r\nv\r\n";
  }
  body += "--b--";
  std::map<std::string, std::string> parts;
  EXPECT_NE(ParseMultipart(body, "b", MultipartLimits{}, &parts).find("more than 16"),
            std::string::npos);
  MultipartLimits small;
  small.max_part_header_bytes = 16;
  EXPECT_NE(ParseMultipart("--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b--", "b",
                           small, &parts),
            "");
}

TEST(RequestTargetTest, OriginAndAbsoluteFormsAgree) {
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(ParseRequestTarget("/a%20b/c?x=1&y=a+b%21&x=2&flag", &path, &query));
  EXPECT_EQ(path, "/a b/c");
  EXPECT_EQ(query["x"], "1");  // the first value
  EXPECT_EQ(query["y"], "a b!");
  EXPECT_EQ(query.count("flag"), 1u);
  ASSERT_TRUE(ParseRequestTarget("http://h:1/a%20b/c?x=1", &path, &query));
  EXPECT_EQ(path, "/a b/c");
  EXPECT_EQ(query["x"], "1");
  ASSERT_TRUE(ParseRequestTarget("https://h", &path, &query));
  EXPECT_EQ(path, "/");
  ASSERT_TRUE(ParseRequestTarget("http://h?z=9", &path, &query));
  EXPECT_EQ(path, "/");
  EXPECT_EQ(query["z"], "9");
  EXPECT_FALSE(ParseRequestTarget("*", &path, &query));
  EXPECT_FALSE(ParseRequestTarget("example.com:443", &path, &query));
  EXPECT_FALSE(ParseRequestTarget("http:///nohost", &path, &query));
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
}

}  // namespace
}  // namespace semble::server
