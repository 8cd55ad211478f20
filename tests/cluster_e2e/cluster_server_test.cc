// Copyright 2026 The semble Authors.
//
// A cluster as clients see it: three `semble serve --cluster` processes (the real binary) over the
// test run's etcd (3 members) and radosgw, talked to over HTTP.
// - Any node takes any write, and every node answers queries the same once it has followed.
// - kill -9 of the node that writes an index under concurrent writes through every node: no
//   acknowledged write is lost, and writes resume on another node.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "cluster_e2e/node_launcher.h"
#include "util/radosgw_env.h"

namespace semble {
namespace {

using namespace std::chrono_literals;

class ClusterServerTest : public ClusterNodesTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    const char* env = std::getenv("SEMBLE_S3_ENV");
    ASSERT_NE(env, nullptr) << "SEMBLE_S3_ENV is not set: run through ctest (fixture radosgw)";
    Configure(test::NewRadosgwBucket(), env);
  }

  // Creates index "x" (4 dims, cosine) through node `via`, writes one record "probe" (n = 1)
  // through it, and returns the node that wrote it.
  size_t CreateIndexAndFindWriter(size_t via) {
    Reply created = Send(nodes_[via].port, "POST", kApi,
                         R"({"name":"x","config":{"dimensions":4,"metric":"cosine"}})");
    EXPECT_TRUE(created.status == 200 || created.status == 201) << created.body;
    Reply probe =
        Send(nodes_[via].port, "POST", std::string(kApi) + "/x/upsert", Record("probe", 1));
    EXPECT_EQ(probe.status, 200) << probe.body;
    return NodeNamed(HeaderOf(probe, "x-semble-writer"));
  }
};

