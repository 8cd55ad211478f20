// Copyright 2026 The semble Authors.
//
// IndexBucket (index_bucket.h): the object layout and the single-writer protocol of an index that
// lives in an object store.

#include "db/index_bucket.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "core/coding.h"
#include "db/random_id.h"
#include "storage/content_hash.h"
#include "storage/log_format.h"

namespace semble::db {
namespace {

constexpr char kBucketManifestMagic[] = "SMBLBMAN";
constexpr uint32_t kBucketManifestVersion = 1;
constexpr char kManifestDir[] = "manifest/";
constexpr char kLogDir[] = "log/";
constexpr char kSegmentDir[] = "seg/";
// A segment being downloaded into the cache: a name no open trusts (and the next one removes).
constexpr char kDownloadSuffix[] = ".download";
// Attempts at taking over an index while another writer keeps appending.
constexpr int kMaterializeAttempts = 8;

std::string Number20(uint64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%020" PRIu64, n);
  return buf;
}

// Parses the 20-digit number that ends a key under `dir`; false for any other key.
bool ParseNumberKey(const std::string& key, const std::string& dir, uint64_t* n) {
  if (key.size() != dir.size() + 20 || key.compare(0, dir.size(), dir) != 0) return false;
  uint64_t v = 0;
  for (size_t i = dir.size(); i < key.size(); ++i) {
    if (key[i] < '0' || key[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(key[i] - '0');
  }
  *n = v;
  return true;
}

// The checkpoint sequence of a segment key "<dir>seg-<20 digits>-<writer>.seg".
bool ParseSegmentSeq(const std::string& key, const std::string& dir, uint64_t* seq) {
  const std::string head = dir + "seg-";
  if (key.size() < head.size() + 20 || key.compare(0, head.size(), head) != 0) return false;
  return ParseNumberKey(key.substr(0, head.size() + 20), head, seq);
}

bool IsConditionFailed(const Status& s) { return s.reason() == Status::Reason::kConditionFailed; }

// What a manifest object holds.
struct BucketManifest {
  Manifest manifest;
  std::string segment_key;  // "" before the first checkpoint
  uint64_t segment_size = 0;
  std::string segment_hash;
  uint64_t first_log = 1;  // the first log object the segment does not cover
  int64_t commit_ms = 0;
};

std::string EncodeBucketManifest(const BucketManifest& bm) {
  std::string payload;
  core::PutFixed64(&payload, bm.first_log);
  core::PutFixed64(&payload, static_cast<uint64_t>(bm.commit_ms));
  core::PutLengthPrefixed(&payload, bm.segment_key);
  core::PutFixed64(&payload, bm.segment_size);
  core::PutLengthPrefixed(&payload, bm.segment_hash);
  core::PutLengthPrefixed(&payload, EncodeManifest(bm.manifest));
  return storage::FrameVersioned(kBucketManifestMagic, kBucketManifestVersion, payload);
}

Result<BucketManifest> DecodeBucketManifest(std::string_view data, const std::string& where) {
  auto bad = [&](const std::string& what) { return Status::Corruption(where + ": " + what); };
  SEMBLE_ASSIGN_OR_RETURN(std::string_view in, storage::VersionedRecord(data, kBucketManifestMagic,
                                                                        kBucketManifestVersion,
                                                                        "bucket manifest", where));
  uint64_t commit_ms;
  std::string_view segment_key, segment_hash, manifest;
  BucketManifest bm;
  if (!core::GetFixed64(&in, &bm.first_log) || !core::GetFixed64(&in, &commit_ms) ||
      !core::GetLengthPrefixed(&in, &segment_key) || !core::GetFixed64(&in, &bm.segment_size) ||
      !core::GetLengthPrefixed(&in, &segment_hash) || !core::GetLengthPrefixed(&in, &manifest) ||
      !in.empty() || bm.first_log == 0) {
    return bad("malformed bucket manifest");
  }
  bm.commit_ms = static_cast<int64_t>(commit_ms);
  bm.segment_key.assign(segment_key);
  bm.segment_hash.assign(segment_hash);
  SEMBLE_ASSIGN_OR_RETURN(bm.manifest, DecodeManifest(manifest, where));
  if (bm.segment_key.empty() != bm.manifest.segment.empty()) {
    return bad("the segment key and the manifest's segment disagree");
  }
  return bm;
}

// The newest manifest under prefix and its number.
Result<std::pair<uint64_t, BucketManifest>> ReadNewestManifest(ObjectStore* store,
                                                               const std::string& prefix) {
  const std::string dir = prefix + kManifestDir;
  SEMBLE_ASSIGN_OR_RETURN(std::vector<ObjectInfo> listed, store->List(dir));
  uint64_t newest = 0;
  bool found = false;
  for (const ObjectInfo& o : listed) {
    uint64_t n;
    if (ParseNumberKey(o.key, dir, &n) && (!found || n > newest)) {
      newest = n;
      found = true;
    }
  }
  if (!found) {
    return Status::Corruption(store->Url() + "/" + dir + ": the index has no manifest");
  }
  const std::string key = dir + Number20(newest);
  SEMBLE_ASSIGN_OR_RETURN(Object o, store->Get(key));
  SEMBLE_ASSIGN_OR_RETURN(BucketManifest bm,
                          DecodeBucketManifest(o.data, store->Url() + "/" + key));
  return std::make_pair(newest, std::move(bm));
}

// Writes a file of the cache: whole or not at all (temporary + rename), but not fsynced. The store
// holds the durable copy; a cache file a power cut damaged fails its size, hash or record checks
// and is fetched again (DatabaseImpl retries an open that finds a damaged cache).
Status WriteCacheFile(Env* env, const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  SEMBLE_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(tmp));
  Status s = file->Append(data);
  Status closed = file->Close();
  if (s.ok()) s = closed;
  if (s.ok()) s = env->RenameFile(tmp, path);
  if (!s.ok()) (void)env->RemoveFile(tmp);
  return s;
}

// Streams the segment into `tmp` with one GET, hashing it as it arrives.
Status DownloadWhole(ObjectStore* store, Env* env, const std::string& tmp, const BucketManifest& bm,
                     const std::string& where) {
  SEMBLE_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(tmp));
  storage::ContentHasher hasher;
  uint64_t received = 0;
  Status s = store->GetTo(bm.segment_key, 0, ObjectStore::kToEnd, [&](std::string_view piece) {
    if (piece.size() > bm.segment_size - received) {
      return Status::Corruption(where + ": longer than the " + std::to_string(bm.segment_size) +
                                " bytes the manifest recorded");
    }
    received += piece.size();
    hasher.Update(piece);
    return file->Append(piece);
  });
  Status closed = file->Close();
  if (s.ok()) s = closed;
  if (s.ok() && (received != bm.segment_size || hasher.Finish() != bm.segment_hash)) {
    s = Status::Corruption(where + ": size or hash differs from what the manifest recorded (" +
                           std::to_string(received) + " bytes received, " +
                           std::to_string(bm.segment_size) + " recorded)");
  }
  return s;
}

// Streams the segment into `file` (at `tmp`) as `parts` ranged GETs at once, each written into its
// place. The first part is hashed as it arrives; the others, which arrive meanwhile, are hashed
// from the file (the page cache) after it.
Status DownloadInParts(ObjectStore* store, Env* env, const std::string& tmp,
                       std::unique_ptr<PositionalWritableFile> file, const BucketManifest& bm,
                       const std::string& where, uint64_t parts) {
  const uint64_t size = bm.segment_size;
  const uint64_t part = (size + parts - 1) / parts;
  storage::ContentHasher hasher;
  std::mutex mu;
  Status first_error;  // guarded by mu
  std::atomic<bool> failed{false};
  auto fetch = [&](uint64_t k) {
    const uint64_t begin = k * part, length = std::min(part, size - begin);
    uint64_t at = begin;
    Status s = store->GetTo(bm.segment_key, begin, length, [&](std::string_view piece) {
      if (failed) return Status::IOError(where + ": another part failed");
      if (k == 0) hasher.Update(piece);
      Status w = file->WriteAt(at, piece);
      at += piece.size();
      return w;
    });
    if (s.ok() && at != begin + length) {
      s = Status::Corruption(where + ": shorter than the " + std::to_string(size) +
                             " bytes the manifest recorded");
    }
    if (!s.ok()) {
      std::lock_guard l(mu);
      if (!failed.exchange(true)) first_error = s;
    }
  };
  std::vector<std::thread> threads;
  for (uint64_t k = 1; k < parts; ++k) threads.emplace_back(fetch, k);
  fetch(0);
  for (std::thread& t : threads) t.join();
  Status s = file->Close();
  if (failed) return first_error;
  SEMBLE_RETURN_IF_ERROR(s);
  // The rest of the hash, from the file.
  SEMBLE_ASSIGN_OR_RETURN(auto in, env->NewSequentialFile(tmp));
  constexpr size_t kChunk = 1 << 20;
  std::string scratch(kChunk, '\0');
  uint64_t pos = 0;
  while (true) {
    std::string_view got;
    SEMBLE_RETURN_IF_ERROR(in->Read(kChunk, &got, scratch.data()));
    if (got.empty()) break;
    if (pos + got.size() > part) {
      const size_t skip = pos >= part ? 0 : static_cast<size_t>(part - pos);
      hasher.Update(got.substr(skip));
    }
    pos += got.size();
  }
  if (pos != size || hasher.Finish() != bm.segment_hash) {
    return Status::Corruption(where + ": size or hash differs from what the manifest recorded (" +
                              std::to_string(pos) + " bytes received, " + std::to_string(size) +
                              " recorded)");
  }
  return Status::OK();
}

// Streams bm's segment from the store into dir's segment file, hashing it on the way: the bytes go
// into a temporary file (never a name an open trusts) and only a download of the size and hash the
// manifest recorded is renamed into place, then marked verified by its hash file. An interrupted
// or wrong download leaves neither: the next open fetches again. A large segment comes as a few
// ranged GETs at once (IndexBucketOptions::parallel_gets).
Status DownloadSegment(ObjectStore* store, Env* env, const std::string& path,
                       const std::string& hash_path, const BucketManifest& bm,
                       const IndexBucketOptions& options) {
  const std::string where = store->Url() + "/" + bm.segment_key;
  // A hash file beside a copy about to be replaced would vouch for the wrong bytes.
  if (env->FileExists(hash_path)) SEMBLE_RETURN_IF_ERROR(env->RemoveFile(hash_path));
  const std::string tmp = path + kDownloadSuffix;
  const uint64_t part_bytes = std::max<uint64_t>(1, options.get_part_bytes);
  const uint64_t parts =
      std::min<uint64_t>(std::max(1, options.parallel_gets),
                         (bm.segment_size + part_bytes - 1) / part_bytes);
  Status s;
  std::unique_ptr<PositionalWritableFile> positional;
  if (parts > 1) {
    auto opened = env->NewPositionalWritableFile(tmp);
    if (!opened.ok()) return opened.status();
    positional = std::move(opened).value();
  }
  if (positional != nullptr) {
    s = DownloadInParts(store, env, tmp, std::move(positional), bm, where, parts);
  } else {
    s = DownloadWhole(store, env, tmp, bm, where);
  }
  if (s.ok()) s = env->RenameFile(tmp, path);
  if (!s.ok()) {
    (void)env->RemoveFile(tmp);
    return s;
  }
  return WriteCacheFile(env, hash_path, bm.segment_hash);
}

// Makes dir's segment file the one bm names: keeps a cached copy with the same hash, else
// downloads and verifies it.
Status FetchSegment(ObjectStore* store, Env* env, const std::string& dir, const BucketManifest& bm,
                    const IndexBucketOptions& options) {
  if (bm.segment_key.empty()) return Status::OK();
  const std::string path = dir + "/" + bm.manifest.segment;
  const std::string hash_path = path + kSegmentHashSuffix;
  // A cached copy verified against this hash is used without being read here: its records carry
  // CRCs that loading checks anyway, and reading hundreds of MB twice is most of a warm open.
  if (env->FileExists(path) && env->FileExists(hash_path)) {
    auto size = env->GetFileSize(path);
    auto hash = ReadFileToString(env, hash_path);
    if (size.ok() && *size == bm.segment_size && hash.ok() && *hash == bm.segment_hash) {
      return Status::OK();
    }
  }
  return DownloadSegment(store, env, path, hash_path, bm, options);
}

}  // namespace

std::string IndexBucketPrefix(const std::string& name, uint64_t incarnation) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, incarnation);
  return "indexes/" + name + "/" + buf + "/";
}

