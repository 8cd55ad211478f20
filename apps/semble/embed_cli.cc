// Copyright 2026 The semble Authors.
//
// semble embed "text" ["text" ...] [--file lines.txt] [--pooling mean|cls] [--model DIR|ID]
//              [--no-normalize] [--output float|int8|binary] [--threads N] [--json]
// Vectors are printed one per line ("[0.1, ...]") or, with --json, as {"model", "dimensions",
// "pooling", "data": [{"text", "embedding"}]}. A cache in <data dir>/cache/embeddings-<model>.bin
// makes repeated texts free across runs.

#include "embed_cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/cpu_count.h"
#include "core/json_writer.h"
#include "semble/client.h"
#include "semble/embedder.h"
#include "semble/model_registry.h"
#include "semble/model_store.h"

namespace semble::cli {
namespace {

struct EmbedArgs {
  std::vector<std::string> texts;
  std::string file;
  std::string pooling = "mean";
  std::string model = std::string(kDefaultModelId);
  std::string output = "float";
  bool no_normalize = false;
  bool no_cache = false;
  int threads = 1;
};

Result<std::vector<std::string>> ReadLines(const std::string& path) {
  if (!Env::Default()->FileExists(path)) return Status::NotFound("input file " + path);
  SEMBLE_ASSIGN_OR_RETURN(std::string data, ReadFileToString(Env::Default(), path));
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) nl = data.size();
    std::string line = data.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    pos = nl + 1;
  }
  return lines;
}

std::string FormatBytes(const std::vector<uint8_t>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

int EmbedLocally(const Context& ctx, const EmbedArgs& a, const std::vector<std::string>& texts,
                 Pooling pooling, std::vector<std::vector<float>>* out, EmbedderInfo* info);
int PrintEmbeddings(const Context& ctx, const EmbedArgs& a, const std::vector<std::string>& texts,
                    Pooling pooling, bool normalized, const EmbedderInfo& info,
                    const std::vector<std::vector<float>>& vectors);

int RunEmbed(const Context& ctx, const EmbedArgs& a) {
  std::vector<std::string> texts = a.texts;
  if (!a.file.empty()) {
    auto lines = ReadLines(a.file);
    if (!lines.ok()) return Fail(lines.status());
    texts.insert(texts.end(), lines->begin(), lines->end());
  }
  if (texts.empty()) return UsageError("give texts as arguments or --file FILE");
  // The same texts as the server accepts: no empty ones (whitespace is a text).
  if (Status s = CheckTexts(texts); !s.ok()) return UsageError(s.message());
  auto pooling = ParsePooling(a.pooling);
  if (!pooling.ok()) return UsageError(pooling.status().message());
  if (a.output != "float" && a.output != "int8" && a.output != "binary") {
    return UsageError("--output must be float, int8 or binary");
  }
  std::vector<std::vector<float>> vectors;
  EmbedderInfo info;
  bool normalized = !a.no_normalize;
  if (!ctx.url.empty()) {
    // On the server: its embeddings endpoint normalises and mean-pools.
    if (*pooling != Pooling::kMean || a.no_normalize) {
      return UsageError("with --url, embeddings are mean-pooled and normalised by the server");
    }
    auto remote = RemoteEmbed(RemoteOptions{ctx.url, ctx.token}, a.model, texts);
    if (!remote.ok()) return Fail(remote.status());
    vectors = std::move(remote).value();
    info.model_id = a.model;
    info.dimensions = vectors.empty() ? 0 : static_cast<int>(vectors[0].size());
  } else {
    int code = EmbedLocally(ctx, a, texts, *pooling, &vectors, &info);
    if (code != kExitOk) return code;
  }
  return PrintEmbeddings(ctx, a, texts, *pooling, normalized, info, vectors);
}

int EmbedLocally(const Context& ctx, const EmbedArgs& a, const std::vector<std::string>& texts,
                 Pooling pooling, std::vector<std::vector<float>>* out, EmbedderInfo* out_info) {
  // Its own registry: --threads and --no-cache are this verb's, not the database's.
  ModelRegistry models(LocalModelOptions(ctx, a.threads, a.no_cache));
  auto embedder = models.Get(a.model, pooling, !a.no_normalize);
  if (!embedder.ok()) return Fail(embedder.status());
  auto vectors = (*embedder)->Embed(texts);
  if (!vectors.ok()) return Fail(vectors.status());
  (void)models.SaveCaches();  // an optimisation: failing to save never fails the command
  *out = std::move(vectors).value();
  *out_info = (*embedder)->info();
  return kExitOk;
}

int PrintEmbeddings(const Context& ctx, const EmbedArgs& a, const std::vector<std::string>& texts,
                    Pooling pooling, bool normalized, const EmbedderInfo& info,
                    const std::vector<std::vector<float>>& vectors) {
  if (ctx.json) {
    core::JsonWriter w;
    w.BeginObject().Key("model").String(info.model_id).Key("dimensions").Int(info.dimensions);
    w.Key("pooling").String(PoolingName(pooling)).Key("normalized").Bool(normalized);
    w.Key("output").String(a.output).Key("data").BeginArray();
    for (size_t i = 0; i < texts.size(); ++i) {
      w.BeginObject().Key("text").String(texts[i]);
      const std::vector<float>& v = vectors[i];
      if (a.output == "float") {
        w.Key("embedding").BeginArray();
        for (float x : v) w.Float(x);
        w.EndArray();
      } else if (a.output == "int8") {
        float scale;
        std::vector<int8_t> q = QuantizeInt8(v, &scale);
        w.Key("scale").Float(scale).Key("embedding").BeginArray();
        for (int8_t x : q) w.Int(x);
        w.EndArray();
      } else {
        w.Key("embedding").String(FormatBytes(Binarize(v)));
      }
      w.EndObject();
    }
    w.EndArray().EndObject();
    PrintJson(w.Take());
    return kExitOk;
  }
  for (const std::vector<float>& v : vectors) {
    if (a.output == "float") {
      std::printf("%s\n", FormatValues(v).c_str());
    } else if (a.output == "int8") {
      float scale;
      std::vector<int8_t> q = QuantizeInt8(v, &scale);
      std::string line = "scale=" + FormatFloat(scale) + " [";
      for (size_t i = 0; i < q.size(); ++i) line += (i ? ", " : "") + std::to_string(q[i]);
      std::printf("%s]\n", line.c_str());
    } else {
      std::printf("%s\n", FormatBytes(Binarize(v)).c_str());
    }
  }
  return kExitOk;
}

}  // namespace

