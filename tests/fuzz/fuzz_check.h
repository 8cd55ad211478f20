// Copyright 2026 The semble Authors.
//
// FUZZ_CHECK: the way a fuzz target states a property. A violated property must stop the run with
// the input saved, under libFuzzer as in the ctest replay, so it aborts rather than throws or
// returns (a return value is ignored by libFuzzer).

#ifndef SEMBLE_TESTS_FUZZ_FUZZ_CHECK_H_
#define SEMBLE_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, ...)                                                 \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                      \
      std::fprintf(stderr, "\n");                                             \
      std::abort();                                                           \
    }                                                                         \
  } while (0)

#endif  // SEMBLE_TESTS_FUZZ_FUZZ_CHECK_H_
