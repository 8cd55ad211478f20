// Copyright 2026 The semble Authors.
//
// Shared helpers for database tests: random records and a brute-force scorer written independently
// of the engine (double precision, straightforward loops).

#ifndef SEMBLE_TESTS_DB_DB_TEST_UTIL_H_
#define SEMBLE_TESTS_DB_DB_TEST_UTIL_H_

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "db/index_files.h"
#include "semble/database.h"
#include "semble/env.h"

namespace semble::test {

// Closes *db (after *index) and opens the database in `dir` again. *index is then the index
// `name`, or null when it cannot be served (absent, or damaged: the caller asks GetIndex why).
inline Status ReopenDatabase(const DatabaseOptions& options, const std::string& dir,
                             const std::string& name, std::unique_ptr<Database>* db,
                             std::shared_ptr<Index>* index) {
  index->reset();
  db->reset();
  auto opened = Database::Open(options, dir);
  if (!opened.ok()) return opened.status();
  *db = std::move(*opened);
  auto got = (*db)->GetIndex(name);
  if (got.ok()) *index = *got;
  return Status::OK();
}

// Creates index `name` of `dims` dimensions, `metric` and `index_type`, nothing else configured.
inline Result<std::shared_ptr<Index>> CreateIndexOfType(Database* db, const std::string& name,
                                                        uint32_t dims, Metric metric,
                                                        const std::string& index_type) {
  CreateIndexRequest create;
  create.name = name;
  create.config.dimensions = dims;
  create.config.metric = metric;
  create.config.index_type = index_type;
  return db->CreateIndex(create);
}

// Every record of `index` by id, read through List and GetByIds (at most 100 ids a call); the first
// error stops the reading and is returned.
inline Result<std::map<std::string, VectorRecord>> AllRecords(Index* index) {
  std::map<std::string, VectorRecord> out;
  ListRequest list;
  list.count = 1000;
  while (true) {
    auto page = index->List(list);
    if (!page.ok()) return page.status();
    for (size_t i = 0; i < page->ids.size(); i += 100) {
      std::vector<std::string> ids(page->ids.begin() + i,
                                   page->ids.begin() + std::min(i + 100, page->ids.size()));
      auto got = index->GetByIds(ids);
      if (!got.ok()) return got.status();
      for (VectorRecord& r : *got) out[r.id] = std::move(r);
    }
    if (page->next_cursor.empty()) return out;
    list.cursor = page->next_cursor;
  }
}

// A query's answer as (id, score) pairs, best first; none when the query failed.
inline std::vector<std::pair<std::string, float>> MatchesOf(const Result<QueryResult>& r) {
  std::vector<std::pair<std::string, float>> out;
  if (r.ok()) {
    for (const QueryMatch& m : r->matches) out.emplace_back(m.id, m.score);
  }
  return out;
}

// The bytes of the file at `path` ("" if it cannot be read).
inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Replaces the file at `path` with `bytes`.
inline void WriteFileBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The checkpoint segment of index `name` in the database directory `dir` ("" when it has none).
inline std::string SegmentOf(const std::string& dir, const std::string& name) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/indexes/" + name, ec)) {
    if (e.path().extension() == ".seg") return e.path().string();
  }
  return "";
}

// Whether this process has pages of the file at `path` mapped.
inline bool MappedInThisProcess(const std::string& path) {
  return ReadFileBytes("/proc/self/maps").find(path) != std::string::npos;
}

// "" when `db` refuses to serve its index `name` with a Corruption whose message names `path` and
// `what`; otherwise what it did instead (for a test's failure message).
inline std::string CorruptionMismatch(Database* db, const std::string& name,
                                      const std::string& path, const std::string& what) {
  auto got = db->GetIndex(name);
  if (got.ok()) return "the index is served";
  const Status& s = got.status();
  if (!s.IsCorruption()) return "not Corruption: " + s.ToString();
  if (s.message().find(path) == std::string::npos) return "no file name in: " + s.message();
  if (s.message().find(what) == std::string::npos) return "no \"" + what + "\" in: " + s.message();
  return "";
}

// Waits (up to 60 s) until the background graph builder has linked every stored vector of the
// index; an error if it has not by then or Info fails.
inline Status WaitUntilIndexed(Index* index) {
  for (int i = 0; i < 6000; ++i) {
    Result<IndexInfo> info = index->Info();
    if (!info.ok()) return info.status();
    if (info->unindexed_vectors == 0) return Status::OK();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::FailedPrecondition("the graph builder did not link the backlog within 60 s");
}

inline std::vector<float> RandomVector(std::mt19937& rng, uint32_t dims) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(dims);
  for (float& x : v) x = d(rng);
  return v;
}

inline VectorRecord MakeRecord(std::string id, std::vector<float> values, std::string ns = "",
                               std::string metadata = "") {
  return VectorRecord{std::move(id), std::move(values), std::move(ns), std::move(metadata)};
}

