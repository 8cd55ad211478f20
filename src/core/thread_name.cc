// Copyright 2026 The semble Authors.

#include "core/thread_name.h"

#include <pthread.h>

#include <algorithm>

namespace semble::core {

void NameThisThread(std::string_view name) {
  const std::string truncated(name.substr(0, std::min<size_t>(name.size(), 15)));
  (void)pthread_setname_np(pthread_self(), truncated.c_str());
}

std::string ThisThreadName() {
  char buf[16] = {};
  if (pthread_getname_np(pthread_self(), buf, sizeof(buf)) != 0) return "";
  return buf;
}

}  // namespace semble::core
