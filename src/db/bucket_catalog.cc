// Copyright 2026 The semble Authors.

#include "db/bucket_catalog.h"

#include "core/coding.h"
#include "storage/log_format.h"

namespace semble::db {
namespace {

constexpr char kCatalogDir[] = "catalog/";
constexpr char kCatalogMagic[] = "SMBLCATL";
constexpr uint32_t kCatalogVersion = 1;

std::string EncodeEntry(uint64_t incarnation) {
  std::string payload;
  core::PutFixed64(&payload, incarnation);
  return storage::FrameVersioned(kCatalogMagic, kCatalogVersion, payload);
}

Result<uint64_t> DecodeEntry(std::string_view data, const std::string& where) {
  SEMBLE_ASSIGN_OR_RETURN(
      std::string_view in,
      storage::VersionedRecord(data, kCatalogMagic, kCatalogVersion, "catalogue entry", where));
  uint64_t incarnation;
  if (!core::GetFixed64(&in, &incarnation) || !in.empty()) {
    return Status::Corruption(where + ": malformed catalogue entry");
  }
  return incarnation;
}

}  // namespace

Result<std::map<std::string, uint64_t>> ReadCatalog(ObjectStore* store) {
  SEMBLE_ASSIGN_OR_RETURN(std::vector<ObjectInfo> listed, store->List(kCatalogDir));
  std::map<std::string, uint64_t> out;
  for (const ObjectInfo& o : listed) {
    auto got = store->Get(o.key);
    if (got.status().IsNotFound()) continue;  // deleted since the listing
    if (!got.ok()) return got.status();
    SEMBLE_ASSIGN_OR_RETURN(uint64_t incarnation,
                            DecodeEntry(got->data, store->Url() + "/" + o.key));
    out.emplace(o.key.substr(sizeof(kCatalogDir) - 1), incarnation);
  }
  return out;
}

Status AddToCatalog(ObjectStore* store, const std::string& name, uint64_t incarnation) {
  const std::string entry = EncodeEntry(incarnation);
  auto put = store->Put(kCatalogDir + name, entry, PutCondition::IfAbsent());
  if (put.ok()) return Status::OK();
  // A retried put finds its own first attempt: the incarnation is random, so equal bytes are ours.
  auto got = store->Get(kCatalogDir + name);
  if (got.ok() && got->data == entry) return Status::OK();
  if (put.status().reason() == Status::Reason::kConditionFailed) {
    return Status::AlreadyExists("index \"" + name + "\" already exists in " + store->Url())
        .WithReason(Status::Reason::kIndexExists);
  }
  return put.status();
}

Status RemoveFromCatalog(ObjectStore* store, const std::string& name) {
  return store->Delete(kCatalogDir + name);
}

}  // namespace semble::db