TEST_F(ClusterServerTest, AnyNodeTakesWritesAndEveryNodeAnswersTheSame) {
  for (size_t i = 0; i < 3; ++i) Start(i);
  Reply created = Send(nodes_[1].port, "POST", kApi,
                       R"({"name":"x","config":{"dimensions":4,"metric":"euclidean"}})");
  ASSERT_TRUE(created.status == 200 || created.status == 201) << created.body;

  // Each node takes writes; one node applies them all.
  std::map<std::string, int> written;
  std::set<std::string> writers;
  for (size_t i = 0; i < 3; ++i) {
    for (int k = 0; k < 10; ++k) {
      const std::string id = "r" + std::to_string(i) + "-" + std::to_string(k);
      const int n = static_cast<int>(i * 100 + k);
      Reply r = Send(nodes_[i].port, "POST", std::string(kApi) + "/x/upsert", Record(id, n));
      ASSERT_EQ(r.status, 200) << "node " << i << ": " << r.body;
      writers.insert(HeaderOf(r, "x-semble-writer"));
      written[id] = n;
    }
  }
  ASSERT_EQ(writers.size(), 1u);
  const size_t writer = NodeNamed(*writers.begin());
  ASSERT_LT(writer, nodes_.size()) << *writers.begin();

  // A write to an index that does not exist is a plain 404 from any node, not a wait for a writer.
  // (Waiting for a writer would end in a 503.)
  for (size_t i = 0; i < 3; ++i) {
    Reply r = Send(nodes_[i].port, "POST", std::string(kApi) + "/nope/upsert", Record("a", 1));
    EXPECT_EQ(r.status, 404) << "node " << i << ": " << r.body;
  }

  // A multipart upload (what wrangler sends) through a node that does not write the index is
  // forwarded whole.
  {
    const size_t via = (writer + 1) % 3;
    const std::string file = tmp_.path() + "/multipart.ndjson";
    WriteFile(file, Record("mp-1", 501) + "\n" + Record("mp-2", 502) + "\n");
    const std::string out = tmp_.path() + "/multipart.out";
    const std::string cmd = "curl -s -o " + out + " -w '%{http_code}' -F 'vectors=@" + file +
                            ";type=application/x-ndjson' http://127.0.0.1:" +
                            std::to_string(nodes_[via].port) + kApi + "/x/upsert > " + out +
                            ".code";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    EXPECT_EQ(ReadAll(out + ".code"), "200") << ReadAll(out);
    written["mp-1"] = 501;
    written["mp-2"] = 502;
    EXPECT_TRUE(Missing(writer, {{"mp-1", 501}, {"mp-2", 502}}).empty());
  }

  // Read-your-writes on a node that only follows: a write through one node, then `info` with
  // waitForMutation on another answers once that node has applied it, and reads there see it.
  const size_t follower = (writer + 1) % 3;
  Reply w = Send(nodes_[(writer + 2) % 3].port, "POST", std::string(kApi) + "/x/upsert",
                 Record("ryw", 4242));
  ASSERT_EQ(w.status, 200) << w.body;
  written["ryw"] = 4242;
  std::string_view mutation;
  simdjson::dom::element we = Json(w.body + "\n");
  ASSERT_EQ(we["result"]["mutationId"].get(mutation), simdjson::SUCCESS) << w.body;
  Reply waited = Send(nodes_[follower].port, "GET",
                      std::string(kApi) + "/x/info?waitForMutation=" + std::string(mutation) +
                          "&timeoutMs=10000",
                      "");
  ASSERT_EQ(waited.status, 200) << waited.body;
  EXPECT_FALSE(HeaderOf(waited, "x-semble-synced-ms-ago").empty()) << waited.head;
  EXPECT_TRUE(Missing(follower, {{"ryw", 4242}}).empty());
  // The writer says nothing of staleness: it is never behind itself.
  Reply on_writer = Send(nodes_[writer].port, "GET", std::string(kApi) + "/x/info", "");
  ASSERT_EQ(on_writer.status, 200);
  EXPECT_TRUE(HeaderOf(on_writer, "x-semble-synced-ms-ago").empty()) << on_writer.head;

  // `semble cluster status` reads the same from etcd: three nodes, and that node writing "x".
  RunResult status = RunEnv({"cluster", "status", "--cluster", Join(etcd_), "--cluster-name",
                             cluster_name_, "--json"},
                            {});
  ASSERT_EQ(status.code, 0) << status.err;
  simdjson::dom::element st = Json(status.out);
  EXPECT_EQ(st["nodes"].get_array().size(), 3u) << status.out;
  simdjson::dom::array indexes;
  ASSERT_EQ(st["indexes"].get(indexes), simdjson::SUCCESS) << status.out;
  ASSERT_EQ(indexes.size(), 1u) << status.out;
  EXPECT_EQ(std::string(indexes.at(0)["index"].get_string().value()), "x");
  EXPECT_EQ(std::string(indexes.at(0)["writer"]["node"].get_string().value()), nodes_[writer].name);
  EXPECT_GE(indexes.at(0)["writer"]["epoch"].get_int64().value(), 1);

  // Every node follows the writer and answers the same query the same way.
  std::string first_answer;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(Follow(i, written).empty()) << "node " << i;
    Reply q = Send(nodes_[i].port, "POST", std::string(kApi) + "/x/query",
                   R"({"vector":[5.1,5.2,5.3,5.4],"topK":5,"returnMetadata":"all"})");
    ASSERT_EQ(q.status, 200) << q.body;
    simdjson::dom::element e = Json(q.body + "\n");
    std::string ids;
    simdjson::dom::array matches;
    ASSERT_EQ(e["result"]["matches"].get(matches), simdjson::SUCCESS) << q.body;
    for (simdjson::dom::element m : matches) ids += std::string(m["id"].get_string().value()) + " ";
    if (i == 0) first_answer = ids;
    EXPECT_EQ(ids, first_answer) << "node " << i;
  }
  EXPECT_NE(first_answer.find("r0-4"), std::string::npos) << first_answer;  // n=4 -> 5.1..5.4

  // A delete through any node reaches every node.
  Reply deleted = Send(nodes_[2].port, "DELETE", std::string(kApi) + "/x", "");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  for (size_t i = 0; i < 3; ++i) {
    const auto end = Clock::now() + 10s;
    int status = 0;
    while (Clock::now() < end &&
           (status = Send(nodes_[i].port, "GET", std::string(kApi) + "/x", "").status) != 404) {
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(status, 404) << "node " << i;
  }
}

