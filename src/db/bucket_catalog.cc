// Copyright 2026 The semble Authors.

#include "db/bucket_catalog.h"

#include "core/coding.h"
#include "storage/log_format.h"

namespace semble::db {
namespace {

constexpr char kCatalogDir[] = "catalog/";
constexpr char kCatalogMagic[] = "SMBLCATL";

std::string EncodeEntry(uint64_t incarnation) {
  std::string payload(kCatalogMagic, 8);
  core::PutFixed64(&payload, incarnation);
  std::string framed;
  storage::AppendRecord(&framed, payload);
  return framed;
}

Result<uint64_t> DecodeEntry(std::string_view data, const std::string& where) {
  std::vector<std::string_view> records;
  SEMBLE_RETURN_IF_ERROR(storage::SplitRecords(data, where, &records));
  uint64_t incarnation;
  if (records.size() != 1 || records[0].substr(0, 8) != std::string_view(kCatalogMagic, 8)) {
    return Status::Corruption(where + ": not a semble catalogue entry");
  }
  std::string_view in = records[0].substr(8);
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
