// Copyright 2026 The semble Authors.
//
// The two kinds of VectorIndex: exact (FlatIndex) and approximate (HnswIndex).

#include "index/vector_index.h"

#include <algorithm>
#include <cstring>

#include "index/hnsw_index.h"
#include "index/hnsw_vector_index.h"

namespace semble::index {
namespace {

class FlatVectorIndex final : public VectorIndex {
 public:
  FlatVectorIndex(uint32_t dims, Metric metric) : flat_(dims, metric) {}

  std::string TypeString() const override { return "flat"; }
  Status Set(uint32_t slot, const float* values) override {
    flat_.Set(slot, values);
    slot_limit_ = std::max(slot_limit_, slot + 1);
    return Status::OK();
  }
  Status SetBatch(std::span<const uint32_t> slots, const float* values) override {
    for (size_t i = 0; i < slots.size(); ++i) {
      SEMBLE_RETURN_IF_ERROR(Set(slots[i], values + i * flat_.dimensions()));
    }
    return Status::OK();
  }
  void Clear(uint32_t slot) override { flat_.Clear(slot); }
  void Reserve(uint32_t slots) override { flat_.Reserve(slots); }
  Status AdoptRows(core::HugeArray<float>&& rows, std::span<const uint8_t> live) override {
    if (rows.size() != live.size() * flat_.dimensions()) {
      return Status::Internal("rows handed to a flat index do not match their count");
    }
    flat_.Adopt(std::move(rows), live);
    slot_limit_ = static_cast<uint32_t>(live.size());
    return Status::OK();
  }
  bool SameRows(const core::HugeArray<float>& rows, size_t count) const override {
    return flat_.SameRows(rows, count);
  }
  void SwapRows(core::HugeArray<float>&& rows, size_t count) override {
    flat_.SwapRows(std::move(rows), count);
  }
  void ObserveRows(const float* rows, size_t first, size_t n) override {
    flat_.PrepareNorms(rows, first, n);
  }
  size_t size() const override { return flat_.live_count(); }
  bool Holds(uint32_t slot) const override { return flat_.IsLive(slot); }
  bool Read(uint32_t slot, float* out) const override {
    if (!flat_.IsLive(slot)) return false;
    std::memcpy(out, flat_.Get(slot), flat_.dimensions() * sizeof(float));
    return true;
  }
  std::vector<Hit> Search(const float* query, size_t k, const SearchParams&) const override {
    return flat_.Search(query, k);
  }
  std::vector<Hit> SearchSlots(const float* query, size_t k,
                               std::span<const uint32_t> slots) const override {
    return flat_.SearchSlots(query, k, slots);
  }
  std::vector<Hit> SearchFiltered(const float* query, size_t k, const SearchParams&,
                                  const std::function<bool(uint32_t)>& allow,
                                  double /*pass_rate*/) const override {
    std::vector<uint32_t> slots;
    for (uint32_t s = 0; s < slot_limit_; ++s) {
      if (flat_.IsLive(s) && allow(s)) slots.push_back(s);
    }
    return flat_.SearchSlots(query, k, slots);
  }
  // Exact search scans every vector anyway; scoring only the matches is never worse.
  bool PreferExactForFilter(size_t, size_t, size_t, const SearchParams&) const override {
    return true;
  }
  double MemoryBytesPerVector() const override {
    return flat_.live_count() == 0 ? 0.0
                                   : double(flat_.MemoryBytes()) / double(flat_.live_count());
  }
  std::string Serialize() const override { return ""; }
  Status Load(std::string_view blob) override {
    if (!blob.empty()) return Status::Corruption("a flat index has no serialized form");
    return Status::OK();
  }

 private:
  FlatIndex flat_;
  uint32_t slot_limit_ = 0;  // one past the highest slot ever set
};

}  // namespace

Status VectorIndex::AdoptRows(core::HugeArray<float>&& rows, std::span<const uint8_t> live) {
  const size_t count = live.size();
  if (count == 0) return Status::OK();
  const size_t dims = rows.size() / count;
  if (dims == 0 || rows.size() % count != 0) {
    return Status::Internal("rows handed to an index do not match their count");
  }
  Reserve(static_cast<uint32_t>(count));
  for (size_t slot = 0; slot < count; ++slot) {
    if (live[slot]) SEMBLE_RETURN_IF_ERROR(Set(static_cast<uint32_t>(slot), &rows[slot * dims]));
  }
  return Status::OK();
}

Status VectorIndex::LoadPieces(uint64_t bytes,
                               const std::function<Result<std::string_view>()>& next,
                               const core::BlobMapper& /*map*/) {
  std::string blob;
  while (blob.size() < bytes) {
    SEMBLE_ASSIGN_OR_RETURN(std::string_view piece, next());
    if (piece.empty() || piece.size() > bytes - blob.size()) {
      return Status::Corruption("the blob's pieces do not add up to its size");
    }
    if (blob.empty()) blob.reserve(static_cast<size_t>(bytes));
    blob.append(piece);
  }
  return Load(blob);
}

Result<std::unique_ptr<VectorIndex>> NewVectorIndex(const IndexSpec& spec, uint32_t exact_below) {
  switch (spec.kind) {
    case IndexSpec::Kind::kFlat:
      return std::unique_ptr<VectorIndex>(
          new FlatVectorIndex(spec.hnsw.dimensions, spec.hnsw.metric));
    case IndexSpec::Kind::kHnsw: {
      SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<HnswIndex> hnsw, HnswIndex::Create(spec.hnsw));
      return NewHnswVectorIndex(spec, std::move(hnsw), exact_below);
    }
  }
  return Status::Internal("unknown index kind");
}

}  // namespace semble::index
