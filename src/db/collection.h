// Copyright 2026 The semble Authors.
//
// Collection: one vector index (the public semble::Index) and everything that keeps it durable.
//
// Write path (the mutation-log contract of DESIGN.md). Writers queue up; the writer at the front
// (the leader) takes the queued mutations, gives them consecutive sequence numbers, appends them to
// the WAL with one write and one fsync (group commit), applies them to the in-memory state in
// sequence order, and wakes the writers it served. Queries never wait for the log: they read the
// state under a shared lock that applying takes exclusively for the (short) time of the apply.
//
// If appending or fsyncing the WAL fails, the durable contents of the log are unknown, so the index
// stops accepting writes (every later write fails with the original error) until the database is
// reopened and recovery decides what the log holds. Reads keep working.
//
// Checkpoints run as a leader too, so they see a state no writer is changing: rotate the WAL, write
// a segment of the whole state, commit it by replacing the MANIFEST, then delete the old log files.

#ifndef SEMBLE_SRC_DB_COLLECTION_H_
#define SEMBLE_SRC_DB_COLLECTION_H_

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <roaring/roaring.hh>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "db/index_bucket.h"
#include "db/index_files.h"
#include "db/mutation.h"
#include "index/vector_index.h"
#include "meta/filter.h"
#include "meta/metadata_index.h"
#include "semble/database.h"
#include "storage/log_writer.h"
#include "text/bm25_index.h"

namespace semble::db {

// Benchmarks only (bench/filtered_bench.cc): make every filtered query of the process run one plan
// instead of the planner's pick (kPlanner: the planner decides again), so that both plans can be
// timed through the same code the planner chooses between; and count the plans filtered queries
// took while counting is on. Not for production use: the setting is process-wide.
enum class FilterPlanForBench { kPlanner, kExact, kWalk };
void ForceFilterPlanForBench(FilterPlanForBench plan);
struct FilterPlansTaken {
  uint64_t exact = 0;
  uint64_t walk = 0;
  uint64_t observed = 0;  // timed and handed to the index (VectorIndex::ObserveFilterPlan)
};
// The plans taken since the last call (counting starts with the first call).
FilterPlansTaken TakeFilterPlanCountsForBench();

// Benchmarks only (bench/open_bench.cc): seconds spent in the phases of opening indexes, summed
// over the indexes opened since the last call; counting starts with the first call (until then
// Open reads no clock). Per-record phases cost two clock reads a record, so a bench reports
// totals from opens without counting and the split from a separate open.
struct OpenPhasesForBench {
  double segment = 0;  // the checkpoint segment: read, checked, decoded, with graph, records
                       // and metadata indexes below included
  double graph = 0;    // the vector index's blob: handed to the index (VectorIndex::Load)
  double vectors = 0;  // the vectors section adopted by the index (mapping and checksums are in
                       // `segment` only)
  double records = 0;  // per record: its vector checked against the graph or stored, id map,
                       // slot, namespace, expiry and metadata placed
  double metadata_indexes = 0;  // metadata indexes rebuilt from the records
  double wal = 0;               // log replay
};
OpenPhasesForBench TakeOpenPhasesForBench();

struct CollectionOptions {
  Env* env = nullptr;
  SyncMode sync_mode = SyncMode::kGroupCommit;
  Limits limits;
  uint64_t checkpoint_wal_bytes = 64ull << 20;
  double checkpoint_wal_ratio = 0.5;  // DatabaseOptions::checkpoint_wal_ratio
  uint32_t exact_search_below = 10000;
  // DatabaseOptions::max_unindexed_bytes.
  uint64_t max_unindexed_bytes = 0;
  // DatabaseOptions::repair_damaged_logs.
  bool repair_damaged_logs = false;
  // Embeds the text of records and queries (DatabaseOptions::models). Not owned; may be null
  // when no index has a model.
  ModelRegistry* models = nullptr;
  // With an object store: how long a leader waits for more writers before it writes a log
  // object (DatabaseOptions::group_commit_window_us).
  uint32_t group_commit_window_us = 0;
  // DatabaseOptions::read_only: every write and checkpoint fails.
  bool read_only = false;
  // Tests: makes the vector index in place of index::NewVectorIndex (which an empty function
  // means), e.g. one whose Get answers with another pointer on each call, as a graph index's does
  // when its builder moves a vector out of the write buffer between two calls.
  std::function<Result<std::unique_ptr<index::VectorIndex>>(const index::IndexSpec&, uint32_t)>
      new_vector_index;
};

class Collection final : public Index {
 public:
  // Writes the files of a new, empty index into `dir` (which exists and is empty).
  static Status InitializeFiles(Env* env, const std::string& dir, const Manifest& manifest);
  // Opens the index in `dir`: reads the manifest and checkpoint, replays the WAL. Lines describing
  // repairs (a torn WAL tail dropped) are appended to *recovery_log. With a `bucket` (whose
  // Materialize made `dir`), a write is acknowledged once its log object is in the store, the
  // local WAL is not fsynced (it is a cache), and checkpoints commit to the store.
  static Result<std::shared_ptr<Collection>> Open(const CollectionOptions& options,
                                                  const std::string& dir,
                                                  std::vector<std::string>* recovery_log,
                                                  std::unique_ptr<IndexBucket> bucket = nullptr);
  ~Collection() override;

