// Copyright 2026 The semble Authors.
//
// `semble serve`: the database, the embedding models and the HTTP API in one process.

#ifndef SEMBLE_APPS_SEMBLE_SERVE_CLI_H_
#define SEMBLE_APPS_SEMBLE_SERVE_CLI_H_

#include "cli.h"

namespace semble::cli {

CLI::App* AddServeCommand(CLI::App* app, Context* ctx);

}  // namespace semble::cli

#endif  // SEMBLE_APPS_SEMBLE_SERVE_CLI_H_
