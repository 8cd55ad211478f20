// Copyright 2026 The semble Authors.

#include "embed/onnx_loader.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "embed/protobuf_reader.h"

namespace semble::embed {
namespace {

// onnx.proto field numbers and TensorProto.DataType values used here.
constexpr uint32_t kModelGraph = 7;
constexpr uint32_t kGraphNode = 1, kGraphInitializer = 5;
constexpr uint32_t kNodeInput = 1, kNodeOpType = 4, kNodeAttribute = 5, kNodeDomain = 7;
constexpr uint32_t kAttrName = 1, kAttrInt = 3;
constexpr uint32_t kTensorDims = 1, kTensorDataType = 2, kTensorFloatData = 4, kTensorName = 8,
                   kTensorRawData = 9, kTensorExternalData = 13, kTensorDataLocation = 14;
constexpr uint32_t kEntryKey = 1, kEntryValue = 2;
enum DataType : int {
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kInt64 = 7,
  kFloat16 = 10,
  kBFloat16 = 16
};

struct Initializer {
  std::string name;
  std::vector<int64_t> dims;
  int data_type = 0;
  std::string_view raw;           // inline raw_data
  std::vector<float> float_data;  // inline float_data
  bool external = false;
  std::string location;
  uint64_t offset = 0;
  int64_t length = -1;
};

struct Node {
  std::string op_type, domain;
  std::vector<std::string> inputs;
  std::map<std::string, int64_t> int_attrs;
};

Status ParseEntry(std::string_view msg, std::string* key, std::string* value) {
  ProtoReader r(msg);
  ProtoField f;
  while (!r.done()) {
    SEMBLE_RETURN_IF_ERROR(r.Next(&f));
    if (f.type != WireType::kLengthDelimited) continue;
    if (f.number == kEntryKey) *key = std::string(f.bytes);
    if (f.number == kEntryValue) *value = std::string(f.bytes);
  }
  return Status::OK();
}

Status ParseTensor(std::string_view msg, Initializer* t) {
  ProtoReader r(msg);
  ProtoField f;
  while (!r.done()) {
    SEMBLE_RETURN_IF_ERROR(r.Next(&f));
    if (f.number == kTensorDims) {
      if (f.type == WireType::kVarint) {
        t->dims.push_back(static_cast<int64_t>(f.varint));
      } else if (f.type == WireType::kLengthDelimited) {  // packed
        size_t pos = 0;
        while (pos < f.bytes.size()) {
          uint64_t v = 0;
          SEMBLE_RETURN_IF_ERROR(ProtoReader::ReadVarint(f.bytes, &pos, &v));
          t->dims.push_back(static_cast<int64_t>(v));
        }
      }
    } else if (f.number == kTensorDataType && f.type == WireType::kVarint) {
      t->data_type = static_cast<int>(f.varint);
    } else if (f.number == kTensorName && f.type == WireType::kLengthDelimited) {
      t->name = std::string(f.bytes);
    } else if (f.number == kTensorRawData && f.type == WireType::kLengthDelimited) {
      t->raw = f.bytes;
    } else if (f.number == kTensorFloatData) {
      if (f.type == WireType::kLengthDelimited) {
        if (f.bytes.size() % 4 != 0) return Status::Corruption("float_data is not a multiple of 4");
        const size_t n = f.bytes.size() / 4;
        const size_t old = t->float_data.size();
        t->float_data.resize(old + n);
        // An empty packed field is legal protobuf; then data() may be null, and even a zero-byte
        // memcpy to null is undefined.
        if (n != 0) std::memcpy(t->float_data.data() + old, f.bytes.data(), n * 4);
      } else if (f.type == WireType::kFixed32) {
        const uint32_t bits = static_cast<uint32_t>(f.varint);
        float v;
        std::memcpy(&v, &bits, 4);
        t->float_data.push_back(v);
      }
    } else if (f.number == kTensorExternalData && f.type == WireType::kLengthDelimited) {
      std::string key, value;
      SEMBLE_RETURN_IF_ERROR(ParseEntry(f.bytes, &key, &value));
      char* end = nullptr;
      if (key == "location") t->location = value;
      if (key == "offset") t->offset = std::strtoull(value.c_str(), &end, 10);
      if (key == "length") t->length = static_cast<int64_t>(std::strtoull(value.c_str(), &end, 10));
    } else if (f.number == kTensorDataLocation && f.type == WireType::kVarint) {
      t->external = f.varint == 1;
    }
  }
  for (int64_t d : t->dims) {
    if (d < 0 || d > (int64_t{1} << 40)) {
      return Status::Corruption("tensor \"" + t->name + "\" has an invalid dimension");
    }
  }
  return Status::OK();
}

Status ParseNode(std::string_view msg, Node* node) {
  ProtoReader r(msg);
  ProtoField f;
  while (!r.done()) {
    SEMBLE_RETURN_IF_ERROR(r.Next(&f));
    if (f.type != WireType::kLengthDelimited) continue;
    if (f.number == kNodeInput) node->inputs.emplace_back(f.bytes);
    if (f.number == kNodeOpType) node->op_type = std::string(f.bytes);
    if (f.number == kNodeDomain) node->domain = std::string(f.bytes);
    if (f.number == kNodeAttribute) {
      ProtoReader a(f.bytes);
      ProtoField af;
      std::string name;
      bool has_int = false;
      int64_t value = 0;
      while (!a.done()) {
        SEMBLE_RETURN_IF_ERROR(a.Next(&af));
        if (af.number == kAttrName && af.type == WireType::kLengthDelimited) name = af.bytes;
        if (af.number == kAttrInt && af.type == WireType::kVarint) {
          has_int = true;
          value = static_cast<int64_t>(af.varint);
        }
      }
      if (has_int) node->int_attrs[name] = value;
    }
  }
  return Status::OK();
}

size_t ElementSize(int data_type) {
  switch (data_type) {
    case kFloat:
      return 4;
    case kUint8:
    case kInt8:
      return 1;
    case kInt64:
      return 8;
    case kFloat16:
    case kBFloat16:
      return 2;
    default:
      return 0;
  }
}

class Loader {
 public:
  Loader(Env* env, std::string onnx_path) : env_(env), onnx_path_(std::move(onnx_path)) {
    const size_t slash = onnx_path_.rfind('/');
    dir_ = slash == std::string::npos ? "." : onnx_path_.substr(0, slash);
  }

