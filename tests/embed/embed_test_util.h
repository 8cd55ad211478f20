// Copyright 2026 The semble Authors.
//
// What the embedding tests share: where the default model and STS-B are, running the node peer
// (tests/embed/reference.mjs), and a list of hostile texts.

#ifndef SEMBLE_TESTS_EMBED_EMBED_TEST_UTIL_H_
#define SEMBLE_TESTS_EMBED_EMBED_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "semble/status.h"

namespace semble::test {

// The installed default model: $SEMBLE_MODELS_DIR, else the CLI's data directory + /models (what
// scripts/setup fills). Fails the calling test (never skips) when it is missing.
std::string DefaultModelDirOrFail();

struct StsPair {
  std::string s1, s2;
  double score = 0;
};
// tests/data/stsb/sts-dev.csv (a copy of the STS-B dev set; or $SEMBLE_STSB_DEV): TAB separated, no quoting.
std::vector<StsPair> ReadStsDev();
// Unique sentences of the pairs, in first-seen order.
std::vector<std::string> UniqueSentences(const std::vector<StsPair>& pairs);

// Texts that stress the tokenizer: accents, CJK, Korean, emoji, control characters, very long
// words, special-token look-alikes, the empty string, a 10,000-character text.
std::vector<std::string> HostileTexts();

// Runs `node tests/embed/reference.mjs <args>`; returns its exit status and puts stderr in *log.
// A missing node is an error (CI installs it), never a skip.
Status RunReference(const std::vector<std::string>& args);

std::string ToJsonArray(const std::vector<std::string>& texts);
Result<std::vector<std::vector<int32_t>>> ParseIdArrays(const std::string& path);
Result<std::vector<float>> ReadFloats(const std::string& path);
Status WriteString(const std::string& path, const std::string& data);

double Spearman(const std::vector<double>& a, const std::vector<double>& b);
double Cosine(const float* a, const float* b, size_t n);

}  // namespace semble::test

#endif  // SEMBLE_TESTS_EMBED_EMBED_TEST_UTIL_H_