  // The description at creation, with the current full-text index configuration.
  IndexDescription Describe() const override;
  Result<IndexInfo> Info() const override;
  Result<MutationResult> Insert(std::span<const VectorRecord> records) override;
  Result<MutationResult> Upsert(std::span<const VectorRecord> records) override;
  Result<MutationResult> DeleteByIds(std::span<const std::string> ids) override;
  Result<std::vector<VectorRecord>> GetByIds(std::span<const std::string> ids) const override;
  Result<ListResult> List(const ListRequest& request) const override;
  Result<QueryResult> Query(const QueryRequest& request) const override;
  Result<std::vector<float>> QueryVector(const QueryRequest& request) const override;
  Result<uint64_t> NotifyWhenApplied(const std::string& mutation_id,
                                     std::function<void()> applied) override;
  void CancelNotify(uint64_t ticket) override;
  Result<MutationResult> CreateMetadataIndex(const MetadataIndexDescription& desc) override;
  Result<std::vector<MetadataIndexDescription>> ListMetadataIndexes() const override;
  Result<MutationResult> DeleteMetadataIndex(const std::string& property_name) override;
  Result<MutationResult> DeleteByFilter(const FilterMutation& request) override;
  Result<MutationResult> UpdateMetadataByFilter(const FilterMutation& request) override;
  Result<MutationResult> ConfigureTextIndex(const TextIndexConfig& config) override;

  // Deletes the expired records with one logged mutation, when there are any (semble/record.h).
  // Read-only handles purge nothing.
  Status PurgeExpired();

  // Writes a checkpoint if mutations were applied since the last one.
  Status Checkpoint();
  // Checkpoints, then copies the checkpoint: the manifest and the bytes of its segment ("" for an
  // index that never had one). Runs as a leader, so no other checkpoint replaces the segment
  // while it is read.
  Status Snapshot(Manifest* manifest, std::string* segment);
  // Waits for in-flight writes, optionally checkpoints, closes the WAL. Afterwards every call on
  // this handle fails with `reason` (NotFound for a deleted index). Idempotent.
  Status Close(bool checkpoint, const Status& reason);

  // A reader of an index in a store (its bucket has no fence): applies the mutations the writer
  // logged since this handle opened or last caught up. Sets *behind (and applies nothing) when the
  // log objects it needs next were collected: the index must be materialized again.
  Status CatchUp(bool* behind);
  // Whether this handle writes the index into its store (false for a reader and without a store).
  bool store_writer() const { return bucket_ != nullptr && bucket_->writer(); }
  // Whether this handle writes the index into its store but refuses writes until the index is
  // opened again from the store: a log write failed and the store could not say whether it
  // landed (or the local log could not be put back). Opening it again as the writer settles
  // that: a log object that landed is replayed, and the fence puts an end to one still in
  // flight. False for a fenced handle (another writer took the index over) and while healthy.
  bool StoreWriterNeedsReopen();

  const std::string& dir() const { return dir_; }
  uint64_t incarnation() const { return incarnation_; }

 private:
  struct Slot {
    std::string id;
    std::string ns;
    std::string metadata_json;
    meta::Value metadata;
    int64_t expires_at_ms = 0;  // 0: never
    std::string text;           // "" when the record has none
  };
  // The records a query may return (namespace, filter, excluded ids, expiry), shared by the
  // vector and keyword sides of a query so both rank exactly the same records.
  struct QueryScope {
    const roaring::Roaring* candidates = nullptr;  // a superset of the allowed slots; null: all
    const meta::Filter* filter = nullptr;          // checked on every slot; null: none
    // The filter as a test of an index's column (exact, no record read), used instead of both
    // `filter` and a bitmap of its matches when many records pass; null: none.
    const meta::SlotTest* column = nullptr;
    std::unordered_set<uint32_t> excluded;
    bool restricted = false;  // false: every live slot is allowed (no test needed)
  };
  struct Writer {
    enum class Kind { kMutation, kCheckpoint, kSnapshot, kClose };
    Kind kind = Kind::kMutation;
    Mutation* mutation = nullptr;
    bool checkpoint_on_close = false;
    Status close_reason;
    Manifest* snapshot_manifest = nullptr;
    std::string* snapshot_segment = nullptr;
    Status status;
    bool done = false;
    std::condition_variable cv;
  };

