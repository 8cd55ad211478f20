// Copyright 2026 The semble Authors.

#include "core/cpu_count.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#ifdef __linux__
#include <sched.h>
#endif

namespace semble::core {
namespace {

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool ParseInt(std::string_view s, long long* out) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// The tightest quota (in CPUs, 0 = none) on this process's cgroup and its ancestors.
int CgroupQuota() {
  int best = 0;
  auto take = [&](int cpus) {
    if (cpus > 0) best = best == 0 ? cpus : std::min(best, cpus);
  };
  // /proc/self/cgroup: "0::/path" for v2; "N:cpu,cpuacct:/path" (or similar) for v1.
  std::istringstream lines(ReadSmallFile("/proc/self/cgroup"));
  for (std::string line; std::getline(lines, line);) {
    const size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    const bool v2 = controllers.empty();
    std::string root;
    if (v2) {
      root = "/sys/fs/cgroup";
    } else if (("," + controllers + ",").find(",cpu,") != std::string::npos) {
      root = "/sys/fs/cgroup/" + controllers;
    } else {
      continue;
    }
    // From the process's own cgroup up to the root of the mount (inside a cgroup namespace the
    // path is "/" and the mount's root is the container's cgroup).
    while (true) {
      const std::string dir = root + (path == "/" ? "" : path);
      if (v2) {
        take(CpusFromCpuMax(ReadSmallFile(dir + "/cpu.max")));
      } else {
        long long quota = 0, period = 0;
        if (ParseInt(ReadSmallFile(dir + "/cpu.cfs_quota_us"), &quota) &&
            ParseInt(ReadSmallFile(dir + "/cpu.cfs_period_us"), &period)) {
          take(CpusFromCfsQuota(quota, period));
        }
      }
      if (path.empty() || path == "/") break;
      const size_t slash = path.rfind('/');
      path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
    }
  }
  return best;
}

}  // namespace

int CountAvailableCores() {
  int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
#ifdef __linux__
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) cpus = std::max(1, CPU_COUNT(&set));
#endif
  const int quota = CgroupQuota();
  if (quota > 0) cpus = std::min(cpus, quota);
  return std::max(1, cpus);
}

int CpusFromCpuMax(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  const size_t space = text.find(' ');
  if (space == std::string_view::npos) return 0;
  long long quota = 0, period = 0;
  if (!ParseInt(text.substr(0, space), &quota) || !ParseInt(text.substr(space + 1), &period)) {
    return 0;  // "max ..." (no limit) or not a cpu.max text
  }
  return CpusFromCfsQuota(quota, period);
}

int CpusFromCfsQuota(long long quota_us, long long period_us) {
  if (quota_us <= 0 || period_us <= 0) return 0;
  const long long cpus = (quota_us + period_us - 1) / period_us;
  return static_cast<int>(std::min<long long>(cpus, 1 << 20));
}

int AvailableCores() {
  static const int cores = CountAvailableCores();
  return cores;
}

}  // namespace semble::core
