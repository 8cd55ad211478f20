// Copyright 2026 The semble Authors.
//
// Collection: opening and recovery, the write path, checkpoints. Reads are in collection_read.cc.

#include "db/collection.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#include "db/db_stats.h"
#include "db/record_sources.h"
#include "db/validation.h"
#include "storage/log_format.h"
#include "storage/log_reader.h"

namespace semble::db {

core::LatencyHistogram& WalSyncLatency() {
  static core::LatencyHistogram histogram;
  return histogram;
}
core::LatencyHistogram& BacklogWaitLatency() {
  static core::LatencyHistogram histogram;
  return histogram;
}
namespace {

// A leader groups at most this many bytes of mutations into one append + fsync.
constexpr size_t kMaxGroupBytes = 8 << 20;

// TakeOpenPhasesForBench: off (one relaxed load per phase) until a benchmark asks.
std::atomic<bool> time_open_phases{false};
std::mutex open_phases_mu;
OpenPhasesForBench open_phases;

// Adds the seconds from construction to destruction to *sum, when a benchmark asked.
class PhaseTimer {
 public:
  explicit PhaseTimer(double OpenPhasesForBench::*phase)
      : phase_(phase), on_(time_open_phases.load(std::memory_order_relaxed)) {
    if (on_) start_ = std::chrono::steady_clock::now();
  }
  ~PhaseTimer() {
    if (!on_) return;
    const std::chrono::duration<double> d = std::chrono::steady_clock::now() - start_;
    std::lock_guard lock(open_phases_mu);
    open_phases.*phase_ += d.count();
  }