Status IndexBucket::Create(ObjectStore* store, const std::string& prefix,
                           const Manifest& manifest) {
  BucketManifest bm;
  bm.manifest = manifest;
  bm.commit_ms = manifest.description.created_on_ms;
  auto put = store->Put(prefix + kManifestDir + Number20(0), EncodeBucketManifest(bm),
                        PutCondition::IfAbsent());
  if (IsConditionFailed(put.status())) {
    return Status::AlreadyExists(store->Url() + "/" + prefix + " already holds an index");
  }
  return put.status();
}

Status IndexBucket::CreateFromSegment(ObjectStore* store, const std::string& prefix,
                                      const Manifest& manifest, std::string_view segment) {
  BucketManifest bm;
  bm.manifest = manifest;
  bm.commit_ms = manifest.description.modified_on_ms;
  std::string stem = manifest.segment;
  if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".seg") == 0)
    stem.resize(stem.size() - 4);
  bm.segment_key = prefix + kSegmentDir + stem + "-restored.seg";
  bm.segment_size = segment.size();
  bm.segment_hash = storage::ContentHash(segment);
  SEMBLE_RETURN_IF_ERROR(store->Put(bm.segment_key, segment).status());
  auto put = store->Put(prefix + kManifestDir + Number20(0), EncodeBucketManifest(bm),
                        PutCondition::IfAbsent());
  if (IsConditionFailed(put.status())) {
    return Status::AlreadyExists(store->Url() + "/" + prefix + " already holds an index");
  }
  return put.status();
}

