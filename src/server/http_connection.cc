// Copyright 2026 The semble Authors.
//
// One connection's cycle: read a header block (strict framing, http_framing.h) → admit (route,
// token, declared size) → read or discard the body under its deadline → run the handler (on this
// I/O thread when the route allows it, else on the worker pool; or wait for a deferred response
// on a timer) → write the answer in one gather write → next request (pipelined bytes already
// buffered are served first) or close.
//
// Everything here runs on the connection's I/O thread, except the handler tasks on the pool,
// which hand their answers back through asio::post.
//
// Why handlers may run on the I/O thread: a hand-off to a worker and back costs two thread
// wake-ups per request, and on a VM whose idle vCPUs halt each is a VM exit and an IPI, ~20 µs of
// latency and more of CPU; for a ~100 µs vector query that was most of the HTTP overhead
// (bench/RESULTS.md). A route opts in (Route::try_inline) only for work that computes briefly and
// never blocks; such a handler hands a request that would block to a worker itself (Offload).

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>

#include "server/envelope.h"
#include "server/http_server_impl.h"
#include "server/multipart.h"
#include "server/request_target.h"

namespace semble::server {
namespace {

// A response header field a handler asked for: a token for a name (RFC 9110 5.6.2) and a value
// without control characters, so that no value can end the head or start another field.
bool SafeHeaderField(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  for (char c : value) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

constexpr size_t kReadChunk = 64u << 10;
// How long, and how many bytes, a connection closed after an answer keeps reading (and dropping)
// what the client still sends, so that the answer is not lost to a TCP reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr uint64_t kLingerBytes = 64u << 20;
constexpr MultipartLimits kMultipartLimits{};
// Larger bodies go to a worker even on inline routes: their parsing alone is long enough to
// delay the other connections of the I/O thread.
constexpr size_t kInlineBodyBytes = 64u << 10;

std::string MediaType(std::string_view header) {
  std::string ct(header.substr(0, header.find(';')));
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.pop_back();
  std::transform(ct.begin(), ct.end(), ct.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ct;
}

// Runs on a worker thread: parses a multipart body, then the route's handler.
HttpResponse RunHandler(const Route* route, HttpRequest& r, const std::string& content_type) {
  if (r.multipart) {
    const std::string why =
        ParseMultipart(r.body, MultipartBoundary(content_type), kMultipartLimits, &r.parts);
    if (!why.empty()) return Error(400, kErrMalformedJson, why);
    r.body.clear();
  }
  try {
    return route->handler(r);
  } catch (const std::exception& e) {
    // Engine errors are Status values; an exception here is a bug (or bad_alloc). Answer it
    // rather than let it unwind into the I/O loop.
    return Error(500, kErrInternal, std::string("internal error: ") + e.what());
  }
}

HttpResponse Guarded(const std::function<HttpResponse()>& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return Error(500, kErrInternal, std::string("internal error: ") + e.what());
  }
}

}  // namespace

Connection::Connection(HttpServer::Impl* server, asio::ip::tcp::socket socket,
                       std::string remote_ip, bool counted, size_t io_index)
    : server_(server),
      stream_(std::move(socket)),
      remote_ip_(std::move(remote_ip)),
      counted_(counted),
      io_index_(io_index),
      wait_timer_(stream_.get_executor()) {}

Connection::~Connection() {
  if (counted_) server_->Release(this, remote_ip_, io_index_);
}

void Connection::Start() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->header_deadline_ = Clock::now() + self->server_->options().header_timeout;
    self->ReadHeader();
  });
}

void Connection::Reject(int status, std::string message) {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this(), status, message] {
    self->record_.remote = self->remote_ip_;
    self->Send(Error(status, kErrLimit, message), true);
  });
}

void Connection::Shutdown() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    switch (self->phase_) {
      case Phase::kIdle:
      case Phase::kHeader:
        self->CloseNow();  // no request in flight
        break;
      case Phase::kWaiting:
        self->wait_timer_.cancel();  // the deferred response gives its timed-out answer now
        break;
      default:
        break;  // answered, then closed (Send sees stopping_)
    }
  });
}

