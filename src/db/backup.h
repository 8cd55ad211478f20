// Copyright 2026 The semble Authors.
//
// The format of backups (semble/backup.h): content-defined chunks of a checkpoint segment and a
// backup manifest that lists them.

#ifndef SEMBLE_SRC_DB_BACKUP_H_
#define SEMBLE_SRC_DB_BACKUP_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "db/index_files.h"
#include "semble/backup.h"

namespace semble::db {

// Where content-defined chunks of `data` end (the last is data.size()): a cut where a rolling
// hash of the last bytes has its low bits zero, between kMinChunk and kMaxChunk bytes apart, so an
// insertion shifts only the chunks around it.
constexpr size_t kMinChunk = 128 << 10;
constexpr size_t kMaxChunk = 2 << 20;
std::vector<size_t> ChunkEnds(std::string_view data);

// Stores a backup of the checkpoint `manifest` + `segment` ("" when the index has no segment).
Result<BackupInfo> WriteBackup(ObjectStore* target, const Manifest& manifest,
                               std::string_view segment, int64_t now_ms);

// Reads backup `id` back: its manifest and the segment reassembled and verified.
Status ReadBackup(ObjectStore* source, const std::string& id, Manifest* manifest,
                  std::string* segment);

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_BACKUP_H_
