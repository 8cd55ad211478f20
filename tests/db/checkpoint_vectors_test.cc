// Copyright 2026 The semble Authors.
//
// A checkpoint copies each record's vector from VectorIndex::Get, whose answer stays valid until
// the next write but need not be the same pointer from one call to the next: a graph index answers
// from its write buffer until the background builder links the vector (the builder runs during a
// checkpoint, paused only while the graph is serialized), and from the graph after. A copy made as
// assign(Get(slot), Get(slot) + dims) spanned both pointers when the vector moved between the two
// calls: HybridTest.KeywordResultsMatchABruteForceBm25ThroughEveryWritePath aborted that way, at a
// checkpoint on close, with "cannot create std::vector larger than max_size()" (the end, evaluated
// first, in the heap-allocated buffer; the start in the mmapped graph above it), and a start below
// the end would have written a record of the wrong length, or crashed.

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <random>

#include "db/collection.h"
#include "db/db_test_util.h"
#include "util/test_util.h"

namespace semble {
namespace {

constexpr uint32_t kDims = 4;

// A VectorIndex whose Get alternates between two copies of the stored values (side by side in
// one array, so that a range mixing them stays inside it): what a graph index's Get does when its
// builder moves the vector out of the buffer between two calls, made deterministic.
class MovingGetIndex final : public index::VectorIndex {
 public:
  explicit MovingGetIndex(std::unique_ptr<index::VectorIndex> inner) : inner_(std::move(inner)) {}

  std::string TypeString() const override { return inner_->TypeString(); }
  Status Set(uint32_t slot, const float* values) override { return inner_->Set(slot, values); }
  Status SetBatch(std::span<const uint32_t> slots, const float* values) override {
    return inner_->SetBatch(slots, values);
  }
  void Clear(uint32_t slot) override { inner_->Clear(slot); }
  size_t size() const override { return inner_->size(); }
  const float* Get(uint32_t slot) const override {
    const float* v = inner_->Get(slot);
    if (v == nullptr) return nullptr;
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<float>& two = copies_[slot];
    two.resize(2 * kDims);  // once: earlier answers stay valid
    std::copy(v, v + kDims, two.begin());
    std::copy(v, v + kDims, two.begin() + kDims);
    return two.data() + (calls_++ % 2) * kDims;
  }
  std::vector<index::Hit> Search(const float* query, size_t k,
                                 const index::SearchParams& params) const override {
    return inner_->Search(query, k, params);
  }
  std::vector<index::Hit> SearchSlots(const float* query, size_t k,
                                      std::span<const uint32_t> slots) const override {
    return inner_->SearchSlots(query, k, slots);
  }
  std::vector<index::Hit> SearchFiltered(
      const float* query, size_t k, const index::SearchParams& params,
      const std::function<bool(uint32_t)>& allow) const override {
    return inner_->SearchFiltered(query, k, params, allow);
  }
  bool PreferExactForFilter(size_t matching, size_t candidates, size_t k,
                            const index::SearchParams& params) const override {
    return inner_->PreferExactForFilter(matching, candidates, k, params);
  }
  double MemoryBytesPerVector() const override { return inner_->MemoryBytesPerVector(); }
  std::string Serialize() const override { return inner_->Serialize(); }
  Status Load(std::string_view blob) override { return inner_->Load(blob); }

 private:
  std::unique_ptr<index::VectorIndex> inner_;
  mutable std::mutex mu_;
  mutable std::map<uint32_t, std::vector<float>> copies_;
  mutable uint64_t calls_ = 0;
};

TEST(CheckpointVectorsTest, EachVectorIsCopiedFromOneGet) {
  test::TempDir dir;
  db::Manifest manifest;
  manifest.description.name = "moving";
  manifest.description.config.dimensions = kDims;
  manifest.description.config.metric = Metric::kEuclidean;
  manifest.description.config.index_type = "flat";
  manifest.incarnation = 7;
  ASSERT_TRUE(db::Collection::InitializeFiles(Env::Default(), dir.path(), manifest).ok());

  db::CollectionOptions options;
  options.env = Env::Default();
  options.new_vector_index =
      [](const index::IndexSpec& spec,
         uint32_t exact_below) -> Result<std::unique_ptr<index::VectorIndex>> {
    SEMBLE_ASSIGN_OR_RETURN(auto inner, index::NewVectorIndex(spec, exact_below));
    return std::unique_ptr<index::VectorIndex>(new MovingGetIndex(std::move(inner)));
  };
  std::vector<std::string> log;
  auto opened = db::Collection::Open(options, dir.path(), &log);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::shared_ptr<db::Collection> c = *opened;

  std::mt19937 rng(5);
  std::vector<VectorRecord> records;
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    records.push_back(test::MakeRecord("r" + std::to_string(i), test::RandomVector(rng, kDims)));
    ids.push_back(records.back().id);
  }
  ASSERT_TRUE(c->Upsert(records).ok());
  ASSERT_TRUE(c->Checkpoint().ok());
  ASSERT_TRUE(c->Close(false, Status::FailedPrecondition("closed")).ok());
  c.reset();

  // Reopened from the segment alone (the checkpoint covers every write), with a plain index.
  options.new_vector_index = nullptr;
  opened = db::Collection::Open(options, dir.path(), &log);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  c = *opened;
  auto got = c->GetByIds(ids);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), records.size());
  std::map<std::string, std::vector<float>> by_id;
  for (const VectorRecord& r : *got) by_id[r.id] = r.values;
  for (const VectorRecord& r : records) EXPECT_EQ(by_id[r.id], r.values) << r.id;
  (void)c->Close(false, Status::FailedPrecondition("closed"));
}

}  // namespace
}  // namespace semble
