// Copyright 2026 The semble Authors.

#include "storage_s3/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace semble::test {
namespace {

// Waits (in short slices, so a stopping proxy is noticed) until `fd` is readable, then reads.
// False on EOF, error or stop.
bool ReadMore(int fd, std::string* buf, const std::atomic<bool>& stop) {
  while (!stop.load()) {
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, 100);
    if (n < 0) return false;
    if (n == 0) continue;
    char chunk[16384];
    const ssize_t got = ::recv(fd, chunk, sizeof(chunk), 0);
    if (got <= 0) return false;
    buf->append(chunk, static_cast<size_t>(got));
    return true;
  }
  return false;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Closing with SO_LINGER 0 sends RST instead of FIN: the peer sees "connection reset".
void Reset(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  ::close(fd);
}

size_t ContentLength(const std::string& head) {
  constexpr std::string_view kName = "\r\ncontent-length:";
  for (size_t i = 0; i + kName.size() <= head.size(); ++i) {
    if (strncasecmp(head.data() + i, kName.data(), kName.size()) == 0) {
      return std::strtoull(head.c_str() + i + kName.size(), nullptr, 10);
    }
  }
  return 0;
}

// Removes every "Connection: ..." line from an HTTP head.
std::string DropConnectionHeader(const std::string& head) {
  std::string out;
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    eol = eol == std::string::npos ? head.size() : eol + 2;
    if (strncasecmp(head.data() + pos, "connection:", 11) != 0) {
      out.append(head, pos, eol - pos);
    }
    pos = eol;
  }
  return out;
}

void NoDelay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

}  // namespace

FaultProxy::FaultProxy(int upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::abort();  // a test machine without loopback cannot run these tests at all
  }
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard l(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

void FaultProxy::Inject(std::vector<Fault> faults) {
  std::lock_guard l(mu_);
  queue_.insert(queue_.end(), faults.begin(), faults.end());
}

void FaultProxy::SetDefault(Fault f) {
  std::lock_guard l(mu_);
  default_ = f;
}

void FaultProxy::CutBodiesLongerThan(size_t bytes, int times) {
  std::lock_guard l(mu_);
  cut_above_ = bytes;
  cuts_left_ = times;
}

std::vector<std::string> FaultProxy::request_heads() const {
  std::lock_guard l(mu_);
  return heads_;
}

FaultProxy::Fault FaultProxy::Next() {
  std::lock_guard l(mu_);
  if (queue_.empty()) return default_;
  const Fault f = queue_.front();
  queue_.pop_front();
  return f;
}

void FaultProxy::AcceptLoop() {
  while (!Stopping()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    ++connections_;
    NoDelay(fd);
    std::lock_guard l(mu_);
    threads_.emplace_back([this, fd] { Serve(fd); });
  }
}

void FaultProxy::Serve(int fd) {
  std::string buf;
  for (;;) {
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore(fd, &buf, stop_)) {
        ::close(fd);
        return;
      }
    }
    const size_t total = head_end + 4 + ContentLength(buf.substr(0, head_end + 2));
    while (buf.size() < total) {
      if (!ReadMore(fd, &buf, stop_)) {
        ::close(fd);
        return;
      }
    }
    const std::string request = buf.substr(0, total);
    buf.erase(0, total);
    ++requests_;
    {
      std::lock_guard l(mu_);
      heads_.push_back(request.substr(0, head_end + 2));
    }

    std::string answer;
    switch (Next()) {
      case Fault::kPass: {
        answer = Forward(request);
        // Cut a long answer if asked to (CutBodiesLongerThan).
        const size_t body_at = answer.find("\r\n\r\n");
        size_t cut_at = 0;
        if (body_at != std::string::npos) {
          std::lock_guard l(mu_);
          if (cuts_left_ > 0 && answer.size() - (body_at + 4) > cut_above_) {
            --cuts_left_;
            cut_at = body_at + 4 + cut_above_;
          }
        }
        if (cut_at != 0) {
          (void)SendAll(fd, std::string_view(answer).substr(0, cut_at));
          ::close(fd);  // a FIN, so that every byte sent arrives before the end
          return;
        }
        break;
      }
      case Fault::kCutBody: {
        answer = Forward(request);
        const size_t body_at = answer.find("\r\n\r\n");
        if (body_at != std::string::npos) {
          const size_t body = answer.size() - (body_at + 4);
          (void)SendAll(fd, std::string_view(answer).substr(0, body_at + 4 + body / 2));
        }
        ::close(fd);  // a FIN, so that every byte sent arrives before the end
        return;
      }
      case Fault::k503: {
        const std::string body =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
            "<Message>injected by the test proxy</Message></Error>";
        answer =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n"
            "Content-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body;
        break;
      }
      case Fault::kReset:
        Reset(fd);
        return;
      case Fault::kStall:
        while (!Stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ::close(fd);
        return;
      case Fault::kDropResponse:
        (void)Forward(request);
        Reset(fd);
        return;
    }
    if (answer.empty()) {
      answer = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
    }
    if (!SendAll(fd, answer)) {
      ::close(fd);
      return;
    }
  }
}

std::string FaultProxy::Forward(const std::string& request) {
  if (upstream_port_ == 0) return "";
  const int up = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(upstream_port_));
  if (up >= 0) NoDelay(up);
  if (up < 0 || ::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    if (up >= 0) ::close(up);
    return "";
  }
  // One request per upstream connection: the answer then ends where upstream closes, whatever
  // its framing (radosgw lists with chunked encoding). The header is not among those SigV4 signs.
  const size_t eol = request.find("\r\n");
  const std::string sent =
      request.substr(0, eol + 2) + "Connection: close\r\n" + request.substr(eol + 2);
  std::string answer;
  if (SendAll(up, sent)) {
    while (ReadMore(up, &answer, stop_)) {
    }
  }
  ::close(up);
  // Every head loses its Connection header: interim 1xx answers ("100 Continue") come first,
  // then the final one.
  std::string out;
  size_t pos = 0;
  for (;;) {
    const size_t head_end = answer.find("\r\n\r\n", pos);
    if (head_end == std::string::npos) return "";
    const bool interim = answer.compare(pos, 10, "HTTP/1.1 1") == 0;
    out += DropConnectionHeader(answer.substr(pos, head_end + 2 - pos)) + "\r\n";
    pos = head_end + 4;
    if (!interim) break;
  }
  return out + answer.substr(pos);
}

}  // namespace semble::test
