// Copyright 2026 The semble Authors.
//
// Semantic search in an embedded program: no server, no embedder to manage. The index is bound to
// a model; it embeds the records' text when they are written and the query's text when it runs.
//
//   text_search DATA_DIR ["query text"]
//
// The model comes from DATA_DIR/models or $SEMBLE_MODELS_DIR (`semble model pull` installs it).
// Prints the three nearest sentences with their scores, closest first.

#include <cstdio>
#include <string>
#include <vector>

#include "semble/database.h"
#include "semble/model_store.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DATA_DIR [\"query text\"]\n", argv[0]);
    return 2;
  }
  const std::string query = argc > 2 ? argv[2] : "a pet asleep in the sun";

  auto db = semble::Database::Open(semble::DatabaseOptions{}, argv[1]);
  if (!db.ok()) {
    std::fprintf(stderr, "open: %s\n", db.status().ToString().c_str());
    return 1;
  }
  auto index = (*db)->GetIndex("sentences");
  if (!index.ok()) {
    semble::CreateIndexRequest create;
    create.name = "sentences";
    create.config.dimensions = 384;
    create.config.embedding_model = std::string(semble::kDefaultModelId);
    create.config.embedding_pooling = "mean";
    index = (*db)->CreateIndex(create);
    if (!index.ok()) {
      std::fprintf(stderr, "create: %s\n", index.status().ToString().c_str());
      return 1;
    }
  }

  const std::vector<std::pair<std::string, std::string>> sentences = {
      {"cat", "The cat sleeps on the warm windowsill."},
      {"market", "Shares fell sharply after the earnings report."},
      {"weather", "Heavy rain is expected over the weekend."},
      {"dog", "A puppy dozes in a patch of sunlight."},
      {"code", "The compiler rejected the template instantiation."},
  };
  std::vector<semble::VectorRecord> records;
  for (const auto& [id, text] : sentences) {
    semble::VectorRecord r;
    r.id = id;
    r.text = text;  // embedded by the index with its model
    r.metadata_json = "{\"text\":\"" + text + "\"}";
    records.push_back(std::move(r));
  }
  auto written = (*index)->Upsert(records);
  if (!written.ok()) {
    std::fprintf(stderr, "upsert: %s\n", written.status().ToString().c_str());
    return 1;
  }

  semble::QueryRequest q;
  q.text = query;
  q.top_k = 3;
  q.return_metadata = semble::ReturnMetadata::kAll;
  auto result = (*index)->Query(q);
  if (!result.ok()) {
    std::fprintf(stderr, "query: %s\n", result.status().ToString().c_str());
    return 1;
  }
  for (const semble::QueryMatch& m : result->matches) {
    std::printf("%.4f  %s  %s\n", m.score, m.id.c_str(), m.metadata_json.c_str());
  }
  return 0;
}