// Four clients write through all three nodes; the node that writes the index is killed with
// SIGKILL half-way. Every write a client saw acknowledged must be on every surviving node (and on
// the killed node restarted on an empty cache), and writes must resume on another node.
TEST_F(ClusterServerTest, KillingTheWriterLosesNoAcknowledgedWrite) {
  for (size_t i = 0; i < 3; ++i) Start(i);
  const size_t victim = CreateIndexAndFindWriter(0);
  ASSERT_LT(victim, nodes_.size());

  std::atomic<bool> killed{false};
  std::atomic<int> bad_answers{0};
  WritingClients clients(
      4, {{"probe", 1}},
      [&](std::mt19937& rng) {
        size_t target = rng() % 3;
        if (killed.load() && target == victim) target = (target + 1) % 3;
        return nodes_[target].port;
      },
      [&](const Reply& r, int, bool) {
        // Only "not now" (503) or a connection the dying node dropped are acceptable.
        if (r.status != 200 && r.status != 0 && r.status != 503) {
          bad_answers++;
          std::fprintf(stderr, "unexpected answer %d: %s\n", r.status, r.body.c_str());
        }
      });
  std::this_thread::sleep_for(2s);
  clients.Mark();
  Kill(victim);
  killed = true;
  clients.WaitForAckAfterMark(20s);
  std::this_thread::sleep_for(2s);  // writes on the new writer for a while
  clients.Stop();
  const std::map<std::string, int> acknowledged = clients.Acknowledged();
  const int64_t first_ack_after_kill_ms = clients.FirstAckAfterMarkMs();

  EXPECT_EQ(bad_answers.load(), 0);
  ASSERT_GE(first_ack_after_kill_ms, 0) << "writes did not resume after the kill";
  std::fprintf(stderr, "writes resumed %lld ms after the kill; %zu writes acknowledged\n",
               static_cast<long long>(first_ack_after_kill_ms), acknowledged.size());
  for (size_t i = 0; i < 3; ++i) {
    if (i == victim) continue;
    auto missing = Follow(i, acknowledged);
    EXPECT_TRUE(missing.empty()) << "node " << i << " misses " << missing.size()
                                 << " acknowledged writes, e.g. " << missing.front();
  }
  // The killed node, back on an empty cache, has them all too.
  Start(victim);
  auto missing = Follow(victim, acknowledged);
  EXPECT_TRUE(missing.empty()) << "the restarted node misses " << missing.size();
}


