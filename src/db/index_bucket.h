// Copyright 2026 The semble Authors.
//
// IndexBucket: one index's durable home in an object store, and the protocol that keeps a single
// writer. The local index directory (index_files.h) becomes a cache that Materialize rebuilds.
//
// Objects under the index's prefix ("indexes/<name>/<incarnation>/"):
//
//   manifest/<n, 20 digits>   the n-th commit: the MANIFEST bytes, the segment's key, size and
//                             hash, and the first log object the segment does not cover. Written
//                             put-if-absent, so of two writers committing n exactly one succeeds.
//   log/<k, 20 digits>        the k-th log object: the framed mutation records of one group commit
//                             (the same bytes the local WAL gets). Written put-if-absent; numbers
//                             are dense, so a writer that loses number k knows another writer
//                             exists and stops (it is fenced).
//   seg/<seq>-<writer>.seg    an immutable checkpoint segment, the local file's bytes.
//
// Taking over an index (Materialize) reads the newest manifest and every log object after it,
// then writes an empty log object at the next number: the fence. A previous writer still running
// fails at its next log object (its number is taken) and at its next manifest, so after the fence
// nothing of it can become part of the index. An acknowledged write is a log object that exists.
//
// Garbage: after a commit, objects that no manifest younger than the grace period needs (older
// manifests, their segments, log objects before the oldest kept manifest's first log) are deleted;
// a reader that opened an older manifest has had the grace period to read what it names.

#ifndef SEMBLE_SRC_DB_INDEX_BUCKET_H_
#define SEMBLE_SRC_DB_INDEX_BUCKET_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "db/index_files.h"
#include "semble/env.h"
#include "semble/object_store.h"

namespace semble::db {

struct IndexBucketOptions {
  // Objects no manifest younger than this needs are deleted after a commit.
  int64_t gc_grace_ms = 10 * 60 * 1000;
  // DatabaseOptions::store_parallel_gets and store_get_part_bytes.
  int parallel_gets = 4;
  uint64_t get_part_bytes = 32ull << 20;
};

// The key prefix of one incarnation of an index: "indexes/<name>/<incarnation, 16 hex>/".
std::string IndexBucketPrefix(const std::string& name, uint64_t incarnation);

class IndexBucket {
 public:
  // Writes the first manifest (number 0, no segment) of a new index. AlreadyExists if the prefix
  // already holds one.
  static Status Create(ObjectStore* store, const std::string& prefix, const Manifest& manifest);
  // The same for an index that starts from a checkpoint (a restored backup): `segment` holds the
  // bytes of the file manifest.segment names.
  static Status CreateFromSegment(ObjectStore* store, const std::string& prefix,
                                  const Manifest& manifest, std::string_view segment);

  // Makes `dir` (an existing directory, possibly holding an older copy) the index's state as the
  // store has it: MANIFEST, the segment (downloaded unless the cached file has the same hash), and
  // one WAL file with every log object after the manifest. Then, if `fence`, fences out earlier
  // writers (a reader passes false and must not write through the handle).
  static Result<std::unique_ptr<IndexBucket>> Materialize(ObjectStore* store, Env* env,
                                                          const std::string& prefix,
                                                          const std::string& dir,
                                                          const IndexBucketOptions& options,
                                                          bool fence);

  // Makes one group of framed mutation records durable as the next log object. OK means the
  // object exists (the write is acknowledged). Fails with reason kFenced if another writer took
  // the number. After any other error *unknown says whether the object may exist anyway (the
  // store failed to answer even a read-back): then the caller must stop writing, as after a
  // failed fsync; otherwise nothing was written and the next group tries the same number.
  Status AppendLog(std::string_view framed, bool* unknown);

  // Commits a checkpoint: uploads the segment file `dir`/`manifest.segment` and writes the next
  // manifest, which covers every log object appended so far. kFenced if another writer committed
  // first. Then collects garbage (failures there cost space, not data).
  Status CommitCheckpoint(Env* env, const std::string& dir, const Manifest& manifest);

  // A reader's catch-up: appends to *framed the records of every log object the writer appended
  // since Materialize (or the previous call), and moves past them. Sets *behind when the objects
  // this reader needs next were collected as garbage (it fell behind by more than the grace
  // period): then only materializing again brings it up to date.
  Status ReadNewLogs(std::string* framed, bool* behind);

  // Whether this handle writes the index (Materialize with a fence) or only reads it.
  bool writer() const { return writer_; }

  // Removes every object under an index prefix (a dropped index). Best effort per object.
  static Status DeleteAll(ObjectStore* store, const std::string& prefix);

  uint64_t next_log() const { return next_log_; }
  uint64_t bytes_uploaded() const { return bytes_uploaded_.load(); }

 private:
  IndexBucket(ObjectStore* store, std::string prefix, IndexBucketOptions options)
      : store_(store), prefix_(std::move(prefix)), options_(options) {}
  Status Fenced(const std::string& what) const;
  // After a failed put of log object k: whether it exists with exactly `data` (then it was ours).
  Result<bool> LandedAnyway(const std::string& key, std::string_view data);
  void CollectGarbage(int64_t now_ms);

  ObjectStore* const store_;
  const std::string prefix_;
  const IndexBucketOptions options_;
  bool writer_ = false;
  std::string writer_id_;     // random, names this writer's segments
  uint64_t next_log_ = 1;     // the number the next log object gets
  uint64_t manifest_no_ = 0;  // the newest committed manifest (a reader: the newest it has seen)
  std::atomic<uint64_t> bytes_uploaded_{0};
};

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_INDEX_BUCKET_H_
