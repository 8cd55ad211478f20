// Copyright 2026 The semble Authors.
//
// Reads framed records (log_format.h) from a file front to back, streaming, so that a large
// checkpoint never needs to fit in memory twice.

#ifndef SEMBLE_SRC_STORAGE_LOG_READER_H_
#define SEMBLE_SRC_STORAGE_LOG_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "semble/env.h"

namespace semble::storage {

class LogReader {
 public:
  enum class Outcome {
    kRecord,    // *payload holds the next record
    kEof,       // the file ended cleanly after the previous record
    kTornTail,  // the rest of the file, from torn_offset(), is an incomplete last record
  };

  // With allow_torn_tail false (segments, manifests: files that are fsynced whole before anything
  // points at them) any damage is Corruption.
  static Result<std::unique_ptr<LogReader>> Open(Env* env, const std::string& path,
                                                 bool allow_torn_tail);

  // Reads the next record. A damaged record (bad checksum, impossible header, length past the end
  // of the file) is a torn tail only when no intact record follows it anywhere in the file: then it
  // was the last write and a crash cut it short. If an intact record follows, the damaged one was
  // once complete and acknowledged, and skipping it would silently lose a mutation: Next returns
  // Corruption with the path and byte offset.
  Result<Outcome> Next(std::string_view* payload);

  // Reads the next n bytes as they are, not as a record (a segment's raw vectors section, whose
  // size and checksums the framed records before it give). Corruption if fewer are left.
  Status ReadRaw(size_t n, char* out);
  // Moves past the next n bytes without reading them (a section the caller maps instead).
  // Corruption if fewer are left.
  Status Skip(uint64_t n);

  // Offset of the record Next last returned (kRecord) or of the torn tail (kTornTail).
  uint64_t record_offset() const { return record_offset_; }
  // Offset just past the last good record: where a repaired log should end.
  uint64_t good_end() const { return offset_; }
  // The file's size when it was opened.
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  LogReader(std::string path, std::unique_ptr<SequentialFile> file, uint64_t size, bool torn_ok)
      : path_(std::move(path)), file_(std::move(file)), size_(size), allow_torn_tail_(torn_ok) {}

  Status ReadExactly(size_t n, std::string* out);
  // Decides between kTornTail and Corruption for damage at offset_; `consumed` holds the bytes of
  // the file already read from offset_ on.
  Result<Outcome> Damaged(std::string consumed, std::string_view what);

  std::string path_;
  std::unique_ptr<SequentialFile> file_;
  uint64_t size_;
  bool allow_torn_tail_;
  uint64_t offset_ = 0;  // bytes of the file consumed by good records
  uint64_t record_offset_ = 0;
  std::string buffer_;
};

}  // namespace semble::storage

#endif  // SEMBLE_SRC_STORAGE_LOG_READER_H_