// An owner paused past its lease (SIGSTOP, as a long GC pause or a frozen VM would) loses the
// index to another node; when it wakes it must not add anything to the index: whatever it had in
// flight is refused (fenced), and every write a client saw acknowledged is there.
TEST_F(ClusterServerTest, APausedWriterAddsNothingAfterLosingTheIndex) {
  for (size_t i = 0; i < 3; ++i) Start(i);
  const size_t paused = CreateIndexAndFindWriter(0);
  ASSERT_LT(paused, nodes_.size());
  std::map<std::string, int> acknowledged = {{"probe", 1}};
  std::set<std::string> attempted = {"probe"};

  ASSERT_EQ(::kill(nodes_[paused].pid, SIGSTOP), 0);
  // A write sent to the paused node itself waits in its socket until it wakes.
  std::map<std::string, int> late;
  std::thread to_paused([&] {
    Reply r = Send(nodes_[paused].port, "POST", std::string(kApi) + "/x/upsert",
                   Record("sent-while-paused", 7));
    if (r.status == 200) late["sent-while-paused"] = 7;
  });
  // Wakes the node and joins the thread however the test ends.
  struct Wake {
    pid_t pid;
    std::thread* t;
    ~Wake() {
      ::kill(pid, SIGCONT);
      if (t->joinable()) t->join();
    }
  } wake{nodes_[paused].pid, &to_paused};
  attempted.insert("sent-while-paused");
  // Meanwhile the others take over (after the lease) and go on writing.
  const size_t other = (paused + 1) % 3;
  std::map<std::string, int> during;
  // (A write forwarded to the paused writer is abandoned, unknown, once another node owns it.)
  const auto end = Clock::now() + 20s;
  for (int k = 0; during.empty() && Clock::now() < end; ++k) {
    during = WriteThrough(other, "during" + std::to_string(k), 1);
    for (const auto& [id, n] : during) attempted.insert(id);
  }
  ASSERT_FALSE(during.empty()) << "no other node took the writes over";
  Reply after = Send(nodes_[other].port, "POST", std::string(kApi) + "/x/upsert",
                     Record("after", 3));
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_NE(HeaderOf(after, "x-semble-writer"), nodes_[paused].name);
  during["after"] = 3;
  for (const auto& [id, n] : during) {
    acknowledged[id] = n;
    attempted.insert(id);
  }
  for (int k = 0; k < 20; ++k) attempted.insert("during" + std::to_string(k) + "-0");

  ASSERT_EQ(::kill(nodes_[paused].pid, SIGCONT), 0);
  to_paused.join();
  std::fprintf(stderr, "the write sent to the paused node: %s\n",
               late.empty() ? "refused" : "acknowledged");
  for (const auto& [id, n] : late) acknowledged[id] = n;
  // Writes through the woken node go to the new writer.
  auto woke = WriteThrough(paused, "woke", 5);
  EXPECT_EQ(woke.size(), 5u);
  for (const auto& [id, n] : woke) {
    acknowledged[id] = n;
    attempted.insert(id);
  }
  for (size_t i = 0; i < 3; ++i) {
    auto missing = Follow(i, acknowledged);
    EXPECT_TRUE(missing.empty()) << "node " << i << " misses " << missing.size();
  }
  // Nothing appears that no client sent.
  Reply list = Send(nodes_[other].port, "GET", std::string(kApi) + "/x/list?count=1000", "");
  ASSERT_EQ(list.status, 200) << list.body;
  simdjson::dom::element e = Json(list.body + "\n");
  simdjson::dom::array vectors;
  ASSERT_EQ(e["result"]["vectors"].get(vectors), simdjson::SUCCESS) << list.body;
  for (simdjson::dom::element v : vectors) {
    EXPECT_EQ(attempted.count(std::string(v["id"].get_string().value())), 1u) << list.body;
  }
}

// With etcd gone (all three members down) nobody may be sure it is the writer: writes are refused
// with a clear 503 once the writer's lease has run out, queries are still answered from what each
// node holds, and writes resume when etcd is back.
TEST_F(ClusterServerTest, WithoutEtcdWritesAreRefusedAndQueriesGoOn) {
  cluster::testing::PrivateEtcd etcd("e2e-down");
  ASSERT_TRUE(etcd.ok());
  const std::string endpoints = Join(etcd.endpoints());
  for (size_t i = 0; i < 2; ++i) StartOn(i, endpoints);
  Reply created = Send(nodes_[0].port, "POST", kApi,
                       R"({"name":"x","config":{"dimensions":4,"metric":"cosine"}})");
  ASSERT_TRUE(created.status == 200 || created.status == 201) << created.body;
  std::map<std::string, int> acknowledged = WriteThrough(1, "before", 10);
  ASSERT_EQ(acknowledged.size(), 10u);
  for (size_t i = 0; i < 2; ++i) ASSERT_TRUE(Follow(i, acknowledged).empty()) << i;

  for (int m = 1; m <= 3; ++m) ASSERT_TRUE(etcd.Kill(m));
  // Past the lease: every write is refused, with a reason.
  std::this_thread::sleep_for(std::chrono::seconds(std::stoi(LeaseTtl()) + 3));
  for (size_t i = 0; i < 2; ++i) {
    Reply r = Send(nodes_[i].port, "POST", std::string(kApi) + "/x/upsert", Record("refused", 1));
    EXPECT_EQ(r.status, 503) << "node " << i << ": " << r.body;
    EXPECT_NE(r.body.find("etcd"), std::string::npos) << r.body;
    Reply q = Send(nodes_[i].port, "POST", std::string(kApi) + "/x/query",
                   R"({"vector":[1,2,3,4],"topK":3})");
    EXPECT_EQ(q.status, 200) << "node " << i << ": " << q.body;
  }
  for (int m = 1; m <= 3; ++m) ASSERT_TRUE(etcd.Revive(m));
  std::map<std::string, int> back;
  const auto end = Clock::now() + 30s;
  while (back.empty() && Clock::now() < end) {
    back = WriteThrough(0, "back", 1);
    if (back.empty()) std::this_thread::sleep_for(200ms);
  }
  ASSERT_FALSE(back.empty()) << "writes did not resume after etcd came back";
  for (const auto& [id, n] : back) acknowledged[id] = n;
  for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(Follow(i, acknowledged).empty()) << i;
}


