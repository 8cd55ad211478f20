// Copyright 2026 The semble Authors.

#include "index/hnsw_vector_index.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/cpu_count.h"
#include "core/thread_name.h"

#ifdef __GLIBC__
#include <malloc.h>  // malloc_trim
#endif

namespace semble::index {
namespace {

std::atomic<bool> keep_graph_mapped_for_bench{false};

// Vectors linked per batch: small enough that a write touching a slot in flight waits little,
// large enough to amortize the locking and the batch's worker threads.
constexpr size_t kBuildBatch = 512;

// Vectors linked since the builder last handed freed heap memory back to the system, in bytes of
// floats: a bulk load's worth. Trimming walks every arena, so not after every small write.
constexpr size_t kTrimAfterBytes = size_t{64} << 20;

// The builder's linking threads allocate and free search scratch in their own malloc arenas,
// which glibc keeps for reuse and does not shrink by itself: after a bulk load that was ~10% of
// the process (Fashion-MNIST, bench/RESULTS.md "Memory after a bulk load").
void GiveFreedMemoryBack() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

class HnswVectorIndex final : public VectorIndex {
 public:
  HnswVectorIndex(IndexSpec spec, std::unique_ptr<HnswIndex> hnsw, uint32_t exact_below)
      : spec_(std::move(spec)),
        hnsw_(std::move(hnsw)),
        exact_below_(exact_below),
        buffer_(std::make_unique<FlatIndex>(spec_.hnsw.dimensions, spec_.hnsw.metric)) {}

  ~HnswVectorIndex() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (builder_.joinable()) builder_.join();
  }

  std::string TypeString() const override { return IndexSpecString(spec_); }

  // Set, SetBatch, Clear and Load run with the database's state lock held exclusively: no query
  // runs meanwhile, only the builder thread.
  Status Set(uint32_t slot, const float* values) override { return SetBatch({&slot, 1}, values); }

  Status SetBatch(std::span<const uint32_t> slots, const float* values) override {
    const uint32_t dims = spec_.hnsw.dimensions;
    for (size_t i = 0; i < slots.size(); ++i) {
      SEMBLE_RETURN_IF_ERROR(HnswIndex::CheckVector(hnsw_->options(), values + i * dims));
    }
    std::unique_lock lock(mu_);
    // One wait for the whole batch: waiting slot by slot would release the lock between slots,
    // and the builder could take a slot already checked.
    // Removing from the graph (a replaced vector) waits until the builder is between batches: a
    // graph removal, and the tombstone repair it can start, must not run while the builder links
    // new nodes (a stress test lost reachability of nodes that way). The builder cannot start a
    // batch while this holds mu_.
    // Asked on every wake-up: a slot in flight when this started is in the graph once its batch
    // ends, and the builder may have started the next batch by the time this runs again.
    cv_.wait(lock, [&] {
      const bool removes = std::any_of(slots.begin(), slots.end(),
                                       [&](uint32_t slot) { return hnsw_->Contains(slot); });
      if (removes) return in_flight_.empty();
      return std::none_of(slots.begin(), slots.end(),
                          [&](uint32_t slot) { return in_flight_.count(slot) != 0; });
    });
    if (slot_row_.empty()) {
      // Start the next buffer small: the old one may have grown large during a bulk load.
      buffer_ = std::make_unique<FlatIndex>(dims, spec_.hnsw.metric);
      row_slot_.clear();
      free_rows_.clear();
    }
    uint32_t max_slot = 0;
    for (size_t i = 0; i < slots.size(); ++i) {
      const uint32_t slot = slots[i];
      max_slot = std::max(max_slot, slot);
      // While paused (recovery), tombstones pile up and the builder repairs the graph once
      // afterwards, instead of once per max_tombstone_fraction of replayed replacements.
      if (hnsw_->Contains(slot)) hnsw_->Remove(slot, /*consolidate=*/pauses_ == 0);
      auto [it, fresh] = slot_row_.emplace(slot, 0);
      if (fresh) it->second = TakeRow(slot);
      buffer_->Set(it->second, values + i * dims);
      // Queued again even when already buffered: the builder takes a slot once, whatever number
      // of times it is queued.
      queue_.push_back(slot);
    }
    // The builder must never grow the graph's arrays: queries hold pointers into them (Get).
    hnsw_->Reserve(hnsw_->nodes_used() + slot_row_.size(), static_cast<size_t>(max_slot) + 1);
    if (!builder_.joinable()) builder_ = std::thread([this] { Build(); });
    const bool paused = pauses_ > 0;
    lock.unlock();
    // Only the builder waits for new work; while it is paused, waking it per write is waste.
    if (!paused) cv_.notify_all();
    return Status::OK();
  }

