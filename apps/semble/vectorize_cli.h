// Copyright 2026 The semble Authors.
//
// `semble vectorize <verb>`: the verbs and flags of `wrangler vectorize`, run against a local data
// directory instead of a Cloudflare account, so that a script written for one works with the other.

#ifndef SEMBLE_APPS_SEMBLE_VECTORIZE_CLI_H_
#define SEMBLE_APPS_SEMBLE_VECTORIZE_CLI_H_

#include "cli.h"

namespace semble::cli {

// Adds the `vectorize` command and all its verbs to `app`.
CLI::App* AddVectorizeCommand(CLI::App* app, Context* ctx);

// The verb groups, each in its own file.
// create, list, get, info, delete (vectorize_index_cmds.cc).
void AddIndexVerbs(CLI::App* vectorize, Context* ctx);
// text-index, create-metadata-index, list-metadata-index, delete-metadata-index
// (vectorize_index_cmds.cc).
void AddMetadataIndexVerbs(CLI::App* vectorize, Context* ctx);
// insert, upsert (vectorize_insert_cmds.cc).
void AddInsertVerbs(CLI::App* vectorize, Context* ctx);
// query, get-vectors, delete-vectors, list-vectors (vectorize_vector_cmds.cc).
void AddVectorVerbs(CLI::App* vectorize, Context* ctx);
// delete-by-filter, update-metadata-by-filter (vectorize_filter_cmds.cc).
void AddFilterVerbs(CLI::App* vectorize, Context* ctx);

}  // namespace semble::cli

#endif  // SEMBLE_APPS_SEMBLE_VECTORIZE_CLI_H_
