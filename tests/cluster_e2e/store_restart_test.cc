// Copyright 2026 The semble Authors.
//
// The store goes away under load: a cluster of two `semble serve --cluster` processes writes to a
// radosgw of its own (tests/services/radosgw.sh, started by this test: the shared one serves other
// tests at the same time), and its gateway is restarted while four clients write. The monitor and
// the OSD keep running, so the objects survive; what is checked is what clients were told:
// - every answer is a 200, a 5xx with a JSON error, or a dropped connection;
// - writes are acknowledged again soon after the gateway is back;
// - every acknowledged write is on every node, and on a node started afterwards on an empty cache.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "cluster_e2e/node_launcher.h"
#include "storage/object_stores.h"
#include "util/aws_env_file.h"

namespace semble {
namespace {

using namespace std::chrono_literals;

class StoreRestartTest : public ClusterNodesTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    rgw_dir_ = tmp_.path() + "/rgw";
    ASSERT_EQ(Radosgw("start " + rgw_dir_), 0) << "see " << rgw_dir_ << "/log";
    rgw_started_ = true;
    auto options = test::ReadAwsEnvFile(rgw_dir_ + "/env");
    ASSERT_TRUE(options.ok()) << options.status().ToString();
    const std::string bucket = "restart-" + std::to_string(::getpid());
    const Status made = storage::CreateS3Bucket(bucket, *options);
    ASSERT_TRUE(made.ok()) << made.ToString();
    Configure(bucket, rgw_dir_ + "/env");
  }

  void TearDown() override {
    if (HasFailure()) {
      for (const Node& n : nodes_) {
        const std::string log = ReadAll(n.log);
        std::fprintf(stderr, "--- %s (last 3000 bytes)\n%s\n", n.log.c_str(),
                     log.substr(log.size() > 3000 ? log.size() - 3000 : 0).c_str());
      }
    }
    ClusterNodesTest::TearDown();
    if (rgw_started_) Radosgw("stop " + rgw_dir_);
  }

  // Runs tests/services/radosgw.sh with `args`; returns its exit status.
  static int Radosgw(const std::string& args) {
    return std::system((std::string(SEMBLE_RADOSGW_SCRIPT) + " " + args + " >&2").c_str());
  }

  std::string rgw_dir_;
  bool rgw_started_ = false;
};

TEST_F(StoreRestartTest, RestartingTheGatewayUnderWritesLosesNoAcknowledgedWrite) {
  for (size_t i = 0; i < 2; ++i) Start(i);
  Reply created = Send(nodes_[0].port, "POST", kApi,
                       R"({"name":"x","config":{"dimensions":4,"metric":"cosine"}})");
  ASSERT_TRUE(created.status == 200 || created.status == 201) << created.body;
  Reply probe = Send(nodes_[1].port, "POST", std::string(kApi) + "/x/upsert", Record("probe", 1));
  ASSERT_EQ(probe.status, 200) << probe.body;
  const size_t writer = NodeNamed(HeaderOf(probe, "x-semble-writer"));
  ASSERT_LT(writer, nodes_.size()) << probe.head;

  std::map<int, int> answers;               // status -> count, 0 for a dropped connection
  std::map<int, std::string> first_errors;  // status -> the first error body seen
  int bad_answers = 0;
  int acked_while_restarting = 0;
  std::atomic<bool> restarting{false};
  // on_answer runs under the clients' lock: the counters need no lock of their own, and are
  // read once the clients stopped.
  WritingClients clients(
      4, {{"probe", 1}}, [&](std::mt19937& rng) { return nodes_[rng() % nodes_.size()].port; },
      [&](const Reply& r, int port, bool) {
        answers[r.status]++;
        if (r.status == 200) {
          if (restarting.load()) acked_while_restarting++;
          return;
        }
        if (r.status == 0) return;  // a dropped connection: not acknowledged, so not checked
        first_errors.emplace(r.status, r.body);
        // "The store failed" or "no writer right now": a 5xx with the API's JSON error envelope.
        const bool clear = r.status >= 500 && r.status <= 599 &&
                           r.body.find("\"success\":false") != std::string::npos &&
                           r.body.find("\"message\":") != std::string::npos;
        if (!clear && bad_answers++ < 10) {
          std::fprintf(stderr, "unexpected answer %d from port %d: %s\n", r.status, port,
                       r.body.c_str());
        }
      });

  std::this_thread::sleep_for(2s);
  const auto down_at = Clock::now();
  restarting = true;
  // Stops radosgw (a graceful stop takes a few seconds), leaves it down 3 s, starts it again.
  ASSERT_EQ(Radosgw("restart-gateway " + rgw_dir_ + " 3"), 0);
  const auto back_at = Clock::now();
  clients.Mark();
  restarting = false;
  const double restart_s = std::chrono::duration<double>(back_at - down_at).count();
  clients.WaitForAckAfterMark(30s);
  std::this_thread::sleep_for(2s);  // writes on the restarted gateway for a while
  clients.Stop();
  std::map<std::string, int> acknowledged = clients.Acknowledged();
  const int64_t first_ack_after_back_ms = clients.FirstAckAfterMarkMs();

  std::string summary;
  for (const auto& [status, count] : answers) {
    summary += " " + std::to_string(status) + ":" + std::to_string(count);
  }
  std::fprintf(stderr,
               "gateway restart took %.1f s; answers (status:count, 0 = dropped):%s; %d writes "
               "acknowledged while it restarted; first acknowledged write %lld ms after it was "
               "back; %zu acknowledged in all\n",
               restart_s, summary.c_str(), acked_while_restarting,
               static_cast<long long>(first_ack_after_back_ms), acknowledged.size());
  for (const auto& [status, body] : first_errors) {
    std::fprintf(stderr, "first %d: %s\n", status, body.c_str());
  }
  EXPECT_EQ(bad_answers, 0);
  ASSERT_GE(first_ack_after_back_ms, 0)
      << "no write was acknowledged within 30 s after the gateway was back";

  for (size_t i = 0; i < nodes_.size(); ++i) {
    auto missing = Follow(i, acknowledged, 30s);
    EXPECT_TRUE(missing.empty()) << "node " << i << " misses " << missing.size()
                                 << " acknowledged writes, e.g. " << missing.front();
  }

  // The writer killed, and started again on an empty cache once its lease ran out (the node's
  // name is taken until then): the other node takes the index over from the bucket, the
  // restarted one reads it from there, and both have every write.
  Kill(writer);
  const size_t other = (writer + 1) % nodes_.size();
  std::map<std::string, int> after;
  const auto resume_end = Clock::now() + 30s;
  for (int k = 0; after.empty() && Clock::now() < resume_end; ++k) {
    after = WriteThrough(other, "after" + std::to_string(k), 1);
    if (after.empty()) std::this_thread::sleep_for(200ms);
  }
  ASSERT_FALSE(after.empty()) << "writes did not resume after the writer was killed";
  Start(writer);
  acknowledged.insert(after.begin(), after.end());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    auto missing = Follow(i, acknowledged, 30s);
    EXPECT_TRUE(missing.empty()) << "after the cold start, node " << i << " misses "
                                 << missing.size() << " acknowledged writes, e.g. "
                                 << missing.front();
  }
}

}  // namespace
}  // namespace semble