  void Clear(uint32_t slot) override {
    std::unique_lock lock(mu_);
    // A graph removal waits for the builder to be between batches (see SetBatch).
    cv_.wait(lock, [&] {
      return slot_row_.count(slot) != 0 ? in_flight_.count(slot) == 0 : in_flight_.empty();
    });
    if (auto it = slot_row_.find(slot); it != slot_row_.end()) {
      ReleaseRow(it->second);
      slot_row_.erase(it);
    } else {
      hnsw_->Remove(slot, /*consolidate=*/pauses_ == 0);
    }
  }

  size_t size() const override {
    std::shared_lock lock(mu_);
    // Exact. While a batch is in flight the builder adds its slots to the graph without mu_, so
    // the graph's count moves under this lock; but every slot of the batch is still buffered, and
    // nothing else changes the graph's count meanwhile (removals wait for the batch), so the
    // count taken when the batch started is the graph's share. (Counting the in-flight slots the
    // graph already holds raced with the adds: a slot added between that count and the graph's
    // size was counted twice.)
    const size_t graph = in_flight_.empty() ? hnsw_->size() : graph_size_at_batch_;
    return graph + slot_row_.size();
  }

  bool Holds(uint32_t slot) const override {
    std::shared_lock lock(mu_);
    return slot_row_.count(slot) != 0 || hnsw_->Contains(slot);
  }

  bool Read(uint32_t slot, float* out) const override {
    // Copied under mu_: the builder frees the buffer once it has linked everything in it, and
    // the graph's arrays move only under mu_ held exclusively (SetBatch's Reserve, Load).
    std::shared_lock lock(mu_);
    const float* v = nullptr;
    if (auto it = slot_row_.find(slot); it != slot_row_.end()) {
      v = buffer_->Get(it->second);
    } else {
      v = hnsw_->Get(slot);
    }
    if (v == nullptr) return false;
    std::memcpy(out, v, static_cast<size_t>(spec_.hnsw.dimensions) * sizeof(float));
    return true;
  }

  // Queries hold mu_ only while they scan the buffer, then search the graph without it: the
  // builder needs mu_ exclusively to finish each batch, and a steady stream of queries holding it
  // shared would starve it. Scanning the buffer first keeps every vector visible: one that leaves
  // the buffer after the scan is already in the graph before the graph search starts.
  std::vector<Hit> Search(const float* query, size_t k, const SearchParams& params) const override {
    std::vector<Hit> buffered;
    size_t size;
    {
      std::shared_lock lock(mu_);
      size = Size();
      if (!slot_row_.empty()) buffered = ToSlots(query, buffer_->Search(query, k));
    }
    std::vector<Hit> graph = size < exact_below_ ? hnsw_->SearchExact(query, k)
                                                 : hnsw_->Search(query, k, Ef(params, k));
    if (buffered.empty()) return graph;
    return Merge(std::move(graph), std::move(buffered), k);
  }