void Connection::ReadHeader() {
  // Empty lines before a request line are ignored (RFC 9112 §2.2).
  while (buffer_.size() >= 2 && static_cast<const char*>(buffer_.data().data())[0] == '\r' &&
         static_cast<const char*>(buffer_.data().data())[1] == '\n') {
    buffer_.consume(2);
  }
  const std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  const HttpServerOptions& o = server_->options();
  const size_t n = HeaderBlockLength(data);
  if (n > 0 && n <= o.max_header_bytes + 4) return OnHeaderBlock(n);
  if (n > 0 || data.size() >= o.max_header_bytes) {
    return ProtocolError(431, "the request line and headers are larger than " +
                                  std::to_string(o.max_header_bytes) + " bytes");
  }
  if (stopping_ && data.empty()) return CloseNow();
  Clock::time_point deadline;
  if (data.empty() && !first_request_) {
    phase_ = Phase::kIdle;
    deadline = Clock::now() + o.idle_timeout;
  } else {
    phase_ = data.empty() ? Phase::kIdle : Phase::kHeader;
    deadline = header_deadline_;
  }
  stream_.expires_at(deadline);
  stream_.async_read_some(
      buffer_.prepare(std::min(kReadChunk, o.max_header_bytes + 4 - data.size())),
      [self = shared_from_this(), was_empty = data.empty()](beast::error_code ec, size_t n) {
        self->buffer_.commit(n);
        // Closed by the client, by the header deadline or idle timeout, or by Stop().
        if (ec) return self->CloseNow();
        if (was_empty && !self->first_request_) {
          // The header deadline runs from the first byte of a later request.
          self->header_deadline_ = Clock::now() + self->server_->options().header_timeout;
        }
        self->ReadHeader();
      });
}

void Connection::OnHeaderBlock(size_t length) {
  phase_ = Phase::kHeader;
  record_ = RequestRecord{};
  record_.remote = remote_ip_;
  const std::string_view block(static_cast<const char*>(buffer_.data().data()), length);
  if (std::string why = CheckRequestHead(block, &framing_); !why.empty()) {
    return ProtocolError(400, "malformed HTTP request: " + why);
  }
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(length + 1));
  parser_->body_limit(boost::none);  // the declared size is judged by Admit, after routing
  beast::error_code ec;
  const size_t used = parser_->put(asio::buffer(block.data(), block.size()), ec);
  if (ec || used != length || !parser_->is_header_done()) {
    return ProtocolError(
        400, "malformed HTTP request: " + (ec ? ec.message() : std::string("incomplete header")));
  }
  buffer_.consume(used);
  auto& req = parser_->get();
  record_.method = std::string(req.method_string());
  std::string path;
  if (!ParseRequestTarget(req.target(), &path, &query_)) {
    record_.path = std::string(req.target());
    return ProtocolError(400, "the request target must be a path or an absolute http URL");
  }
  record_.path = path;
  record_.start = Clock::now();
  record_.admitted = true;
  record_.bytes_in = framing_.content_length.value_or(0);
  keep_alive_ = req.keep_alive();
  head_ = req.method() == http::verb::head;
  const bool has_body = framing_.chunked || framing_.content_length.value_or(0) > 0;
  const bool expect_continue =
      req.version() >= 11 && beast::iequals(req[http::field::expect], "100-continue");
  refusal_ = server_->Admit(req.method_string(), path, req[http::field::authorization],
                            framing_.content_length, &record_.route, &captures_);
  if (refusal_) {
    // A refused request's body is still read (and dropped), so that the client sees the answer
    // instead of a reset connection, unless it is declared too large even for that, or the client
    // asked first (100-continue) and will not send it.
    if (has_body && !expect_continue &&
        framing_.content_length.value_or(0) <= server_->DiscardLimit()) {
      discard_ = true;
      return StartBody();
    }
    HttpResponse r = std::move(*refusal_);
    refusal_.reset();
    return Send(std::move(r), has_body || !keep_alive_);
  }
  if (!has_body) return OnBodyDone();
  if (expect_continue) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(server_->options().write_timeout);
    return asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                             [self = shared_from_this()](beast::error_code e, size_t) {
                               if (e) return self->CloseNow();
                               self->StartBody();
                             });
  }
  StartBody();
}

