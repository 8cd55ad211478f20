// Copyright 2026 The semble Authors.
//
// A bounds-checked reader of the protocol buffers wire format: just enough to walk the few ONNX
// messages semble needs (see onnx_loader.cc). Every read checks the remaining length, so a
// truncated or hostile file yields a Corruption status instead of reading past the buffer.

#ifndef SEMBLE_SRC_EMBED_PROTOBUF_READER_H_
#define SEMBLE_SRC_EMBED_PROTOBUF_READER_H_

#include <cstdint>
#include <string_view>

#include "semble/status.h"

namespace semble::embed {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

struct ProtoField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t varint = 0;     // kVarint, kFixed64, kFixed32
  std::string_view bytes;  // kLengthDelimited
};

class ProtoReader {
 public:
  explicit ProtoReader(std::string_view data) : data_(data) {}

  bool done() const { return pos_ >= data_.size(); }
  // Reads the next field. Groups (wire types 3, 4) are not used by ONNX and are rejected.
  Status Next(ProtoField* field);

  // Decodes a packed repeated varint field (or appends the single value of an unpacked one).
  static Status ReadVarint(std::string_view data, size_t* pos, uint64_t* value);

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_PROTOBUF_READER_H_
