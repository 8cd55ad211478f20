// Copyright 2026 The semble Authors.
//
// Embedding throughput under concurrent callers (issue 16, "Embedding under concurrency"; the
// limit of issue 14's semantic cache): C threads each call Embed with B texts until N texts are
// done, on one Embedder opened with EmbedderOptions::threads = T and no embedding cache. The texts
// are short generated prompts (~12 tokens, the cache's lookups), or the lines of --sentences FILE
// (bench/run_embed_concurrency.sh gives STS-B dev sentences, the text of the batch-32 goal).
// Prints one Markdown row per (T, C, B): texts/s (median of the runs, and every run), texts per
// CPU-second of the process (median; steadier than wall clock on a shared machine, and the
// "per core" rate when the callers keep the cores busy) and the median latency of one call.
//
//   embed_concurrency_bench MODEL_DIR [--threads 1,2] [--callers 1,2,8] [--batch 1]
//                           [--texts 2000] [--runs 3] [--sentences FILE] [--lanes L]
//                           [--url http://127.0.0.1:PORT --server-pid PID [--model NAME]]
//                           [--http-client beast|httplib]
// With --url the callers are HTTP connections to a running `semble serve` (OpenAI's
// /v1/embeddings, one request per call, each in one write: bench_http_client.h), and the CPU
// column is the server's.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include "bench_http_client.h"
#include "semble/embedder.h"

