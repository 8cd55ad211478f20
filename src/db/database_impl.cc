// Copyright 2026 The semble Authors.
//
// The database: a directory with a LOCK file and one subdirectory per index under indexes/.
// With an object store (DatabaseOptions::store_url) the store holds the database (a catalogue
// and each index's objects, bucket_catalog.h and index_bucket.h) and the directory caches it.
//
// Creating an index builds its directory under a hidden temporary name and renames it into place,
// so a crash never leaves a half-created index visible; deleting one renames it to a hidden name
// first, so a crash never leaves a half-deleted one. Hidden leftovers are removed on Open.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <shared_mutex>
#include <thread>

#include "core/cpu_count.h"
#include "db/backup.h"
#include "db/bucket_catalog.h"
#include "db/collection.h"
#include "db/index_bucket.h"
#include "db/index_files.h"
#include "db/random_id.h"
#include "db/sharded_index.h"
#include "db/validation.h"
#include "index/index_factory.h"
#include "semble/database.h"
#include "semble/env.h"
#include "semble/model_registry.h"
#include "semble/model_store.h"
#include "semble/record_schema.h"

namespace semble {
namespace {

class DatabaseImpl final : public Database {
 public:
  DatabaseImpl(const DatabaseOptions& options, std::string path, std::unique_ptr<FileLock> lock,
               ObjectStore* store, std::unique_ptr<ObjectStore> own_store)
      : options_(options),
        env_(options.env),
        path_(std::move(path)),
        lock_(std::move(lock)),
        own_store_(std::move(own_store)),
        store_(store) {
    bucket_options_.gc_grace_ms = options.store_gc_grace_ms;
    bucket_options_.parallel_gets = options.store_parallel_gets;
    bucket_options_.get_part_bytes = options.store_get_part_bytes;
    copts_.group_commit_window_us = options.group_commit_window_us;
    copts_.read_only = options.read_only;
    copts_.env = env_;
    copts_.sync_mode = options.sync_mode;
    copts_.limits = options.limits;
    copts_.checkpoint_wal_bytes = options.checkpoint_wal_bytes;
    copts_.checkpoint_wal_ratio = options.checkpoint_wal_ratio;
    copts_.exact_search_below = options.exact_search_below;
    copts_.max_unindexed_bytes = options.max_unindexed_bytes;
    copts_.repair_damaged_logs = options.repair_damaged_logs;
    copts_.models = options.models;
    if (copts_.models == nullptr) {
      // An embedded program that never set up models still gets text search: the models
      // installed beside its data, loaded when text first arrives (an index without a model never
      // loads one), with the embedding cache in the data directory.
      ModelRegistryOptions m;
      m.env = env_;
      m.models_dir = DefaultModelsDir(path_);
      m.cache_dir = path_ + "/cache";
      m.embedder.threads = core::AvailableCores();
      own_models_ = std::make_unique<ModelRegistry>(std::move(m));
      copts_.models = own_models_.get();
    }
  }

  ~DatabaseImpl() override {
    {
      std::lock_guard purge_lock(purge_mu_);
      stop_purging_ = true;
    }
    purge_cv_.notify_all();
    if (purger_.joinable()) purger_.join();
    std::unique_lock lock(mu_);
    for (auto& [name, c] : indexes_) {
      // Nothing to report to: a failed checkpoint leaves the WAL, which the next Open replays.
      (void)c->Close(
          options_.checkpoint_on_close,
          Status::FailedPrecondition("the database holding index \"" + name + "\" is closed"));
    }
    // An optimisation: a cache that cannot be written is recomputed next time.
    if (own_models_ != nullptr) (void)own_models_->SaveCaches();
  }

  Status Load() {
    SEMBLE_RETURN_IF_ERROR(env_->CreateDir(IndexesDir()));
    if (store_ != nullptr) return LoadFromStore();
    SEMBLE_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->GetChildren(IndexesDir()));
    for (const std::string& name : names) {
      const std::string dir = IndexesDir() + "/" + name;
      if (name.front() == '.') {  // an interrupted create or delete
        SEMBLE_RETURN_IF_ERROR(RemoveDirRecursively(env_, dir));
        recovery_log_.push_back("removed " + dir + " (left by an interrupted create or delete)");
        continue;
      }
      auto c = db::Collection::Open(copts_, dir, &recovery_log_);
      Status s = c.status();
      if (s.ok() && (*c)->Describe().name != name) {
        s = Status::Corruption(dir + ": the manifest names index \"" + (*c)->Describe().name +
                               "\"");
      }
      if (!s.ok()) {
        // One damaged index must not take the others down: it stays on disk untouched, every call
        // on it answers why, and it can be deleted.
        recovery_log_.push_back("index \"" + name + "\" is unavailable: " + s.ToString());
        unavailable_.emplace(name, std::move(s));
        continue;
      }
      indexes_.emplace(name, std::move(c).value());
    }
    return env_->SyncDir(IndexesDir());
  }

