// Copyright 2026 The semble Authors.
//
// An HttpServer on a free loopback port, running on its own thread, for the server tests.

#ifndef SEMBLE_TESTS_SERVER_RUNNING_SERVER_H_
#define SEMBLE_TESTS_SERVER_RUNNING_SERVER_H_

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "server/http_server.h"

namespace semble::server::testing {

class RunningServer {
 public:
  RunningServer(const Router* router, HttpServerOptions options) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.access_log = nullptr;
    server_ = std::make_unique<HttpServer>(router, &metrics_, std::move(options));
    auto port = server_->Bind();
    EXPECT_TRUE(port.ok()) << port.status().ToString();
    port_ = port.ok() ? *port : 0;
    thread_ = std::thread([this] { run_status_ = server_->Run(); });
  }
  ~RunningServer() { Stop(); }
  void Stop() {
    if (!thread_.joinable()) return;
    server_->Stop();
    thread_.join();
  }
  int port() const { return port_; }
  Metrics& metrics() { return metrics_; }

 private:
  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::thread thread_;
  Status run_status_;
};

}  // namespace semble::server::testing

#endif  // SEMBLE_TESTS_SERVER_RUNNING_SERVER_H_
