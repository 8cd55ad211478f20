// Copyright 2026 The semble Authors.

#include <string>

#include "semble/env.h"

namespace semble {

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