  Collection(const CollectionOptions& options, std::string dir, Manifest manifest,
             std::unique_ptr<index::VectorIndex> vectors);

  Status Recover(std::vector<std::string>* recovery_log);
  Status ReplayWal(const std::string& path, bool is_last, uint64_t* expected_seq,
                   uint64_t* good_end, std::vector<std::string>* recovery_log);
  Status RecoverPaused(std::vector<std::string>* recovery_log);
  // DatabaseOptions::repair_damaged_logs: keeps wals[damaged] up to good_end and sets aside its
  // copy and every later log (recovery skips them from then on).
  Status SetAsideDamagedLog(const std::vector<std::pair<uint64_t, std::string>>& wals,
                            size_t damaged, uint64_t good_end, const Status& damage,
                            std::vector<std::string>* recovery_log);
  // After a failed log append or sync: truncates the log back to log_end (its last durable end)
  // and reopens it for appending. Caller holds mu_.
  Status RewindLogLocked(uint64_t log_end);
  // The log size at which a write queues an automatic checkpoint (the larger of
  // checkpoint_wal_bytes and checkpoint_wal_ratio × segment_bytes_). Caller holds mu_.
  uint64_t CheckpointThresholdLocked() const;
  // Waits for the automatic checkpoint's thread, if any. Caller does not hold mu_.
  void JoinCheckpointer();
  // The backlog of unlinked vectors (bytes) above which a write waits: max_unindexed_bytes, or
  // what a recovery left if that is more, brought down as the builder links it.
  uint64_t UnindexedBoundForWrite();
  // Reports records whose metadata was salvaged on load (DecodeStoredMetadata).
  void LogSalvaged(const std::string& where, const std::vector<std::string>& ids,
                   std::vector<std::string>* recovery_log) const;

  // Queues w and runs it when it reaches the front of the queue (possibly as part of another
  // leader's group). Returns w's status.
  Status Enqueue(Writer* w);
  void LeadMutations(std::unique_lock<std::mutex>& lock);
  Status PreconditionLocked(const Mutation& m) const;
  // Gives a by-filter mutation its ids: the records its filter matches in the state it will be
  // applied to (the leader's, at m->time_ms), found through the metadata indexes; checks an
  // update's new metadata against the limits. Caller is the leader, with nothing ahead of m.
  Status ResolveByFilterLocked(Mutation* m) const;
  Result<MutationResult> WriteByFilter(MutationType type, const FilterMutation& request);
  // `local_only`: a read-only handle on a store checkpoints into its cache directory alone (for a
  // snapshot), committing nothing to the store.
  // With `remap`, a flat index's arena becomes the pages of the segment just written
  // (RemapToSegment); Close does without, the index being about to go.
  Status CheckpointLocked(bool local_only = false, bool remap = true);
  // Maps the `rows` rows at `offset` of the segment just written and, if they hold exactly the
  // index's values, makes them its arena: the arena's own memory is returned (a bulk load's
  // vectors become clean page-cache pages, which the kernel can reclaim and read back), and the
  // segment the index was opened from is no longer held open. Best effort: anything unexpected
  // leaves the arena as it was.
  void RemapToSegment(const std::string& path, uint64_t offset, uint64_t rows);
  Status CloseLocked(bool checkpoint, const Status& reason);
  Result<MutationResult> WriteMutation(Mutation m);
  Result<MutationResult> WriteRecords(MutationType type, std::span<const VectorRecord> records);
  Status UsableLocked() const;

  // State changes; callers hold state_mu_ exclusively (or are recovering, single-threaded).
  // Apply fails only if the vector index refuses vectors that validation accepted (a bug).
  Status Apply(Mutation&& m);
  uint32_t TakeSlot();
  // Records id, namespace, metadata and text of a record at slot, and indexes its document (from
  // `terms` when given: analysed already); its vector goes to vectors_ separately.
  void PlaceRecord(uint32_t slot, VectorRecord&& r, meta::Value&& metadata,
                   const std::vector<std::string>* terms = nullptr);
  // Forgets a slot's record; its vector is cleared unless it is still in `pending` (an apply in
  // progress has not handed it to vectors_ yet), where it is dropped instead.
  void RemoveSlot(uint32_t slot, std::map<uint32_t, const float*>* pending);
  // Hands pending vectors to vectors_, as one batch.
  Status StoreVectors(const std::map<uint32_t, const float*>& pending);