Result<std::unique_ptr<IndexBucket>> IndexBucket::Materialize(ObjectStore* store, Env* env,
                                                              const std::string& prefix,
                                                              const std::string& dir,
                                                              const IndexBucketOptions& options,
                                                              bool fence) {
  std::unique_ptr<IndexBucket> bucket(new IndexBucket(store, prefix, options));
  bucket->writer_id_ = RandomHex64();
  for (int attempt = 0; attempt < kMaterializeAttempts; ++attempt) {
    SEMBLE_ASSIGN_OR_RETURN(auto newest, ReadNewestManifest(store, prefix));
    const BucketManifest& bm = newest.second;
    SEMBLE_RETURN_IF_ERROR(FetchSegment(store, env, dir, bm, options));

    // Every log object from the manifest's first on, dense.
    const std::string log_dir = prefix + kLogDir;
    SEMBLE_ASSIGN_OR_RETURN(std::vector<ObjectInfo> listed, store->List(log_dir));
    std::string wal;
    uint64_t next = bm.first_log;
    bool gap = false;
    for (const ObjectInfo& o : listed) {
      uint64_t k;
      if (!ParseNumberKey(o.key, log_dir, &k) || k < bm.first_log) continue;
      if (k != next) {
        // A listing may lag the writes for a moment (radosgw completes a bucket's index entry
        // after the write returns): list again before calling a log object missing.
        if (attempt + 1 < kMaterializeAttempts) {
          gap = true;
          break;
        }
        return Status::Corruption(store->Url() + "/" + log_dir + Number20(next) +
                                  " is missing (the log continues at " + std::to_string(k) + ")");
      }
      SEMBLE_ASSIGN_OR_RETURN(Object obj, store->Get(o.key));
      std::vector<std::string_view> records;
      SEMBLE_RETURN_IF_ERROR(storage::SplitRecords(obj.data, store->Url() + "/" + o.key, &records));
      wal += obj.data;
      ++next;
    }
    if (gap) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }

    // The fence: the next number, empty. Losing it means another writer appended meanwhile.
    if (fence) {
      auto fenced = store->Put(log_dir + Number20(next), "", PutCondition::IfAbsent());
      if (IsConditionFailed(fenced.status())) continue;
      SEMBLE_RETURN_IF_ERROR(fenced.status());
    }

    // Rebuild the directory: only the manifest's segment (and its verified hash) stays.
    SEMBLE_ASSIGN_OR_RETURN(std::vector<std::string> children, env->GetChildren(dir));
    for (const std::string& name : children) {
      if (name != bm.manifest.segment && name != bm.manifest.segment + kSegmentHashSuffix) {
        SEMBLE_RETURN_IF_ERROR(env->RemoveFile(dir + "/" + name));
      }
    }
    SEMBLE_RETURN_IF_ERROR(
        WriteFileAtomically(env, dir + "/" + WalFileName(bm.manifest.checkpoint_seq + 1), wal));
    SEMBLE_RETURN_IF_ERROR(WriteManifest(env, dir, bm.manifest));
    bucket->writer_ = fence;
    bucket->next_log_ = fence ? next + 1 : next;
    bucket->manifest_no_ = newest.first;
    return bucket;
  }
  return Status::FailedPrecondition("could not take over " + store->Url() + "/" + prefix +
                                    ": another writer keeps appending to it")
      .WithReason(Status::Reason::kFenced);
}

