// Copyright 2026 The semble Authors.
//
// A latency histogram with fixed bucket bounds that many threads update without a lock, laid out
// for Prometheus: cumulative counts per upper bound, a count and a sum.

#ifndef SEMBLE_SRC_CORE_HISTOGRAM_H_
#define SEMBLE_SRC_CORE_HISTOGRAM_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace semble::core {

class LatencyHistogram {
 public:
  // Upper bounds in seconds: 50 µs to 10 s, roughly ×2.5 apart, so one set of buckets serves a
  // loopback query (tens of µs), an fsync (ms) and a bulk insert (s).
  static constexpr std::array<double, 16> kBounds = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,   0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   10.0};

  void Observe(double seconds) {
    size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_nanos_.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
  }

  struct Snapshot {
    // cumulative[i]: observations <= kBounds[i]; count includes those above the last bound.
    std::array<uint64_t, kBounds.size()> cumulative{};
    uint64_t count = 0;
    double sum_seconds = 0;
  };
  Snapshot Read() const {
    Snapshot s;
    uint64_t running = 0;
    for (size_t i = 0; i < kBounds.size(); ++i) {
      running += buckets_[i].load(std::memory_order_relaxed);
      s.cumulative[i] = running;
    }
    s.count = running + buckets_[kBounds.size()].load(std::memory_order_relaxed);
    s.sum_seconds = static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) * 1e-9;
    return s;
  }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> sum_nanos_{0};
};

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_HISTOGRAM_H_
