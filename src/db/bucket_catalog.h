// Copyright 2026 The semble Authors.
//
// The catalogue of a database that lives in an object store: one object per index,
// "catalog/<name>", holding the incarnation whose objects are the index (index_bucket.h). Creating
// an index is a put-if-absent of its catalogue object, so two processes creating one name cannot
// both succeed; deleting removes the object first, so a half-deleted index is simply gone.

#ifndef SEMBLE_SRC_DB_BUCKET_CATALOG_H_
#define SEMBLE_SRC_DB_BUCKET_CATALOG_H_

#include <cstdint>
#include <map>
#include <string>

#include "semble/object_store.h"

namespace semble::db {

// Index name → incarnation.
Result<std::map<std::string, uint64_t>> ReadCatalog(ObjectStore* store);
// AlreadyExists (reason kIndexExists) if the name is taken.
Status AddToCatalog(ObjectStore* store, const std::string& name, uint64_t incarnation);
Status RemoveFromCatalog(ObjectStore* store, const std::string& name);

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_BUCKET_CATALOG_H_
