// Copyright 2026 The semble Authors.
//
// Durability of `semble serve` as clients see it, over real sockets against the real binary:
// - SIGKILL under concurrent HTTP writes: after a restart, every write the server acknowledged
//   (HTTP 200) is there with exactly its values and metadata;
// - a full disk (a small tmpfs as the data directory): writes fail with a clear storage error and
//   change nothing, reads go on, and writes resume by themselves once space is freed, with no
//   restart; everything acknowledged survives a restart.

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "cli/cli_fixture.h"
#include "cli/http_send.h"

namespace semble {
namespace {

constexpr char kApi[] = "/client/v4/accounts/t/vectorize/v2/indexes";

class ServerDurabilityTest : public CliTest {
 protected:
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // Starts `semble serve` on data_dir and returns once it listens.
  void Start(const std::string& data_dir, const std::vector<std::string>& extra = {}) {
    const std::string log = tmp_.path() + "/server.log";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> args = {
        BinaryPath(),   "serve", "--data",   data_dir,
        "--port",       "0",     "--models", tmp_.path() + "/no-models",
        "--access-log", "off"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    port_ = 0;
    const std::string marker = "listening on http://127.0.0.1:";
    for (int i = 0; i < 600 && port_ == 0; ++i) {
      const std::string text = ReadAll(log);
      if (size_t at = text.find(marker); at != std::string::npos) {
        port_ = std::stoi(text.substr(at + marker.size()));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    ASSERT_NE(port_, 0) << "server did not start: " << ReadAll(log);
  }
  void Kill() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  void Stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    EXPECT_TRUE(WIFEXITED(status)) << status;
  }

  static std::string Record(const std::string& id, int n, uint32_t dims) {
    std::string values;
    for (uint32_t d = 0; d < dims; ++d) {
      values += (d ? "," : "") + std::to_string(n % 1000) + "." + std::to_string(d);
    }
    return R"({"id":")" + id + R"(","values":[)" + values + R"(],"metadata":{"n":)" +
           std::to_string(n) + "}}";
  }

  // Every id in `want` (id -> n) is stored with exactly Record(id, n)'s values and metadata.
  void ExpectStored(const std::map<std::string, int>& want, uint32_t dims) {
    std::vector<std::string> ids;
    for (const auto& [id, n] : want) ids.push_back(id);
    for (size_t i = 0; i < ids.size(); i += 20) {  // get_by_ids takes at most 20 ids
      std::string body = R"({"ids":[)";
      for (size_t j = i; j < std::min(ids.size(), i + 20); ++j) {
        body += (j > i ? ",\"" : "\"") + ids[j] + "\"";
      }
      body += "]}";
      Reply r = Send(port_, "POST", std::string(kApi) + "/x/get_by_ids", body);
      ASSERT_EQ(r.status, 200) << r.body;
      simdjson::dom::element e = Json(r.body + "\n");
      simdjson::dom::array got;
      ASSERT_EQ(e["result"].get(got), simdjson::SUCCESS) << r.body;
      ASSERT_EQ(got.size(), std::min<size_t>(20, ids.size() - i))
          << "acknowledged ids missing: " << r.body;
      for (simdjson::dom::element rec : got) {
        std::string_view id;
        ASSERT_EQ(rec["id"].get(id), simdjson::SUCCESS);
        const int n = want.at(std::string(id));
        double stored_n = -1, v0 = -1;
        EXPECT_EQ(rec["metadata"]["n"].get(stored_n), simdjson::SUCCESS);
        EXPECT_EQ(stored_n, n) << id;
        EXPECT_EQ(rec["values"].at(0).get(v0), simdjson::SUCCESS);
        EXPECT_FLOAT_EQ(static_cast<float>(v0), static_cast<float>(n % 1000)) << id;
        EXPECT_EQ(rec["values"].get_array().size(), dims);
      }
    }
  }

  pid_t pid_ = -1;
  int port_ = 0;
};

// Writers keep one record per id and overwrite it (upsert); the last acknowledged value of each
// id must survive a SIGKILL at a random moment. Several trials, each on the data the previous left.
TEST_F(ServerDurabilityTest, AcknowledgedHttpWritesSurviveSigkill) {
  const std::string data = tmp_.path() + "/data";
  const uint32_t dims = 8;
  Start(data);
  ASSERT_EQ(
      Send(port_, "POST", kApi, R"({"name":"x","config":{"dimensions":8,"metric":"euclidean"}})")
              .status /
          100,
      2);
  std::map<std::string, int> acknowledged;  // id -> n of its last acknowledged upsert
  std::mt19937 rng(std::random_device{}());
  int total_acks = 0;
  // An id whose upsert was in flight at a kill may hold the old or the new value, until a later
  // upsert of it is acknowledged (which may be trials later: a slow build writes fewer per trial).
  std::map<std::string, std::vector<int>> in_doubt;
  for (int trial = 0; trial < 4; ++trial) {
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t) {
      writers.emplace_back([&, t] {
        for (int k = 0; !stop.load(); ++k) {
          const std::string id = "t" + std::to_string(t) + "-" + std::to_string(k % 50);
          const int n = trial * 1000000 + t * 100000 + k;
          {
            std::lock_guard lock(mu);
            in_doubt[id].push_back(n);
          }
          const std::string body = Record(id, n, dims) + "\n" + Record(id + "b", n, dims);
          Reply r = Send(port_, "POST", std::string(kApi) + "/x/upsert", body);
          if (r.status == 0) return;  // the server is gone
          std::lock_guard lock(mu);
          if (r.status == 200) {
            acknowledged[id] = acknowledged[id + "b"] = n;
            in_doubt[id].clear();
            ++total_acks;
          } else {
            ADD_FAILURE() << r.status << " " << r.body;
            return;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 1200));
    Kill();
    stop = true;
    for (auto& w : writers) w.join();
    Start(data);
    // Ids with a write in doubt are checked separately: either their acknowledged value or one
    // of the values sent after it.
    std::map<std::string, int> certain;
    for (const auto& [id, n] : acknowledged) {
      const std::string base = id.back() == 'b' ? id.substr(0, id.size() - 1) : id;
      if (in_doubt[base].empty()) certain[id] = n;
    }
    ExpectStored(certain, dims);
    if (HasFailure()) return;
  }
  EXPECT_GT(total_acks, 20) << "too few writes were acknowledged for the test to mean much";
}

// A server whose database lives in an object store: a read-only CLI beside it does not take the
// store over, and after a SIGKILL a server on a brand-new cache directory has every acknowledged
// write; a CLI write while no server runs is there too.
TEST_F(ServerDurabilityTest, AServerOnAStoreLosesNothingWhenItsCacheIsGone) {
  const std::string store = "file://" + tmp_.path() + "/bucket";
  const uint32_t dims = 4;
  Start(tmp_.path() + "/cache-1", {"--store", store, "--group-commit-us", "500"});
  ASSERT_EQ(Send(port_, "POST", kApi, R"({"name":"x","config":{"dimensions":4,"metric":"cosine"}})")
                .status,
            201);
  std::map<std::string, int> acknowledged;
  for (int n = 0; n < 30; ++n) {
    const std::string id = "r" + std::to_string(n);
    Reply r = Send(port_, "POST", std::string(kApi) + "/x/upsert", Record(id, n + 1, dims));
    ASSERT_EQ(r.status, 200) << r.body;
    acknowledged[id] = n + 1;
  }
  // A reader on another cache sees what the server acknowledged...
  RunResult got = RunEnv({"--data", tmp_.path() + "/cli-cache", "--store", store, "vectorize",
                          "get-vectors", "x", "--ids", "r0", "r29", "--json"},
                         {});
  ASSERT_EQ(got.code, 0) << got.err;
  EXPECT_NE(got.out.find("\"r29\""), std::string::npos) << got.out;
  // ...without fencing it: the server still writes.
  Reply after = Send(port_, "POST", std::string(kApi) + "/x/upsert", Record("late", 99, dims));
  ASSERT_EQ(after.status, 200) << after.body;
  acknowledged["late"] = 99;
  Kill();
  std::filesystem::remove_all(tmp_.path() + "/cache-1");
  // A CLI write while no server runs goes to the store as well.
  RunResult put = RunEnv({"--data", tmp_.path() + "/cli-cache", "--store", store, "vectorize",
                          "upsert", "x", "--file", "-"},
                         {}, Record("cli", 7, dims) + "\n");
  ASSERT_EQ(put.code, 0) << put.err;
  acknowledged["cli"] = 7;
  Start(tmp_.path() + "/cache-2", {"--store", store});
  ExpectStored(acknowledged, dims);
}

// The data directory on a 16 MiB tmpfs, filled up by the writes themselves.
TEST_F(ServerDurabilityTest, FullDiskGivesClearErrorsAndWritesResumeWhenSpaceReturns) {
  const std::string mnt = tmp_.path() + "/small-disk";
  std::filesystem::create_directories(mnt);
  ASSERT_EQ(::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=16m"), 0)
      << "mounting a tmpfs needs root (CI runs as root): " << std::strerror(errno);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  // Space that can be given back later.
  WriteFile(mnt + "/ballast", std::string(4 << 20, 'x'));
  const uint32_t dims = 256;
  Start(mnt + "/data");
  ASSERT_EQ(
      Send(port_, "POST", kApi, R"({"name":"x","config":{"dimensions":256,"metric":"cosine"}})")
              .status /
          100,
      2);
  std::map<std::string, int> acknowledged;
  Reply failed;
  int n = 0;
  for (; n < 100000; ++n) {
    std::string body;
    for (int j = 0; j < 20; ++j) body += Record("r" + std::to_string(n * 20 + j), n, dims) + "\n";
    Reply r = Send(port_, "POST", std::string(kApi) + "/x/upsert", body);
    if (r.status != 200) {
      failed = r;
      break;
    }
    for (int j = 0; j < 20; ++j) acknowledged["r" + std::to_string(n * 20 + j)] = n;
  }
  ASSERT_GT(acknowledged.size(), 100u);
  // A clear storage error, in the error table, naming the cause.
  EXPECT_EQ(failed.status, 500) << failed.body;
  EXPECT_NE(failed.body.find("1001"), std::string::npos) << failed.body;
  EXPECT_NE(failed.body.find("No space left on device"), std::string::npos) << failed.body;
  // Still full: the same clear error, not a sticky "reopen the database".
  std::string body;
  for (int j = 0; j < 20; ++j) body += Record("late" + std::to_string(j), 7, dims) + "\n";
  Reply again = Send(port_, "POST", std::string(kApi) + "/x/upsert", body);
  EXPECT_EQ(again.status, 500) << again.body;
  EXPECT_NE(again.body.find("No space left on device"), std::string::npos) << again.body;
  // Reads go on.
  Reply info = Send(port_, "GET", std::string(kApi) + "/x/info", "");
  EXPECT_EQ(info.status, 200) << info.body;
  EXPECT_NE(info.body.find("\"vectorCount\":" + std::to_string(acknowledged.size())),
            std::string::npos)
      << info.body;
  // Space returns: the next write succeeds without a restart.
  std::filesystem::remove(mnt + "/ballast");
  Reply resumed = Send(port_, "POST", std::string(kApi) + "/x/upsert", body);
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  for (int j = 0; j < 20; ++j) acknowledged["late" + std::to_string(j)] = 7;
  ExpectStored(acknowledged, dims);
  // Everything acknowledged survives a restart (the final checkpoint may or may not fit).
  Stop();
  Start(mnt + "/data");
  ExpectStored(acknowledged, dims);
}

}  // namespace
}  // namespace semble
