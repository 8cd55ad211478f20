// Copyright 2026 The semble Authors.
//
// The smallest HTTP client for the CLI tests that talk to a running `semble serve`: one request
// on its own connection, over a raw socket.

#ifndef SEMBLE_TESTS_CLI_HTTP_SEND_H_
#define SEMBLE_TESTS_CLI_HTTP_SEND_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <string>

namespace semble {

struct Reply {
  int status = 0;  // 0: no answer (connection refused, reset, or closed early)
  std::string body;
  std::string head;  // the status line and header fields
};

// One request on its own connection (Connection: close): the smallest client that cannot be
// confused about framing, so a failure here is the server's.
inline Reply Send(int port, const std::string& method, const std::string& path, const std::string& body) {
  Reply reply;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return reply;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return reply;
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                    "Content-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body;
  for (size_t sent = 0; sent < req.size();) {
    const ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return reply;
    }
    sent += static_cast<size_t>(n);
  }
  std::string in;
  char buf[16384];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;) in.append(buf, static_cast<size_t>(n));
  ::close(fd);
  const size_t head_end = in.find("\r\n\r\n");
  if (in.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return reply;
  const std::string head = in.substr(0, head_end);
  std::string lower = head;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t cl = lower.find("\r\ncontent-length:");
  if (cl == std::string::npos) return reply;
  const size_t length = std::stoul(head.substr(cl + 17));
  if (in.size() < head_end + 4 + length) return reply;  // cut short: not an answer
  reply.status = std::stoi(in.substr(9, 3));
  reply.body = in.substr(head_end + 4, length);
  reply.head = head;
  return reply;
}

}  // namespace semble

#endif  // SEMBLE_TESTS_CLI_HTTP_SEND_H_