  Result<OnnxWeights> Load() {
    auto file = ReadFileToString(env_, onnx_path_);
    if (!file.ok()) return file.status().WithContext(onnx_path_);
    model_ = std::move(*file);
    Status s = Parse();
    if (!s.ok()) return s.WithContext(onnx_path_);
    OnnxWeights out;
    SEMBLE_ASSIGN_OR_RETURN(out.tensors, Convert());
    for (const Node& node : nodes_) {
      if (node.op_type != "MatMulNBits") continue;
      auto level = node.int_attrs.find("accuracy_level");
      auto block = node.int_attrs.find("block_size");
      out.accuracy_level = std::max<int>(
          out.accuracy_level, level == node.int_attrs.end() ? 0 : static_cast<int>(level->second));
      if (block != node.int_attrs.end()) out.block_size = static_cast<int>(block->second);
    }
    return out;
  }

 private:
  Status Parse() {
    ProtoReader r(model_);
    ProtoField f;
    std::string_view graph;
    while (!r.done()) {
      SEMBLE_RETURN_IF_ERROR(r.Next(&f));
      if (f.number == kModelGraph && f.type == WireType::kLengthDelimited) graph = f.bytes;
    }
    if (graph.empty()) return Status::Corruption("not an ONNX model (no graph)");
    ProtoReader g(graph);
    while (!g.done()) {
      SEMBLE_RETURN_IF_ERROR(g.Next(&f));
      if (f.type != WireType::kLengthDelimited) continue;
      if (f.number == kGraphInitializer) {
        Initializer t;
        SEMBLE_RETURN_IF_ERROR(ParseTensor(f.bytes, &t));
        inits_[t.name] = std::move(t);
      } else if (f.number == kGraphNode) {
        Node n;
        SEMBLE_RETURN_IF_ERROR(ParseNode(f.bytes, &n));
        nodes_.push_back(std::move(n));
      }
    }
    return Status::OK();
  }