void Connection::StartBody() {
  phase_ = Phase::kBody;
  body_start_ = Clock::now();
  body_bytes_ = 0;
  discarded_ = 0;
  parser_->eager(true);
  // Beast counts the decoded bytes of a chunked body against this limit; a Content-Length body
  // was checked by Admit already.
  if (discard_) {
    parser_->body_limit(boost::none);
  } else {
    parser_->body_limit(uint64_t{server_->options().max_body_bytes});
  }
  ContinueBody();
}

void Connection::ContinueBody() {
  while (!parser_->is_done() && buffer_.size() > 0) {
    beast::error_code ec;
    const size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    body_bytes_ += used;
    if (discard_) {
      std::string& b = parser_->get().body();
      discarded_ += b.size();
      b.clear();
    }
    if (ec == http::error::need_more) break;
    if (ec == http::error::body_limit) {
      return Send(Error(413, kErrBodyTooLarge,
                        "the request body is larger than the limit of " +
                            std::to_string(server_->options().max_body_bytes) + " bytes"),
                  true);
    }
    if (ec) return ProtocolError(400, "malformed request body: " + ec.message());
    if (discard_ && discarded_ > server_->DiscardLimit()) {
      HttpResponse r = std::move(*refusal_);
      refusal_.reset();
      return Send(std::move(r), true);
    }
    if (used == 0) break;
  }
  if (parser_->is_done()) return OnBodyDone();
  // The body's deadline: a fixed allowance plus the time its bytes so far take at the minimum
  // rate, so a large upload at a decent rate is never cut, and a trickle is.
  const HttpServerOptions& o = server_->options();
  const auto allowance = std::chrono::microseconds(
      body_bytes_ * 1000000 / std::max<size_t>(1, o.body_min_bytes_per_second));
  // Its own timer rather than the stream's expiry, which would close the socket before the 408
  // could be written.
  stream_.expires_never();
  wait_timer_.expires_at(body_start_ + o.body_timeout + allowance);
  wait_timer_.async_wait([self = shared_from_this(), gen = ++body_reads_](beast::error_code ec) {
    // An expiry queued just before the read completed belongs to a read that is over.
    if (ec || self->phase_ != Phase::kBody || gen != self->body_reads_) return;
    self->body_late_ = true;
    beast::error_code ignored;
    self->stream_.socket().cancel(ignored);
  });
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->wait_timer_.cancel();
                            self->OnBodyRead(ec, n);
                          });
}

void Connection::OnBodyRead(beast::error_code ec, size_t n) {
  buffer_.commit(n);
  if (body_late_) {
    body_late_ = false;
    return Send(Error(408, kErrInvalid, "the request body did not arrive in time"), true);
  }
  if (ec) return CloseNow();  // the client went away mid-body (or Stop closed the socket)
  ContinueBody();
}

void Connection::OnBodyDone() {
  if (discard_) {
    discard_ = false;
    HttpResponse r = std::move(*refusal_);
    refusal_.reset();
    return Send(std::move(r), !keep_alive_);
  }
  auto& req = parser_->get();
  HttpRequest r;
  r.method = record_.method;
  r.path = record_.path;
  r.captures = std::move(captures_);
  r.query = std::move(query_);
  const std::string content_type(req[http::field::content_type]);
  r.content_type = MediaType(content_type);
  r.multipart = r.content_type == "multipart/form-data";
  r.body = std::move(req.body());
  if (record_.route != nullptr && record_.route->wants_headers) {
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers.emplace_back(std::move(name), std::string(field.value()));
    }
  }
  if (framing_.chunked) record_.bytes_in = r.body.size();
  Handle(std::move(r), content_type);
}

