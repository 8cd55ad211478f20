// Copyright 2026 The semble Authors.

#include "index/flat_index.h"

#include <algorithm>
#include <cstring>
#include <bit>
#include <cmath>
#include <limits>

#include "core/distance.h"
#include "core/dot_tile.h"
#include "core/top_k.h"

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
// From this many queries per SearchBatch call the matrix-product path is used (bench/RESULTS.md,
// "Exact search"): below it, packing the rows costs more than the product saves.
constexpr size_t kProductMinQueries = 32;

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

// Many queries: the dot products come from a matrix product (core/dot_tile.h), which sums in
// another order than Search's kernel, so they only choose candidates. Each pair's product score
// is within e of Search's (bounds below); the k rows Search would return all have product keys
// >= (k-th best product key) - 2e, so those candidates are scored again exactly as Search scores
// them (same kernel, same groups of eight) and the answer is Search's, bit for bit. Returns false
// (nothing written) when the bound is not finite.
bool FlatIndex::SearchBatchByProduct(const float* queries, size_t num_queries, size_t k,
                                     std::vector<std::vector<Hit>>* results) const {
  const size_t n = dims_, slots = live_.size();
  const size_t width = core::DotTileRows(), height = core::DotTileQueries();
  // Rounding bounds e >= |product key - Search's key|. Each of the two dot products is within
  // gamma * sum|q_i x_i| <= gamma * |q||x| of the exact one (gamma = n u / (1 - n u), u = 2^-24);
  // squared norms likewise within gamma times themselves, and the additions of the L2 expansion in
  // DotTileKeys (unfused, each correctly rounded) add a few u of their magnitude. The margin is 2e
  // (the candidate rule) doubled for slack: a wider margin costs only a few more exact scores.
  const double u = std::ldexp(1.0, -24);
  const double gamma = static_cast<double>(n + 4) * u / (1.0 - static_cast<double>(n + 4) * u);
  const Calls calls(*this);
  const size_t padded_queries = (num_queries + height - 1) / height * height;
  std::vector<float> packed_q(padded_queries * n);
  core::PackDotTileQueries(queries, num_queries, n, packed_q.data());
  // Rows in blocks whose packed panels fit in L2 next to one query panel.
  const size_t block_rows =
      std::max(width, (kL2TileBytes * 2 / (n * sizeof(float))) / width * width);
  std::vector<float> packed_rows((block_rows + width) * n);
  // The rows' terms of the keys (squared norms; inverse norms for cosine), padded to whole
  // panels for DotTileKeys. The largest norm bounds every pair's rounding, so the norms come
  // first, in a pass of their own: packing all rows up front to get them from the packing pass
  // would hold a second copy of the arena for the whole call.
  std::vector<float> sq_norm(slots, 0.0f), row_terms(slots + width, 0.0f);
  double max_norm = 0;
  for (size_t s = 0; s < slots; ++s) {
    if (!live_[s]) continue;
    sq_norm[s] = core::DotProduct(Get(static_cast<uint32_t>(s)), Get(static_cast<uint32_t>(s)), n);
    max_norm = std::max(max_norm, std::sqrt(static_cast<double>(sq_norm[s])));
  }
  if (metric_ == Metric::kCosine) {
    std::copy_n(inv_norm_.data(), slots, row_terms.begin());
  } else {
    std::copy(sq_norm.begin(), sq_norm.end(), row_terms.begin());
  }

  struct Query {
    explicit Query(size_t k) : top(k) {}
    core::TopK top;                            // the best product keys
    std::vector<core::ScoredSlot> candidates;  // every key >= threshold - margin when seen
    float margin = 0, sq_norm = 0;
    // Many rows within the margin of each other (duplicates, a degenerate data set) would make
    // the candidates as many as the rows; past this many, after pruning, the query gives up the
    // product and is answered by Search instead, so memory stays bounded by queries x cap.
    size_t cap = 0;
    bool by_search = false;
  };
  std::vector<Query> state;
  std::vector<Scorer> scorers;
  state.reserve(num_queries);
  scorers.reserve(num_queries);
  std::vector<float> q_terms(padded_queries, 0.0f);
  for (size_t i = 0; i < num_queries; ++i) {
    const float* q = queries + i * n;
    scorers.emplace_back(*this, q);
    Query& st = state.emplace_back(k);
    st.cap = std::max<size_t>(4096, 8 * k);
    st.sq_norm = core::DotProduct(q, q, n);
    const double qn = std::sqrt(static_cast<double>(st.sq_norm));
    double e;
    switch (metric_) {
      case Metric::kCosine:  // keys are dot * (1/|x|) * (1/|q|): |key error| <= 2 gamma + 4 ulp
        e = 2 * gamma * 1.01 + 8 * u;
        q_terms[i] = scorers.back().inv_query_norm;
        break;
      case Metric::kEuclidean:  // keys are -l2sq
        e = 2 * (gamma + 3 * u) * (qn + max_norm) * (qn + max_norm);
        q_terms[i] = st.sq_norm;
        break;
      default:
        e = 2 * gamma * qn * max_norm;
    }
    const double margin = 2 * 2 * e;
    if (!std::isfinite(margin) || margin > 1e30) return false;
    st.margin = static_cast<float>(margin);
  }
  const core::DotTileKey form = metric_ == Metric::kCosine      ? core::DotTileKey::kScaled
                                : metric_ == Metric::kEuclidean ? core::DotTileKey::kNegL2
                                                                : core::DotTileKey::kDot;

  // Blocking as in a BLAS GEMM: a slice of at most kSliceDims dimensions of one row panel (32 KB
  // with AVX-512) stays in L1 while the query panels of a block of about kBlockQueries pass over
  // it (their slices, from L2), and the block's sums collect in `sums` (L2) until the last slice
  // is in. The slices are of equal size (784 dimensions: 4 x 196, not 3 x 256 + 16), so no call
  // pays the accumulators' loads and stores for a handful of dimensions.
  constexpr size_t kSliceDims = 256, kBlockQueries = 128, kGroupBytes = 4 << 20;
  const size_t block_queries = (kBlockQueries + height - 1) / height * height;
  const size_t num_slices = (n + kSliceDims - 1) / kSliceDims;
  std::vector<float> sums(block_queries * block_rows);
  std::vector<float> bars(height);
  std::vector<uint64_t> masks(height);
  const float kNaN = std::numeric_limits<float>::quiet_NaN();
  // Queries in groups whose packed panels stay in the last-level cache (kGroupBytes): every row
  // block streams all of a group's queries past it, so with all the queries at once (31 MB for
  // 10,000 x 784) that stream came from memory, once per row block, and 10,000 queries per call
  // ran ~6% slower per query than 1,000 (process CPU time). The rows are read and packed again
  // for each group (~35 ms per 60,000 x 784 each time); with groups, 10,000 queries per call ran
  // ~10% faster than without (bench/RESULTS.md). Each query still sees every row once, in order.
  const size_t group_queries =
      std::max(block_queries, kGroupBytes / (n * sizeof(float)) / block_queries * block_queries);
  for (size_t g0 = 0; g0 < num_queries; g0 += group_queries) {
    const size_t g1 = std::min(num_queries, g0 + group_queries);
    for (size_t r0 = 0; r0 < slots; r0 += block_rows) {
      const size_t rows = std::min(block_rows, slots - r0);
      const size_t panels = (rows + width - 1) / width;
      core::PackDotTileRows(data_.data() + r0 * n, rows, n, packed_rows.data());
      const float* block = packed_rows.data();
      for (size_t b0 = g0; b0 < g1; b0 += block_queries) {
        const size_t b1 = std::min(g1, b0 + block_queries);
        const size_t ld = panels * width;
        for (size_t s = 0; s < num_slices; ++s) {
          const size_t t0 = n * s / num_slices, t1 = n * (s + 1) / num_slices;
          for (size_t p = 0; p < panels; ++p) {
            for (size_t q0 = b0; q0 < b1; q0 += height) {
              core::DotTile(packed_q.data() + q0 * n, block + p * width * n, t0, t1,
                            sums.data() + (q0 - b0) * ld + p * width, ld, s > 0);
            }
          }
        }
        for (size_t q0 = b0; q0 < b1; q0 += height) {
          for (size_t p = 0; p < panels; ++p) {
            float* tile = sums.data() + (q0 - b0) * ld + p * width;
            const size_t first = r0 + p * width, in_panel = std::min(width, rows - p * width);
            // The bars as they stand before the panel: a bar only rises while the panel is looked
            // at, so the masks are a superset of the keys past the current bar, checked again
            // below.
            for (size_t i = 0; i < height; ++i) {
              const bool active = q0 + i < num_queries && !state[q0 + i].by_search;
              bars[i] = active ? state[q0 + i].top.threshold() - state[q0 + i].margin : kNaN;
            }
            for (size_t j0 = 0; j0 < in_panel; j0 += 64) {  // masks hold 64 rows
              core::DotTileKeys(form, tile + j0, ld, in_panel - j0, q_terms.data() + q0,
                                row_terms.data() + first + j0, bars.data(), masks.data());
              for (size_t i = 0; i < height; ++i) {
                uint64_t mask = masks[i];
                if (mask == 0) continue;
                Query& st = state[q0 + i];
                const float* keys = tile + i * ld + j0;
                float bar = st.top.threshold() - st.margin;
                for (; mask != 0; mask &= mask - 1) {
                  const size_t j = static_cast<size_t>(std::countr_zero(mask));
                  const uint32_t slot = static_cast<uint32_t>(first + j0 + j);
                  const float key = keys[j];
                  if (!(key >= bar) || !live_[slot]) continue;  // NaN never passes
                  const float t = st.top.threshold();
                  st.candidates.push_back({key, slot});
                  if (key >= t) {
                    st.top.Push(key, slot);
                    bar = st.top.threshold() - st.margin;
                  }
                  if (st.candidates.size() > st.cap) {
                    std::erase_if(st.candidates,
                                  [&](const core::ScoredSlot& c) { return !(c.key >= bar); });
                    if (st.candidates.size() > st.cap / 2) {
                      st.by_search = true;
                      std::vector<core::ScoredSlot>().swap(st.candidates);
                      break;
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  for (size_t i = 0; i < num_queries; ++i) {
    Query& st = state[i];
    if (st.by_search) {
      (*results)[i] = Search(queries + i * n, k);
      continue;
    }
    const float floor = st.top.threshold() - st.margin;
    core::TopK exact(k);
    for (const core::ScoredSlot& c : st.candidates) {
      if (c.key >= floor) scorers[i].Push(exact, c.slot, calls.RawAsSearch(scorers[i], c.slot));
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