  // The bytes of an initializer, checked against its shape and type.
  Result<std::string_view> Bytes(const Initializer& t) {
    const size_t elem = ElementSize(t.data_type);
    if (elem == 0) {
      return Status::Corruption("tensor \"" + t.name + "\": unsupported data type " +
                                std::to_string(t.data_type));
    }
    uint64_t count = 1;
    for (int64_t d : t.dims) {
      if (d != 0 && count > (uint64_t{1} << 40) / static_cast<uint64_t>(d)) {
        return Status::Corruption("tensor \"" + t.name + "\" is too large");
      }
      count *= static_cast<uint64_t>(d);
    }
    const uint64_t want = count * elem;
    std::string_view bytes;
    if (t.external) {
      if (t.location.empty() || t.location.find("..") != std::string::npos ||
          t.location.front() == '/') {
        return Status::Corruption("tensor \"" + t.name + "\": bad external data location");
      }
      const std::string path = dir_ + "/" + t.location;
      auto it = external_.find(path);
      if (it == external_.end()) {
        auto data = ReadFileToString(env_, path);
        if (!data.ok()) return data.status().WithContext("external data of \"" + t.name + "\"");
        it = external_.emplace(path, std::move(*data)).first;
      }
      const std::string& data = it->second;
      const uint64_t length = t.length < 0 ? want : static_cast<uint64_t>(t.length);
      if (t.offset > data.size() || length > data.size() - t.offset) {
        return Status::Corruption(path + ": truncated (tensor \"" + t.name + "\" needs bytes " +
                                  std::to_string(t.offset) + ".." +
                                  std::to_string(t.offset + length) + ", the file has " +
                                  std::to_string(data.size()) + ")");
      }
      bytes = std::string_view(data).substr(t.offset, length);
    } else if (!t.float_data.empty()) {
      bytes = std::string_view(reinterpret_cast<const char*>(t.float_data.data()),
                               t.float_data.size() * 4);
    } else {
      bytes = t.raw;
    }
    if (bytes.size() != want) {
      return Status::Corruption("tensor \"" + t.name + "\" has " + std::to_string(bytes.size()) +
                                " bytes, its shape needs " + std::to_string(want));
    }
    return bytes;
  }

  Result<Tensor> ToFloat(const Initializer& t) {
    SEMBLE_ASSIGN_OR_RETURN(std::string_view bytes, Bytes(t));
    Tensor out;
    out.dims = t.dims;
    const size_t n = bytes.size() / ElementSize(t.data_type);
    out.data.resize(n);
    if (t.data_type == kFloat) {
      if (n != 0) std::memcpy(out.data.data(), bytes.data(), bytes.size());  // see ParseTensor
    } else if (t.data_type == kFloat16 || t.data_type == kBFloat16) {
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, bytes.data() + 2 * i, 2);
        out.data[i] = t.data_type == kFloat16 ? HalfToFloat(h) : BFloat16ToFloat(h);
      }
    } else {
      return Status::Corruption("tensor \"" + t.name + "\" is not a floating-point tensor");
    }
    return out;
  }

  const Initializer* Find(const std::string& name) {
    auto it = inits_.find(name);
    return it == inits_.end() ? nullptr : &it->second;
  }