 private:
  double OpenPhasesForBench::*phase_;
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

bool IsDataMutation(const Mutation& m) {
  return m.type == MutationType::kInsert || m.type == MutationType::kUpsert ||
         m.type == MutationType::kDelete;
}

}  // namespace

OpenPhasesForBench TakeOpenPhasesForBench() {
  time_open_phases.store(true, std::memory_order_relaxed);
  std::lock_guard lock(open_phases_mu);
  return std::exchange(open_phases, OpenPhasesForBench{});
}

Collection::Collection(const CollectionOptions& options, std::string dir, Manifest manifest,
                       std::unique_ptr<index::VectorIndex> vectors)
    : options_(options),
      env_(options.env),
      dir_(std::move(dir)),
      manifest_description_(manifest.description),
      incarnation_(manifest.incarnation),
      manifest_(std::move(manifest)),
      vectors_(std::move(vectors)),
      metadata_indexes_(options.limits.metadata_index_string_bytes) {}

Collection::~Collection() {
  JoinCheckpointer();
  std::unique_lock lock(mu_);
  if (wal_ != nullptr) wal_->Close();
}

Status Collection::InitializeFiles(Env* env, const std::string& dir, const Manifest& manifest) {
  SEMBLE_ASSIGN_OR_RETURN(auto wal, storage::LogWriter::Create(env, dir + "/" + WalFileName(1)));
  SEMBLE_RETURN_IF_ERROR(wal->Sync());
  SEMBLE_RETURN_IF_ERROR(wal->Close());
  SEMBLE_RETURN_IF_ERROR(WriteManifest(env, dir, manifest));  // syncs the directory
  return Status::OK();
}

Result<std::shared_ptr<Collection>> Collection::Open(const CollectionOptions& options,
                                                     const std::string& dir,
                                                     std::vector<std::string>* recovery_log,
                                                     std::unique_ptr<IndexBucket> bucket) {
  SEMBLE_ASSIGN_OR_RETURN(Manifest manifest, ReadManifest(options.env, dir));
  const IndexConfig& config = manifest.description.config;
  auto spec = index::ParseIndexSpec(config.index_type, config.dimensions, config.metric);
  if (!spec.ok()) return spec.status().WithContext(dir + "/" + kManifestName);
  SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<index::VectorIndex> vectors,
                          options.new_vector_index
                              ? options.new_vector_index(*spec, options.exact_search_below)
                              : index::NewVectorIndex(*spec, options.exact_search_below));
  std::shared_ptr<Collection> c(
      new Collection(options, dir, std::move(manifest), std::move(vectors)));
  c->bucket_ = std::move(bucket);
  SEMBLE_RETURN_IF_ERROR(c->Recover(recovery_log));
  return c;
}

// ---------------------------------------------------------------------------------------------
// Recovery

void Collection::LogSalvaged(const std::string& where, const std::vector<std::string>& ids,
                             std::vector<std::string>* recovery_log) const {
  for (const std::string& id : ids) {
    recovery_log->push_back(where + ": index \"" + manifest_.description.name + "\", record \"" +
                            id +
                            "\": its stored metadata could not be read; it is kept under "
                            "\"semble_unreadable_metadata\" (upsert the record to replace it)");
  }
}

Status Collection::Recover(std::vector<std::string>* recovery_log) {
  // Replay only fills the write buffer; graph linking starts when the index is open (a replayed
  // replacement would otherwise wait for the builder's batch in flight, mutation by mutation).
  vectors_->PauseBackgroundWork();
  Status s = RecoverPaused(recovery_log);
  // A recovery may leave more unlinked vectors than the writers' bound (up to
  // checkpoint_wal_ratio of the index): writers are not stopped for it, but the bound only
  // comes down from there (UnindexedBoundForWrite), so they cannot keep it that high.
  const uint64_t replayed = uint64_t{vectors_->Unindexed()} *
                            manifest_.description.config.dimensions * sizeof(float);
  backlog_bound_.store(std::max(options_.max_unindexed_bytes, replayed));
  vectors_->ResumeBackgroundWork();
  return s;
}

Status Collection::RecoverPaused(std::vector<std::string>* recovery_log) {
  const uint32_t dims = manifest_.description.config.dimensions;
  // The full-text index as of the checkpoint; records are indexed as they are placed, and a
  // logged reconfiguration after the checkpoint rebuilds it during replay.
  text_config_ = manifest_.description.config.text_index;
  SEMBLE_RETURN_IF_ERROR(RebuildTextIndexLocked().WithContext(dir_ + "/" + kManifestName));
  if (!manifest_.segment.empty()) {
    SegmentHeader header;
    const std::string path = dir_ + "/" + manifest_.segment;
    bool have_graph = false;
    std::vector<float> stored(dims);
    PhaseTimer segment_timer(&OpenPhasesForBench::segment);
    SEMBLE_ASSIGN_OR_RETURN(const uint64_t segment_bytes, env_->GetFileSize(path));
    segment_bytes_ = segment_bytes;
    auto on_blob = [&](uint64_t bytes, const std::function<Result<std::string_view>()>& next,
                       const core::BlobMapper& map) {
      PhaseTimer timer(&OpenPhasesForBench::graph);
      have_graph = true;
      // A damaged piece's Corruption names the file and offset already; the index's own
      // complaints about the blob get the file's name.
      Status piece_error;
      auto checked = [&]() -> Result<std::string_view> {
        Result<std::string_view> piece = next();
        if (!piece.ok()) piece_error = piece.status();
        return piece;
      };
      // Likewise an array the segment lets the graph map (a checksum that fails on the mapping).
      auto mapped = [&](uint64_t n, const std::function<const void*(int, uint64_t)>& mapper) {
        Result<bool> got = map(n, mapper);
        if (!got.ok()) piece_error = got.status();
        return got;
      };
      Status s = vectors_->LoadPieces(bytes, checked, mapped);
      if (!piece_error.ok()) return piece_error;
      return s.WithContext(path);
    };
    auto on_record = [&](uint32_t slot, VectorRecord&& r, meta::Value&& md) {
      PhaseTimer timer(&OpenPhasesForBench::records);
      if (slots_.capacity() == 0) {
        // Room for every record at once (slots are about as many as records: freed ones are
        // reused), rather than growing, copying and faulting in fresh pages some 20 times. The
        // header's count is bounded by what the file can hold (every record stores its vector),
        // so a wrong count cannot ask for more memory than the records themselves would.
        const uint32_t count = static_cast<uint32_t>(
            std::min<uint64_t>({header.record_count, segment_bytes / (uint64_t{dims} * 4),
                                std::numeric_limits<uint32_t>::max()}));
        slots_.reserve(count);
        // A vectors section brings the index's arena whole (on_rows).
        if (!header.vectors_section) vectors_->Reserve(count);
      }
      // A checkpoint writes records in id order, so an id after the last one placed is new
      // without a search of the id map (and PlaceRecord's insert at the end is constant time);
      // any other order is still accepted, checked the slow way.
      const bool in_order = ids_.empty() || ids_.rbegin()->first < r.id;
      if ((!in_order && ids_.count(r.id) != 0) ||
          (slot < slots_.size() && !slots_[slot].id.empty())) {
        return Status::Corruption(path + ": duplicate id or slot");
      }
      if (slot >= slots_.size()) slots_.resize(static_cast<size_t>(slot) + 1);
      if (header.vectors_section) {
        // The vectors follow the records (on_rows).
      } else if (header.values_in_blob && r.values.empty()) {
        // Stored once, in the graph: it must be there (its pieces passed their checksums).
        if (!vectors_->Holds(slot)) {
          return Status::Corruption(path + ": record \"" + r.id +
                                    "\" has no vector in the stored index");
        }
      } else if (have_graph && vectors_->Read(slot, stored.data())) {
        // The stored graph must hold exactly these vectors: anything else is wrong data.
        if (r.values != stored) {
          return Status::Corruption(path + ": the stored index disagrees with record \"" + r.id +
                                    "\"");
        }
      } else {
        // No graph, or a vector the graph had not taken in yet when it was written (an
        // approximate index builds in the background): index it now.
        SEMBLE_RETURN_IF_ERROR(vectors_->Set(slot, r.values.data()));
      }
      PlaceRecord(slot, std::move(r), std::move(md));
      return Status::OK();
    };
    auto on_text_blob = [&](std::string&& blob) {
      LoadTextIndexLocked(std::move(blob), path, recovery_log);
      return Status::OK();
    };
    // With a vectors section (a checkpoint of an index without a blob, e.g. flat) every vector
    // arrives at once after the records, in slot order: the index takes the rows as they are,
    // pages of the segment mapped copy-on-write, rather than a copy per record.
    RowsConsumer on_rows;
    on_rows.visit = [&](const float* rows, uint64_t first, uint64_t n) {
      PhaseTimer timer(&OpenPhasesForBench::vectors);
      vectors_->ObserveRows(rows, static_cast<size_t>(first), static_cast<size_t>(n));
    };
    on_rows.take = [&](core::HugeArray<float>&& rows, uint64_t count) -> Status {
      if (slots_.size() > count) {
        return Status::Corruption(path + ": a record's slot is past the vectors section");
      }
      slots_.resize(static_cast<size_t>(count));
      PhaseTimer timer(&OpenPhasesForBench::vectors);
      std::vector<uint8_t> live(static_cast<size_t>(count), 0);
      for (size_t slot = 0; slot < slots_.size(); ++slot) live[slot] = !slots_[slot].id.empty();
      return vectors_->AdoptRows(std::move(rows), live).WithContext(path);
    };
    std::vector<std::string> salvaged;
    Status read = ReadSegment(env_, path, dims, &header, on_blob, on_record, &salvaged, on_text_blob,
                              on_rows);
    text_index_from_segment_ = false;
    SEMBLE_RETURN_IF_ERROR(read);
    LogSalvaged(path, salvaged, recovery_log);
    if (text_index_ != nullptr && text_index_->num_docs() > ids_.size()) {
      // A blob that holds more documents than there are records does not belong to them.
      recovery_log->push_back(path + ": index \"" + manifest_.description.name +
                              "\": the stored full-text index disagrees with the records; "
                              "rebuilt from them");
      SEMBLE_RETURN_IF_ERROR(RebuildTextIndexLocked());
    }
    if (vectors_->size() != ids_.size()) {
      return Status::Corruption(path + ": the stored index holds " +
                                std::to_string(vectors_->size()) + " vectors for " +
                                std::to_string(ids_.size()) + " records");
    }
    for (uint32_t slot = static_cast<uint32_t>(slots_.size()); slot-- > 0;) {
      if (slots_[slot].id.empty()) free_slots_.push_back(slot);
    }
    if (header.seq != manifest_.checkpoint_seq) {
      return Status::Corruption(dir_ + "/" + manifest_.segment + ": covers mutation " +
                                std::to_string(header.seq) + ", the manifest says " +
                                std::to_string(manifest_.checkpoint_seq));
    }
    PhaseTimer metadata_timer(&OpenPhasesForBench::metadata_indexes);
    for (const MetadataIndexDescription& desc : header.metadata_indexes) {
      meta::MetadataIndex* index = metadata_indexes_.Create(desc);
      for (const auto& [id, slot] : ids_) index->Add(slot, slots_[slot].metadata);
    }
    applied_seq_ = header.seq;
    applied_ms_ = header.last_mutation_ms;
  }

  // Sort out the directory: WAL files in sequence order; leftovers of interrupted checkpoints
  // (temporary files, segments the manifest does not name) are removed.
  SEMBLE_ASSIGN_OR_RETURN(std::vector<std::string> children, env_->GetChildren(dir_));
  std::vector<std::pair<uint64_t, std::string>> wals;
  for (const std::string& name : children) {
    uint64_t first;
    if (ParseWalFileName(name, &first)) {
      wals.emplace_back(first, name);
    } else if (name != kManifestName && name != manifest_.segment &&
               name != manifest_.segment + kSegmentHashSuffix &&
               name.rfind(kDamagedPrefix, 0) != 0) {  // set aside by a repair: kept for the user
      SEMBLE_RETURN_IF_ERROR(env_->RemoveFile(dir_ + "/" + name));
    }
  }
  std::sort(wals.begin(), wals.end());

  uint64_t expected = manifest_.checkpoint_seq + 1;
  uint64_t good_end = 0;
  PhaseTimer wal_timer(&OpenPhasesForBench::wal);
  for (size_t i = 0; i < wals.size(); ++i) {
    Status s = ReplayWal(dir_ + "/" + wals[i].second, i + 1 == wals.size(), &expected, &good_end,
                         recovery_log);
    if (s.IsCorruption() && options_.repair_damaged_logs) {
      SEMBLE_RETURN_IF_ERROR(SetAsideDamagedLog(wals, i, good_end, s, recovery_log));
      wals.resize(i + 1);
      break;
    }
    SEMBLE_RETURN_IF_ERROR(s);
  }
  next_seq_ = expected;
  if (wals.empty()) {
    SEMBLE_ASSIGN_OR_RETURN(wal_,
                            storage::LogWriter::Create(env_, dir_ + "/" + WalFileName(expected)));
    SEMBLE_RETURN_IF_ERROR(env_->SyncDir(dir_));
  } else {
    SEMBLE_ASSIGN_OR_RETURN(
        wal_, storage::LogWriter::OpenForAppend(env_, dir_ + "/" + wals.back().second, good_end));
  }
  for (const auto& [first, name] : wals) {
    SEMBLE_ASSIGN_OR_RETURN(uint64_t size, env_->GetFileSize(dir_ + "/" + name));
    wal_bytes_ += size;
  }
  return Status::OK();
}

Status Collection::SetAsideDamagedLog(const std::vector<std::pair<uint64_t, std::string>>& wals,
                                      size_t damaged, uint64_t good_end, const Status& damage,
                                      std::vector<std::string>* recovery_log) {
  // The damaged log is copied whole beside the index, then cut to the mutations before the damage;
  // every later log (whose mutations would follow a gap) is moved aside as it is. Nothing is
  // deleted: a user can still take the files to someone who can read them.
  const std::string path = dir_ + "/" + wals[damaged].second;
  SEMBLE_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(env_, path));
  const std::string copy = dir_ + "/" + kDamagedPrefix + wals[damaged].second;
  SEMBLE_RETURN_IF_ERROR(WriteFileAtomically(env_, copy, bytes));
  SEMBLE_RETURN_IF_ERROR(env_->TruncateFile(path, good_end));
  uint64_t dropped = bytes.size() - good_end;
  for (size_t j = damaged + 1; j < wals.size(); ++j) {
    const std::string from = dir_ + "/" + wals[j].second;
    SEMBLE_ASSIGN_OR_RETURN(uint64_t size, env_->GetFileSize(from));
    dropped += size;
    SEMBLE_RETURN_IF_ERROR(env_->RenameFile(from, dir_ + "/" + kDamagedPrefix + wals[j].second));
  }
  SEMBLE_RETURN_IF_ERROR(env_->SyncDir(dir_));
  recovery_log->push_back(
      "repaired index \"" + manifest_.description.name + "\": " + damage.message() +
      "; kept the mutations before the damage (up to byte " + std::to_string(good_end) + " of " +
      path + "), set aside " + std::to_string(dropped) + " bytes of log after it as " + dir_ + "/" +
      kDamagedPrefix + "*");
  return Status::OK();
}

