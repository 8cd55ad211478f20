// Copyright 2026 The semble Authors.

#include "embed/protobuf_reader.h"

#include <cstring>
#include <string>

namespace semble::embed {

Status ProtoReader::ReadVarint(std::string_view data, size_t* pos, uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= data.size()) return Status::Corruption("protobuf: truncated varint");
    const uint8_t byte = static_cast<uint8_t>(data[(*pos)++]);
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return Status::OK();
    }
  }
  return Status::Corruption("protobuf: varint longer than 10 bytes");
}

Status ProtoReader::Next(ProtoField* field) {
  uint64_t key = 0;
  SEMBLE_RETURN_IF_ERROR(ReadVarint(data_, &pos_, &key));
  field->number = static_cast<uint32_t>(key >> 3);
  if (field->number == 0) return Status::Corruption("protobuf: field number 0");
  const uint32_t type = static_cast<uint32_t>(key & 7);
  switch (type) {
    case 0:
      field->type = WireType::kVarint;
      return ReadVarint(data_, &pos_, &field->varint);
    case 1:
    case 5: {
      const size_t width = type == 1 ? 8 : 4;
      if (data_.size() - pos_ < width) return Status::Corruption("protobuf: truncated fixed field");
      uint64_t v = 0;
      std::memcpy(&v, data_.data() + pos_, width);  // little-endian host (x86-64, arm64)
      pos_ += width;
      field->type = type == 1 ? WireType::kFixed64 : WireType::kFixed32;
      field->varint = v;
      return Status::OK();
    }
    case 2: {
      uint64_t len = 0;
      SEMBLE_RETURN_IF_ERROR(ReadVarint(data_, &pos_, &len));
      if (len > data_.size() - pos_) {
        return Status::Corruption("protobuf: field " + std::to_string(field->number) +
                                  " runs past the end of its message");
      }
      field->type = WireType::kLengthDelimited;
      field->bytes = data_.substr(pos_, len);
      pos_ += len;
      return Status::OK();
    }
    default:
      return Status::Corruption("protobuf: unsupported wire type " + std::to_string(type));
  }
}

}  // namespace semble::embed