  Result<Tensor> DequantizeNBits(const Node& node) {
    const std::string& bname = node.inputs[1];
    auto attr = [&](const char* key) -> int64_t {
      auto it = node.int_attrs.find(key);
      return it == node.int_attrs.end() ? -1 : it->second;
    };
    const int64_t K = attr("K"), N = attr("N"), bits = attr("bits"), block = attr("block_size");
    // Each bounded, so that blocks * blob and N * blocks * blob below cannot overflow (a block_size
    // near 2^63 made K + block - 1 overflow, undefined behaviour).
    if (K <= 0 || N <= 0 || block <= 0 || K > (1 << 20) || N > (1 << 20) || block > (1 << 20)) {
      return Status::Corruption("MatMulNBits \"" + bname + "\": bad K/N/block_size attributes");
    }
    if (bits != 4) return Status::InvalidArgument("MatMulNBits \"" + bname + "\": bits != 4");
    if (block % 2 != 0) return Status::Corruption("MatMulNBits \"" + bname + "\": odd block_size");
    const Initializer* b = Find(bname);
    const Initializer* sc = node.inputs.size() > 2 ? Find(node.inputs[2]) : nullptr;
    if (b == nullptr || sc == nullptr) {
      return Status::Corruption("MatMulNBits \"" + bname + "\": weights or scales missing");
    }
    const Initializer* zp =
        node.inputs.size() > 3 && !node.inputs[3].empty() ? Find(node.inputs[3]) : nullptr;
    const int64_t blocks = (K + block - 1) / block, blob = block / 2;
    SEMBLE_ASSIGN_OR_RETURN(std::string_view q, Bytes(*b));
    SEMBLE_ASSIGN_OR_RETURN(Tensor scales, ToFloat(*sc));
    if (static_cast<int64_t>(q.size()) != N * blocks * blob ||
        static_cast<int64_t>(scales.data.size()) != N * blocks) {
      return Status::Corruption("MatMulNBits \"" + bname + "\": sizes do not match K=" +
                                std::to_string(K) + " N=" + std::to_string(N));
    }
    std::string_view zero_points;
    const int64_t zp_row = (blocks + 1) / 2;
    if (zp != nullptr) {
      if (zp->data_type != kUint8) {
        return Status::InvalidArgument("MatMulNBits \"" + bname + "\": non-uint8 zero points");
      }
      SEMBLE_ASSIGN_OR_RETURN(zero_points, Bytes(*zp));
      if (static_cast<int64_t>(zero_points.size()) != N * zp_row) {
        return Status::Corruption("MatMulNBits \"" + bname + "\": zero points size");
      }
    }
    Tensor w;
    w.dims = {N, K};
    w.data.resize(static_cast<size_t>(N * K));
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t bi = 0; bi < blocks; ++bi) {
        const float scale = scales.data[n * blocks + bi];
        int zero = 8;
        if (!zero_points.empty()) {
          const uint8_t z = static_cast<uint8_t>(zero_points[n * zp_row + bi / 2]);
          zero = (bi & 1) ? z >> 4 : z & 0xF;
        }
        const uint8_t* src = reinterpret_cast<const uint8_t*>(q.data()) + (n * blocks + bi) * blob;
        for (int64_t j = 0; j < blob; ++j) {
          const int64_t k = bi * block + 2 * j;
          if (k < K) w.data[n * K + k] = static_cast<float>((src[j] & 0xF) - zero) * scale;
          if (k + 1 < K) w.data[n * K + k + 1] = static_cast<float>((src[j] >> 4) - zero) * scale;
        }
      }
    }
    return w;
  }

  Result<TensorMap> Convert() {
    TensorMap out;
    std::set<std::string> consumed;
    for (const Node& node : nodes_) {
      if (node.op_type == "MatMulNBits" && node.inputs.size() >= 3 && Find(node.inputs[1])) {
        auto w = DequantizeNBits(node);
        if (!w.ok()) return w.status().WithContext(onnx_path_);
        std::string name = node.inputs[1];
        if (name.size() > 3 && name.ends_with("_Q4")) name.resize(name.size() - 3);
        out[name] = std::move(*w);
        for (size_t i = 1; i < node.inputs.size(); ++i) consumed.insert(node.inputs[i]);
      } else if (node.op_type == "MatMul" && node.inputs.size() == 2 && Find(node.inputs[1])) {
        const Initializer* b = Find(node.inputs[1]);
        if (b->dims.size() != 2 || consumed.count(b->name)) continue;
        auto t = ToFloat(*b);
        if (!t.ok()) return t.status().WithContext(onnx_path_);
        const int64_t K = b->dims[0], N = b->dims[1];
        Tensor w;
        w.dims = {N, K};
        w.data.resize(t->data.size());
        for (int64_t k = 0; k < K; ++k) {
          for (int64_t n = 0; n < N; ++n) w.data[n * K + k] = t->data[k * N + n];
        }
        out[b->name] = std::move(w);
        consumed.insert(b->name);
      }
    }
    for (const auto& [name, init] : inits_) {
      if (consumed.count(name)) continue;
      if (init.data_type != kFloat && init.data_type != kFloat16 && init.data_type != kBFloat16) {
        continue;  // shape constants and the like: the encoder does not need them
      }
      auto t = ToFloat(init);
      if (!t.ok()) return t.status().WithContext(onnx_path_);
      out[name] = std::move(*t);
    }
    return out;
  }

  Env* env_;
  std::string onnx_path_, dir_, model_;
  std::map<std::string, Initializer> inits_;
  std::vector<Node> nodes_;
  std::map<std::string, std::string> external_;
};

}  // namespace

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalize
      exp = 127 - 15 + 1;
      while ((mant & 0x400) == 0) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3FF) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000 | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

Result<OnnxWeights> LoadOnnxWeights(Env* env, const std::string& onnx_path) {
  return Loader(env, onnx_path).Load();
}

}  // namespace semble::embed
