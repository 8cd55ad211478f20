// Copyright 2026 The semble Authors.
//
// Retrieval quality of vector, keyword and hybrid search through the public API (issue 17): what
// a user runs. A database in a fresh temporary directory; one index bound to the embedding model
// with a full-text index (language english); the documents upserted with their text in batches of
// 256 in file order (the index embeds them); each query asked in every mode with topK 100. The
// vector side of hybrid queries is the query text embedded once (Index::QueryVector) and given
// as the query vector, so the weighted-fusion sweep does not embed every query eleven times.
//
//   hybrid_quality_bench --data DIR --models DIR [--model ID] [--cache-dir DIR] [--threads N]
//
// DIR holds docs.tsv, queries.tsv and qrels.tsv as bench/text/fetch_data.py writes them; --models
// is a models directory (semble's DefaultModelsDir); --cache-dir keeps the embeddings between
// runs (ModelRegistryOptions::cache_dir). Prints a JSON object per mode and a markdown table.
// Metrics: bench/text/quality_eval.h.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "quality_eval.h"
#include "semble/database.h"
#include "semble/model_registry.h"

namespace {

using semble::bench::Arg;
using semble::bench::Collection;
using semble::bench::Evaluate;
using semble::bench::kDepth;
using semble::bench::RankedDoc;
using semble::bench::Scores;
using semble::bench::Seconds;

int Fail(const char* what, const semble::Status& s) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string data = Arg(argc, argv, "--data", "");
  const std::string models_dir = Arg(argc, argv, "--models", "");
  const std::string model = Arg(argc, argv, "--model", "all-MiniLM-L6-v2-q4");
  const std::string cache_dir = Arg(argc, argv, "--cache-dir", "");
  const int threads = std::atoi(Arg(argc, argv, "--threads", "2"));
  if (data.empty() || models_dir.empty()) {
    std::fprintf(stderr, "usage: %s --data DIR --models DIR [--model ID] [--cache-dir DIR]\n",
                 argv[0]);
    return 2;
  }
  Collection c;
  if (!semble::bench::Load(data, &c)) return 1;
  std::unordered_map<std::string, uint32_t> slot_of;
  for (uint32_t i = 0; i < c.doc_ids.size(); ++i) slot_of[c.doc_ids[i]] = i;

  semble::ModelRegistryOptions mo;
  mo.models_dir = models_dir;
  mo.embedder.threads = threads;
  mo.embedder.cache_entries = c.doc_texts.size() + c.query_texts.size();
  mo.cache_dir = cache_dir;
  semble::ModelRegistry models(mo);
  const std::string dir =
      (std::filesystem::temp_directory_path() /
       ("hybrid-quality-" + std::to_string(std::random_device{}())))
          .string();
  semble::DatabaseOptions options;
  options.models = &models;
  auto db = semble::Database::Open(options, dir);
  if (!db.ok()) return Fail("open", db.status());
  semble::CreateIndexRequest create;
  create.name = "docs";
  create.config.embedding_model = model;
  create.config.embedding_pooling = "mean";
  create.config.dimensions = 384;
  create.config.metric = semble::Metric::kCosine;
  create.config.text_index.enabled = true;
  auto index = (*db)->CreateIndex(create);
  if (!index.ok()) return Fail("create", index.status());

  auto start = std::chrono::steady_clock::now();
  constexpr size_t kBatch = 256;
  size_t empty_docs = 0;  // no text, nothing to embed: such a document cannot be found
  for (size_t i = 0; i < c.doc_texts.size(); i += kBatch) {
    std::vector<semble::VectorRecord> batch;
    for (size_t j = i; j < std::min(c.doc_texts.size(), i + kBatch); ++j) {
      if (c.doc_texts[j].find_first_not_of(" \t") == std::string::npos) {
        ++empty_docs;
        continue;
      }
      semble::VectorRecord r;
      r.id = c.doc_ids[j];
      r.text = c.doc_texts[j];
      batch.push_back(std::move(r));
    }
    auto written = (*index)->Upsert(batch);
    if (!written.ok()) return Fail("upsert", written.status());
    std::fprintf(stderr, "\rloaded %zu/%zu", std::min(c.doc_texts.size(), i + kBatch),
                 c.doc_texts.size());
  }
  std::fprintf(stderr, "\n");
  const double load_s = Seconds(start);

  const size_t n = c.query_ids.size();
  start = std::chrono::steady_clock::now();
  std::vector<std::vector<float>> query_vectors(n);
  for (size_t q = 0; q < n; ++q) {
    semble::QueryRequest r;
    r.text = c.query_texts[q];
    auto v = (*index)->QueryVector(r);
    if (!v.ok()) return Fail("embed query", v.status());
    query_vectors[q] = std::move(v).value();
  }
  const double embed_queries_s = Seconds(start);

  struct Mode {
    std::string name;
    semble::QueryMode mode;
    semble::FusionMethod fusion = semble::FusionMethod::kReciprocalRank;
    std::optional<float> alpha;
  };
  constexpr auto kRrf = semble::FusionMethod::kReciprocalRank;
  std::vector<Mode> modes{{"vector", semble::QueryMode::kVector, kRrf, std::nullopt},
                          {"keyword", semble::QueryMode::kKeyword, kRrf, std::nullopt},
                          {"hybrid rrf (default)", semble::QueryMode::kHybrid, kRrf, std::nullopt}};
  for (int a = 1; a <= 9; ++a) {
    char name[64];
    std::snprintf(name, sizeof(name), "hybrid weighted alpha=%.1f", a / 10.0);
    modes.push_back({name, semble::QueryMode::kHybrid, semble::FusionMethod::kWeighted, a / 10.0f});
  }
  std::printf("{\"documents\":%zu,\"empty_documents\":%zu,\"queries\":%zu,\"load_s\":%.1f,"
              "\"embed_queries_s\":%.1f,\"model\":\"%s\"}\n",
              c.doc_ids.size(), empty_docs, n, load_s, embed_queries_s, model.c_str());
  std::vector<std::pair<std::string, Scores>> rows;
  for (const Mode& m : modes) {
    std::vector<std::vector<RankedDoc>> runs(n);
    start = std::chrono::steady_clock::now();
    for (size_t q = 0; q < n; ++q) {
      semble::QueryRequest r;
      r.mode = m.mode;
      r.fusion = m.fusion;
      r.alpha = m.alpha;
      r.top_k = kDepth;
      if (m.mode != semble::QueryMode::kKeyword) r.vector = query_vectors[q];
      if (m.mode != semble::QueryMode::kVector) r.text = c.query_texts[q];
      auto result = (*index)->Query(r);
      if (!result.ok()) return Fail(m.name.c_str(), result.status());
      for (const semble::QueryMatch& match : result->matches) {
        runs[q].push_back({slot_of.at(match.id), match.score});
      }
    }
    const double query_s = Seconds(start);
    Scores s = Evaluate(c, runs);
    rows.emplace_back(m.name, s);
    std::printf("{\"mode\":\"%s\",\"ndcg@10\":%.4f,\"recall@10\":%.4f,\"recall@100\":%.4f,"
                "\"queries_per_s\":%.0f}\n",
                m.name.c_str(), s.ndcg10, s.recall10, s.recall100, n / query_s);
  }
  std::printf("\n| mode | nDCG@10 | recall@10 | recall@100 |\n|---|---|---|---|\n");
  for (const auto& [name, s] : rows) {
    std::printf("| %s | %.4f | %.4f | %.4f |\n", name.c_str(), s.ndcg10, s.recall10, s.recall100);
  }
  models.SaveCaches();
  index->reset();
  db->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