  // The store's catalogue says which indexes exist; each is materialized into its cache
  // directory and opened. Cached directories of indexes the catalogue no longer has are removed.
  Status LoadFromStore() {
    SEMBLE_ASSIGN_OR_RETURN(auto catalog, db::ReadCatalog(store_));
    SEMBLE_ASSIGN_OR_RETURN(std::vector<std::string> cached, env_->GetChildren(IndexesDir()));
    for (const std::string& name : cached) {
      if (catalog.count(name) == 0) {
        SEMBLE_RETURN_IF_ERROR(RemoveDirRecursively(env_, IndexesDir() + "/" + name));
      }
    }
    for (const auto& [name, incarnation] : catalog) {
      auto c = OpenFromStore(name, incarnation, &recovery_log_);
      if (!c.ok()) {
        recovery_log_.push_back("index \"" + name + "\" is unavailable: " + c.status().ToString());
        unavailable_.emplace(name, c.status());
        continue;
      }
      indexes_.emplace(name, std::move(c).value());
    }
    return Status::OK();
  }

  // Opens an index of the store as its writer (fencing out the previous one) or as a reader;
  // by default as DatabaseOptions::store_take_over_writes says.
  Result<std::shared_ptr<db::Collection>> OpenFromStore(const std::string& name,
                                                        uint64_t incarnation,
                                                        std::vector<std::string>* log) {
    return OpenFromStore(name, incarnation, log, options_.store_take_over_writes);
  }
  Result<std::shared_ptr<db::Collection>> OpenFromStore(const std::string& name,
                                                        uint64_t incarnation,
                                                        std::vector<std::string>* log,
                                                        bool writer) {
    const bool fence = writer && !options_.read_only;
    const std::string dir = IndexesDir() + "/" + name;
    SEMBLE_RETURN_IF_ERROR(env_->CreateDir(dir));
    SEMBLE_ASSIGN_OR_RETURN(auto bucket, db::IndexBucket::Materialize(
                                             store_, env_, db::IndexBucketPrefix(name, incarnation),
                                             dir, bucket_options_, fence));
    auto opened = db::Collection::Open(copts_, dir, log, std::move(bucket));
    if (opened.status().IsCorruption()) {
      // The cache may be what is damaged (its files are not fsynced): fetch everything again. If
      // the store's own objects are damaged, the second open says so.
      log->push_back("index \"" + name + "\": the cached copy failed to load (" +
                     opened.status().ToString() + "); fetched again from " + store_->Url());
      SEMBLE_RETURN_IF_ERROR(RemoveDirRecursively(env_, dir));
      SEMBLE_RETURN_IF_ERROR(env_->CreateDir(dir));
      SEMBLE_ASSIGN_OR_RETURN(bucket, db::IndexBucket::Materialize(
                                          store_, env_, db::IndexBucketPrefix(name, incarnation),
                                          dir, bucket_options_, fence));
      opened = db::Collection::Open(copts_, dir, log, std::move(bucket));
    }
    SEMBLE_ASSIGN_OR_RETURN(auto c, std::move(opened));
    if (c->Describe().name != name) {
      return Status::Corruption(store_->Url() + ": the manifest of \"" + name +
                                "\" names index \"" + c->Describe().name + "\"");
    }
    return c;
  }

  Result<std::shared_ptr<Index>> CreateIndex(const CreateIndexRequest& request) override {
    if (options_.read_only) return ReadOnly();
    SEMBLE_RETURN_IF_ERROR(db::ValidateCreateIndex(request, options_.limits));
    std::unique_lock lock(mu_);
    if (indexes_.count(request.name) != 0 || indexes_.count(ShardName(request.name, 0)) != 0) {
      return Status::AlreadyExists("index \"" + request.name + "\" already exists")
          .WithReason(Status::Reason::kIndexExists);
    }
    for (const std::string& taken : {request.name, ShardName(request.name, 0)}) {
      if (auto it = unavailable_.find(taken); it != unavailable_.end()) {
        return Status::AlreadyExists("index \"" + request.name + "\" exists but cannot be opened (" +
                                     it->second.ToString() + "); delete it first to reuse the name");
      }
    }
    // Shards of an earlier index of this name whose create or delete was cut short.
    SEMBLE_RETURN_IF_ERROR(DeleteStrayShardsLocked(request.name));
    const IndexConfig& config = request.config;
    auto spec = index::ParseIndexSpec(
        config.index_type.empty() ? options_.default_index_type : config.index_type,
        config.dimensions, config.metric);
    if (!spec.ok()) return spec.status();
    db::Manifest manifest;
    manifest.description.name = request.name;
    manifest.description.description = request.description;
    manifest.description.config = config;
    manifest.description.config.index_type = index::IndexSpecString(*spec);
    if (!config.schema_json.empty()) {
      // Stored canonical, so the schema read back is the one that encodes.
      manifest.description.config.schema_json = RecordSchema::Parse(config.schema_json)->ToJson();
    }
    manifest.description.created_on_ms = env_->NowMillis();
    manifest.description.modified_on_ms = manifest.description.created_on_ms;
    const uint32_t shards = config.shards;
    if (shards == 1) return CreateOneLocked(request.name, std::move(manifest));
    // Shard 0 last: an index exists once its shard 0 does, so a create cut short leaves shards
    // nothing lists (removed by the next create of the name), never an index missing a shard.
    for (uint32_t i = shards; i-- > 0;) {
      db::Manifest m = manifest;
      const std::string physical = ShardName(request.name, i);
      m.description.name = physical;
      if (auto made = CreateOneLocked(physical, std::move(m)); !made.ok()) {
        (void)DeleteStrayShardsLocked(request.name);
        return made.status();
      }
    }
    return ShardedLocked(request.name, nullptr);
  }