Status Collection::ReplayWal(const std::string& path, bool is_last, uint64_t* expected_seq,
                             uint64_t* good_end, std::vector<std::string>* recovery_log) {
  // Only the newest log can end in a torn record: older ones were fsynced before the next one was
  // created.
  SEMBLE_ASSIGN_OR_RETURN(auto reader, storage::LogReader::Open(env_, path, is_last));
  const uint32_t dims = manifest_.description.config.dimensions;
  while (true) {
    std::string_view payload;
    // On damage, *good_end says where the intact prefix ends (a repair cuts the log there).
    *good_end = reader->good_end();
    SEMBLE_ASSIGN_OR_RETURN(storage::LogReader::Outcome outcome, reader->Next(&payload));
    if (outcome == storage::LogReader::Outcome::kEof) break;
    if (outcome == storage::LogReader::Outcome::kTornTail) {
      SEMBLE_ASSIGN_OR_RETURN(uint64_t size, env_->GetFileSize(path));
      recovery_log->push_back(path + ": dropped a torn record at byte offset " +
                              std::to_string(reader->good_end()) + " (" +
                              std::to_string(size - reader->good_end()) +
                              " bytes, a write cut short by a crash; it was never acknowledged "
                              "unless the log's last fsync failed)");
      SEMBLE_RETURN_IF_ERROR(env_->TruncateFile(path, reader->good_end()));
      break;
    }
    *good_end = reader->record_offset();
    auto decoded = DecodeMutation(payload, dims);
    if (!decoded.ok()) {
      return decoded.status().WithContext(path + " at byte offset " +
                                          std::to_string(reader->record_offset()));
    }
    Mutation m = std::move(decoded).value();
    if (m.seq < *expected_seq) continue;  // already in the checkpoint
    LogSalvaged(path + " mutation " + std::to_string(m.seq), m.salvaged_ids, recovery_log);
    if (m.seq != *expected_seq) {
      return Status::Corruption(
          path + " at byte offset " + std::to_string(reader->record_offset()) + ": mutation " +
          std::to_string(m.seq) + " found where " + std::to_string(*expected_seq) +
          " was expected (a log file is missing or damaged)");
    }
    SEMBLE_RETURN_IF_ERROR(Apply(std::move(m)).WithContext(path));
    ++*expected_seq;
  }
  *good_end = reader->good_end();
  return Status::OK();
}

