// Copyright 2026 The semble Authors.
//
// Retrieval quality of keyword, vector and hybrid search on one test collection (issue 17), from
// the text layer's own classes: text::Bm25Index for keyword search, the default embedding model
// through the public Embedder API with an exact (brute-force) cosine top-100 for vector search,
// and text::Fuse for hybrid search (reciprocal rank fusion, and weighted fusion over a sweep of
// alpha). Until hybrid search is wired through the database this is a diagnostic of the parts,
// not of the product: the database's vector side is an approximate index.
//
//   text_quality_bench --data DIR --model DIR --out DIR [--threads N] [--embed-cache FILE]
//
// --embed-cache keeps the embeddings in FILE (the Embedder's own cache) so that a rerun skips the
// model; embed_s then measures cache hits. Keep FILE outside the repository with the data.
// DIR holds docs.tsv, queries.tsv and qrels.tsv as bench/text/fetch_data.py writes them. Writes
// into --out: terms_docs.tsv and terms_queries.tsv (id, TAB, the analyzer's terms separated by
// spaces; what bench/text/reference_bm25.py scores) and run_keyword.tsv (query id, doc id, rank,
// score; the keyword top 100). Prints a JSON object per mode and a markdown table.
// Metrics: bench/text/quality_eval.h.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/top_k.h"
#include "semble/embedder.h"
#include "text/bm25_index.h"
#include "text/fusion.h"
#include "quality_eval.h"

namespace {

using semble::Status;
using semble::bench::Arg;
using semble::bench::Collection;
using semble::bench::Evaluate;
using semble::bench::kDepth;
using semble::bench::Load;
using semble::bench::Scores;
using semble::bench::Seconds;
using semble::text::Hit;

// Embeds in chunks (progress for the slow part of the run); vectors are L2-normalised.
bool EmbedAll(semble::Embedder* embedder, const std::vector<std::string>& texts,
              std::vector<std::vector<float>>* out) {
  constexpr size_t kChunk = 256;
  for (size_t i = 0; i < texts.size(); i += kChunk) {
    std::vector<std::string> chunk(texts.begin() + i,
                                   texts.begin() + std::min(texts.size(), i + kChunk));
    auto vectors = embedder->Embed(chunk);
    if (!vectors.ok()) {
      std::fprintf(stderr, "embed: %s\n", vectors.status().ToString().c_str());
      return false;
    }
    for (auto& v : *vectors) out->push_back(std::move(v));
    std::fprintf(stderr, "\rembedded %zu/%zu", out->size(), texts.size());
  }
  std::fprintf(stderr, "\n");
  return true;
}

// Exact cosine top kDepth: the vectors are normalised, so cosine is the dot product.
std::vector<Hit> VectorSearch(const std::vector<float>& query,
                              const std::vector<std::vector<float>>& docs) {
  semble::core::TopK top(kDepth);
  for (size_t d = 0; d < docs.size(); ++d) {
    double dot = 0;
    for (size_t i = 0; i < query.size(); ++i) dot += query[i] * docs[d][i];
    top.Push(static_cast<float>(dot), static_cast<uint32_t>(d));
  }
  std::vector<Hit> hits;
  for (const auto& s : top.Take()) hits.push_back({s.slot, s.key});
  return hits;
}

void WriteTerms(const std::string& path, const std::vector<std::string>& ids,
                const std::vector<std::string>& texts, const semble::text::Analyzer& analyzer) {
  std::ofstream out(path);
  for (size_t i = 0; i < ids.size(); ++i) {
    out << ids[i] << '\t';
    std::vector<std::string> terms = analyzer.Analyze(texts[i]);
    for (size_t t = 0; t < terms.size(); ++t) out << (t ? " " : "") << terms[t];
    out << '\n';
  }
}

struct Row {
  std::string mode;
  Scores scores;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string data = Arg(argc, argv, "--data", "");
  const std::string model = Arg(argc, argv, "--model", "");
  const std::string out = Arg(argc, argv, "--out", "");
  const int threads = std::atoi(Arg(argc, argv, "--threads", "2"));
  const std::string embed_cache = Arg(argc, argv, "--embed-cache", "");
  if (data.empty() || model.empty() || out.empty()) {
    std::fprintf(stderr, "usage: %s --data DIR --model DIR --out DIR [--threads N]\n", argv[0]);
    return 2;
  }
  Collection c;
  if (!Load(data, &c)) return 1;
  const size_t n_queries = c.query_ids.size();