  // Creates one collection (an index of one shard, or one shard) under `name`. Called with mu_
  // held exclusively.
  Result<std::shared_ptr<Index>> CreateOneLocked(const std::string& name, db::Manifest manifest) {
    if (store_ != nullptr) return CreateInStore(name, std::move(manifest));
    const std::string tmp =
        IndexesDir() + "/.create-" + name + "-" + db::RandomHex64(&manifest.incarnation);
    const std::string dir = IndexesDir() + "/" + name;
    Status s = env_->CreateDir(tmp);
    if (s.ok()) s = db::Collection::InitializeFiles(env_, tmp, manifest);
    if (s.ok()) s = env_->RenameFile(tmp, dir);
    if (s.ok()) s = env_->SyncDir(IndexesDir());
    if (!s.ok()) {
      (void)RemoveDirRecursively(env_, tmp);  // best effort; Open removes leftovers too
      return s.WithContext("create index \"" + name + "\"");
    }
    std::vector<std::string> ignored;  // a new index has nothing to recover
    SEMBLE_ASSIGN_OR_RETURN(auto c, db::Collection::Open(copts_, dir, &ignored));
    indexes_.emplace(name, c);
    return std::shared_ptr<Index>(c);
  }

  // The shards of index `name` (all when `only` is null) as one index. Called with mu_ held.
  Result<std::shared_ptr<Index>> ShardedLocked(const std::string& name,
                                               const std::vector<uint32_t>* only) const {
    auto head = indexes_.find(ShardName(name, 0));
    if (head == indexes_.end()) {
      if (auto u = unavailable_.find(ShardName(name, 0)); u != unavailable_.end()) {
        return Unavailable(u);
      }
      return NotFound(name);
    }
    const uint32_t total = head->second->Describe().config.shards;
    std::vector<uint32_t> wanted;
    if (only != nullptr) {
      wanted = *only;
    } else {
      for (uint32_t i = 0; i < total; ++i) wanted.push_back(i);
    }
    if (wanted.empty()) return Status::InvalidArgument("no shards of index \"" + name + "\" asked");
    std::map<uint32_t, std::shared_ptr<Index>> held;
    for (uint32_t shard : wanted) {
      if (shard >= total) {
        return Status::InvalidArgument("index \"" + name + "\" has " + std::to_string(total) +
                                       " shards; there is no shard " + std::to_string(shard));
      }
      const std::string physical = ShardName(name, shard);
      auto it = indexes_.find(physical);
      if (it == indexes_.end()) {
        if (auto u = unavailable_.find(physical); u != unavailable_.end()) return Unavailable(u);
        return Status::Corruption("index \"" + name + "\" has no shard " + std::to_string(shard) +
                                  " of " + std::to_string(total));
      }
      held.emplace(shard, it->second);
    }
    return std::shared_ptr<Index>(std::make_shared<db::ShardedIndex>(
        name, total, std::move(held), copts_.models, options_.limits));
  }

  // Removes the shards named like index `name`'s that belong to no index (shard 0 is missing):
  // left by a create or delete cut short. Called with mu_ held exclusively.
  Status DeleteStrayShardsLocked(const std::string& name) {
    if (indexes_.count(ShardName(name, 0)) != 0) return Status::OK();
    std::vector<std::string> stray;
    const std::string prefix = name + "~";
    for (const auto& [physical, c] : indexes_) {
      if (physical.rfind(prefix, 0) == 0 && IsShardSuffix(physical.substr(prefix.size()))) {
        stray.push_back(physical);
      }
    }
    for (const auto& [physical, status] : unavailable_) {
      if (physical.rfind(prefix, 0) == 0 && IsShardSuffix(physical.substr(prefix.size()))) {
        stray.push_back(physical);
      }
    }
    for (const std::string& physical : stray) {
      Status s = DeleteOneLocked(physical);
      if (!s.ok() && !s.IsNotFound()) return s.WithContext("removing a stray shard");
    }
    return Status::OK();
  }
  static bool IsShardSuffix(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  }
  // "x~N" -> ("x", N); nullopt for a name that is not a shard's.
  static std::optional<std::pair<std::string, uint32_t>> SplitShardName(const std::string& name) {
    const size_t tilde = name.rfind('~');
    if (tilde == std::string::npos || !IsShardSuffix(std::string_view(name).substr(tilde + 1)) ||
        name.size() - tilde > 3) {
      return std::nullopt;
    }
    return std::make_pair(name.substr(0, tilde),
                          static_cast<uint32_t>(std::stoul(name.substr(tilde + 1))));
  }