// Losing a node that only follows, and then one etcd member of three, changes nothing a client
// sees: writes and queries go on through the other nodes, and nothing acknowledged is lost.
TEST_F(ClusterServerTest, LosingAFollowerAndAnEtcdMemberChangesNothing) {
  cluster::testing::PrivateEtcd etcd("e2e-member");
  ASSERT_TRUE(etcd.ok());
  const std::string endpoints = Join(etcd.endpoints());
  for (size_t i = 0; i < 3; ++i) StartOn(i, endpoints);
  const size_t writer = CreateIndexAndFindWriter(0);
  ASSERT_LT(writer, nodes_.size());
  const size_t follower = (writer + 1) % 3, other = (writer + 2) % 3;
  std::map<std::string, int> acknowledged = {{"probe", 1}};

  Kill(follower);
  for (const auto& [id, n] : WriteThrough(other, "a", 10)) acknowledged[id] = n;
  EXPECT_EQ(acknowledged.size(), 11u);
  ASSERT_TRUE(etcd.Kill(1));
  for (const auto& [id, n] : WriteThrough(other, "b", 10)) acknowledged[id] = n;
  for (const auto& [id, n] : WriteThrough(writer, "c", 10)) acknowledged[id] = n;
  EXPECT_EQ(acknowledged.size(), 31u);
  for (size_t i : {writer, other}) {
    EXPECT_TRUE(Follow(i, acknowledged).empty()) << "node " << i;
    Reply q = Send(nodes_[i].port, "POST", std::string(kApi) + "/x/query",
                   R"({"vector":[1,2,3,4],"topK":3})");
    EXPECT_EQ(q.status, 200) << q.body;
  }
  // The writer never changed: nobody lost a lease.
  Reply again = Send(nodes_[other].port, "POST", std::string(kApi) + "/x/upsert", Record("d", 2));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(HeaderOf(again, "x-semble-writer"), nodes_[writer].name);
}


