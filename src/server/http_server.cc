// Copyright 2026 The semble Authors.
//
// HttpServer: the listening socket, the connection limits, admission (route + token + declared
// size, before any body is read), the access log, and a graceful stop. One connection's protocol
// handling is in http_connection.cc.

#include "server/http_server.h"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <thread>

#include "core/cpu_count.h"
#include "core/json_writer.h"
#include "core/time_format.h"
#include "server/envelope.h"
#include "server/http_server_impl.h"
#include "wire/record_json.h"

namespace semble::server {
namespace {

int DefaultMaxConnections() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return 16384;
  const long usable = static_cast<long>(lim.rlim_cur) - 64;
  return static_cast<int>(std::clamp<long>(usable, 16, 16384));
}

// Paths OpenAI's clients call: /v1/... and Workers AI's /client/v4/accounts/{id}/ai/v1/....
// A request there that matches no route is answered in OpenAI's error shape too, since that is
// the only shape those clients read (the openai SDK reports a Cloudflare envelope as "404 status
// code (no body)"), e.g. a chat completion sent to a server that only embeds.
bool IsOpenAiPath(std::string_view path) {
  auto under = [](std::string_view p, std::string_view prefix) {
    return p == prefix || (p.size() > prefix.size() && p.substr(0, prefix.size()) == prefix &&
                           p[prefix.size()] == '/');
  };
  if (under(path, "/v1")) return true;
  constexpr std::string_view kAccounts = "/client/v4/accounts/";
  if (path.substr(0, kAccounts.size()) != kAccounts) return false;
  const std::string_view rest = path.substr(kAccounts.size());
  const size_t slash = rest.find('/');
  return slash != 0 && slash != std::string_view::npos && under(rest.substr(slash), "/ai/v1");
}

}  // namespace

HttpServer::Impl::Impl(const Router* router, Metrics* metrics, HttpServerOptions options)
    : router_(router),
      metrics_(metrics),
      options_(std::move(options)),
      max_connections_(options_.max_connections > 0 ? options_.max_connections
                                                    : DefaultMaxConnections()),
      // Twice the cores by default: a connection is tied to its thread, so when that thread is
      // preempted (a shared machine) or runs a long handler, fewer connections wait for it; at 16
      // connections on 2 busy cores 4-8 threads served 1.2-1.3x what 2 did (bench/RESULTS.md).
      io_connections_(static_cast<size_t>(
          std::max(1, options_.io_threads > 0 ? options_.io_threads : 2 * core::AvailableCores()))),
      ios_{[n = io_connections_.size()] {
        std::vector<std::unique_ptr<asio::io_context>> all;
        // One thread runs each context: Asio can skip its locking.
        for (size_t i = 0; i < n; ++i) all.push_back(std::make_unique<asio::io_context>(1));
        return all;
      }()},
      // The acceptor, its retry timer and Stop() (posted from any thread) run on the first I/O
      // thread, one at a time.
      acceptor_(ios_.all[0]->get_executor()),
      accept_retry_(acceptor_.get_executor()) {
  for (auto& io : ios_.all) keep_running_.push_back(asio::make_work_guard(*io));
  int threads = options_.threads;
  if (threads <= 0) {
    threads = std::max(8, 4 * core::AvailableCores());
  }
  pool_ = std::make_unique<WorkerPool>(threads);
}

HttpServer::Impl::~Impl() {
  // Handlers still queued run (and post their answers to io_contexts that are no longer run);
  // the pool is joined before the io_contexts and the connections they own are destroyed.
  pool_.reset();
}

Result<int> HttpServer::Impl::Bind() {
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(*ios_.all[0]);
  auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port),
                                    asio::ip::tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) {
    return Status::IOError("cannot resolve " + options_.host + ": " + ec.message());
  }
  const asio::ip::tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  // The system's maximum backlog: a burst of connections waits in the kernel instead of being
  // refused (cpp-httplib used 5).
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError("cannot bind " + options_.host + ":" + std::to_string(options_.port) +
                           " (" + ec.message() + ")");
  }
  return static_cast<int>(acceptor_.local_endpoint().port());
}

Status HttpServer::Impl::Run() {
  if (!acceptor_.is_open()) return Status::FailedPrecondition("Run() before a successful Bind()");
  asio::post(acceptor_.get_executor(), [this] { Accept(); });
  std::vector<std::thread> extra;
  for (size_t i = 1; i < ios_.all.size(); ++i) {
    extra.emplace_back([io = ios_.all[i].get()] { io->run(); });
  }
  ios_.all[0]->run();
  for (std::thread& t : extra) t.join();
  return Status::OK();
}

void HttpServer::Impl::Stop() {
  asio::post(acceptor_.get_executor(), [this] {
    std::vector<std::shared_ptr<Connection>> open;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      for (auto& [ptr, weak] : connections_) {
        if (auto c = weak.lock()) open.push_back(std::move(c));
      }
    }
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
    for (auto& c : open) c->Shutdown();
    // Each I/O thread returns once its connections are done (the shutdowns just posted count).
    keep_running_.clear();
  });
}

void HttpServer::Impl::Accept() {
  // Chosen before the client arrives (the socket belongs to a context from the start); counts
  // change only here and when connections close, so the choice is rarely stale. Ties go to the
  // last thread: the first one also accepts, which its connections' handlers delay.
  size_t io_index = io_connections_.size() - 1;
  {
    std::lock_guard lock(mu_);
    for (size_t i = io_index; i-- > 0;) {
      if (io_connections_[i] < io_connections_[io_index]) io_index = i;
    }
  }
  acceptor_.async_accept(ios_.all[io_index]->get_executor(),
                         [this, io_index](beast::error_code ec, asio::ip::tcp::socket socket) {
                           OnAccept(ec, std::move(socket), io_index);
                         });
}