  // The index's objects first, then its catalogue entry (the commit): a crash in between leaves
  // objects nothing names, never a catalogue entry without an index. Called with mu_ held.
  Result<std::shared_ptr<Index>> CreateInStore(const std::string& name, db::Manifest manifest) {
    db::RandomHex64(&manifest.incarnation);
    const std::string prefix = db::IndexBucketPrefix(name, manifest.incarnation);
    SEMBLE_RETURN_IF_ERROR(db::IndexBucket::Create(store_, prefix, manifest));
    if (Status s = db::AddToCatalog(store_, name, manifest.incarnation); !s.ok()) {
      (void)db::IndexBucket::DeleteAll(store_, prefix);
      return s.WithContext("create index \"" + name + "\"");
    }
    const std::string dir = IndexesDir() + "/" + name;
    if (env_->FileExists(dir)) SEMBLE_RETURN_IF_ERROR(RemoveDirRecursively(env_, dir));
    std::vector<std::string> ignored;  // a new index has nothing to recover
    SEMBLE_ASSIGN_OR_RETURN(auto c, OpenFromStore(name, manifest.incarnation, &ignored));
    indexes_.emplace(name, c);
    return std::shared_ptr<Index>(c);
  }

  std::vector<IndexDescription> ListIndexes() const override {
    std::shared_lock lock(mu_);
    std::vector<IndexDescription> out;
    for (const auto& [name, c] : indexes_) {
      auto shard = SplitShardName(name);
      if (!shard.has_value()) {
        out.push_back(c->Describe());
      } else if (shard->second == 0) {
        // A sharded index is listed once, by its shard 0, under its own name.
        IndexDescription d = c->Describe();
        d.name = shard->first;
        out.push_back(std::move(d));
      }
    }
    std::sort(out.begin(), out.end(),
              [](const IndexDescription& a, const IndexDescription& b) { return a.name < b.name; });
    return out;
  }

  Result<std::shared_ptr<Index>> GetIndex(const std::string& name) const override {
    std::shared_lock lock(mu_);
    if (SplitShardName(name).has_value()) return NotFound(name);  // shards are not indexes
    auto it = indexes_.find(name);
    if (it == indexes_.end()) {
      if (auto u = unavailable_.find(name); u != unavailable_.end()) return Unavailable(u);
      return ShardedLocked(name, nullptr);
    }
    return std::shared_ptr<Index>(it->second);
  }

  Result<std::shared_ptr<Index>> GetIndexShards(
      const std::string& name, const std::vector<uint32_t>& shards) const override {
    std::shared_lock lock(mu_);
    if (SplitShardName(name).has_value()) return NotFound(name);
    auto it = indexes_.find(name);
    if (it == indexes_.end()) {
      if (auto u = unavailable_.find(name); u != unavailable_.end()) return Unavailable(u);
      return ShardedLocked(name, &shards);
    }
    for (uint32_t shard : shards) {
      if (shard != 0) {
        return Status::InvalidArgument("index \"" + name + "\" has 1 shard; there is no shard " +
                                       std::to_string(shard));
      }
    }
    if (shards.empty()) return Status::InvalidArgument("no shards of index \"" + name + "\" asked");
    return std::shared_ptr<Index>(it->second);
  }

  Status DeleteIndex(const std::string& name) override {
    if (options_.read_only) return ReadOnly();
    std::unique_lock lock(mu_);
    if (SplitShardName(name).has_value()) return NotFound(name);
    if (indexes_.count(name) == 0 && unavailable_.count(name) == 0) {
      auto head = indexes_.find(ShardName(name, 0));
      if (head == indexes_.end() && unavailable_.count(ShardName(name, 0)) == 0) {
        return NotFound(name);
      }
      // Shard 0 first (the index is gone once it is), then the others; a delete cut short leaves
      // stray shards that the next create of the name removes.
      SEMBLE_RETURN_IF_ERROR(DeleteOneLocked(ShardName(name, 0)));
      return DeleteStrayShardsLocked(name);
    }
    return DeleteOneLocked(name);
  }

  // Deletes one collection (an index of one shard, or one shard). Called with mu_ held
  // exclusively.
  Status DeleteOneLocked(const std::string& name) {
    auto it = indexes_.find(name);
    if (it == indexes_.end()) {
      if (unavailable_.count(name) != 0) return DeleteUnavailable(name);
      return NotFound(name);
    }
    std::shared_ptr<db::Collection> c = it->second;
    if (store_ != nullptr) return DeleteFromStore(name, c);
    // Closing first waits for in-flight writes, so no thread writes into the directory below.
    (void)c->Close(false, NotFound(name).WithContext("deleted"));
    indexes_.erase(it);
    const std::string trash = IndexesDir() + "/.delete-" + name + "-" + db::RandomHex64();
    Status s = env_->RenameFile(c->dir(), trash);
    if (s.ok()) s = env_->SyncDir(IndexesDir());
    if (!s.ok()) {
      // The index is still in place on disk: give it back rather than lose track of it.
      std::vector<std::string> ignored;
      auto reopened = db::Collection::Open(copts_, c->dir(), &ignored);
      if (reopened.ok()) indexes_.emplace(name, std::move(reopened).value());
      return s.WithContext("delete index \"" + name + "\"");
    }
    (void)RemoveDirRecursively(env_, trash);  // if this fails, Open finishes the job
    return Status::OK();
  }

