// Copyright 2026 The semble Authors.
//
// The embedded database: a directory that holds named vector indexes.
//
//   semble::DatabaseOptions options;
//   auto db = semble::Database::Open(options, "/var/lib/semble");
//   if (!db.ok()) { ... db.status().ToString() ... }
//   auto index = (*db)->CreateIndex({"docs", "my docs", {384, semble::Metric::kCosine}});
//
// Thread safety: a Database and its Index handles may be used from many threads at once. Queries
// run concurrently with each other and with writes; writes to one index are serialised in a single
// order (the mutation order), writes to different indexes proceed independently.
//
// Durability: a write returns only after its mutation is in the index's write-ahead log and, unless
// SyncMode::kNone, fsynced. It is visible to every query that starts after the write returns.

#ifndef SEMBLE_INCLUDE_SEMBLE_DATABASE_H_
#define SEMBLE_INCLUDE_SEMBLE_DATABASE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "semble/backup.h"
#include "semble/options.h"
#include "semble/query.h"
#include "semble/record.h"
#include "semble/status.h"

namespace semble {

// A handle on one index. Handles stay valid after the index is deleted; every call then returns
// NotFound.
class Index {
 public:
  virtual ~Index() = default;

  virtual IndexDescription Describe() const = 0;
  virtual Result<IndexInfo> Info() const = 0;

  // Adds records whose id is not in the index yet; a record whose id exists is ignored (first write
  // wins, also within one batch). The batch is validated whole first: if any record breaks a rule,
  // nothing is written and the error names the record and the rule.
  virtual Result<MutationResult> Insert(std::span<const VectorRecord> records) = 0;
  // Adds records, replacing any record of the same id whole (values, namespace and metadata; no
  // merge). Within one batch the last record of an id wins. Validated like Insert.
  virtual Result<MutationResult> Upsert(std::span<const VectorRecord> records) = 0;
  // Deletes the records of these ids; ids not in the index are ignored.
  virtual Result<MutationResult> DeleteByIds(std::span<const std::string> ids) = 0;

  // Extension: deletes, as one mutation, every record that `request` matches (FilterMutation);
  // the result's count says how many. Atomic for queries: each sees all of the deletions or none.
  // The matching ids are resolved when the mutation enters the log and recorded in it, so replay
  // deletes exactly those. Bad filters are InvalidArgument (reason kBadFilter).
  virtual Result<MutationResult> DeleteByFilter(const FilterMutation& request);
  // Extension: rewrites, as one mutation, the metadata of every record that `request` matches
  // (merged or replaced, see FilterMutation); vectors, namespaces and expiry stay. If any
  // record's new metadata would break the limits (Limits::max_metadata_bytes), nothing changes
  // and the error names the record. Atomic for queries, logged with its ids like DeleteByFilter.
  virtual Result<MutationResult> UpdateMetadataByFilter(const FilterMutation& request);

  // The stored records of these ids, in the order asked; ids not in the index are left out.
  virtual Result<std::vector<VectorRecord>> GetByIds(std::span<const std::string> ids) const = 0;
  // One page of ids in ascending order (see ListResult for the paging contract).
  virtual Result<ListResult> List(const ListRequest& request) const = 0;
  // The nearest vectors to a query vector or to a stored vector (see QueryRequest).
  virtual Result<QueryResult> Query(const QueryRequest& request) const = 0;
  // The vector a query searches with: its vector, the stored vector of its vector_id (NotFound,
  // reason kVectorNotFound, when none), or its text embedded with the index's model. For callers
  // that place the query among its results (semble/map.h). The base implementation handles vectors
  // and ids; indexes that embed text override it.
  virtual Result<std::vector<float>> QueryVector(const QueryRequest& request) const;

  // Creates a metadata index on a property. It covers the records already stored as well as later
  // ones. Filters give the same results with or without metadata indexes; an index only makes them
  // faster. At most Limits::max_metadata_indexes per index.
  virtual Result<MutationResult> CreateMetadataIndex(const MetadataIndexDescription& desc) = 0;
  virtual Result<std::vector<MetadataIndexDescription>> ListMetadataIndexes() const = 0;
  virtual Result<MutationResult> DeleteMetadataIndex(const std::string& property_name) = 0;

  // Extension: enables, changes or (enabled = false) drops the full-text index (TextIndexConfig),
  // as one logged mutation. Enabling indexes every record already stored, so keyword queries see
  // them once the mutation is applied. InvalidArgument for a config out of range (fields that are
  // not property names, more than 8 fields, an unknown language, k1 or b out of range). The base
  // implementation is FailedPrecondition.
  virtual Result<MutationResult> ConfigureTextIndex(const TextIndexConfig& config);