void Connection::Handle(HttpRequest r, std::string content_type) {
  phase_ = Phase::kHandling;
  const Route* route = record_.route;
  if (route->try_inline && !r.multipart && r.body.size() <= kInlineBodyBytes) {
    r.on_io_thread = true;
    HttpResponse out = RunHandler(route, r, content_type);
    if (!out.offload) {
      if (out.deferred != nullptr) return BeginWait(std::move(out.deferred));
      return Send(std::move(out), !keep_alive_);
    }
    r.on_io_thread = false;
  }
  HandleOnWorker(std::move(r), std::move(content_type));
}

void Connection::HandleOnWorker(HttpRequest r, std::string content_type) {
  auto work = asio::prefer(stream_.get_executor(), asio::execution::outstanding_work.tracked);
  server_->pool().Submit([self = shared_from_this(), r = std::move(r), route = record_.route,
                          content_type = std::move(content_type), work]() mutable {
    HttpResponse out = RunHandler(route, r, content_type);
    if (out.deferred == nullptr) return self->SendFromWorker(std::move(out));
    asio::post(self->stream_.get_executor(), [self, deferred = std::move(out.deferred)]() mutable {
      self->BeginWait(std::move(deferred));
    });
  });
}

void Connection::BeginWait(std::shared_ptr<DeferredResponse> deferred) {
  phase_ = Phase::kWaiting;
  // Whoever claims first (the event or the timer) answers.
  auto claimed = std::make_shared<std::atomic<bool>>(false);
  wait_timer_.expires_after(stopping_ ? std::chrono::milliseconds(0) : deferred->timeout);
  wait_timer_.async_wait([self = shared_from_this(), claimed, deferred](beast::error_code) {
    // Expired, or cancelled by Shutdown: the timed-out answer. (A cancel by the event comes
    // after it claimed, so this does nothing then.)
    if (!claimed->exchange(true)) self->FinishWait(deferred->timed_out);
  });
  auto work = asio::prefer(stream_.get_executor(), asio::execution::outstanding_work.tracked);
  server_->pool().Submit([self = shared_from_this(), claimed, deferred, work] {
    deferred->start([self, claimed, deferred] {
      if (claimed->exchange(true)) return;
      asio::post(self->stream_.get_executor(), [self, deferred] {
        self->wait_timer_.cancel();
        self->FinishWait(deferred->answer);
      });
    });
  });
}

void Connection::FinishWait(std::function<HttpResponse()> fn) {
  phase_ = Phase::kHandling;
  auto work = asio::prefer(stream_.get_executor(), asio::execution::outstanding_work.tracked);
  server_->pool().Submit(
      [self = shared_from_this(), fn = std::move(fn), work] { self->SendFromWorker(Guarded(fn)); });
}

void Connection::ProtocolError(int status, std::string message) {
  keep_alive_ = false;
  Send(Error(status, kErrInvalid, message), true);
}

void Connection::Send(HttpResponse r, bool close) {
  close = close || stopping_;
  phase_ = Phase::kWriting;
  Prepare(std::move(r), close);
  // Nearly every answer fits into the socket buffer: one sendmsg now, with no write timer to arm
  // and no completion to queue (which would cost the event loop another epoll_wait).
  const ssize_t n = SendNow();
  if (n == static_cast<ssize_t>(out_head_.size() + out_body_.size()) && buffer_.size() > 0) {
    // Pipelined requests are buffered: go on from the event loop, not deeper down this stack.
    return asio::post(stream_.get_executor(),
                      [self = shared_from_this(), close] { self->OnWritten({}, close); });
  }
  AfterSendNow(n, close);
}

void Connection::SendFromWorker(HttpResponse r) {
  // The connection is quiet while its handler runs (no read, write or timer pending on the
  // socket), so the worker may write the answer itself: the client gets it without waking the I/O
  // thread first. Whatever does not fit into the socket buffer is written by the I/O thread.
  const bool close = !keep_alive_ || stopping_;
  Prepare(std::move(r), close);
  const ssize_t n = SendNow();
  asio::post(stream_.get_executor(),
             [self = shared_from_this(), n, close] { self->AfterSendNow(n, close); });
}