  Result<BackupInfo> Backup(const std::string& name, ObjectStore* target) override {
    std::shared_ptr<db::Collection> c;
    {
      std::shared_lock lock(mu_);
      auto it = indexes_.find(name);
      if (it == indexes_.end() && !SplitShardName(name).has_value() &&
          indexes_.count(ShardName(name, 0)) != 0) {
        return Status::FailedPrecondition("index \"" + name +
                                          "\" has several shards; backups of sharded indexes are "
                                          "not supported yet");
      }
      if (it == indexes_.end() || SplitShardName(name).has_value()) {
        if (auto u = unavailable_.find(name); u != unavailable_.end()) return Unavailable(u);
        return NotFound(name);
      }
      c = it->second;
    }
    db::Manifest manifest;
    std::string segment;
    SEMBLE_RETURN_IF_ERROR(
        c->Snapshot(&manifest, &segment).WithContext("backup of \"" + name + "\""));
    return db::WriteBackup(target, manifest, segment, env_->NowMillis());
  }

  Result<std::shared_ptr<Index>> Restore(ObjectStore* source, const std::string& backup_id,
                                         const std::string& as_name) override {
    if (options_.read_only) return ReadOnly();
    db::Manifest m;
    std::string segment;
    SEMBLE_RETURN_IF_ERROR(db::ReadBackup(source, backup_id, &m, &segment));
    const std::string name = as_name.empty() ? m.description.name : as_name;
    SEMBLE_RETURN_IF_ERROR(db::ValidateCreateIndex(
        {name, m.description.description, m.description.config}, options_.limits));
    m.description.name = name;
    m.description.modified_on_ms = env_->NowMillis();
    db::RandomHex64(&m.incarnation);
    std::unique_lock lock(mu_);
    if (indexes_.count(name) != 0 || unavailable_.count(name) != 0 ||
        indexes_.count(ShardName(name, 0)) != 0) {
      return Status::AlreadyExists("index \"" + name +
                                   "\" already exists; restore under another name")
          .WithReason(Status::Reason::kIndexExists);
    }
    std::shared_ptr<db::Collection> c;
    if (store_ != nullptr) {
      const std::string prefix = db::IndexBucketPrefix(name, m.incarnation);
      SEMBLE_RETURN_IF_ERROR(m.segment.empty()
                                 ? db::IndexBucket::Create(store_, prefix, m)
                                 : db::IndexBucket::CreateFromSegment(store_, prefix, m, segment));
      if (Status s = db::AddToCatalog(store_, name, m.incarnation); !s.ok()) {
        (void)db::IndexBucket::DeleteAll(store_, prefix);
        return s.WithContext("restore of \"" + name + "\"");
      }
      const std::string dir = IndexesDir() + "/" + name;
      if (env_->FileExists(dir)) SEMBLE_RETURN_IF_ERROR(RemoveDirRecursively(env_, dir));
      std::vector<std::string> ignored;
      SEMBLE_ASSIGN_OR_RETURN(c, OpenFromStore(name, m.incarnation, &ignored));
    } else {
      // As CreateIndex: built under a hidden name, renamed into place.
      const std::string tmp = IndexesDir() + "/.restore-" + name + "-" + db::RandomHex64();
      const std::string dir = IndexesDir() + "/" + name;
      Status s = env_->CreateDir(tmp);
      if (s.ok() && !m.segment.empty())
        s = WriteFileAtomically(env_, tmp + "/" + m.segment, segment);
      if (s.ok()) s = db::WriteManifest(env_, tmp, m);
      if (s.ok()) s = env_->RenameFile(tmp, dir);
      if (s.ok()) s = env_->SyncDir(IndexesDir());
      if (!s.ok()) {
        (void)RemoveDirRecursively(env_, tmp);
        return s.WithContext("restore of \"" + name + "\"");
      }
      std::vector<std::string> ignored;
      SEMBLE_ASSIGN_OR_RETURN(c, db::Collection::Open(copts_, dir, &ignored));
    }
    indexes_.emplace(name, c);
    return std::shared_ptr<Index>(c);
  }

  // The catalogue entry goes first (the commit); the objects and the cache after it are garbage
  // whose removal may fail without bringing the index back. Called with mu_ held.
  Status DeleteFromStore(const std::string& name, const std::shared_ptr<db::Collection>& c) {
    SEMBLE_RETURN_IF_ERROR(
        db::RemoveFromCatalog(store_, name).WithContext("delete index \"" + name + "\""));
    (void)c->Close(false, NotFound(name).WithContext("deleted"));
    indexes_.erase(name);
    (void)db::IndexBucket::DeleteAll(store_, db::IndexBucketPrefix(name, c->incarnation()));
    (void)RemoveDirRecursively(env_, IndexesDir() + "/" + name);
    return Status::OK();
  }

