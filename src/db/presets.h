// Copyright 2026 The semble Authors.
//
// Vectorize's index presets: `config: {preset}` on create (and wrangler's --preset) names an
// embedding model, and the index takes that model's dimensions, with cosine, as Vectorize does.

#ifndef SEMBLE_SRC_DB_PRESETS_H_
#define SEMBLE_SRC_DB_PRESETS_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "semble/options.h"

namespace semble::db {

struct Preset {
  std::string_view name;
  uint32_t dimensions;
  Metric metric;
};

inline constexpr Preset kPresets[] = {
    {"@cf/baai/bge-small-en-v1.5", 384, Metric::kCosine},
    {"@cf/baai/bge-base-en-v1.5", 768, Metric::kCosine},
    {"@cf/baai/bge-large-en-v1.5", 1024, Metric::kCosine},
    {"openai/text-embedding-ada-002", 1536, Metric::kCosine},
    {"cohere/embed-multilingual-v2.0", 768, Metric::kCosine},
};

// The preset of that name, or nullptr.
inline const Preset* FindPreset(std::string_view name) {
  for (const Preset& p : kPresets) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_PRESETS_H_
