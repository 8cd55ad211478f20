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
//                           [--texts 2000] [--runs 3] [--sentences FILE]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <sys/resource.h>
#include <vector>

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
  std::string sentences_file;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--threads") threads_list = ParseList(argv[i + 1]);
    if (flag == "--callers") callers_list = ParseList(argv[i + 1]);
    if (flag == "--batch") batch_list = ParseList(argv[i + 1]);
    if (flag == "--texts") texts = std::strtoul(argv[i + 1], nullptr, 10);
    if (flag == "--runs") runs = std::atoi(argv[i + 1]);
    if (flag == "--sentences") sentences_file = argv[i + 1];
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
  for (int threads : threads_list) {
    semble::EmbedderOptions options;
    options.threads = threads;
    auto embedder = semble::Embedder::Open(argv[1], options);
    if (!embedder.ok()) {
      std::fprintf(stderr, "%s\n", embedder.status().ToString().c_str());
      return 1;
    }
    (void)(*embedder)->Embed(
        {prompts.begin(), prompts.begin() + std::min<size_t>(32, texts)});  // warm-up
    for (int callers : callers_list) {
      for (int batch : batch_list) {
        std::vector<double> rates, latencies, per_cpu;
        for (int r = 0; r < runs; ++r) {
          std::atomic<size_t> next{0};
          std::vector<std::vector<double>> lat(callers);
          const auto t0 = Clock::now();
          const double cpu0 = ProcessCpuSeconds();
          std::vector<std::thread> pool;
          for (int c = 0; c < callers; ++c) {
            pool.emplace_back([&, c] {
              for (size_t i; (i = next.fetch_add(batch)) < texts;) {
                const size_t end = std::min(texts, i + batch);
                std::vector<std::string> in(prompts.begin() + i, prompts.begin() + end);
                const auto c0 = Clock::now();
                auto v = (*embedder)->Embed(in);
                if (!v.ok()) std::abort();
                lat[c].push_back(
                    std::chrono::duration<double, std::milli>(Clock::now() - c0).count());
              }
            });
          }
          for (auto& t : pool) t.join();
          const double s = std::chrono::duration<double>(Clock::now() - t0).count();
          rates.push_back(static_cast<double>(texts) / s);
          per_cpu.push_back(static_cast<double>(texts) / (ProcessCpuSeconds() - cpu0));
          for (auto& l : lat) latencies.insert(latencies.end(), l.begin(), l.end());
        }
        std::vector<double> sorted = rates;
        std::sort(sorted.begin(), sorted.end());
        std::sort(latencies.begin(), latencies.end());
        std::sort(per_cpu.begin(), per_cpu.end());
        std::string all;
        for (double x : rates) all += (all.empty() ? "" : " / ") + std::to_string(std::lround(x));
        std::printf("| %d | %d | %d | %.0f | %s | %.0f | %.2f |\n", threads, callers, batch,
                    sorted[sorted.size() / 2], all.c_str(), per_cpu[per_cpu.size() / 2],
                    latencies[latencies.size() / 2]);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