  Status Checkpoint() override {
    std::shared_lock lock(mu_);
    Status first;
    for (auto& [name, c] : indexes_) {
      // A reader of a shared store: its writer checkpoints it.
      if (store_ != nullptr && !options_.read_only && !c->store_writer()) continue;
      Status s = c->Checkpoint();
      if (first.ok() && !s.ok()) first = s;
    }
    return first;
  }

  Status PurgeExpired() override {
    std::vector<std::pair<std::string, std::shared_ptr<db::Collection>>> all;
    {
      // Purges run outside mu_: each is a write that waits for its index's log.
      std::shared_lock lock(mu_);
      all.assign(indexes_.begin(), indexes_.end());
    }
    Status first;
    for (auto& [name, c] : all) {
      Status s = c->PurgeExpired();
      if (first.ok() && !s.ok()) first = s.WithContext("purge of index \"" + name + "\"");
    }
    return first;
  }

  // The background work, started once loaded: the purge (every
  // DatabaseOptions::expiry_purge_interval_ms), and with a store this process owns, opening again
  // every second the indexes that lost track of their log when the store failed (HealWriters).
  void StartPurging() {
    if (options_.read_only) return;
    const bool heal = store_ != nullptr && options_.store_take_over_writes;
    const uint32_t purge_ms = options_.expiry_purge_interval_ms;
    if (purge_ms == 0 && !heal) return;
    purger_ = std::thread([this, heal, purge_ms] {
      const uint32_t tick_ms = heal ? (purge_ms == 0 ? 1000 : std::min<uint32_t>(purge_ms, 1000))
                                    : purge_ms;
      auto last_purge = std::chrono::steady_clock::now();
      std::unique_lock lock(purge_mu_);
      while (!purge_cv_.wait_for(lock, std::chrono::milliseconds(tick_ms),
                                 [this] { return stop_purging_; })) {
        lock.unlock();
        if (heal) HealWriters();
        const auto now = std::chrono::steady_clock::now();
        if (purge_ms != 0 && now - last_purge >= std::chrono::milliseconds(purge_ms)) {
          last_purge = now;
          // A failed purge (a log that cannot be written, an index deleted meanwhile) is tried
          // again next time; expired records stay invisible meanwhile.
          (void)PurgeExpired();
        }
        lock.lock();
      }
    });
  }

  // An index whose log write had an unknown outcome refuses writes (reason kNotWriter) until it
  // is opened again from the store, which settles the outcome (semble/database.h). In a cluster
  // its node does that (TakeOverWrites); a process that owns its store does it here, once the
  // store answers again, so its clients' retries succeed without a restart. An index whose
  // reopening failed (the store failed again meanwhile) is opened on a later try.
  void HealWriters() {
    std::vector<std::string> names;
    {
      std::shared_lock lock(mu_);
      for (const auto& [name, c] : indexes_) {
        if (c->StoreWriterNeedsReopen()) names.push_back(name);
      }
      for (const std::string& name : reopen_failed_) names.push_back(name);
    }
    if (names.empty()) return;
    // Reopening closes the handle first: not before the store answers.
    auto catalog = db::ReadCatalog(store_);
    if (!catalog.ok()) return;
    std::unique_lock lock(mu_);
    for (const std::string& name : names) {
      Status s;
      if (auto it = indexes_.find(name); it != indexes_.end()) {
        if (!it->second->StoreWriterNeedsReopen()) continue;
        s = ReopenLocked(name, /*writer=*/true);
      } else if (auto entry = catalog->find(name);
                 entry != catalog->end() && unavailable_.count(name) != 0) {
        std::vector<std::string> log;
        auto c = OpenFromStore(name, entry->second, &log, /*writer=*/true);
        s = c.status();
        if (c.ok()) {
          unavailable_.erase(name);
          indexes_.emplace(name, std::move(c).value());
        }
      }
      if (s.ok()) {
        reopen_failed_.erase(name);
      } else {
        reopen_failed_.insert(name);
      }
    }
    // Deleted meanwhile: nothing to open.
    for (auto it = reopen_failed_.begin(); it != reopen_failed_.end();) {
      it = catalog->count(*it) == 0 ? reopen_failed_.erase(it) : std::next(it);
    }
  }

  std::vector<std::string> RecoveryLog() const override { return recovery_log_; }

  Status TakeOverWrites(const std::string& name) override {
    SEMBLE_RETURN_IF_ERROR(CanShareStore());
    std::unique_lock lock(mu_);
    auto it = indexes_.find(name);
    if (it == indexes_.end()) return NotFound(name);
    // A writer that lost track of its log (the store failed mid-write) is opened again too.
    if (it->second->store_writer() && !it->second->StoreWriterNeedsReopen()) return Status::OK();
    return ReopenLocked(name, /*writer=*/true);
  }

  Status GiveUpWrites(const std::string& name) override {
    SEMBLE_RETURN_IF_ERROR(CanShareStore());
    std::unique_lock lock(mu_);
    auto it = indexes_.find(name);
    if (it == indexes_.end()) return NotFound(name);
    if (!it->second->store_writer()) return Status::OK();
    return ReopenLocked(name, /*writer=*/false);
  }