// An index of three shards in a three-node cluster: each shard gets its own writer, a write sent
// to any node is split among them, every node answers queries over all shards exactly as a brute
// force over the acknowledged records does, and killing one shard's writer loses nothing.
TEST_F(ClusterServerTest, AShardedIndexIsWrittenByEveryNodeAndAnswersExactly) {
  for (size_t i = 0; i < 3; ++i) Start(i);
  Reply created = Send(nodes_[0].port, "POST", kApi,
                       R"({"name":"x","config":{"dimensions":4,"metric":"cosine",)"
                       R"("indexType":"flat","shards":3}})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_NE(created.body.find("\"shards\":3"), std::string::npos) << created.body;

  std::mt19937 rng(42);
  std::normal_distribution<float> normal;
  std::map<std::string, std::vector<float>> stored;
  std::map<std::string, int> acknowledged;  // id -> n, for Follow
  std::set<std::string> writers;
  auto line = [&](const std::string& id, int n) {
    std::vector<float> v(kDims);
    std::string values;
    for (uint32_t d = 0; d < kDims; ++d) {
      v[d] = normal(rng);
      values += (d ? "," : "") + std::to_string(v[d]);
    }
    // The oracle scores the values as written (to_string's six decimals), as the server reads
    // them.
    for (uint32_t d = 0; d < kDims; ++d) v[d] = std::stof(std::to_string(v[d]));
    stored[id] = v;
    return R"({"id":")" + id + R"(","values":[)" + values + R"(],"metadata":{"n":)" +
           std::to_string(n) + "}}";
  };
  int next = 0;
  auto write_batch = [&](size_t via, int count) -> int {
    std::string body;
    std::vector<std::pair<std::string, int>> ids;
    std::map<std::string, std::vector<float>> before = stored;
    for (int k = 0; k < count; ++k, ++next) {
      const std::string id = "s-" + std::to_string(next);
      body += line(id, next) + "\n";
      ids.emplace_back(id, next);
    }
    Reply r = Send(nodes_[via].port, "POST", std::string(kApi) + "/x/upsert", body);
    if (r.status != 200) {
      stored = before;  // not acknowledged: may or may not be there, not part of the oracle
      return r.status;
    }
    for (const auto& [id, n] : ids) acknowledged[id] = n;
    std::string w = HeaderOf(r, "x-semble-writer");
    for (size_t at = 0; at <= w.size();) {
      const size_t comma = std::min(w.find(',', at), w.size());
      if (comma > at) writers.insert(w.substr(at, comma - at));
      at = comma + 1;
    }
    return r.status;
  };
  for (int b = 0; b < 15; ++b) ASSERT_EQ(write_batch(b % 3, 20), 200);
  // Each shard has an owner, and they are not all one node.
  EXPECT_GE(writers.size(), 2u);
  RunResult status = RunEnv({"cluster", "status", "--cluster", Join(etcd_), "--cluster-name",
                             cluster_name_, "--json"},
                            {});
  ASSERT_EQ(status.code, 0) << status.err;
  simdjson::dom::array shards;
  ASSERT_EQ(Json(status.out)["indexes"].get(shards), simdjson::SUCCESS) << status.out;
  std::set<int64_t> listed;
  for (simdjson::dom::element sh : shards) {
    EXPECT_EQ(std::string(sh["index"].get_string().value()), "x");
    listed.insert(sh["shard"].get_int64().value());
    EXPECT_TRUE(sh["writer"].is_object()) << status.out;
  }
  EXPECT_EQ(listed, (std::set<int64_t>{0, 1, 2})) << status.out;
  // /metrics: each shard is written by exactly one node, and every node reports every shard.
  std::map<std::string, int> written;
  for (size_t i = 0; i < 3; ++i) {
    Reply m = Send(nodes_[i].port, "GET", "/metrics", "");
    ASSERT_EQ(m.status, 200);
    for (int s = 0; s < 3; ++s) {
      const std::string series = "semble_cluster_shard_written_here{index=\"x\",shard=\"" +
                                 std::to_string(s) + "\"} ";
      const size_t at = m.body.find(series);
      ASSERT_NE(at, std::string::npos) << m.body;
      written[std::to_string(s)] += m.body[at + series.size()] == '1' ? 1 : 0;
      EXPECT_NE(m.body.find("semble_cluster_shard_lag_seconds{index=\"x\",shard=\"" +
                            std::to_string(s) + "\"}"),
                std::string::npos);
    }
  }
  EXPECT_EQ(written, (std::map<std::string, int>{{"0", 1}, {"1", 1}, {"2", 1}}));

  auto check_queries = [&](size_t i, const std::string& when) {
    ASSERT_TRUE(Follow(i, acknowledged).empty()) << when;
    for (int q = 0; q < 10; ++q) {
      std::vector<float> query(kDims);
      std::string values;
      for (uint32_t d = 0; d < kDims; ++d) {
        query[d] = normal(rng);
        values += (d ? "," : "") + std::to_string(query[d]);
      }
      Reply r = Send(nodes_[i].port, "POST", std::string(kApi) + "/x/query",
                     R"({"vector":[)" + values + R"(],"topK":10})");
      ASSERT_EQ(r.status, 200) << r.body;
      // The brute-force top 10 over every stored record.
      std::vector<std::pair<double, std::string>> all;
      for (const auto& [id, v] : stored) {
        double dot = 0, qq = 0, vv = 0;
        for (uint32_t d = 0; d < kDims; ++d) {
          const double qd = std::stod(std::to_string(query[d]));
          dot += qd * v[d];
          qq += qd * qd;
          vv += double(v[d]) * v[d];
        }
        all.emplace_back(dot / std::sqrt(qq * vv), id);
      }
      std::sort(all.begin(), all.end(), std::greater<>());
      simdjson::dom::element e = Json(r.body + "\n");
      simdjson::dom::array matches;
      ASSERT_EQ(e["result"]["matches"].get(matches), simdjson::SUCCESS) << r.body;
      ASSERT_EQ(matches.size(), 10u) << when;
      size_t k = 0;
      for (simdjson::dom::element m : matches) {
        std::string_view id;
        double score = 0;
        ASSERT_EQ(m["id"].get(id), simdjson::SUCCESS);
        ASSERT_EQ(m["score"].get(score), simdjson::SUCCESS);
        EXPECT_NEAR(score, all[k].first, 1e-4) << when << " node " << i << " rank " << k;
        ASSERT_TRUE(stored.count(std::string(id))) << id;
        ++k;
      }
    }
  };
  for (size_t i = 0; i < 3; ++i) check_queries(i, "after the writes");

  // kill -9 the writer of the shard of one id: writes through the other nodes resume, and
  // nothing acknowledged is lost.
  Reply one = Send(nodes_[1].port, "POST", std::string(kApi) + "/x/upsert", line("s-single", 0));
  ASSERT_EQ(one.status, 200) << one.body;
  acknowledged["s-single"] = 0;
  const size_t victim = NodeNamed(HeaderOf(one, "x-semble-writer"));
  ASSERT_LT(victim, nodes_.size());
  Kill(victim);
  const auto end = Clock::now() + 30s;
  bool resumed = false;
  for (size_t via = (victim + 1) % 3; !resumed && Clock::now() < end;) {
    resumed = write_batch(via, 20) == 200;
    if (!resumed) std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(resumed) << "writes to the sharded index did not resume after the kill";
  for (int b = 0; b < 3; ++b) {
    const size_t via = (victim + 1 + b % 2) % 3;
    ASSERT_EQ(write_batch(via, 20), 200);
  }
  for (size_t i = 0; i < 3; ++i) {
    if (i != victim) check_queries(i, "after the kill");
  }
}