void HttpServer::Impl::OnAccept(beast::error_code ec, asio::ip::tcp::socket socket,
                                size_t io_index) {
  if (!acceptor_.is_open()) return;  // stopped
  if (ec) {
    // Out of file descriptors (or another transient failure): retry shortly rather than spin.
    accept_retry_.expires_after(std::chrono::milliseconds(50));
    accept_retry_.async_wait([this](beast::error_code e) {
      if (!e && acceptor_.is_open()) Accept();
    });
    return;
  }
  beast::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  const auto peer = socket.remote_endpoint(ignored);
  std::string ip = ignored ? std::string("unknown") : peer.address().to_string();
  std::shared_ptr<Connection> c;
  std::string refusal;
  {
    std::lock_guard lock(mu_);
    if (static_cast<int>(connections_.size()) >= max_connections_) {
      refusal = "the server has reached its limit of " + std::to_string(max_connections_) +
                " open connections";
    } else if (per_ip_[ip] >= options_.max_connections_per_client) {
      refusal = "this client has reached the limit of " +
                std::to_string(options_.max_connections_per_client) + " open connections";
    }
    if (per_ip_[ip] == 0 && !refusal.empty()) per_ip_.erase(ip);
    if (refusal.empty()) {
      c = std::make_shared<Connection>(this, std::move(socket), ip, true, io_index);
      connections_.emplace(c.get(), c);
      ++per_ip_[ip];
      ++io_connections_[io_index];
    }
  }
  if (c != nullptr) {
    c->Start();
  } else {
    auto rejected = std::make_shared<Connection>(this, std::move(socket), ip, false, io_index);
    rejected->Reject(503, std::move(refusal));
  }
  Accept();
}

void HttpServer::Impl::Release(Connection* c, const std::string& ip, size_t io_index) {
  std::lock_guard lock(mu_);
  connections_.erase(c);
  --io_connections_[io_index];
  auto it = per_ip_.find(ip);
  if (it != per_ip_.end() && --it->second <= 0) per_ip_.erase(it);
}

std::optional<HttpResponse> HttpServer::Impl::Admit(std::string_view method,
                                                    const std::string& path,
                                                    std::string_view authorization,
                                                    std::optional<uint64_t> content_length,
                                                    const Route** route,
                                                    std::vector<std::string>* captures) const {
  const std::string m(method);
  const auto match = router_->Match(m, path, route, captures);
  if (match == Router::MatchResult::kNoRoute) {
    *route = nullptr;
    const std::string message = "no route for " + m + " " + path;
    return IsOpenAiPath(path) ? OpenAiError(404, "unknown_url", message)
                              : Error(404, kErrNoRoute, message);
  }
  if (match == Router::MatchResult::kWrongMethod) {
    *route = nullptr;
    const std::string message = "method " + m + " is not allowed on " + path;
    return IsOpenAiPath(path) ? OpenAiError(405, "method_not_allowed", message)
                              : Error(405, kErrMethodNotAllowed, message);
  }
  // An error in the shape the route's clients read.
  auto fail = [&](int http, int code, const char* openai_code, const std::string& message) {
    return (*route)->openai_errors ? OpenAiError(http, openai_code, message)
                                   : Error(http, code, message);
  };
  switch (options_.tokens.Check(std::string(authorization), (*route)->scope)) {
    case TokenSet::Decision::kAllow:
      break;
    case TokenSet::Decision::kUnauthenticated:
      return fail(401, kErrAuth, "invalid_api_key",
                  "Authentication error: a valid bearer token is required");
    case TokenSet::Decision::kForbidden:
      return fail(403, kErrAuth, "insufficient_permissions",
                  "Authentication error: this token has read scope only");
  }
  if (content_length && *content_length > options_.max_body_bytes) {
    return fail(413, kErrBodyTooLarge, "request_too_large",
                "the request body is " + std::to_string(*content_length) +
                    " bytes, larger than the limit of " + std::to_string(options_.max_body_bytes) +
                    " bytes");
  }
  return std::nullopt;
}

void HttpServer::Impl::Log(const RequestRecord& r) {
  const double seconds =
      r.admitted ? std::chrono::duration<double>(Clock::now() - r.start).count() : 0.0;
  const std::string route = r.route != nullptr ? r.route->name : "unmatched";
  metrics_->Observe(route, r.status, seconds);
  if (options_.access_log == nullptr) return;
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  core::JsonWriter w;
  w.BeginObject();
  w.Key("ts").String(core::FormatIso8601Millis(now_ms));
  w.Key("remote").String(r.remote);
  w.Key("method").String(r.method);
  w.Key("path").String(r.path);
  w.Key("route").String(route);
  w.Key("status").Int(r.status);
  w.Key("bytes_in").Uint(r.bytes_in);
  w.Key("bytes_out").Uint(r.bytes_out);
  w.Key("duration_ms").Double(std::round(seconds * 1e6) / 1e3);  // µs resolution
  w.EndObject();
  std::string line = w.Take();
  line += '\n';
  std::lock_guard lock(log_mu_);
  std::fwrite(line.data(), 1, line.size(), options_.access_log);
}

HttpServer::HttpServer(const Router* router, Metrics* metrics, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(router, metrics, std::move(options))) {}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::Bind() { return impl_->Bind(); }

Status HttpServer::Run() { return impl_->Run(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace semble::server
