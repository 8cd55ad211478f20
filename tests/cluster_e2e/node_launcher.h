// Copyright 2026 The semble Authors.
//
// The fixture of the cluster end-to-end tests: starts real `semble serve --cluster` processes (the
// binary under test) on one bucket and one etcd cluster, kills them, and reads back what clients
// were told was written.

#ifndef SEMBLE_TESTS_CLUSTER_E2E_NODE_LAUNCHER_H_
#define SEMBLE_TESTS_CLUSTER_E2E_NODE_LAUNCHER_H_

#include <signal.h>
#include <sys/prctl.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_fixture.h"
#include "cli/http_send.h"
#include "cluster/etcd_fixture.h"

namespace semble {

inline constexpr char kApi[] = "/client/v4/accounts/t/vectorize/v2/indexes";
inline constexpr uint32_t kDims = 4;

// The upsert line of record `id` whose metadata is {"n": n} (and whose values follow from n).
inline std::string Record(const std::string& id, int n) {
  std::string values;
  for (uint32_t d = 0; d < kDims; ++d) {
    values += (d ? "," : "") + std::to_string(n % 1000 + 1) + "." + std::to_string(d + 1);
  }
  return R"({"id":")" + id + R"(","values":[)" + values + R"(],"metadata":{"n":)" +
         std::to_string(n) + "}}";
}

// The nodes' lease: 3 s, short for the tests but long enough that a loaded machine (ctest runs
// fsync-heavy tests beside these) does not make a node miss its renewals;
// bench/run_cluster_failover.sh measures others.
inline std::string LeaseTtl() {
  const char* ttl = std::getenv("SEMBLE_E2E_LEASE_TTL");
  return ttl != nullptr && *ttl != '\0' ? ttl : "3";
}

// The value of header field `name` (lower-case) in a reply's head, or "".
inline std::string HeaderOf(const Reply& r, const std::string& name) {
  std::string lower = r.head;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t at = lower.find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  size_t from = at + 3 + name.size();
  const size_t end = r.head.find("\r\n", from);
  while (from < end && r.head[from] == ' ') ++from;
  return r.head.substr(from, end - from);
}

class ClusterNodesTest : public CliTest {
 protected:
  using Clock = std::chrono::steady_clock;

  struct Node {
    std::string name;
    pid_t pid = -1;
    int port = 0;
    std::string log;
  };

  // The nodes store in `bucket` of the S3 endpoint that `aws_env_file` (AWS_ENDPOINT_URL=..., one
  // a line, as tests/services/radosgw.sh writes it) names, and meet in the test run's etcd.
  void Configure(const std::string& bucket, const std::string& aws_env_file) {
    bucket_ = bucket;
    etcd_ = cluster::testing::SharedEndpoints();
    ASSERT_FALSE(etcd_.empty());
    // The child processes get the endpoint and user as every S3 tool takes them.
    std::ifstream env(aws_env_file);
    ASSERT_TRUE(env) << aws_env_file;
    for (std::string line; std::getline(env, line);) {
      if (!line.empty()) child_env_.push_back(line);
    }
    cluster_name_ = "e2e-" + std::to_string(getpid()) + "-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  void TearDown() override {
    for (Node& n : nodes_) {
      if (n.pid > 0) {
        ::kill(n.pid, SIGKILL);
        ::waitpid(n.pid, nullptr, 0);
      }
    }
  }

