// Copyright 2026 The semble Authors.
//
// Strict request framing over a real socket (RFC 9112): every ambiguity through which one request
// could be read as two (request smuggling) is refused with 400 and the connection closed, and the
// smuggled second request never runs. Also pipelining, half-close, absolute-form targets, and the
// raw header checks of http_framing.h on their own.

#include "server/http_framing.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "server/http_server.h"
#include "server/raw_client.h"
#include "server/running_server.h"

namespace semble::server {
namespace {

using testing::BodyOf;
using testing::RawSocket;
using testing::RunningServer;
using testing::StatusOf;

// A router with an "index" a smuggled DELETE would remove.
struct VictimRouter {
  std::atomic<bool> exists{true};
  std::atomic<int> deletes{0};
  Router router;
  VictimRouter() {
    router.Add({"DELETE", "/indexes/victim", "delete", Scope::kWrite, [this](const HttpRequest&) {
                  ++deletes;
                  exists = false;
                  return HttpResponse{200, "application/json", "{\"deleted\":true}"};
                }});
    router.Add({"POST", "/echo", "echo", Scope::kWrite, [](const HttpRequest& req) {
                  return HttpResponse{200, "text/plain", "echo:" + req.body};
                }});
    router.Add({"GET", "/q", "q", Scope::kRead, [](const HttpRequest& req) {
                  auto x = req.query.find("x");
                  return HttpResponse{200, "text/plain",
                                      req.path + "|" + (x == req.query.end() ? "" : x->second)};
                }});
  }
};

// A server with a VictimRouter and default options, and one raw connection to it: the setup of the
// tests that only send bytes and read answers.
struct VictimConnection {
  VictimRouter v;
  RunningServer server{&v.router, HttpServerOptions{}};
  RawSocket s{server.port()};
};

const char kSmuggled[] = "DELETE /indexes/victim HTTP/1.1\r\nHost: x\r\n\r\n";

// Sends `head` + `body` + a smuggled DELETE on one connection; expects a 400 envelope, the
// connection closed, and the DELETE never run.
void ExpectRefusedAndClosed(const std::string& head, const std::string& body) {
  SCOPED_TRACE(head);
  VictimConnection conn;
  RawSocket& s = conn.s;
  ASSERT_TRUE(s.Send(head + body + kSmuggled));
  const std::string reply = s.ReadResponse();
  EXPECT_EQ(StatusOf(reply), 400) << reply;
  EXPECT_NE(reply.find("\"success\":false"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
  std::string more;
  EXPECT_TRUE(s.ClosedWithin(3000, &more));
  EXPECT_EQ(more, "") << "a second response: the smuggled request was read";
  conn.server.Stop();
  EXPECT_TRUE(conn.v.exists.load());
  EXPECT_EQ(conn.v.deletes.load(), 0);
}

TEST(HttpFramingTest, ContentLengthWithTransferEncodingIsRefused) {
  ExpectRefusedAndClosed(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
      "0\r\n\r\n");
  ExpectRefusedAndClosed(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
      "0\r\n\r\n");
}

TEST(HttpFramingTest, ConflictingOrRepeatedContentLengthIsRefused) {
  ExpectRefusedAndClosed(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 45\r\n\r\n", "");
  ExpectRefusedAndClosed(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", "abc");
  ExpectRefusedAndClosed("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\n", "abc");
}

TEST(HttpFramingTest, ContentLengthMustBeDigits) {
  ExpectRefusedAndClosed("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\n", "abc");
  ExpectRefusedAndClosed("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0x3\r\n\r\n", "abc");
  ExpectRefusedAndClosed("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3 3\r\n\r\n", "abc");
  ExpectRefusedAndClosed("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "abc");
  ExpectRefusedAndClosed(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", "abc");
}

TEST(HttpFramingTest, ObsFoldAndControlCharactersAreRefused) {
  // A folded Content-Length continuation ("3\r\n 0") reads as 3 or as "3 0" depending on the
  // parser.
  ExpectRefusedAndClosed("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n 0\r\n\r\n",
                         "abc");
  ExpectRefusedAndClosed(
      "POST /echo HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\nContent-Length: 3\r\n\r\n", "abc");
  static const char kNul[] =
      "POST /echo HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\nContent-Length: 3\r\n\r\n";
  ExpectRefusedAndClosed(std::string(kNul, sizeof(kNul) - 1), "abc");
  ExpectRefusedAndClosed(
      "POST /echo HTTP/1.1\r\nHost: x\r\nX-A: a\x01z\r\nContent-Length: 3\r\n\r\n", "abc");
  ExpectRefusedAndClosed("POST /echo HTTP/1.1\r\nHost: x\nContent-Length: 3\r\n\r\n", "abc");
  ExpectRefusedAndClosed("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\n", "abc");
}

TEST(HttpFramingTest, TransferEncodingOtherThanChunkedIsRefused) {
  ExpectRefusedAndClosed("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "");
  ExpectRefusedAndClosed(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "0\r\n\r\n");
  ExpectRefusedAndClosed(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "0\r\n\r\n");
  ExpectRefusedAndClosed("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n",
                         "0\r\n\r\n");
  ExpectRefusedAndClosed(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
      "chunked\r\n\r\n",
      "0\r\n\r\n");
  ExpectRefusedAndClosed("POST /echo HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                         "0\r\n\r\n");
}

TEST(HttpFramingTest, BadChunkSizesAreRefused) {
  const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  ExpectRefusedAndClosed(head, "zz\r\nabc\r\n0\r\n\r\n");
  ExpectRefusedAndClosed(head, "-3\r\nabc\r\n0\r\n\r\n");
  ExpectRefusedAndClosed(head, "+3\r\nabc\r\n0\r\n\r\n");
  ExpectRefusedAndClosed(head, "fffffffffffffffff1\r\nabc\r\n0\r\n\r\n");
  ExpectRefusedAndClosed(head, "3\r\nabcdef\r\n0\r\n\r\n");  // chunk longer than declared
}

TEST(HttpFramingTest, ChunkedCaseAndWhitespaceFollowTheDocumentedRule) {
  VictimConnection conn;
  RawSocket& s = conn.s;
  ASSERT_TRUE(
      s.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:  Chunked \r\n\r\n"
             "3\r\nabc\r\n0\r\n\r\n"));
  const std::string reply = s.ReadResponse();
  EXPECT_EQ(StatusOf(reply), 200) << reply;
  EXPECT_EQ(BodyOf(reply), "echo:abc");
}

TEST(HttpFramingTest, PipelinedRequestsAreAllAnsweredInOrder) {
  VictimConnection conn;
  RawSocket& s = conn.s;
  ASSERT_TRUE(
      s.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
             "GET /q?x=2 HTTP/1.1\r\nHost: x\r\n\r\n"
             "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
             "chunked\r\n\r\n5\r\nthree\r\n0\r\n\r\n"));
  const std::string a = s.ReadResponse();
  const std::string b = s.ReadResponse();
  const std::string c = s.ReadResponse();
  EXPECT_EQ(BodyOf(a), "echo:one") << a;
  EXPECT_EQ(BodyOf(b), "/q|2") << b;
  EXPECT_EQ(BodyOf(c), "echo:three") << c;
}

TEST(HttpFramingTest, HalfClosedClientStillGetsItsAnswers) {
  VictimConnection conn;
  RawSocket& s = conn.s;
  ASSERT_TRUE(
      s.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
             "GET /q?x=last HTTP/1.1\r\nHost: x\r\n\r\n"));
  s.ShutdownWrite();
  const std::string a = s.ReadResponse();
  const std::string b = s.ReadResponse();
  EXPECT_EQ(BodyOf(a), "echo:hi") << a;
  EXPECT_EQ(BodyOf(b), "/q|last") << b;
  EXPECT_TRUE(s.ClosedWithin(3000));
}

TEST(HttpFramingTest, AbsoluteFormRoutesLikeOriginForm) {
  VictimConnection conn;
  RawSocket& s = conn.s;
  ASSERT_TRUE(
      s.Send("GET http://example.com:8080/q?x=abs HTTP/1.1\r\nHost: example.com\r\n\r\n"
             "GET HTTP://example.com/q HTTP/1.1\r\nHost: example.com\r\n\r\n"));
  const std::string a = s.ReadResponse();
  const std::string b = s.ReadResponse();
  EXPECT_EQ(StatusOf(a), 200) << a;
  EXPECT_EQ(BodyOf(a), "/q|abs");
  EXPECT_EQ(BodyOf(b), "/q|") << b;
}

TEST(HttpFramingTest, ProtocolErrorsCarryTheEnvelope) {
  VictimRouter v;
  RunningServer server(&v.router, HttpServerOptions{});
  const std::string big_header =
      "GET /q HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(40000, 'a') + "\r\n\r\n";
  const std::string reply = testing::Exchange(server.port(), big_header);
  EXPECT_EQ(StatusOf(reply), 431) << reply.substr(0, 200);
  EXPECT_NE(reply.find("\"success\":false"), std::string::npos);
  const std::string star =
      testing::Exchange(server.port(), "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(star), 400) << star;
}

// The raw checks alone.
TEST(HttpFramingTest, CheckRequestHeadAcceptsOrdinaryRequests) {
  RequestFraming f;
  EXPECT_EQ(CheckRequestHead("POST /a HTTP/1.1\r\nHost: x\r\ncontent-length: 12\r\n\r\n", &f), "");
  EXPECT_EQ(f.content_length, 12u);
  EXPECT_FALSE(f.chunked);
  EXPECT_EQ(CheckRequestHead("POST /a HTTP/1.1\r\nTransfer-Encoding: CHUNKED\r\n\r\n", &f), "");
  EXPECT_TRUE(f.chunked);
  EXPECT_FALSE(f.content_length.has_value());
  EXPECT_EQ(CheckRequestHead("GET /a HTTP/1.1\r\nUser-Agent: caf\xc3\xa9\t1\r\n\r\n", &f), "");
  EXPECT_EQ(HeaderBlockLength("GET / HTTP/1.1\r\n\r\nrest"), 18u);
  EXPECT_EQ(HeaderBlockLength("GET / HTTP/1.1\r\nHost: x\r\n"), 0u);
}

}  // namespace
}  // namespace semble::server