// Not a test: `bench/run_cluster_bench.sh shards` runs it and bench/RESULTS.md quotes it.
// Acknowledged write throughput of one node with an index of 1 shard, then of 3 nodes with an
// index of 1 shard and one of 3 (hnsw, 4 dims): 6 clients post batches of 100 records through
// every running node for 15 s each.
TEST_F(ClusterServerTest, DISABLED_WriteThroughputByShardCount) {
  struct Setup {
    size_t nodes;
    int shards;
  };
  for (const Setup setup : {Setup{1, 1}, Setup{3, 1}, Setup{3, 3}}) {
    while (nodes_.size() < setup.nodes) Start(nodes_.size());
    const std::string name =
        "w" + std::to_string(setup.nodes) + "n" + std::to_string(setup.shards) + "s";
    Reply created = Send(nodes_[0].port, "POST", kApi,
                         R"({"name":")" + name + R"(","config":{"dimensions":4,"metric":"cosine",)"
                         R"("indexType":"hnsw","shards":)" + std::to_string(setup.shards) + "}}");
    ASSERT_EQ(created.status, 201) << created.body;
    // Every shard has its writer before the clock starts.
    for (size_t k = 0; k < setup.nodes; ++k) {
      Reply warm = Send(nodes_[k].port, "POST", std::string(kApi) + "/" + name + "/upsert",
                        Record("warm-" + std::to_string(k), static_cast<int>(k)));
      ASSERT_EQ(warm.status, 200) << warm.body;
    }
    std::atomic<int64_t> acked{0};
    std::atomic<int> failed{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < 6; ++c) {
      clients.emplace_back([&, c] {
        for (int b = 0; !stop.load(); ++b) {
          std::string body;
          for (int k = 0; k < 100; ++k) {
            body += Record("c" + std::to_string(c) + "-" + std::to_string(b) + "-" +
                               std::to_string(k), b * 100 + k) + "\n";
          }
          Reply r = Send(nodes_[(c + b) % setup.nodes].port, "POST",
                         std::string(kApi) + "/" + name + "/upsert", body);
          if (r.status == 200) {
            acked += 100;
          } else {
            failed++;
          }
        }
      });
    }
    const auto start = Clock::now();
    std::this_thread::sleep_for(15s);
    stop = true;
    for (auto& t : clients) t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::fprintf(stderr,
                 "nodes %zu shards %d: %.0f acknowledged vectors/s (%lld in %.1f s, %d failed)\n",
                 setup.nodes, setup.shards, acked.load() / secs,
                 static_cast<long long>(acked.load()), secs, failed.load());
    EXPECT_EQ(failed.load(), 0);
    // The next setup starts from an empty store: nodes that join must not spend it loading this
    // index.
    Reply deleted = Send(nodes_[0].port, "DELETE", std::string(kApi) + "/" + name, "");
    ASSERT_EQ(deleted.status, 200) << deleted.body;
    std::this_thread::sleep_for(2s);
  }
}

