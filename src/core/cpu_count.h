// Copyright 2026 The semble Authors.
//
// How many CPUs this process can actually run on. std::thread::hardware_concurrency() counts the
// machine's CPUs; a process pinned to a few of them (taskset, cpusets) or given a CPU quota by
// its container (cgroup cpu.max, Docker's --cpus, Kubernetes limits) gets less, and threads sized
// by the machine then queue for the same cores: more hand-offs and cache misses, no more work.

#ifndef SEMBLE_SRC_CORE_CPU_COUNT_H_
#define SEMBLE_SRC_CORE_CPU_COUNT_H_

#include <string_view>

namespace semble::core {

// The CPUs in this thread's affinity mask, capped by the tightest CPU quota of its cgroup and the
// cgroup's ancestors (v2 cpu.max; v1 cpu.cfs_quota_us / cpu.cfs_period_us), a fractional quota
// rounded up; at least 1. Read once, at the first call (CountAvailableCores reads them now).
int AvailableCores();
int CountAvailableCores();

// A cgroup v2 cpu.max text ("max 100000", "150000 100000"): the quota in CPUs rounded up, or 0
// when there is no limit or the text does not parse.
int CpusFromCpuMax(std::string_view text);
// A cgroup v1 quota and period in microseconds: CPUs rounded up, or 0 when there is no limit
// (quota <= 0) or the period is not positive.
int CpusFromCfsQuota(long long quota_us, long long period_us);

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_CPU_COUNT_H_