  std::vector<Hit> SearchSlots(const float* query, size_t k,
                               std::span<const uint32_t> slots) const override {
    std::vector<uint32_t> in_graph, in_buffer;
    std::vector<Hit> buffered;
    {
      std::shared_lock lock(mu_);
      // Nothing buffered (the common case once a load is linked): every slot is the graph's, and
      // a filter's exact plan hands over thousands of them; no lookup and no copy per slot.
      if (slot_row_.empty()) {
        lock.unlock();
        return hnsw_->SearchSlots(query, k, slots);
      }
      for (uint32_t s : slots) {
        auto it = slot_row_.find(s);
        if (it == slot_row_.end()) {
          in_graph.push_back(s);
        } else {
          in_buffer.push_back(it->second);
        }
      }
      if (!in_buffer.empty()) buffered = ToSlots(query, buffer_->SearchSlots(query, k, in_buffer));
    }
    std::vector<Hit> graph = hnsw_->SearchSlots(query, k, in_graph);
    if (buffered.empty()) return graph;
    return Merge(std::move(graph), std::move(buffered), k);
  }

  std::vector<Hit> SearchFiltered(const float* query, size_t k, const SearchParams& params,
                                  const std::function<bool(uint32_t)>& allow,
                                  double pass_rate) const override {
    std::vector<Hit> buffered;
    {
      std::shared_lock lock(mu_);
      std::vector<uint32_t> matching;  // rows
      for (const auto& [slot, row] : slot_row_) {
        if (allow(slot)) matching.push_back(row);
      }
      if (!matching.empty()) buffered = ToSlots(query, buffer_->SearchSlots(query, k, matching));
    }
    // A slot in flight may come back from both; Merge keeps it once.
    std::vector<Hit> graph = hnsw_->SearchFiltered(query, k, Ef(params, k), allow, pass_rate);
    if (buffered.empty()) return graph;
    return Merge(std::move(graph), std::move(buffered), k);
  }

  bool PreferExactForFilter(size_t matching, size_t candidates, size_t k,
                            const SearchParams& params) const override {
    {
      std::shared_lock lock(mu_);
      if (Size() < exact_below_) return true;
    }
    // The ef the walk would run with (a recall target's, from the calibration), since the walk's
    // cost grows with it.
    return hnsw_->PlanFilter(matching, candidates, k, Ef(params, k)) == FilterPlan::kExact;
  }

  void ObserveFilterPlan(bool exact, size_t matching, size_t candidates, size_t k,
                         const SearchParams& params, double micros) const override {
    {
      std::shared_lock lock(mu_);
      // Exact without asking the model; or a backlog, whose scan of the buffered vectors is in
      // the time of either plan and not in the model.
      if (Size() < exact_below_ || !slot_row_.empty()) return;
    }
    hnsw_->ObserveFilterPlan(exact ? FilterPlan::kExact : FilterPlan::kGraph, matching, candidates,
                             k, Ef(params, k), micros);
  }

  size_t Unindexed() const override {
    std::shared_lock lock(mu_);
    return slot_row_.size();
  }

  bool WaitForBacklogAtMost(uint64_t max_bytes) const override {
    const uint64_t row_bytes = uint64_t{spec_.hnsw.dimensions} * sizeof(float);
    std::shared_lock lock(mu_);
    // Nothing queued and nothing in flight: what is still buffered is there for good (a vector
    // the graph refused), and waiting for it would never end.
    auto done = [&] {
      return stop_ || slot_row_.size() * row_bytes <= max_bytes ||
             (queue_.empty() && in_flight_.empty());
    };
    if (done()) return false;
    cv_.wait(lock, done);  // the builder notifies after every batch
    return true;
  }

  void PauseBackgroundWork() override {
    std::lock_guard lock(mu_);
    ++pauses_;
  }
  void ResumeBackgroundWork() override {
    {
      std::lock_guard lock(mu_);
      --pauses_;
      if (pauses_ == 0 && hnsw_->NeedsConsolidation()) {
        consolidate_ = true;
        if (!builder_.joinable()) builder_ = std::thread([this] { Build(); });
      }
    }
    cv_.notify_all();
  }

  double MemoryBytesPerVector() const override {
    // The write buffer counts too: after a bulk load it holds every vector until the builder has
    // linked them all.
    std::shared_lock lock(mu_);
    const size_t live = hnsw_->size() + slot_row_.size();
    return static_cast<double>(hnsw_->MemoryStats().total_bytes + buffer_->MemoryBytes()) /
           static_cast<double>(std::max<size_t>(live, 1));
  }