Status Collection::CatchUp(bool* behind) {
  *behind = false;
  // Under the writers' lock: one catch-up at a time, and never beside a checkpoint or close.
  std::unique_lock lock(mu_);
  if (!closed_.ok()) return closed_;
  if (bucket_ == nullptr || bucket_->writer()) {
    return Status::FailedPrecondition("index \"" + manifest_.description.name +
                                      "\" is not a reader of an object store");
  }
  std::string framed;
  SEMBLE_RETURN_IF_ERROR(bucket_->ReadNewLogs(&framed, behind));
  if (*behind || framed.empty()) return Status::OK();
  const std::string where = "index \"" + manifest_.description.name + "\": new log objects";
  std::vector<std::string_view> records;
  SEMBLE_RETURN_IF_ERROR(storage::SplitRecords(framed, where, &records));
  const uint32_t dims = manifest_.description.config.dimensions;
  std::vector<Mutation> mutations;
  for (std::string_view payload : records) {
    SEMBLE_ASSIGN_OR_RETURN(Mutation m, DecodeMutation(payload, dims));
    if (m.seq < next_seq_ + mutations.size()) continue;  // a writer's retry logged it twice
    if (m.seq != next_seq_ + mutations.size()) {
      return Status::Corruption(where + ": mutation " + std::to_string(m.seq) + " found where " +
                                std::to_string(next_seq_ + mutations.size()) + " was expected");
    }
    mutations.push_back(std::move(m));
  }
  Status status;
  {
    std::unique_lock state(state_mu_);
    for (Mutation& m : mutations) {
      status = Apply(std::move(m));
      if (!status.ok()) break;
      ++next_seq_;
    }
  }
  RunAppliedNotifications();
  return status.WithContext(where);
}

// ---------------------------------------------------------------------------------------------
// Write path

