// Copyright 2026 The semble Authors.
//
// A TCP proxy on loopback that stands in front of an S3 server and misbehaves on request: it
// answers 503, resets the connection, stalls, or forwards the request and then loses the answer.
// It reads one HTTP/1.1 request at a time (headers + Content-Length body, which is all the S3
// client sends), so it can count requests and act per request.

#ifndef SEMBLE_TESTS_STORAGE_S3_FAULT_PROXY_H_
#define SEMBLE_TESTS_STORAGE_S3_FAULT_PROXY_H_

#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace semble::test {

class FaultProxy {
 public:
  enum class Fault {
    kPass,          // forward to the upstream server and relay its answer
    k503,           // answer 503 SlowDown without asking upstream
    kReset,         // close the connection with a TCP reset before answering
    kStall,         // never answer (until the proxy is destroyed)
    kDropResponse,  // forward, let upstream act on it, then reset instead of answering
    kCutBody,       // forward, relay the head and half the body, then close (a transfer that
                    // breaks off)
  };

  // `upstream_port` on 127.0.0.1; 0 for none (kPass and kDropResponse then answer 502).
  explicit FaultProxy(int upstream_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The next requests meet these faults in order; after them, the default.
  void Inject(std::vector<Fault> faults);
  void SetDefault(Fault f);

  // From now on, every forwarded answer whose body is longer than `bytes` is cut after `bytes`
  // bytes of it (then the connection is closed), `times` times; other answers pass.
  void CutBodiesLongerThan(size_t bytes, int times);
  // The request line and headers of every request seen so far, oldest first.
  std::vector<std::string> request_heads() const;

  int requests() const { return requests_.load(); }
  int connections() const { return connections_.load(); }

 private:
  Fault Next();
  void AcceptLoop();
  void Serve(int fd);
  // Forwards one request upstream; the whole answer, with its Connection header dropped so the
  // client keeps its connection, or "" when upstream could not be reached.
  std::string Forward(const std::string& request);
  bool Stopping() const { return stop_.load(); }

  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::deque<Fault> queue_;
  std::vector<std::string> heads_;  // guarded by mu_
  size_t cut_above_ = 0;            // guarded by mu_
  int cuts_left_ = 0;               // guarded by mu_
  Fault default_ = Fault::kPass;
  std::vector<std::thread> threads_;  // connection threads; guarded by mu_
  std::thread acceptor_;
};

}  // namespace semble::test

#endif  // SEMBLE_TESTS_STORAGE_S3_FAULT_PROXY_H_
