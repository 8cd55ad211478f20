// Copyright 2026 The semble Authors.
// Placeholder until the libcurl client lands (same session).
#include "storage/object_stores.h"
namespace semble::storage {
Result<std::unique_ptr<ObjectStore>> NewS3ObjectStore(const std::string&, const std::string&,
                                                      const ObjectStoreOptions&) {
  return Status::FailedPrecondition("s3:// stores are not built yet");
}
}  // namespace semble::storage
