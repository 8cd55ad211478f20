// Copyright 2026 The semble Authors.
//
// A keep-alive HTTP/1.1 client for benchmarks that time a server request by request: each request
// leaves in one write (headers and body in one sendmsg, as curl, Python's http.client and Node's
// undici send a small POST), and the answer is read with Boost.Beast's parser. cpp-httplib's client
// (0.11) writes the headers and the body in two sends, each after two polls: with TCP_NODELAY that
// is two packets, and the server may wake for the first only to wait for the second — on a VM
// whose idle vCPUs halt, a wake-up is a VM exit and an IPI. That cost is the client's, not the
// server's; a benchmark of the server should not add it. `httplib` keeps the old client, to
// measure the difference.

#ifndef SEMBLE_BENCH_BENCH_HTTP_CLIENT_H_
#define SEMBLE_BENCH_BENCH_HTTP_CLIENT_H_

#include <httplib.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

namespace semble::bench {

class HttpClient {
 public:
  struct Response {
    int status = 0;
    std::string body;
  };
  using Result = std::optional<Response>;

  HttpClient(const std::string& host, int port, bool httplib) : host_(host), port_(port) {
    if (httplib) {
      httplib_ = std::make_unique<httplib::Client>(host, port);
      httplib_->set_keep_alive(true);
      httplib_->set_tcp_nodelay(true);
      httplib_->set_read_timeout(600);
      httplib_->set_write_timeout(600);
    }
  }

  // "http://HOST:PORT" (a trailing slash allowed); nullptr for anything else.
  static std::unique_ptr<HttpClient> FromUrl(const std::string& url, bool httplib) {
    const std::string scheme = "http://";
    if (url.compare(0, scheme.size(), scheme) != 0) return nullptr;
    std::string rest = url.substr(scheme.size());
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    const size_t colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) return nullptr;
    const std::string port = rest.substr(colon + 1);
    if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5) {
      return nullptr;
    }
    return std::make_unique<HttpClient>(rest.substr(0, colon), std::stoi(port), httplib);
  }

  Result Post(const std::string& target, const std::string& body, const char* content_type) {
    if (httplib_) return From(httplib_->Post(target, body, content_type));
    return Send(boost::beast::http::verb::post, target, body, content_type);
  }
  Result Get(const std::string& target) {
    if (httplib_) return From(httplib_->Get(target));
    return Send(boost::beast::http::verb::get, target, "", nullptr);
  }
  Result Delete(const std::string& target) {
    if (httplib_) return From(httplib_->Delete(target));
    return Send(boost::beast::http::verb::delete_, target, "", nullptr);
  }

 private:
  static Result From(const httplib::Result& r) {
    if (!r) return std::nullopt;
    return Response{r->status, r->body};
  }

  // One attempt on the open connection; on a failure (the server closed an idle connection) the
  // connection is opened again and the request sent once more.
  Result Send(boost::beast::http::verb verb, const std::string& target, const std::string& body,
              const char* content_type) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, host_);
    if (content_type != nullptr) req.set(http::field::content_type, content_type);
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    for (int attempt = 0; attempt < 2; ++attempt) {
      boost::system::error_code ec;
      if (!socket_.is_open()) {
        Connect(&ec);
        if (ec) return std::nullopt;
      }
      http::write(socket_, req, ec);
      if (!ec) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(1ull << 32);
        http::read(socket_, buffer_, parser, ec);
        if (!ec) {
          Response out{static_cast<int>(parser.get().result_int()),
                       std::move(parser.get().body())};
          if (!parser.get().keep_alive()) Close();
          return out;
        }
      }
      Close();
    }
    return std::nullopt;
  }

  void Connect(boost::system::error_code* ec) {
    boost::asio::ip::tcp::resolver resolver(io_);
    const auto endpoints = resolver.resolve(host_, std::to_string(port_), *ec);
    if (*ec) return;
    boost::asio::connect(socket_, endpoints, *ec);
    if (*ec) return;
    socket_.set_option(boost::asio::ip::tcp::no_delay(true), *ec);
  }
  void Close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    buffer_.clear();
  }

  std::string host_;
  int port_;
  std::unique_ptr<httplib::Client> httplib_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_{io_};
  boost::beast::flat_buffer buffer_;
};

}  // namespace semble::bench

#endif  // SEMBLE_BENCH_BENCH_HTTP_CLIENT_H_
