// Copyright 2026 The semble Authors.
//
// The public Embedder: loads a model directory (config, tokenizer, weights), then serves Embed
// calls: cache lookups, tokenization, batches packed by length, the encoder, cache inserts.
//
// Concurrency: nothing is locked around a whole call. Tokenization and the cache run on the
// caller's thread; a batch of at least kPoolMinTokens tokens runs on the worker pool (one such
// batch at a time), a shorter one through the EncodeBatcher on the caller's own thread, merged
// with other callers' short batches when every lane is busy.

#include "semble/embedder.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <thread>

#include "core/cpu_count.h"
#include "embed/bert_encoder.h"
#include "embed/embedding_cache.h"
#include "embed/encode_batcher.h"
#include "embed/onnx_loader.h"
#include "embed/safetensors_loader.h"
#include "embed/wordpiece_tokenizer.h"
#include "semble/model_store.h"

namespace semble {
namespace {

using embed::BertEncoder;
using embed::EmbeddingCache;

// The fewest tokens a batch must have to be split across the pool's threads. Below it the
// hand-offs between threads (a dozen loops per layer) cost more than the split saves: one
// ~12-token prompt takes 0.86 ms on one thread and 1.3 ms on a pool of 2 (bench/RESULTS.md,
// "Embedding under concurrency"); and a short batch on one thread leaves the other cores to other
// callers.
constexpr size_t kPoolMinTokens = 256;

// Two lanes per core. With one per core, every hand-off of a lane (a batch ends, the caller of
// the next queued call wakes to run it) left the core idle until the woken thread got onto it:
// ~1 ms on a 2-core guest, as long as a one-text encode. A second lane per core has a batch ready
// to run in that gap; two short encodes sharing a core cost nothing measurable (the weights are
// shared and a batch's activations are small), and 16 one-text callers on 2 cores went from
// 0.78-0.89x to 0.93-0.97x of two cores' batch-32 rate (bench/RESULTS.md, "Embedding under
// concurrency").
constexpr int kLanesPerCore = 2;

int DefaultLanes() { return std::min(64, kLanesPerCore * core::AvailableCores()); }

Result<std::string> ReadModelFile(Env* env, const std::string& path) {
  if (!env->FileExists(path)) return Status::NotFound("model file " + path + " is missing");
  auto data = ReadFileToString(env, path);
  if (!data.ok()) return data.status().WithContext(path);
  return data;
}

Result<std::unique_ptr<embed::Tokenizer>> LoadTokenizer(Env* env, const std::string& dir) {
  if (env->FileExists(dir + "/tokenizer.json")) {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, ReadModelFile(env, dir + "/tokenizer.json"));
    auto t = embed::WordPieceTokenizer::FromTokenizerJson(json);
    if (!t.ok()) return t.status().WithContext(dir + "/tokenizer.json");
    return std::unique_ptr<embed::Tokenizer>(std::move(*t));
  }
  embed::WordPieceConfig config;
  if (env->FileExists(dir + "/tokenizer_config.json")) {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, ReadModelFile(env, dir + "/tokenizer_config.json"));
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    bool lower;
    if (!parser.parse(simdjson::padded_string(json)).get(doc) && !doc["do_lower_case"].get(lower)) {
      config.lowercase = config.strip_accents = lower;
    }
  }
  SEMBLE_ASSIGN_OR_RETURN(std::string vocab, ReadModelFile(env, dir + "/vocab.txt"));
  auto t = embed::WordPieceTokenizer::FromVocabTxt(vocab, config);
  if (!t.ok()) return t.status().WithContext(dir + "/vocab.txt");
  return std::unique_ptr<embed::Tokenizer>(std::move(*t));
}

class EmbedderImpl final : public Embedder {
 public:
  EmbedderImpl(EmbedderOptions options, EmbedderInfo info,
               std::unique_ptr<embed::Tokenizer> tokenizer, std::unique_ptr<BertEncoder> encoder)
      : options_(std::move(options)),
        info_(std::move(info)),
        tokenizer_(std::move(tokenizer)),
        encoder_(std::move(encoder)),
        pool_(options_.threads),
        batcher_(encoder_.get(), options_.pooling, options_.normalize,
                 options_.concurrent_encodes > 0 ? options_.concurrent_encodes : DefaultLanes(),
                 options_.max_batch_tokens),
        cache_(options_.cache_entries, static_cast<size_t>(info_.dimensions)) {}

