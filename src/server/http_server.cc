// Copyright 2026 The semble Authors.

#include "server/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <chrono>
#include <optional>
#include <thread>

#include "core/json_writer.h"
#include "db/record_json.h"
#include "server/envelope.h"

namespace semble::server {
namespace {

using Clock = std::chrono::steady_clock;

// What pre-routing learns about a request, for the handler and the logger that run after it on
// the same connection thread.
struct RequestState {
  Clock::time_point start;
  const Route* route = nullptr;
  std::vector<std::string> captures;
  // Set when the request is refused but has a body: the body is read and thrown away first, so
  // the client sees the answer instead of a reset connection (see Admit).
  std::optional<HttpResponse> refusal;
  // Set by Admit, cleared by Log: a request cpp-httplib answered by itself (a malformed request
  // line) never reached Admit, and has neither route nor start time.
  bool admitted = false;
};
thread_local RequestState tls_state;

constexpr size_t kMaxMultipartParts = 16;

bool HasBody(const httplib::Request& req) {
  return req.has_header("Transfer-Encoding") ||
         std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) > 0;
}

void Send(const HttpResponse& r, httplib::Response& res) {
  res.status = r.status;
  res.set_content(r.body, r.content_type.c_str());
  // Cloudflare's SDKs retry 409 by default; a name conflict does not go away on retry.
  if (r.status == 409) res.set_header("x-should-retry", "false");
}

std::string MediaType(const httplib::Request& req) {
  std::string ct = req.get_header_value("Content-Type");
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  std::transform(ct.begin(), ct.end(), ct.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ct;
}

}  // namespace

HttpServer::HttpServer(const Router* router, Metrics* metrics, HttpServerOptions options)
    : router_(router),
      metrics_(metrics),
      options_(std::move(options)),
      svr_(std::make_unique<httplib::Server>()) {
  int threads = options_.threads;
  if (threads <= 0) {
    threads = std::max(32, 8 * static_cast<int>(std::thread::hardware_concurrency()));
  }
  svr_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr_->set_tcp_nodelay(true);
  svr_->set_keep_alive_max_count(100000);
  // An idle keep-alive connection holds its thread until this timeout, and Stop() waits for every
  // thread: 2 s bounds shutdown, and clients read it from the Keep-Alive header (undici and
  // node's http agent stop reusing a connection before the server's timeout).
  svr_->set_keep_alive_timeout(2);
  svr_->set_read_timeout(60);
  svr_->set_write_timeout(60);
  // Bodies are read by the content-reader handlers below, which enforce the cap themselves; this
  // covers the paths where cpp-httplib reads a body on its own.
  svr_->set_payload_max_length(options_.max_body_bytes);

  svr_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    return static_cast<httplib::Server::HandlerResponse>(PreRoute(req, res));
  });
  // "Expect: 100-continue": answer a refused request before the client sends its body.
  svr_->set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
    std::optional<HttpResponse> refusal = Admit(req);
    if (!refusal) return 100;
    Send(*refusal, res);
    res.set_header("Connection", "close");
    return refusal->status;
  });
  auto plain = [this](const httplib::Request& req, httplib::Response& res) {
    if (tls_state.refusal) {
      Send(*tls_state.refusal, res);
      return;
    }
    HttpRequest r;
    r.body = req.body;
    Handle(req, res, std::move(r));
  };
  auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader) {
    HttpRequest r;
    size_t total = 0;
    bool too_large = false;
    bool too_many_parts = false;
    if (tls_state.refusal) {
      // Read the body of a refused request without keeping it, up to the discard limit.
      const bool drained = reader([&](const char*, size_t n) {
        total += n;
        return total <= DiscardLimit();
      });
      Send(*tls_state.refusal, res);
      if (!drained) res.set_header("Connection", "close");
      return;
    }
    if (const std::string len = req.get_header_value("Content-Length"); !len.empty()) {
      r.body.reserve(std::strtoull(len.c_str(), nullptr, 10));  // checked against the cap
    }
    auto take = [&](std::string* into, const char* data, size_t n) {
      total += n;
      if (total > options_.max_body_bytes) {
        too_large = true;
        return false;
      }
      into->append(data, n);
      return true;
    };
    bool read_ok;
    if (req.is_multipart_form_data()) {
      r.multipart = true;
      std::string* current = nullptr;
      read_ok = reader(
          [&](const httplib::MultipartFormData& part) {
            if (r.parts.size() >= kMaxMultipartParts) {
              too_many_parts = true;
              return false;
            }
            current = &r.parts[part.name];
            return true;
          },
          [&](const char* data, size_t n) { return take(current, data, n); });
    } else {
      read_ok = reader([&](const char* data, size_t n) { return take(&r.body, data, n); });
    }
    if (too_large) {
      Send(Error(413, kErrBodyTooLarge,
                 "the request body is larger than the limit of " +
                     std::to_string(options_.max_body_bytes) + " bytes"),
           res);
      res.set_header("Connection", "close");
      return;
    }
    if (too_many_parts) {
      Send(Error(400, kErrMalformedJson,
                 "more than " + std::to_string(kMaxMultipartParts) + " multipart parts"),
           res);
      return;
    }
    if (!read_ok) {
      Send(Error(400, kErrMalformedJson, "the request body could not be read"), res);
      return;
    }
    Handle(req, res, std::move(r));
  };
  const char* kAny = R"(/.*)";
  svr_->Get(kAny, plain);
  svr_->Post(kAny, plain);
  svr_->Put(kAny, plain);
  svr_->Patch(kAny, plain);
  svr_->Delete(kAny, plain);
  svr_->Options(kAny, plain);
  svr_->Post(kAny, with_body);
  svr_->Put(kAny, with_body);
  svr_->Patch(kAny, with_body);
  svr_->Delete(kAny, with_body);

  // Errors cpp-httplib answers by itself (a malformed request line, a body over the cap) get the
  // envelope too.
  svr_->set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const int code = res.status == 413 ? kErrBodyTooLarge : kErrInvalid;
        const std::string what = res.status == 413 ? "the request body is too large"
                                 : res.status == 414 ? "the request URI is too long"
                                                     : "malformed HTTP request";
        Send(Error(res.status, code, what), res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  svr_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    Log(req, res);
  });
}

