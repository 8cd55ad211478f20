// Copyright 2026 The semble Authors.
//
// Names for long-lived threads, so that per-thread CPU (top -H, ps -L, /proc/<pid>/task/*/comm)
// and debuggers tell them apart: on a loaded machine the first question is which thread the
// CPU goes to (the HNSW graph builder or the writers), and unnamed threads all carry the
// process's name.

#ifndef SEMBLE_SRC_CORE_THREAD_NAME_H_
#define SEMBLE_SRC_CORE_THREAD_NAME_H_

#include <string>
#include <string_view>

namespace semble::core {

// Names the calling thread (truncated to 15 bytes, Linux's limit). Threads it starts afterwards
// inherit the name. Best effort: a refused name changes nothing.
void NameThisThread(std::string_view name);

// The calling thread's name ("" if it cannot be read).
std::string ThisThreadName();

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_THREAD_NAME_H_