Status IndexBucket::ReadNewLogs(std::string* framed, bool* behind) {
  *behind = false;
  const std::string log_dir = prefix_ + kLogDir;
  // Log numbers are dense, so the next object is found by its name: one GET (a 404 when idle), no
  // listing.
  bool found = false;
  for (;;) {
    const std::string key = log_dir + Number20(next_log_);
    auto obj = store_->Get(key);
    if (obj.status().IsNotFound()) break;
    std::vector<std::string_view> records;
    Status read = obj.status();
    if (read.ok()) read = storage::SplitRecords(obj->data, store_->Url() + "/" + key, &records);
    if (!read.ok()) {
      // The objects read so far are returned (next_log_ is past them): failing here would drop
      // them and leave the caller one gap behind the log. This one is read again next time,
      // and its error reported then.
      if (found) return Status::OK();
      return read;
    }
    framed->append(obj->data);
    ++next_log_;
    found = true;
  }
  if (found) return Status::OK();
  // Nothing new, or the next object was collected as garbage. Only a newer manifest can have
  // collected it: listing the manifests says whether there is one, and only then is it read.
  const std::string dir = prefix_ + kManifestDir;
  SEMBLE_ASSIGN_OR_RETURN(std::vector<ObjectInfo> listed, store_->List(dir));
  uint64_t newest = manifest_no_;
  for (const ObjectInfo& o : listed) {
    uint64_t n;
    if (ParseNumberKey(o.key, dir, &n) && n > newest) newest = n;
  }
  if (newest == manifest_no_) return Status::OK();
  const std::string key = dir + Number20(newest);
  auto o = store_->Get(key);
  if (o.status().IsNotFound()) return Status::OK();  // collected meanwhile: look again next time
  if (!o.ok()) return o.status();
  SEMBLE_ASSIGN_OR_RETURN(BucketManifest bm, DecodeBucketManifest(o->data, store_->Url() + "/" + key));
  if (bm.first_log > next_log_) *behind = true;
  manifest_no_ = newest;
  return Status::OK();
}

