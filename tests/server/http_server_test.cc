// Copyright 2026 The semble Authors.
//
// The HTTP layer over a real socket: body caps (declared and chunked), refusal before the body is
// read, the envelope on protocol errors, and a graceful stop that answers requests in flight.

#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "server/raw_client.h"
#include "server/running_server.h"

namespace semble::server {
namespace {

using testing::BodyOf;
using testing::Exchange;
using testing::RunningServer;
using testing::StatusOf;

// A request with a body and its headers, as an HTTP client would send it.
std::string Post(const std::string& path, const std::string& body,
                 const std::string& extra_headers = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

std::string Get(const std::string& path) { return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"; }

// Sends raw bytes and returns everything the server answers until it closes or `timeout`.
std::string RawExchange(int port, const std::string& request, size_t extra_bytes = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return "";
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  // Optional body bytes, sent in pieces; the server may stop reading (and close) at any time.
  const std::string chunk(64 * 1024, 'x');
  for (size_t sent = 0; sent < extra_bytes; sent += chunk.size()) {
    if (::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0) break;
  }
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.find("\r\n\r\n") != std::string::npos) {
      // Headers are in; read the body by Content-Length if given, then stop.
      const size_t cl = out.find("Content-Length: ");
      const size_t header_end = out.find("\r\n\r\n") + 4;
      if (cl != std::string::npos) {
        const size_t len = std::strtoul(out.c_str() + cl + 16, nullptr, 10);
        if (out.size() >= header_end + len) break;
      }
    }
  }
  ::close(fd);
  return out;
}

Router EchoRouter(std::atomic<int>* calls) {
  Router r;
  r.Add({"POST", "/echo", "echo", Scope::kWrite, [calls](const HttpRequest& req) {
           ++*calls;
           HttpResponse res;
           res.content_type = "text/plain";
           res.body = std::to_string(req.body.size());
           return res;
         }});
  r.Add({"GET", "/slow", "slow", Scope::kRead, [calls](const HttpRequest&) {
           ++*calls;  // on entry: a test can wait until the request is in the handler
           std::this_thread::sleep_for(std::chrono::milliseconds(300));
           HttpResponse res;
           res.body = "{\"done\":true}";
           return res;
         }});
  return r;
}

TEST(HttpServerTest, BodyUnderTheCapReachesTheHandler) {
  std::atomic<int> calls{0};
  Router router = EchoRouter(&calls);
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  RunningServer server(&router, options);
  const std::string res = Exchange(server.port(), Post("/echo", std::string(1000, 'a')));
  EXPECT_EQ(StatusOf(res), 200) << res;
  EXPECT_EQ(BodyOf(res), "1000");
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpServerTest, DeclaredOversizeBodyIsRefusedBeforeItIsRead) {
  std::atomic<int> calls{0};
  Router router = EchoRouter(&calls);
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  RunningServer server(&router, options);
  // Only the headers are sent: the answer must come without the server waiting for 1 TB.
  const std::string reply = RawExchange(
      server.port(), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
  EXPECT_NE(reply.find("\"code\":40013"), std::string::npos) << reply;
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServerTest, ChunkedBodyIsCutOffAtTheCap) {
  std::atomic<int> calls{0};
  Router router = EchoRouter(&calls);
  HttpServerOptions options;
  options.max_body_bytes = 100000;
  RunningServer server(&router, options);
  // One declared 4 MB chunk: the server must stop reading at the cap and answer 413.
  const std::string head =
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n400000\r\n";
  const std::string reply = RawExchange(server.port(), head, 4u << 20);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply.substr(0, 200);
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServerTest, UnauthorizedWriteNeverReachesTheHandler) {
  std::atomic<int> calls{0};
  Router router = EchoRouter(&calls);
  HttpServerOptions options;
  auto tokens = TokenSet::Parse("write wwwwwwwwwwwwwwwwwwww\nread rrrrrrrrrrrrrrrrrrrr");
  ASSERT_TRUE(tokens.ok());
  options.tokens = *tokens;
  RunningServer server(&router, options);
  // The body is read and dropped so the client sees the answer, not a reset connection.
  const std::string no_token = RawExchange(
      server.port(), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5242880\r\n\r\n", 5u << 20);
  EXPECT_EQ(no_token.rfind("HTTP/1.1 401", 0), 0u) << no_token;
  EXPECT_NE(no_token.find("\"code\":10000"), std::string::npos);
  const std::string read_only = Exchange(
      server.port(), Post("/echo", "abc", "Authorization: Bearer rrrrrrrrrrrrrrrrrrrr\r\n"));
  EXPECT_EQ(StatusOf(read_only), 403) << read_only;
  const std::string writer = Exchange(
      server.port(), Post("/echo", "abc", "Authorization: Bearer wwwwwwwwwwwwwwwwwwww\r\n"));
  EXPECT_EQ(StatusOf(writer), 200) << writer;
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpServerTest, ExpectContinueGetsTheRefusalBeforeTheBody) {
  std::atomic<int> calls{0};
  Router router = EchoRouter(&calls);
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  RunningServer server(&router, options);
  // Headers only: a client that asked to continue must not have to send the body to learn 413.
  const std::string reply = RawExchange(
      server.port(),
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServerTest, OversizeBodyWithinTheDiscardLimitGetsA413) {
  std::atomic<int> calls{0};
  Router router = EchoRouter(&calls);
  HttpServerOptions options;
  options.max_body_bytes = 1u << 20;
  RunningServer server(&router, options);
  const std::string reply = RawExchange(
      server.port(), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n", 2u << 20);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply.substr(0, 200);
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServerTest, ProtocolErrorsAndUnknownRoutesCarryTheEnvelope) {
  std::atomic<int> calls{0};
  Router router = EchoRouter(&calls);
  RunningServer server(&router, HttpServerOptions{});
  const std::string garbage = RawExchange(server.port(), "NONSENSE\r\n\r\n");
  EXPECT_EQ(garbage.rfind("HTTP/1.1 400", 0), 0u) << garbage;
  EXPECT_NE(garbage.find("\"success\":false"), std::string::npos) << garbage;
  const std::string missing = Exchange(server.port(), Get("/nowhere"));
  EXPECT_EQ(StatusOf(missing), 404) << missing;
  EXPECT_NE(missing.find("\"code\":7000"), std::string::npos);
  const std::string wrong = Exchange(server.port(), Get("/echo"));
  EXPECT_EQ(StatusOf(wrong), 405) << wrong;
  // Requests are counted after their answer is sent, each on the I/O thread that sent it: wait
  // for all three series (up to 10 s on a loaded machine).
  std::string metrics;
  for (int i = 0; i < 2000; ++i) {
    metrics.clear();
    server.metrics().Render(&metrics);
    if (metrics.find("code=\"405\"") != std::string::npos &&
        metrics.find("code=\"404\"") != std::string::npos &&
        metrics.find("code=\"400\"") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_NE(metrics.find("semble_http_requests_total{route=\"unmatched\",code=\"404\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("semble_http_requests_total{route=\"unmatched\",code=\"400\"} 1"),
            std::string::npos)
      << metrics;
  // A request that never reached routing adds no duration, rather than one from a stale clock.
  const std::string sum_key = "semble_http_request_duration_seconds_sum{route=\"unmatched\"} ";
  const size_t at = metrics.find(sum_key);
  ASSERT_NE(at, std::string::npos);
  EXPECT_LT(std::strtod(metrics.c_str() + at + sum_key.size(), nullptr), 10.0);
}

TEST(HttpServerTest, StopAnswersTheRequestInFlight) {
  std::atomic<int> calls{0};
  Router router = EchoRouter(&calls);
  RunningServer server(&router, HttpServerOptions{});
  auto slow = std::async(std::launch::async,
                         [&] { return StatusOf(Exchange(server.port(), Get("/slow"))); });
  // Stop only once the request is in the handler (a fixed sleep raced with a loaded machine:
  // the request was not yet read, and Stop rightly refused it).
  for (int i = 0; i < 2000 && calls.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(calls.load(), 1);
  server.Stop();
  EXPECT_EQ(slow.get(), 200);
  EXPECT_EQ(Exchange(server.port(), Get("/slow")), "");  // no longer accepting
}

}  // namespace
}  // namespace semble::server
