// Copyright 2026 The semble Authors.

#include "storage/log_reader.h"

#include <algorithm>
#include <cstring>

#include "core/coding.h"
#include "core/crc32c.h"
#include "storage/log_format.h"

namespace semble::storage {

void AppendRecord(std::string* dst, std::string_view payload) {
  const size_t start = BeginRecord(dst);
  dst->append(payload.data(), payload.size());
  FinishRecord(dst, start);
}

size_t BeginRecord(std::string* dst) {
  const size_t start = dst->size();
  dst->append(kRecordHeaderSize, '\0');
  return start;
}

void FinishRecord(std::string* dst, size_t start) {
  char* header = dst->data() + start;
  const uint32_t len = static_cast<uint32_t>(dst->size() - start - kRecordHeaderSize);
  std::memcpy(header + 4, &len, 4);
  header[8] = static_cast<char>(kRecordTypeFull);
  uint32_t crc = core::Crc32c(header + 4, 5);
  crc = core::Crc32cExtend(crc, header + kRecordHeaderSize, len);
  const uint32_t masked = core::MaskCrc(crc);
  std::memcpy(header, &masked, 4);
}

namespace {

// True when an intact record starts at data[p].
bool IntactRecordAt(std::string_view data, size_t p) {
  if (data.size() - p < kRecordHeaderSize) return false;
  const char* h = data.data() + p;
  const uint32_t len = core::DecodeFixed32(h + 4);
  if (static_cast<uint8_t>(h[8]) != kRecordTypeFull || len > data.size() - p - kRecordHeaderSize) {
    return false;
  }
  uint32_t crc = core::Crc32c(h + 4, 5);
  crc = core::Crc32cExtend(crc, h + kRecordHeaderSize, len);
  return crc == core::UnmaskCrc(core::DecodeFixed32(h));
}

}  // namespace

Status SplitRecords(std::string_view data, const std::string& where,
                    std::vector<std::string_view>* payloads) {
  size_t p = 0;
  while (p < data.size()) {
    if (!IntactRecordAt(data, p)) {
      return Status::Corruption(where + ": damaged record at byte offset " + std::to_string(p));
    }
    const uint32_t len = core::DecodeFixed32(data.data() + p + 4);
    payloads->push_back(data.substr(p + kRecordHeaderSize, len));
    p += kRecordHeaderSize + len;
  }
  return Status::OK();
}

Result<std::string_view> VersionedRecord(std::string_view data, const char* magic, uint32_t version,
                                         const std::string& what, const std::string& where) {
  std::vector<std::string_view> records;
  SEMBLE_RETURN_IF_ERROR(SplitRecords(data, where, &records));
  if (records.size() != 1) return Status::Corruption(where + ": not one " + what + " record");
  std::string_view in = records[0];
  if (in.size() < 12 || in.substr(0, 8) != std::string_view(magic, 8)) {
    return Status::Corruption(where + ": not a semble " + what);
  }
  const uint32_t got = core::DecodeFixed32(in.data() + 8);
  if (got != version) {
    return Status::Corruption(where + ": " + what + " format version " + std::to_string(got) +
                              " is not supported (this build reads " + std::to_string(version) +
                              ")");
  }
  return in.substr(12);
}

std::string FrameVersioned(const char* magic, uint32_t version, std::string_view body) {
  std::string payload(magic, 8);
  core::PutFixed32(&payload, version);
  payload.append(body);
  std::string framed;
  AppendRecord(&framed, payload);
  return framed;
}

Result<std::unique_ptr<LogReader>> LogReader::Open(Env* env, const std::string& path,
                                                   bool allow_torn_tail) {
  SEMBLE_ASSIGN_OR_RETURN(uint64_t size, env->GetFileSize(path));
  SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, env->NewSequentialFile(path));
  return std::unique_ptr<LogReader>(new LogReader(path, std::move(file), size, allow_torn_tail));
}

Status LogReader::ReadExactly(size_t n, std::string* out) {
  out->resize(n);
  std::string_view got;
  SEMBLE_RETURN_IF_ERROR(file_->Read(n, &got, out->data()));
  if (got.size() != n) {
    return Status::IOError(path_ + ": file shrank while being read");
  }
  if (got.data() != out->data()) std::memcpy(out->data(), got.data(), n);
  return Status::OK();
}

Status LogReader::ReadRaw(size_t n, char* out) {
  if (n > size_ - offset_) {
    return Status::Corruption(path_ + " at byte offset " + std::to_string(offset_) + ": " +
                              std::to_string(n) + " bytes expected, the file ends first");
  }
  std::string_view got;
  SEMBLE_RETURN_IF_ERROR(file_->Read(n, &got, out));
  if (got.size() != n) return Status::IOError(path_ + ": file shrank while being read");
  if (got.data() != out) std::memmove(out, got.data(), n);
  offset_ += n;
  return Status::OK();
}

Status LogReader::Skip(uint64_t n) {
  if (n > size_ - offset_) {
    return Status::Corruption(path_ + " at byte offset " + std::to_string(offset_) + ": " +
                              std::to_string(n) + " bytes expected, the file ends first");
  }
  SEMBLE_RETURN_IF_ERROR(file_->Skip(n));
  offset_ += n;
  return Status::OK();
}

Result<LogReader::Outcome> LogReader::Damaged(std::string consumed, std::string_view what) {
  const std::string where = path_ + " at byte offset " + std::to_string(offset_) + ": ";
  if (!allow_torn_tail_) return Status::Corruption(where + std::string(what));
  // Only WALs get here; they are bounded by the checkpoint threshold, so reading the rest of the
  // file into memory once, on a damaged recovery, is affordable.
  std::string rest;
  SEMBLE_RETURN_IF_ERROR(
      ReadExactly(static_cast<size_t>(size_ - offset_ - consumed.size()), &rest));
  std::string data = std::move(consumed) + rest;
  for (size_t p = 1; p < data.size(); ++p) {
    if (IntactRecordAt(data, p)) {
      return Status::Corruption(where + std::string(what) + " (intact records follow at offset " +
                                std::to_string(offset_ + p) + ")");
    }
  }
  record_offset_ = offset_;
  return Outcome::kTornTail;
}

Result<LogReader::Outcome> LogReader::Next(std::string_view* payload) {
  record_offset_ = offset_;
  const uint64_t left = size_ - offset_;
  if (left == 0) return Outcome::kEof;
  if (left < kRecordHeaderSize) return Damaged("", "incomplete record header");
  std::string header;
  SEMBLE_RETURN_IF_ERROR(ReadExactly(kRecordHeaderSize, &header));
  const uint32_t masked = core::DecodeFixed32(header.data());
  const uint32_t len = core::DecodeFixed32(header.data() + 4);
  const auto type = static_cast<uint8_t>(header[8]);
  if (len > left - kRecordHeaderSize) return Damaged(header, "record runs past the end of file");
  if (len > kMaxRecordSize || type != kRecordTypeFull) return Damaged(header, "bad record header");
  SEMBLE_RETURN_IF_ERROR(ReadExactly(len, &buffer_));
  uint32_t crc = core::Crc32c(header.data() + 4, 5);
  crc = core::Crc32cExtend(crc, buffer_.data(), buffer_.size());
  if (crc != core::UnmaskCrc(masked)) return Damaged(header + buffer_, "checksum mismatch");
  offset_ += kRecordHeaderSize + len;
  *payload = buffer_;
  return Outcome::kRecord;
}

}  // namespace semble::storage