  // Starts node `i` (a fresh cache directory each time) and waits until it listens.
  void Start(size_t i) { StartOn(i, Join(etcd_)); }
  void StartOn(size_t i, const std::string& endpoints) {
    if (nodes_.size() <= i) nodes_.resize(i + 1);
    Node& n = nodes_[i];
    n.name = "n" + std::to_string(i);
    n.log = tmp_.path() + "/" + n.name + "-" + std::to_string(starts_++) + ".log";
    std::vector<std::string> args = {BinaryPath(),
                                     "serve",
                                     "--data",
                                     tmp_.path() + "/cache-" + n.log.substr(n.log.rfind('/') + 1),
                                     "--port",
                                     "0",
                                     "--models",
                                     tmp_.path() + "/no-models",
                                     "--access-log",
                                     "off",
                                     "--store",
                                     "s3://" + bucket_ + "/db",
                                     "--group-commit-us",
                                     "500",
                                     "--cluster",
                                     endpoints,
                                     "--cluster-name",
                                     cluster_name_,
                                     "--node",
                                     n.name,
                                     "--lease-ttl",
                                     LeaseTtl(),
                                     "--sync-interval-ms",
                                     sync_interval_ms_};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    // Benchmarks compare serve options (bench/run_cluster_bench.sh): one word each.
    if (const char* more = std::getenv("SEMBLE_E2E_SERVE_ARGS"); more != nullptr) {
      std::istringstream words(more);
      for (std::string w; words >> w;) args.push_back(w);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s;
    for (char** e = environ; *e != nullptr; ++e) env_s.push_back(*e);
    env_s.insert(env_s.end(), child_env_.begin(), child_env_.end());
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    // fork + exec rather than posix_spawn: the node dies with this test process (PDEATHSIG) even
    // when the test is killed by its timeout, so no node outlives the run.
    const pid_t parent = ::getpid();
    n.pid = ::fork();
    ASSERT_GE(n.pid, 0);
    if (n.pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
      const int fd = ::open(n.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) ::dup2(fd, 2);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    n.port = 0;
    const std::string marker = "listening on http://127.0.0.1:";
    for (int k = 0; k < 600 && n.port == 0; ++k) {
      const std::string text = ReadAll(n.log);
      if (size_t at = text.find(marker); at != std::string::npos) {
        n.port = std::stoi(text.substr(at + marker.size()));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    ASSERT_NE(n.port, 0) << "node did not start: " << ReadAll(n.log);
  }

  void Kill(size_t i) {
    ::kill(nodes_[i].pid, SIGKILL);
    ::waitpid(nodes_[i].pid, nullptr, 0);
    nodes_[i].pid = -1;
  }

  size_t NodeNamed(const std::string& name) const {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].name == name) return i;
    }
    return nodes_.size();
  }

  static std::string Join(const std::vector<std::string>& endpoints) {
    std::string out;
    for (const std::string& e : endpoints) out += (out.empty() ? "" : ",") + e;
    return out;
  }

  // Writes `count` records <tag>-<k> through node i; returns the acknowledged ones.
  std::map<std::string, int> WriteThrough(size_t i, const std::string& tag, int count) {
    std::map<std::string, int> acked;
    for (int k = 0; k < count; ++k) {
      const std::string id = tag + "-" + std::to_string(k);
      Reply r = Send(nodes_[i].port, "POST", std::string(kApi) + "/x/upsert", Record(id, k));
      if (r.status == 200) acked[id] = k;
    }
    return acked;
  }

  // The ids in `want` (id -> n) that node i does not have with exactly Record(id, n) in index x.
  std::vector<std::string> Missing(size_t i, const std::map<std::string, int>& want) {
    std::vector<std::string> ids;
    for (const auto& [id, n] : want) ids.push_back(id);
    std::vector<std::string> missing;
    for (size_t from = 0; from < ids.size(); from += 20) {  // get_by_ids takes at most 20 ids
      std::string body = R"({"ids":[)";
      const size_t to = std::min(ids.size(), from + 20);
      for (size_t j = from; j < to; ++j) body += (j > from ? ",\"" : "\"") + ids[j] + "\"";
      body += "]}";
      Reply r = Send(nodes_[i].port, "POST", std::string(kApi) + "/x/get_by_ids", body);
      std::set<std::string> found;
      if (r.status == 200) {
        simdjson::dom::element e = Json(r.body + "\n");
        simdjson::dom::array got;
        if (e["result"].get(got) == simdjson::SUCCESS) {
          for (simdjson::dom::element rec : got) {
            std::string_view id;
            double n = -1;
            if (rec["id"].get(id) == simdjson::SUCCESS &&
                rec["metadata"]["n"].get(n) == simdjson::SUCCESS &&
                static_cast<int>(n) == want.at(std::string(id))) {
              found.insert(std::string(id));
            }
          }
        }
      }
      for (size_t j = from; j < to; ++j) {
        if (found.count(ids[j]) == 0) missing.push_back(ids[j]);
      }
    }
    return missing;
  }

  // Waits (bounded) until node i has every id of `want`; returns what it still misses.
  std::vector<std::string> Follow(size_t i, const std::map<std::string, int>& want,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    const auto end = Clock::now() + timeout;
    std::vector<std::string> missing = Missing(i, want);
    while (!missing.empty() && Clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      missing = Missing(i, want);
    }
    return missing;
  }

  std::string bucket_;
  std::vector<std::string> etcd_;
  std::vector<std::string> child_env_;
  std::string cluster_name_;
  std::vector<Node> nodes_;
  std::vector<std::string> extra_args_;  // more `semble serve` arguments for the next starts
  std::string sync_interval_ms_ = "100";
  int starts_ = 0;
};

// Clients that upsert records "c<client>-<k>" (n = client * 100000 + k, Record) into index "x"
// as fast as answers come, each through the node port_of(rng) picks, until stopped; they remember
// every acknowledged write. on_answer sees every answer (status 0: a dropped connection) with the
// node asked and whether the request was sent after Mark(), under the clients' lock.
class WritingClients {
 public:
  using Clock = std::chrono::steady_clock;
  using PortOf = std::function<int(std::mt19937& rng)>;
  using OnAnswer = std::function<void(const Reply& r, int port, bool sent_after_mark)>;