ssize_t Connection::SendNow() {
  iovec iov[2] = {{out_head_.data(), out_head_.size()}, {out_body_.data(), out_body_.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = out_body_.empty() ? 1 : 2;
  const ssize_t n = ::sendmsg(stream_.socket().native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  return n < 0 ? -errno : n;
}

void Connection::AfterSendNow(ssize_t n, bool close) {
  phase_ = Phase::kWriting;
  if (n == static_cast<ssize_t>(out_head_.size() + out_body_.size())) return OnWritten({}, close);
  if (n < 0 && n != -EAGAIN && n != -EWOULDBLOCK) {
    return OnWritten(beast::error_code(static_cast<int>(-n), boost::system::system_category()),
                     close);
  }
  WriteOut(n < 0 ? 0 : static_cast<size_t>(n), close);
}

void Connection::Prepare(HttpResponse r, bool close) {
  record_.status = r.status;
  out_body_ = std::move(r.body);
  record_.bytes_out = out_body_.size();
  const auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(r.status)));
  out_head_.clear();
  out_head_.append("HTTP/1.1 ").append(std::to_string(r.status)).append(" ");
  out_head_.append(reason.data(), reason.size());
  out_head_.append("\r\nContent-Type: ").append(r.content_type);
  out_head_.append("\r\nContent-Length: ").append(std::to_string(out_body_.size()));
  // Cloudflare's SDKs retry 409 by default; a name conflict does not go away on retry.
  if (r.status == 409) out_head_.append("\r\nx-should-retry: false");
  if (r.status == 401) out_head_.append("\r\nWWW-Authenticate: Bearer");
  for (const auto& [name, value] : r.headers) {
    if (!SafeHeaderField(name, value)) continue;
    out_head_.append("\r\n").append(name).append(": ").append(value);
  }
  if (close) {
    out_head_.append("\r\nConnection: close");
  } else {
    // Clients (undici, node's agent) read the timeout and stop reusing a connection before it.
    out_head_.append("\r\nConnection: keep-alive\r\nKeep-Alive: timeout=");
    out_head_.append(std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(server_->options().idle_timeout).count()));
  }
  out_head_.append("\r\n\r\n");
  if (head_) out_body_.clear();
}

void Connection::WriteOut(size_t done, bool close) {
  // Header and body in one gather write (one sendmsg for all but huge bodies).
  const size_t from_head = std::min(done, out_head_.size());
  const size_t from_body = done - from_head;
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(out_head_) + from_head,
                                                  asio::buffer(out_body_) + from_body};
  stream_.expires_after(server_->options().write_timeout);
  asio::async_write(stream_, buffers,
                    [self = shared_from_this(), close](beast::error_code ec, size_t) {
                      self->OnWritten(ec, close);
                    });
}

void Connection::OnWritten(beast::error_code ec, bool close) {
  server_->Log(record_);
  if (ec) return CloseNow();
  if (close) return LingerClose();
  // Ready for the next request, which may already be buffered (pipelining).
  parser_.reset();
  refusal_.reset();
  captures_.clear();
  query_.clear();
  discard_ = false;
  first_request_ = false;
  out_body_.clear();
  out_body_.shrink_to_fit();
  if (buffer_.size() > 0) header_deadline_ = Clock::now() + server_->options().header_timeout;
  ReadHeader();
}

void Connection::LingerClose() {
  phase_ = Phase::kClosing;
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  buffer_.clear();
  stream_.expires_after(kLingerTime);
  struct Drain {
    std::shared_ptr<Connection> self;
    uint64_t total = 0;
    void operator()(beast::error_code ec, size_t n) {
      total += n;
      self->buffer_.clear();
      if (ec || total > kLingerBytes) return self->CloseNow();
      self->stream_.async_read_some(self->buffer_.prepare(kReadChunk), std::move(*this));
    }
  };
  stream_.async_read_some(buffer_.prepare(kReadChunk), Drain{shared_from_this()});
}

void Connection::CloseNow() {
  phase_ = Phase::kClosing;
  wait_timer_.cancel();
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace semble::server
