// Copyright 2026 The semble Authors.
//
// Env: the seam through which every durable byte passes. The database never calls the operating
// system's file functions itself; it asks an Env. The default Env is the local file system (POSIX);
// tests wrap it to inject faults (short writes, fsync failure, ENOSPC), and a later object-store
// backend will implement the same seam.

#ifndef SEMBLE_INCLUDE_SEMBLE_ENV_H_
#define SEMBLE_INCLUDE_SEMBLE_ENV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "semble/status.h"

namespace semble {

// A file written front to back. Not safe for concurrent use.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends data. On error, an unknown prefix of data may have reached the file.
  virtual Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync). After a failed Sync the file's durable
  // contents are unknown: callers must not retry and assume success.
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

// A file read front to back.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes into scratch; *result points at what was read (empty at end of file).
  virtual Status Read(size_t n, std::string_view* result, char* scratch) = 0;
  // Moves n bytes ahead without reading them (a reader that maps a part of the file instead).
  // The default reads and drops them; an error if the file ends first.
  virtual Status Skip(uint64_t n);
};

// A file written at given offsets, by several threads at once for disjoint ranges (a download in
// parallel parts).
class PositionalWritableFile {
 public:
  virtual ~PositionalWritableFile() = default;
  // Writes data at offset. On error, an unknown part of it may have reached the file.
  virtual Status WriteAt(uint64_t offset, std::string_view data) = 0;
  virtual Status Close() = 0;
};

// A local file opened so that its pages can be mapped into memory (Env::OpenForMapping).
class MappableFile {
 public:
  virtual ~MappableFile() = default;
  // A descriptor open for reading, for mmap(2); valid while this object lives (a mapping made
  // from it outlives it).
  virtual int fd() const = 0;
};

// An exclusive lock on a file, held until released through Env::UnlockFile.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide local file system Env. Never deleted.
  static Env* Default();

  // Creates (or truncates) a file for writing.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens an existing file for appending at its end.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) = 0;
  // Creates (or truncates) a file for positional writes. An Env without them returns null, and
  // callers write front to back instead (the default).
  virtual Result<std::unique_ptr<PositionalWritableFile>> NewPositionalWritableFile(
      const std::string& path) {
    (void)path;
    return std::unique_ptr<PositionalWritableFile>();
  }

  // Opens a file whose pages the caller will map (a checkpoint's vectors, mapped instead of
  // copied). An Env without local files returns null (the default), and callers read the bytes
  // through NewSequentialFile instead.
  virtual Result<std::unique_ptr<MappableFile>> OpenForMapping(const std::string& path) {
    (void)path;
    return std::unique_ptr<MappableFile>();
  }

  virtual bool FileExists(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory, without "." and "..".
  virtual Result<std::vector<std::string>> GetChildren(const std::string& dir) = 0;
  virtual Result<uint64_t> GetFileSize(const std::string& path) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Atomically replaces `to` with `from` (rename(2)). Not durable until SyncDir of the parent.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Gives the file `from` a second name `to` (link(2)); AlreadyExists if `to` exists. The file
  // system's put-if-absent: of two processes linking to one name, exactly one succeeds. Not
  // durable until SyncDir of the parent.
  virtual Status LinkFile(const std::string& from, const std::string& to) = 0;
  // Shrinks a file to `size` bytes and makes the new size durable.
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  // Creates a directory; OK if it exists already.
  virtual Status CreateDir(const std::string& dir) = 0;
  // Removes an empty directory.
  virtual Status RemoveDir(const std::string& dir) = 0;
  // Makes creations, renames and removals of entries in dir durable (fsync on the directory).
  virtual Status SyncDir(const std::string& dir) = 0;

  // Takes an exclusive advisory lock (flock) so that two processes never open one database.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;

  // Wall-clock time in milliseconds since the Unix epoch.
  virtual int64_t NowMillis() = 0;
};

// Helpers built on the Env interface.

// Reads a whole file.
Result<std::string> ReadFileToString(Env* env, const std::string& path);

// Writes `data` to `path` atomically: a temporary file is written and fsynced, renamed over
// `path`, and the directory is fsynced. Readers see either the old or the new contents, never a mix.
Status WriteFileAtomically(Env* env, const std::string& path, std::string_view data);

// Removes a directory and the files in it (semble's directories hold no subdirectories).
Status RemoveDirRecursively(Env* env, const std::string& dir);

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_ENV_H_
