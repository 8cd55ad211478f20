// Copyright 2026 The semble Authors.
//
// Acknowledged ingest over HTTP, NDJSON next to binary records (docs/API.md, "Binary records"),
// and through the public C++ API with the same batches, in one run (issue 16's ingest goals).
//   ingest_bench SEMBLE_BINARY MODELS_DIR WORK_DIR [--count 100000] [--dims 384] [--batch 5000]
//                [--types flat,hnsw] [--formats ndjson,binary] [--runs 3] [--streams 1]
// Starts `semble serve` on WORK_DIR/server (stopped by its PID at the end); every run creates a
// fresh index per (type, format), posts all batches (`streams` connections, each posting its
// share of the batches one after another) and times from the first request to the last
// acknowledgement (HTTP 200 with a mutation id: the batch is durable in the log, fsynced by group
// commit, the server's default). The vectors are random unit vectors (seeded), ids "v<i>"; NDJSON
// writes each float as the shortest text that reads back as that float32 (fewer bytes than a
// client printing doubles). Prints a Markdown table of medians with every run's rate, and checks
// after each load that the index holds exactly `count` vectors.

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "semble/database.h"
#include "wire/record_binary.h"

namespace {

using semble::bench::LoadAvg;
using semble::bench::SplitCommas;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

pid_t server_pid = 0;  // stopped on the way out, even on failure

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "ingest_bench: %s\n", why.c_str());
  if (server_pid > 0) {
    kill(server_pid, SIGTERM);
    waitpid(server_pid, nullptr, 0);
  }
  std::exit(1);
}

std::string Flag(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return argv[i + 1];
  }
  return def;
}

std::vector<std::vector<semble::VectorRecord>> MakeBatches(size_t count, size_t dims,
                                                           size_t batch) {
  std::mt19937 rng(42);
  std::normal_distribution<float> dist(0, 1);
  std::vector<std::vector<semble::VectorRecord>> batches;
  for (size_t i = 0; i < count; ++i) {
    if (i % batch == 0) batches.emplace_back();
    semble::VectorRecord r;
    r.id = "v" + std::to_string(i);
    r.values.resize(dims);
    double norm = 0;
    for (float& v : r.values) {
      v = dist(rng);
      norm += double{v} * v;
    }
    for (float& v : r.values) v = static_cast<float>(v / std::sqrt(norm));
    batches.back().push_back(std::move(r));
  }
  return batches;
}