  Status LoadCache() {
    if (options_.cache_entries == 0 || options_.cache_file.empty()) return Status::OK();
    // A damaged cache file is not an error for the caller: it is ignored and rebuilt.
    (void)cache_.Load(options_.env, options_.cache_file);
    return Status::OK();
  }

  Result<std::vector<int32_t>> Tokenize(std::string_view text) const override {
    embed::EncodeOptions eo;
    eo.max_length = static_cast<size_t>(info_.max_tokens);
    eo.truncate = options_.truncate;
    return tokenizer_->Encode(text, eo);
  }

  Result<std::vector<std::vector<float>>> Embed(const std::vector<std::string>& texts) override {
    return Embed(texts, nullptr);
  }

  Result<std::vector<std::vector<float>>> Embed(const std::vector<std::string>& texts,
                                                uint64_t* tokens) override {
    const size_t dims = static_cast<size_t>(info_.dimensions);
    std::vector<std::vector<float>> out(texts.size());
    std::vector<embed::CacheKey> keys(texts.size());
    std::vector<size_t> todo;
    const bool use_cache = options_.cache_entries > 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      if (use_cache) {
        keys[i] =
            EmbeddingCache::Key(info_.model_id, options_.pooling, options_.normalize, texts[i]);
        if (cache_.Lookup(keys[i], &out[i])) continue;
      }
      todo.push_back(i);
    }
    std::vector<std::vector<int32_t>> ids(texts.size());
    uint64_t counted = 0;
    for (size_t i : todo) {
      auto t = Tokenize(texts[i]);
      if (!t.ok()) return t.status().WithContext("text " + std::to_string(i));
      ids[i] = std::move(*t);
      counted += ids[i].size();
    }
    if (tokens != nullptr && todo.size() < texts.size()) {
      // A cached text was not tokenized above; its count still belongs to the usage.
      size_t next = 0;
      for (size_t i = 0; i < texts.size(); ++i) {
        if (next < todo.size() && todo[next] == i) {
          ++next;
          continue;
        }
        auto t = Tokenize(texts[i]);
        if (t.ok()) counted += t->size();
      }
    }
    // Longest first, then batches up to max_batch_tokens: similar lengths share a batch, and
    // since batches are packed without padding the grouping only shapes attention's work.
    std::stable_sort(todo.begin(), todo.end(),
                     [&](size_t a, size_t b) { return ids[a].size() > ids[b].size(); });
    size_t b = 0;
    while (b < todo.size()) {
      size_t e = b, tokens = 0;
      std::vector<const std::vector<int32_t>*> seqs;
      while (e < todo.size() &&
             (seqs.empty() || tokens + ids[todo[e]].size() <= options_.max_batch_tokens)) {
        tokens += ids[todo[e]].size();
        seqs.push_back(&ids[todo[e]]);
        ++e;
      }
      std::vector<float> vecs(seqs.size() * dims);
      SEMBLE_RETURN_IF_ERROR(EncodeBatch(seqs, tokens, vecs.data()));
      for (size_t j = b; j < e; ++j) {
        const size_t i = todo[j];
        out[i].assign(vecs.begin() + (j - b) * dims, vecs.begin() + (j - b + 1) * dims);
        if (use_cache) cache_.Insert(keys[i], out[i]);
      }
      b = e;
    }
    if (tokens != nullptr) *tokens += counted;
    return out;
  }

  const EmbedderInfo& info() const override { return info_; }
  EmbeddingCacheStats cache_stats() const override { return cache_.stats(); }
  Status SaveCache() override {
    if (options_.cache_entries == 0 || options_.cache_file.empty()) return Status::OK();
    return cache_.Save(options_.env, options_.cache_file);
  }

 private:
  Status EncodeBatch(const std::vector<const std::vector<int32_t>*>& seqs, size_t tokens,
                     float* out) {
    if (pool_.size() > 1 && tokens >= kPoolMinTokens) {
      std::lock_guard<std::mutex> lock(pool_mu_);
      return encoder_->Encode(seqs, options_.pooling, options_.normalize, &pool_, out);
    }
    return batcher_.Encode(seqs, tokens, out);
  }

  const EmbedderOptions options_;
  const EmbedderInfo info_;
  std::unique_ptr<embed::Tokenizer> tokenizer_;
  std::unique_ptr<BertEncoder> encoder_;
  std::mutex pool_mu_;  // the pool runs one batch at a time (ThreadPool is not reentrant)
  core::ThreadPool pool_;
  embed::EncodeBatcher batcher_;  // batches below kPoolMinTokens
  EmbeddingCache cache_;
};

}  // namespace

