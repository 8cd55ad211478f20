// Copyright 2026 The semble Authors.
//
// Manifests (db/index_files.h ReadManifest): the commit point of an index, read first on every
// open. Any bytes must give a Manifest or Corruption; a manifest that reads must write back and read
// again to the same fields. The file is read as it is, then with its record checksum fixed
// (fix_crc.h), so that mutated fields reach the decoder.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "db/index_files.h"
#include "fix_crc.h"
#include "fuzz_check.h"
#include "mem_env.h"

using namespace semble;  // NOLINT: a test's brevity

namespace {

bool Same(const db::Manifest& a, const db::Manifest& b) {
  const IndexDescription &x = a.description, &y = b.description;
  return x.name == y.name && x.description == y.description &&
         x.config.dimensions == y.config.dimensions && x.config.metric == y.config.metric &&
         x.config.index_type == y.config.index_type &&
         x.config.embedding_model == y.config.embedding_model &&
         x.config.embedding_pooling == y.config.embedding_pooling &&
         x.config.schema_json == y.config.schema_json &&
         x.config.default_ttl_seconds == y.config.default_ttl_seconds &&
         x.config.cache_json == y.config.cache_json &&
         x.config.max_metadata_bytes == y.config.max_metadata_bytes &&
         x.created_on_ms == y.created_on_ms &&
         x.modified_on_ms == y.modified_on_ms && a.incarnation == b.incarnation &&
         a.checkpoint_seq == b.checkpoint_seq && a.segment == b.segment;
}

void ReadManifestFile(const std::string& file) {
  fuzz::MemEnv env;
  env.Put("/i/MANIFEST", file);
  auto m = db::ReadManifest(&env, "/i");
  if (!m.ok()) return;
  Status s = db::WriteManifest(&env, "/j", *m);
  FUZZ_CHECK(s.ok(), "write: %s", s.ToString().c_str());
  auto again = db::ReadManifest(&env, "/j");
  FUZZ_CHECK(again.ok(), "a manifest that read does not read after writing: %s",
             again.status().ToString().c_str());
  FUZZ_CHECK(Same(*m, *again), "the manifest changed in a write and read");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string file(reinterpret_cast<const char*>(data), size);
  ReadManifestFile(file);
  if (fuzz::FixRecordCrcs(&file)) ReadManifestFile(file);
  return 0;
}
