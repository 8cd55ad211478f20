// Copyright 2026 The semble Authors.

#include "index/flat_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/distance.h"
#include "core/dot_tile.h"
#include "core/top_k.h"
#include "index/product_candidates.h"

namespace semble::index {

namespace {

// Rows scored per batch-kernel call. Big enough that the call and the live-run search are noise,
// small enough that the scores stay in L1.
constexpr size_t kBlockRows = 512;
// The batch kernel scores rows in groups of eight from the start of each call, and a row's float
// result depends (in the last bits) on the pass that scored it. Block and tile sizes that are
// multiples of eight put every row in the same pass in Search and SearchBatch, which is what makes
// their answers identical.
static_assert(kBlockRows % 8 == 0);

// SearchBatch's tiles: rows that fit in L1 (32-48 KiB per core on current x86 servers) next to
// the query, and queries that fit in L2 (1-2 MiB) next to the row tile.
constexpr size_t kL1TileBytes = 32 << 10;
constexpr size_t kL2TileBytes = 512 << 10;

// The key of a Euclidean candidate is -sqrt(l2sq); computing the square root of every row costs a
// few percent of a scan, so rows are first compared in the squared domain against the square of
// the current threshold, with slack for the rounding of that square (sqrtf is correctly rounded,
// so a row whose rounded root ties the threshold has l2sq <= t*t*(1 + 2^-22)).
constexpr float kSquaredSlack = 1.0f + 1e-5f;

float InverseNorm(const float* v, uint32_t dims) {
  const float sq = core::DotProduct(v, v, dims);
  return sq > 0.0f ? 1.0f / std::sqrt(sq) : 0.0f;
}

// Converts keys kept by TopK (bigger = closer) back to scores in the metric's convention.
std::vector<Hit> ToHits(core::TopK& top, Metric metric) {
  std::vector<core::ScoredSlot> best = top.Take();
  std::vector<Hit> hits(best.size());
  const bool negate = metric != Metric::kCosine;
  for (size_t i = 0; i < best.size(); ++i) {
    hits[i] = {best[i].slot, negate ? -best[i].key : best[i].key};
  }
  return hits;
}

}  // namespace

// The per-query constants of a metric, and the raw kernel result -> TopK key conversion.
struct FlatIndex::Scorer {
  Scorer(const FlatIndex& index, const float* query) : index(index), query(query) {
    if (index.metric_ == Metric::kCosine) {
      const float sq = core::DotProduct(query, query, index.dims_);
      // A zero query scores 0 against everything instead of NaN (0 * inf).
      inv_query_norm = sq > 0.0f ? 1.0f / std::sqrt(sq) : 0.0f;
    }
  }

  // Raw kernel results for `count` contiguous slots from `first`.
  void Raw(uint32_t first, size_t count, float* out) const {
    const float* rows = index.data_.data() + static_cast<size_t>(first) * index.dims_;
    if (index.metric_ == Metric::kEuclidean) {
      core::L2SquaredBatch(query, rows, index.dims_, count, out);
    } else {
      core::DotProductBatch(query, rows, index.dims_, count, out);
    }
  }

  float Raw(uint32_t slot) const {
    const float* row = index.Get(slot);
    return index.metric_ == Metric::kEuclidean ? core::L2Squared(query, row, index.dims_)
                                               : core::DotProduct(query, row, index.dims_);
  }

  // Pushes slot with raw kernel result `raw` into top.
  void Push(core::TopK& top, uint32_t slot, float raw) const {
    switch (index.metric_) {
      case Metric::kCosine: {
        const float key = raw * index.inv_norm_[slot] * inv_query_norm;
        if (key >= top.threshold()) top.Push(key, slot);
        break;
      }
      case Metric::kEuclidean: {
        // t is -(distance of the worst kept), or -inf while TopK is not full: t * t is then +inf
        // and every row passes. A NaN (from non-finite input) never passes, in any metric, so the
        // heap's ordering stays strict.
        const float t = top.threshold();
        if (raw <= t * t * kSquaredSlack) top.Push(-std::sqrt(raw), slot);
        break;
      }
      case Metric::kDotProduct:
        if (raw >= top.threshold()) top.Push(raw, slot);
        break;
    }
  }

  float ScoreOf(uint32_t slot, float raw) const {
    switch (index.metric_) {
      case Metric::kCosine:
        return raw * index.inv_norm_[slot] * inv_query_norm;
      case Metric::kEuclidean:
        return std::sqrt(raw);
      case Metric::kDotProduct:
        break;
    }
    return -raw;
  }

