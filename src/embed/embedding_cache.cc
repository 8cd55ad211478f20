// Copyright 2026 The semble Authors.
//
// File format (little-endian): "SMBLEMB1", u32 dims, u64 count, count x (u64 lo, u64 hi,
// dims x f32), u64 XXH64 of everything before it. Entries are written least recent first so that
// loading them in order rebuilds the same LRU order.

#include "embed/embedding_cache.h"

#include <xxhash.h>

#include <cstring>

namespace semble::embed {
namespace {

constexpr char kMagic[8] = {'S', 'M', 'B', 'L', 'E', 'M', 'B', '1'};

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(v));
}

template <typename T>
T Get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

}  // namespace

CacheKey EmbeddingCache::Key(std::string_view model_id, Pooling pooling, bool normalize,
                             std::string_view text) {
  // Length-prefixed fields: ("ab", "c") and ("a", "bc") must not collide.
  std::string buf;
  buf.reserve(model_id.size() + text.size() + 32);
  Put<uint64_t>(&buf, model_id.size());
  buf.append(model_id);
  Put<uint8_t>(&buf, static_cast<uint8_t>(pooling));
  Put<uint8_t>(&buf, normalize ? 1 : 0);
  Put<uint64_t>(&buf, text.size());
  buf.append(text);
  const XXH128_hash_t h = XXH3_128bits(buf.data(), buf.size());
  return CacheKey{h.low64, h.high64};
}

bool EmbeddingCache::Lookup(const CacheKey& key, std::vector<float>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return false;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  *out = it->second->v;
  ++hits_;
  return true;
}

void EmbeddingCache::InsertLocked(const CacheKey& key, std::vector<float> v) {
  if (capacity_ == 0 || v.size() != dims_) return;
  auto it = index_.find(key);
  if (it != index_.end()) {
    it->second->v = std::move(v);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.push_front(Entry{key, std::move(v)});
  index_[key] = lru_.begin();
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

void EmbeddingCache::Insert(const CacheKey& key, const std::vector<float>& v) {
  std::lock_guard<std::mutex> lock(mu_);
  InsertLocked(key, v);
}

EmbeddingCacheStats EmbeddingCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return EmbeddingCacheStats{hits_, misses_, lru_.size()};
}

Status EmbeddingCache::Save(Env* env, const std::string& path) const {
  std::string out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out.reserve(28 + lru_.size() * (16 + 4 * dims_));
    out.append(kMagic, 8);
    Put<uint32_t>(&out, static_cast<uint32_t>(dims_));
    Put<uint64_t>(&out, lru_.size());
    for (auto it = lru_.rbegin(); it != lru_.rend(); ++it) {
      Put<uint64_t>(&out, it->key.lo);
      Put<uint64_t>(&out, it->key.hi);
      out.append(reinterpret_cast<const char*>(it->v.data()), dims_ * sizeof(float));
    }
  }
  Put<uint64_t>(&out, XXH64(out.data(), out.size(), 0));
  return WriteFileAtomically(env, path, out);
}

Status EmbeddingCache::Load(Env* env, const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    lru_.clear();
    index_.clear();
  }
  if (!env->FileExists(path)) return Status::OK();
  SEMBLE_ASSIGN_OR_RETURN(std::string data, ReadFileToString(env, path));
  auto bad = [&](const char* why) { return Status::Corruption(path + ": " + why); };
  if (data.size() < 28 || std::memcmp(data.data(), kMagic, 8) != 0) return bad("not a cache file");
  const size_t body = data.size() - 8;
  if (Get<uint64_t>(data.data() + body) != XXH64(data.data(), body, 0)) {
    return bad("checksum mismatch");
  }
  const uint32_t dims = Get<uint32_t>(data.data() + 8);
  const uint64_t count = Get<uint64_t>(data.data() + 12);
  const uint64_t entry = 16 + 4 * static_cast<uint64_t>(dims);
  if (dims != dims_) return bad("written for another dimension");
  if (count > (body - 20) / entry || 20 + count * entry != body) return bad("size mismatch");
  std::lock_guard<std::mutex> lock(mu_);
  const char* p = data.data() + 20;
  for (uint64_t i = 0; i < count; ++i, p += entry) {
    std::vector<float> v(dims);
    std::memcpy(v.data(), p + 16, 4 * static_cast<size_t>(dims));
    InsertLocked(CacheKey{Get<uint64_t>(p), Get<uint64_t>(p + 8)}, std::move(v));
  }
  return Status::OK();
}

}  // namespace semble::embed
