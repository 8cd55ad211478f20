// Copyright 2026 The semble Authors.

#include "vectorize_cli.h"

#include <CLI/CLI.hpp>

namespace semble::cli {

CLI::App* AddVectorizeCommand(CLI::App* app, Context* ctx) {
  CLI::App* vectorize = app->add_subcommand(
      "vectorize", "Manage vector indexes and their vectors (the verbs of `wrangler vectorize`)");
  // At most one verb: once a verb is seen, a later word that happens to be a verb name (an id
  // passed to --ids, say) is a value, not a second verb.
  vectorize->require_subcommand(0, 1);
  // Verbs are added in the order `semble vectorize --help` lists them.
  AddIndexVerbs(vectorize, ctx);
  AddInsertVerbs(vectorize, ctx);
  AddVectorVerbs(vectorize, ctx);
  AddFilterVerbs(vectorize, ctx);
  AddMetadataIndexVerbs(vectorize, ctx);
  return vectorize;
}

}  // namespace semble::cli