  const FlatIndex& index;
  const float* query;
  float inv_query_norm = 0.0f;
};

FlatIndex::FlatIndex(uint32_t dimensions, Metric metric) : dims_(dimensions), metric_(metric) {}

void FlatIndex::Reserve(uint32_t slots) {
  if (slots <= capacity_) return;
  data_.Grow(static_cast<size_t>(slots) * dims_);
  if (metric_ == Metric::kCosine) inv_norm_.Grow(slots);
  live_.reserve(slots);
  capacity_ = slots;
}

void FlatIndex::Adopt(core::HugeArray<float>&& rows, std::span<const uint8_t> live) {
  data_ = std::move(rows);
  capacity_ = live.size();
  live_.assign(live.begin(), live.end());
  live_count_ = 0;
  for (uint8_t l : live_) live_count_ += l != 0;
  inv_norm_ = core::HugeArray<float>();
  if (metric_ == Metric::kCosine && capacity_ > 0) {
    if (prepared_rows_ == capacity_) {
      // Rows of dead slots are zero, so their prepared norm is 0, as Clear-then-Set expects.
      inv_norm_ = std::move(prepared_norms_);
    } else {
      inv_norm_.Grow(capacity_);
      for (size_t slot = 0; slot < capacity_; ++slot) {
        if (live_[slot]) inv_norm_[slot] = InverseNorm(&data_[slot * dims_], dims_);
      }
    }
  }
  prepared_norms_ = core::HugeArray<float>();
  prepared_rows_ = 0;
}

bool FlatIndex::SameRows(const core::HugeArray<float>& rows, size_t count) const {
  if (count < live_.size() || rows.size() != count * dims_) return false;
  for (size_t slot = 0; slot < live_.size(); ++slot) {
    if (live_[slot] &&
        std::memcmp(&rows[slot * dims_], &data_[slot * dims_], dims_ * sizeof(float)) != 0) {
      return false;
    }
  }
  return true;
}

void FlatIndex::SwapRows(core::HugeArray<float>&& rows, size_t count) {
  data_ = std::move(rows);
  capacity_ = count;  // >= live_.size() (SameRows); inv_norm_ keeps its length and values
}

void FlatIndex::PrepareNorms(const float* rows, size_t first, size_t n) {
  if (metric_ != Metric::kCosine || first != prepared_rows_) return;
  if (prepared_norms_.size() < first + n) {
    prepared_norms_.Grow(std::max(first + n, prepared_norms_.size() * 2));
  }
  for (size_t i = 0; i < n; ++i) prepared_norms_[first + i] = InverseNorm(rows + i * dims_, dims_);
  prepared_rows_ = first + n;
}

void FlatIndex::Set(uint32_t slot, const float* values) {
  if (slot >= live_.size()) {
    const size_t needed = static_cast<size_t>(slot) + 1;
    // Geometric: a database that inserts one record at a time would otherwise remap the arena on
    // every slot.
    if (needed > capacity_) {
      const size_t grown = std::max(needed, capacity_ + capacity_ / 2);
      Reserve(static_cast<uint32_t>(std::min<size_t>(grown, std::numeric_limits<uint32_t>::max())));
    }
    live_.resize(needed, 0);  // data_ and inv_norm_ are zero there already
  }
  std::copy(values, values + dims_, data_.data() + static_cast<size_t>(slot) * dims_);
  if (metric_ == Metric::kCosine) inv_norm_[slot] = InverseNorm(values, dims_);
  if (!live_[slot]) {
    live_[slot] = 1;
    ++live_count_;
  }
}

void FlatIndex::Clear(uint32_t slot) {
  if (!IsLive(slot)) return;
  live_[slot] = 0;
  --live_count_;
}

float FlatIndex::Score(const float* query, uint32_t slot) const {
  const Scorer scorer(*this, query);
  return scorer.ScoreOf(slot, scorer.Raw(slot));
}

std::vector<Hit> FlatIndex::Search(const float* query, size_t k) const {
  k = std::min(k, live_count_);
  if (k == 0) return {};
  const Scorer scorer(*this, query);
  core::TopK top(k);
  float raw[kBlockRows];
  const uint8_t* live = live_.data();
  const size_t end = live_.size();
  size_t first = 0;
  while (true) {
    // Score runs of live slots with the batch kernel; dead slots are skipped, not scored, so a
    // deleted vector's stale values can never surface.
    first = std::find(live + first, live + end, uint8_t{1}) - live;
    if (first == end) break;
    const size_t limit = std::min(end, first + kBlockRows);
    const size_t last = std::find(live + first, live + limit, uint8_t{0}) - live;
    const size_t count = last - first;
    scorer.Raw(static_cast<uint32_t>(first), count, raw);
    for (size_t j = 0; j < count; ++j) {
      scorer.Push(top, static_cast<uint32_t>(first + j), raw[j]);
    }
    first = last;
  }
  return ToHits(top, metric_);
}

std::vector<Hit> FlatIndex::SearchSlots(const float* query, size_t k,
                                        std::span<const uint32_t> slots) const {
  k = std::min({k, slots.size(), live_count_});
  if (k == 0) return {};
  const Scorer scorer(*this, query);
  core::TopK top(k);
  float raw[kBlockRows];
  size_t i = 0;
  while (i < slots.size()) {
    // Filters usually hand over ascending slot lists with long consecutive stretches (a bitmap's
    // iteration order); those go through the batch kernel like a plain scan.
    size_t run = 1;
    while (i + run < slots.size() && run < kBlockRows && slots[i + run] == slots[i] + run &&
           IsLive(slots[i + run])) {
      ++run;
    }
    const uint32_t first = slots[i];
    if (!IsLive(first)) {  // contract violation; never return a dead slot all the same
      ++i;
      continue;
    }
    if (run == 1) {
      scorer.Push(top, first, scorer.Raw(first));
    } else {
      scorer.Raw(first, run, raw);
      for (size_t j = 0; j < run; ++j) scorer.Push(top, static_cast<uint32_t>(first + j), raw[j]);
    }
    i += run;
  }
  return ToHits(top, metric_);
}

std::vector<std::vector<Hit>> FlatIndex::SearchBatch(const float* queries, size_t num_queries,
                                                     size_t k) const {
  std::vector<std::vector<Hit>> results(num_queries);
  k = std::min(k, live_count_);
  if (k == 0 || num_queries == 0) return results;
  if (num_queries >= kProductMinQueries && dims_ > 0) {
    if (SearchBatchByProduct(queries, num_queries, k, &results)) return results;
  }
  std::vector<Scorer> scorers;
  std::vector<core::TopK> tops;
  scorers.reserve(num_queries);
  tops.reserve(num_queries);
  for (size_t i = 0; i < num_queries; ++i) {
    scorers.emplace_back(*this, queries + i * dims_);
    tops.emplace_back(k);
  }
  // Cache blocking, as in a matrix product: a tile of queries stays in L2 while the arena streams
  // past it once (so the arena is read from memory once per tile, not once per query), and each
  // small tile of rows stays in L1 while every query of the tile is scored against it. The kernel
  // then runs from L1, about twice as fast as from L2 and several times faster than from memory.
  // TopK orders by (key, slot) whatever the order of pushes, and the tiles keep Search's groups of
  // eight rows (see kBlockRows), so the answers are Search's exactly.
  const size_t row_bytes = std::max<size_t>(1, dims_) * sizeof(float);
  const size_t tile_rows = std::clamp<size_t>(kL1TileBytes / row_bytes / 8 * 8, 8, kBlockRows);
  const size_t tile_queries = std::max<size_t>(1, kL2TileBytes / row_bytes);
  float raw[kBlockRows];
  const uint8_t* live = live_.data();
  const size_t end = live_.size();
  for (size_t q0 = 0; q0 < num_queries; q0 += tile_queries) {
    const size_t q1 = std::min(num_queries, q0 + tile_queries);
    size_t first = 0;
    while (true) {
      first = std::find(live + first, live + end, uint8_t{1}) - live;
      if (first == end) break;
      const size_t limit = std::min(end, first + tile_rows);
      const size_t last = std::find(live + first, live + limit, uint8_t{0}) - live;
      const size_t count = last - first;
      for (size_t i = q0; i < q1; ++i) {
        scorers[i].Raw(static_cast<uint32_t>(first), count, raw);
        for (size_t j = 0; j < count; ++j) {
          scorers[i].Push(tops[i], static_cast<uint32_t>(first + j), raw[j]);
        }
      }
      first = last;
    }
  }
  for (size_t i = 0; i < num_queries; ++i) results[i] = ToHits(tops[i], metric_);
  return results;
}

// Search's calls of the batch kernel, in slot order: a row's raw score depends (in the last bits)
// on the group of eight, counted from its call's first slot, that scored it.
struct FlatIndex::Calls {
  std::vector<uint32_t> first, count;