Status IndexBucket::Fenced(const std::string& what) const {
  return Status::FailedPrecondition("another writer took over " + store_->Url() + "/" + prefix_ +
                                    " (" + what + "); this handle writes nothing more")
      .WithReason(Status::Reason::kFenced);
}

Result<bool> IndexBucket::LandedAnyway(const std::string& key, std::string_view data) {
  auto got = store_->Get(key);
  if (got.status().IsNotFound()) return false;
  if (!got.ok()) return got.status();
  return got->data == data;
}

Status IndexBucket::AppendLog(std::string_view framed, bool* unknown) {
  *unknown = false;
  const std::string key = prefix_ + kLogDir + Number20(next_log_);
  auto put = store_->Put(key, framed, PutCondition::IfAbsent());
  if (!put.ok()) {
    // A conditional put that failed may still have landed (a retry finds its own first attempt),
    // and another error may hide a put that landed: only reading back tells.
    auto landed = LandedAnyway(key, framed);
    if (!landed.ok()) {
      *unknown = true;
      return Status::IOError("the outcome of " + store_->Url() + "/" + key + " is unknown (" +
                             put.status().ToString() +
                             "; reading it back: " + landed.status().ToString() + ")");
    }
    if (!*landed) {
      if (IsConditionFailed(put.status())) return Fenced("log object " + std::to_string(next_log_));
      return put.status();  // nothing was written: the next group tries the same number
    }
  }
  ++next_log_;
  bytes_uploaded_ += framed.size();
  return Status::OK();
}

Status IndexBucket::CommitCheckpoint(Env* env, const std::string& dir, const Manifest& manifest) {
  BucketManifest bm;
  bm.manifest = manifest;
  bm.first_log = next_log_;
  bm.commit_ms = env->NowMillis();
  if (!manifest.segment.empty()) {
    SEMBLE_ASSIGN_OR_RETURN(std::string segment,
                            ReadFileToString(env, dir + "/" + manifest.segment));
    std::string stem = manifest.segment;
    if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".seg") == 0)
      stem.resize(stem.size() - 4);
    bm.segment_key = prefix_ + kSegmentDir + stem + "-" + writer_id_ + ".seg";
    bm.segment_size = segment.size();
    bm.segment_hash = storage::ContentHash(segment);
    auto put = store_->Put(bm.segment_key, segment, PutCondition::IfAbsent());
    if (!put.ok()) {
      auto landed = LandedAnyway(bm.segment_key, segment);
      if (!landed.ok()) return landed.status();
      if (!*landed) return put.status();
    }
    bytes_uploaded_ += segment.size();
    // This cache holds the segment already: say so, or the next open would fetch it again.
    (void)WriteFileAtomically(env, dir + "/" + manifest.segment + kSegmentHashSuffix,
                              bm.segment_hash);
  }
  const std::string key = prefix_ + kManifestDir + Number20(manifest_no_ + 1);
  const std::string encoded = EncodeBucketManifest(bm);
  auto put = store_->Put(key, encoded, PutCondition::IfAbsent());
  if (!put.ok()) {
    auto landed = LandedAnyway(key, encoded);
    if (!landed.ok()) {
      // Unknown: the next commit would find the number taken and call itself fenced, which is the
      // safe reading; say so now.
      return Status::IOError("the outcome of " + store_->Url() + "/" + key + " is unknown (" +
                             put.status().ToString() + ")");
    }
    if (!*landed) {
      if (IsConditionFailed(put.status()))
        return Fenced("manifest " + std::to_string(manifest_no_ + 1));
      return put.status();
    }
  }
  ++manifest_no_;
  bytes_uploaded_ += encoded.size();
  CollectGarbage(bm.commit_ms);
  return Status::OK();
}