// Not a test: `bench/run_cluster_bench.sh lag` runs it and bench/RESULTS.md quotes it. How long after a
// write is acknowledged a follower has applied it (GET info?waitForMutation on the follower, the
// way a client asks for read-your-writes), under 4 clients writing through the writer, with the
// heads watched in etcd and with polling only (--no-cluster-watch), at the default 250 ms
// interval.
TEST_F(ClusterServerTest, DISABLED_FollowerLagUnderWriteLoad) {
  for (const bool watch : {true, false}) {
    TearDown();
    nodes_.clear();
    cluster_name_ += watch ? "-watch" : "-poll";
    bucket_ = test::NewRadosgwBucket();
    sync_interval_ms_ = "250";
    extra_args_.clear();
    if (!watch) extra_args_.push_back("--no-cluster-watch");
    for (size_t i = 0; i < 3; ++i) Start(i);
    const size_t writer = CreateIndexAndFindWriter(0);
    ASSERT_LT(writer, nodes_.size());
    const size_t follower = (writer + 1) % 3;
    // A node learns of an index created elsewhere at its next poll: wait for that first.
    for (int k = 0; k < 100; ++k) {
      if (Send(nodes_[follower].port, "GET", std::string(kApi) + "/x/info", "").status == 200) break;
      std::this_thread::sleep_for(100ms);
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> load;
    for (int c = 0; c < 4; ++c) {
      load.emplace_back([&, c] {
        for (int k = 0; !stop.load(); ++k) {
          Send(nodes_[writer].port, "POST", std::string(kApi) + "/x/upsert",
               Record("l" + std::to_string(c) + "-" + std::to_string(k), k));
        }
      });
    }
    std::vector<double> lags;
    for (int p = 0; p < 150; ++p) {
      Reply w = Send(nodes_[writer].port, "POST", std::string(kApi) + "/x/upsert",
                     Record("probe-" + std::to_string(p), p));
      ASSERT_EQ(w.status, 200) << w.body;
      const auto acked = Clock::now();
      std::string_view id;
      ASSERT_EQ(Json(w.body + "\n")["result"]["mutationId"].get(id), simdjson::SUCCESS);
      Reply r = Send(nodes_[follower].port, "GET",
                     std::string(kApi) + "/x/info?waitForMutation=" + std::string(id) +
                         "&timeoutMs=10000",
                     "");
      ASSERT_EQ(r.status, 200) << r.body;
      lags.push_back(std::chrono::duration<double, std::milli>(Clock::now() - acked).count());
      std::this_thread::sleep_for(20ms);
    }
    stop = true;
    for (auto& t : load) t.join();
    std::sort(lags.begin(), lags.end());
    auto at = [&](double q) { return lags[std::min(lags.size() - 1, size_t(q * lags.size()))]; };
    std::fprintf(stderr,
                 "%s: follower lag after ack (ms) median %.1f, p90 %.1f, p99 %.1f, max %.1f "
                 "over %zu writes\n",
                 watch ? "watch" : "poll 250 ms", at(0.5), at(0.9), at(0.99), lags.back(),
                 lags.size());
  }
}

}  // namespace
}  // namespace semble