  WritingClients(int clients, std::map<std::string, int> acknowledged, PortOf port_of,
                 OnAnswer on_answer)
      : acknowledged_(std::move(acknowledged)),
        port_of_(std::move(port_of)),
        on_answer_(std::move(on_answer)) {
    for (int c = 0; c < clients; ++c) threads_.emplace_back([this, c] { Run(c); });
  }
  ~WritingClients() { Stop(); }

  void Stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  // The event the test times writes from (a kill, a restart).
  void Mark() {
    std::lock_guard<std::mutex> lock(mu_);
    marked_at_ = Clock::now();
    marked_ = true;
  }
  // Milliseconds from Mark() to the first acknowledgement of a write sent after it; -1 for none.
  int64_t FirstAckAfterMarkMs() const { return first_ack_after_mark_ms_.load(); }
  // Waits (bounded) for that acknowledgement.
  bool WaitForAckAfterMark(std::chrono::milliseconds timeout) const {
    const auto end = Clock::now() + timeout;
    while (FirstAckAfterMarkMs() < 0 && Clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return FirstAckAfterMarkMs() >= 0;
  }
  std::map<std::string, int> Acknowledged() const {
    std::lock_guard<std::mutex> lock(mu_);
    return acknowledged_;
  }

 private:
  void Run(int c) {
    std::mt19937 rng(c);
    for (int k = 0; !stop_.load(); ++k) {
      const int port = port_of_(rng);
      const std::string id = "c" + std::to_string(c) + "-" + std::to_string(k);
      const int n = c * 100000 + k;
      const bool after = marked_.load();
      Reply r = Send(port, "POST", std::string(kApi) + "/x/upsert", Record(id, n));
      std::lock_guard<std::mutex> lock(mu_);
      if (r.status == 200) {
        acknowledged_[id] = n;
        if (after && first_ack_after_mark_ms_.load() < 0) {
          first_ack_after_mark_ms_ =
              std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - marked_at_)
                  .count();
        }
      }
      if (on_answer_) on_answer_(r, port, after);
    }
  }

  mutable std::mutex mu_;
  std::map<std::string, int> acknowledged_;  // guarded by mu_
  Clock::time_point marked_at_;              // guarded by mu_
  std::atomic<bool> marked_{false};
  std::atomic<int64_t> first_ack_after_mark_ms_{-1};
  std::atomic<bool> stop_{false};
  const PortOf port_of_;
  const OnAnswer on_answer_;
  std::vector<std::thread> threads_;
};

}  // namespace semble

#endif  // SEMBLE_TESTS_CLUSTER_E2E_NODE_LAUNCHER_H_