// Vectorize's score of `v` for query `q`.
inline double ReferenceScore(Metric metric, const std::vector<float>& q,
                             const std::vector<float>& v) {
  double dot = 0, qq = 0, vv = 0, l2 = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    dot += double(q[i]) * v[i];
    qq += double(q[i]) * q[i];
    vv += double(v[i]) * v[i];
    l2 += (double(q[i]) - v[i]) * (double(q[i]) - v[i]);
  }
  switch (metric) {
    case Metric::kCosine: return (qq == 0 || vv == 0) ? 0.0 : dot / std::sqrt(qq * vv);
    case Metric::kEuclidean: return std::sqrt(l2);
    case Metric::kDotProduct: return -dot;
  }
  return 0;
}

struct RefHit {
  std::string id;
  double score;
};

// The k best of `records` for q, closest first, ties by id.
inline std::vector<RefHit> ReferenceTopK(Metric metric, const std::vector<float>& q,
                                         const std::vector<VectorRecord>& records, size_t k) {
  std::vector<RefHit> all;
  for (const VectorRecord& r : records) all.push_back({r.id, ReferenceScore(metric, q, r.values)});
  const bool higher = metric == Metric::kCosine;
  std::sort(all.begin(), all.end(), [&](const RefHit& a, const RefHit& b) {
    if (a.score != b.score) return higher ? a.score > b.score : a.score < b.score;
    return a.id < b.id;
  });
  if (all.size() > k) all.resize(k);
  return all;
}

// Reads a checkpoint segment whole: its header, its graph blob and its records by slot, each with
// its values (from the vectors section when the segment has one). For tests that take a segment
// apart and write it back changed.
inline Status ReadWholeSegment(const std::string& path, uint32_t dims, db::SegmentHeader* header,
                               std::string* graph,
                               std::vector<std::pair<uint32_t, VectorRecord>>* records) {
  return db::ReadSegment(
      Env::Default(), path, dims, header,
      db::WholeBlob([&](std::string&& b) {
        *graph = std::move(b);
        return Status::OK();
      }),
      [&](uint32_t slot, VectorRecord&& r, meta::Value&&) {
        records->emplace_back(slot, std::move(r));
        return Status::OK();
      },
      nullptr, nullptr,
      db::RowsConsumer{nullptr, [&](core::HugeArray<float>&& rows, uint64_t count) {
        for (auto& [slot, r] : *records) {
          if (slot >= count) return Status::Corruption("a slot past the vectors section");
          r.values.assign(&rows[size_t{slot} * dims], &rows[size_t{slot} * dims] + dims);
        }
        return Status::OK();
      }});
}

// Writes a segment from the parts ReadWholeSegment gives (records with their values), laid out as
// `header` says: with header.vectors_section the values go into the vectors section, by slot, as
// a checkpoint writes them; without, into the records.
inline Status WriteWholeSegment(const std::string& path, uint32_t dims,
                                const db::SegmentHeader& header, const std::string& graph,
                                const std::string& text_blob,
                                const std::vector<std::pair<uint32_t, VectorRecord>>& records) {
  db::SegmentHeader h = header;
  h.record_count = records.size();
  h.index_blob_bytes = graph.size();
  h.text_blob_bytes = text_blob.size();
  auto writer = db::SegmentWriter::Create(Env::Default(), path, dims, h);
  if (!writer.ok()) return writer.status();
  SEMBLE_RETURN_IF_ERROR((*writer)->AddIndexBlob(graph));
  SEMBLE_RETURN_IF_ERROR((*writer)->AddTextBlob(text_blob));
  std::map<uint32_t, const std::vector<float>*> by_slot;
  for (const auto& [slot, r] : records) {
    if (!h.vectors_section) {
      SEMBLE_RETURN_IF_ERROR((*writer)->Add(slot, r));
      continue;
    }
    VectorRecord bare = r;
    bare.values.clear();
    SEMBLE_RETURN_IF_ERROR((*writer)->Add(slot, bare));
    by_slot[slot] = &r.values;
  }
  if (!h.vectors_section) return (*writer)->Finish();
  const uint64_t rows = by_slot.empty() ? 0 : by_slot.rbegin()->first + uint64_t{1};
  return (*writer)->Finish(rows, [&](uint64_t first, uint64_t n, float* out) {
    for (uint64_t i = 0; i < n; ++i) {
      auto it = by_slot.find(static_cast<uint32_t>(first + i));
      for (uint32_t d = 0; d < dims; ++d) {
        out[i * dims + d] = it == by_slot.end() ? 0.0f : (*it->second)[d];
      }
    }
    return Status::OK();
  });
}

}  // namespace semble::test

#endif  // SEMBLE_TESTS_DB_DB_TEST_UTIL_H_
