// Copyright 2026 The semble Authors.
//
// Writes the storage seeds of the fuzz corpus (corpus/wal, corpus/segment, corpus/manifest,
// corpus/graph) with the engine itself: a small database gets a few writes of every kind, and its
// WAL, then its checkpoint segment and manifest, are copied out; small graphs of every storage
// shape are serialized. So the seeds are real files in the current format, and regenerating them
// after a format change is one command:
//
//   cmake --build build --target fuzz_make_storage_corpus
//   build/fuzz_make_storage_corpus tests/fuzz/corpus
//
// The wal and segment targets read a first byte with the index's dimension count; it is prepended.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "index/hnsw_index.h"
#include "semble/database.h"
#include "semble/env.h"

using namespace semble;  // NOLINT: a tool's brevity

namespace {

void Die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

void Save(const std::string& path, const std::string& prefix, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << prefix << data;
  if (!out) Die("write " + path, Status::IOError(path));
  std::printf("%s: %zu bytes\n", path.c_str(), prefix.size() + data.size());
}

// The only file of `dir` whose name starts with `prefix`.
std::string Find(const std::string& dir, const std::string& prefix) {
  std::string found;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename();
    if (name.starts_with(prefix)) found = e.path();
  }
  if (found.empty()) Die("no " + prefix + " file in " + dir, Status::NotFound(dir));
  return found;
}

std::string Read(const std::string& path) {
  auto data = ReadFileToString(Env::Default(), path);
  if (!data.ok()) Die("read " + path, data.status());
  return *data;
}

VectorRecord Rec(std::string id, std::vector<float> v, std::string ns, std::string md) {
  VectorRecord r;
  r.id = std::move(id);
  r.values = std::move(v);
  r.ns = std::move(ns);
  r.metadata_json = std::move(md);
  return r;
}

// Graph blobs of every storage shape (float32, sq8, bq, lower-bound codes), each with a few
// layers (m 4) and tombstones, small enough for a fuzzer to mutate quickly.
void SaveGraphs(const std::string& corpus) {
  struct Shape {
    const char* name;
    index::QuantizerKind q;
    bool bound_codes;
    Metric metric;
  };
  const Shape shapes[] = {{"f32-cosine", index::QuantizerKind::kNone, false, Metric::kCosine},
                          {"sq8-l2", index::QuantizerKind::kSq8, false, Metric::kEuclidean},
                          {"bq-dot", index::QuantizerKind::kBinary, false, Metric::kDotProduct},
                          {"lb8-cosine", index::QuantizerKind::kNone, true, Metric::kCosine},
                          {"lb8-l2", index::QuantizerKind::kNone, true, Metric::kEuclidean}};
  std::filesystem::create_directories(corpus + "/graph");
  for (const Shape& shape : shapes) {
    index::HnswOptions o;
    o.dimensions = 4;
    o.metric = shape.metric;
    o.quantizer = shape.q;
    o.bound_codes = shape.bound_codes;
    o.m = 4;
    o.ef_construction = 16;
    auto g = index::HnswIndex::Create(o);
    if (!g.ok()) Die("graph", g.status());
    std::vector<uint32_t> slots;
    std::vector<float> values;
    for (uint32_t i = 0; i < 48; ++i) {
      slots.push_back(i);
      for (uint32_t d = 0; d < 4; ++d) {
        values.push_back(static_cast<float>((i * 7 + d * 13) % 17) / 8.0f - 1.0f + 0.01f * d);
      }
    }
    Status s = (*g)->AddBatch(slots, values.data(), 1);
    if (!s.ok()) Die("graph add", s);
    for (uint32_t slot : {5u, 17u, 30u}) (*g)->Remove(slot, /*consolidate=*/false);
    Save(corpus + "/graph/" + shape.name + ".graph", "", (*g)->Serialize());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::string corpus = argv[1];
  char tmpl[] = "/tmp/semble-fuzz-corpus-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) Die("mkdtemp", Status::IOError(tmpl));
  const std::string data_dir = tmpl;
  for (const char* sub : {"wal", "segment", "manifest"}) {
    std::filesystem::create_directories(corpus + "/" + sub);
  }

  DatabaseOptions options;
  options.checkpoint_on_close = false;
  auto db = Database::Open(options, data_dir);
  if (!db.ok()) Die("open", db.status());
  // One exact index and one graph index (whose segment carries the serialized graph).
  for (const char* type : {"flat", "hnsw"}) {
    CreateIndexRequest req;
    req.name = std::string("idx-") + type;
    req.description = "fuzz seed";
    req.config.dimensions = 4;
    req.config.metric = std::string(type) == "flat" ? Metric::kCosine : Metric::kEuclidean;
    req.config.index_type = type;
    auto index = (*db)->CreateIndex(req);
    if (!index.ok()) Die("create", index.status());
    std::vector<VectorRecord> records = {
        Rec("a", {1, 0, 0, 0}, "", R"({"genre":"drama","year":1994,"tags":["x","y"]})"),
        Rec("b", {0, 1, 0.5f, 0}, "ns1", R"({"genre":"comedy","nested":{"k":true,"n":null}})"),
        Rec("c", {0.25f, -1, 0, 2}, "", ""),
        Rec("\xed\x95\x9c", {3, 3, 3, 3}, "ns2", R"({"city":"서울","pop":9.7e6})"),
    };
    auto s = (*index)->Insert(records);
    if (!s.ok()) Die("insert", s.status());
    std::vector<VectorRecord> up = {Rec("b", {0, 1, 1, 0}, "ns1", R"({"genre":"drama"})")};
    if (!(s = (*index)->Upsert(up)).ok()) Die("upsert", s.status());
    std::vector<std::string> ids = {"c", "zz"};
    if (!(s = (*index)->DeleteByIds(ids)).ok()) Die("delete", s.status());
    if (!(s = (*index)->CreateMetadataIndex({"genre", MetadataIndexType::kString})).ok()) {
      Die("metadata index", s.status());
    }
    if (!(s = (*index)->CreateMetadataIndex({"year", MetadataIndexType::kNumber})).ok()) {
      Die("metadata index", s.status());
    }
    if (!(s = (*index)->DeleteMetadataIndex("year")).ok()) Die("drop index", s.status());
  }
  const std::string dims(1, '\x04');
  for (const char* type : {"flat", "hnsw"}) {
    const std::string dir = data_dir + "/indexes/idx-" + type;
    const std::string wal = Read(Find(dir, "wal-"));
    Save(corpus + "/wal/" + type + ".log", dims, wal);
    // A torn tail: the last record cut short, as a crash during its append leaves it.
    if (std::string(type) == "flat") Save(corpus + "/wal/torn.log", dims, wal.substr(0, wal.size() - 7));
  }
  Status s = (*db)->Checkpoint();
  if (!s.ok()) Die("checkpoint", s);
  for (const char* type : {"flat", "hnsw"}) {
    const std::string dir = data_dir + "/indexes/idx-" + type;
    Save(corpus + "/segment/" + type + ".seg", dims, Read(Find(dir, "seg-")));
    Save(corpus + "/manifest/" + type + ".manifest", "", Read(dir + "/MANIFEST"));
  }
  db->reset();
  std::filesystem::remove_all(data_dir);
  SaveGraphs(corpus);
  return 0;
}