  bool WritesIndex(const std::string& name) const override {
    std::shared_lock lock(mu_);
    auto it = indexes_.find(name);
    return it != indexes_.end() && it->second->store_writer() &&
           !it->second->StoreWriterNeedsReopen();
  }

  Status SyncWithStore() override {
    SEMBLE_RETURN_IF_ERROR(CanShareStore());
    SEMBLE_ASSIGN_OR_RETURN(auto catalog, db::ReadCatalog(store_));
    Status first;
    auto note = [&first](const Status& s) {
      if (first.ok() && !s.ok()) first = s;
    };
    std::vector<std::pair<std::string, std::shared_ptr<db::Collection>>> readers;
    {
      std::unique_lock lock(mu_);
      // Deleted elsewhere, or deleted and created again (another incarnation).
      for (auto it = indexes_.begin(); it != indexes_.end();) {
        auto entry = catalog.find(it->first);
        if (entry != catalog.end() && entry->second == it->second->incarnation()) {
          ++it;
          continue;
        }
        (void)it->second->Close(false, NotFound(it->first).WithContext("deleted"));
        (void)RemoveDirRecursively(env_, IndexesDir() + "/" + it->first);
        it = indexes_.erase(it);
      }
      for (auto it = unavailable_.begin(); it != unavailable_.end();) {
        it = catalog.count(it->first) == 0 ? unavailable_.erase(it) : std::next(it);
      }
      // Created elsewhere, or unavailable until now (a store that failed to answer).
      for (const auto& [name, incarnation] : catalog) {
        if (indexes_.count(name) != 0) continue;
        std::vector<std::string> log;
        auto c = OpenFromStore(name, incarnation, &log, /*writer=*/false);
        if (!c.ok()) {
          unavailable_[name] = c.status();
          note(c.status().WithContext("index \"" + name + "\""));
          continue;
        }
        unavailable_.erase(name);
        indexes_.emplace(name, std::move(c).value());
      }
      for (const auto& [name, c] : indexes_) {
        if (!c->store_writer()) readers.emplace_back(name, c);
      }
    }
    // Catching up runs outside mu_: queries and other indexes go on meanwhile.
    for (const auto& [name, c] : readers) note(CatchUp(name, c));
    return first;
  }

  Status CatchUpWithStore(const std::string& name) override {
    SEMBLE_RETURN_IF_ERROR(CanShareStore());
    std::shared_ptr<db::Collection> c;
    {
      std::shared_lock lock(mu_);
      auto it = indexes_.find(name);
      if (it == indexes_.end()) return NotFound(name);
      c = it->second;
    }
    if (c->store_writer()) return Status::OK();
    return CatchUp(name, c);
  }

 private:
  // Applies what the writer of `name` (open here as reader `c`) appended since; a reader behind
  // the writer's garbage collection is opened again. Called without mu_.
  Status CatchUp(const std::string& name, const std::shared_ptr<db::Collection>& c) {
    bool behind = false;
    Status s = c->CatchUp(&behind);
    if (s.ok() && behind) {
      std::unique_lock lock(mu_);
      auto it = indexes_.find(name);
      if (it != indexes_.end() && it->second == c) s = ReopenLocked(name, /*writer=*/false);
    }
    // A handle closed meanwhile (taken over, deleted) has nothing to catch up.
    if (!s.ok() && StillOpen(name, c)) return s.WithContext("index \"" + name + "\"");
    return Status::OK();
  }

  std::string IndexesDir() const { return path_ + "/indexes"; }
  Status CanShareStore() const {
    if (store_ == nullptr) return Status::FailedPrecondition("the database has no object store");
    if (options_.read_only) return ReadOnly();
    return Status::OK();
  }
  bool StillOpen(const std::string& name, const std::shared_ptr<db::Collection>& c) const {
    std::shared_lock lock(mu_);
    auto it = indexes_.find(name);
    return it != indexes_.end() && it->second == c;
  }
  // Replaces index `name`'s handle by one opened from the store as its writer or a reader; the old
  // handle is closed first (its cache directory is rebuilt). If the open fails the index is
  // unavailable until SyncWithStore opens it again. Called with mu_ held exclusively.
  Status ReopenLocked(const std::string& name, bool writer) {
    auto it = indexes_.find(name);
    std::shared_ptr<db::Collection> old = it->second;
    (void)old->Close(false, Status::FailedPrecondition(
                                "index \"" + name + "\" was reopened as " +
                                (writer ? "its writer" : "a reader") + "; get it again"));
    indexes_.erase(it);
    std::vector<std::string> log;
    auto c = OpenFromStore(name, old->incarnation(), &log, writer);
    if (!c.ok()) {
      unavailable_[name] = c.status();
      return c.status().WithContext("index \"" + name + "\"");
    }
    indexes_.emplace(name, std::move(c).value());
    return Status::OK();
  }
  static Status ReadOnly() { return Status::FailedPrecondition("the database is open read-only"); }
  static Status NotFound(const std::string& name) {
    return Status::NotFound("index \"" + name + "\" not found")
        .WithReason(Status::Reason::kIndexNotFound);
  }
  static Status Unavailable(std::map<std::string, Status>::const_iterator it) {
    return it->second.WithContext("index \"" + it->first +
                                  "\" cannot be opened (`semble vectorize repair " + it->first +
                                  "` keeps what is intact)");
  }
  // Moves a damaged index out of the way the same way DeleteIndex does a healthy one. Called with
  // mu_ held exclusively.
  Status DeleteUnavailable(const std::string& name) {
    const std::string trash = IndexesDir() + "/.delete-" + name + "-" + db::RandomHex64();
    Status s = env_->RenameFile(IndexesDir() + "/" + name, trash);
    if (s.ok()) s = env_->SyncDir(IndexesDir());
    if (!s.ok()) return s.WithContext("delete index \"" + name + "\"");
    unavailable_.erase(name);
    (void)RemoveDirRecursively(env_, trash);  // if this fails, Open finishes the job
    return Status::OK();
  }

