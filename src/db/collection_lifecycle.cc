// Copyright 2026 The semble Authors.
//
// Collection: the lifecycle of records beyond single writes. Expiry (records whose time has
// passed, semble/record.h) and mutations that pick their records by filter.
//
// Both are ordinary logged mutations, so recovery and any reader of the log agree on them:
// - kPurgeExpired carries no ids: applying it deletes the records expired at the mutation's
//   logged time. Replay starts from the same state and uses the same time, so it deletes the same
//   records; and since reads hide expired records already (NowLocked is never behind that time),
//   a purge changes no result.
// - kDeleteByFilter / kUpdateMetadataByFilter carry the ids the filter matched, resolved by the
//   leader against exactly the state the mutation is applied to. Logging the ids rather than
//   re-running the filter on replay keeps replay independent of the filter code (a later build
//   that evaluates a filter differently still replays the same mutation), makes the count known
//   before the write is acknowledged, and lets a reader of the log see what was touched. The cost
//   is log bytes in proportion to the matches, bounded by the size of one log record.

#include <algorithm>

#include "db/collection.h"
#include "db/validation.h"
#include "meta/filter.h"

namespace semble {

// Indexes without by-filter mutations (none in this tree; the interface's other implementers
// override these) say so rather than silently doing nothing.
Result<MutationResult> Index::DeleteByFilter(const FilterMutation&) {
  return Status::FailedPrecondition("this index cannot delete by filter");
}

Result<MutationResult> Index::UpdateMetadataByFilter(const FilterMutation&) {
  return Status::FailedPrecondition("this index cannot update metadata by filter");
}

Result<MutationResult> Index::ConfigureTextIndex(const TextIndexConfig&) {
  return Status::FailedPrecondition("this index has no full-text index");
}

Status Database::PurgeExpired() {
  return Status::FailedPrecondition("expired records are purged where the database is open");
}

Result<std::shared_ptr<Index>> Database::GetIndexShards(const std::string&,
                                                        const std::vector<uint32_t>&) const {
  return Status::FailedPrecondition("shards are reached where the database is open");
}

Status Database::TakeOverWrites(const std::string&) {
  return Status::FailedPrecondition("writers are chosen where the database is open");
}

Status Database::GiveUpWrites(const std::string&) {
  return Status::FailedPrecondition("writers are chosen where the database is open");
}

bool Database::WritesIndex(const std::string&) const { return false; }

Status Database::CatchUpWithStore(const std::string&) {
  return Status::FailedPrecondition("only a database open on an object store syncs with it");
}

Status Database::SyncWithStore() {
  return Status::FailedPrecondition("only a database open on an object store syncs with it");
}

namespace db {

std::vector<uint32_t> Collection::ExpiredSlotsLocked(int64_t now) const {
  std::vector<uint32_t> out;
  for (auto it = expiring_.begin(); it != expiring_.end() && it->first <= now; ++it) {
    out.push_back(it->second);
  }
  return out;
}

Status Collection::PurgeExpired() {
  if (options_.read_only) return Status::OK();
  {
    std::shared_lock state(state_mu_);
    SEMBLE_RETURN_IF_ERROR(ReadableLocked());
    if (expiring_.empty() || expiring_.begin()->first > NowLocked()) return Status::OK();
  }
  Mutation m;
  m.type = MutationType::kPurgeExpired;
  return WriteMutation(std::move(m)).status();
}

Result<MutationResult> Collection::DeleteByFilter(const FilterMutation& request) {
  return WriteByFilter(MutationType::kDeleteByFilter, request);
}

Result<MutationResult> Collection::UpdateMetadataByFilter(const FilterMutation& request) {
  return WriteByFilter(MutationType::kUpdateMetadataByFilter, request);
}

Result<MutationResult> Collection::WriteByFilter(MutationType type, const FilterMutation& request) {
  const Limits& limits = options_.limits;
  auto filter = meta::Filter::Parse(request.filter_json, limits.max_filter_bytes);
  if (!filter.ok()) return filter.status().WithReason(Status::Reason::kBadFilter);
  if (filter->MatchesEverything() && !request.allow_all) {
    return Status::InvalidArgument(
               "the filter is empty and would match every record; give a filter, or allow all "
               "records explicitly")
        .WithReason(Status::Reason::kBadFilter);
  }
  Mutation m;
  m.type = type;
  m.filter_json = request.filter_json;
  m.allow_all = request.allow_all;
  if (type == MutationType::kUpdateMetadataByFilter) {
    if (request.metadata_json.empty()) return Status::InvalidArgument("no metadata given");
    auto patch = meta::ParseMetadata(request.metadata_json, limits.max_metadata_bytes);
    if (!patch.ok()) return patch.status().WithContext("metadata");
    m.patch = std::move(patch).value();
    m.patch_json = meta::ToJson(m.patch);
    m.merge = request.merge;
  }
  return WriteMutation(std::move(m));
}

Status Collection::ResolveByFilterLocked(Mutation* m) const {
  // Parsed again here (it parsed in WriteByFilter): the parsed form is not kept in the mutation,
  // which crosses threads only as a pointer, and a filter is small.
  auto filter = meta::Filter::Parse(m->filter_json, SIZE_MAX);
  if (!filter.ok()) return filter.status().WithReason(Status::Reason::kBadFilter);
  // Only the leader changes the state, and the leader is here: it is read without state_mu_.
  std::vector<uint32_t> slots;
  auto consider = [&](uint32_t slot) {
    if (!ExpiredAt(slot, m->time_ms) && filter->Matches(slots_[slot].metadata)) {
      slots.push_back(slot);
    }
  };
  std::optional<roaring::Roaring> candidates;
  if (!filter->MatchesEverything()) candidates = metadata_indexes_.Candidates(*filter);
  if (candidates) {
    for (uint32_t slot : *candidates) consider(slot);
  } else {
    for (const auto& [id, slot] : ids_) consider(slot);
  }
  m->ids.clear();
  m->ids.reserve(slots.size());
  for (uint32_t slot : slots) {
    if (m->type == MutationType::kUpdateMetadataByFilter) {
      const size_t bytes =
          meta::ToJson(UpdatedMetadata(slots_[slot].metadata, m->patch, m->merge)).size();
      if (bytes > options_.limits.max_metadata_bytes) {
        return Status::InvalidArgument("record \"" + slots_[slot].id +
                                       "\": its metadata would be " + std::to_string(bytes) +
                                       " bytes, the limit is " +
                                       std::to_string(options_.limits.max_metadata_bytes) +
                                       "; nothing was updated")
            .WithReason(Status::Reason::kMetadataTooLarge);
      }
    }
    m->ids.push_back(slots_[slot].id);
  }
  std::sort(m->ids.begin(), m->ids.end());
  m->count = m->ids.size();
  return Status::OK();
}

void Collection::UpdateSlotMetadata(uint32_t slot, const Mutation& m) {
  Slot& s = slots_[slot];
  meta::Value updated = UpdatedMetadata(s.metadata, m.patch, m.merge);
  metadata_indexes_.Remove(slot, s.metadata);
  s.metadata_json = updated.is_null() ? "" : meta::ToJson(updated);
  s.metadata = std::move(updated);
  metadata_indexes_.Add(slot, s.metadata);
  if (!text_config_.fields.empty()) IndexTextLocked(slot);  // fields are part of the document
}

}  // namespace db
}  // namespace semble
