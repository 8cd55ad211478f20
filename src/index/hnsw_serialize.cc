// Copyright 2026 The semble Authors.
//
// HnswIndex's blob. Little-endian, fixed-width fields, large arrays copied as they lie in memory so
// that loading a million-vector graph is a handful of memcpys plus one validation pass:
//
//   "SMBLHNSW" u32 version (2, or 3 for an index with lower-bound codes)
//   u32 dims, u8 metric, u8 quantizer, u8 trained, u8 trained_explicitly, [version 3: u8
//   bound_codes, always 1], u32 m, u32
//   ef_construction, u32 ef_search, f32 max_tombstone_fraction, u64 seed u32 num_nodes, u64 entry
//   (node | level << 32, or all ones), u32 record_words quantizer: 2 * dims f32 (sq8 and bound
//   codes: lo, step; bq: mean, amp), absent for kNone without bound codes; num_nodes u8 state,
//   num_nodes u8 level, num_nodes u32 slot
//   num_nodes * record_words u32 layer-0 records
//   quantized or bound codes: num_nodes * dims f32 vectors
//   for each node with level > 0: level * (1 + m) u32 upper links
//
// The blob's bytes do not depend on where it is stored. Serialize also reports where the two large
// arrays (layer-0 records; the float32 vectors) lie in it, so that a checkpoint segment can store
// them raw at page boundaries (segment format 6), and Deserialize, given a core::BlobMapper, maps
// them from there copy-on-write instead of copying them; it validates them the same way either way.
//
// An index without bound codes is written as version 2, byte for byte as before they existed, so
// segments stay readable by either build; version 2 blobs load as indexes without bound codes.
// The database's segment framing adds the checksum. Deserialize still validates every field that
// could send a later search out of bounds: states, levels, link counts and targets (a link on layer
// l must name a node that has layer l), slots (unique among live nodes), the entry point.

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "core/cpu_count.h"
#include "core/thread_pool.h"
#include "index/hnsw_index.h"
#include "index/hnsw_internal.h"

namespace semble::index {

namespace {

// Below this many nodes the lists are checked on the loading thread alone: starting threads would
// cost more than the pass.
constexpr uint32_t kParallelCheckNodes = 1 << 16;

// Checks the lists of nodes [begin, end) of a graph whose node arrays are already checked: a free
// node has none, a count fits its layer, a target is a node of n that is not free and has the
// layer. Adds one to counts[t] for every layer-0 link to t. The first problem found, or nullptr.
const char* CheckLinksAndCount(const HnswIndex::Impl& g, uint32_t n, uint32_t begin, uint32_t end,
                               uint32_t* counts) {
  for (uint32_t i = begin; i < end; ++i) {
    const uint32_t* links = g.Links(i, 0);
    if (g.node_state[i] == kFree) {
      if (links[0] != 0) return "free node with links";
      continue;
    }
    if (links[0] > g.Cap(0)) return "link count too large";
    for (uint32_t j = 1; j <= links[0]; ++j) {
      const uint32_t t = links[j];
      if (t >= n || g.node_state[t] == kFree) return "bad link";
      ++counts[t];
    }
    for (int l = 1; l <= g.node_level[i]; ++l) {
      links = g.Links(i, l);
      if (links[0] > g.Cap(l)) return "link count too large";
      for (uint32_t j = 1; j <= links[0]; ++j) {
        const uint32_t t = links[j];
        if (t >= n || g.node_state[t] == kFree || g.node_level[t] < l) return "bad link";
      }
    }
  }
  return nullptr;
}

constexpr char kMagic[8] = {'S', 'M', 'B', 'L', 'H', 'N', 'S', 'W'};
constexpr uint32_t kVersion = 2;
constexpr uint32_t kVersionBoundCodes = 3;

template <class T>
void Put(std::string* out, const T& v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}
template <class T>
void PutArray(std::string* out, const T* p, size_t n) {
  out->append(reinterpret_cast<const char*>(p), n * sizeof(T));
}

// Reads the blob's fields front to back from its pieces, copying each field out as it crosses
// piece boundaries. The first error from the source is kept: it, not "truncated", is the reason.
class Reader {
 public:
  Reader(uint64_t size, const std::function<Result<std::string_view>()>& next,
         const core::BlobMapper& map)
      : size_(size), next_(next), map_(map) {}
  // Makes *arena the next n elements as pages of the source's file (core::BlobMapper), if the
  // source can; else leaves them for GetArray. False only on an error (status()).
  template <class T>
  bool MapArray(HugeArray<T>* arena, size_t n, bool* mapped) {
    *mapped = false;
    // Only at a piece boundary: the source stores an array apart from the pieces around it.
    if (!map_ || !piece_.empty() || n == 0 || n > remaining() / sizeof(T)) return true;
    Result<bool> got = map_(n * sizeof(T), [&](int fd, uint64_t offset) -> const void* {
      return arena->MapFile(fd, offset, n) ? arena->data() : nullptr;
    });
    if (!got.ok()) {
      status_ = got.status();
      return false;
    }
    if (*got) {
      pos_ += n * sizeof(T);
      *mapped = true;
    }
    return true;
  }
  template <class T>
  bool Get(T* v) {
    return GetArray(v, 1);
  }
  template <class T>
  bool GetArray(T* p, size_t n) {
    if (n > remaining() / sizeof(T)) return false;
    char* out = reinterpret_cast<char*>(p);
    size_t want = n * sizeof(T);
    while (want > 0) {
      if (piece_.empty()) {
        Result<std::string_view> got = next_();
        if (!got.ok()) {
          status_ = got.status();
          return false;
        }
        piece_ = *got;
        if (piece_.empty()) {
          status_ = Status::Corruption("hnsw blob: ends before its size");
          return false;
        }
      }
      const size_t take = std::min(want, piece_.size());
      std::memcpy(out, piece_.data(), take);
      piece_.remove_prefix(take);
      out += take;
      want -= take;
      pos_ += take;
    }
    return true;
  }
  uint64_t remaining() const { return size_ - pos_; }
  // OK unless the source failed.
  const Status& status() const { return status_; }

