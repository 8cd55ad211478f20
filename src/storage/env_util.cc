// Copyright 2026 The semble Authors.

#include <algorithm>
#include <string>

#include "semble/env.h"

namespace semble {

Status SequentialFile::Skip(uint64_t n) {
  std::string scratch(static_cast<size_t>(std::min<uint64_t>(n, 1 << 20)), '\0');
  while (n > 0) {
    std::string_view got;
    SEMBLE_RETURN_IF_ERROR(Read(static_cast<size_t>(std::min<uint64_t>(n, scratch.size())), &got,
                                scratch.data()));
    if (got.empty()) return Status::IOError("skip past the end of a file");
    n -= got.size();
  }
  return Status::OK();
}

Result<std::string> ReadFileToString(Env* env, const std::string& path) {
  SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, env->NewSequentialFile(path));
  std::string out;
  constexpr size_t kChunk = 1 << 16;
  std::string scratch(kChunk, '\0');
  while (true) {
    std::string_view got;
    SEMBLE_RETURN_IF_ERROR(file->Read(kChunk, &got, scratch.data()));
    if (got.empty()) break;
    out.append(got);
  }
  return out;
}

static std::string ParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteFileAtomically(Env* env, const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  {
    SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env->NewWritableFile(tmp));
    Status s = file->Append(data);
    if (s.ok()) s = file->Sync();
    Status c = file->Close();
    if (s.ok()) s = c;
    if (!s.ok()) {
      env->RemoveFile(tmp);  // best effort: a stale .tmp is also removed on the next open
      return s;
    }
  }
  SEMBLE_RETURN_IF_ERROR(env->RenameFile(tmp, path));
  return env->SyncDir(ParentDir(path));
}

Status RemoveDirRecursively(Env* env, const std::string& dir) {
  SEMBLE_ASSIGN_OR_RETURN(std::vector<std::string> children, env->GetChildren(dir));
  for (const std::string& name : children) {
    SEMBLE_RETURN_IF_ERROR(env->RemoveFile(dir + "/" + name));
  }
  return env->RemoveDir(dir);
}

}  // namespace semble
