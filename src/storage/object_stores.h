// Copyright 2026 The semble Authors.
//
// The ObjectStore implementations (semble/object_store.h), made by OpenObjectStore from a URL or
// directly by tests that need to wrap an Env.

#ifndef SEMBLE_SRC_STORAGE_OBJECT_STORES_H_
#define SEMBLE_SRC_STORAGE_OBJECT_STORES_H_

#include <memory>
#include <string>

#include "semble/env.h"
#include "semble/object_store.h"

namespace semble::storage {

// A directory as an object store: one file per object (keys escaped into flat file names), Put
// writes a temporary file, fsyncs it and links (put-if-absent) or renames it into place. If-Match
// is serialised across processes by a lock file in the directory. Creates `root` if missing.
Result<std::unique_ptr<ObjectStore>> NewDirObjectStore(Env* env, const std::string& root);

// S3 over libcurl with SigV4: `bucket`, and `prefix` ("" or ending in '/') put before every key.
Result<std::unique_ptr<ObjectStore>> NewS3ObjectStore(const std::string& bucket,
                                                      const std::string& prefix,
                                                      const ObjectStoreOptions& options);

// Creates `bucket` (PUT Bucket, in options.region); OK if it exists already and is ours. For tests
// and first-time setup: the store itself never creates buckets.
Status CreateS3Bucket(const std::string& bucket, const ObjectStoreOptions& options);

}  // namespace semble::storage

#endif  // SEMBLE_SRC_STORAGE_OBJECT_STORES_H_
