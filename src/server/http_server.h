// Copyright 2026 The semble Authors.
//
// The HTTP/1.1 server around a Router: cpp-httplib for the protocol, with semble's rules on top.
//
// - Each request is matched to a route and authorized (auth.h) before its body is read, so an
//   unauthorized or unknown request never costs a body's worth of memory.
// - Bodies are capped at max_body_bytes: a larger Content-Length is refused up front (413), and a
//   chunked body is cut off as soon as it passes the cap; either way it is never buffered whole.
// - Every answer, including the protocol errors cpp-httplib produces itself, carries the v4 error
//   envelope, and is counted in Metrics and written to the access log (one JSON object per line).
// - Stop() stops accepting connections; Run() returns once the requests in flight have been
//   answered.
//
// cpp-httplib serves each connection on one pool thread for as long as the client keeps it
// alive, so the pool size bounds the open connections served at once, not CPU use; CPU-heavy
// work (embedding) runs on the embedder's own threads.

#ifndef SEMBLE_SRC_SERVER_HTTP_SERVER_H_
#define SEMBLE_SRC_SERVER_HTTP_SERVER_H_

#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "semble/status.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/router.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace semble::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see Bind)
  // Connection threads; 0 picks max(32, 8 x cores).
  int threads = 0;
  size_t max_body_bytes = 100u << 20;  // Vectorize's documented upload limit
  TokenSet tokens;
  // Where access log lines go; nullptr turns the log off.
  FILE* access_log = stderr;
};

class HttpServer {
 public:
  HttpServer(const Router* router, Metrics* metrics, HttpServerOptions options);
  ~HttpServer();

  // Binds the listening socket; returns the port (the chosen one when options.port is 0).
  Result<int> Bind();
  // Serves until Stop(); returns after in-flight requests are answered.
  Status Run();
  // Thread-safe; not async-signal-safe (call it from a thread that waited for the signal).
  void Stop();

 private:
  // Matches the route and checks the token and the declared size; the refusal, if any.
  std::optional<HttpResponse> Admit(const httplib::Request& req);
  int PreRoute(const httplib::Request& req, httplib::Response& res);
  // Most bytes of a refused request's body read and dropped before the connection is closed.
  size_t DiscardLimit() const;
  void Handle(const httplib::Request& req, httplib::Response& res, HttpRequest request);
  void Log(const httplib::Request& req, const httplib::Response& res);

  const Router* router_;
  Metrics* metrics_;
  HttpServerOptions options_;
  std::unique_ptr<httplib::Server> svr_;
  std::mutex log_mu_;
};

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_HTTP_SERVER_H_
