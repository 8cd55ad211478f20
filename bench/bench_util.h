// Copyright 2026 The semble Authors.
//
// Small helpers the benches share: the machine's load average (printed beside every measurement,
// since this machine is shared) and comma-separated flag values.

#ifndef SEMBLE_BENCH_BENCH_UTIL_H_
#define SEMBLE_BENCH_BENCH_UTIL_H_

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace semble::bench {

// The 1-, 5- and 15-minute load averages, as /proc/loadavg prints them ("" if unreadable).
inline std::string LoadAvg() {
  char buf[64] = {};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fgets(buf, sizeof buf, f) == nullptr) buf[0] = 0;
    std::fclose(f);
  }
  std::string s(buf);
  return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));
}

// "a,b,,c" -> {"a", "b", "c"}.
inline std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t comma = std::min(s.find(',', pos), s.size());
    if (comma > pos) out.push_back(s.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

}  // namespace semble::bench

#endif  // SEMBLE_BENCH_BENCH_UTIL_H_
