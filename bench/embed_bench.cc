// Copyright 2026 The semble Authors.
//
// semble's embedding throughput on STS-B dev sentences, for bench/run_embed.sh which runs it next
// to bench/embed_bench_ort.mjs (onnxruntime-node) in the same session.
//   embed_bench MODEL_DIR SENTENCES_FILE BATCH RUNS [THREADS] [fp32|model]
// SENTENCES_FILE: one sentence per line. Prints one JSON line: sentences/s per run and median,
// sentences per second of the process's CPU time (cpu_median: what one core does, and the figure
// to compare on a shared machine, where wall-clock rates move with other processes' load), peak
// RSS and RSS after the runs. Tokenization is included (both engines go from text to pooled,
// normalised vectors).

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "embed/kernels.h"
#include "embed/q4_gemm.h"
#include "semble/embedder.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: embed_bench MODEL_DIR SENTENCES BATCH RUNS [THREADS] [fp32|model]\n");
    return 2;
  }
  const std::string model = argv[1];
  const size_t batch = std::strtoul(argv[3], nullptr, 10);
  const int runs = std::atoi(argv[4]);
  semble::EmbedderOptions options;
  options.threads = argc > 5 ? std::atoi(argv[5]) : 1;
  const std::string mode = argc > 6 ? argv[6] : "model";
  if (mode == "fp32") options.activations = semble::ActivationPrecision::kFloat32;
  auto data = semble::ReadFileToString(semble::Env::Default(), argv[2]);
  if (!data.ok()) {
    std::fprintf(stderr, "%s\n", data.status().ToString().c_str());
    return 1;
  }
  std::vector<std::string> sentences;
  size_t pos = 0;
  while (pos < data->size()) {
    size_t nl = data->find('\n', pos);
    if (nl == std::string::npos) nl = data->size();
    sentences.push_back(data->substr(pos, nl - pos));
    pos = nl + 1;
  }
  auto embedder = semble::Embedder::Open(model, options);
  if (!embedder.ok()) {
    std::fprintf(stderr, "%s\n", embedder.status().ToString().c_str());
    return 1;
  }
  auto run_all = [&](size_t limit) {
    for (size_t i = 0; i < limit; i += batch) {
      const size_t end = std::min(limit, i + batch);
      std::vector<std::string> texts(sentences.begin() + i, sentences.begin() + end);
      auto v = (*embedder)->Embed(texts);
      if (!v.ok()) std::abort();
    }
  };
  run_all(std::min<size_t>(sentences.size(), 64));  // warm-up
  auto cpu_seconds = [] {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  };
  std::vector<double> rates, cpu_rates;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    run_all(sentences.size());
    const double c = cpu_seconds() - c0;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rates.push_back(static_cast<double>(sentences.size()) / s);
    cpu_rates.push_back(static_cast<double>(sentences.size()) / c);
  }
  std::vector<double> sorted = rates, cpu_sorted = cpu_rates;
  std::sort(sorted.begin(), sorted.end());
  std::sort(cpu_sorted.begin(), cpu_sorted.end());
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  // Resident set after the runs (peak_rss includes the loader's transient fp32 copies).
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  std::printf(
      "{\"engine\":\"semble-%s\",\"target\":\"%s\",\"q4\":\"%s\",\"threads\":%d,\"batch\":%zu,"
      "\"sentences\":%zu,\"median\":%.1f,\"cpu_median\":%.1f,\"runs\":[",
      mode.c_str(), semble::embed::KernelTargetName(),
      semble::embed::Q4PathName(semble::embed::Q4ChosenPath()), options.threads, batch,
      sentences.size(), sorted[sorted.size() / 2], cpu_sorted[cpu_sorted.size() / 2]);
  for (size_t i = 0; i < rates.size(); ++i) std::printf("%s%.1f", i ? "," : "", rates[i]);
  std::printf(
      "],\"peak_rss_mb\":%.1f,\"rss_mb\":%.1f}\n", static_cast<double>(ru.ru_maxrss) / 1024.0,
      static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1048576.0);
  return 0;
}
