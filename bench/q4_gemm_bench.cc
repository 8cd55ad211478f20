// Copyright 2026 The semble Authors.
//
// The int4 x int8 GEMM alone, per kernel the CPU has, on the shapes of all-MiniLM-L6-v2's four
// linear layers: giga multiply-adds per second of one thread's CPU time, and how many encoder
// layers' worth of GEMM that is. Rows are tokens: 480 is a batch of 32 STS-B-like sentences of
// ~15 tokens, 12 one short prompt.
//   q4_gemm_bench [ROWS...] [KERNEL...]   (default: 12 480, every kernel the CPU has; kernels by
//                                         name: amx avx512vnni avx2 scalar)
// Random weights of the model's form (4-bit codes, one scale per 32 K) and normal activations;
// every kernel's output is checked bit for bit against the first one's before it is timed.

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "embed/kernels.h"
#include "embed/q4_gemm.h"

namespace {

using semble::embed::Q4Linear;
using semble::embed::Q4Path;

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

Q4Linear MakeLayer(size_t n, size_t k, std::mt19937* rng) {
  std::uniform_int_distribution<int> code(-8, 7);
  std::uniform_real_distribution<float> scale(0.001f, 0.05f);
  std::vector<float> w(n * k), bias(n, 0.1f);
  for (size_t c = 0; c < n; ++c) {
    for (size_t kb = 0; kb < k / 32; ++kb) {
      const float s = scale(*rng);
      for (size_t i = 0; i < 32; ++i) w[c * k + kb * 32 + i] = static_cast<float>(code(*rng)) * s;
    }
  }
  Q4Linear q;
  if (!semble::embed::PackQ4(semble::embed::PackLinear(w.data(), bias.data(), n, k), &q)) {
    std::fprintf(stderr, "pack failed\n");
    std::exit(1);
  }
  return q;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> row_counts;
  std::vector<std::string> kernels;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] >= '0' && argv[i][0] <= '9') {
      row_counts.push_back(std::strtoul(argv[i], nullptr, 10));
    } else {
      kernels.push_back(argv[i]);
    }
  }
  if (row_counts.empty()) row_counts = {12, 480};
  std::mt19937 rng(7);
  struct Shape {
    const char* name;
    size_t n, k;
  };
  const Shape shapes[] = {
      {"qkv", 1152, 384}, {"out", 384, 384}, {"fc1", 1536, 384}, {"fc2", 384, 1536}};
  std::vector<Q4Linear> layers;
  for (const Shape& s : shapes) layers.push_back(MakeLayer(s.n, s.k, &rng));
  // As the encoder holds them: with the AMX kernel's expanded copy when the CPU has AMX.
  for (Q4Linear& l : layers) semble::embed::ExpandQ4ForAmx(&l);
  std::vector<Q4Path> paths;
  for (Q4Path p : {Q4Path::kAmx, Q4Path::kAvx512Vnni, Q4Path::kAvx2, Q4Path::kScalar}) {
    const bool named = kernels.empty() || std::find(kernels.begin(), kernels.end(),
                                                    semble::embed::Q4PathName(p)) != kernels.end();
    if (named && semble::embed::Q4PathSupported(p)) paths.push_back(p);
  }
  std::printf("rows | kernel | %s | layer GMAC/s (median of 5) | us per encoder layer's 4 GEMMs\n",
              "qkv / out / fc1 / fc2");
  for (size_t m : row_counts) {
    std::vector<std::vector<float>> reference(layers.size());
    for (Q4Path path : paths) {
      std::string cells;
      double layer_seconds = 0, layer_macs = 0;
      for (size_t li = 0; li < layers.size(); ++li) {
        const Q4Linear& w = layers[li];
        std::normal_distribution<float> dist(0, 1);
        std::mt19937 xrng(11 + li);
        std::vector<float> x(m * w.k);
        for (float& v : x) v = dist(xrng);
        std::vector<int8_t> q(m * w.k);
        std::vector<float> xs(m * w.blocks());
        std::vector<int32_t> xz(m * w.blocks());
        semble::embed::QuantizeActivations(x.data(), m, w.k, q.data(), xs.data(), xz.data());
        std::vector<float> y(m * w.n);
        auto run = [&] {
          semble::embed::Q4GemmOn(path, q.data(), xs.data(), xz.data(), m, w, y.data(), w.n, 0,
                                  w.num_tiles());
        };
        run();
        if (reference[li].empty()) {
          reference[li] = y;
        } else if (y != reference[li]) {
          for (size_t i = 0; i < y.size(); ++i) {
            if (y[i] != reference[li][i]) {
              std::fprintf(stderr, "first difference at row %zu column %zu: %g vs %g\n", i / w.n,
                           i % w.n, y[i], reference[li][i]);
              break;
            }
          }
          std::fprintf(stderr, "%s differs from %s on %s\n", semble::embed::Q4PathName(path),
                       semble::embed::Q4PathName(paths[0]), shapes[li].name);
          return 1;
        }
        const double macs = static_cast<double>(m * w.n * w.k);
        // Enough repetitions for ~50 ms per sample.
        const size_t reps = std::max<size_t>(1, static_cast<size_t>(2e8 / macs));
        std::vector<double> samples;
        for (int s = 0; s < 5; ++s) {
          const double t0 = CpuSeconds();
          for (size_t i = 0; i < reps; ++i) run();
          samples.push_back((CpuSeconds() - t0) / static_cast<double>(reps));
        }
        std::sort(samples.begin(), samples.end());
        const double sec = samples[2];
        layer_seconds += sec;
        layer_macs += macs;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%s%.0f", li ? " / " : "", macs / sec * 1e-9);
        cells += buf;
      }
      std::printf("%zu | %s | %s | %.0f | %.1f\n", m, semble::embed::Q4PathName(path),
                  cells.c_str(), layer_macs / layer_seconds * 1e-9, layer_seconds * 1e6);
    }
  }
  return 0;
}
