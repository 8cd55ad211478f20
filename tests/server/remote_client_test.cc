// Copyright 2026 The semble Authors.
//
// The public remote client (semble/client.h, src/client/) against a real HttpServer on loopback.
// Its HTTP library writes a request's headers and body in two sends; with Nagle's algorithm on,
// the body waits for the headers' delayed ACK, 40 ms on every POST (bench/RESULTS.md, "The remote
// client's 40 ms"). So the client's connections must have TCP_NODELAY set: checked here on the
// socket itself, which this process holds (the client runs in the test).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "semble/client.h"
#include "server/router.h"
#include "server/running_server.h"

namespace semble::server {
namespace {

// The fds of this process that are TCP sockets connected to 127.0.0.1:port (the client's side).
std::vector<int> SocketsTo(int port) {
  std::vector<int> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::stoi(entry.path().filename().string());
    sockaddr_in peer{};
    socklen_t len = sizeof(peer);
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    if (peer.sin_family == AF_INET && ntohs(peer.sin_port) == port) out.push_back(fd);
  }
  return out;
}

TEST(RemoteClientTest, ConnectionsSendWithoutNagleDelay) {
  Router router;
  router.Add({"GET", "/client/v4/accounts/local/vectorize/v2/indexes", "list", Scope::kRead,
              [](const HttpRequest&) {
                return HttpResponse{
                    200, "application/json",
                    R"({"result":[],"success":true,"errors":[],"messages":[]})"};
              }});
  testing::RunningServer server(&router, HttpServerOptions{});
  RemoteOptions options;
  options.url = "http://127.0.0.1:" + std::to_string(server.port());
  auto db = ConnectDatabase(options);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE((*db)->ListIndexes().empty());
  // The connection is kept alive for the next request: its socket is still open here.
  const std::vector<int> sockets = SocketsTo(server.port());
  ASSERT_FALSE(sockets.empty()) << "no open connection to the server";
  for (int fd : sockets) {
    int nodelay = 0;
    socklen_t len = sizeof(nodelay);
    ASSERT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
    EXPECT_NE(nodelay, 0) << "fd " << fd << ": Nagle's algorithm is on";
  }
}

}  // namespace
}  // namespace semble::server
