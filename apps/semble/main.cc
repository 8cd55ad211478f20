// Copyright 2026 The semble Authors.
//
// semble: one binary for the command-line verbs (and, later, the server). main() only parses the
// command line; each verb lives with its group (vectorize_*.cc).

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli.h"
#include "embed_cli.h"
#include "serve_cli.h"
#include "vectorize_cli.h"

namespace {

// `semble` alone: open (creating if needed) the data directory and say what it holds. Until the
// server exists (issue #5) this is the main job the README's first command runs.
int ShowStatus(const semble::cli::Context& ctx) {
  auto db = semble::cli::OpenDatabase(ctx, /*create=*/true);
  if (!db.ok()) return semble::cli::Fail(db.status());
  const std::string dir = !ctx.url.empty()       ? ctx.url
                          : ctx.data_dir.empty() ? semble::cli::DefaultDataDir()
                                                 : ctx.data_dir;
  std::vector<semble::IndexDescription> indexes = (*db)->ListIndexes();
  std::printf("semble %s\n%s: %s\n%zu index%s\n", std::string(semble::cli::kVersion).c_str(),
              ctx.url.empty() ? "data directory" : "server", dir.c_str(), indexes.size(),
              indexes.size() == 1 ? "" : "es");
  for (const semble::IndexDescription& d : indexes) {
    auto index = (*db)->GetIndex(d.name);
    auto info = index.ok() ? (*index)->Info() : semble::Result<semble::IndexInfo>(index.status());
    std::printf("  %-24s %5u dims  %-11s %10llu vectors\n", d.name.c_str(), d.config.dimensions,
                std::string(semble::MetricName(d.config.metric)).c_str(),
                info.ok() ? static_cast<unsigned long long>(info->vector_count) : 0ull);
  }
  std::printf("\nRun `semble vectorize --help` for the commands, `semble --help` for options.\n");
  return semble::cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  using semble::cli::Context;
  Context ctx;
  CLI::App app(
      "semble: self-hosted embeddings and vector search that speak the Vectorize, Workers AI and "
      "OpenAI APIs",
      "semble");
  app.set_version_flag("--version", "semble " + std::string(semble::cli::kVersion));
  // Set before the commands are added, which inherit them: --data is accepted after the verb as
  // well as before it, and every --help ends with the data-directory rule and the exit codes.
  app.fallthrough();
  app.require_subcommand(0, 1);
  app.footer(semble::cli::HelpFooter());
  app.add_option("--data", ctx.data_dir, "Data directory (default: see below)");
  app.add_option("--url", ctx.url,
                 "Use the semble server at this URL (e.g. http://127.0.0.1:8080) instead of a "
                 "data directory")
      ->envname("SEMBLE_URL");
  app.add_option("--token", ctx.token, "Bearer token for --url")->envname("SEMBLE_TOKEN");
  app.add_option("--store", ctx.store,
                 "Keep the database in this object store (s3://bucket/prefix or file:///path; "
                 "credentials and endpoint from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
                 "AWS_REGION, AWS_ENDPOINT_URL); the data directory becomes its cache")
      ->envname("SEMBLE_STORE");
  CLI::App* vectorize = semble::cli::AddVectorizeCommand(&app, &ctx);
  semble::cli::AddServeCommand(&app, &ctx);
  semble::cli::AddClusterCommand(&app, &ctx);
  semble::cli::AddImportCommand(&app, &ctx);
  semble::cli::AddBackupCommands(&app, &ctx);
  semble::cli::AddCacheCommands(&app, &ctx);
  semble::cli::AddRecommendCommand(&app, &ctx);
  CLI::App* schema = semble::cli::AddSchemaCommand(&app, &ctx);
  semble::cli::AddCompletionCommand(&app, &ctx);
  semble::cli::AddEmbedCommand(&app, &ctx);
  CLI::App* model = semble::cli::AddModelCommand(&app, &ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help and --version print on stdout
    return semble::cli::UsageError(std::string(e.what()) + " (see --help)");
  }
  if (ctx.action) {
    // Verbs report errors as Status; an exception here (bad_alloc, a library's) still gets the
    // one-line error and an exit code rather than std::terminate.
    try {
      const int code = ctx.action();
      semble::cli::SaveLocalModelCaches();
      return code;
    } catch (const std::exception& e) {
      return semble::cli::Fail(semble::Status::Internal(e.what()));
    }
  }
  if (vectorize->parsed()) {  // a group without a verb: show the verbs
    std::fputs(vectorize->help("semble").c_str(), stdout);
    return semble::cli::kExitOk;
  }
  if (schema->parsed()) {
    std::fputs(schema->help("semble").c_str(), stdout);
    return semble::cli::kExitOk;
  }
  if (model->parsed()) {
    std::fputs(model->help("semble").c_str(), stdout);
    return semble::cli::kExitOk;
  }
  return ShowStatus(ctx);
}