namespace {

using Clock = std::chrono::steady_clock;

// CPU seconds the whole process has used (every thread, user and system).
double ProcessCpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// CPU seconds another process has used (utime + stime from /proc/PID/stat); 0 without one.
double ServerCpuSeconds(pid_t pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int f = 3; f <= 15 && rest >> field; ++f) {
    if (f == 14) utime = std::stoull(field);
    if (f == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

using EmbedCall = std::function<bool(const std::vector<std::string>&)>;

std::vector<int> ParseList(const char* s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::atoi(item.c_str()));
  return out;
}

// Distinct prompts of 11-13 tokens, as cache_bench's lookups.
std::string Prompt(size_t i) {
  static const char* kVerbs[] = {"clean", "repair", "paint",  "install", "replace",
                                 "move",  "sell",   "insure", "inspect", "heat"};
  static const char* kNouns[] = {"bicycle", "piano",  "roof",   "boiler", "fence",
                                 "window",  "laptop", "garden", "car",    "boat"};
  static const char* kCities[] = {"Paris",  "Berlin", "Madrid", "Rome", "Vienna",
                                  "Prague", "Lisbon", "Dublin", "Oslo", "Seoul"};
  return std::string("What is the way to ") + kVerbs[i % 10] + " the " + kNouns[i / 10 % 10] +
         " number " + std::to_string(i / 100) + " in " + kCities[i / 1000 % 10] + "?";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s MODEL_DIR [--threads 1,2] [--callers 1,2,8] [--batch 1] "
                 "[--texts 2000] [--runs 3]\n",
                 argv[0]);
    return 2;
  }
  std::vector<int> threads_list = {1, 2}, callers_list = {1, 2, 8}, batch_list = {1};
  size_t texts = 2000;
  int runs = 3;
  int lanes = 0;  // --lanes: EmbedderOptions::concurrent_encodes (0: one per core)
  std::string sentences_file, url, model = "all-MiniLM-L6-v2-q4";
  bool httplib_client = false;  // --http-client httplib: cpp-httplib's client (bench_http_client.h)
  pid_t server_pid = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--threads") threads_list = ParseList(argv[i + 1]);
    if (flag == "--callers") callers_list = ParseList(argv[i + 1]);
    if (flag == "--batch") batch_list = ParseList(argv[i + 1]);
    if (flag == "--texts") texts = std::strtoul(argv[i + 1], nullptr, 10);
    if (flag == "--runs") runs = std::atoi(argv[i + 1]);
    if (flag == "--lanes") lanes = std::atoi(argv[i + 1]);
    if (flag == "--sentences") sentences_file = argv[i + 1];
    if (flag == "--url") url = argv[i + 1];
    if (flag == "--http-client") httplib_client = std::string(argv[i + 1]) == "httplib";
    if (flag == "--model") model = argv[i + 1];
    if (flag == "--server-pid") server_pid = static_cast<pid_t>(std::atoi(argv[i + 1]));
  }
  std::vector<std::string> prompts;
  if (sentences_file.empty()) {
    for (size_t i = 0; i < texts; ++i) prompts.push_back(Prompt(i));
  } else {
    std::ifstream in(sentences_file);
    for (std::string line; prompts.size() < texts && std::getline(in, line);) {
      if (!line.empty()) prompts.push_back(line);
    }
    if (prompts.empty()) {
      std::fprintf(stderr, "no sentences in %s\n", sentences_file.c_str());
      return 1;
    }
    texts = prompts.size();
  }

  std::printf(
      "| threads | callers | batch | texts/s (median) | runs | texts per CPU-s | call p50 ms |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  // One row: `callers` threads, each with its own call (an HTTP connection, or the shared
  // Embedder), take `batch` texts at a time until all are done; CPU is the serving process's.
  auto measure = [&](const std::string& label, int callers, int batch,
                     const std::function<EmbedCall(int)>& make_call,
                     const std::function<double()>& cpu_seconds) {
    std::vector<double> rates, latencies, per_cpu;
    for (int r = 0; r < runs; ++r) {
      std::atomic<size_t> next{0};
      std::vector<std::vector<double>> lat(callers);
      std::vector<EmbedCall> calls;
      for (int c = 0; c < callers; ++c) calls.push_back(make_call(c));
      const auto t0 = Clock::now();
      const double cpu0 = cpu_seconds();
      std::vector<std::thread> pool;
      for (int c = 0; c < callers; ++c) {
        pool.emplace_back([&, c] {
          for (size_t i; (i = next.fetch_add(batch)) < texts;) {
            const size_t end = std::min(texts, i + batch);
            std::vector<std::string> in(prompts.begin() + i, prompts.begin() + end);
            const auto c0 = Clock::now();
            if (!calls[c](in)) std::abort();
            lat[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - c0).count());
          }
        });
      }
      for (auto& t : pool) t.join();
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      rates.push_back(static_cast<double>(texts) / s);
      per_cpu.push_back(static_cast<double>(texts) / (cpu_seconds() - cpu0));
      for (auto& l : lat) latencies.insert(latencies.end(), l.begin(), l.end());
    }
    std::vector<double> sorted = rates;
    std::sort(sorted.begin(), sorted.end());
    std::sort(latencies.begin(), latencies.end());
    std::sort(per_cpu.begin(), per_cpu.end());
    std::string all;
    for (double x : rates) all += (all.empty() ? "" : " / ") + std::to_string(std::lround(x));
    std::printf("| %s | %d | %d | %.0f | %s | %.0f | %.2f |\n", label.c_str(), callers, batch,
                sorted[sorted.size() / 2], all.c_str(), per_cpu[per_cpu.size() / 2],
                latencies[latencies.size() / 2]);
    std::fflush(stdout);
  };

  if (!url.empty()) {
    // Over HTTP: OpenAI's /v1/embeddings on a running `semble serve` (start it with
    // --embed-cache 0, or texts asked again are answered from its cache), one keep-alive
    // connection per caller; CPU is the server's (--server-pid).
    auto make_call = [&](int) -> EmbedCall {
      std::shared_ptr<semble::bench::HttpClient> client =
          semble::bench::HttpClient::FromUrl(url, httplib_client);
      if (client == nullptr) {
        std::fprintf(stderr, "--url http://HOST:PORT\n");
        std::exit(2);
      }
      return [client, &model](const std::vector<std::string>& in) {
        std::string body = "{\"model\":" + JsonString(model) + ",\"input\":[";
        for (size_t i = 0; i < in.size(); ++i) body += (i ? "," : "") + JsonString(in[i]);
        body += "]}";
        auto res = client->Post("/v1/embeddings", body, "application/json");
        return res && res->status == 200;
      };
    };
    (void)make_call(0)({prompts.begin(), prompts.begin() + std::min<size_t>(32, texts)});
    for (int callers : callers_list) {
      for (int batch : batch_list) {
        measure("HTTP", callers, batch, make_call, [&] { return ServerCpuSeconds(server_pid); });
      }
    }
    return 0;
  }
  for (int threads : threads_list) {
    semble::EmbedderOptions options;
    options.threads = threads;
    options.concurrent_encodes = lanes;
    auto embedder = semble::Embedder::Open(argv[1], options);
    if (!embedder.ok()) {
      std::fprintf(stderr, "%s\n", embedder.status().ToString().c_str());
      return 1;
    }
    (void)(*embedder)->Embed(
        {prompts.begin(), prompts.begin() + std::min<size_t>(32, texts)});  // warm-up
    auto make_call = [&](int) -> EmbedCall {
      return [&](const std::vector<std::string>& in) { return (*embedder)->Embed(in).ok(); };
    };
    for (int callers : callers_list) {
      for (int batch : batch_list) {
        measure(std::to_string(threads), callers, batch, make_call, ProcessCpuSeconds);
      }
    }
  }
  return 0;
}
