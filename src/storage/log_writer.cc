// Copyright 2026 The semble Authors.

#include "storage/log_writer.h"

#include "storage/log_format.h"

namespace semble::storage {

Result<std::unique_ptr<LogWriter>> LogWriter::Create(Env* env, const std::string& path) {
  SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env->NewWritableFile(path));
  return std::unique_ptr<LogWriter>(new LogWriter(path, std::move(file), 0));
}

Result<std::unique_ptr<LogWriter>> LogWriter::OpenForAppend(Env* env, const std::string& path,
                                                            uint64_t size) {
  SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env->NewAppendableFile(path));
  return std::unique_ptr<LogWriter>(new LogWriter(path, std::move(file), size));
}

Status LogWriter::AddRecord(std::string_view payload) {
  scratch_.clear();
  AppendRecord(&scratch_, payload);
  return AddFramed(scratch_);
}

Status LogWriter::AddFramed(std::string_view framed) {
  Status s = file_->Append(framed);
  // Count the bytes even on failure: an unknown prefix may be in the file, and the caller stops
  // writing to this log after an error anyway.
  size_ += framed.size();
  return s;
}

Status LogWriter::AppendRaw(std::string_view bytes) { return AddFramed(bytes); }

Status LogWriter::Sync() { return file_->Sync(); }

Status LogWriter::Close() { return file_->Close(); }

}  // namespace semble::storage
