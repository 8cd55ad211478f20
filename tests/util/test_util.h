// Copyright 2026 The semble Authors.
//
// Test helpers: temporary directories and an Env that injects faults.

#ifndef SEMBLE_TESTS_UTIL_TEST_UTIL_H_
#define SEMBLE_TESTS_UTIL_TEST_UTIL_H_

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>

#include "semble/env.h"

namespace semble::test {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/semble-test-XXXXXX";
    char* made = ::mkdtemp(tmpl.data());
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Passes every call to the default Env: the base of the test Envs that change one thing.
class ForwardingEnv : public Env {
 public:
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    return base_->NewWritableFile(path);
  }
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    return base_->NewAppendableFile(path);
  }
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    return base_->NewSequentialFile(path);
  }
  Result<std::unique_ptr<PositionalWritableFile>> NewPositionalWritableFile(
      const std::string& path) override {
    return base_->NewPositionalWritableFile(path);
  }
  Result<std::unique_ptr<MappableFile>> OpenForMapping(const std::string& path) override {
    return base_->OpenForMapping(path);
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Result<std::vector<std::string>> GetChildren(const std::string& dir) override {
    return base_->GetChildren(dir);
  }
  Result<uint64_t> GetFileSize(const std::string& path) override {
    return base_->GetFileSize(path);
  }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return base_->RenameFile(from, to);
  }
  Status LinkFile(const std::string& from, const std::string& to) override {
    return base_->LinkFile(from, to);
  }
  Status TruncateFile(const std::string& path, uint64_t size) override {
    return base_->TruncateFile(path, size);
  }
  Status CreateDir(const std::string& dir) override { return base_->CreateDir(dir); }
  Status RemoveDir(const std::string& dir) override { return base_->RemoveDir(dir); }
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return base_->LockFile(path);
  }
  int64_t NowMillis() override { return base_->NowMillis(); }

 protected:
  Env* const base_ = Env::Default();
};

// Wraps the default Env; for files whose path contains `target` it can fail fsync, or behave as
// if the disk had only `space_left` bytes (a write that does not fit writes what fits, then fails
// with ENOSPC, as a real short write would). Writes only through its own files: no positional
// writes and no mapping (callers fall back to writing front to back and reading).
class FaultEnv final : public ForwardingEnv {
 public:
  std::string target = "";      // empty: every file
  std::atomic<bool> fail_sync{false};
  std::atomic<int64_t> space_left{-1};  // -1: unlimited
  std::atomic<bool> fail_rename{false};
  std::atomic<int> syncs{0};

  bool Targets(const std::string& path) const { return path.find(target) != std::string::npos; }

  class File final : public WritableFile {
   public:
    File(FaultEnv* env, std::string path, std::unique_ptr<WritableFile> base)
        : env_(env), path_(std::move(path)), base_(std::move(base)) {}
    Status Append(std::string_view data) override {
      if (env_->Targets(path_)) {
        int64_t left = env_->space_left.load();
        if (left >= 0) {
          if (static_cast<int64_t>(data.size()) > left) {
            (void)base_->Append(data.substr(0, static_cast<size_t>(left)));
            env_->space_left = 0;
            return Status::IOError(path_ + ": write: No space left on device");
          }
          env_->space_left = left - static_cast<int64_t>(data.size());
        }
      }
      return base_->Append(data);
    }
    Status Sync() override {
      ++env_->syncs;
      if (env_->fail_sync && env_->Targets(path_)) {
        return Status::IOError(path_ + ": fdatasync: Input/output error (injected)");
      }
      return base_->Sync();
    }
    Status Close() override { return base_->Close(); }

   private:
    FaultEnv* env_;
    std::string path_;
    std::unique_ptr<WritableFile> base_;
  };

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    auto f = base_->NewWritableFile(path);
    if (!f.ok()) return f.status();
    return std::unique_ptr<WritableFile>(new File(this, path, std::move(f).value()));
  }
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    auto f = base_->NewAppendableFile(path);
    if (!f.ok()) return f.status();
    return std::unique_ptr<WritableFile>(new File(this, path, std::move(f).value()));
  }
  // Every write goes through File (its faults): the defaults, not the base's.
  Result<std::unique_ptr<PositionalWritableFile>> NewPositionalWritableFile(
      const std::string& path) override {
    return Env::NewPositionalWritableFile(path);
  }
  Result<std::unique_ptr<MappableFile>> OpenForMapping(const std::string& path) override {
    return Env::OpenForMapping(path);
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    if (fail_rename && Targets(to)) return Status::IOError("rename " + from + ": injected");
    return base_->RenameFile(from, to);
  }
  Status TruncateFile(const std::string& path, uint64_t size) override {
    // Truncation ends with an fsync: a device that fails fsync fails this too.
    if (fail_sync && Targets(path)) return Status::IOError(path + ": fsync (injected)");
    return base_->TruncateFile(path, size);
  }
  Status SyncDir(const std::string& dir) override {
    if (fail_sync && Targets(dir)) return Status::IOError(dir + ": fsync (injected)");
    return base_->SyncDir(dir);
  }
  // A clock tests control: when fixed_now_ms is non-zero, NowMillis returns it.
  std::atomic<int64_t> fixed_now_ms{0};
  int64_t NowMillis() override {
    const int64_t fixed = fixed_now_ms.load();
    return fixed != 0 ? fixed : base_->NowMillis();
  }
};

}  // namespace semble::test

#endif  // SEMBLE_TESTS_UTIL_TEST_UTIL_H_
