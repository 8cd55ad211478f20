// Copyright 2026 The semble Authors.
//
// Embedder: text in, vectors out, with a real pretrained sentence encoder running in-process.
//
//   semble::EmbedderOptions options;                 // mean pooling, L2-normalised, 1 thread
//   auto dir = semble::ResolveModel(semble::Env::Default(), semble::DefaultModelsDir(data_dir),
//                                   "all-MiniLM-L6-v2-q4");
//   auto embedder = semble::Embedder::Open(*dir, options);
//   auto vectors = (*embedder)->Embed({"A man is playing a guitar."});  // 384 floats each
//
// A model is a directory holding config.json, a tokenizer (tokenizer.json or vocab.txt) and weights
// (onnx/model*.onnx with its external data, or model.safetensors). Models are installed by
// `semble model pull` (see model_store.h).
//
// Concurrent callers: Embed is safe to call from any number of threads at once, and a text's
// vector never depends on what else is being embedded (the same bits alone, in a batch or merged
// with other callers' texts). Each call packs its texts into batches by length. A short batch
// (fewer than 256 tokens: a query, a prompt) runs on the caller's own thread; at most
// `concurrent_encodes` of them run at once, and calls that arrive while all are busy are merged
// into one batch that the next free caller runs, so that many small calls at once cost less per
// text than one after the other. A longer batch runs on the embedder's `threads` workers, one such
// batch at a time. No call waits on a timer, and there are no background threads beyond the
// workers.

#ifndef SEMBLE_INCLUDE_SEMBLE_EMBEDDER_H_
#define SEMBLE_INCLUDE_SEMBLE_EMBEDDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "semble/env.h"
#include "semble/status.h"

namespace semble {

enum class Pooling { kMean, kCls };

// "mean" / "cls"; InvalidArgument for anything else.
Result<Pooling> ParsePooling(std::string_view name);
std::string_view PoolingName(Pooling pooling);

// How the encoder's linear layers treat activations.
enum class ActivationPrecision {
  // As the model file says: ONNX MatMulNBits nodes with accuracy_level=4 round activations to int8
  // in blocks of 32 (as ONNX Runtime does), everything else is fp32. Matches the reference runtime.
  kAsModel,
  kFloat32,  // fp32 everywhere (ONNX Runtime with accuracy_level=0)
};

struct EmbedderOptions {
  Pooling pooling = Pooling::kMean;
  ActivationPrecision activations = ActivationPrecision::kAsModel;
  bool normalize = true;  // L2-normalise each vector (what cosine search expects)
  int threads = 1;        // worker threads for one long batch (1..64)
  // Short batches encoded at once, each on its caller's thread (0..64; 0: two per core, so a core
  // has another batch to run while a finished one's callers wake up). Callers beyond it queue,
  // and their texts are merged into the next batch.
  int concurrent_encodes = 0;
  // A text longer than the model's limit (512 tokens for BERT) is cut to it when true; when false
  // Embed fails with InvalidArgument naming the text.
  bool truncate = true;
  // Most tokens (summed over texts) run through the encoder at once; bounds activation memory.
  size_t max_batch_tokens = 4096;
  // Embedding cache: entries kept in memory (0 disables it) and, when cache_file is not empty, a
  // file that SaveCache writes and Open reads back (a damaged file is ignored, never trusted).
  size_t cache_entries = 0;
  std::string cache_file;
  Env* env = nullptr;  // nullptr: Env::Default()
};

struct EmbedderInfo {
  std::string model_id;  // the model directory's name
  std::string model_dir;
  std::string weights_file;  // what was loaded, e.g. onnx/model_q4.onnx
  int dimensions = 0;
  int max_tokens = 0;
  int layers = 0;
};

struct EmbeddingCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t entries = 0;
};

class Embedder {
 public:
  // Loads the model in model_dir. Missing or damaged files fail with NotFound / Corruption naming
  // the file.
  static Result<std::unique_ptr<Embedder>> Open(const std::string& model_dir,
                                                const EmbedderOptions& options);
  virtual ~Embedder() = default;

  // One vector of info().dimensions floats per text, in order.
  virtual Result<std::vector<std::vector<float>>> Embed(const std::vector<std::string>& texts) = 0;
  // As Embed, and adds to *tokens the number of tokens the model read for the texts (the sum of
  // Tokenize(text)->size(), cached texts included): the usage an answer reports, counted from the
  // ids Embed makes anyway instead of tokenizing every text a second time.
  virtual Result<std::vector<std::vector<float>>> Embed(const std::vector<std::string>& texts,
                                                        uint64_t* tokens) = 0;
  // The token ids the model reads for `text` ([CLS] ... [SEP]), after truncation.
  virtual Result<std::vector<int32_t>> Tokenize(std::string_view text) const = 0;

  virtual const EmbedderInfo& info() const = 0;
  virtual EmbeddingCacheStats cache_stats() const = 0;
  // Writes the cache to options.cache_file (atomically). OK when there is no cache file.
  virtual Status SaveCache() = 0;
};

// Output encodings for storage-constrained callers.
// int8: round(v / scale) with scale = max|v| / 127; returns the codes and sets *scale.
std::vector<int8_t> QuantizeInt8(const std::vector<float>& v, float* scale);
// binary: bit i (LSB first within each byte) is set when v[i] > 0; ceil(n / 8) bytes.
std::vector<uint8_t> Binarize(const std::vector<float>& v);

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_EMBEDDER_H_