 private:
  uint64_t size_;
  const std::function<Result<std::string_view>()>& next_;
  const core::BlobMapper& map_;
  std::string_view piece_;
  uint64_t pos_ = 0;
  Status status_;
};

}  // namespace

std::string HnswIndex::Serialize(std::vector<std::pair<uint64_t, uint64_t>>* arrays) const {
  const Impl& g = *impl_;
  std::shared_lock<std::shared_mutex> lock(g.rw);
  std::string out;
  out.append(kMagic, sizeof(kMagic));
  Put(&out, g.bounded ? kVersionBoundCodes : kVersion);
  Put(&out, opts_.dimensions);
  Put(&out, static_cast<uint8_t>(opts_.metric));
  Put(&out, static_cast<uint8_t>(opts_.quantizer));
  Put(&out, static_cast<uint8_t>(g.trained.load()));
  Put(&out, static_cast<uint8_t>(g.trained_explicitly));
  if (g.bounded) Put(&out, uint8_t{1});
  Put(&out, opts_.m);
  Put(&out, opts_.ef_construction);
  Put(&out, opts_.ef_search);
  Put(&out, opts_.max_tombstone_fraction);
  Put(&out, opts_.seed);
  // Nodes allocated by Adds still in flight are written as they are; the database serializes under
  // its own lock, so there are none in practice.
  const uint32_t n = g.num_nodes;
  Put(&out, n);
  Put(&out, g.entry.load());
  Put(&out, static_cast<uint32_t>(g.record_words));
  // A quantizer's ranges are written once it is trained, `dimensions` floats each; an untrained
  // one has none (and is not used), so nothing is written for it. The reader relies on exactly
  // this, keyed on the trained flag. (Writers before this rule wrote the arrays' current size,
  // which is 0 while untrained: the same bytes in every case that occurred.)
  if (g.trained) {
    const bool scalar = opts_.quantizer == QuantizerKind::kSq8 || g.bounded;
    const std::vector<float>& a = scalar ? g.sq.lo() : g.bq.mean();
    const std::vector<float>& b = scalar ? g.sq.step() : g.bq.amp();
    PutArray(&out, a.data(), a.size());
    PutArray(&out, b.data(), b.size());
  }
  PutArray(&out, g.node_state.data(), n);
  PutArray(&out, g.node_level.data(), n);
  PutArray(&out, g.node_slot.data(), n);
  if (arrays != nullptr) arrays->clear();
  auto put_array = [&](const auto* p, size_t count) {
    if (arrays != nullptr && count > 0) arrays->emplace_back(out.size(), count * sizeof(*p));
    PutArray(&out, p, count);
  };
  put_array(g.level0.data(), static_cast<size_t>(n) * g.record_words);
  if (g.floats_apart) put_array(g.vectors.data(), static_cast<size_t>(n) * g.dims);
  for (uint32_t i = 0; i < n; ++i) {
    if (g.node_level[i] > 0 && g.upper[i]) {
      PutArray(&out, g.upper[i].get(), static_cast<size_t>(g.node_level[i]) * (1 + g.m));
    }
  }
  return out;
}

Result<std::unique_ptr<HnswIndex>> HnswIndex::Deserialize(std::string_view blob, bool reconnect) {
  bool given = false;
  return Deserialize(
      blob.size(),
      [&]() -> Result<std::string_view> {
        if (given) return Status::Corruption("hnsw blob: read past its end");
        given = true;
        return blob;
      },
      reconnect);
}

Result<std::unique_ptr<HnswIndex>> HnswIndex::Deserialize(
    uint64_t bytes, const std::function<Result<std::string_view>()>& next, bool reconnect,
    const core::BlobMapper& map) {
  Reader r(bytes, next, map);
  // A read that failed because the source did (a damaged piece) reports the source's error.
  auto Bad = [&r](const std::string& what) {
    return r.status().ok() ? Status::Corruption("hnsw blob: " + what) : r.status();
  };
  char magic[8];
  uint32_t version = 0;
  if (!r.GetArray(magic, 8) || std::memcmp(magic, kMagic, 8) != 0) return Bad("bad magic");
  if (!r.Get(&version) || (version != kVersion && version != kVersionBoundCodes)) {
    return Bad("unsupported version");
  }
  HnswOptions o;
  uint8_t metric = 0, quantizer = 0, trained = 0, trained_explicitly = 0, bound_codes = 0;
  if (!r.Get(&o.dimensions) || !r.Get(&metric) || !r.Get(&quantizer) || !r.Get(&trained) ||
      !r.Get(&trained_explicitly) || (version == kVersionBoundCodes && !r.Get(&bound_codes)) ||
      !r.Get(&o.m) || !r.Get(&o.ef_construction) || !r.Get(&o.ef_search) ||
      !r.Get(&o.max_tombstone_fraction) || !r.Get(&o.seed)) {
    return Bad("truncated header");
  }
  if (version == kVersionBoundCodes && bound_codes != 1) return Bad("bad flags");
  if (metric > static_cast<uint8_t>(Metric::kDotProduct)) return Bad("bad metric");
  if (quantizer > static_cast<uint8_t>(QuantizerKind::kBinary)) return Bad("bad quantizer");
  if (trained > 1 || trained_explicitly > 1) return Bad("bad flags");
  if (!(o.max_tombstone_fraction >= 0.0f && o.max_tombstone_fraction <= 1.0f)) {
    return Bad("bad tombstone fraction");
  }
  o.metric = static_cast<Metric>(metric);
  o.quantizer = static_cast<QuantizerKind>(quantizer);
  o.bound_codes = bound_codes != 0;
  auto created = Create(o);
  if (!created.ok()) return Bad(created.status().message());
  std::unique_ptr<HnswIndex> index = std::move(created).value();
  Impl& g = *index->impl_;
  uint32_t n = 0, record_words = 0;
  uint64_t entry = 0;
  if (!r.Get(&n) || !r.Get(&entry) || !r.Get(&record_words)) return Bad("truncated header");
  if (record_words != g.record_words) return Bad("record size does not match the options");
  // Every node takes at least a record, so n is bounded by the blob before anything is allocated.
  if (n > r.remaining() / (record_words * sizeof(uint32_t) + 6)) return Bad("node count too large");
  if (g.trainable && trained != 0) {
    std::vector<float> a(o.dimensions), b(o.dimensions);
    if (!r.GetArray(a.data(), a.size()) || !r.GetArray(b.data(), b.size())) {
      return Bad("truncated quantizer");
    }
    if (o.quantizer == QuantizerKind::kSq8 || g.bounded) {
      g.sq = ScalarQuantizer(std::move(a), std::move(b));
    } else {
      g.bq = BinaryQuantizer(std::move(a), std::move(b));
    }
    g.trained = trained != 0;
    g.trained_explicitly = trained_explicitly != 0;
    // Not stored: the loaded ranges count as learnt from what is stored now, so the next automatic
    // training comes when the index has doubled.
    if (g.trained) g.trained_on = n;
  }
  g.Grow(n, 0);
  g.num_nodes = n;
  if (!r.GetArray(g.node_state.data(), n) || !r.GetArray(g.node_level.data(), n) ||
      !r.GetArray(g.node_slot.data(), n)) {
    return Bad("truncated node arrays");
  }
  // The two large arrays are mapped where the source can (a checkpoint segment in a local file):
  // copying them faulted in and zeroed hundreds of MB of fresh pages, most of an open's time at
  // a million nodes. A mapped array holds exactly n nodes; it is grown back to the capacity the
  // other arrays have, which moves its file pages along (HugeArray::Grow).
  bool mapped = false;
  const size_t level0_words = static_cast<size_t>(n) * record_words;
  if (!r.MapArray(&g.level0, level0_words, &mapped)) return Bad("truncated node arrays");
  if (mapped) {
    g.level0.Grow(g.Capacity() * record_words);
  } else if (!r.GetArray(g.level0.data(), level0_words)) {
    return Bad("truncated node arrays");
  }
  if (g.floats_apart) {
    const size_t floats = static_cast<size_t>(n) * o.dimensions;
    if (!r.MapArray(&g.vectors, floats, &mapped)) return Bad("truncated vectors");
    if (mapped) {
      g.vectors.Grow(g.Capacity() * o.dimensions);
    } else if (!r.GetArray(g.vectors.data(), floats)) {
      return Bad("truncated vectors");
    }
  }
  uint32_t max_slot = 0;
  size_t live = 0, dead = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (g.node_state[i] > kDeleted) return Bad("bad node state");
    if (g.node_level[i] > kMaxLevel) return Bad("bad node level");
    if (g.node_state[i] == kFree) {
      if (g.node_level[i] != 0) return Bad("free node with layers");
      g.free_nodes.push_back(i);
      continue;
    }
    if (g.node_state[i] == kLive) {
      ++live;
      max_slot = std::max(max_slot, g.node_slot[i]);
    } else {
      ++dead;
    }
    if (g.node_level[i] > 0) {
      const size_t words = static_cast<size_t>(g.node_level[i]) * (1 + g.m);
      g.upper[i].reset(new uint32_t[words]);
      if (!r.GetArray(g.upper[i].get(), words)) return Bad("truncated upper links");
    }
  }
  std::sort(g.free_nodes.rbegin(), g.free_nodes.rend());
  if (r.remaining() != 0) return Bad("trailing bytes");
  // Slots index a dense table; a database's slots are below its peak record count, which the node
  // count bounds. The slack covers other callers without letting a bad value allocate gigabytes.
  if (live > 0 &&
      static_cast<size_t>(max_slot) >= std::max<size_t>(4 * static_cast<size_t>(n), 1u << 20)) {
    return Bad("slot out of range");
  }
  g.Grow(0, live > 0 ? static_cast<size_t>(max_slot) + 1 : 0);
  for (uint32_t i = 0; i < n; ++i) {
    if (g.node_state[i] != kLive) continue;
    uint32_t& s = g.slot_node[g.node_slot[i]];
    if (s != kNoNode) return Bad("duplicate slot");
    s = i;
  }
  // in_degree is not stored (it follows from the lists): it is counted in the pass that checks
  // them, split over the cores by node range, each range counting into an array of its own. At a
  // million nodes the check and a separate count were two passes of ~0.2 s each over the records.
  // A damaged list is reported from the first range that has one, whatever the timing.
  const size_t ranges = n >= kParallelCheckNodes ? std::max(1, core::AvailableCores()) : 1;
  std::vector<const char*> problem(ranges, nullptr);
  std::vector<std::vector<uint32_t>> range_counts(ranges - 1);
  std::fill(g.in_degree.begin(), g.in_degree.end(), 0);
  core::ParallelFor(ranges, static_cast<int>(ranges), [&](size_t k) {
    uint32_t* counts = g.in_degree.data();
    if (k > 0) {
      range_counts[k - 1].assign(n, 0);
      counts = range_counts[k - 1].data();
    }
    problem[k] = CheckLinksAndCount(g, n, static_cast<uint32_t>(uint64_t{n} * k / ranges),
                                    static_cast<uint32_t>(uint64_t{n} * (k + 1) / ranges), counts);
  });
  for (const char* what : problem) {
    if (what != nullptr) return Bad(what);
  }
  for (const std::vector<uint32_t>& counts : range_counts) {
    for (uint32_t i = 0; i < n; ++i) g.in_degree[i] += counts[i];
  }
  if (entry != Impl::kNoEntry) {
    const uint32_t e = static_cast<uint32_t>(entry);
    const uint64_t level = entry >> 32;
    if (e >= n || g.node_state[e] == kFree || level != g.node_level[e]) return Bad("bad entry");
  } else if (live + dead > 0) {
    return Bad("missing entry point");
  }
  g.entry = entry;
  g.tombstones = dead;
  index->live_ = live;
  // Graphs written before connectivity was kept may hold unreachable nodes: they are re-linked
  // here, which changes nothing when none are, or by the caller's Reconnect later.
  if (reconnect) {
    ReconnectLocked(g);
  } else {
    g.added_since_check.store(n);  // unchecked: MaybeReconnect checks it at its next chance
  }
  return index;
}