bool Collection::StoreWriterNeedsReopen() {
  if (!store_writer()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  return !bg_error_.ok() && bg_error_.reason() != Status::Reason::kFenced;
}

Status Collection::UsableLocked() const {
  if (!closed_.ok()) return closed_;
  if (options_.read_only) {
    return Status::FailedPrecondition("index \"" + manifest_.description.name +
                                      "\" is open read-only");
  }
  if (bucket_ != nullptr && !bucket_->writer()) {
    return Status::FailedPrecondition("index \"" + manifest_.description.name +
                                      "\" is written by another process; this one only reads it")
        .WithReason(Status::Reason::kNotWriter);
  }
  if (!bg_error_.ok()) {
    if (bucket_ != nullptr && bg_error_.reason() != Status::Reason::kFenced) {
      // Nothing is applied, and opening the index again from the store recovers (a cluster
      // node does so on its next round, a database that owns its store within a second of the
      // store answering again): the same request succeeds then.
      return Status::FailedPrecondition("index \"" + manifest_.description.name +
                                        "\" refuses writes until it is reopened from its store, "
                                        "after a log write whose outcome is unknown (" +
                                        bg_error_.ToString() + ")")
          .WithReason(Status::Reason::kNotWriter);
    }
    return Status::FailedPrecondition("index \"" + manifest_.description.name +
                                      "\" refuses writes after a failed log write (" +
                                      bg_error_.ToString() + "); reopen the database to recover")
        // A fenced handle stays fenced: callers (a cluster node) tell that from a failed disk.
        .WithReason(bg_error_.reason() == Status::Reason::kFenced ? Status::Reason::kFenced
                                                                  : Status::Reason::kNone);
  }
  return Status::OK();
}

Status Collection::Enqueue(Writer* w) {
  std::unique_lock lock(mu_);
  writers_.push_back(w);
  while (!w->done && w != writers_.front()) w->cv.wait(lock);
  if (w->done) return w->status;

  switch (w->kind) {
    case Writer::Kind::kMutation:
      LeadMutations(lock);  // completes w and the writers grouped with it
      break;
    case Writer::Kind::kCheckpoint:
      w->status = CheckpointLocked();
      break;
    case Writer::Kind::kSnapshot:
      w->status = CheckpointLocked(/*local_only=*/bucket_ != nullptr && !bucket_->writer());
      if (w->status.ok()) {
        *w->snapshot_manifest = manifest_;
        w->snapshot_segment->clear();
        if (!manifest_.segment.empty()) {
          auto bytes = ReadFileToString(env_, dir_ + "/" + manifest_.segment);
          if (bytes.ok()) {
            *w->snapshot_segment = std::move(bytes).value();
          } else {
            w->status = bytes.status();
          }
        }
      }
      break;
    case Writer::Kind::kClose:
      w->status = CloseLocked(w->checkpoint_on_close, w->close_reason);
      break;
  }
  if (w->kind != Writer::Kind::kMutation) {
    writers_.pop_front();
    w->done = true;
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  return w->status;
}

Status Collection::PreconditionLocked(const Mutation& m) const {
  // Only the leader applies mutations, so the state read here cannot change before this mutation
  // is applied.
  const std::string& prop = m.metadata_index.property_name;
  if (m.type == MutationType::kCreateMetadataIndex) {
    if (metadata_indexes_.Find(prop) != nullptr) {
      return Status::AlreadyExists("metadata index on \"" + prop + "\" already exists");
    }
    if (metadata_indexes_.size() >= options_.limits.max_metadata_indexes) {
      return Status::ResourceExhausted("index \"" + manifest_.description.name + "\" has " +
                                       std::to_string(metadata_indexes_.size()) +
                                       " metadata indexes, the limit is " +
                                       std::to_string(options_.limits.max_metadata_indexes));
    }
  } else if (m.type == MutationType::kDeleteMetadataIndex) {
    if (metadata_indexes_.Find(prop) == nullptr) {
      return Status::NotFound("no metadata index on \"" + prop + "\"");
    }
  }
  return Status::OK();
}

void Collection::LeadMutations(std::unique_lock<std::mutex>& lock) {
  // Gather the group: the leader's mutation and, behind it, data mutations up to kMaxGroupBytes.
  // A metadata index change goes alone: its precondition depends on the state before it.
  std::vector<Writer*> group;
  std::string framed;
  if (bucket_ != nullptr && options_.group_commit_window_us > 0 &&
      options_.sync_mode != SyncMode::kPerWrite) {
    // An object store write costs milliseconds whatever its size: let writers arriving within
    // the window share it. This leader stays at the front, so nobody else leads meanwhile.
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::microseconds(options_.group_commit_window_us));
    lock.lock();
  }
  Status status = UsableLocked();
  if (status.ok()) {
    int64_t now = std::max(env_->NowMillis(), applied_ms_);
    for (Writer* w : writers_) {
      if (w->kind != Writer::Kind::kMutation) break;
      Mutation& m = *w->mutation;
      if (!group.empty() &&
          (options_.sync_mode == SyncMode::kPerWrite || !IsDataMutation(m) ||
           !IsDataMutation(*group.front()->mutation) || framed.size() >= kMaxGroupBytes)) {
        break;
      }
      if (group.empty()) {
        status = PreconditionLocked(m);
        if (!status.ok()) {
          group.push_back(w);
          break;
        }
      }
      m.seq = next_seq_ + group.size();
      m.time_ms = now;
      // A ttl becomes an absolute expiry at the time the mutation carries in the log, so replay
      // and replicas agree on it.
      for (VectorRecord& r : m.records) {
        if (r.ttl_seconds) r.expires_at_ms = now + *r.ttl_seconds * 1000;
        r.ttl_seconds.reset();
      }
      if (m.type == MutationType::kDeleteByFilter ||
          m.type == MutationType::kUpdateMetadataByFilter) {
        status = ResolveByFilterLocked(&m);  // alone in its group (not a data mutation)
        if (!status.ok()) {
          group.push_back(w);
          break;
        }
      }
      // Encoded in place, after its record header: no copy of a batch's payload.
      const size_t start = storage::BeginRecord(&framed);
      EncodeMutation(m, &framed);
      const size_t payload_size = framed.size() - start - storage::kRecordHeaderSize;
      if (payload_size > storage::kMaxRecordSize - storage::kRecordHeaderSize) {
        framed.resize(start);
        if (!group.empty()) break;  // it fails alone, leading the next group
        status = Status::ResourceExhausted(
            "the mutation is " + std::to_string(payload_size) +
            " bytes, more than one log record holds; write fewer records or narrow the filter");
        group.push_back(w);
        break;
      }
      storage::FinishRecord(&framed, start);
      group.push_back(w);
    }
  } else {
    group.push_back(writers_.front());
  }

  if (status.ok()) {
    // Write outside mu_ so that new writers can queue (and later form the next group) meanwhile;
    // this leader stays at the front, so no one else touches the log.
    lock.unlock();
    const uint64_t log_end = wal_->size();
    status = wal_->AddFramed(framed);
    bool log_unknown = false;
    if (status.ok() && bucket_ != nullptr) {
      // The store is the durable log; the local file is a cache that the next open rebuilds, so
      // it is not fsynced.
      status = bucket_->AppendLog(framed, &log_unknown);
      if (status.reason() == Status::Reason::kFenced) log_unknown = true;
    } else if (status.ok() && options_.sync_mode != SyncMode::kNone) {
      const auto start = std::chrono::steady_clock::now();
      status = wal_->Sync();
      WalSyncLatency().Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    lock.lock();
    if (status.ok()) {
      wal_bytes_ += framed.size();
      next_seq_ += group.size();
      std::unique_lock state(state_mu_);
      for (Writer* w : group) {
        Status applied = Apply(std::move(*w->mutation));
        if (!applied.ok() && status.ok()) status = applied;
      }
      state.unlock();
      RunAppliedNotifications();
      // A mutation in the log that could not be applied: memory and log disagree until reopen.
      if (!status.ok()) bg_error_ = status;
    } else if (Status rewound = RewindLogLocked(log_end); !rewound.ok() || log_unknown) {
      // The group is not acknowledged either way. If the log cannot be put back to its last good
      // end, or the store may hold the group (or another writer took over), what the log holds
      // is unknown: refuse writes until the database is reopened.
      bg_error_ = status;
    }
  }
  for (Writer* w : group) {
    writers_.pop_front();
    w->status = status;
    w->done = true;
    if (w != group.front()) w->cv.notify_one();
  }
  if (status.ok() && wal_bytes_ >= CheckpointThresholdLocked() && !checkpoint_queued_) {
    // On a thread of its own, queued behind the writers like Checkpoint(): run here, it delayed
    // this group's leader by the whole segment write (a second at 100k vectors of 384 dims), and
    // the next request could not even be received meanwhile; now it is parsed and validated while
    // the segment is written. A failed automatic checkpoint leaves the WAL in place and is tried
    // again after a later write.
    checkpoint_queued_ = true;
    if (checkpointer_.joinable()) checkpointer_.join();  // done: it cleared checkpoint_queued_
    checkpointer_ = std::thread([this] {
      (void)Checkpoint();
      std::lock_guard lock(mu_);
      checkpoint_queued_ = false;
    });
  }
}

uint64_t Collection::UnindexedBoundForWrite() {
  uint64_t bound = backlog_bound_.load(std::memory_order_relaxed);
  if (bound <= options_.max_unindexed_bytes) return options_.max_unindexed_bytes;
  // Ratchet down to the backlog now, never below the option: a recovery's backlog is served as
  // the builder links it, and writes cannot refill it.
  const uint64_t now = uint64_t{vectors_->Unindexed()} *
                       manifest_.description.config.dimensions * sizeof(float);
  const uint64_t lower = std::max(options_.max_unindexed_bytes, now);
  while (lower < bound &&
         !backlog_bound_.compare_exchange_weak(bound, lower, std::memory_order_relaxed)) {
  }
  return std::min(bound, lower);
}

uint64_t Collection::CheckpointThresholdLocked() const {
  // In proportion to what a checkpoint rewrites: the segment grows by a constant factor from one
  // checkpoint to the next, so a load's checkpoint writes sum to a constant times its final size
  // instead of growing with its square.
  const double scaled = options_.checkpoint_wal_ratio * static_cast<double>(segment_bytes_);
  return std::max(options_.checkpoint_wal_bytes, static_cast<uint64_t>(scaled));
}

void Collection::JoinCheckpointer() {
  std::thread done;
  {
    std::lock_guard lock(mu_);
    done = std::move(checkpointer_);
  }
  if (done.joinable()) done.join();
}

Status Collection::RewindLogLocked(uint64_t log_end) {
  // A failed append (ENOSPC, EIO) may have left part of the group in the file, and after a failed
  // fdatasync the pages past the last good sync are in an unknown state. Everything before
  // log_end was made durable by earlier syncs, so cutting the file back there (ftruncate + fsync)
  // gives a log whose contents are known again; the next write simply tries again, and writes
  // resume by themselves once the disk has room.
  const std::string path = wal_->path();
  wal_.reset();
  Status s = env_->TruncateFile(path, log_end);
  auto reopened = storage::LogWriter::OpenForAppend(env_, path, log_end);
  if (!reopened.ok()) {
    // Without a writer no write can proceed; UsableLocked reports bg_error_ set by the caller.
    return reopened.status();
  }
  wal_ = std::move(reopened).value();
  return s;
}

Result<MutationResult> Collection::WriteMutation(Mutation m) {
  Writer w;
  w.kind = Writer::Kind::kMutation;
  w.mutation = &m;
  Status s = Enqueue(&w);
  if (!s.ok()) return s;
  // m.seq was assigned by the leader before the mutation was moved into the state.
  std::shared_lock state(state_mu_);
  return MutationResult{MutationIdLocked(m.seq), m.count};
}

Result<MutationResult> Collection::WriteRecords(MutationType type,
                                                std::span<const VectorRecord> records) {
  Mutation m;
  m.type = type;
  if (HasSources(records)) {
    // Text and fields become vectors here, before the log and outside every lock: embedding is the
    // slow part of a write, and other writers and readers must not wait for it. The batch is
    // counted first, so a body of a million texts is refused before any is embedded.
    SEMBLE_RETURN_IF_ERROR(ValidateBatchSize(records.size(), options_.limits));
    std::vector<VectorRecord> filled(records.begin(), records.end());
    SEMBLE_RETURN_IF_ERROR(FillFromSources(manifest_description_, options_.models, &filled));
    SEMBLE_RETURN_IF_ERROR(ValidateRecords(filled, manifest_description_.config, options_.limits,
                                           &m.records, &m.metadata));
  } else {
    SEMBLE_RETURN_IF_ERROR(ValidateRecords(records, manifest_description_.config, options_.limits,
                                           &m.records, &m.metadata));
  }
  AnalyzeDocuments(&m);
  if (options_.max_unindexed_bytes > 0) {
    // Before the queue and outside every lock: a waiting writer holds up nobody (queries, other
    // indexes, writes that add no vectors), and writers that arrive while the builder is behind
    // wait here too, so the backlog stays near the bound instead of growing with the load.
    const auto start = std::chrono::steady_clock::now();
    if (vectors_->WaitForBacklogAtMost(UnindexedBoundForWrite())) {
      BacklogWaitLatency().Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  }
  return WriteMutation(std::move(m));
}

Result<MutationResult> Collection::Insert(std::span<const VectorRecord> records) {
  return WriteRecords(MutationType::kInsert, records);
}

Result<MutationResult> Collection::Upsert(std::span<const VectorRecord> records) {
  return WriteRecords(MutationType::kUpsert, records);
}

Result<MutationResult> Collection::DeleteByIds(std::span<const std::string> ids) {
  if (ids.empty()) return Status::InvalidArgument("no ids given");
  if (ids.size() > options_.limits.max_batch_vectors) {
    return Status::InvalidArgument(std::to_string(ids.size()) + " ids in one call, the limit is " +
                                   std::to_string(options_.limits.max_batch_vectors));
  }
  Mutation m;
  m.type = MutationType::kDelete;
  for (size_t i = 0; i < ids.size(); ++i) {
    Status s = ValidateId(ids[i], options_.limits);
    if (!s.ok()) return s.WithContext("ids[" + std::to_string(i) + "]");
  }
  m.ids.assign(ids.begin(), ids.end());
  return WriteMutation(std::move(m));
}

Result<MutationResult> Collection::CreateMetadataIndex(const MetadataIndexDescription& desc) {
  SEMBLE_RETURN_IF_ERROR(ValidatePropertyName(desc.property_name));
  Mutation m;
  m.type = MutationType::kCreateMetadataIndex;
  m.metadata_index = desc;
  return WriteMutation(std::move(m));
}

Result<MutationResult> Collection::DeleteMetadataIndex(const std::string& property_name) {
  SEMBLE_RETURN_IF_ERROR(ValidatePropertyName(property_name));
  Mutation m;
  m.type = MutationType::kDeleteMetadataIndex;
  m.metadata_index.property_name = property_name;
  return WriteMutation(std::move(m));
}

// ---------------------------------------------------------------------------------------------
// Applying mutations

uint32_t Collection::TakeSlot() {
  if (free_slots_.empty()) {
    slots_.emplace_back();
    return static_cast<uint32_t>(slots_.size() - 1);
  }
  uint32_t slot = free_slots_.back();
  free_slots_.pop_back();
  return slot;
}

void Collection::PlaceRecord(uint32_t slot, VectorRecord&& r, meta::Value&& metadata,
                             const std::vector<std::string>* terms) {
  if (!r.ns.empty()) namespaces_[r.ns].add(slot);
  if (r.expires_at_ms != 0) expiring_.emplace(r.expires_at_ms, slot);
  metadata_indexes_.Add(slot, metadata);
  // The hint is right whenever ids arrive in order (recovery from a segment) and costs one
  // comparison otherwise.
  ids_.emplace_hint(ids_.end(), r.id, slot);
  Slot& s = slots_[slot];
  s.expires_at_ms = r.expires_at_ms;
  s.id = std::move(r.id);
  s.ns = std::move(r.ns);
  s.metadata_json = std::move(r.metadata_json);
  s.metadata = std::move(metadata);
  s.text = std::move(r.text);
  if (terms != nullptr && text_index_ != nullptr && !text_index_from_segment_) {
    text_index_->AddTerms(slot, *terms);
  } else {
    IndexTextLocked(slot);
  }
}

void Collection::RemoveSlot(uint32_t slot, std::map<uint32_t, const float*>* pending) {
  Slot& s = slots_[slot];
  metadata_indexes_.Remove(slot, s.metadata);
  if (s.expires_at_ms != 0) expiring_.erase({s.expires_at_ms, slot});
  if (!s.ns.empty()) {
    auto it = namespaces_.find(s.ns);
    it->second.remove(slot);
    if (it->second.isEmpty()) namespaces_.erase(it);
  }
  if (pending == nullptr || pending->erase(slot) == 0) vectors_->Clear(slot);
  if (text_index_ != nullptr) text_index_->Remove(slot);
  ids_.erase(s.id);
  s = Slot();
  free_slots_.push_back(slot);
}

Status Collection::StoreVectors(const std::map<uint32_t, const float*>& pending) {
  if (pending.empty()) return Status::OK();
  if (pending.size() == 1) return vectors_->Set(pending.begin()->first, pending.begin()->second);
  const uint32_t dims = manifest_description_.config.dimensions;
  std::vector<uint32_t> slots;
  std::vector<float> values;
  slots.reserve(pending.size());
  values.reserve(pending.size() * dims);
  for (const auto& [slot, v] : pending) {
    slots.push_back(slot);
    values.insert(values.end(), v, v + dims);
  }
  return vectors_->SetBatch(slots, values.data());
}

Status Collection::Apply(Mutation&& m) {
  Status s;
  // Vectors of this mutation by slot, handed to the index in one batch at the end (a graph index
  // inserts a batch on several threads). Pointers into m.records, which outlives this call.
  std::map<uint32_t, const float*> pending;
  switch (m.type) {
    case MutationType::kInsert:
    case MutationType::kUpsert:
      for (size_t i = 0; i < m.records.size(); ++i) {
        auto it = ids_.find(m.records[i].id);
        if (it != ids_.end()) {
          // First write wins, unless the first has expired: it is gone for every reader.
          if (m.type == MutationType::kInsert && !ExpiredAt(it->second, m.time_ms)) continue;
          RemoveSlot(it->second, &pending);
        }
        const uint32_t slot = TakeSlot();
        pending[slot] = m.records[i].values.data();
        const bool analysed =
            !m.doc_terms.empty() && m.text_generation == text_generation_;
        PlaceRecord(slot, std::move(m.records[i]), std::move(m.metadata[i]),
                    analysed ? &m.doc_terms[i] : nullptr);
      }
      s = StoreVectors(pending);
      break;
    case MutationType::kDelete:
    case MutationType::kDeleteByFilter:
      for (const std::string& id : m.ids) {
        auto it = ids_.find(id);
        if (it != ids_.end()) RemoveSlot(it->second, nullptr);
      }
      break;
    case MutationType::kUpdateMetadataByFilter:
      for (const std::string& id : m.ids) {
        auto it = ids_.find(id);
        if (it != ids_.end()) UpdateSlotMetadata(it->second, m);
      }
      break;
    case MutationType::kPurgeExpired:
      for (uint32_t slot : ExpiredSlotsLocked(m.time_ms)) RemoveSlot(slot, nullptr);
      break;
    case MutationType::kCreateMetadataIndex: {
      meta::MetadataIndex* index = metadata_indexes_.Create(m.metadata_index);
      for (const auto& [id, slot] : ids_) index->Add(slot, slots_[slot].metadata);
      break;
    }
    case MutationType::kDeleteMetadataIndex:
      metadata_indexes_.Remove(m.metadata_index.property_name);
      break;
    case MutationType::kConfigureTextIndex:
      text_config_ = std::move(m.text_index);
      s = RebuildTextIndexLocked();
      break;
  }
  applied_seq_ = m.seq;
  applied_ms_ = m.time_ms;
  if (!s.ok()) return Status::Internal("mutation " + std::to_string(m.seq) + ": " + s.ToString());
  return s;
}

// ---------------------------------------------------------------------------------------------
// Checkpoints and closing

Status Collection::Checkpoint() {
  Writer w;
  w.kind = Writer::Kind::kCheckpoint;
  return Enqueue(&w);
}

Status Collection::Snapshot(Manifest* manifest, std::string* segment) {
  Writer w;
  w.kind = Writer::Kind::kSnapshot;
  w.snapshot_manifest = manifest;
  w.snapshot_segment = segment;
  return Enqueue(&w);
}

Status Collection::Close(bool checkpoint, const Status& reason) {
  Writer w;
  w.kind = Writer::Kind::kClose;
  w.checkpoint_on_close = checkpoint;
  w.close_reason = reason;
  Status s = Enqueue(&w);
  // Once closed, an automatic checkpoint still queued fails at once; none outlives Close.
  JoinCheckpointer();
  return s;
}

Status Collection::CheckpointLocked(bool local_only, bool remap) {
  if (local_only) {
    if (!closed_.ok()) return closed_;
  } else {
    SEMBLE_RETURN_IF_ERROR(UsableLocked());
  }
  const uint64_t seq = applied_seq_;
  if (seq == manifest_.checkpoint_seq) return Status::OK();

  // 1. Rotate the log so that writes after the checkpoint land in a file of their own.
  Status synced = wal_->Sync();
  if (!synced.ok()) {
    bg_error_ = synced;  // as on the write path: the log's durable contents are now unknown
    return synced;
  }
  // (An earlier checkpoint that failed after rotating may have left the log rotated already.)
  const std::string next_wal = dir_ + "/" + WalFileName(seq + 1);
  if (wal_->path() != next_wal) {
    auto fresh = storage::LogWriter::Create(env_, next_wal);
    Status s = fresh.status();
    if (s.ok()) s = env_->SyncDir(dir_);
    if (!s.ok()) return s.WithContext("checkpoint of \"" + manifest_.description.name + "\"");
    wal_->Close();
    wal_ = std::move(fresh).value();
  }

  // 2. Write the segment. Queries may read the state meanwhile; nothing changes it, because this
  //    runs as the leader.
  const std::string segment = SegmentFileName(seq);
  SegmentHeader header;
  header.seq = seq;
  header.last_mutation_ms = applied_ms_;
  header.record_count = ids_.size();
  header.metadata_indexes = metadata_indexes_.List();
  std::vector<uint8_t> in_blob;
  std::vector<std::pair<uint64_t, uint64_t>> blob_arrays;  // stored mappable (AddIndexBlob)
  const std::string blob = vectors_->SerializeHolding(slots_.size(), &in_blob, &blob_arrays);
  header.index_blob_bytes = blob.size();
  // An index with no blob of its own (flat) gets its vectors in a section it can map on open; a
  // graph's blob holds the vectors it has linked, and only the others go into their records.
  header.vectors_section = blob.empty();
  header.values_in_blob = !blob.empty();
  const std::string text_blob = text_index_ != nullptr ? text_index_->Serialize() : "";
  header.text_blob_bytes = text_blob.size();
  uint64_t rows_offset = 0;
  uint64_t segment_bytes = 0;
  auto writer = SegmentWriter::Create(env_, dir_ + "/" + segment,
                                      manifest_.description.config.dimensions, header);
  Status s = writer.status();
  if (s.ok()) s = (*writer)->AddIndexBlob(blob, blob_arrays);
  if (s.ok()) s = (*writer)->AddTextBlob(text_blob);
  if (s.ok()) {
    const uint32_t dims = manifest_.description.config.dimensions;
    VectorRecord r;
    for (const auto& [id, slot] : ids_) {
      const Slot& sl = slots_[slot];
      r.id = id;
      r.ns = sl.ns;
      r.metadata_json = sl.metadata_json;
      r.expires_at_ms = sl.expires_at_ms;
      r.text = sl.text;
      r.values.clear();
      if (!header.vectors_section && !in_blob[slot]) {
        // A copy (Read), not a pointer: the builder of a graph index may move the vector from
        // its write buffer into the graph meanwhile (it is paused only while Serialize runs) and
        // free the buffer.
        r.values.resize(dims);
        if (!vectors_->Read(slot, r.values.data())) {
          s = Status::Internal("record \"" + id + "\" has no vector");
          break;
        }
      }
      s = (*writer)->Add(slot, r);
      if (!s.ok()) break;
    }
    auto fill = [&](uint64_t first, uint64_t n, float* out) -> Status {
      for (uint64_t i = 0; i < n; ++i) {
        const auto slot = static_cast<uint32_t>(first + i);
        float* row = out + i * dims;
        if (slots_[slot].id.empty()) {
          std::fill(row, row + dims, 0.0f);  // a free slot: no deleted vector lingers on disk
        } else if (!vectors_->Read(slot, row)) {
          return Status::Internal("record \"" + slots_[slot].id + "\" has no vector");
        }
      }
      return Status::OK();
    };
    if (s.ok()) {
      s = header.vectors_section ? (*writer)->Finish(slots_.size(), fill) : (*writer)->Finish();
      if (s.ok()) rows_offset = (*writer)->rows_offset();
      if (s.ok()) segment_bytes = (*writer)->bytes_written();
    }
  }
  if (s.ok()) s = env_->SyncDir(dir_);

  // 3. Commit: the manifest names the new segment.
  Manifest next = manifest_;
  next.description.config.text_index = text_config_;  // as of seq, like the segment
  next.checkpoint_seq = seq;
  next.segment = segment;
  if (s.ok() && bucket_ != nullptr && !local_only) {
    // The store's manifest is the commit; the local one only caches it.
    s = bucket_->CommitCheckpoint(env_, dir_, next);
    if (s.reason() == Status::Reason::kFenced) bg_error_ = s;
  }
  if (s.ok()) s = WriteManifest(env_, dir_, next);
  if (!s.ok()) {
    env_->RemoveFile(dir_ + "/" + segment);  // best effort; Open removes it too
    return s.WithContext("checkpoint of \"" + manifest_.description.name + "\"");
  }
  const std::string old_segment = manifest_.segment;
  manifest_ = std::move(next);

  // 4. Drop what the checkpoint made redundant. Failing here costs disk space, not data: Open
  //    skips log records the checkpoint covers and removes unnamed segments.
  auto children = env_->GetChildren(dir_);
  if (children.ok()) {
    for (const std::string& name : *children) {
      uint64_t first;
      if (ParseWalFileName(name, &first) && first <= seq) env_->RemoveFile(dir_ + "/" + name);
    }
  }
  if (!old_segment.empty()) env_->RemoveFile(dir_ + "/" + old_segment);
  env_->SyncDir(dir_);
  wal_bytes_ = 0;
  segment_bytes_ = segment_bytes;
  if (remap && header.vectors_section && rows_offset != 0 && !slots_.empty()) {
    RemapToSegment(dir_ + "/" + segment, rows_offset, slots_.size());
  }
  return Status::OK();
}

void Collection::RemapToSegment(const std::string& path, uint64_t offset, uint64_t rows) {
  auto file = env_->OpenForMapping(path);
  if (!file.ok() || *file == nullptr) return;
  core::HugeArray<float> mapped;
  if (!mapped.MapFile((*file)->fd(), offset, rows * manifest_.description.config.dimensions)) {
    return;
  }
  // As the leader nothing changes the index meanwhile, so the comparison (a pass over both
  // copies) runs beside queries; only the swap of one arena for the other holds them back.
  if (!vectors_->SameRows(mapped, static_cast<size_t>(rows))) return;
  std::unique_lock state(state_mu_);
  vectors_->SwapRows(std::move(mapped), static_cast<size_t>(rows));
}

Status Collection::CloseLocked(bool checkpoint, const Status& reason) {
  if (!closed_.ok()) return Status::OK();
  Status s;
  if (checkpoint && bg_error_.ok()) s = CheckpointLocked(/*local_only=*/false, /*remap=*/false);
  if (wal_ != nullptr) {
    Status c = wal_->Close();
    if (s.ok()) s = c;
    wal_.reset();
  }
  closed_ = reason;
  std::unique_lock state(state_mu_);
  state_closed_ = reason;
  return s;
}

}  // namespace semble::db