  // Keyword.
  auto created = semble::text::Bm25Index::Create(semble::text::Bm25Options{});
  if (!created.ok()) return 1;
  std::unique_ptr<semble::text::Bm25Index> index = std::move(created).value();
  auto start = std::chrono::steady_clock::now();
  for (size_t d = 0; d < c.doc_texts.size(); ++d) {
    if (!index->Add(static_cast<uint32_t>(d), c.doc_texts[d]).ok()) return 1;
  }
  const double index_s = Seconds(start);
  start = std::chrono::steady_clock::now();
  std::vector<std::vector<Hit>> keyword(n_queries);
  for (size_t q = 0; q < n_queries; ++q) keyword[q] = index->Search(c.query_texts[q], kDepth);
  const double keyword_s = Seconds(start);
  WriteTerms(out + "/terms_docs.tsv", c.doc_ids, c.doc_texts, index->analyzer());
  WriteTerms(out + "/terms_queries.tsv", c.query_ids, c.query_texts, index->analyzer());
  {
    std::ofstream run(out + "/run_keyword.tsv");
    for (size_t q = 0; q < n_queries; ++q) {
      for (size_t i = 0; i < keyword[q].size(); ++i) {
        run << c.query_ids[q] << '\t' << c.doc_ids[keyword[q][i].slot] << '\t' << i + 1 << '\t'
            << keyword[q][i].score << '\n';
      }
    }
  }

  // Vector.
  semble::EmbedderOptions options;
  options.threads = threads;
  if (!embed_cache.empty()) {
    options.cache_entries = c.doc_texts.size() + c.query_texts.size();
    options.cache_file = embed_cache;
  }
  auto embedder = semble::Embedder::Open(model, options);
  if (!embedder.ok()) {
    std::fprintf(stderr, "%s: %s\n", model.c_str(), embedder.status().ToString().c_str());
    return 1;
  }
  start = std::chrono::steady_clock::now();
  std::vector<std::vector<float>> doc_vectors, query_vectors;
  if (!EmbedAll(embedder->get(), c.doc_texts, &doc_vectors) ||
      !EmbedAll(embedder->get(), c.query_texts, &query_vectors)) {
    return 1;
  }
  const double embed_s = Seconds(start);
  if (Status s = (*embedder)->SaveCache(); !s.ok()) {
    std::fprintf(stderr, "embedding cache: %s\n", s.ToString().c_str());
  }
  const semble::EmbeddingCacheStats cache = (*embedder)->cache_stats();
  std::vector<std::vector<Hit>> vector(n_queries);
  for (size_t q = 0; q < n_queries; ++q) vector[q] = VectorSearch(query_vectors[q], doc_vectors);

  // Hybrid.
  std::vector<Row> rows{{"vector", Evaluate(c, vector)}, {"keyword", Evaluate(c, keyword)}};
  auto fused = [&](const semble::text::FusionOptions& o) {
    std::vector<std::vector<Hit>> runs(n_queries);
    for (size_t q = 0; q < n_queries; ++q) {
      runs[q] = semble::text::Fuse(vector[q], keyword[q], o, kDepth).value();
    }
    return Evaluate(c, runs);
  };
  rows.push_back({"hybrid rrf k=60", fused({})});
  for (int a = 1; a <= 9; ++a) {
    semble::text::FusionOptions o;
    o.method = semble::text::FusionOptions::Method::kWeighted;
    o.alpha = a / 10.0;
    char name[64];
    std::snprintf(name, sizeof(name), "hybrid weighted alpha=%.1f", o.alpha);
    rows.push_back({name, fused(o)});
  }

  std::printf(
      "{\"documents\":%zu,\"queries\":%zu,\"judged_queries\":%d,\"index_s\":%.3f,"
      "\"keyword_search_s\":%.3f,\"embed_s\":%.1f,\"embed_cache_hits\":%llu,"
      "\"model\":\"%s/%s\"}\n",
      c.doc_ids.size(), n_queries, rows[0].scores.queries, index_s, keyword_s, embed_s,
      static_cast<unsigned long long>(cache.hits), (*embedder)->info().model_id.c_str(),
      (*embedder)->info().weights_file.c_str());
  for (const Row& r : rows) {
    std::printf("{\"mode\":\"%s\",\"ndcg@10\":%.4f,\"recall@10\":%.4f,\"recall@100\":%.4f}\n",
                r.mode.c_str(), r.scores.ndcg10, r.scores.recall10, r.scores.recall100);
  }
  std::printf("\n| mode | nDCG@10 | recall@10 | recall@100 |\n|---|---|---|---|\n");
  for (const Row& r : rows) {
    std::printf("| %s | %.4f | %.4f | %.4f |\n", r.mode.c_str(), r.scores.ndcg10, r.scores.recall10,
                r.scores.recall100);
  }
  return 0;
}
