// Copyright 2026 The semble Authors.
//
// AvailableCores: the quota parsers on every form cgroups write, and the affinity mask honoured
// (a child process pinned to one CPU sees one).

#include "core/cpu_count.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace semble::core {
namespace {

TEST(CpuCount, CgroupV2CpuMax) {
  EXPECT_EQ(CpusFromCpuMax("max 100000\n"), 0);
  EXPECT_EQ(CpusFromCpuMax("100000 100000\n"), 1);
  EXPECT_EQ(CpusFromCpuMax("150000 100000"), 2);  // 1.5 CPUs: two threads can use it
  EXPECT_EQ(CpusFromCpuMax("50000 100000"), 1);
  EXPECT_EQ(CpusFromCpuMax("400000 100000\n"), 4);
  EXPECT_EQ(CpusFromCpuMax(""), 0);
  EXPECT_EQ(CpusFromCpuMax("garbage"), 0);
  EXPECT_EQ(CpusFromCpuMax("100000 0"), 0);
  EXPECT_EQ(CpusFromCpuMax("-1 100000"), 0);
  EXPECT_EQ(CpusFromCpuMax("12x 100000"), 0);
}

TEST(CpuCount, CgroupV1Quota) {
  EXPECT_EQ(CpusFromCfsQuota(-1, 100000), 0);  // v1 writes -1 for no limit
  EXPECT_EQ(CpusFromCfsQuota(200000, 100000), 2);
  EXPECT_EQ(CpusFromCfsQuota(250000, 100000), 3);
  EXPECT_EQ(CpusFromCfsQuota(100000, 0), 0);
}

TEST(CpuCount, WithinTheMachineAndTheAffinityMask) {
  const int cores = AvailableCores();
  EXPECT_GE(cores, 1);
  EXPECT_LE(cores, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  EXPECT_LE(cores, CPU_COUNT(&set));
  // A process pinned to one CPU sees one.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) {
        CPU_SET(c, &one);
        break;
      }
    }
    if (sched_setaffinity(0, sizeof one, &one) != 0) _exit(2);
    _exit(CountAvailableCores() == 1 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace semble::core
