// Copyright 2026 The semble Authors.
//
// Raw-socket helpers for the HTTP server tests: a hostile test must control every byte and every
// send, which no HTTP client library allows.

#ifndef SEMBLE_TESTS_SERVER_RAW_CLIENT_H_
#define SEMBLE_TESTS_SERVER_RAW_CLIENT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

namespace semble::server::testing {

// A connected loopback socket, closed on destruction; fd() < 0 if the connection failed.
class RawSocket {
 public:
  explicit RawSocket(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  RawSocket(RawSocket&& o) noexcept : fd_(o.fd_), pending_(std::move(o.pending_)) { o.fd_ = -1; }

  int fd() const { return fd_; }
  bool Send(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  // Reads one response (status line, headers, Content-Length body). Returns "" on timeout or
  // when the connection closes first. Bytes past it are kept for the next call.
  std::string ReadResponse(int timeout_ms = 5000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      const size_t header_end = pending_.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        size_t length = 0;
        const size_t cl = Lower(pending_.substr(0, header_end)).find("content-length:");
        if (cl != std::string::npos) length = std::strtoul(pending_.c_str() + cl + 15, nullptr, 10);
        if (pending_.rfind("HTTP/1.1 100", 0) == 0) length = 0;
        if (pending_.size() >= header_end + 4 + length) {
          std::string out = pending_.substr(0, header_end + 4 + length);
          pending_.erase(0, out.size());
          return out;
        }
      }
      if (!ReadMore(deadline)) return "";
    }
  }
  // True if the server closes the connection (EOF or reset) within timeout_ms, having sent
  // nothing more (bytes it sends are appended to *extra when given).
  bool ClosedWithin(int timeout_ms, std::string* extra = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      const size_t before = pending_.size();
      if (!ReadMore(deadline)) {
        if (extra != nullptr) *extra = pending_;
        return !timed_out_;
      }
      if (extra == nullptr && pending_.size() > before) return false;
    }
  }

 private:
  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return s;
  }
  // Appends what arrives; false on EOF, error or deadline (timed_out_ tells which).
  bool ReadMore(std::chrono::steady_clock::time_point deadline) {
    timed_out_ = false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      timed_out_ = true;
      return false;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) {
      timed_out_ = true;
      return false;
    }
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string pending_;
  bool timed_out_ = false;
};

// The status code of a response ("HTTP/1.1 404 ..." -> 404), 0 if none.
inline int StatusOf(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::atoi(response.c_str() + 9);
}

inline std::string BodyOf(const std::string& response) {
  const size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

// One request on a fresh connection; the response ("" if none).
inline std::string Exchange(int port, const std::string& request, int timeout_ms = 5000) {
  RawSocket s(port);
  if (s.fd() < 0 || !s.Send(request)) return "";
  return s.ReadResponse(timeout_ms);
}

}  // namespace semble::server::testing

#endif  // SEMBLE_TESTS_SERVER_RAW_CLIENT_H_