  void RecallCalibration(std::vector<std::pair<uint32_t, float>>* steps,
                         size_t* real_queries) const override {
    std::shared_lock lock(mu_);
    hnsw_->RecallCalibration(steps, real_queries);
  }

  std::string Serialize() const override { return SerializeHolding(0, nullptr); }

  std::string SerializeHolding(
      size_t slots, std::vector<uint8_t>* in_blob,
      std::vector<std::pair<uint64_t, uint64_t>>* arrays = nullptr) const override {
    // Pause the builder so the graph does not change while it is written.
    std::unique_lock lock(mu_);
    ++pauses_;
    cv_.wait(lock, [&] { return in_flight_.empty(); });
    lock.unlock();
    std::string blob = hnsw_->Serialize(arrays);
    lock.lock();
    if (in_blob != nullptr) {
      // Still paused, so nothing has left the buffer for the graph since the blob was taken (the
      // caller, a checkpoint, lets no write in either). A slot with a vector in the buffer is
      // not the graph's, even if a replaced node of it is still there.
      in_blob->assign(slots, 0);
      for (size_t slot = 0; slot < slots; ++slot) {
        const auto s = static_cast<uint32_t>(slot);
        (*in_blob)[slot] = slot_row_.count(s) == 0 && hnsw_->Get(s) != nullptr;
      }
    }
    --pauses_;
    lock.unlock();
    cv_.notify_all();
    return blob;
  }

  Status Load(std::string_view blob) override {
    bool given = false;
    return LoadPieces(blob.size(), [&]() -> Result<std::string_view> {
      if (given) return Status::Corruption("hnsw blob: read past its end");
      given = true;
      return blob;
    });
  }