void IndexBucket::CollectGarbage(int64_t now_ms) {
  // Failures here leave garbage for the next commit to find; they never lose data.
  const std::string manifest_dir = prefix_ + kManifestDir;
  auto listed = store_->List(manifest_dir);
  if (!listed.ok()) return;
  struct Kept {
    uint64_t n;
    BucketManifest bm;
  };
  std::vector<Kept> manifests;
  for (const ObjectInfo& o : *listed) {
    uint64_t n;
    if (!ParseNumberKey(o.key, manifest_dir, &n) || n > manifest_no_) continue;
    auto got = store_->Get(o.key);
    if (!got.ok()) return;
    auto bm = DecodeBucketManifest(got->data, o.key);
    if (!bm.ok()) return;  // never delete around a manifest that cannot be read
    manifests.push_back({n, std::move(bm).value()});
  }
  if (manifests.empty()) return;
  // The floor: the newest manifest older than the grace period (or the oldest of all). It and
  // everything newer stay readable.
  size_t floor = 0;
  for (size_t i = 0; i < manifests.size(); ++i) {
    if (manifests[i].bm.commit_ms <= now_ms - options_.gc_grace_ms) floor = i;
  }
  std::vector<std::string> needed_segments;
  for (size_t i = floor; i < manifests.size(); ++i) {
    needed_segments.push_back(manifests[i].bm.segment_key);
  }
  for (size_t i = 0; i < floor; ++i) {
    if (!store_->Delete(manifest_dir + Number20(manifests[i].n)).ok()) return;
  }
  const uint64_t first_needed_log = manifests[floor].bm.first_log;
  const std::string log_dir = prefix_ + kLogDir;
  if (auto logs = store_->List(log_dir); logs.ok()) {
    for (const ObjectInfo& o : *logs) {
      uint64_t k;
      if (ParseNumberKey(o.key, log_dir, &k) && k < first_needed_log) (void)store_->Delete(o.key);
    }
  }
  // A segment no kept manifest names goes too, if it is not newer than the newest commit: a
  // newer one may be another writer's upload on its way to a commit this writer has not seen
  // (that writer is then fenced, and whoever commits next collects it).
  const uint64_t newest_seq = manifests.back().bm.manifest.checkpoint_seq;
  const std::string segment_dir = prefix_ + kSegmentDir;
  if (auto segments = store_->List(segment_dir); segments.ok()) {
    for (const ObjectInfo& o : *segments) {
      uint64_t seq;
      if (std::find(needed_segments.begin(), needed_segments.end(), o.key) !=
              needed_segments.end() ||
          !ParseSegmentSeq(o.key, segment_dir, &seq) || seq > newest_seq) {
        continue;
      }
      (void)store_->Delete(o.key);
    }
  }
}

Status IndexBucket::DeleteAll(ObjectStore* store, const std::string& prefix) {
  SEMBLE_ASSIGN_OR_RETURN(std::vector<ObjectInfo> listed, store->List(prefix));
  Status first;
  // Manifests first: a half-deleted prefix then reads as "no manifest", never as an index
  // missing some of its log.
  std::stable_partition(listed.begin(), listed.end(), [&](const ObjectInfo& o) {
    return o.key.compare(0, prefix.size() + 9, prefix + kManifestDir) == 0;
  });
  for (const ObjectInfo& o : listed) {
    Status s = store->Delete(o.key);
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

}  // namespace semble::db