HttpServer::~HttpServer() = default;

std::optional<HttpResponse> HttpServer::Admit(const httplib::Request& req) {
  RequestState& st = tls_state;
  st.start = Clock::now();
  st.route = nullptr;
  st.refusal.reset();
  st.admitted = true;
  const auto match = router_->Match(req.method, req.path, &st.route, &st.captures);
  if (match == Router::MatchResult::kNoRoute) {
    return Error(404, kErrNoRoute, "no route for " + req.method + " " + req.path);
  }
  if (match == Router::MatchResult::kWrongMethod) {
    return Error(405, kErrMethodNotAllowed, "method " + req.method + " is not allowed on " + req.path);
  }
  switch (options_.tokens.Check(req.get_header_value("Authorization"), st.route->scope)) {
    case TokenSet::Decision::kAllow:
      break;
    case TokenSet::Decision::kUnauthenticated:
      return Error(401, kErrAuth, "Authentication error: a valid bearer token is required");
    case TokenSet::Decision::kForbidden:
      return Error(403, kErrAuth, "Authentication error: this token has read scope only");
  }
  if (req.has_header("Content-Length")) {
    const std::string len = req.get_header_value("Content-Length");
    if (std::strtoull(len.c_str(), nullptr, 10) > options_.max_body_bytes) {
      return Error(413, kErrBodyTooLarge,
                   "the request body is " + len + " bytes, larger than the limit of " +
                       std::to_string(options_.max_body_bytes) + " bytes");
    }
  }
  return std::nullopt;
}