  Status LoadPieces(uint64_t bytes, const std::function<Result<std::string_view>()>& next,
                    const core::BlobMapper& map = nullptr) override {
    // Reachability is checked (and repaired where needed) by the builder thread once background
    // work resumes, not here: the walks over every list would hold up recovery, and with it the
    // first query, for ~0.2 s of CPU at a million nodes. Until then queries run on the graph as
    // it was written, which is the graph that served them before the checkpoint.
    SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<HnswIndex> loaded,
                            HnswIndex::Deserialize(bytes, next, /*reconnect=*/false, map));
    const HnswOptions& got = loaded->options();
    const HnswOptions& want = hnsw_->options();
    // Bound codes are not compared: they change no result, and a graph stored without them (by a
    // build before they existed) is served as it was written.
    if (got.dimensions != want.dimensions || got.metric != want.metric ||
        got.quantizer != want.quantizer) {
      return Status::Corruption("the stored graph was built for another index configuration");
    }
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_.empty(); });
    hnsw_ = std::move(loaded);
    slot_row_.clear();
    row_slot_.clear();
    free_rows_.clear();
    queue_.clear();
    buffer_ = std::make_unique<FlatIndex>(spec_.hnsw.dimensions, spec_.hnsw.metric);
    reconnect_ = true;
    if (!builder_.joinable()) builder_ = std::thread([this] { Build(); });
    lock.unlock();
    cv_.notify_all();
    return Status::OK();
  }

 private:
  // Caller holds mu_. A slot in flight may be counted twice; good enough for choosing an exact
  // scan for small indexes, and cheap (size() counts exactly).
  size_t Size() const { return hnsw_->size() + slot_row_.size(); }

  uint32_t Ef(const SearchParams& params, size_t k) const {
    if (params.recall) return hnsw_->EfForRecall(*params.recall, k);
    return params.ef;  // 0 = the index's default
  }

  // Buffer rows are dense (a row per buffered vector, reused when freed), so the buffer's memory
  // follows its size rather than the largest slot number. Caller holds mu_ exclusively.
  uint32_t TakeRow(uint32_t slot) {
    uint32_t row;
    if (!free_rows_.empty()) {
      row = free_rows_.back();
      free_rows_.pop_back();
      row_slot_[row] = slot;
    } else {
      row = static_cast<uint32_t>(row_slot_.size());
      row_slot_.push_back(slot);
    }
    return row;
  }
  void ReleaseRow(uint32_t row) {
    buffer_->Clear(row);
    free_rows_.push_back(row);
  }
  // Buffer hits name rows; callers want slots, and the score the graph will give the same vector
  // once it is linked: the buffer's batch kernel sums in another order, and two equal vectors, one
  // in each, would score a few ulps apart and be ordered by that instead of by id. The buffer
  // still picks its k best by its own scores. Caller holds mu_.
  std::vector<Hit> ToSlots(const float* query, std::vector<Hit> hits) const {
    std::vector<const float*> vectors(hits.size());
    for (size_t i = 0; i < hits.size(); ++i) vectors[i] = buffer_->Get(hits[i].slot);
    std::vector<float> scores(hits.size());
    hnsw_->ScoresAsStored(query, vectors, scores.data());
    for (size_t i = 0; i < hits.size(); ++i) {
      hits[i].slot = row_slot_[hits[i].slot];
      hits[i].score = scores[i];
    }
    return hits;
  }

  // Closest first (the metric's order), ties by slot; a slot in both lists is kept once.
  std::vector<Hit> Merge(std::vector<Hit> a, std::vector<Hit> b, size_t k) const {
    a.insert(a.end(), b.begin(), b.end());
    const bool higher = HigherIsCloser(spec_.hnsw.metric);
    std::sort(a.begin(), a.end(), [&](const Hit& x, const Hit& y) {
      if (x.score != y.score) return higher ? x.score > y.score : x.score < y.score;
      return x.slot < y.slot;
    });
    std::vector<Hit> out;
    std::unordered_set<uint32_t> seen;
    for (const Hit& h : a) {
      if (out.size() == k) break;
      if (seen.insert(h.slot).second) out.push_back(h);
    }
    return out;
  }

  // The builder thread: links buffered vectors into the graph, a batch at a time.
  void Build() {
    // Named so that per-thread CPU (top -H, /proc/<pid>/task) tells the builder from the writers;
    // the linking threads it starts inherit the name.
    core::NameThisThread("semble-hnsw");
    std::vector<uint32_t> batch;
    std::vector<float> values;
    const uint32_t dims = spec_.hnsw.dimensions;
    size_t linked_bytes_since_trim = 0;
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] {
        return stop_ || (pauses_ == 0 && (consolidate_ || reconnect_ || !queue_.empty()));
      });
      if (stop_) return;
      if (reconnect_) {
        // A graph just loaded: check that every node is reachable and repair what is not. The
        // walks run beside queries and writes (shared); only a repair takes the graph alone.
        // First, arrays the load mapped from the segment move into the index's own huge pages
        // (HnswIndex::MoveMappedArraysToMemory): queries meanwhile answer from the mapping.
        reconnect_ = false;
        lock.unlock();
        if (!keep_graph_mapped_for_bench.load()) hnsw_->MoveMappedArraysToMemory();
        hnsw_->Reconnect();
        lock.lock();
        continue;
      }
      if (consolidate_) {
        // Tombstones left by a paused stretch. Nothing is in flight (this thread is the only
        // adder); a writer's graph removal meanwhile waits on the graph's own lock, and so do
        // graph searches, as when a write triggers the repair. Buffer scans go on.
        consolidate_ = false;
        lock.unlock();
        hnsw_->Consolidate();
        lock.lock();
        continue;
      }
      batch.clear();
      values.clear();
      while (!queue_.empty() && batch.size() < kBuildBatch) {
        const uint32_t slot = queue_.front();
        queue_.pop_front();
        // A slot cleared (or cleared and set again: it is queued twice) is taken once, if buffered.
        auto it = slot_row_.find(slot);
        if (it == slot_row_.end() || in_flight_.count(slot) != 0) continue;
        in_flight_.insert(slot);
        batch.push_back(slot);
        const float* v = buffer_->Get(it->second);
        values.insert(values.end(), v, v + dims);
      }
      if (batch.empty()) {
        cv_.notify_all();  // the queue held only stale slots: a backlog wait may be over
        continue;
      }
      graph_size_at_batch_ = hnsw_->size();
      linked_bytes_since_trim += values.size() * sizeof(float);
      lock.unlock();
      // The graph takes adds concurrently with searches; queries see the slot in the buffer
      // until it leaves it below, and in the graph too meanwhile (Merge keeps it once).
      if (!hnsw_->AddBatch(batch, values.data(), build_threads_).ok()) {
        // Values were checked on Set with the graph's own rule, so this is not expected; still,
        // add what can be added one by one, and leave a vector the graph refuses in the buffer,
        // where it stays searchable, rather than stopping the builder.
        for (size_t i = 0; i < batch.size(); ++i) {
          if (!hnsw_->Contains(batch[i])) (void)hnsw_->Add(batch[i], &values[i * dims]);
        }
      }
      lock.lock();
      for (uint32_t slot : batch) {
        if (!hnsw_->Contains(slot)) continue;
        auto it = slot_row_.find(slot);
        ReleaseRow(it->second);
        slot_row_.erase(it);
      }
      in_flight_.clear();
      if (slot_row_.empty()) {
        // Everything buffered is linked: give the buffer's memory back now. After a bulk load
        // it holds a copy of every vector loaded (the floats twice over, until the next write,
        // which might never come). Read and the buffer scans take mu_, so none is using it.
        buffer_ = std::make_unique<FlatIndex>(dims, spec_.hnsw.metric);
        slot_row_ = {};
        row_slot_ = {};
        free_rows_ = {};
      }
      cv_.notify_all();
      if (queue_.empty()) {
        // Caught up: make sure the last adds left every node reachable (AddBatch checks only
        // every so often on large graphs). Without mu_, so writes and queries go on meanwhile.
        lock.unlock();
        hnsw_->MaybeReconnect(/*idle=*/true);
        if (linked_bytes_since_trim >= kTrimAfterBytes) {
          linked_bytes_since_trim = 0;
          GiveFreedMemoryBack();
        }
        lock.lock();
      }
    }
  }

  IndexSpec spec_;
  std::unique_ptr<HnswIndex> hnsw_;
  uint32_t exact_below_;
  // Every core: a bulk load is usually followed by idle time in which the graph should catch up,
  // and while writes are still arriving the scheduler shares the cores with them.
  const int build_threads_ = core::AvailableCores();

  mutable std::shared_mutex mu_;  // everything below
  mutable std::condition_variable_any cv_;
  std::unique_ptr<FlatIndex> buffer_;                   // buffered vectors, by row
  std::unordered_map<uint32_t, uint32_t> slot_row_;     // buffered slot -> its row in buffer_
  std::vector<uint32_t> row_slot_;                      // row -> slot (rows in free_rows_: stale)
  std::vector<uint32_t> free_rows_;
  std::deque<uint32_t> queue_;              // build order (may hold stale or repeated slots)
  std::unordered_set<uint32_t> in_flight_;  // slots the builder is adding now
  size_t graph_size_at_batch_ = 0;          // the graph's size() when in_flight_ was filled
  mutable int pauses_ = 0;  // Serialize calls and PauseBackgroundWork holds under way
  bool stop_ = false;
  bool consolidate_ = false;  // the builder repairs the graph before its next batch
  bool reconnect_ = false;    // the builder checks a loaded graph's reachability first
  std::thread builder_;
};

}  // namespace

std::unique_ptr<VectorIndex> NewHnswVectorIndex(IndexSpec spec, std::unique_ptr<HnswIndex> hnsw,
                                                uint32_t exact_below) {
  return std::make_unique<HnswVectorIndex>(std::move(spec), std::move(hnsw), exact_below);
}

void SetKeepGraphMappedForBench(bool keep) { keep_graph_mapped_for_bench.store(keep); }

}  // namespace semble::index