  // Expiry. A record is expired at `now` when 0 < expires_at_ms <= now. Reads use NowLocked: the
  // clock, never behind the last applied mutation's time, so a record that a logged mutation
  // treated as expired (an insert over it, a purge) is expired for every later read too.
  int64_t NowLocked() const { return std::max(env_->NowMillis(), applied_ms_); }
  bool ExpiredAt(uint32_t slot, int64_t now) const {
    const int64_t e = slots_[slot].expires_at_ms;
    return e != 0 && e <= now;
  }
  // The slots expired at `now`, from the expiry order (purging keeps it short).
  std::vector<uint32_t> ExpiredSlotsLocked(int64_t now) const;
  // Applies kUpdateMetadataByFilter to one slot.
  void UpdateSlotMetadata(uint32_t slot, const Mutation& m);

  // The full-text index (collection_text.cc); callers hold state_mu_ exclusively.
  // Makes text_index_ for text_config_ (null when disabled) and indexes every record.
  Status RebuildTextIndexLocked();
  // (Re)indexes the document of one slot, when there is a text index.
  void IndexTextLocked(uint32_t slot);
  // Fills m->doc_terms for an insert / upsert when the index has a full-text index; takes
  // state_mu_ shared only to read the current analyzer.
  void AnalyzeDocuments(Mutation* m) const;
  // Recovery: installs the full-text index blob of the segment when it is intact and was made
  // with the current configuration (then the segment's records are not indexed again); otherwise
  // says so in *recovery_log and leaves the index to be rebuilt from the records.
  void LoadTextIndexLocked(std::string&& blob, const std::string& where,
                           std::vector<std::string>* recovery_log);

  // Reads; callers hold state_mu_ shared.
  Status ReadableLocked() const;
  // The document of a slot: its text, then the string values of the configured fields.
  std::string DocumentTextLocked(const Slot& slot) const;
  static std::string DocumentText(const std::string& text, const meta::Value& metadata,
                                  const std::vector<std::string>& fields);
  bool AllowedLocked(const QueryScope& scope, uint32_t slot) const;
  // The k nearest allowed vectors to q, best first by the metric (the planner picks exact or
  // graph search by how many records the scope allows).
  std::vector<index::Hit> SearchVectorsLocked(const float* q, size_t k,
                                              const index::SearchParams& params,
                                              const QueryScope& scope) const;
  std::string MutationIdLocked(uint64_t seq) const;

  const CollectionOptions options_;
  Env* const env_;
  const std::string dir_;
  const IndexDescription manifest_description_;
  const uint64_t incarnation_;

  // Writer side, guarded by mu_.
  std::mutex mu_;
  std::deque<Writer*> writers_;
  Status bg_error_;
  Status closed_;  // non-OK once closed or dropped: the error every call returns
  Manifest manifest_;
  uint64_t next_seq_ = 1;
  uint64_t wal_bytes_ = 0;  // bytes of log written since the last checkpoint
  uint64_t segment_bytes_ = 0;  // size of the last checkpoint's segment (0: none)
  std::atomic<uint64_t> backlog_bound_{0};  // UnindexedBoundForWrite
  // The automatic checkpoint's thread (LeadMutations); checkpoint_queued_ while it has not
  // finished. Joined by Close and the destructor (JoinCheckpointer, without mu_ held).
  std::thread checkpointer_;
  bool checkpoint_queued_ = false;
  std::unique_ptr<storage::LogWriter> wal_;
  std::unique_ptr<IndexBucket> bucket_;  // null for an index that lives only in dir_

  // State, guarded by state_mu_.
  mutable std::shared_mutex state_mu_;
  Status state_closed_;  // copy of closed_ readable under state_mu_
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::map<std::string, uint32_t, std::less<>> ids_;
  std::unordered_map<std::string, roaring::Roaring> namespaces_;
  // (expires_at_ms, slot) of every record that expires, soonest first.
  std::set<std::pair<int64_t, uint32_t>> expiring_;
  std::unique_ptr<index::VectorIndex> vectors_;
  meta::MetadataIndexSet metadata_indexes_;
  TextIndexConfig text_config_;
  std::unique_ptr<text::Bm25Index> text_index_;  // null when text_config_ is disabled
  bool text_index_from_segment_ = false;          // while the segment that held it is read
  // Changes whenever text_index_ is made anew (its analyzer or fields may differ), so documents
  // analysed before a reconfiguration are not used after it.
  uint64_t text_generation_ = 0;
  std::shared_ptr<const text::Analyzer> text_analyzer_;  // text_index_'s; null without one
  uint64_t applied_seq_ = 0;

  // NotifyWhenApplied's callbacks by mutation id (collection_notify.cc). Lock order: notify_mu_
  // before state_mu_; the leader calls RunAppliedNotifications after releasing state_mu_.
  void RunAppliedNotifications();
  struct AppliedNotification {
    uint64_t ticket;
    std::function<void()> fn;
  };
  std::mutex notify_mu_;
  uint64_t next_notify_ticket_ = 1;
  std::multimap<std::string, AppliedNotification> notifications_;
  int64_t applied_ms_ = 0;
};

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_COLLECTION_H_