ModelRegistryOptions LocalModelOptions(const Context& ctx, int threads, bool no_cache) {
  ModelRegistryOptions options;
  options.models_dir = ModelsDir(ctx);
  options.embedder.threads = threads;
  const std::string data_dir = ctx.data_dir.empty() ? DefaultDataDir() : ctx.data_dir;
  if (!no_cache && !data_dir.empty() && Env::Default()->CreateDir(data_dir).ok()) {
    options.cache_dir = data_dir + "/cache";
  }
  return options;
}

namespace {
std::unique_ptr<ModelRegistry>& LocalModelsSlot() {
  static std::unique_ptr<ModelRegistry> models;
  return models;
}
}  // namespace

ModelRegistry* LocalModels(const Context& ctx) {
  // One registry for the whole command: import and insert embed batch after batch, and loading the
  // model (and its cache file) each time would dominate.
  std::unique_ptr<ModelRegistry>& models = LocalModelsSlot();
  if (models == nullptr) {
    const int cores = core::AvailableCores();
    models = std::make_unique<ModelRegistry>(LocalModelOptions(ctx, cores, false));
  }
  return models.get();
}

void SaveLocalModelCaches() {
  // An optimisation: failing to save never fails the command.
  if (LocalModelsSlot() != nullptr) (void)LocalModelsSlot()->SaveCaches();
}

std::string ModelsDir(const Context& ctx) {
  return DefaultModelsDir(ctx.data_dir.empty() ? DefaultDataDir() : ctx.data_dir);
}

CLI::App* AddEmbedCommand(CLI::App* app, Context* ctx) {
  auto a = std::make_shared<EmbedArgs>();
  CLI::App* verb = app->add_subcommand(
      "embed", "Turn texts into vectors (with a local model, or on the server with --url)");
  verb->add_option("texts", a->texts, "Texts to embed");
  verb->add_option("--file", a->file, "Read texts from FILE, one per line");
  verb->add_option("--pooling", a->pooling, "mean (default) or cls");
  verb->add_option("--model", a->model,
                   "Model directory, or id in the models directory (default " +
                       std::string(kDefaultModelId) + ")");
  verb->add_option("--output", a->output, "float (default), int8 or binary");
  verb->add_option("--threads", a->threads, "Encoder threads (default 1)")
      ->check(CLI::Range(1, 64));
  verb->add_flag("--no-normalize", a->no_normalize, "Do not L2-normalise the vectors");
  verb->add_flag("--no-cache", a->no_cache, "Neither read nor write the embedding cache");
  AddJsonFlag(verb, ctx);
  verb->callback([a, ctx] { ctx->action = [a, ctx] { return RunEmbed(*ctx, *a); }; });
  return verb;
}

}  // namespace semble::cli
