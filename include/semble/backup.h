// Copyright 2026 The semble Authors.
//
// Backups of indexes into an object store (semble/object_store.h), made by Database::Backup and
// read by Database::Restore. A backup is one checkpoint of one index: its segment, cut into
// content-defined chunks stored once under their hash ("chunks/<hash>"), and a small backup
// manifest ("backups/<index>/<time>-<random>") listing them. Because chunk boundaries follow the
// content, a later backup of a little-changed index uploads only the chunks that changed; every
// backup stays restorable on its own. Backups are never deleted by semble.

#ifndef SEMBLE_INCLUDE_SEMBLE_BACKUP_H_
#define SEMBLE_INCLUDE_SEMBLE_BACKUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "semble/object_store.h"
#include "semble/status.h"

namespace semble {

struct BackupInfo {
  std::string id;                // "<index>/<20-digit ms>-<random>", what Restore takes
  std::string index;             // the backed-up index's name
  uint64_t mutation = 0;         // the last mutation the backup holds (its mutationId)
  int64_t created_ms = 0;        // when the backup was written
  uint64_t bytes = 0;            // the segment's size
  uint64_t chunks = 0;           // chunks the segment was cut into
  uint64_t chunks_uploaded = 0;  // of them, not yet in the target (Backup only)
  uint64_t bytes_uploaded = 0;   // chunk and manifest bytes written (Backup only)
};

// The backups in `store`, oldest first; only those of `index` unless it is "".
Result<std::vector<BackupInfo>> ListBackups(ObjectStore* store, const std::string& index);

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_BACKUP_H_