Result<Pooling> ParsePooling(std::string_view name) {
  if (name == "mean") return Pooling::kMean;
  if (name == "cls") return Pooling::kCls;
  return Status::InvalidArgument("pooling must be mean or cls, not \"" + std::string(name) + "\"");
}

std::string_view PoolingName(Pooling pooling) { return pooling == Pooling::kCls ? "cls" : "mean"; }

Result<std::unique_ptr<Embedder>> Embedder::Open(const std::string& model_dir,
                                                 const EmbedderOptions& given) {
  EmbedderOptions options = given;
  if (options.env == nullptr) options.env = Env::Default();
  if (options.threads < 1 || options.threads > 64) {
    return Status::InvalidArgument("threads must be 1..64");
  }
  if (options.max_batch_tokens == 0) options.max_batch_tokens = 4096;
  if (options.concurrent_encodes < 0 || options.concurrent_encodes > 64) {
    return Status::InvalidArgument("concurrent_encodes must be 0..64");
  }
  Env* env = options.env;
  SEMBLE_RETURN_IF_ERROR(VerifyModel(env, model_dir));
  SEMBLE_ASSIGN_OR_RETURN(std::string config_json, ReadModelFile(env, model_dir + "/config.json"));
  auto config = embed::ParseBertConfig(config_json);
  if (!config.ok()) return config.status().WithContext(model_dir + "/config.json");
  SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<embed::Tokenizer> tokenizer,
                          LoadTokenizer(env, model_dir));

  EmbedderInfo info;
  info.model_dir = model_dir;
  std::string id = model_dir;
  while (id.size() > 1 && id.back() == '/') id.pop_back();
  info.model_id = id.substr(id.rfind('/') == std::string::npos ? 0 : id.rfind('/') + 1);
  for (const char* f :
       {"onnx/model_q4.onnx", "onnx/model.onnx", "model.onnx", "model.safetensors"}) {
    if (env->FileExists(model_dir + "/" + f)) {
      info.weights_file = f;
      break;
    }
  }
  if (info.weights_file.empty()) {
    return Status::NotFound(model_dir +
                            ": no weights (onnx/model_q4.onnx, model.onnx or model.safetensors)");
  }
  const std::string weights_path = model_dir + "/" + info.weights_file;
  embed::TensorMap tensors;
  size_t int8_block = 0;
  if (info.weights_file.ends_with(".safetensors")) {
    SEMBLE_ASSIGN_OR_RETURN(tensors, embed::LoadSafetensors(env, weights_path));
  } else {
    SEMBLE_ASSIGN_OR_RETURN(embed::OnnxWeights onnx, embed::LoadOnnxWeights(env, weights_path));
    tensors = std::move(onnx.tensors);
    if (onnx.accuracy_level == 4 && onnx.block_size > 0 &&
        options.activations == ActivationPrecision::kAsModel) {
      int8_block = static_cast<size_t>(onnx.block_size);
    }
  }
  auto weights = embed::BuildBertWeights(*config, std::move(tensors));
  if (!weights.ok()) return weights.status().WithContext(weights_path);
  weights->int8_activation_block = int8_block;
  if (tokenizer->vocab_size() > config->vocab_size) {
    return Status::Corruption(model_dir +
                              ": the tokenizer has more ids than the model's vocab_size");
  }
  info.dimensions = static_cast<int>(config->hidden);
  info.max_tokens = static_cast<int>(std::min<size_t>(config->max_positions, 512));
  info.layers = static_cast<int>(config->layers);
  auto impl = std::make_unique<EmbedderImpl>(options, std::move(info), std::move(tokenizer),
                                             std::make_unique<BertEncoder>(std::move(*weights)));
  SEMBLE_RETURN_IF_ERROR(impl->LoadCache());
  return std::unique_ptr<Embedder>(std::move(impl));
}

std::vector<int8_t> QuantizeInt8(const std::vector<float>& v, float* scale) {
  float max = 0;
  for (float x : v) max = std::max(max, std::fabs(x));
  *scale = max > 0 ? max / 127.0f : 1.0f;
  std::vector<int8_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    out[i] = static_cast<int8_t>(std::clamp(std::lround(v[i] / *scale), -127l, 127l));
  }
  return out;
}

std::vector<uint8_t> Binarize(const std::vector<float>& v) {
  std::vector<uint8_t> out((v.size() + 7) / 8, 0);
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] > 0) out[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
  }
  return out;
}

}  // namespace semble
