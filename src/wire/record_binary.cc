// Copyright 2026 The semble Authors.

#include "wire/record_binary.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace semble::wire {
namespace {

constexpr std::string_view kMagic = "SMBR";
constexpr uint32_t kVersion = 1;
constexpr uint32_t kFlagNamespaces = 1, kFlagMetadata = 2;
constexpr size_t kHeaderBytes = 24;

static_assert(std::endian::native == std::endian::little,
              "the binary records codec copies little-endian floats as they are");

uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

void Append32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out->append(b, 4);
}

// Reads length-prefixed strings from body[pos..], advancing pos.
class Sections {
 public:
  explicit Sections(std::string_view body, size_t pos) : body_(body), pos_(pos) {}

  Status Next(const char* what, size_t index, std::string* out) {
    if (body_.size() - pos_ < 4) return Truncated(what, index);
    const uint32_t len = Load32(body_.data() + pos_);
    pos_ += 4;
    if (body_.size() - pos_ < len) return Truncated(what, index);
    out->assign(body_.data() + pos_, len);
    pos_ += len;
    return Status::OK();
  }

  size_t pos() const { return pos_; }

 private:
  Status Truncated(const char* what, size_t index) const {
    return Status::InvalidArgument("binary records: the " + std::string(what) + " of record " +
                                   std::to_string(index) + " runs past the end of the body (at " +
                                   "byte " + std::to_string(pos_) + " of " +
                                   std::to_string(body_.size()) + ")");
  }

  std::string_view body_;
  size_t pos_;
};

}  // namespace

Result<std::vector<VectorRecord>> ParseRecordsBinary(std::string_view body, size_t max_records) {
  if (body.size() < kHeaderBytes) {
    return Status::InvalidArgument("binary records: the body has " + std::to_string(body.size()) +
                                   " bytes, fewer than the 24-byte header");
  }
  if (body.substr(0, 4) != kMagic) {
    return Status::InvalidArgument("binary records: the body does not start with \"SMBR\"");
  }
  const uint32_t version = Load32(body.data() + 4), dims = Load32(body.data() + 8),
                 count = Load32(body.data() + 12), flags = Load32(body.data() + 16),
                 reserved = Load32(body.data() + 20);
  if (version != kVersion) {
    return Status::InvalidArgument("binary records: version " + std::to_string(version) +
                                   " (this server reads version 1)");
  }
  if (dims == 0) return Status::InvalidArgument("binary records: dimensions is 0");
  if ((flags & ~(kFlagNamespaces | kFlagMetadata)) != 0 || reserved != 0) {
    return Status::InvalidArgument("binary records: unknown flags or a non-zero reserved field");
  }
  if (count > max_records) {
    return Status::InvalidArgument("binary records: " + std::to_string(count) +
                                   " records, more than the " + std::to_string(max_records) +
                                   " one write takes");
  }
  // n * d * 4 bytes of values must fit in what follows the header; compared by division first, so
  // no product can overflow.
  const size_t room = body.size() - kHeaderBytes;
  const size_t row_bytes = size_t{dims} * sizeof(float);
  if (count > room / row_bytes) {
    return Status::InvalidArgument("binary records: " + std::to_string(count) + " records of " +
                                   std::to_string(dims) + " floats need more than the " +
                                   std::to_string(room) + " bytes after the header");
  }
  std::vector<VectorRecord> records(count);
  const char* values = body.data() + kHeaderBytes;
  for (size_t i = 0; i < count; ++i) {
    records[i].values.resize(dims);
    std::memcpy(records[i].values.data(), values + i * row_bytes, row_bytes);
  }
  Sections s(body, kHeaderBytes + size_t{count} * row_bytes);
  for (size_t i = 0; i < count; ++i) SEMBLE_RETURN_IF_ERROR(s.Next("id", i, &records[i].id));
  if (flags & kFlagNamespaces) {
    for (size_t i = 0; i < count; ++i)
      SEMBLE_RETURN_IF_ERROR(s.Next("namespace", i, &records[i].ns));
  }
  if (flags & kFlagMetadata) {
    for (size_t i = 0; i < count; ++i) {
      SEMBLE_RETURN_IF_ERROR(s.Next("metadata", i, &records[i].metadata_json));
    }
  }
  if (s.pos() != body.size()) {
    return Status::InvalidArgument("binary records: " + std::to_string(body.size() - s.pos()) +
                                   " bytes after the last section (at byte " +
                                   std::to_string(s.pos()) + ")");
  }
  return records;
}

Result<std::string> RecordsBinary(std::span<const VectorRecord> records) {
  if (records.empty()) return Status::InvalidArgument("binary records: no records");
  const size_t dims = records[0].values.size();
  if (dims == 0 || dims > UINT32_MAX || records.size() > UINT32_MAX) {
    return Status::InvalidArgument("binary records: values must be 1 to 2^32 - 1 floats");
  }
  bool namespaces = false, metadata = false;
  size_t bytes = kHeaderBytes + records.size() * (dims * sizeof(float) + 12);
  for (size_t i = 0; i < records.size(); ++i) {
    const VectorRecord& r = records[i];
    if (r.values.size() != dims) {
      return Status::InvalidArgument("binary records: record " + std::to_string(i) + " has " +
                                     std::to_string(r.values.size()) + " values, record 0 has " +
                                     std::to_string(dims));
    }
    if (!r.text.empty() || !r.fields_json.empty() || r.expires_at_ms != 0 ||
        r.ttl_seconds.has_value()) {
      return Status::InvalidArgument("binary records: record " + std::to_string(i) +
                                     " has text, fields or an expiry, which only NDJSON carries");
    }
    if (r.id.size() > UINT32_MAX || r.ns.size() > UINT32_MAX ||
        r.metadata_json.size() > UINT32_MAX) {
      return Status::InvalidArgument("binary records: a string of 4 GiB or more");
    }
    namespaces |= !r.ns.empty();
    metadata |= !r.metadata_json.empty();
    bytes += r.id.size() + r.ns.size() + r.metadata_json.size();
  }
  std::string out;
  out.reserve(bytes);
  out.append(kMagic);
  Append32(&out, kVersion);
  Append32(&out, static_cast<uint32_t>(dims));
  Append32(&out, static_cast<uint32_t>(records.size()));
  Append32(&out, (namespaces ? kFlagNamespaces : 0) | (metadata ? kFlagMetadata : 0));
  Append32(&out, 0);
  for (const VectorRecord& r : records) {
    out.append(reinterpret_cast<const char*>(r.values.data()), dims * sizeof(float));
  }
  auto section = [&](auto field) {
    for (const VectorRecord& r : records) {
      const std::string& v = r.*field;
      Append32(&out, static_cast<uint32_t>(v.size()));
      out.append(v);
    }
  };
  section(&VectorRecord::id);
  if (namespaces) section(&VectorRecord::ns);
  if (metadata) section(&VectorRecord::metadata_json);
  return out;
}

}  // namespace semble::wire
