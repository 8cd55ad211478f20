// Copyright 2026 The semble Authors.
//
// An index of several shards (IndexConfig::shards) seen as one: each shard is a Collection with
// its own log, stored under ShardName(index, shard); a record lives in shard ShardOf(id). Writes
// split their records and ids by shard; filter mutations and metadata- and text-index changes go
// to every shard; reads ask every shard and merge (scatter-gather in process). A handle may also
// hold only some shards (Database::GetIndexShards): a cluster node applies the part of a write
// that falls in the shards it writes, and the other shards' writers apply the rest.
//
// Mutation ids: a write touches several logs, each with its own sequence, so its id lists one
// id per shard it touched ("<shard>:<id>", joined by ',', by shard). "Applied" means applied in
// every listed shard, and the processed-up-to id in Info lists every shard's.

#ifndef SEMBLE_SRC_DB_SHARDED_INDEX_H_
#define SEMBLE_SRC_DB_SHARDED_INDEX_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "semble/database.h"
#include "semble/model_registry.h"

namespace semble::db {

// One mutation id per shard, by shard.
using ShardMutationIds = std::map<uint32_t, std::string>;
// "<shard>:<id>,…" ("" for none).
std::string JoinShardMutationIds(const ShardMutationIds& ids);
// The parts of a joined id; false when `joined` is not one (a shard out of 0..shards-1, a part
// without its shard, an empty id, a shard twice).
bool SplitShardMutationIds(std::string_view joined, uint32_t shards, ShardMutationIds* out);

class ShardedIndex final : public Index {
 public:
  // `shards` maps shard numbers (of `total`) to their open collections. `name` is the index's
  // name (the shards are named ShardName(name, i)).
  ShardedIndex(std::string name, uint32_t total, std::map<uint32_t, std::shared_ptr<Index>> shards,
               ModelRegistry* models, const Limits& limits);

  IndexDescription Describe() const override;
  Result<IndexInfo> Info() const override;
  Result<MutationResult> Insert(std::span<const VectorRecord> records) override;
  Result<MutationResult> Upsert(std::span<const VectorRecord> records) override;
  Result<MutationResult> DeleteByIds(std::span<const std::string> ids) override;
  Result<MutationResult> DeleteByFilter(const FilterMutation& request) override;
  Result<MutationResult> UpdateMetadataByFilter(const FilterMutation& request) override;
  Result<std::vector<VectorRecord>> GetByIds(std::span<const std::string> ids) const override;
  Result<ListResult> List(const ListRequest& request) const override;
  Result<QueryResult> Query(const QueryRequest& request) const override;
  Result<std::vector<float>> QueryVector(const QueryRequest& request) const override;
  Result<MutationResult> CreateMetadataIndex(const MetadataIndexDescription& desc) override;
  Result<std::vector<MetadataIndexDescription>> ListMetadataIndexes() const override;
  Result<MutationResult> DeleteMetadataIndex(const std::string& property_name) override;
  Result<MutationResult> ConfigureTextIndex(const TextIndexConfig& config) override;
  Result<uint64_t> NotifyWhenApplied(const std::string& mutation_id,
                                     std::function<void()> applied) override;
  void CancelNotify(uint64_t ticket) override;

 private:
  Result<MutationResult> WriteRecords(bool upsert, std::span<const VectorRecord> records);
  // Runs `write` on every shard this handle holds (concurrently) and joins the mutation ids;
  // counts add up.
  Result<MutationResult> WriteEach(
      const std::function<Result<MutationResult>(uint32_t shard, Index&)>& write);
  Index* Holding(uint32_t shard) const;
  // Checks the ids and groups them by shard: the ids of shards this handle does not hold are left
  // out, or (need_all) refused.
  Result<std::map<uint32_t, std::vector<std::string>>> SplitIds(std::span<const std::string> ids,
                                                                bool need_all) const;

  const std::string name_;
  const uint32_t total_;
  const std::map<uint32_t, std::shared_ptr<Index>> shards_;
  ModelRegistry* const models_;
  const Limits limits_;

  std::mutex notify_mu_;
  uint64_t next_ticket_ = 1;  // guarded by notify_mu_
  // ticket -> the shards' own tickets; guarded by notify_mu_.
  std::map<uint64_t, std::vector<std::pair<Index*, uint64_t>>> tickets_;
};

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_SHARDED_INDEX_H_
