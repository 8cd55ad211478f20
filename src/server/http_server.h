// Copyright 2026 The semble Authors.
//
// The HTTP/1.1 server around a Router: Boost.Beast's parser and Asio's asynchronous sockets, with
// semble's rules on top.
//
// - Socket I/O is asynchronous on a few I/O threads, so an open connection (idle, slow or waiting
//   for an event) holds no thread. Route handlers run on a separate pool of `threads` workers,
//   because they block (fsync, embedding), except those of routes that compute briefly
//   (Route::try_inline: vector queries), which the I/O thread runs itself, sparing two hand-offs.
// - Every phase has a deadline independent of how the bytes trickle in: the header block
//   (header_timeout from its first byte), the body (body_timeout plus the time its bytes take at
//   body_min_bytes_per_second), the wait for the next request on a kept-alive connection
//   (idle_timeout), and each response write (write_timeout). Connections are capped in total and
//   per client IP; the excess is answered 503 and closed.
// - Framing is strict (http_framing.h): anything that two parsers could read differently is
//   refused with 400 and the connection closed. Pipelined requests are answered in order.
// - Each request is matched to a route and authorized (auth.h) before its body is read, so an
//   unauthorized or unknown request never costs a body's worth of memory.
// - Bodies are capped at max_body_bytes: a larger Content-Length is refused up front (413), and a
//   chunked body is cut off as soon as it passes the cap; either way it is never buffered whole.
// - Every answer, including protocol errors, carries the v4 error envelope, and is counted in
//   Metrics and written to the access log (one JSON object per line).
// - A handler may answer later (DeferredResponse in router.h); the wait is a timer on the I/O
//   threads plus the event, not a blocked worker.
// - Stop() stops accepting and closes idle connections; Run() returns once the requests in flight
//   have been answered.
//
// No Boost type crosses this header; routes see HttpRequest and HttpResponse only.

#ifndef SEMBLE_SRC_SERVER_HTTP_SERVER_H_
#define SEMBLE_SRC_SERVER_HTTP_SERVER_H_

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "semble/status.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/router.h"

namespace semble::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see Bind)
  // Worker threads that run route handlers; 0 picks max(8, 4 x cores).
  int threads = 0;
  // Threads that do socket I/O (parsing, writing) and run the handlers of Route::try_inline
  // routes; each connection stays on one. 0 picks 2 x cores.
  int io_threads = 0;
  size_t max_body_bytes = 100u << 20;  // Vectorize's documented upload limit
  // Request line and headers together.
  size_t max_header_bytes = 16u << 10;
  TokenSet tokens;
  // Where access log lines go; nullptr turns the log off.
  FILE* access_log = stderr;

  // From the first byte of a request (or the accept, for a connection's first request) to the
  // end of its header block.
  std::chrono::milliseconds header_timeout{10000};
  // A body must arrive within body_timeout plus its size at body_min_bytes_per_second.
  std::chrono::milliseconds body_timeout{10000};
  size_t body_min_bytes_per_second = 64u << 10;
  // How long a kept-alive connection may wait for its next request (sent as Keep-Alive: timeout).
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds write_timeout{30000};
  // Open connections at once; 0 picks the open-file limit less 64, at most 16384.
  int max_connections = 0;
  int max_connections_per_client = 1024;  // per remote IP address
};

class HttpServer {
 public:
  HttpServer(const Router* router, Metrics* metrics, HttpServerOptions options);
  ~HttpServer();

  // Binds the listening socket (backlog: the system's maximum); returns the port (the chosen one
  // when options.port is 0).
  Result<int> Bind();
  // Serves until Stop(); returns after in-flight requests are answered.
  Status Run();
  // Thread-safe; not async-signal-safe (call it from a thread that waited for the signal).
  void Stop();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_HTTP_SERVER_H_
