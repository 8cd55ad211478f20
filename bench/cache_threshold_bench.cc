// Copyright 2026 The semble Authors.
//
// How a semantic cache's similarity threshold trades hits for false hits (issue 14), measured with
// the default model through the public Embedder API:
//   - STS-B dev: pairs scored >= 4.5 by people count as "the same question" (a hit is wanted),
//     pairs scored <= 2.0 as "different" (a hit would be a false hit);
//   - bench/cache/near_miss_pairs.tsv: prompts one entity, number, negation, role or time apart
//     (every hit is false), and question paraphrases (every hit is wanted).
// For each threshold t, a pair is a hit when cosine(a, b) >= t. Prints a markdown table and the
// threshold chosen as the default: the lowest one whose STS-B false-hit rate is <= 1%.
//
//   cache_threshold_bench MODEL_DIR STSB_DEV_TSV NEAR_MISS_TSV

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "semble/embedder.h"
#include "semble/env.h"

namespace {

struct Pair {
  std::string kind;  // "stsb" or the near-miss file's kind
  bool same = false;
  std::string a, b;
  float cosine = 0;
};

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == '\t') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string Read(const char* path) {
  auto text = semble::ReadFileToString(semble::Env::Default(), path);
  if (!text.ok()) {
    std::fprintf(stderr, "%s\n", text.status().ToString().c_str());
    std::exit(1);
  }
  return *text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s MODEL_DIR STSB_DEV_TSV NEAR_MISS_TSV\n", argv[0]);
    return 2;
  }
  std::vector<Pair> pairs;
  for (const std::string& line : Lines(Read(argv[2]))) {
    auto f = SplitTabs(line);
    if (f.size() < 7) continue;
    const double score = std::atof(f[4].c_str());
    if (score >= 4.5 || score <= 2.0) pairs.push_back({"stsb", score >= 4.5, f[5], f[6]});
  }
  for (const std::string& line : Lines(Read(argv[3]))) {
    if (line.empty() || line[0] == '#') continue;
    auto f = SplitTabs(line);
    if (f.size() != 4) {
      std::fprintf(stderr, "bad near-miss line: %s\n", line.c_str());
      return 1;
    }
    pairs.push_back({f[0], f[1] == "same", f[2], f[3]});
  }

  semble::EmbedderOptions options;
  options.threads = 2;
  auto embedder = semble::Embedder::Open(argv[1], options);
  if (!embedder.ok()) {
    std::fprintf(stderr, "%s\n", embedder.status().ToString().c_str());
    return 1;
  }
  std::vector<std::string> texts;
  for (const Pair& p : pairs) {
    texts.push_back(p.a);
    texts.push_back(p.b);
  }
  auto vectors = (*embedder)->Embed(texts);
  if (!vectors.ok()) {
    std::fprintf(stderr, "%s\n", vectors.status().ToString().c_str());
    return 1;
  }
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& a = (*vectors)[2 * i];
    const auto& b = (*vectors)[2 * i + 1];
    double dot = 0;
    for (size_t d = 0; d < a.size(); ++d) dot += double{a[d]} * b[d];
    pairs[i].cosine = static_cast<float>(dot);  // both L2-normalised
  }

  // Groups: STS-B same / different, then each near-miss kind.
  std::map<std::string, std::pair<int, int>> totals;  // group -> (pairs, unused)
  auto group_of = [](const Pair& p) {
    if (p.kind == "stsb") return std::string(p.same ? "stsb same" : "stsb different");
    return p.kind;
  };
  for (const Pair& p : pairs) ++totals[group_of(p)].first;
  std::printf("model %s; STS-B dev pairs: %d same (>= 4.5), %d different (<= 2.0)\n\n",
              (*embedder)->info().model_id.c_str(), totals["stsb same"].first,
              totals["stsb different"].first);
  std::vector<std::string> groups = {"stsb same", "stsb different"};
  for (const auto& [g, n] : totals) {
    if (g.rfind("stsb", 0) != 0) groups.push_back(g);
  }
  std::printf("| threshold |");
  for (const auto& g : groups) std::printf(" %s (%d) |", g.c_str(), totals[g].first);
  std::printf("\n|---|");
  for (size_t i = 0; i < groups.size(); ++i) std::printf("---|");
  std::printf("\n");
  double chosen = -1;
  for (int step = 70; step <= 98; ++step) {
    const double t = step / 100.0;
    std::map<std::string, int> hits;
    for (const Pair& p : pairs) hits[group_of(p)] += p.cosine >= t ? 1 : 0;
    const double false_rate = double(hits["stsb different"]) / totals["stsb different"].first;
    if (chosen < 0 && false_rate <= 0.01) chosen = t;
    if (step % 2 != 0 && step != 87 && step != 95 && step != 97) continue;
    std::printf("| %.2f |", t);
    for (const auto& g : groups) {
      std::printf(" %.1f%% |", 100.0 * hits[g] / totals[g].first);
    }
    std::printf("\n");
  }
  std::printf("\ncells: share of the group's pairs that the threshold makes a hit (for \"same\" groups\n"
              "and paraphrase the hit rate, for every other group the false-hit rate).\n");
  std::printf("lowest threshold with STS-B false-hit rate <= 1%%: %.2f\n", chosen);
  // The near misses the chosen threshold lets through, most similar first.
  std::vector<const Pair*> through;
  for (const Pair& p : pairs) {
    if (p.kind != "stsb" && !p.same && p.cosine >= chosen) through.push_back(&p);
  }
  std::sort(through.begin(), through.end(),
            [](const Pair* x, const Pair* y) { return x->cosine > y->cosine; });
  std::printf("near misses at %.2f: %zu let through\n", chosen, through.size());
  for (const Pair* p : through) {
    std::printf("  %.3f  %-9s %s | %s\n", p->cosine, p->kind.c_str(), p->a.c_str(), p->b.c_str());
  }
  return 0;
}