  explicit Calls(const FlatIndex& index) {
    const uint8_t* live = index.live_.data();
    const size_t end = index.live_.size();
    size_t at = 0;
    while (true) {  // Search's loop, without the scoring
      at = std::find(live + at, live + end, uint8_t{1}) - live;
      if (at == end) break;
      const size_t limit = std::min(end, at + kBlockRows);
      const size_t last = std::find(live + at, live + limit, uint8_t{0}) - live;
      first.push_back(static_cast<uint32_t>(at));
      count.push_back(static_cast<uint32_t>(last - at));
      at = last;
    }
  }

  // The raw score Search gives a live slot: its group of up to eight scored as Search scores it.
  float RawAsSearch(const Scorer& scorer, uint32_t slot) const {
    const size_t c = std::upper_bound(first.begin(), first.end(), slot) - first.begin() - 1;
    const uint32_t group = first[c] + (slot - first[c]) / 8 * 8;
    const size_t len = std::min<size_t>(8, first[c] + count[c] - group);
    float raw[8];
    scorer.Raw(group, len, raw);
    return raw[slot - group];
  }
};

// Many queries: the dot products come from a matrix product (index/product_candidates.h), which
// sums in another order than Search's kernel, so they only choose candidates, scored again exactly
// as Search scores them (same kernel, same groups of eight): the answer is Search's, bit for bit.
// Returns false (nothing written) when the rounding bound is not finite.
bool FlatIndex::SearchBatchByProduct(const float* queries, size_t num_queries, size_t k,
                                     std::vector<std::vector<Hit>>* results) const {
  const size_t n = dims_, slots = live_.size();
  const Calls calls(*this);
  // The rows' terms of the keys (squared norms; inverse norms for cosine). The largest norm bounds
  // every pair's rounding, so the norms come first, in a pass of their own.
  std::vector<float> sq_norm(slots, 0.0f);
  double max_norm = 0;
  for (size_t s = 0; s < slots; ++s) {
    if (!live_[s]) continue;
    sq_norm[s] = core::DotProduct(Get(static_cast<uint32_t>(s)), Get(static_cast<uint32_t>(s)), n);
    max_norm = std::max(max_norm, std::sqrt(static_cast<double>(sq_norm[s])));
  }
  const core::DotTileKey form = metric_ == Metric::kCosine      ? core::DotTileKey::kScaled
                                : metric_ == Metric::kEuclidean ? core::DotTileKey::kNegL2
                                                                : core::DotTileKey::kDot;
  std::vector<Scorer> scorers;
  scorers.reserve(num_queries);
  std::vector<float> q_terms(num_queries), margins(num_queries);
  for (size_t i = 0; i < num_queries; ++i) {
    const float* q = queries + i * n;
    scorers.emplace_back(*this, q);
    const float q_sq_norm = core::DotProduct(q, q, n);
    const double margin =
        ProductMargin(form, n, std::sqrt(static_cast<double>(q_sq_norm)), max_norm);
    if (!(margin <= 1e30)) return false;
    margins[i] = static_cast<float>(margin);
    q_terms[i] = metric_ == Metric::kCosine ? scorers.back().inv_query_norm : q_sq_norm;
  }

  class Rows : public ProductRows {
   public:
    Rows(const FlatIndex& index, const std::vector<float>& sq_norm)
        : index_(index), sq_norm_(sq_norm) {}
    void Read(size_t first, size_t count, float* panels, float* terms, uint8_t* live) override {
      core::PackDotTileRows(index_.data_.data() + first * index_.dims_, count, index_.dims_,
                            panels);
      const float* t =
          index_.metric_ == Metric::kCosine ? index_.inv_norm_.data() : sq_norm_.data();
      std::copy_n(t + first, count, terms);
      std::copy_n(index_.live_.data() + first, count, live);
    }

   private:
    const FlatIndex& index_;
    const std::vector<float>& sq_norm_;
  } rows(*this, sq_norm);
  std::vector<ProductCandidates> found = FindProductCandidates(
      queries, num_queries, n, k, form, q_terms.data(), margins.data(), slots, &rows);

  for (size_t i = 0; i < num_queries; ++i) {
    if (found[i].gave_up) {
      (*results)[i] = Search(queries + i * n, k);
      continue;
    }
    core::TopK exact(k);
    for (const core::ScoredSlot& c : found[i].rows) {
      if (c.key >= found[i].floor) {
        scorers[i].Push(exact, c.slot, calls.RawAsSearch(scorers[i], c.slot));
      }
    }
    (*results)[i] = ToHits(exact, metric_);
  }
  return true;
}

size_t FlatIndex::MemoryBytes() const {
  return data_.size() * sizeof(float) + inv_norm_.size() * sizeof(float) +
         live_.capacity() * sizeof(uint8_t);
}

}  // namespace semble::index
