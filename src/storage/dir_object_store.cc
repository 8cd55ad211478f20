// Copyright 2026 The semble Authors.
//
// A local directory with an object store's semantics, built on Env so that tests can inject the
// same faults as for the database's own files. Keys become flat file names ('%' and '/' escaped),
// so listing a prefix is one directory read and no empty directories are left behind.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "storage/content_hash.h"
#include "storage/object_stores.h"

namespace semble::storage {
namespace {

constexpr char kTempPrefix[] = ".tmp-";
constexpr char kLockName[] = ".lock";

std::string EscapeKey(const std::string& key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '%') {
      out += "%25";
    } else if (c == '/') {
      out += "%2F";
    } else {
      out += c;
    }
  }
  return out;
}

// The inverse of EscapeKey; false for names EscapeKey cannot have made (temporaries, the lock).
bool UnescapeKey(const std::string& name, std::string* key) {
  if (name.empty() || name.front() == '.') return false;
  key->clear();
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '%') {
      *key += name[i];
    } else if (name.compare(i, 3, "%25") == 0) {
      *key += '%';
      i += 2;
    } else if (name.compare(i, 3, "%2F") == 0) {
      *key += '/';
      i += 2;
    } else {
      return false;
    }
  }
  return true;
}

Status ConditionFailed(const std::string& what) {
  return Status::FailedPrecondition(what).WithReason(Status::Reason::kConditionFailed);
}

class DirObjectStore final : public ObjectStore {
 public:
  DirObjectStore(Env* env, std::string root) : env_(env), root_(std::move(root)) {}

  Result<std::string> Put(const std::string& key, std::string_view data,
                          const PutCondition& condition) override {
    SEMBLE_RETURN_IF_ERROR(CheckKey(key));
    const std::string path = PathOf(key);
    const std::string tmp = root_ + "/" + kTempPrefix + std::to_string(::getpid()) + "-" +
                            std::to_string(next_temp_.fetch_add(1));
    Status s = WriteTemp(tmp, data);
    if (s.ok()) {
      switch (condition.kind) {
        case PutCondition::Kind::kAlways:
          s = env_->RenameFile(tmp, path);
          break;
        case PutCondition::Kind::kIfAbsent:
          s = env_->LinkFile(tmp, path);
          if (s.IsAlreadyExists()) s = ConditionFailed(Url() + "/" + key + " exists");
          (void)env_->RemoveFile(tmp);
          break;
        case PutCondition::Kind::kIfMatch:
          s = SwapIfMatch(key, tmp, condition.etag);
          break;
      }
    }
    if (s.ok()) s = env_->SyncDir(root_);
    if (!s.ok()) {
      if (env_->FileExists(tmp)) (void)env_->RemoveFile(tmp);
      return s;
    }
    return ContentHash(data);
  }