namespace {

// Faults in every page of `a` now (a write per 4 KiB: the first in each 2 MiB region takes a huge
// page), so that a later copy into it finds its memory ready.
template <class T>
void Touch(HugeArray<T>* a) {
  char* p = reinterpret_cast<char*>(a->data());
  const size_t bytes = a->size() * sizeof(T);
  for (size_t at = 0; at < bytes; at += 4096) p[at] = 0;
}

// Copies `from` into `to` (grown to its size if `from` grew) and makes `to` the array.
template <class T>
void MoveInto(HugeArray<T>* from, HugeArray<T>* to) {
  to->Grow(from->size());
  std::memcpy(to->data(), from->data(), from->size() * sizeof(T));
  *from = std::move(*to);
}

}  // namespace

bool HnswIndex::MoveMappedArraysToMemory() {
  Impl& g = *impl_;
  size_t level0_size = 0, vectors_size = 0;
  uint64_t epoch = 0;
  {
    std::shared_lock<std::shared_mutex> lock(g.rw);
    if (g.level0.file_bytes() == 0 && g.vectors.file_bytes() == 0) return false;
    level0_size = g.level0.file_bytes() > 0 ? g.level0.size() : 0;
    vectors_size = g.vectors.file_bytes() > 0 ? g.vectors.size() : 0;
    epoch = g.exclusive_epoch;
  }
  HugeArray<uint32_t> level0;
  HugeArray<float> vectors;
  level0.Grow(level0_size);
  vectors.Grow(vectors_size);
  Touch(&level0);
  Touch(&vectors);
  // The copy runs beside searches, under the shared lock. Nothing else writes these arrays
  // meanwhile: the only writer under the shared lock is an add (removals mark node_state, a
  // separate array), and this runs on the only thread that adds; every other change holds the
  // lock exclusively and moves exclusive_epoch. Copied under the exclusive lock, as before,
  // searches waited for all of it (0.06-0.8 s for 0.5 GB on a loaded machine).
  bool copied = false;
  {
    std::shared_lock<std::shared_mutex> lock(g.rw);
    if (g.exclusive_epoch == epoch) {
      if (level0_size > 0) {
        std::memcpy(level0.data(), g.level0.data(), level0_size * sizeof(uint32_t));
      }
      if (vectors_size > 0) {
        std::memcpy(vectors.data(), g.vectors.data(), vectors_size * sizeof(float));
      }
      copied = true;
    }
  }
  if (move_hook_for_test_) move_hook_for_test_();
  // A plain lock, not ExclusiveLock: the swap changes no element (and there is no other copy to
  // invalidate); the copy again below counts itself.
  std::unique_lock<std::shared_mutex> lock(g.rw);
  if (copied && g.exclusive_epoch == epoch) {
    // Unchanged since the copy (sizes included: arrays grow only under the exclusive lock).
    if (level0_size > 0) g.level0 = std::move(level0);
    if (vectors_size > 0) g.vectors = std::move(vectors);
    return true;
  }
  // Changed meanwhile (a consolidation, a growth, a retraining or a repair): copy again, alone.
  ++g.exclusive_epoch;
  if (level0_size > 0 && g.level0.file_bytes() > 0) MoveInto(&g.level0, &level0);
  if (vectors_size > 0 && g.vectors.file_bytes() > 0) MoveInto(&g.vectors, &vectors);
  return true;
}

}  // namespace semble::index
