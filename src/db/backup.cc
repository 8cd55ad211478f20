// Copyright 2026 The semble Authors.
//
// Backups (backup.h): chunking, the backup manifest, writing and reading them.

#include "db/backup.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>

#include "core/coding.h"
#include "db/random_id.h"
#include "semble/database.h"
#include "storage/content_hash.h"
#include "storage/log_format.h"

namespace semble {

Result<BackupInfo> Database::Backup(const std::string&, ObjectStore*) {
  return Status::FailedPrecondition("backups are made where the database is open, not over HTTP");
}

Result<std::shared_ptr<Index>> Database::Restore(ObjectStore*, const std::string&,
                                                 const std::string&) {
  return Status::FailedPrecondition("restores are made where the database is open, not over HTTP");
}

namespace db {
namespace {

constexpr char kBackupMagic[] = "SMBLBKUP";
constexpr uint32_t kBackupVersion = 1;
constexpr char kBackupsDir[] = "backups/";
constexpr char kChunksDir[] = "chunks/";
// Average chunk size 512 KiB past the minimum (a cut where the low 19 bits of the hash are
// zero): small enough that a change costs little upload, large enough that a 1 GB segment is a
// few thousand objects.
constexpr uint64_t kCutMask = (1ull << 19) - 1;

// The gear table of the rolling hash: fixed pseudo-random values (splitmix64 from a constant), so
// every build cuts the same data at the same places and chunks of older backups are found again.
const std::array<uint64_t, 256>& Gear() {
  static const std::array<uint64_t, 256> table = [] {
    std::array<uint64_t, 256> t{};
    uint64_t x = 0x5eb1eb0c4c0ffeeull;
    for (uint64_t& v : t) {
      x += 0x9e3779b97f4a7c15ull;
      uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      v = z ^ (z >> 31);
    }
    return t;
  }();
  return table;
}

struct ChunkRef {
  std::string hash;
  uint64_t size = 0;
};

struct BackupManifest {
  int64_t created_ms = 0;
  std::string manifest_bytes;  // EncodeManifest of the index at the checkpoint
  uint64_t segment_size = 0;
  std::string segment_hash;
  std::vector<ChunkRef> chunks;
};

std::string EncodeBackup(const BackupManifest& b) {
  std::string payload;
  core::PutFixed64(&payload, static_cast<uint64_t>(b.created_ms));
  core::PutLengthPrefixed(&payload, b.manifest_bytes);
  core::PutFixed64(&payload, b.segment_size);
  core::PutLengthPrefixed(&payload, b.segment_hash);
  core::PutVarint64(&payload, b.chunks.size());
  for (const ChunkRef& c : b.chunks) {
    core::PutLengthPrefixed(&payload, c.hash);
    core::PutFixed64(&payload, c.size);
  }
  return storage::FrameVersioned(kBackupMagic, kBackupVersion, payload);
}

Result<BackupManifest> DecodeBackup(std::string_view data, const std::string& where) {
  auto bad = [&](const std::string& what) { return Status::Corruption(where + ": " + what); };
  SEMBLE_ASSIGN_OR_RETURN(
      std::string_view in,
      storage::VersionedRecord(data, kBackupMagic, kBackupVersion, "backup manifest", where));
  uint64_t created, count;
  std::string_view manifest, hash;
  BackupManifest b;
  if (!core::GetFixed64(&in, &created) || !core::GetLengthPrefixed(&in, &manifest) ||
      !core::GetFixed64(&in, &b.segment_size) || !core::GetLengthPrefixed(&in, &hash) ||
      !core::GetVarint64(&in, &count) || count > (1ull << 32)) {
    return bad("malformed backup manifest");
  }
  uint64_t total = 0;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view h;
    ChunkRef c;
    if (!core::GetLengthPrefixed(&in, &h) || !core::GetFixed64(&in, &c.size)) {
      return bad("malformed chunk list");
    }
    c.hash.assign(h);
    total += c.size;
    b.chunks.push_back(std::move(c));
  }
  if (!in.empty() || total != b.segment_size) return bad("malformed backup manifest");
  b.created_ms = static_cast<int64_t>(created);
  b.manifest_bytes.assign(manifest);
  b.segment_hash.assign(hash);
  return b;
}

BackupInfo InfoOf(const std::string& id, const BackupManifest& b, const Manifest& m) {
  BackupInfo info;
  info.id = id;
  info.index = m.description.name;
  info.mutation = m.checkpoint_seq;
  info.created_ms = b.created_ms;
  info.bytes = b.segment_size;
  info.chunks = b.chunks.size();
  return info;
}

}  // namespace

std::vector<size_t> ChunkEnds(std::string_view data) {
  const auto& gear = Gear();
  std::vector<size_t> ends;
  size_t start = 0;
  while (start < data.size()) {
    const size_t left = data.size() - start;
    if (left <= kMinChunk) {
      ends.push_back(data.size());
      break;
    }
    const size_t limit = std::min(left, kMaxChunk);
    size_t cut = limit;
    uint64_t h = 0;
    // The hash only sees the last 64 bytes (each step shifts one bit out), so a cut depends on
    // local content alone; scanning starts early enough to warm it up before kMinChunk.
    for (size_t i = kMinChunk - 64; i < limit; ++i) {
      h = (h << 1) + gear[static_cast<uint8_t>(data[start + i])];
      if (i >= kMinChunk && (h & kCutMask) == 0) {
        cut = i + 1;
        break;
      }
    }
    start += cut;
    ends.push_back(start);
  }
  return ends;
}

Result<BackupInfo> WriteBackup(ObjectStore* target, const Manifest& manifest,
                               std::string_view segment, int64_t now_ms) {
  BackupManifest b;
  b.created_ms = now_ms;
  b.manifest_bytes = EncodeManifest(manifest);
  b.segment_size = segment.size();
  b.segment_hash = storage::ContentHash(segment);
  SEMBLE_ASSIGN_OR_RETURN(std::vector<ObjectInfo> existing, target->List(kChunksDir));
  std::set<std::string> have;
  for (const ObjectInfo& o : existing) have.insert(o.key.substr(sizeof(kChunksDir) - 1));
  BackupInfo info;
  size_t start = 0;
  for (size_t end : ChunkEnds(segment)) {
    const std::string_view chunk = segment.substr(start, end - start);
    start = end;
    ChunkRef ref{storage::ContentHash(chunk), chunk.size()};
    if (have.insert(ref.hash).second) {
      // Content-addressed: a chunk another backup wrote meanwhile has the same bytes.
      auto put = target->Put(kChunksDir + ref.hash, chunk, PutCondition::IfAbsent());
      if (!put.ok() && put.status().reason() != Status::Reason::kConditionFailed) {
        return put.status().WithContext("backup of \"" + manifest.description.name + "\"");
      }
      ++info.chunks_uploaded;
      info.bytes_uploaded += chunk.size();
    }
    b.chunks.push_back(std::move(ref));
  }
  char stamp[24];
  std::snprintf(stamp, sizeof(stamp), "%020" PRId64, now_ms);
  const std::string id = manifest.description.name + "/" + stamp + "-" + RandomHex64().substr(0, 8);
  const std::string encoded = EncodeBackup(b);
  SEMBLE_RETURN_IF_ERROR(target->Put(kBackupsDir + id, encoded, PutCondition::IfAbsent())
                             .status()
                             .WithContext("backup of \"" + manifest.description.name + "\""));
  BackupInfo out = InfoOf(id, b, manifest);
  out.chunks_uploaded = info.chunks_uploaded;
  out.bytes_uploaded = info.bytes_uploaded + encoded.size();
  return out;
}

Status ReadBackup(ObjectStore* source, const std::string& id, Manifest* manifest,
                  std::string* segment) {
  const std::string key = kBackupsDir + id;
  auto got = source->Get(key);
  if (got.status().IsNotFound()) {
    return Status::NotFound("no backup \"" + id + "\" in " + source->Url());
  }
  if (!got.ok()) return got.status();
  SEMBLE_ASSIGN_OR_RETURN(BackupManifest b, DecodeBackup(got->data, source->Url() + "/" + key));
  SEMBLE_ASSIGN_OR_RETURN(*manifest, DecodeManifest(b.manifest_bytes, source->Url() + "/" + key));
  segment->clear();
  segment->reserve(b.segment_size);
  for (const ChunkRef& c : b.chunks) {
    auto chunk = source->Get(kChunksDir + c.hash);
    if (chunk.status().IsNotFound()) {
      return Status::Corruption(source->Url() + "/" + kChunksDir + c.hash + " (of backup \"" + id +
                                "\") is missing");
    }
    if (!chunk.ok()) return chunk.status();
    if (chunk->data.size() != c.size || storage::ContentHash(chunk->data) != c.hash) {
      return Status::Corruption(source->Url() + "/" + kChunksDir + c.hash + " (of backup \"" + id +
                                "\") is damaged");
    }
    segment->append(chunk->data);
  }
  if (segment->size() != b.segment_size || storage::ContentHash(*segment) != b.segment_hash) {
    return Status::Corruption("backup \"" + id + "\" does not reassemble to what was backed up");
  }
  return Status::OK();
}

}  // namespace db

Result<std::vector<BackupInfo>> ListBackups(ObjectStore* store, const std::string& index) {
  const std::string dir = index.empty() ? "backups/" : "backups/" + index + "/";
  SEMBLE_ASSIGN_OR_RETURN(std::vector<ObjectInfo> listed, store->List(dir));
  std::vector<BackupInfo> out;
  for (const ObjectInfo& o : listed) {
    auto got = store->Get(o.key);
    if (got.status().IsNotFound()) continue;
    if (!got.ok()) return got.status();
    const std::string where = store->Url() + "/" + o.key;
    SEMBLE_ASSIGN_OR_RETURN(auto b, db::DecodeBackup(got->data, where));
    SEMBLE_ASSIGN_OR_RETURN(auto m, db::DecodeManifest(b.manifest_bytes, where));
    out.push_back(db::InfoOf(o.key.substr(8), b, m));
  }
  // Keys sort by index, then time: order by time alone.
  std::stable_sort(out.begin(), out.end(), [](const BackupInfo& a, const BackupInfo& b) {
    return a.created_ms < b.created_ms;
  });
  return out;
}

}  // namespace semble