size_t HttpServer::DiscardLimit() const { return 4 * options_.max_body_bytes + (1u << 20); }

int HttpServer::PreRoute(const httplib::Request& req, httplib::Response& res) {
  using HR = httplib::Server::HandlerResponse;
  std::optional<HttpResponse> refusal = Admit(req);
  if (!refusal) return static_cast<int>(HR::Unhandled);
  if (refusal->status == 401) res.set_header("WWW-Authenticate", "Bearer");
  // A refused request's body is still read (and dropped) by the handler, unless it is declared
  // too large even for that: then the answer goes out at once and the connection is closed.
  const uint64_t declared =
      std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
  if (HasBody(req) && declared <= DiscardLimit()) {
    tls_state.refusal = std::move(refusal);
    return static_cast<int>(HR::Unhandled);
  }
  Send(*refusal, res);
  res.set_header("Connection", "close");
  return static_cast<int>(HR::Handled);
}

void HttpServer::Handle(const httplib::Request& req, httplib::Response& res, HttpRequest r) {
  const RequestState& st = tls_state;
  if (st.route == nullptr) {  // cannot happen: pre-routing answered every unmatched request
    Send(Error(500, kErrInternal, "request reached a handler without a route"), res);
    return;
  }
  r.method = req.method;
  r.path = req.path;
  r.captures = st.captures;
  r.content_type = MediaType(req);
  for (const auto& [key, value] : req.params) r.query.emplace(key, value);  // keeps the first
  HttpResponse out;
  try {
    out = st.route->handler(r);
  } catch (const std::exception& e) {
    // Engine errors are Status values; an exception here is a bug (or bad_alloc). Answer it
    // rather than let it unwind into the HTTP library.
    out = Error(500, kErrInternal, std::string("internal error: ") + e.what());
  }
  Send(out, res);
}

void HttpServer::Log(const httplib::Request& req, const httplib::Response& res) {
  RequestState& st = tls_state;
  const double seconds =
      st.admitted ? std::chrono::duration<double>(Clock::now() - st.start).count() : 0.0;
  const std::string route = st.admitted && st.route != nullptr ? st.route->name : "unmatched";
  st.admitted = false;
  metrics_->Observe(route, res.status, seconds);
  if (options_.access_log == nullptr) return;
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  core::JsonWriter w;
  w.BeginObject();
  w.Key("ts").String(db::FormatIso8601Millis(now_ms));
  w.Key("remote").String(req.remote_addr);
  w.Key("method").String(req.method);
  w.Key("path").String(req.path);
  w.Key("route").String(route);
  w.Key("status").Int(res.status);
  w.Key("bytes_in").Uint(std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10));
  w.Key("bytes_out").Uint(res.body.size());
  w.Key("duration_ms").Double(std::round(seconds * 1e6) / 1e3);  // µs resolution
  w.EndObject();
  std::string line = w.Take();
  line += '\n';
  std::lock_guard lock(log_mu_);
  std::fwrite(line.data(), 1, line.size(), options_.access_log);
}

Result<int> HttpServer::Bind() {
  int port = options_.port;
  if (port == 0) {
    port = svr_->bind_to_any_port(options_.host);
    if (port < 0) return Status::IOError("cannot bind " + options_.host + " to a free port");
  } else if (!svr_->bind_to_port(options_.host, port)) {
    return Status::IOError("cannot bind " + options_.host + ":" + std::to_string(port) +
                           " (in use, or not an address of this machine)");
  }
  return port;
}

Status HttpServer::Run() {
  if (!svr_->listen_after_bind()) {
    // listen_after_bind also returns false after a clean stop; only report a failure to start.
    if (!svr_->is_valid()) return Status::IOError("the HTTP server could not start");
  }
  return Status::OK();
}

void HttpServer::Stop() { svr_->stop(); }

}  // namespace semble::server