  Result<Object> Get(const std::string& key) override {
    SEMBLE_RETURN_IF_ERROR(CheckKey(key));
    auto data = ReadFileToString(env_, PathOf(key));
    if (!data.ok()) return Missing(key, data.status());
    Object o;
    o.etag = ContentHash(*data);
    o.data = std::move(data).value();
    return o;
  }

  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) override {
    // Whole-file read: a local directory is only used for tests and backups, where objects are
    // small or read whole anyway.
    SEMBLE_ASSIGN_OR_RETURN(Object o, Get(key));
    if (offset >= o.data.size()) return std::string();
    return o.data.substr(offset, length);
  }

  Status GetTo(const std::string& key, uint64_t offset, uint64_t length,
               const Sink& sink) override {
    // Streamed in pieces of 1 MiB, so that what is built on GetTo sees what it sees from S3.
    SEMBLE_RETURN_IF_ERROR(CheckKey(key));
    auto file = env_->NewSequentialFile(PathOf(key));
    if (!file.ok()) return Missing(key, file.status());
    constexpr size_t kPiece = 1 << 20;
    std::string scratch(kPiece, '\0');
    uint64_t pos = 0;
    const uint64_t end = length > kToEnd - offset ? kToEnd : offset + length;
    while (pos < end) {
      std::string_view got;
      SEMBLE_RETURN_IF_ERROR((*file)->Read(kPiece, &got, scratch.data()));
      if (got.empty()) break;
      const uint64_t got_end = pos + got.size();
      if (got_end > offset) {
        const uint64_t from = offset > pos ? offset - pos : 0;
        const uint64_t to = std::min<uint64_t>(got.size(), end - pos);
        if (to > from) SEMBLE_RETURN_IF_ERROR(sink(got.substr(from, to - from)));
      }
      pos = got_end;
    }
    return Status::OK();
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    SEMBLE_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->GetChildren(root_));
    std::vector<ObjectInfo> out;
    std::string key;
    for (const std::string& name : names) {
      if (!UnescapeKey(name, &key) || key.compare(0, prefix.size(), prefix) != 0) continue;
      auto size = env_->GetFileSize(root_ + "/" + name);
      if (!size.ok()) {
        if (!env_->FileExists(root_ + "/" + name)) continue;  // deleted meanwhile
        return size.status();
      }
      // Etags need the contents; List callers here only need names and sizes, so leave it empty
      // rather than read every object.
      out.push_back({key, *size, ""});
    }
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  Status Delete(const std::string& key) override {
    SEMBLE_RETURN_IF_ERROR(CheckKey(key));
    const std::string path = PathOf(key);
    if (!env_->FileExists(path)) return Status::OK();
    Status s = env_->RemoveFile(path);
    if (!s.ok() && env_->FileExists(path)) return s;
    return env_->SyncDir(root_);
  }

  std::string Url() const override { return "file://" + root_; }

 private:
  static Status CheckKey(const std::string& key) {
    if (key.empty()) return Status::InvalidArgument("object key is empty");
    return Status::OK();
  }
  std::string PathOf(const std::string& key) const { return root_ + "/" + EscapeKey(key); }
  Status Missing(const std::string& key, const Status& s) const {
    if (s.IsNotFound()) return Status::NotFound(Url() + "/" + key + ": no such object");
    return s;
  }

  Status WriteTemp(const std::string& tmp, std::string_view data) {
    SEMBLE_ASSIGN_OR_RETURN(auto file, env_->NewWritableFile(tmp));
    Status s = file->Append(data);
    if (s.ok()) s = file->Sync();
    Status closed = file->Close();
    return s.ok() ? closed : s;
  }

  // Compare-and-swap under a lock that other processes sharing the directory take too.
  Status SwapIfMatch(const std::string& key, const std::string& tmp, const std::string& etag) {
    std::lock_guard in_process(swap_mu_);
    std::unique_ptr<FileLock> lock;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      auto l = env_->LockFile(root_ + "/" + kLockName);
      if (l.ok()) {
        lock = std::move(l).value();
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) return l.status();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    auto current = ReadFileToString(env_, PathOf(key));
    Status s;
    if (!current.ok()) {
      s = current.status().IsNotFound()
              ? ConditionFailed(Url() + "/" + key + " does not exist (If-Match)")
              : current.status();
    } else if (ContentHash(*current) != etag) {
      s = ConditionFailed(Url() + "/" + key + " changed (If-Match)");
    } else {
      s = env_->RenameFile(tmp, PathOf(key));
    }
    if (!s.ok()) (void)env_->RemoveFile(tmp);
    return s;
  }

  Env* const env_;
  const std::string root_;
  std::atomic<uint64_t> next_temp_{0};
  std::mutex swap_mu_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> NewDirObjectStore(Env* env, const std::string& root) {
  if (root.empty() || root.front() != '/') {
    return Status::InvalidArgument("a file:// object store needs an absolute path, not \"" + root +
                                   "\"");
  }
  for (size_t pos = root.find('/', 1); pos != std::string::npos; pos = root.find('/', pos + 1)) {
    SEMBLE_RETURN_IF_ERROR(env->CreateDir(root.substr(0, pos)));
  }
  SEMBLE_RETURN_IF_ERROR(env->CreateDir(root));
  // Temporaries a crashed writer left are not removed here: another process may be writing one
  // right now. List never shows them.
  return std::unique_ptr<ObjectStore>(new DirObjectStore(env, root));
}

}  // namespace semble::storage
