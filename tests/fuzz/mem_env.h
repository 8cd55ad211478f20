// Copyright 2026 The semble Authors.
//
// An Env that keeps files in memory, for the fuzz targets of the file readers: a fuzz input becomes
// a file without touching the disk, so a target runs thousands of times a second and leaves nothing
// behind. Only what the readers use is meaningful; directories exist implicitly.

#ifndef SEMBLE_TESTS_FUZZ_MEM_ENV_H_
#define SEMBLE_TESTS_FUZZ_MEM_ENV_H_

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "semble/env.h"

namespace semble::fuzz {

class MemEnv final : public Env {
 public:
  void Put(const std::string& path, std::string_view data) { files_[path] = std::string(data); }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    files_[path].clear();
    return std::unique_ptr<WritableFile>(new Writer(&files_[path]));
  }
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    return std::unique_ptr<WritableFile>(new Writer(&files_[path]));
  }
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return Status::NotFound(path);
    return std::unique_ptr<SequentialFile>(new Reader(it->second));
  }
  bool FileExists(const std::string& path) override { return files_.count(path) != 0; }
  Result<std::vector<std::string>> GetChildren(const std::string& dir) override {
    std::vector<std::string> out;
    const std::string prefix = dir + "/";
    for (const auto& [path, data] : files_) {
      if (path.starts_with(prefix) && path.find('/', prefix.size()) == std::string::npos) {
        out.push_back(path.substr(prefix.size()));
      }
    }
    return out;
  }
  Result<uint64_t> GetFileSize(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return Status::NotFound(path);
    return static_cast<uint64_t>(it->second.size());
  }
  Status RemoveFile(const std::string& path) override {
    return files_.erase(path) ? Status::OK() : Status::NotFound(path);
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    auto it = files_.find(from);
    if (it == files_.end()) return Status::NotFound(from);
    std::string data = std::move(it->second);
    files_.erase(it);
    files_[to] = std::move(data);
    return Status::OK();
  }
  Status LinkFile(const std::string& from, const std::string& to) override {
    auto it = files_.find(from);
    if (it == files_.end()) return Status::NotFound(from);
    if (files_.count(to) != 0) return Status::AlreadyExists(to);
    std::string copy = it->second;  // a copy, not a shared inode: nothing here writes after linking
    files_[to] = std::move(copy);
    return Status::OK();
  }
  Status TruncateFile(const std::string& path, uint64_t size) override {
    auto it = files_.find(path);
    if (it == files_.end()) return Status::NotFound(path);
    if (size < it->second.size()) it->second.resize(size);
    return Status::OK();
  }
  Status CreateDir(const std::string&) override { return Status::OK(); }
  Status RemoveDir(const std::string&) override { return Status::OK(); }
  Status SyncDir(const std::string&) override { return Status::OK(); }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string&) override {
    return std::unique_ptr<FileLock>(new FileLock());
  }
  int64_t NowMillis() override { return 0; }

 private:
  class Writer final : public WritableFile {
   public:
    explicit Writer(std::string* data) : data_(data) {}
    Status Append(std::string_view data) override {
      data_->append(data);
      return Status::OK();
    }
    Status Sync() override { return Status::OK(); }
    Status Close() override { return Status::OK(); }

   private:
    std::string* data_;
  };

  // Reads through a scratch copy like a real file would, so a reader that keeps a view into
  // scratch past the next read is caught by ASan as it would misbehave on disk.
  class Reader final : public SequentialFile {
   public:
    explicit Reader(std::string_view data) : data_(data) {}
    Status Read(size_t n, std::string_view* result, char* scratch) override {
      n = std::min(n, data_.size() - pos_);
      std::memcpy(scratch, data_.data() + pos_, n);
      pos_ += n;
      *result = std::string_view(scratch, n);
      return Status::OK();
    }

   private:
    std::string_view data_;
    size_t pos_ = 0;
  };

  std::map<std::string, std::string> files_;
};

}  // namespace semble::fuzz

#endif  // SEMBLE_TESTS_FUZZ_MEM_ENV_H_