std::string Ndjson(const std::vector<semble::VectorRecord>& records) {
  std::string out;
  char num[32];
  for (const auto& r : records) {
    out += "{\"id\":\"" + r.id + "\",\"values\":[";
    for (size_t i = 0; i < r.values.size(); ++i) {
      if (i) out += ',';
      auto res = std::to_chars(num, num + sizeof num, r.values[i]);
      out.append(num, res.ptr);
    }
    out += "]}\n";
  }
  return out;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string Runs(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += (s.empty() ? "" : " / ") + std::to_string(static_cast<long>(x + 0.5));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    Die("usage: ingest_bench SEMBLE_BINARY MODELS_DIR WORK_DIR [--count N] [--dims D] "
        "[--batch B] [--types flat,hnsw] [--formats ndjson,binary] [--runs R] [--streams S]");
  }
  const std::string binary = argv[1], models = argv[2];
  const fs::path work = argv[3];
  const size_t count = std::stoul(Flag(argc, argv, "--count", "100000"));
  const size_t dims = std::stoul(Flag(argc, argv, "--dims", "384"));
  const size_t batch = std::stoul(Flag(argc, argv, "--batch", "5000"));
  const int runs = std::stoi(Flag(argc, argv, "--runs", "3"));
  const size_t streams = std::stoul(Flag(argc, argv, "--streams", "1"));
  const std::vector<std::string> types = SplitCommas(Flag(argc, argv, "--types", "flat,hnsw"));
  const std::vector<std::string> formats =
      SplitCommas(Flag(argc, argv, "--formats", "ndjson,binary"));
  const auto wants = [&](const char* format) {
    return std::find(formats.begin(), formats.end(), format) != formats.end();
  };

  const auto batches = MakeBatches(count, dims, batch);
  std::vector<std::string> ndjson, bin;
  size_t ndjson_bytes = 0, bin_bytes = 0;
  for (const auto& b : batches) {
    ndjson.push_back(Ndjson(b));
    auto body = semble::wire::RecordsBinary(b);
    if (!body.ok()) Die(body.status().ToString());
    bin.push_back(std::move(*body));
    ndjson_bytes += ndjson.back().size();
    bin_bytes += bin.back().size();
  }
  std::printf(
      "# %zu vectors of %zu dims in %zu batches of %zu, %zu stream(s); bytes per vector: "
      "NDJSON %.0f, binary %.0f; load before: %s\n\n",
      count, dims, batches.size(), batch, streams,
      static_cast<double>(ndjson_bytes) / static_cast<double>(count),
      static_cast<double>(bin_bytes) / static_cast<double>(count), LoadAvg().c_str());

  fs::remove_all(work);
  fs::create_directories(work / "server");
  const int port = 20000 + static_cast<int>(getpid() % 20000);
  const pid_t child = fork();
  if (child == 0) {
    execl(binary.c_str(), binary.c_str(), "serve", "--data", (work / "server").c_str(), "--models",
          models.c_str(), "--port", std::to_string(port).c_str(), "--access-log", "off",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  server_pid = child;
  httplib::Client probe("127.0.0.1", port);
  for (int i = 0; i < 600 && !probe.Get("/healthz"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string base = "/client/v4/accounts/bench/vectorize/v2/indexes";

  std::printf(
      "| path | index type | acknowledged vectors/s (median) | runs | vs in-process | "
      "load |\n|---|---|---|---|---|---|\n");
  for (const std::string& type : types) {
    std::vector<double> inproc, http_nd, http_bin;
    const std::string load0 = LoadAvg();
    for (int run = 0; run < runs; ++run) {
      // In process: the same batches through Index::Insert on a database of the server's
      // defaults (group commit).
      {
        const fs::path path = work / ("inproc-" + type + "-" + std::to_string(run));
        auto db = semble::Database::Open(semble::DatabaseOptions{}, path.string());
        if (!db.ok()) Die(db.status().ToString());
        semble::CreateIndexRequest req;
        req.name = "ingest";
        req.config.dimensions = static_cast<uint32_t>(dims);
        req.config.index_type = type;
        auto index = (*db)->CreateIndex(req);
        if (!index.ok()) Die(index.status().ToString());
        const auto t0 = Clock::now();
        for (const auto& b : batches) {
          auto m = (*index)->Insert(b);
          if (!m.ok()) Die(m.status().ToString());
        }
        inproc.push_back(static_cast<double>(count) /
                         std::chrono::duration<double>(Clock::now() - t0).count());
        index->reset();
        db->reset();
        fs::remove_all(path);
      }
      for (int format = 0; format < 2; ++format) {
        if (!wants(format == 0 ? "ndjson" : "binary")) continue;
        const std::string name =
            "i-" + type + "-" + std::to_string(run) + "-" + std::to_string(format);
        auto created = probe.Post(base,
                                  "{\"name\":\"" + name +
                                      "\",\"config\":{\"dimensions\":" + std::to_string(dims) +
                                      ",\"metric\":\"cosine\",\"indexType\":\"" + type + "\"}}",
                                  "application/json");
        if (!created || created->status / 100 != 2) {
          Die("create " + name + ": " + (created ? created->body : std::string("no answer")));
        }
        const auto& bodies = format == 0 ? ndjson : bin;
        const std::string type_header =
            format == 0 ? "application/x-ndjson" : std::string(semble::wire::kRecordsBinaryType);
        std::atomic<size_t> next{0};
        std::atomic<bool> failed{false};
        const auto t0 = Clock::now();
        std::vector<std::thread> threads;
        for (size_t s = 0; s < streams; ++s) {
          threads.emplace_back([&] {
            httplib::Client client("127.0.0.1", port);
            client.set_keep_alive(true);
            client.set_tcp_nodelay(true);
            client.set_read_timeout(600);
            client.set_write_timeout(600);
            for (size_t i; (i = next.fetch_add(1)) < bodies.size();) {
              auto res = client.Post(base + "/" + name + "/insert", bodies[i], type_header);
              if (!res || res->status != 200 || res->body.find("mutationId") == std::string::npos) {
                std::fprintf(stderr, "insert: %s\n",
                             res ? res->body.substr(0, 300).c_str() : "no answer");
                failed = true;
                return;
              }
            }
          });
        }
        for (auto& t : threads) t.join();
        const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        if (failed) Die("an insert failed");
        (format == 0 ? http_nd : http_bin).push_back(static_cast<double>(count) / seconds);
        auto info = probe.Get(base + "/" + name + "/info");
        const std::string want = "\"vectorCount\":" + std::to_string(count);
        if (!info || info->body.find(want) == std::string::npos) {
          Die("after the load " + name + " does not hold " + std::to_string(count) +
              " vectors: " + (info ? info->body : std::string("no answer")));
        }
        probe.Delete(base + "/" + name);
      }
    }
    const std::string load1 = LoadAvg();
    const double in = Median(inproc);
    std::printf("| in process (Index::Insert) | %s | **%.0f** | %s | 1.00 | %s -> %s |\n",
                type.c_str(), in, Runs(inproc).c_str(), load0.c_str(), load1.c_str());
    if (!http_nd.empty()) {
      std::printf("| HTTP, NDJSON | %s | **%.0f** | %s | %.2f | |\n", type.c_str(),
                  Median(http_nd), Runs(http_nd).c_str(), Median(http_nd) / in);
    }
    if (!http_bin.empty()) {
      std::printf("| HTTP, binary records | %s | **%.0f** | %s | %.2f | |\n", type.c_str(),
                  Median(http_bin), Runs(http_bin).c_str(), Median(http_bin) / in);
    }
    std::fflush(stdout);
  }
  kill(child, SIGTERM);
  int status = 0;
  waitpid(child, &status, 0);
  fs::remove_all(work);
  return 0;
}
