// Copyright 2026 The semble Authors.
//
// Appends framed records (log_format.h) to a file. Used for write-ahead logs (many small appends,
// group-committed by the caller) and for checkpoint segments (written once, then fsynced).

#ifndef SEMBLE_SRC_STORAGE_LOG_WRITER_H_
#define SEMBLE_SRC_STORAGE_LOG_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "semble/env.h"

namespace semble::storage {

class LogWriter {
 public:
  // Creates (truncating) the file at path.
  static Result<std::unique_ptr<LogWriter>> Create(Env* env, const std::string& path);
  // Opens an existing log to append after its `size` bytes (which the caller has verified).
  static Result<std::unique_ptr<LogWriter>> OpenForAppend(Env* env, const std::string& path,
                                                          uint64_t size);

  // Appends one record.
  Status AddRecord(std::string_view payload);
  // Appends bytes already framed with AppendRecord (a group of records written with one call).
  Status AddFramed(std::string_view framed);
  // Appends bytes that are not framed records (a segment's raw vectors section, after its
  // footer). Readers must know from the framed records where such bytes are and how to check
  // them.
  Status AppendRaw(std::string_view bytes);
  Status Sync();
  Status Close();

  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  LogWriter(std::string path, std::unique_ptr<WritableFile> file, uint64_t size)
      : path_(std::move(path)), file_(std::move(file)), size_(size) {}

  std::string path_;
  std::unique_ptr<WritableFile> file_;
  uint64_t size_;
  std::string scratch_;
};

}  // namespace semble::storage

#endif  // SEMBLE_SRC_STORAGE_LOG_WRITER_H_