  const DatabaseOptions options_;
  Env* const env_;
  const std::string path_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<ObjectStore> own_store_;  // opened from DatabaseOptions::store_url
  ObjectStore* const store_;                // null: the directory is the database
  db::IndexBucketOptions bucket_options_;
  std::unique_ptr<ModelRegistry> own_models_;  // when DatabaseOptions::models is null
  db::CollectionOptions copts_;

  mutable std::shared_mutex mu_;  // guards indexes_
  std::map<std::string, std::shared_ptr<db::Collection>> indexes_;
  // Indexes whose files could not be opened, with the reason (guarded by mu_).
  std::map<std::string, Status> unavailable_;
  // Indexes HealWriters failed to open again (guarded by mu_).
  std::set<std::string> reopen_failed_;
  std::vector<std::string> recovery_log_;

  std::mutex purge_mu_;  // guards stop_purging_
  std::condition_variable purge_cv_;
  bool stop_purging_ = false;
  std::thread purger_;
};

// A directory is either a database or the cache of one store, never both: opening a local
// database as a cache would replace its indexes with the store's, and opening a cache as a local
// database would take writes the store never sees. The STORE file names the store a cache belongs
// to. Called with the directory locked.
Status CheckDirectoryRole(Env* env, const std::string& path, ObjectStore* store) {
  const std::string marker = path + "/STORE";
  if (env->FileExists(marker)) {
    SEMBLE_ASSIGN_OR_RETURN(std::string cached, ReadFileToString(env, marker));
    if (store == nullptr) {
      return Status::FailedPrecondition(path + " is the cache of the database in " + cached +
                                        "; open it with --store " + cached);
    }
    if (cached != store->Url()) {
      return Status::FailedPrecondition(path + " is the cache of the database in " + cached +
                                        ", not of " + store->Url() +
                                        "; give each store a data directory of its own");
    }
    return Status::OK();
  }
  if (store == nullptr) return Status::OK();
  const std::string indexes = path + "/indexes";
  if (env->FileExists(indexes)) {
    SEMBLE_ASSIGN_OR_RETURN(std::vector<std::string> names, env->GetChildren(indexes));
    for (const std::string& name : names) {
      if (!name.empty() && name.front() != '.') {
        return Status::FailedPrecondition(
            path + " holds a local database (index \"" + name + "\"); a store needs a data " +
            "directory of its own as its cache (to move the local indexes into the store, back " +
            "them up with `semble backup` and restore them there)");
      }
    }
  }
  return WriteFileAtomically(env, marker, store->Url());
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& given,
                                                 const std::string& path) {
  DatabaseOptions options = given;
  if (options.env == nullptr) options.env = Env::Default();
  Env* env = options.env;
  if (path.empty()) return Status::InvalidArgument("database path is empty");
  if (!(options.checkpoint_wal_ratio >= 0 && options.checkpoint_wal_ratio <= 1e6)) {
    return Status::InvalidArgument("checkpoint_wal_ratio must be a number from 0 to 1e6, not " +
                                   std::to_string(options.checkpoint_wal_ratio));
  }
  if (!env->FileExists(path)) {
    if (!options.create_if_missing) {
      return Status::NotFound("database directory " + path + " does not exist");
    }
    // Create parents too, like mkdir -p: the default data directory may be several levels deep.
    for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
      SEMBLE_RETURN_IF_ERROR(env->CreateDir(path.substr(0, pos)));
    }
    SEMBLE_RETURN_IF_ERROR(env->CreateDir(path));
  }
  SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<FileLock> lock, env->LockFile(path + "/LOCK"));
  std::unique_ptr<ObjectStore> own_store;
  ObjectStore* store = options.store;
  if (store == nullptr && !options.store_url.empty()) {
    SEMBLE_ASSIGN_OR_RETURN(
        own_store, OpenObjectStore(options.store_url, options.store_options.value_or(
                                                          ObjectStoreOptions::FromEnvironment())));
    store = own_store.get();
  }
  SEMBLE_RETURN_IF_ERROR(CheckDirectoryRole(env, path, store));
  auto db =
      std::make_unique<DatabaseImpl>(options, path, std::move(lock), store, std::move(own_store));
  SEMBLE_RETURN_IF_ERROR(db->Load());
  db->StartPurging();
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace semble
