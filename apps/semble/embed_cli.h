// Copyright 2026 The semble Authors.
//
// `semble embed` (text to vectors with a local model) and `semble model pull|list`.

#ifndef SEMBLE_APPS_SEMBLE_EMBED_CLI_H_
#define SEMBLE_APPS_SEMBLE_EMBED_CLI_H_

#include <memory>
#include <string>
#include <vector>

#include "cli.h"
#include "db/record_json.h"
#include "semble/embedder.h"

namespace semble::cli {

CLI::App* AddEmbedCommand(CLI::App* app, Context* ctx);
CLI::App* AddModelCommand(CLI::App* app, Context* ctx);

// The models directory for this run: $SEMBLE_MODELS_DIR, else <data dir>/models.
std::string ModelsDir(const Context& ctx);

// Embeds texts with the index's model and pooling: with --url on the server (POST
// /v1/embeddings; mean pooling only), else in this process (the embedding cache of the data
// directory is used). InvalidArgument when the index has no model.
Result<std::vector<std::vector<float>>> EmbedForIndex(const Context& ctx,
                                                      const IndexDescription& index,
                                                      const std::vector<std::string>& texts);

// Writes the embedding caches of the embedders EmbedForIndex opened (call once, at the end).
void SaveEmbeddingCaches();

// Fills the values of records that came with "text" (embedded as EmbedForIndex does) or "fields"
// (encoded with the index's record schema); sources[i] belongs to (*records)[i].
Status FillFromSources(const Context& ctx, const IndexDescription& index,
                       const std::vector<db::RecordSource>& sources,
                       std::vector<VectorRecord>* records);

// An embedder for a local model id (or directory) with these options, plus the data directory's
// embedding cache (a file per model, pooling and normalisation) unless no_cache. SaveCache is the
// caller's.
Result<std::unique_ptr<Embedder>> OpenLocalEmbedder(const Context& ctx, const std::string& model,
                                                    EmbedderOptions options, bool no_cache);

}  // namespace semble::cli

#endif  // SEMBLE_APPS_SEMBLE_EMBED_CLI_H_