  // Calls `applied` once the mutation `mutation_id` (an id of this index, see MutationResult) has
  // been applied, i.e. once Info().processed_up_to_mutation >= mutation_id (ids sort in mutation
  // order). If it is applied already, `applied` runs before this returns and the ticket is 0;
  // otherwise it runs later on the thread that applies the mutation, so it must be quick and must
  // not call into this index. It never runs if the index is closed or deleted first. Lets a server
  // wait for a mutation without holding a thread. Indexes that cannot notify return
  // FailedPrecondition (the base implementation).
  virtual Result<uint64_t> NotifyWhenApplied(const std::string& mutation_id,
                                             std::function<void()> applied);
  // Forgets the callback of `ticket` if it has not started; one that already started may still be
  // running on another thread when this returns. Unknown tickets (and 0) are ignored.
  virtual void CancelNotify(uint64_t ticket);
};

// Extension, sharded indexes (IndexConfig::shards): the shard, 0..shards-1, that holds the
// record of `id`. Stable across versions and machines (it places records in stored shards).
uint32_t ShardOf(std::string_view id, uint32_t shards);
// The name under which shard `shard` of index `index` is written, for Database::TakeOverWrites,
// GiveUpWrites and WritesIndex. An index of one shard is its own shard 0: ShardName(x, 0) == x.
std::string ShardName(const std::string& index, uint32_t shard);

struct CreateIndexRequest {
  // 1..64 bytes of [a-z0-9_-], starting with a letter or digit.
  std::string name;
  std::string description;
  // dimensions 1..Limits::max_dimensions.
  IndexConfig config;
};

class Database {
 public:
  // Opens (and with create_if_missing, creates) the database in directory `path`. Recovers every
  // index from its last checkpoint and write-ahead log. A torn record at the very end of a log (a
  // write cut short by a crash) is dropped and reported in RecoveryLog(). Any other damage makes
  // that index unavailable, not the database: GetIndex on it returns the Corruption naming the file
  // and byte offset, CreateIndex refuses its name, DeleteIndex removes it, and RecoveryLog() says
  // so; the other indexes serve as usual. A record whose stored metadata no longer parses keeps
  // its id and vector, with the stored text under "semble_unreadable_metadata" (RecoveryLog names
  // it). Only one process may have a database open.
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options,
                                                const std::string& path);

  // Closes the database, writing checkpoints when options.checkpoint_on_close.
  virtual ~Database() = default;

  virtual Result<std::shared_ptr<Index>> CreateIndex(const CreateIndexRequest& request) = 0;
  // All indexes, ordered by name.
  virtual std::vector<IndexDescription> ListIndexes() const = 0;
  virtual Result<std::shared_ptr<Index>> GetIndex(const std::string& name) const = 0;
  // Deletes an index and its files. Its name may be reused at once.
  virtual Status DeleteIndex(const std::string& name) = 0;

  // Extension, for a cluster whose nodes write different shards of one index: a handle on the
  // shards `shards` of index `name` only. Its writes apply the records and ids placed in those
  // shards and ignore the others (the other shards' writers apply them); filter mutations and
  // metadata- and text-index changes apply to those shards; its reads see those shards only.
  // Mutation ids name the shards they touched. InvalidArgument for a shard out of range or
  // none; an index of one shard has shard 0. The base implementation is FailedPrecondition.
  virtual Result<std::shared_ptr<Index>> GetIndexShards(const std::string& name,
                                                        const std::vector<uint32_t>& shards) const;

  // Writes a checkpoint of every index that has mutations in its WAL.
  virtual Status Checkpoint() = 0;

  // Extension: deletes the expired records of every index (semble/record.h), one logged mutation
  // per index that holds any. The background does this every
  // DatabaseOptions::expiry_purge_interval_ms; reads never see expired records either way.
  virtual Status PurgeExpired();

  // Lines describing what recovery repaired or could not open on Open (torn log tails dropped,
  // salvaged metadata, unavailable indexes); empty when nothing.
  virtual std::vector<std::string> RecoveryLog() const = 0;

  // Extension (semble/backup.h): checkpoints index `name` and copies that checkpoint into
  // `target`, uploading only the chunks the target does not hold yet. The index keeps serving
  // reads and writes meanwhile; writes after the checkpoint are not in the backup. Works whether
  // the database lives in a directory or a store. FailedPrecondition where unsupported (a
  // database reached over HTTP) or read-only.
  virtual Result<BackupInfo> Backup(const std::string& name, ObjectStore* target);
  // Creates index `as_name` ("" = the backed-up index's name) from backup `backup_id` (see
  // ListBackups) in `source`. AlreadyExists if the name is taken; Corruption (and nothing
  // created) if a chunk is missing or damaged.
  virtual Result<std::shared_ptr<Index>> Restore(ObjectStore* source, const std::string& backup_id,
                                                 const std::string& as_name);

  // Extension, for a database in an object store that several processes open, each index written
  // by one of them (a cluster; DatabaseOptions::store_take_over_writes = false) and read by all.
  // Each fails with FailedPrecondition where unsupported (no store, read-only, over HTTP).
  //
  // Makes this process the writer of index `name`: reads everything the store holds for it and
  // fences out the previous writer, whose next write fails with reason kFenced (nothing it writes
  // afterwards becomes part of the index). Handles obtained before are closed; GetIndex again.
  // A writer whose writes are refused because a log write's outcome is unknown (the store failed)
  // is opened again the same way, which settles the outcome.
  virtual Status TakeOverWrites(const std::string& name);
  // Makes this process a reader of index `name` again (it lost the right to write it). Handles
  // obtained before are closed; GetIndex again.
  virtual Status GiveUpWrites(const std::string& name);
  // Whether this process writes index `name` and can: false for a writer that refuses writes
  // until TakeOverWrites opens it again.
  virtual bool WritesIndex(const std::string& name) const;
  // Brings this process up to date with the store: indexes other processes created or deleted
  // appear or disappear, and every index this process only reads applies the log objects its
  // writer appended since (a reader that fell behind the writer's garbage collection is opened
  // again). Returns the first error; the other indexes are still brought up to date.
  virtual Status SyncWithStore();
  // The part of SyncWithStore for one index this process reads (a shard's name for a shard, see
  // ShardName): applies the log objects its writer appended since, without reading the catalogue.
  // OK for an index this process writes; NotFound for one it does not know.
  virtual Status CatchUpWithStore(const std::string& name);
};

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_DATABASE_H_
