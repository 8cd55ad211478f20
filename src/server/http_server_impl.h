// Copyright 2026 The semble Authors.
//
// Internals of HttpServer shared by http_server.cc (listening, limits, admission, logging, stop)
// and http_connection.cc (one connection's read/answer cycle). Boost.Asio types live here and in
// those two files only.
//
// Threads: each I/O thread runs an io_context of its own, and a connection lives on one of them
// (the one with the fewest connections when it was accepted) for its whole life, so its
// callbacks never need a strand and never move between cores. A connection's request runs on
// that thread too when its route allows it (Route::try_inline), else on the worker pool.

#ifndef SEMBLE_SRC_SERVER_HTTP_SERVER_IMPL_H_
#define SEMBLE_SRC_SERVER_HTTP_SERVER_IMPL_H_

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/http_framing.h"
#include "server/http_server.h"
#include "server/worker_pool.h"

namespace semble::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

// What the access log and metrics record about one answered request.
struct RequestRecord {
  std::string remote;
  std::string method;
  std::string path;
  const Route* route = nullptr;  // nullptr: the request never reached routing
  bool admitted = false;
  Clock::time_point start;
  int status = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
};

class Connection;

class HttpServer::Impl {
 public:
  Impl(const Router* router, Metrics* metrics, HttpServerOptions options);
  ~Impl();

  Result<int> Bind();
  Status Run();
  void Stop();

  const HttpServerOptions& options() const { return options_; }
  const Router& router() const { return *router_; }
  WorkerPool& pool() { return *pool_; }

  // Matches the route and checks the token and the declared size; the refusal, if any.
  std::optional<HttpResponse> Admit(std::string_view method, const std::string& path,
                                    std::string_view authorization,
                                    std::optional<uint64_t> content_length, const Route** route,
                                    std::vector<std::string>* captures) const;
  // Most bytes of a refused request's body read and dropped before the connection is closed.
  uint64_t DiscardLimit() const { return 4 * uint64_t{options_.max_body_bytes} + (1u << 20); }
  void Log(const RequestRecord& r);

  // A connection ends: frees its place under the limits and on its I/O thread.
  void Release(Connection* c, const std::string& ip, size_t io_index);

 private:
  // Destroys the I/O threads' contexts first to last: the acceptor's context (the first) holds
  // the socket of a pending accept, which belongs to another context.
  struct IoContexts {
    std::vector<std::unique_ptr<asio::io_context>> all;
    ~IoContexts() {
      for (auto& io : all) io.reset();
    }
  };

  // Starts the next accept, for the I/O thread with the fewest connections.
  void Accept();
  void OnAccept(beast::error_code ec, asio::ip::tcp::socket socket, size_t io_index);

  const Router* router_;
  Metrics* metrics_;
  HttpServerOptions options_;
  int max_connections_;
  std::mutex log_mu_;

  // Open connections, for the limits and for Stop(), guarded by mu_. Declared before ios_: the
  // io_contexts destroy pending handlers, whose connections then Release().
  std::mutex mu_;
  bool stopping_ = false;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;
  std::unordered_map<std::string, int> per_ip_;
  std::vector<int> io_connections_;  // open connections per I/O thread

  IoContexts ios_;
  // Keeps the I/O threads running while no connection is open; dropped by Stop().
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running_;
  asio::ip::tcp::acceptor acceptor_;  // on the first I/O thread
  asio::steady_timer accept_retry_;
  std::unique_ptr<WorkerPool> pool_;
};

// One accepted TCP connection: reads a request, answers it, and repeats while kept alive. All of
// its state is touched only on its I/O thread (and by a worker while a handler runs there and
// nothing else is pending, see SendFromWorker).
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(HttpServer::Impl* server, asio::ip::tcp::socket socket, std::string remote_ip,
             bool counted, size_t io_index);
  ~Connection();

  void Start();
  // Answers `status` (503: the limits are reached) and closes.
  void Reject(int status, std::string message);
  // Server stopping: close if idle, otherwise finish the request in flight and close after it.
  void Shutdown();

 private:
  enum class Phase { kIdle, kHeader, kBody, kHandling, kWaiting, kWriting, kClosing };

  void ReadHeader();
  void OnHeaderBlock(size_t length);
  void StartBody();
  void ContinueBody();
  void OnBodyRead(beast::error_code ec, size_t n);
  void OnBodyDone();
  // Runs the handler here when the route allows and the request is small, else on a worker.
  void Handle(HttpRequest request, std::string content_type);
  void HandleOnWorker(HttpRequest request, std::string content_type);
  void BeginWait(std::shared_ptr<DeferredResponse> deferred);
  void FinishWait(std::function<HttpResponse()> fn);
  // Sends a response; `close` ends the connection after it.
  void Send(HttpResponse response, bool close);
  // The same from the worker thread that produced the answer (see the .cc for why it may).
  void SendFromWorker(HttpResponse response);
  // One non-blocking sendmsg of out_head_ + out_body_: the bytes sent, or -errno.
  ssize_t SendNow();
  // After SendNow() sent `n`: done, failed, or the rest written asynchronously.
  void AfterSendNow(ssize_t n, bool close);
  // Serializes the response's header into out_head_ and its body into out_body_.
  void Prepare(HttpResponse response, bool close);
  // Writes out_head_ + out_body_ from byte `done` on.
  void WriteOut(size_t done, bool close);
  void ProtocolError(int status, std::string message);
  void OnWritten(beast::error_code ec, bool close);
  // Stops sending, drains what the client still sends for a moment so that the answer is not
  // destroyed by a reset, then closes.
  void LingerClose();
  void CloseNow();

  HttpServer::Impl* const server_;
  beast::tcp_stream stream_;
  const std::string remote_ip_;
  const bool counted_;
  const size_t io_index_;
  beast::flat_buffer buffer_;
  Phase phase_ = Phase::kIdle;
  bool first_request_ = true;
  std::atomic<bool> stopping_{false};  // also read by the worker that sends an answer
  Clock::time_point header_deadline_;
  asio::steady_timer wait_timer_;

  // The request being served.
  std::optional<http::request_parser<http::string_body>> parser_;
  RequestFraming framing_;
  RequestRecord record_;
  std::vector<std::string> captures_;
  std::map<std::string, std::string> query_;
  std::optional<HttpResponse> refusal_;  // answer after discarding the body
  bool discard_ = false;
  bool keep_alive_ = true;
  bool head_ = false;
  bool body_late_ = false;   // the body deadline passed (the pending read was cancelled)
  uint64_t body_reads_ = 0;  // numbers the body reads, so a stale deadline expiry is ignored
  uint64_t body_bytes_ = 0;  // bytes of body framing consumed so far
  uint64_t discarded_ = 0;   // body bytes dropped (refused requests)
  Clock::time_point body_start_;

  // The response being written (one gather write).
  std::string out_head_;
  std::string out_body_;
};

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_HTTP_SERVER_IMPL_H_
